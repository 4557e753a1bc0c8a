//! The `troth` binary as a person uses it: demo, export, backup, restore,
//! config, migrate, user reset-password and the coach, each run for real.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn troth(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_troth"));
    cmd.current_dir(dir)
        .args(args)
        .env_remove("TROTH_DATABASE_URL")
        .env_remove("TROTH_CONFIG")
        .env("TROTH_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("troth runs");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

struct Dir(PathBuf);
impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(name: &str) -> Dir {
    let dir = std::env::temp_dir().join(format!("troth-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Dir(dir)
}

#[test]
fn demo_export_backup_restore_round_trip() {
    let dir = temp_dir("roundtrip");
    let d = &dir.0;
    let demo = troth(d, &["demo"], None);
    assert!(demo.status.success(), "{}", String::from_utf8_lossy(&demo.stderr));
    let out = text(&demo);
    assert!(d.join("troth-data/troth.db").exists(), "the default database is created");
    let ana = out.split_whitespace().find(|w| w.starts_with("ana.")).expect("demo prints Ana's login").to_string();

    let export = troth(d, &["export", "--email", &ana], None);
    assert!(export.status.success());
    let json: serde_json::Value = serde_json::from_slice(&export.stdout).unwrap();
    assert_eq!(json["user"]["email"], ana.as_str());
    let entries = json["spaces"][0]["entries"].as_array().unwrap();
    assert!(entries.len() >= 8, "months of history");
    // Ana's export never carries Bo's private notes.
    assert!(!export.stdout.windows(24).any(|w| w == b"Promises I make too fast"));
    assert!(String::from_utf8_lossy(&export.stdout).contains("What sets me off"), "her own private note");

    let backup = troth(d, &["backup", "copy.db"], None);
    assert!(backup.status.success(), "{}", String::from_utf8_lossy(&backup.stderr));
    assert!(d.join("copy.db").exists());
    assert!(!troth(d, &["backup", "copy.db"], None).status.success(), "never overwrites a file");

    // Restore into a new place and read the same data back.
    let restored_url = format!("sqlite://{}/restored/troth.db?mode=rwc", d.display());
    let restore = troth(d, &["--database-url", &restored_url, "restore", "copy.db"], None);
    assert!(restore.status.success(), "{}", String::from_utf8_lossy(&restore.stderr));
    let again = troth(d, &["--database-url", &restored_url, "export", "--email", &ana], None);
    let json2: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(json2["spaces"][0]["entries"].as_array().unwrap().len(), entries.len());
    let refuse = troth(d, &["--database-url", &restored_url, "restore", "copy.db"], None);
    assert!(!refuse.status.success(), "restore refuses to overwrite without --force");
    let not_a_backup = troth(d, &["--database-url", &restored_url, "restore", "missing.db", "--force"], None);
    assert!(!not_a_backup.status.success());

    let migrate = troth(d, &["migrate"], None);
    assert!(migrate.status.success());
    assert!(text(&migrate).contains("schema at version 4"), "{}", text(&migrate));

    let reset = troth(d, &["user", "reset-password", "--email", &ana], Some("a brand new passphrase\n"));
    assert!(reset.status.success(), "{}", String::from_utf8_lossy(&reset.stderr));
    let short = troth(d, &["user", "reset-password", "--email", &ana], Some("short\n"));
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 8"));
}

#[test]
fn config_precedence_and_hidden_secrets() {
    let dir = temp_dir("config");
    let d = &dir.0;
    std::fs::write(
        d.join("troth.toml"),
        "bind = \"0.0.0.0:9999\"\ndatabase_url = \"postgres://troth:hunter2@db/troth\"\n",
    )
    .unwrap();
    let out = troth(d, &["config"], None);
    assert!(out.status.success());
    let t = text(&out);
    assert!(t.contains("bind = \"0.0.0.0:9999\""), "{t}");
    assert!(t.contains("troth:***@db") && !t.contains("hunter2"), "{t}");
    let flagged = text(&troth(d, &["config", "--bind", "127.0.0.1:1"], None));
    assert!(flagged.contains("bind = \"127.0.0.1:1\""));
    std::fs::write(d.join("troth.toml"), "bnd = 1\n").unwrap();
    let bad = troth(d, &["config"], None);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("bnd"));
}

#[test]
fn coach_on_the_command_line() {
    let dir = temp_dir("coach");
    let d = &dir.0;
    let out =
        troth(d, &["coach", "check", "--json"], Some("You never help with anything and you always make excuses."));
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verdict"], "harsh");
    assert!(v["findings"].as_array().unwrap().iter().any(|f| f["code"] == "absolute_words"));
    assert!(v["horsemen"].as_array().unwrap().iter().any(|h| h == "criticism"));

    let gentle = troth(
        d,
        &["coach", "check", "--json"],
        Some("I felt lonely at dinner last night. Could we put our phones away when we eat?"),
    );
    let v: serde_json::Value = serde_json::from_slice(&gentle.stdout).unwrap();
    assert_eq!(v["verdict"], "gentle");

    let apology = troth(d, &["coach", "apology", "--json"], Some("I'm sorry if you were offended."));
    let v: serde_json::Value = serde_json::from_slice(&apology.stdout).unwrap();
    assert_eq!(v["verdict"], "non_apology");

    let lines = "{\"text\":\"You are so lazy.\"}\nnot json\n{\"text\":\"I feel worried when plans change last minute. Could you text me earlier?\"}\n";
    let batch = troth(d, &["coach", "check", "--jsonl"], Some(lines));
    assert!(batch.status.success());
    let rows: Vec<serde_json::Value> = text(&batch).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["verdict"], "harsh");
    assert!(rows[1]["error"]["code"].is_string());
    assert_eq!(rows[2]["verdict"], "gentle");

    let empty = troth(d, &["coach", "check"], Some("   "));
    assert!(!empty.status.success());
}
