//! status-core links into a `#![no_std]` library with no global allocator (tests/no-std-check).

use std::path::PathBuf;
use std::process::Command;

#[test]
fn status_core_links_without_std_or_alloc() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let manifest = root.join("no-std-check/Cargo.toml");
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("../target"), PathBuf::from)
        .join("no-std-check");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    for profile in [&["--profile", "dev"][..], &["--release"][..]] {
        let out = Command::new(&cargo)
            .arg("build")
            .args(profile)
            .arg("--manifest-path")
            .arg(&manifest)
            .arg("--target-dir")
            .arg(&target_dir)
            .env_remove("RUSTFLAGS")
            .output()
            .expect("run cargo");
        assert!(
            out.status.success(),
            "the no_std link check failed ({profile:?}):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
