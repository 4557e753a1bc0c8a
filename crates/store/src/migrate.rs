//! Versioned migrations, one list per backend, applied in order inside a
//! transaction each. `schema_migrations` records what ran.

use sqlx::{AnyPool, Row};

use crate::sql::Backend;

struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

const SQLITE: &[Migration] = &[
    Migration { version: 1, name: "init", sql: include_str!("../migrations/sqlite/0001_init.sql") },
    Migration { version: 2, name: "everyday", sql: include_str!("../migrations/sqlite/0002_everyday.sql") },
    Migration {
        version: 3,
        name: "insight_summaries",
        sql: include_str!("../migrations/sqlite/0003_insight_summaries.sql"),
    },
    Migration { version: 4, name: "parted_spaces", sql: include_str!("../migrations/sqlite/0004_parted_spaces.sql") },
];

const POSTGRES: &[Migration] = &[
    Migration { version: 1, name: "init", sql: include_str!("../migrations/postgres/0001_init.sql") },
    Migration { version: 2, name: "everyday", sql: include_str!("../migrations/postgres/0002_everyday.sql") },
    Migration {
        version: 3,
        name: "insight_summaries",
        sql: include_str!("../migrations/postgres/0003_insight_summaries.sql"),
    },
    Migration { version: 4, name: "parted_spaces", sql: include_str!("../migrations/postgres/0004_parted_spaces.sql") },
];

/// Version 3 adds the reliability tallies and weekly counts; existing rows
/// are counted into them in the same transaction.
const SUMMARIES: i64 = 3;

/// Applies what is missing; returns the versions applied now.
pub async fn run(pool: &AnyPool, backend: Backend, now_ms: i64) -> Result<Vec<i64>, sqlx::Error> {
    let list = match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
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
        let rows = sqlx::query("SELECT version FROM schema_migrations").fetch_all(&mut *conn).await?;
        let done: Vec<i64> = rows.iter().map(|r| r.get::<i64, _>(0)).collect();
        let mut applied = Vec::new();
        for m in list.iter().filter(|m| !done.contains(&m.version)) {
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            sqlx::raw_sql(m.sql).execute(&mut *tx).await?;
            if m.version == SUMMARIES {
                let now = jiff::Timestamp::from_millisecond(now_ms).unwrap_or_default();
                crate::tallies::rebuild(&mut tx, now).await?;
                crate::weeks::rebuild(&mut tx, None).await?;
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

pub fn latest(backend: Backend) -> i64 {
    match backend {
        Backend::Sqlite => SQLITE.last().map_or(0, |m| m.version),
        Backend::Postgres => POSTGRES.last().map_or(0, |m| m.version),
    }
}
