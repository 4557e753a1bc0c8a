//! Versioned migrations, applied in order inside a transaction each;
//! `schema_migrations` records what ran (version, name, time: no checksum,
//! so databases made when each engine had its own copy of a migration open
//! and migrate as before).
//!
//! Each migration is written once, in `migrations/`, with SQLite's type
//! words. [`for_backend`] derives PostgreSQL's text by translating the few
//! words that differ: `INTEGER` becomes `BIGINT` (SQLite's INTEGER is
//! already 64-bit), `REAL` becomes `DOUBLE PRECISION` and `BLOB` (photo
//! bytes) becomes `BYTEA`. Everything else
//! in the files is SQL both engines accept; a test migrates both engines
//! and compares the resulting tables and columns.

use std::future::Future;
use std::pin::Pin;

use sqlx::{AnyConnection, AnyPool};

use super::Backend;

struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
    /// Rows to derive from existing data in the same transaction (the
    /// summaries that migration 3 introduced).
    backfills: bool,
}

const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "init", sql: include_str!("../../migrations/0001_init.sql"), backfills: false },
    Migration {
        version: 2,
        name: "everyday",
        sql: include_str!("../../migrations/0002_everyday.sql"),
        backfills: false,
    },
    Migration {
        version: 3,
        name: "insight_summaries",
        sql: include_str!("../../migrations/0003_insight_summaries.sql"),
        backfills: true,
    },
    Migration {
        version: 4,
        name: "parted_spaces",
        sql: include_str!("../../migrations/0004_parted_spaces.sql"),
        backfills: false,
    },
    Migration {
        version: 5,
        name: "exchanges",
        sql: include_str!("../../migrations/0005_exchanges.sql"),
        backfills: false,
    },
    Migration { version: 6, name: "program", sql: include_str!("../../migrations/0006_program.sql"), backfills: false },
    Migration {
        version: 7,
        name: "notification_preferences",
        sql: include_str!("../../migrations/0007_notification_preferences.sql"),
        backfills: false,
    },
    Migration { version: 8, name: "journal", sql: include_str!("../../migrations/0008_journal.sql"), backfills: false },
    Migration {
        version: 9,
        name: "timeline",
        sql: include_str!("../../migrations/0009_timeline.sql"),
        backfills: false,
    },
    Migration {
        version: 10,
        name: "first_steps",
        sql: include_str!("../../migrations/0010_first_steps.sql"),
        backfills: false,
    },
    Migration {
        version: 11,
        name: "goals_and_reflections",
        sql: include_str!("../../migrations/0011_goals_and_reflections.sql"),
        backfills: false,
    },
    Migration {
        version: 12,
        name: "unread_index",
        sql: include_str!("../../migrations/0012_unread_index.sql"),
        backfills: false,
    },
    Migration {
        version: 13,
        name: "score_sharing",
        sql: include_str!("../../migrations/0013_score_sharing.sql"),
        backfills: false,
    },
    Migration {
        version: 14,
        name: "email_links",
        sql: include_str!("../../migrations/0014_email_links.sql"),
        backfills: false,
    },
    Migration {
        version: 15,
        name: "timeline_revisions",
        sql: include_str!("../../migrations/0015_timeline_revisions.sql"),
        backfills: false,
    },
    Migration {
        version: 16,
        name: "ritual_drafts",
        sql: include_str!("../../migrations/0016_ritual_drafts.sql"),
        backfills: false,
    },
    Migration {
        version: 17,
        name: "terms_requests",
        sql: include_str!("../../migrations/0017_terms_requests.sql"),
        backfills: false,
    },
];

/// The type words SQLite and PostgreSQL spell differently, as written in
/// the migrations and as PostgreSQL needs them.
const POSTGRES_TYPES: &[(&str, &str)] = &[("INTEGER", "BIGINT"), ("REAL", "DOUBLE PRECISION"), ("BLOB", "BYTEA")];

/// A migration's text for one engine.
pub(crate) fn for_backend(sql: &str, backend: Backend) -> String {
    match backend {
        Backend::Sqlite => sql.to_string(),
        Backend::Postgres => translate_words(sql, POSTGRES_TYPES),
    }
}

/// Replaces whole words only (`INTEGER`, never a part of `INTEGERS` or of
/// an identifier).
fn translate_words(sql: &str, words: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(sql.len() + 64);
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let replaced = words.iter().find(|(from, _)| *from == word.as_str()).map_or(word.as_str(), |(_, to)| to);
        out.push_str(replaced);
        word.clear();
    };
    for c in sql.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Fills what a migration introduces from the rows already there; given by
/// the caller, so this leaf module names no feature.
pub(crate) type Backfill = for<'c> fn(
    &'c mut AnyConnection,
    jiff::Timestamp,
) -> Pin<Box<dyn Future<Output = Result<(), sqlx::Error>> + Send + 'c>>;

/// Applies what is missing; returns the versions applied now.
pub(crate) async fn run(
    pool: &AnyPool,
    backend: Backend,
    now_ms: i64,
    backfill: Backfill,
) -> Result<Vec<i64>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    if backend == Backend::Postgres {
        // Two instances starting together must not both migrate.
        sqlx::raw_sql("DO $$ BEGIN PERFORM pg_advisory_lock(7274790); END $$").execute(&mut *conn).await?;
    }
    let result = async {
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .execute(&mut *conn)
        .await?;
        let done: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations").fetch_all(&mut *conn).await?;
        let mut applied = Vec::new();
        for m in MIGRATIONS.iter().filter(|m| !done.contains(&m.version)) {
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            sqlx::raw_sql(&for_backend(m.sql, backend)).execute(&mut *tx).await?;
            if m.backfills {
                let now = jiff::Timestamp::from_millisecond(now_ms).unwrap_or_default();
                backfill(&mut tx, now).await?;
            }
            sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
                .bind(m.version)
                .bind(m.name)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(version = m.version, name = m.name, "applied migration");
            applied.push(m.version);
        }
        Ok::<_, sqlx::Error>(applied)
    }
    .await;
    if backend == Backend::Postgres {
        sqlx::raw_sql("DO $$ BEGIN PERFORM pg_advisory_unlock(7274790); END $$").execute(&mut *conn).await?;
    }
    result
}

pub(crate) fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_type_words_change_for_postgres() {
        let sql = "CREATE TABLE t (n INTEGER NOT NULL, w REAL, integers_seen INTEGER, realm TEXT); -- REAL";
        assert_eq!(
            for_backend(sql, Backend::Postgres),
            "CREATE TABLE t (n BIGINT NOT NULL, w DOUBLE PRECISION, integers_seen BIGINT, realm TEXT); -- DOUBLE PRECISION"
        );
        assert_eq!(for_backend(sql, Backend::Sqlite), sql);
    }

    /// Versions handed to work on another branch that has not landed here
    /// yet. Once a reserved migration is in MIGRATIONS, its number must
    /// leave this list (the test below fails until it does).
    const RESERVED_ELSEWHERE: &[i64] = &[];

    #[test]
    fn versions_are_in_order_and_unique() {
        let versions: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
        assert!(versions.windows(2).all(|w| w[0] < w[1]), "in order, each once: {versions:?}");
        assert!(
            RESERVED_ELSEWHERE.iter().all(|r| !versions.contains(r)),
            "a reserved number landed: drop it from the list"
        );
        // No gap but the reserved ones: 1, 2, ... up to the latest.
        let mut all: Vec<i64> = versions.iter().chain(RESERVED_ELSEWHERE).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (1..=all.len() as i64).collect::<Vec<_>>());
    }
}
