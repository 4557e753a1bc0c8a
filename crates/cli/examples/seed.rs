//! Fills a database for load tests: N spaces, each with two members, notes
//! spread over D days and, optionally, W weeks of everyday life. Prints one
//! login and its space.
//!
//!   cargo run --release --example seed -- <database-url> <spaces> <notes-per-space> <days> [weeks]
//!
//! Rows go in with multi-row INSERTs, a few hundred spaces per transaction,
//! so 10,000 spaces with two years each take minutes rather than hours. The
//! rows are shaped as the store writes them (sealed text in its parts,
//! confirmed promises with their event); the insight summaries (reliability
//! tallies, weekly counts) are rebuilt from those rows at the end, as the
//! migration that introduced them does.

use jiff::{SignedDuration, Timestamp};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::Any;
use troth_domain::ritual::{week_key, AgendaStep};
use troth_domain::{SpaceKind, Visibility};
use troth_store::secret::{new_id, new_secret};
use troth_store::{SqlStore, Store, StoreOptions};

pub const PASSWORD: &str = "bench-password-1";
/// Spaces per transaction.
const CHUNK: usize = 100;

/// One column value of a seeded row.
#[derive(Clone)]
enum V {
    I(i64),
    N,
    S(String),
}

/// Rows for one table, written as multi-row INSERTs.
struct Table {
    name: &'static str,
    cols: &'static [&'static str],
    rows: Vec<Vec<V>>,
}

impl Table {
    fn new(name: &'static str, cols: &'static [&'static str]) -> Table {
        Table { name, cols, rows: Vec::new() }
    }

    fn push(&mut self, row: Vec<V>) {
        debug_assert_eq!(row.len(), self.cols.len());
        self.rows.push(row);
    }

    async fn flush(&mut self, tx: &mut sqlx::AnyConnection) {
        // About 240 values a statement: sqlx's SQLite driver looks up each
        // `$n` by name, so the cost per statement grows with the square of
        // its parameters; this size keeps that small and the round trips few.
        let per = (240 / self.cols.len()).max(1);
        for chunk in self.rows.chunks(per) {
            let mut sql = format!("INSERT INTO {} ({}) VALUES ", self.name, self.cols.join(", "));
            let mut n = 0;
            for (r, _) in chunk.iter().enumerate() {
                if r > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                for c in 0..self.cols.len() {
                    n += 1;
                    if c > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&format!("${n}"));
                }
                sql.push(')');
            }
            let mut q: Query<'_, Any, AnyArguments<'_>> = sqlx::query(&sql);
            for row in chunk {
                for v in row {
                    q = match v {
                        V::I(i) => q.bind(*i),
                        V::N => q.bind(None::<i64>),
                        V::S(s) => q.bind(s.clone()),
                    };
                }
            }
            q.execute(&mut *tx).await.unwrap_or_else(|e| panic!("insert into {}: {e}", self.name));
        }
        self.rows.clear();
    }
}

struct Tables {
    users: Table,
    spaces: Table,
    memberships: Table,
    entries: Table,
    parts: Table,
    promises: Table,
    events: Table,
    appreciations: Table,
    pulses: Table,
    rituals: Table,
    answers: Table,
}

impl Tables {
    fn new() -> Tables {
        Tables {
            users: Table::new("users", &["id", "email", "password_hash", "display_name", "time_zone", "created_at"]),
            spaces: Table::new("spaces", &["id", "name", "kind", "member_count", "created_at"]),
            memberships: Table::new("memberships", &["space_id", "user_id", "joined_at"]),
            entries: Table::new(
                "entries",
                &["id", "space_id", "author_id", "kind", "visibility", "title", "body", "created_at", "updated_at"],
            ),
            parts: Table::new("entry_parts", &["entry_id", "author_id", "body", "created_at", "updated_at"]),
            promises: Table::new(
                "promises",
                &[
                    "id",
                    "space_id",
                    "promiser_id",
                    "text",
                    "category",
                    "due_at",
                    "status",
                    "renegotiations",
                    "created_at",
                    "updated_at",
                    "settled_at",
                ],
            ),
            events: Table::new(
                "promise_events",
                &["id", "promise_id", "actor_id", "kind", "note", "old_due", "new_due", "at"],
            ),
            appreciations: Table::new("appreciations", &["id", "space_id", "author_id", "text", "created_at"]),
            pulses: Table::new(
                "pulses",
                &[
                    "id",
                    "space_id",
                    "user_id",
                    "emotional",
                    "instrumental",
                    "informational",
                    "self_trust",
                    "situational",
                    "physical",
                    "note",
                    "shared",
                    "created_at",
                ],
            ),
            rituals: Table::new("rituals", &["id", "space_id", "week_key", "started_by", "started_at", "finished_at"]),
            answers: Table::new(
                "ritual_answers",
                &["ritual_id", "user_id", "step", "body", "proposal", "rating", "updated_at"],
            ),
        }
    }

    /// Parents before children, for the foreign keys.
    async fn flush(&mut self, tx: &mut sqlx::AnyConnection) {
        for t in [
            &mut self.users,
            &mut self.spaces,
            &mut self.memberships,
            &mut self.entries,
            &mut self.parts,
            &mut self.promises,
            &mut self.events,
            &mut self.appreciations,
            &mut self.pulses,
            &mut self.rituals,
            &mut self.answers,
        ] {
            t.flush(tx).await;
        }
    }
}

fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = args.first().expect("database url");
    let spaces: usize = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(1000);
    let notes: usize = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(20);
    let days: i64 = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(90);
    let weeks: i64 = args.get(4).and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut opts = StoreOptions::new(url.clone());
    opts.durable = false;
    let store = SqlStore::connect(&opts).await.expect("database");
    let hash = troth_web::hash_password(PASSWORD, &Default::default()).unwrap();
    let now = Timestamp::now();
    let started = std::time::Instant::now();
    let mut first = None;
    let mut tables = Tables::new();
    let mut s = 0;
    while s < spaces {
        let mut tx = store.pool().begin().await.expect("transaction");
        for _ in 0..CHUNK.min(spaces - s) {
            let (login, space) = one_space(&mut tables, s, &hash, notes, days, weeks, now);
            first.get_or_insert((login, space));
            s += 1;
        }
        tables.flush(&mut tx).await;
        tx.commit().await.expect("commit");
        if s % 1000 == 0 || s == spaces {
            eprintln!("seeded {s} spaces in {:.1?}", started.elapsed());
        }
    }
    store.rebuild_insight_summaries(now).await.expect("insight summaries");
    eprintln!("insight summaries rebuilt at {:.1?}", started.elapsed());
    store.close().await;
    let (email, space) = first.expect("at least one space");
    println!("{email} {PASSWORD} {space}");
}

/// Queues one space's rows; returns the first member's email and the space id.
fn one_space(
    t: &mut Tables,
    s: usize,
    hash: &str,
    notes: usize,
    days: i64,
    weeks: i64,
    now: Timestamp,
) -> (String, troth_domain::Id) {
    let start = now - SignedDuration::from_hours(24 * days.max(weeks * 7 + 1));
    let space = new_id();
    let tag = &new_secret()[..6];
    let mut ids = Vec::new();
    let mut login = String::new();
    for (who, name) in [("a", "Ana"), ("b", "Bo")] {
        let user = new_id();
        let email = format!("{who}{s}.{tag}@bench.example");
        if who == "a" {
            login = email.clone();
        }
        t.users.push(vec![
            V::I(user.get()),
            V::S(email),
            V::S(hash.to_string()),
            V::S(name.into()),
            V::S("UTC".into()),
            V::I(ms(start)),
        ]);
        ids.push(user);
    }
    t.spaces.push(vec![
        V::I(space.get()),
        V::S(format!("Space {s}")),
        V::S(SpaceKind::Partners.as_str().into()),
        V::I(2),
        V::I(ms(start)),
    ]);
    for u in &ids {
        t.memberships.push(vec![V::I(space.get()), V::I(u.get()), V::I(ms(start))]);
    }
    let body = "Something small we noticed this week, written down so we remember it.";
    for n in 0..notes {
        let author = ids[n % 2];
        let visibility = [Visibility::Shared, Visibility::Private, Visibility::Shared, Visibility::Sealed][n % 4];
        let age = SignedDuration::from_secs((days * 86_400) * (notes - n) as i64 / notes.max(1) as i64);
        let at = ms(now - age);
        let entry = new_id();
        let sealed = visibility == Visibility::Sealed;
        t.entries.push(vec![
            V::I(entry.get()),
            V::I(space.get()),
            V::I(author.get()),
            V::S("note".into()),
            V::S(visibility.as_str().into()),
            V::S(format!("Note {n}")),
            V::S(if sealed { String::new() } else { body.into() }),
            V::I(at),
            V::I(at),
        ]);
        if sealed {
            t.parts.push(vec![V::I(entry.get()), V::I(author.get()), V::S(body.into()), V::I(at), V::I(at)]);
        }
    }
    // Per week: a promise from each (Ana's kept and confirmed, Bo's left
    // open past due), a thanks and a pulse from each, a finished ritual.
    for w in (0..weeks).rev() {
        let at = now - SignedDuration::from_hours(24 * 7 * w + 30);
        let due = at + SignedDuration::from_hours(20);
        for (i, who) in ids.iter().enumerate() {
            let p = new_id();
            let kept = i == 0 && due < now;
            let settled = at + SignedDuration::from_hours(1);
            t.promises.push(vec![
                V::I(p.get()),
                V::I(space.get()),
                V::I(who.get()),
                V::S("Cook on Wednesday".into()),
                V::N,
                V::I(ms(due)),
                V::S(if kept { "kept" } else { "open" }.into()),
                V::I(0),
                V::I(ms(at)),
                V::I(ms(if kept { settled } else { at })),
                if kept { V::I(ms(settled)) } else { V::N },
            ]);
            if kept {
                t.events.push(vec![
                    V::I(new_id().get()),
                    V::I(p.get()),
                    V::I(ids[1].get()),
                    V::S("confirmed".into()),
                    V::N,
                    V::I(ms(due)),
                    V::I(ms(due)),
                    V::I(ms(settled)),
                ]);
            }
            t.appreciations.push(vec![
                V::I(new_id().get()),
                V::I(space.get()),
                V::I(who.get()),
                V::S("Thank you for the tea this morning.".into()),
                V::I(ms(at)),
            ]);
            let mut pulse = vec![V::I(new_id().get()), V::I(space.get()), V::I(who.get())];
            pulse.extend([6, 7, 6, 8, 7, 9].map(V::I));
            pulse.extend([V::S(String::new()), V::I(0), V::I(ms(at))]);
            t.pulses.push(pulse);
        }
        let ritual = new_id();
        let finished = at + SignedDuration::from_hours(1);
        t.rituals.push(vec![
            V::I(ritual.get()),
            V::I(space.get()),
            V::S(week_key(at, &jiff::tz::TimeZone::UTC)),
            V::I(ids[0].get()),
            V::I(ms(at)),
            V::I(ms(finished)),
        ]);
        for who in &ids {
            t.answers.push(vec![
                V::I(ritual.get()),
                V::I(who.get()),
                V::S(AgendaStep::Appreciations.as_str().into()),
                V::S("You showed up.".into()),
                V::N,
                V::N,
                V::I(ms(at)),
            ]);
            t.answers.push(vec![
                V::I(ritual.get()),
                V::I(who.get()),
                V::S(AgendaStep::Heard.as_str().into()),
                V::S(String::new()),
                V::N,
                V::I(8),
                V::I(ms(at)),
            ]);
        }
    }
    (login, space)
}
