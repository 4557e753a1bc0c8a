//! `troth restore` fed damaged and arbitrary files: random bytes, a real
//! backup cut short or with bytes changed, a SQLite header over noise. It
//! never panics, and it either restores a sound database or leaves the one
//! in place exactly as it was (no half-written file, no temporary left).
//!
//! `cargo test` runs a bounded number of cases; `PROPTEST_CASES=500`
//! (see `scripts/fuzz-long.sh`) runs more.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// Runs troth; a run over a minute is a hang, and fails the test (it did:
/// sqlx's pool reaper spun at exit, see `crates/store/src/db/mod.rs`).
fn troth(dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_troth"))
        .current_dir(dir)
        .args(args)
        .env_remove("TROTH_DATABASE_URL")
        .env_remove("TROTH_CONFIG")
        .env("TROTH_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("troth runs");
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("troth {args:?} did not finish within 60 s: {}", String::from_utf8_lossy(&out.stderr));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

struct Dir(PathBuf);
impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What SQLite's structural check says about a file ("ok" when sound).
fn integrity(path: &Path) -> Vec<String> {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode=ro", path.display());
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
        let pool = sqlx::AnyPool::connect(&url).await.expect("the restored database opens");
        let lines: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&pool).await.unwrap();
        pool.close().await;
        lines
    })
}

/// Damaged versions of a good backup, and things that are no backup at all.
fn candidates(good: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = good.len();
    let (cut, flipped) = (good.clone(), good.clone());
    let header_over_noise = prop::collection::vec(any::<u8>(), 0..20_000).prop_map(|noise| {
        let mut bytes = b"SQLite format 3\0".to_vec();
        bytes.extend(noise);
        bytes
    });
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..70_000),
        header_over_noise,
        (0..len).prop_map(move |at| cut[..at].to_vec()),
        prop::collection::vec((0..len, any::<u8>()), 1..24).prop_map(move |changes| {
            let mut bytes = flipped.clone();
            for (at, byte) in changes {
                bytes[at] = byte;
            }
            bytes
        }),
    ]
}

#[test]
fn restore_of_damaged_or_arbitrary_files_never_half_writes() {
    let dir = Dir(std::env::temp_dir().join(format!("troth-restore-fuzz-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&dir.0);
    std::fs::create_dir_all(&dir.0).unwrap();
    let d = &dir.0;
    assert!(troth(d, &["demo"]).status.success());
    assert!(troth(d, &["backup", "good.db"]).status.success());
    let good = std::fs::read(d.join("good.db")).unwrap();

    let target = d.join("target/troth.db");
    let url = format!("sqlite://{}", target.display());
    let put_back_good = || {
        let out = troth(d, &["--database-url", &url, "restore", "good.db", "--force"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        std::fs::read(&target).unwrap()
    };
    let before = std::cell::RefCell::new(put_back_good());

    // Regression: a backup with a few bytes changed in its pages opened
    // and answered the version query, so it was restored, damaged.
    let mut damaged = good.clone();
    for at in (3 * 4096..damaged.len()).step_by(5 * 4096) {
        damaged[at + 100] ^= 0x55;
    }
    std::fs::write(d.join("flipped.db"), &damaged).unwrap();
    let out = troth(d, &["--database-url", &url, "restore", "flipped.db", "--force"]);
    assert!(!out.status.success(), "a damaged backup is refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("damaged"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::read(&target).unwrap() == *before.borrow(), "and the database is untouched");

    let mut config = Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 24;
    }
    config.failure_persistence = None;
    // Each case runs the binary: keep shrinking short.
    config.max_shrink_iters = 32;
    let (restored, refused) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    TestRunner::new(config)
        .run(&candidates(good), |bytes| {
            std::fs::write(d.join("candidate.db"), &bytes).unwrap();
            let out = troth(d, &["--database-url", &url, "restore", "candidate.db", "--force"]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            prop_assert!(
                !stderr.contains("panicked") && out.status.code() == Some(if out.status.success() { 0 } else { 1 }),
                "{stderr}"
            );
            let leftovers: Vec<_> = std::fs::read_dir(target.parent().unwrap())
                .unwrap()
                .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
                .filter(|name| name.contains(".restore-"))
                .collect();
            prop_assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
            if out.status.success() {
                restored.set(restored.get() + 1);
                let problems = integrity(&target);
                prop_assert_eq!(problems.clone(), vec!["ok".to_string()], "restored a damaged database");
                *before.borrow_mut() = put_back_good();
            } else {
                refused.set(refused.get() + 1);
                let now = std::fs::read(&target).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert!(now == *before.borrow(), "a refused restore changed the database ({stderr})");
                prop_assert!(stderr.contains("nothing was restored") || stderr.contains("not a"), "{stderr}");
            }
            Ok(())
        })
        .unwrap();
    eprintln!("restore fuzz: {} restored, {} refused", restored.get(), refused.get());
    assert!(refused.get() > 0, "the damaged files were refused");
}
