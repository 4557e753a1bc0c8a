//! One migration source, two engines: after migrating, SQLite and
//! PostgreSQL hold the same tables with the same columns, of the same type
//! families. The PostgreSQL half runs when `TROTH_TEST_DATABASE_URL` is set
//! (`scripts/with-postgres.sh cargo test -p troth-store`).

use troth_domain::notifications::{Channel, NotificationKind as Kind};
use troth_store::{NotifyStore, SqlStore, Store, StoreOptions, Table, TypeFamily};

async fn sqlite_schema() -> (Vec<Table>, (i64, i64)) {
    let dir = std::env::temp_dir().join(format!("troth-schema-{}", &troth_store::secret::new_secret()[..10]));
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqlStore::connect(&StoreOptions::new(format!("sqlite://{}/t.db?mode=rwc", dir.display())))
        .await
        .expect("SQLite migrates");
    let out = (store.schema().await.unwrap(), store.schema_versions().await.unwrap());
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    out
}

async fn postgres_schema(admin: &str) -> (Vec<Table>, (i64, i64)) {
    let name = format!("troth_schema_{}", &troth_store::secret::new_secret()[..10].to_lowercase());
    let mut opts = StoreOptions::new(admin);
    opts.migrate = false;
    opts.max_connections = 1;
    let server = SqlStore::connect(&opts).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(server.pool()).await.unwrap();
    let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
    let store = SqlStore::connect(&StoreOptions::new(format!("{base}/{name}"))).await.expect("PostgreSQL migrates");
    let out = (store.schema().await.unwrap(), store.schema_versions().await.unwrap());
    store.close().await;
    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(server.pool()).await.unwrap();
    server.close().await;
    out
}

/// Databases made before migrations had one source recorded each version
/// by number and name (no checksum); the ledger must keep exactly those, or
/// an existing database would run a migration twice.
#[tokio::test]
async fn the_migration_ledger_keeps_the_names_older_releases_wrote() {
    let dir = std::env::temp_dir().join(format!("troth-ledger-{}", &troth_store::secret::new_secret()[..10]));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/t.db?mode=rwc", dir.display());
    let store = SqlStore::connect(&StoreOptions::new(&url)).await.unwrap();
    let ledger: Vec<(i64, String)> = sqlx::query_as("SELECT version, name FROM schema_migrations ORDER BY version")
        .fetch_all(store.pool())
        .await
        .unwrap();
    let expected = [
        (1, "init"),
        (2, "everyday"),
        (3, "insight_summaries"),
        (4, "parted_spaces"),
        (5, "exchanges"),
        (6, "program"),
        (7, "notification_preferences"),
        (8, "journal"),
        (9, "timeline"),
        (10, "first_steps"),
        (11, "goals_and_reflections"),
        (12, "unread_index"),
        (13, "score_sharing"),
        (14, "email_links"),
        (15, "timeline_revisions"),
        (16, "ritual_drafts"),
        (17, "terms_requests"),
    ];
    assert_eq!(ledger, expected.map(|(v, n)| (v, n.to_string())).to_vec());
    // Opening it again applies nothing.
    assert_eq!(store.migrate().await.unwrap(), Vec::<i64>::new());
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// A database left at version 3 by an older release (its tables made by
/// the first three migrations, its ledger as that release wrote it, a
/// space and a member's reminder choices in it) opens, runs only the
/// migrations it lacks, and keeps its rows and choices.
#[tokio::test]
async fn a_database_from_an_older_release_upgrades_and_keeps_its_rows() {
    let dir = std::env::temp_dir().join(format!("troth-upgrade-{}", &troth_store::secret::new_secret()[..10]));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/t.db?mode=rwc", dir.display());
    let mut old = StoreOptions::new(&url);
    old.migrate = false;
    let raw = SqlStore::connect(&old).await.unwrap();
    sqlx::raw_sql(
        "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(raw.pool())
    .await
    .unwrap();
    for (version, name, sql) in [
        (1, "init", include_str!("../migrations/0001_init.sql")),
        (2, "everyday", include_str!("../migrations/0002_everyday.sql")),
        (3, "insight_summaries", include_str!("../migrations/0003_insight_summaries.sql")),
    ] {
        sqlx::raw_sql(sql).execute(raw.pool()).await.unwrap();
        sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, 0)")
            .bind(version)
            .bind(name)
            .execute(raw.pool())
            .await
            .unwrap();
    }
    sqlx::raw_sql(
        "INSERT INTO spaces (id, name, kind, member_count, created_at) VALUES (42, 'Us', 'partners', 1, 1000)",
    )
    .execute(raw.pool())
    .await
    .unwrap();
    // A member who had turned off due-soon reminders in the app and asked
    // for the ritual by email, and a past notification of the old kind "due".
    sqlx::raw_sql(
        "INSERT INTO users (id, email, password_hash, display_name, time_zone, created_at) \
         VALUES (7, 'sam@example.org', 'x', 'Sam', 'UTC', 1000); \
         INSERT INTO member_settings (user_id, notify_due_app, notify_ritual_email) VALUES (7, 0, 1); \
         INSERT INTO notifications (id, user_id, space_id, kind, text, link, created_at) \
         VALUES (99, 7, NULL, 'due', 'A promise is due soon', '/', 1000);",
    )
    .execute(raw.pool())
    .await
    .unwrap();
    raw.close().await;

    let mut opts = StoreOptions::new(&url);
    opts.migrate = false;
    let store = SqlStore::connect(&opts).await.unwrap();
    assert_eq!(
        store.migrate().await.unwrap(),
        vec![4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
        "only the missing migrations run"
    );
    let sam = troth_domain::Id::from_db(7);
    let prefs = store.preferences(sam).await.unwrap();
    assert!(!prefs.wants(Kind::PromiseDueSoon, Channel::App), "the choice made before is kept");
    assert!(prefs.wants(Kind::Ritual, Channel::Email), "the choice made before is kept");
    assert!(prefs.wants(Kind::Appreciation, Channel::App), "thanks were never turned off");
    let told = store.notifications(sam, 10).await.unwrap();
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].kind, Kind::PromiseDueSoon, "the old kind gets its new name");
    let kept: (String, Option<i64>) =
        sqlx::query_as("SELECT name, parted_at FROM spaces WHERE id = 42").fetch_one(store.pool()).await.unwrap();
    assert_eq!(kept, ("Us".to_string(), None), "the row is kept and gets the new column");
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn both_engines_get_the_same_tables_and_columns() {
    let (sqlite, sqlite_versions) = sqlite_schema().await;
    assert_eq!(sqlite_versions.0, sqlite_versions.1, "SQLite is at the newest version");
    let users = sqlite.iter().find(|t| t.name == "users").expect("a users table");
    assert!(users.has_column("email"));
    for table in &sqlite {
        for column in &table.columns {
            assert_ne!(
                column.family,
                TypeFamily::Other,
                "{}.{} has a type the migrations do not use",
                table.name,
                column.name
            );
        }
    }
    match std::env::var("TROTH_TEST_DATABASE_URL") {
        Ok(admin) if !admin.is_empty() => {
            let (postgres, postgres_versions) = postgres_schema(&admin).await;
            assert_eq!(postgres_versions, sqlite_versions, "both at the same schema version");
            let names = |s: &[Table]| s.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
            assert_eq!(names(&postgres), names(&sqlite), "the same tables");
            for (p, s) in postgres.iter().zip(&sqlite) {
                assert_eq!(p.columns, s.columns, "table {}: the same columns and type families", p.name);
            }
        }
        _ if std::env::var_os("CI").is_some() => panic!("CI is set but TROTH_TEST_DATABASE_URL is not"),
        _ => eprintln!("note: TROTH_TEST_DATABASE_URL not set; the PostgreSQL half is skipped"),
    }
}
