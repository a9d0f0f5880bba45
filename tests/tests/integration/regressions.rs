//! Inputs the fuzzers found that broke a property, kept byte for byte under
//! `tests/regressions/`, each with the behaviour it must have.

use serde::de::IgnoredAny;
use status_core::{decode, decode_typed, Error, ErrorKind};
use status_tests::fuzz;

/// A 200 whose body is not JSON at all (a proxy's page): the one-walk typed decoder must
/// report the syntax error that `decode` reports, not "expected an object".
#[test]
fn typed_one_walk_reports_the_syntax_error_of_a_non_object_body() {
    let body = include_bytes!("../../regressions/typed-non-object-html.bin");
    let two_steps = decode(200, body).expect_err("not JSON");
    assert_eq!(two_steps, Error::new(ErrorKind::ExpectedValue, 0));
    let one_walk = decode_typed::<IgnoredAny>(200, body).expect_err("not JSON");
    assert_eq!(one_walk.error(), two_steps);
    fuzz::typed(body);
}

/// A transfer cut inside a multi-byte UTF-8 character is a truncation, not invalid UTF-8:
/// the bytes present are a valid prefix of one.
#[test]
fn cut_inside_a_utf8_character_is_unexpected_eof() {
    let body = include_bytes!("../../regressions/truncated-inside-utf8.bin");
    assert_eq!(decode(200, body), Err(Error::new(ErrorKind::UnexpectedEof, body.len())));
    fuzz::differential(body);
}

/// A transfer cut right after a high surrogate escape is a truncation: the low half may have
/// been on its way.
#[test]
fn cut_after_a_high_surrogate_escape_is_unexpected_eof() {
    let body = include_bytes!("../../regressions/truncated-after-high-surrogate.bin");
    assert_eq!(decode(200, body), Err(Error::new(ErrorKind::UnexpectedEof, body.len())));
    fuzz::differential(body);
}
