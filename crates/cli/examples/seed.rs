//! Fills a database for load tests: N spaces, each with two members and a
//! history of notes spread over D days. Prints one login and its space.
//!
//!   cargo run --release --example seed -- <database-url> <spaces> <notes-per-space> <days>

use jiff::{SignedDuration, Timestamp};
use troth_domain::{DisplayName, Email, EntryBody, EntryTitle, SpaceKind, SpaceName, TimeZoneName, Visibility};
use troth_store::secret::{hash_secret, new_secret};
use troth_store::{EntryKind, NewEntry, NewUser, SqlStore, Store, StoreOptions};

pub const PASSWORD: &str = "bench-password-1";

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = args.first().expect("database url");
    let spaces: usize = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(1000);
    let notes: usize = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(20);
    let days: i64 = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(90);
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
