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
    // The program's demo: exercises done together, a revealed exchange
    // (both parts), and her part of one still waiting for Bo's.
    let exported = String::from_utf8_lossy(&export.stdout);
    assert!(exported.contains("same thing at a slightly different speed"), "a finished exercise's reflection");
    assert!(exported.contains("note in my lunch box") && exported.contains("hot-water bottle"), "a revealed exchange");
    assert!(exported.contains("Long walks on Sunday mornings"), "her own part of the waiting exchange");
    // Shared goals: one half-way with its steps, one done, and experiences.
    let goals = json["spaces"][0]["goals"].as_array().unwrap();
    assert_eq!(goals.len(), 2);
    let walk = goals.iter().find(|g| g["done"] == false).expect("an open goal");
    assert_eq!((walk["milestones"].as_array().unwrap().len(), walk["percent"].as_u64()), (4, Some(50)));
    assert!(goals.iter().any(|g| g["done"] == true), "a goal done by both saying so");
    assert!(exported.contains("a heron that ignored us"), "an experience done, with how it went");
    let bo = out.split_whitespace().find(|w| w.starts_with("bo.")).expect("demo prints Bo's login").to_string();
    let bo_export = troth(d, &["export", "--email", &bo], None);
    let bo_exported = String::from_utf8_lossy(&bo_export.stdout);
    assert!(bo_exported.contains("note in my lunch box"), "Bo's export has the revealed exchange");
    assert!(!bo_exported.contains("Long walks on Sunday mornings"), "but never Ana's part before he writes his");
    // The shared journal with its photo's bytes, and the timeline.
    let journal = json["spaces"][0]["journal"].as_array().unwrap();
    assert_eq!(journal.len(), 3);
    let photos = json["spaces"][0]["journal_photos"].as_array().unwrap();
    assert_eq!(photos.len(), 1);
    assert_eq!(photos[0]["width"], 1600, "the demo photo went through the upload's preparation");
    assert!(photos[0]["data_base64"].as_str().unwrap().starts_with("/9j/"), "JPEG bytes");
    assert_eq!(json["spaces"][0]["timeline"].as_array().unwrap().len(), 6);

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
    assert_eq!(
        json2["spaces"][0]["journal_photos"], json["spaces"][0]["journal_photos"],
        "the photo survives a restore"
    );
    let refuse = troth(d, &["--database-url", &restored_url, "restore", "copy.db"], None);
    assert!(!refuse.status.success(), "restore refuses to overwrite without --force");
    let not_a_backup = troth(d, &["--database-url", &restored_url, "restore", "missing.db", "--force"], None);
    assert!(!not_a_backup.status.success());

    let migrate = troth(d, &["migrate"], None);
    assert!(migrate.status.success());
    assert!(text(&migrate).contains("schema at version 17"), "{}", text(&migrate));

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

/// The permission bits, in octal as `ls` and `chmod` speak them ("600").
fn mode_of(path: &Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode();
    format!("{:o}", mode & 0o777)
}

fn stderr_of(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// `troth serve` on a free loopback port, killed (SIGKILL) when stopped or dropped.
struct Server {
    child: std::process::Child,
    addr: String,
    _stdout: std::io::BufReader<std::process::ChildStdout>,
}

impl Server {
    fn start(dir: &Path) -> Server {
        use std::io::BufRead;
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr = format!("127.0.0.1:{port}");
        let public_url = format!("http://{addr}");
        let mut child = Command::new(env!("CARGO_BIN_EXE_troth"))
            .current_dir(dir)
            .args(["serve", "--bind", &addr, "--public-url", &public_url])
            .env_remove("TROTH_DATABASE_URL")
            .env_remove("TROTH_CONFIG")
            .env("TROTH_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("troth serve runs");
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        assert!(line.contains("troth is running at"), "the server did not start: {line:?}");
        Server { child, addr, _stdout: stdout }
    }

    /// Registers an account over HTTP (a real write) and returns the status.
    fn register(&self, email: &str) -> u16 {
        use std::io::Read;
        let body = format!(
            r#"{{"email":"{email}","password":"a long enough passphrase","display_name":"Probe","time_zone":"UTC"}}"#
        );
        let mut stream = std::net::TcpStream::connect(&self.addr).unwrap();
        stream.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
        write!(
            stream,
            "POST /api/v1/auth/register HTTP/1.1\r\nHost: {a}\r\nOrigin: http://{a}\r\nSec-Fetch-Site: same-origin\r\n\
             Content-Type: application/json\r\nContent-Length: {n}\r\nConnection: close\r\n\r\n{body}",
            a = self.addr,
            n = body.len()
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        let status = answer.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        if status != 201 {
            eprintln!("register {email}: {answer}");
        }
        status
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn data_folder_database_and_backups_are_owner_only() {
    let dir = temp_dir("modes");
    let d = &dir.0;
    let demo = troth(d, &["demo"], None);
    assert!(demo.status.success(), "{}", stderr_of(&demo));
    assert_eq!(mode_of(&d.join("troth-data")), "700", "the data folder");
    assert_eq!(mode_of(&d.join("troth-data/troth.db")), "600", "the database");
    assert_eq!(mode_of(&d.join("troth-data/troth.db.lock")), "600", "the lock file");
    let backup = troth(d, &["backup", "copy.db"], None);
    assert!(backup.status.success(), "{}", stderr_of(&backup));
    assert_eq!(mode_of(&d.join("copy.db")), "600", "a backup");
    let ana = text(&demo).split_whitespace().find(|w| w.starts_with("ana.")).unwrap().to_string();
    let export = troth(d, &["export", "--email", &ana, "--output", "mine.json"], None);
    assert!(export.status.success(), "{}", stderr_of(&export));
    assert_eq!(mode_of(&d.join("mine.json")), "600", "an export");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(d.join("mine.json")).unwrap()).unwrap();
    assert_eq!(json["user"]["email"], ana.as_str());
    let again = troth(d, &["export", "--email", &ana, "--output", "mine.json"], None);
    assert!(!again.status.success(), "an export never overwrites a file");
    let restored = format!("sqlite://{}/elsewhere/deeper/troth.db", d.display());
    let restore = troth(d, &["--database-url", &restored, "restore", "copy.db"], None);
    assert!(restore.status.success(), "{}", stderr_of(&restore));
    assert_eq!(mode_of(&d.join("elsewhere")), "700");
    assert_eq!(mode_of(&d.join("elsewhere/deeper/troth.db")), "600", "a restored database");

    // SQLite makes -wal and -shm itself while the server runs.
    let server = Server::start(d);
    assert_eq!(server.register("modes@example.org"), 201);
    for side in ["troth.db-wal", "troth.db-shm"] {
        assert_eq!(mode_of(&d.join("troth-data").join(side)), "600", "{side}");
    }
    server.stop();

    // A database left readable by an older troth is closed up when opened.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(d.join("troth-data/troth.db"), std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(troth(d, &["migrate"], None).status.success());
    assert_eq!(mode_of(&d.join("troth-data/troth.db")), "600");
}

#[test]
fn restore_refuses_a_database_a_running_server_has_open() {
    let dir = temp_dir("restore-live");
    let d = &dir.0;
    let demo = troth(d, &["demo"], None);
    assert!(demo.status.success(), "{}", stderr_of(&demo));
    let ana = text(&demo).split_whitespace().find(|w| w.starts_with("ana.")).unwrap().to_string();
    assert!(troth(d, &["backup", "copy.db"], None).status.success());

    let server = Server::start(d);
    assert_eq!(server.register("before@example.org"), 201);
    let refused = troth(d, &["restore", "copy.db", "--force"], None);
    assert!(!refused.status.success(), "restore must refuse while the server runs");
    assert!(stderr_of(&refused).contains("in use"), "a clear reason: {}", stderr_of(&refused));
    // The server's database is untouched: writes keep working.
    assert_eq!(server.register("after@example.org"), 201, "the server still writes after a refused restore");
    // SIGKILL: the lock goes with the process, and a -wal stays behind.
    server.stop();
    assert!(d.join("troth-data/troth.db-wal").exists(), "a killed server leaves its -wal");

    let restore = troth(d, &["restore", "copy.db", "--force"], None);
    assert!(restore.status.success(), "{}", stderr_of(&restore));
    let leftovers: Vec<String> = std::fs::read_dir(d.join("troth-data"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.contains(".tmp") || n.ends_with("-wal") || n.ends_with("-shm"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary or stale side files: {leftovers:?}");
    // The backup's content, and nothing written after it.
    let export = troth(d, &["export", "--email", &ana], None);
    assert!(export.status.success(), "{}", stderr_of(&export));
    let gone = troth(d, &["export", "--email", "after@example.org"], None);
    assert!(!gone.status.success() && stderr_of(&gone).contains("no account"), "{}", stderr_of(&gone));

    // And the restored database serves writes again.
    let server = Server::start(d);
    assert_eq!(server.register("restored@example.org"), 201);
    server.stop();
}

#[test]
fn a_sqlite_url_for_a_new_file_creates_it_and_its_folder() {
    let dir = temp_dir("new-url");
    let d = &dir.0;
    let url = format!("sqlite://{}/fresh/nested/new.db", d.display());
    let migrate = troth(d, &["--database-url", &url, "migrate"], None);
    assert!(migrate.status.success(), "{}", stderr_of(&migrate));
    assert!(d.join("fresh/nested/new.db").exists());
    assert_eq!(mode_of(&d.join("fresh")), "700");
    assert_eq!(mode_of(&d.join("fresh/nested")), "700");
    assert_eq!(mode_of(&d.join("fresh/nested/new.db")), "600");
    // A relative sqlite: URL too.
    let relative = troth(d, &["--database-url", "sqlite:other/rel.db", "migrate"], None);
    assert!(relative.status.success(), "{}", stderr_of(&relative));
    assert!(d.join("other/rel.db").exists());
    // A mode the person chose is kept: read-only never creates.
    let read_only = format!("sqlite://{}/absent.db?mode=ro", d.display());
    assert!(!troth(d, &["--database-url", &read_only, "migrate"], None).status.success());
    assert!(!d.join("absent.db").exists());
}

/// Runs with `TROTH_PG_SSL=1 scripts/with-postgres.sh cargo test -p troth`,
/// which starts a TLS-only PostgreSQL with a throwaway CA.
#[test]
fn postgres_over_tls_with_require_and_verify_full() {
    let (Ok(base), Ok(ca), Ok(other_ca)) = (
        std::env::var("TROTH_TEST_DATABASE_URL"),
        std::env::var("TROTH_TEST_PG_CA"),
        std::env::var("TROTH_TEST_PG_OTHER_CA"),
    ) else {
        eprintln!("skipped: needs TROTH_PG_SSL=1 scripts/with-postgres.sh");
        return;
    };
    let dir = temp_dir("pg-tls");
    let d = &dir.0;
    let with = |params: &str| format!("{base}{}{params}", if base.contains('?') { '&' } else { '?' });
    let migrate = |url: &str| troth(d, &["--database-url", url, "migrate"], None);

    // The server takes TLS only, so a success below is a TLS connection.
    let plain = migrate(&with("sslmode=disable"));
    assert!(!plain.status.success(), "the test server must refuse plain connections");

    let required = migrate(&with("sslmode=require"));
    assert!(required.status.success(), "sslmode=require: {}", stderr_of(&required));
    let verified = migrate(&with(&format!("sslmode=verify-full&sslrootcert={ca}")));
    assert!(verified.status.success(), "verify-full with the right CA: {}", stderr_of(&verified));

    let wrong_ca = migrate(&with(&format!("sslmode=verify-full&sslrootcert={other_ca}")));
    assert!(!wrong_ca.status.success(), "verify-full must reject a certificate from another CA");
    assert!(stderr_of(&wrong_ca).contains("cannot open the database"), "{}", stderr_of(&wrong_ca));
}

/// `troth serve` on an address other machines can reach, without a public
/// URL, stops at once and says what to set; it never serves links built
/// from a client's `Host`.
#[test]
fn serve_on_a_reachable_address_needs_a_public_url() {
    let dir = temp_dir("public-url");
    let d = &dir.0;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_troth"))
        .current_dir(d)
        .args(["serve", "--bind", &format!("0.0.0.0:{port}")])
        .env_remove("TROTH_DATABASE_URL")
        .env_remove("TROTH_CONFIG")
        .env_remove("TROTH_PUBLIC_URL")
        .env("TROTH_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("troth serve runs");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("troth serve on 0.0.0.0 without a public URL kept running");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!status.success());
    assert!(stderr.contains("no public_url is set") && stderr.contains("--public-url"), "{stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("troth is running"), "it never said it was serving");
}
