//! Fills a database for load tests: N spaces, each with two members and a
//! history of notes spread over D days. Prints one login and its space.
//!
//!   cargo run --release --example seed -- <database-url> <spaces> <notes-per-space> <days>

use jiff::{SignedDuration, Timestamp};
use troth_domain::promise::{Action, PromiseText};
use troth_domain::ritual::{week_key, AgendaStep, HeardRating};
use troth_domain::AppreciationText;
use troth_domain::{DisplayName, Email, EntryBody, EntryTitle, SpaceKind, SpaceName, TimeZoneName, Visibility};
use troth_store::secret::{hash_secret, new_secret};
use troth_store::{
    AppreciationStore, EntryKind, NewEntry, NewPromise, NewUser, PromiseStore, PulseStore, RitualInput, RitualStore,
    SqlStore, Store, StoreOptions, User,
};

pub const PASSWORD: &str = "bench-password-1";

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = args.first().expect("database url");
    let spaces: usize = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(1000);
    let notes: usize = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(20);
    let days: i64 = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(90);
    // Weeks of everyday history per space (promises, thanks, rituals, pulses).
    let weeks: i64 = args.get(4).and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut opts = StoreOptions::new(url.clone());
    opts.durable = false;
    let store = SqlStore::connect(&opts).await.expect("database");
    let hash = troth_web::hash_password(PASSWORD, &Default::default()).unwrap();
    let now = Timestamp::now();
    let started = std::time::Instant::now();
    let mut first = None;
    for s in 0..spaces {
        let mut ids = Vec::new();
        for who in ["a", "b"] {
            let user = store
                .create_user(NewUser {
                    email: Email::parse(&format!("{who}{s}.{}@bench.example", &new_secret()[..6])).unwrap(),
                    password_hash: hash.clone(),
                    display_name: DisplayName::parse(if who == "a" { "Ana" } else { "Bo" }).unwrap(),
                    time_zone: TimeZoneName::utc(),
                })
                .await
                .unwrap();
            ids.push(user);
        }
        let space = store
            .create_space(ids[0].id, &SpaceName::parse(&format!("Space {s}")).unwrap(), SpaceKind::Partners)
            .await
            .unwrap();
        let code = new_secret();
        store
            .create_invite(ids[0].id, space.id, &hash_secret(&code), now, now + SignedDuration::from_hours(1))
            .await
            .unwrap();
        store.accept_invite(ids[1].id, &hash_secret(&code), now).await.unwrap();
        for n in 0..notes {
            let author = &ids[n % 2];
            let visibility = [Visibility::Shared, Visibility::Private, Visibility::Shared, Visibility::Sealed][n % 4];
            let age = SignedDuration::from_secs((days * 86_400) * (notes - n) as i64 / notes.max(1) as i64);
            store
                .create_entry(
                    author.id,
                    space.id,
                    NewEntry {
                        kind: EntryKind::Note,
                        visibility,
                        title: EntryTitle::parse(&format!("Note {n}")).unwrap(),
                        body: EntryBody::parse("Something small we noticed this week, written down so we remember it.")
                            .unwrap(),
                        at: Some(now - age),
                    },
                )
                .await
                .unwrap();
        }
        if weeks > 0 {
            history(&store, &ids, space.id, weeks, now).await;
        }
        if first.is_none() {
            first = Some((ids[0].email.clone(), space.id));
        }
        if (s + 1) % 500 == 0 {
            eprintln!("seeded {} spaces in {:.1?}", s + 1, started.elapsed());
        }
    }
    store.close().await;
    let (email, space) = first.expect("at least one space");
    println!("{email} {PASSWORD} {space}");
}

/// Per week: two promises (one kept, one missed), two thanks, a finished
/// ritual and a pulse from each.
async fn history(store: &SqlStore, ids: &[User], space: troth_domain::Id, weeks: i64, now: Timestamp) {
    let thanks = AppreciationText::parse("Thank you for the tea this morning.").unwrap();
    for w in (0..weeks).rev() {
        let at = now - SignedDuration::from_hours(24 * 7 * w + 30);
        for (i, who) in ids.iter().enumerate() {
            let other = &ids[1 - i];
            let due = at + SignedDuration::from_hours(20);
            let p = store
                .make_promise(
                    who.id,
                    space,
                    NewPromise {
                        text: PromiseText::parse("Cook on Wednesday").unwrap(),
                        category: None,
                        due: Some(due),
                        at: Some(at),
                    },
                )
                .await
                .unwrap();
            if due < now && i == 0 {
                store
                    .act_on_promise(
                        other.id,
                        space,
                        p.id,
                        Action::ConfirmKept,
                        None,
                        at + SignedDuration::from_hours(1),
                    )
                    .await
                    .unwrap();
            }
            store.add_appreciation(who.id, space, &thanks, Some(at)).await.unwrap();
            store.add_pulse(who.id, space, [6, 7, 6, 8, 7, 9], "", false, Some(at)).await.unwrap();
        }
        let r = store.start_ritual(ids[0].id, space, &week_key(at, &jiff::tz::TimeZone::UTC), at).await.unwrap();
        for who in ids {
            store
                .save_ritual_answer(
                    who.id,
                    space,
                    r.id,
                    RitualInput {
                        step: AgendaStep::Appreciations,
                        body: "You showed up.",
                        proposal: None,
                        rating: None,
                    },
                )
                .await
                .unwrap();
            store
                .save_ritual_answer(
                    who.id,
                    space,
                    r.id,
                    RitualInput {
                        step: AgendaStep::Heard,
                        body: "",
                        proposal: None,
                        rating: Some(HeardRating::parse(8).unwrap()),
                    },
                )
                .await
                .unwrap();
        }
        store.finish_ritual(ids[0].id, space, r.id, at + SignedDuration::from_hours(1)).await.unwrap();
    }
}
