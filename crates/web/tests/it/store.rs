//! Storage rules that only show under concurrency or across restarts,
//! exercised on the store itself (both backends).

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use troth_domain::{DisplayName, Email, SpaceKind, SpaceName, TimeZoneName};
use troth_store::secret::{hash_secret, new_secret};
use troth_store::{Backend, NewUser, SqlStore, Store, StoreOptions};

use crate::on_each_backend;
use crate::support::{unique, TestApp};

async fn user(store: &SqlStore, name: &str) -> troth_domain::Id {
    store
        .create_user(NewUser {
            email: Email::parse(&format!("{}@example.org", unique(name))).unwrap(),
            password_hash: "x".into(),
            display_name: DisplayName::parse(name).unwrap(),
            time_zone: TimeZoneName::utc(),
        })
        .await
        .unwrap()
        .id
}

/// Many people racing to join through different invites: exactly one gets in.
async fn race_case(app: &TestApp) {
    let store: Arc<SqlStore> = app.store.clone();
    let owner = user(&store, "owner").await;
    let space = store.create_space(owner, &SpaceName::parse("Race").unwrap(), SpaceKind::Partners).await.unwrap();
    let now = Timestamp::now();
    let mut codes = Vec::new();
    for _ in 0..6 {
        let code = new_secret();
        store
            .create_invite(owner, space.id, &hash_secret(&code), now, now + SignedDuration::from_hours(1))
            .await
            .unwrap();
        codes.push(code);
    }
    let mut joiners = Vec::new();
    for i in 0..6 {
        joiners.push(user(&store, &format!("j{i}")).await);
    }
    let mut tasks = Vec::new();
    for (code, who) in codes.into_iter().zip(joiners) {
        let store = store.clone();
        tasks.push(tokio::spawn(async move { store.accept_invite(who, &hash_secret(&code), Timestamp::now()).await }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(troth_store::StoreError::Conflict { code, .. }) => assert_eq!(code, "space_full"),
            Err(e) => panic!("unexpected error under contention: {e}"),
        }
    }
    assert_eq!(ok, 1, "exactly one person joins");
    assert_eq!(store.space_for(owner, space.id).await.unwrap().members.len(), 2);
}

/// Migrations are idempotent, and a SQLite backup is a working database.
async fn migrate_and_backup_case(app: &TestApp) {
    assert!(app.store.migrate().await.unwrap().is_empty(), "nothing left to apply");
    let (known, current) = app.store.schema_versions().await.unwrap();
    assert_eq!(known, current);
    if app.store.backend() != Backend::Sqlite {
        assert!(app.store.backup_to(std::path::Path::new("/tmp/never")).await.is_err(), "PostgreSQL points to pg_dump");
        return;
    }
    let owner = user(&app.store, "keeper").await;
    app.store.create_space(owner, &SpaceName::parse("Kept").unwrap(), SpaceKind::Family).await.unwrap();
    let path = std::env::temp_dir().join(format!("{}.db", unique("troth-backup-")));
    app.store.backup_to(&path).await.unwrap();
    assert!(app.store.backup_to(&path).await.is_err(), "never overwrites");
    let copy = SqlStore::connect(&StoreOptions::new(format!("sqlite://{}", path.display()))).await.unwrap();
    let spaces = copy.spaces_of(owner).await.unwrap();
    assert_eq!(spaces.len(), 1);
    assert_eq!(spaces[0].name, "Kept");
    copy.close().await;
    std::fs::remove_file(&path).ok();
}

on_each_backend!(only_one_joins_a_full_space_under_contention, race_case);
on_each_backend!(migrations_are_idempotent_and_backups_work, migrate_and_backup_case);
