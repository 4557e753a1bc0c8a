//! The hot path stays inside one space or one person, so that the schema
//! can be spread over machines by space (docs/scaling.md, Citus).
//!
//! On PostgreSQL, with `pg_stat_statements` loaded (scripts/with-postgres.sh
//! loads it), the test plays a member's everyday requests (pages, lists,
//! writes) and then reads every statement the server ran for them from the
//! statistics. Each must be pinned by an equality on a key: the space, the
//! person, or the id of one row or of its parent row. A statement without
//! one (a scan across spaces) fails the test with its text, so a new query
//! that would fan out to every machine is caught where it is written.

use reqwest::StatusCode;
use serde_json::json;
use sqlx::Row;

use crate::support::{spawn_app, Db};

/// Columns whose equality pins a statement to one space, one person or one
/// row (and so to one shard when distributed by space).
const KEYS: &[&str] = &[
    "space_id",
    "user_id",
    "id",
    "entry_id",
    "promise_id",
    "ritual_id",
    "exchange_id",
    "goal_id",
    "session_id",
    "appreciation_id",
    "secret_hash",
    "email",
    "key",
];

/// Whether `sql` is pinned: an INSERT of given values, or a statement with
/// `<key> = $n` (or `<key> IN ($n, ...)`) somewhere in its filters.
fn pinned(sql: &str) -> bool {
    let s = sql.to_ascii_lowercase().split_whitespace().collect::<Vec<_>>().join(" ");
    if s.starts_with("insert into") && !s.contains(" select ") {
        return true;
    }
    if ["begin", "commit", "rollback", "savepoint", "release", "set ", "show "].iter().any(|p| s.starts_with(p)) {
        return true;
    }
    let bytes = s.as_bytes();
    KEYS.iter().any(|key| {
        s.match_indices(key).any(|(at, _)| {
            let before_ok = at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
            let rest = s[at + key.len()..].trim_start();
            before_ok && (rest.starts_with("= $") || rest.starts_with("in ($"))
        })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everyday_statements_stay_in_one_space_or_one_person() {
    if !crate::support::backends().contains(&Db::Postgres) {
        eprintln!("note: TROTH_TEST_DATABASE_URL not set; hot-path statements not checked");
        return;
    }
    let app = spawn_app(Db::Postgres).await;
    let pool = app.store.pool();
    let loaded = sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements").execute(pool).await;
    if let Err(e) = loaded {
        assert!(std::env::var_os("CI").is_none(), "pg_stat_statements is needed in CI: {e}");
        eprintln!("note: pg_stat_statements unavailable ({e}); hot-path statements not checked");
        return;
    }
    let (a, b, sid) = app.pair().await;
    let api = |p: &str| format!("/api/v1/pairs/{sid}/{p}");
    // Only what follows counts: the statistics of this database start here.
    sqlx::query(
        "SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)",
    )
    .execute(pool)
    .await
    .unwrap();

    let due = (jiff::Zoned::now().date() + jiff::Span::new().days(2)).to_string();
    let promise: serde_json::Value =
        a.post_json(&api("promises"), json!({"text": "Cook on Friday", "due": due})).await.json().await.unwrap();
    let pid = promise["id"].as_str().unwrap().to_string();
    let writes = [
        a.post_json(&api(&format!("promises/{pid}/actions")), json!({"action": "claim"})).await.status(),
        b.post_json(&api(&format!("promises/{pid}/actions")), json!({"action": "confirm"})).await.status(),
        b.post_json(&api("appreciations"), json!({"text": "for the soup"})).await.status(),
        a.post_json(&api("notes"), json!({"title": "Plans", "body": "the lake", "visibility": "shared"})).await.status(),
        a.post_json(
            &api("pulses"),
            json!({"emotional": 7, "instrumental": 6, "informational": 5, "self": 8, "situational": 6, "physical": 4, "note": ""}),
        )
        .await
        .status(),
        a.post_json(&api("journal"), json!({"title": "Walk", "happened": "we walked", "supported": "", "learned": ""}))
            .await
            .status(),
    ];
    // A login now and then (a second device), right and wrong.
    for password in ["correct horse battery", "not the password"] {
        let res = crate::support::client()
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": a.email, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().is_success(), password.starts_with("correct"), "login with {password:?}");
    }
    for (i, status) in writes.iter().enumerate() {
        assert!(status.is_success(), "write {i} answered {status}");
    }
    let space = format!("/spaces/{sid}");
    for page in ["", "/promises", "/appreciations", "/notes", "/pulse", "/insights", "/ritual", "/program", "/journal"]
    {
        for who in [&a, &b] {
            let res = who.get(&format!("{space}{page}")).await;
            assert_eq!(res.status(), StatusCode::OK, "{space}{page}");
        }
    }
    for path in ["/notifications", "/account", "/spaces"] {
        assert_eq!(a.get(path).await.status(), StatusCode::OK, "{path}");
    }
    for list in ["promises", "appreciations", "notes", "pulses", "insights"] {
        assert_eq!(a.get(&api(list)).await.status(), StatusCode::OK, "{list}");
    }

    let rows = sqlx::query(
        "SELECT query, calls FROM pg_stat_statements \
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND query NOT LIKE '%pg_stat_statements%' ORDER BY calls DESC",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let statements: Vec<(String, i64)> = rows.iter().map(|r| (r.get("query"), r.get("calls"))).collect();
    // The everyday path runs dozens of distinct statements; a handful would
    // mean the statistics missed the requests and the test proves nothing.
    assert!(statements.len() >= 40, "only {} statements recorded", statements.len());
    let loose: Vec<String> = statements
        .iter()
        .filter(|(sql, _)| !pinned(sql))
        .map(|(sql, calls)| format!("{calls}× {}", sql.split_whitespace().collect::<Vec<_>>().join(" ")))
        .collect();
    eprintln!("{} hot-path statements, {} not pinned", statements.len(), loose.len());
    if std::env::var_os("TROTH_SHOW_STATEMENTS").is_some() {
        for (sql, calls) in &statements {
            eprintln!("{calls:>4}× {}", sql.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
    assert!(loose.is_empty(), "statements not pinned to one space, person or row:\n{}", loose.join("\n"));
}

#[test]
fn pinned_tells_a_keyed_statement_from_a_scan() {
    assert!(pinned("SELECT * FROM promises WHERE space_id = $1 AND due_at < $2"));
    assert!(pinned("UPDATE users SET display_name = $1 WHERE id = $2"));
    assert!(pinned("SELECT 1 FROM memberships m WHERE m.user_id = $1"));
    assert!(pinned("INSERT INTO appreciations (id, space_id, text) VALUES ($1, $2, $3)"));
    assert!(pinned("DELETE FROM sessions WHERE id IN ($1, $2)"));
    assert!(!pinned("SELECT COUNT(*) FROM promises WHERE due_at < $1"));
    assert!(!pinned("SELECT * FROM entries WHERE valid_id = $1"), "a column that only ends in a key name");
    assert!(!pinned("INSERT INTO space_weeks SELECT space_id, 0 FROM spaces"));
    assert!(!pinned("UPDATE promises SET status = $1 WHERE due_at < $2"));
}
