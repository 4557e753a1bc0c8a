//! Storage rules that only show under concurrency or across restarts,
//! exercised on the store itself (both backends).

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use troth_domain::{DisplayName, Email, SpaceKind, SpaceName, TimeZoneName};
use troth_store::secret::{hash_secret, new_secret};
use troth_store::{Backend, NewUser, PromiseStore, SqlStore, Store, StoreOptions};

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

/// The reliability tallies the store keeps as promises change agree with a
/// rebuild from scratch and with the score computed from the full history.
async fn tally_case(app: &TestApp) {
    use troth_domain::promise::{Action, PromiseText};
    use troth_domain::reliability::{reliability, OutcomeKind};
    use troth_store::NewPromise;
    let store = app.store.clone();
    let (ana, bo) = (user(&store, "Ana").await, user(&store, "Bo").await);
    let space = store.create_space(ana, &SpaceName::parse("Tally").unwrap(), SpaceKind::Partners).await.unwrap();
    let now = Timestamp::now();
    let code = new_secret();
    store.create_invite(ana, space.id, &hash_secret(&code), now, now + SignedDuration::from_hours(1)).await.unwrap();
    store.accept_invite(bo, &hash_secret(&code), now).await.unwrap();
    let days = |d: i64| SignedDuration::from_hours(24 * d);
    let promise = |made: Timestamp, due: Option<Timestamp>| {
        let store = store.clone();
        async move {
            let new = NewPromise {
                text: PromiseText::parse("Call the plumber").unwrap(),
                category: None,
                due,
                at: Some(made),
            };
            store.make_promise(ana, space.id, new).await.unwrap().id
        }
    };
    let act = |p, who, action, at| {
        let store = store.clone();
        async move { store.act_on_promise(who, space.id, p, action, None, at).await.unwrap() }
    };
    // Kept on time; renegotiated, then kept; missed, folded, then confirmed late.
    let p1 = promise(now - days(60), Some(now - days(50))).await;
    act(p1, ana, Action::ClaimKept, now - days(51)).await;
    act(p1, bo, Action::ConfirmKept, now - days(51)).await;
    let p2 = promise(now - days(40), Some(now - days(35))).await;
    act(p2, ana, Action::Renegotiate { new_due: Some(now - days(30)) }, now - days(36)).await;
    act(p2, bo, Action::ConfirmKept, now - days(31)).await;
    let p3 = promise(now - days(30), Some(now - days(20))).await;
    assert_eq!(store.fold_overdue_misses(now - days(19), 100).await.unwrap(), 1, "only p3 is overdue then");
    assert_eq!(store.fold_overdue_misses(now - days(19), 100).await.unwrap(), 0, "never folded twice");
    let late = act(p3, bo, Action::ConfirmKept, now - days(10)).await;
    assert_eq!(late.status, troth_domain::promise::PromiseStatus::Kept);
    // Owned up to early; let go after a folded miss; overdue and not folded
    // (counted live); claimed past due (counts nothing); open, not due.
    let p4 = promise(now - days(9), Some(now + days(2))).await;
    act(p4, ana, Action::MarkMissed, now - days(8)).await;
    let p5 = promise(now - days(9), Some(now - days(7))).await;
    store.fold_overdue_misses(now - days(6), 100).await.unwrap();
    act(p5, bo, Action::Release, now - days(5)).await;
    let _p6 = promise(now - days(4), Some(now - days(2))).await;
    let p7 = promise(now - days(4), Some(now - days(3))).await;
    act(p7, ana, Action::ClaimKept, now - days(4)).await;
    let _p8 = promise(now - days(1), Some(now + days(3))).await;

    let kept_up = store.reliability_tallies(bo, space.id, now).await.unwrap();
    let ana_tally = kept_up.iter().find(|(u, _)| *u == ana).map(|(_, t)| *t).unwrap();
    let i = |k: OutcomeKind| k.index();
    assert_eq!(ana_tally.counts[i(OutcomeKind::Kept)], 3);
    assert_eq!(ana_tally.counts[i(OutcomeKind::RenegotiatedInTime)], 1);
    assert_eq!(ana_tally.counts[i(OutcomeKind::Missed)], 2, "p4 owned up to, p6 overdue");
    assert_eq!(ana_tally.counts[i(OutcomeKind::Released)], 1);
    // The same score as the formula over the whole history.
    let history = store.promise_outcomes(bo, space.id, ana, now - days(365), now).await.unwrap();
    assert_eq!(history.len(), 7);
    let from_history = reliability(&history, now);
    let from_tally = ana_tally.reliability(now);
    assert!((from_history.exact - from_tally.exact).abs() < 1e-6, "{} vs {}", from_history.exact, from_tally.exact);
    assert_eq!(from_tally.score, from_history.score);

    // Moments by week: thanks (one taken back), a ritual with a concern
    // rewritten once, finished.
    use troth_domain::ritual::{week_key, AgendaStep};
    use troth_domain::AppreciationText;
    use troth_store::{AppreciationStore, InsightStore, RitualInput, RitualStore};
    let thanks = AppreciationText::parse("Thank you for fixing the bike.").unwrap();
    store.add_appreciation(ana, space.id, &thanks, Some(now - days(3))).await.unwrap();
    let gone = store.add_appreciation(bo, space.id, &thanks, Some(now - days(2))).await.unwrap();
    store.delete_appreciation(bo, space.id, gone.id).await.unwrap();
    let week = week_key(now, &jiff::tz::TimeZone::UTC);
    let (ritual, started) = store.start_ritual(bo, space.id, &week, now).await.unwrap();
    let (joined, started_again) = store.start_ritual(ana, space.id, &week, now).await.unwrap();
    assert!(started && !started_again, "only the first call starts it");
    assert_eq!(joined.id, ritual.id);
    for body in ["I felt alone on Sunday.", "I felt alone on Sunday; could we plan it?"] {
        let input =
            RitualInput { step: AgendaStep::Concerns, body, proposal: Some("Plan Sundays together"), rating: None };
        store.save_ritual_answer(ana, space.id, ritual.id, input).await.unwrap();
    }
    let (span, _) = store.moment_counts(bo, space.id, 520, 12, now).await.unwrap();
    assert_eq!(span.appreciations, 1, "the one taken back does not count");
    assert_eq!((span.kept_promises, span.missed_promises), (3, 2), "p1–p3 kept; p4 and p6 missed");
    assert_eq!((span.rituals_started, span.finished_rituals, span.disappointments), (1, 0, 1));

    store.rebuild_insight_summaries(now).await.unwrap();
    let (span_rebuilt, _) = store.moment_counts(bo, space.id, 520, 12, now).await.unwrap();
    assert_eq!(span_rebuilt, span, "weekly counts kept as they go equal a recount");
    let rebuilt = store.reliability_tallies(ana, space.id, now).await.unwrap();
    let rebuilt_ana = rebuilt.iter().find(|(u, _)| *u == ana).map(|(_, t)| *t).unwrap();
    assert_eq!(rebuilt_ana.counts, ana_tally.counts);
    for (a, b) in rebuilt_ana.weights.iter().zip(ana_tally.weights) {
        assert!((a - b).abs() <= 1e-9 * a.abs().max(1.0), "{a} vs {b}");
    }
    // Outsiders learn nothing, not even that the space exists.
    let stranger = user(&store, "Cy").await;
    assert!(matches!(store.reliability_tallies(stranger, space.id, now).await, Err(troth_store::StoreError::NotFound)));
}

on_each_backend!(reliability_tallies_match_a_rebuild_and_the_formula, tally_case);
