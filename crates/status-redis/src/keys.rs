//! The budget's Redis keys: one hash tag for all of them, derived from a hash of the API key.

use core::fmt;

use sha2::{Digest, Sha256};

/// The nine Redis keys of one budget, `<namespace>:{<tag>}:<name>`, where the tag is the first
/// 16 bytes of SHA-256 over the namespace and the API key, in hex. The braces make the tag
/// Redis Cluster's hash tag, so every key of a budget is in one slot and the scripts may touch
/// them all; the key itself never appears.
#[derive(Clone, PartialEq, Eq)]
pub struct BudgetKeys {
    names: [String; 9],
    tag: String,
}

impl BudgetKeys {
    /// The names, in the scripts' `KEYS` order.
    pub const NAMES: [&'static str; 9] =
        ["meta", "holders", "inflight", "done", "proj", "pid", "path", "rqueue", "pqueue"];

    /// The keys for `api_key` under `namespace`.
    pub fn new(namespace: &str, api_key: &str) -> Self {
        let mut hash = Sha256::new();
        hash.update(namespace.as_bytes());
        hash.update([0]);
        hash.update(api_key.as_bytes());
        let digest = hash.finalize();
        let mut tag = String::with_capacity(32);
        for byte in digest.iter().take(16) {
            tag.push_str(&format!("{byte:02x}"));
        }
        let names = Self::NAMES.map(|name| format!("{namespace}:{{{tag}}}:{name}"));
        Self { names, tag }
    }

    /// Every key, in the scripts' `KEYS` order.
    pub fn all(&self) -> &[String; 9] {
        &self.names
    }

    /// The hash tag (without braces) that every key carries.
    pub fn hash_tag(&self) -> &str {
        &self.tag
    }
}

impl fmt::Debug for BudgetKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BudgetKeys").field("tag", &self.tag).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_share_one_tag_and_never_show_the_key() {
        let keys = BudgetKeys::new("status-redis", "sk-live-secret");
        for key in keys.all() {
            assert!(key.contains(&format!("{{{}}}", keys.hash_tag())), "{key}");
            assert!(!key.contains("sk-live-secret"), "{key}");
            // Exactly one `{...}`: Cluster hashes only the first.
            assert_eq!(key.matches('{').count(), 1);
        }
        assert_eq!(keys.hash_tag().len(), 32);
        assert_ne!(keys, BudgetKeys::new("status-redis", "sk-live-other"));
        assert_ne!(keys, BudgetKeys::new("other-app", "sk-live-secret"));
    }
}
