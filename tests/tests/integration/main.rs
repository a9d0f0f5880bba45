//! status-core's integration tests, one binary (the zero-allocation test has its own, for its
//! global allocator): the specification's examples, RFC 8259 edge cases, property tests against
//! serde_json, typed data, fuzz-corpus replay, regressions, and the `no_std` link check.

mod fuzz_corpus;
mod no_std;
mod prop_envelopes;
mod prop_mutations;
mod prop_strings;
mod prop_truncation;
mod regressions;
mod rfc8259;
mod spec;
mod typed_agree;
mod typed_data;
mod typed_into;
