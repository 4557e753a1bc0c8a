//! Sealed exchanges: storage and the exactly-once reveal.
//!
//! Every change to an exchange (a part written, edited or withdrawn, a
//! response, a mark) runs in one transaction that first *writes* the
//! exchange's row (a no-op update). That write is the lock:
//! - on PostgreSQL it takes the row lock, so a second transaction touching
//!   the same exchange waits until the first commits; under READ COMMITTED
//!   every later statement of the waiting transaction then sees what the
//!   first committed;
//! - on SQLite it takes the database's write lock before anything is read
//!   (a transaction that read first could not upgrade later without failing).
//!
//! Only then are the facts read and the pure rule of
//! [`troth_domain::exchanges`] applied, and the second part's transaction
//! reveals with one conditional update (`status = 'open' AND parts_written
//! = 1`). Two second parts submitted in the same instant are therefore
//! serialised: the first reveals, the second finds the exchange revealed
//! and is refused, so the reveal happens exactly once.
//!
//! Reads cut every exchange to what the viewer may see in the SQL itself:
//! the partner's text is selected only once revealed, the partner's part
//! times never.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use jiff::Timestamp;
use serde::Serialize;
use sqlx::AnyConnection;
use troth_domain::exchanges::{
    self as rules, ContentRef, ExchangePrompt, ExchangeStatus, Facts, Listening, PartText, Refusal, Stage, WriteOutcome,
};
use troth_domain::Id;
use utoipa::ToSchema;

use crate::db::{is_unique_violation, lock_row, ms, opt_ts, ts, LockFor, SqlStore};
use crate::secret::new_id;
use crate::{Result, StoreError};

/// The viewer's own part, with its times (never shown to the partner).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OwnPart {
    pub text: String,
    #[schema(value_type = String, format = DateTime)]
    pub written_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub edited_at: Timestamp,
}

/// The other member's part, once both are open.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RevealedPart {
    pub text: String,
    /// `None` once its author has deleted their account.
    pub author_name: Option<String>,
}

/// A listening response (after the reveal, seen by both).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExchangeResponse {
    pub author_id: Option<Id>,
    pub author_name: Option<String>,
    pub mine: bool,
    /// What the author heard the other say.
    pub heard: Option<String>,
    /// What the author understood about the other's feeling.
    pub understood: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

/// An exchange as one viewer may see it. Before the reveal the other part
/// shows only as `partner_has_written`: no text, no length, no time; and no
/// time here moves when a hidden part is written or rewritten.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Exchange {
    pub id: Id,
    pub space_id: Id,
    pub prompt: String,
    pub prompt_id: Option<String>,
    pub exercise_id: Option<String>,
    pub status: ExchangeStatus,
    /// Where it stands for the viewer.
    pub stage: Stage,
    pub created_by_me: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revealed_at: Option<Timestamp>,
    pub my_part: Option<OwnPart>,
    pub partner_has_written: bool,
    /// Only once revealed.
    pub partner_part: Option<RevealedPart>,
    /// Only once revealed.
    pub responses: Vec<ExchangeResponse>,
    /// The viewer marked it as one to remember (private to the viewer).
    pub remembered: bool,
    pub can_write: bool,
    pub can_edit: bool,
    pub can_withdraw: bool,
    pub can_respond: bool,
}

pub struct NewExchange {
    pub prompt: ExchangePrompt,
    pub prompt_id: Option<ContentRef>,
    pub exercise_id: Option<ContentRef>,
    /// The creator's part, if they write it at once.
    pub part: Option<PartText>,
}

/// What writing a first part did.
#[derive(Debug, Clone)]
pub struct PartWritten {
    pub exchange: Exchange,
    /// `Reveals` for exactly one write per exchange: the one that opened it.
    pub outcome: WriteOutcome,
}

#[async_trait]
pub trait ExchangeStore: Send + Sync {
    async fn create_exchange(&self, user: Id, space: Id, new: NewExchange) -> Result<Exchange>;
    /// Newest first (by creation, which no hidden write changes).
    async fn exchanges(&self, user: Id, space: Id, limit: i64) -> Result<Vec<Exchange>>;
    async fn exchange(&self, user: Id, space: Id, exchange: Id) -> Result<Exchange>;
    /// The caller's first part; the second part of an exchange reveals both.
    async fn write_exchange_part(&self, user: Id, space: Id, exchange: Id, text: &PartText) -> Result<PartWritten>;
    /// Rewrites the caller's part while it is still sealed.
    async fn edit_exchange_part(&self, user: Id, space: Id, exchange: Id, text: &PartText) -> Result<Exchange>;
    /// Closes the exchange for both and deletes the caller's part.
    async fn withdraw_exchange(&self, user: Id, space: Id, exchange: Id) -> Result<Exchange>;
    /// Writes or rewrites the caller's listening response (after the reveal).
    async fn respond_to_exchange(&self, user: Id, space: Id, exchange: Id, listening: &Listening) -> Result<Exchange>;
    /// Marks (or unmarks) the exchange as one to remember, for the caller only.
    async fn remember_exchange(&self, user: Id, space: Id, exchange: Id, on: bool) -> Result<Exchange>;
}

/// An `exchanges` row as stored.
#[derive(sqlx::FromRow)]
struct ExchangeRow {
    id: i64,
    space_id: i64,
    created_by: Option<i64>,
    prompt: String,
    prompt_id: Option<String>,
    exercise_id: Option<String>,
    status: String,
    created_at: i64,
    revealed_at: Option<i64>,
}

/// A part as the viewer may read it: the body is NULL for the partner's
/// part until the reveal, and the times are NULL for the partner's part
/// always (the SQL cuts them, see `SqlStore::load_exchanges`).
#[derive(sqlx::FromRow)]
struct PartRow {
    exchange_id: i64,
    author_id: Option<i64>,
    display_name: Option<String>,
    body: Option<String>,
    written_at: Option<i64>,
    edited_at: Option<i64>,
}

/// A listening response with its author's name.
#[derive(sqlx::FromRow)]
struct ResponseRow {
    exchange_id: i64,
    author_id: Option<i64>,
    display_name: Option<String>,
    heard: Option<String>,
    understood: Option<String>,
    updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct MarkRow {
    exchange_id: i64,
}

#[derive(sqlx::FromRow)]
struct StatusRow {
    status: String,
}

#[derive(sqlx::FromRow)]
struct AuthorRow {
    author_id: Option<i64>,
}

fn refused(r: Refusal) -> StoreError {
    StoreError::conflict(r.code(), r.to_string())
}

fn parse_status(raw: &str) -> Result<ExchangeStatus> {
    ExchangeStatus::parse(raw).ok_or_else(|| StoreError::Other(format!("unknown exchange status {raw:?}")))
}

fn user_id(raw: Option<i64>) -> Option<Id> {
    raw.map(Id::from_db)
}

/// Takes the exchange's lock (see the module comment) and reads the facts
/// the rules decide on. `NotFound` for anyone not a member of its space.
async fn lock_and_read(conn: &mut AnyConnection, user: Id, space: Id, exchange: Id) -> Result<Facts> {
    lock_row(conn, "exchanges", "parts_written", exchange, space, LockFor::Member(user)).await?;
    let row = sqlx::query_as::<_, StatusRow>("SELECT status FROM exchanges WHERE id = $1")
        .bind(exchange.get())
        .fetch_one(&mut *conn)
        .await?;
    let status = parse_status(&row.status)?;
    let authors = sqlx::query_as::<_, AuthorRow>("SELECT author_id FROM exchange_parts WHERE exchange_id = $1")
        .bind(exchange.get())
        .fetch_all(&mut *conn)
        .await?;
    let mine = authors.iter().any(|r| user_id(r.author_id) == Some(user));
    let partner = authors.iter().any(|r| user_id(r.author_id) != Some(user));
    Ok(Facts { status, mine, partner })
}

/// Inserts the caller's first part and moves the count (and, for the second
/// part, the status) with one conditional update; anything unexpected rolls
/// the whole transaction back.
async fn insert_part(
    conn: &mut AnyConnection,
    user: Id,
    exchange: Id,
    text: &PartText,
    outcome: WriteOutcome,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO exchange_parts (id, exchange_id, author_id, body, written_at, edited_at) \
         VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(new_id().get())
    .bind(exchange.get())
    .bind(user.get())
    .bind(text.as_str())
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(|e| if is_unique_violation(&e) { refused(Refusal::PartAlreadyWritten) } else { e.into() })?;
    let moved = match outcome {
        WriteOutcome::Reveals => {
            sqlx::query(
                "UPDATE exchanges SET status = 'revealed', revealed_at = $2, parts_written = 2 \
                 WHERE id = $1 AND status = 'open' AND parts_written = 1",
            )
            .bind(exchange.get())
            .bind(now)
            .execute(&mut *conn)
            .await?
        }
        WriteOutcome::Waits => {
            sqlx::query(
                "UPDATE exchanges SET parts_written = 1 WHERE id = $1 AND status = 'open' AND parts_written = 0",
            )
            .bind(exchange.get())
            .execute(&mut *conn)
            .await?
        }
    };
    if moved.rows_affected() != 1 {
        // The lock makes this unreachable; if it ever happens, refuse
        // rather than store a part the count does not know about.
        return Err(StoreError::conflict("exchange_busy", "the exchange changed while saving; try again"));
    }
    Ok(())
}

/// Lifecycle hook, leaving a space (and so deleting an account): the
/// leaver's unrevealed parts were never read by anyone and go, and the
/// count of the exchanges they were in follows; their revealed parts and
/// responses stay with the other member; their marks were private and go.
/// Runs inside the leave transaction.
pub(crate) async fn on_leave(conn: &mut AnyConnection, user: Id, space: Id) -> Result<()> {
    sqlx::query(
        "DELETE FROM exchange_parts WHERE author_id = $2 \
         AND exchange_id IN (SELECT e.id FROM exchanges e WHERE e.space_id = $1 AND e.status = 'open')",
    )
    .bind(space.get())
    .bind(user.get())
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE exchanges SET parts_written = \
         (SELECT COUNT(*) FROM exchange_parts p WHERE p.exchange_id = exchanges.id) \
         WHERE space_id = $1 AND status = 'open'",
    )
    .bind(space.get())
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "DELETE FROM exchange_marks WHERE user_id = $2 \
         AND exchange_id IN (SELECT e.id FROM exchanges e WHERE e.space_id = $1)",
    )
    .bind(space.get())
    .bind(user.get())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Lifecycle hook, export: every exchange of the space as the member sees
/// it (their own parts and responses; the partner's part only once
/// revealed), through the same cut as every page.
pub(crate) async fn export(db: &SqlStore, user: Id, space: Id) -> Result<Vec<Exchange>> {
    db.load_exchanges(user, space, None, EXPORT_LIMIT).await
}

/// More exchanges than two people write in a lifetime: the export's page.
const EXPORT_LIMIT: i64 = 100_000;

/// The page of exchanges a read looks at: one (`only`) or the newest `limit`.
const PAGE: &str = "SELECT e2.id FROM exchanges e2 WHERE e2.space_id = $1 AND ($3 = 0 OR e2.id = $3) \
     ORDER BY e2.created_at DESC, e2.id DESC LIMIT $4";

impl SqlStore {
    async fn load_exchanges(&self, user: Id, space: Id, only: Option<Id>, limit: i64) -> Result<Vec<Exchange>> {
        if !self.is_member(user, space).await? {
            return Err(StoreError::NotFound);
        }
        let only = only.map_or(0, Id::get);
        let limit = limit.clamp(1, EXPORT_LIMIT);
        let rows = sqlx::query_as::<_, ExchangeRow>(
            "SELECT id, space_id, created_by, prompt, prompt_id, exercise_id, status, created_at, revealed_at \
             FROM exchanges WHERE space_id = $1 AND ($3 = 0 OR id = $3) AND $2 = $2 \
             ORDER BY created_at DESC, id DESC LIMIT $4",
        )
        .bind(space.get())
        .bind(user.get())
        .bind(only)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return if only != 0 { Err(StoreError::NotFound) } else { Ok(Vec::new()) };
        }
        // The partner's text only once revealed; the partner's times never.
        let parts = sqlx::query_as::<_, PartRow>(&format!(
            "SELECT p.exchange_id, p.author_id, u.display_name, \
             CASE WHEN p.author_id = $2 OR e.status = 'revealed' THEN p.body END AS body, \
             CASE WHEN p.author_id = $2 THEN p.written_at END AS written_at, \
             CASE WHEN p.author_id = $2 THEN p.edited_at END AS edited_at \
             FROM exchange_parts p JOIN exchanges e ON e.id = p.exchange_id LEFT JOIN users u ON u.id = p.author_id \
             WHERE p.exchange_id IN ({PAGE})"
        ))
        .bind(space.get())
        .bind(user.get())
        .bind(only)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let responses = sqlx::query_as::<_, ResponseRow>(&format!(
            "SELECT r.exchange_id, r.author_id, u.display_name, r.heard, r.understood, r.updated_at \
             FROM exchange_responses r JOIN exchanges e ON e.id = r.exchange_id LEFT JOIN users u ON u.id = r.author_id \
             WHERE e.status = 'revealed' AND r.exchange_id IN ({PAGE}) AND $2 = $2 ORDER BY r.created_at"
        ))
        .bind(space.get())
        .bind(user.get())
        .bind(only)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let marks = sqlx::query_as::<_, MarkRow>(&format!(
            "SELECT exchange_id FROM exchange_marks WHERE user_id = $2 AND exchange_id IN ({PAGE})"
        ))
        .bind(space.get())
        .bind(user.get())
        .bind(only)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let marked: HashSet<i64> = marks.iter().map(|r| r.exchange_id).collect();
        let mut parts_of: HashMap<i64, Vec<PartRow>> = HashMap::new();
        for p in parts {
            parts_of.entry(p.exchange_id).or_default().push(p);
        }
        let mut responses_of: HashMap<i64, Vec<ExchangeResponse>> = HashMap::new();
        for r in responses {
            let author = user_id(r.author_id);
            responses_of.entry(r.exchange_id).or_default().push(ExchangeResponse {
                author_id: author,
                author_name: r.display_name,
                mine: author == Some(user),
                heard: r.heard,
                understood: r.understood,
                updated_at: ts(r.updated_at),
            });
        }
        rows.into_iter()
            .map(|row| {
                let status = parse_status(&row.status)?;
                let (own, others): (Vec<PartRow>, Vec<PartRow>) = parts_of
                    .remove(&row.id)
                    .unwrap_or_default()
                    .into_iter()
                    .partition(|p| user_id(p.author_id) == Some(user));
                let own = own.into_iter().next();
                let other = others.into_iter().next();
                let facts = Facts { status, mine: own.is_some(), partner: other.is_some() };
                let revealed = facts.partner_text_visible();
                Ok(Exchange {
                    id: Id::from_db(row.id),
                    space_id: Id::from_db(row.space_id),
                    prompt: row.prompt,
                    prompt_id: row.prompt_id,
                    exercise_id: row.exercise_id,
                    status,
                    stage: facts.stage(),
                    created_by_me: user_id(row.created_by) == Some(user),
                    created_at: ts(row.created_at),
                    revealed_at: opt_ts(row.revealed_at),
                    my_part: own.map(|p| OwnPart {
                        text: p.body.unwrap_or_default(),
                        written_at: ts(p.written_at.unwrap_or_default()),
                        edited_at: ts(p.edited_at.unwrap_or_default()),
                    }),
                    partner_has_written: facts.partner,
                    // Checked twice: the SQL selected no hidden text, and
                    // the rule decides again here.
                    partner_part: other
                        .filter(|_| revealed)
                        .and_then(|p| Some(RevealedPart { text: p.body?, author_name: p.display_name })),
                    responses: if revealed { responses_of.remove(&row.id).unwrap_or_default() } else { Vec::new() },
                    remembered: revealed && marked.contains(&row.id),
                    can_write: rules::write_first(facts).is_ok(),
                    can_edit: rules::edit(facts).is_ok(),
                    can_withdraw: rules::withdraw(facts).is_ok(),
                    can_respond: rules::after_reveal(facts).is_ok(),
                })
            })
            .collect()
    }
}

#[async_trait]
impl ExchangeStore for SqlStore {
    async fn create_exchange(&self, user: Id, space: Id, new: NewExchange) -> Result<Exchange> {
        self.require_member(user, space).await?;
        let eid = new_id();
        let now = ms(Timestamp::now());
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO exchanges (id, space_id, created_by, prompt, prompt_id, exercise_id, status, parts_written, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'open', 0, $7)",
        )
        .bind(eid.get())
        .bind(space.get())
        .bind(user.get())
        .bind(new.prompt.as_str())
        .bind(new.prompt_id.as_ref().map(|r| r.as_str().to_string()))
        .bind(new.exercise_id.as_ref().map(|r| r.as_str().to_string()))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if let Some(part) = &new.part {
            insert_part(&mut tx, user, eid, part, WriteOutcome::Waits, now).await?;
        }
        tx.commit().await?;
        self.exchange(user, space, eid).await
    }

    async fn exchanges(&self, user: Id, space: Id, limit: i64) -> Result<Vec<Exchange>> {
        self.load_exchanges(user, space, None, limit).await
    }

    async fn exchange(&self, user: Id, space: Id, exchange: Id) -> Result<Exchange> {
        let mut list = self.load_exchanges(user, space, Some(exchange), 1).await?;
        list.pop().ok_or(StoreError::NotFound)
    }

    async fn write_exchange_part(&self, user: Id, space: Id, exchange: Id, text: &PartText) -> Result<PartWritten> {
        let mut tx = self.pool.begin().await?;
        let facts = lock_and_read(&mut tx, user, space, exchange).await?;
        let outcome = rules::write_first(facts).map_err(refused)?;
        insert_part(&mut tx, user, exchange, text, outcome, ms(Timestamp::now())).await?;
        tx.commit().await?;
        Ok(PartWritten { exchange: self.exchange(user, space, exchange).await?, outcome })
    }

    async fn edit_exchange_part(&self, user: Id, space: Id, exchange: Id, text: &PartText) -> Result<Exchange> {
        let mut tx = self.pool.begin().await?;
        let facts = lock_and_read(&mut tx, user, space, exchange).await?;
        rules::edit(facts).map_err(refused)?;
        // Only the part's own row changes: nothing the partner can see moves.
        sqlx::query("UPDATE exchange_parts SET body = $1, edited_at = $2 WHERE exchange_id = $3 AND author_id = $4")
            .bind(text.as_str())
            .bind(ms(Timestamp::now()))
            .bind(exchange.get())
            .bind(user.get())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.exchange(user, space, exchange).await
    }

    async fn withdraw_exchange(&self, user: Id, space: Id, exchange: Id) -> Result<Exchange> {
        let mut tx = self.pool.begin().await?;
        let facts = lock_and_read(&mut tx, user, space, exchange).await?;
        rules::withdraw(facts).map_err(refused)?;
        // The withdrawn text is deleted, not hidden (the rule guarantees the
        // only part there can be is the caller's).
        sqlx::query("DELETE FROM exchange_parts WHERE exchange_id = $1").bind(exchange.get()).execute(&mut *tx).await?;
        sqlx::query(
            "UPDATE exchanges SET status = 'withdrawn', closed_at = $2, parts_written = 0 WHERE id = $1 AND status = 'open'",
        )
        .bind(exchange.get())
        .bind(ms(Timestamp::now()))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.exchange(user, space, exchange).await
    }

    async fn respond_to_exchange(&self, user: Id, space: Id, exchange: Id, listening: &Listening) -> Result<Exchange> {
        let mut tx = self.pool.begin().await?;
        let facts = lock_and_read(&mut tx, user, space, exchange).await?;
        rules::after_reveal(facts).map_err(refused)?;
        let now = ms(Timestamp::now());
        sqlx::query(
            "INSERT INTO exchange_responses (id, exchange_id, author_id, heard, understood, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (exchange_id, author_id) \
             DO UPDATE SET heard = $4, understood = $5, updated_at = $6",
        )
        .bind(new_id().get())
        .bind(exchange.get())
        .bind(user.get())
        .bind(listening.heard.as_ref().map(|t| t.as_str().to_string()))
        .bind(listening.understood.as_ref().map(|t| t.as_str().to_string()))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.exchange(user, space, exchange).await
    }

    async fn remember_exchange(&self, user: Id, space: Id, exchange: Id, on: bool) -> Result<Exchange> {
        let mut tx = self.pool.begin().await?;
        let facts = lock_and_read(&mut tx, user, space, exchange).await?;
        rules::after_reveal(facts).map_err(refused)?;
        if on {
            sqlx::query(
                "INSERT INTO exchange_marks (exchange_id, user_id, marked_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(exchange.get())
            .bind(user.get())
            .bind(ms(Timestamp::now()))
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query("DELETE FROM exchange_marks WHERE exchange_id = $1 AND user_id = $2")
                .bind(exchange.get())
                .bind(user.get())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.exchange(user, space, exchange).await
    }
}
