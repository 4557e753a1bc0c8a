//! The space home page's read model: recent entries (titles only) and the
//! open promises in one round trip, each row still passed through the one
//! visibility rule.

use async_trait::async_trait;
use jiff::Timestamp;
use sqlx::Row;
use troth_domain::promise::{effective_status, PromiseState, PromiseStatus};
use troth_domain::{authorize, Action, EntryFacts, Id, Visibility};

use crate::sql::{id, ms, opt_id, ts, SqlStore};
use crate::{Result, StoreError};

#[derive(Debug, Clone)]
pub struct DigestEntry {
    pub id: Id,
    pub title: String,
    pub mine: bool,
    pub visibility: Visibility,
    pub updated_at: Timestamp,
    /// Sealed and not yet open, the other has written, the viewer has not.
    pub waiting_for_me: bool,
}

#[derive(Debug, Clone)]
pub struct DigestPromise {
    pub id: Id,
    pub text: String,
    pub mine: bool,
    pub status: PromiseStatus,
    pub due_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Default)]
pub struct SpaceDigest {
    pub entries: Vec<DigestEntry>,
    pub promises: Vec<DigestPromise>,
}

#[async_trait]
pub trait DigestStore: Send + Sync {
    /// The newest `entries` entries and up to `promises` unsettled promises.
    async fn space_digest(
        &self,
        user: Id,
        space: Id,
        entries: i64,
        promises: i64,
        since: Timestamp,
        now: Timestamp,
    ) -> Result<SpaceDigest>;
}

#[async_trait]
impl DigestStore for SqlStore {
    async fn space_digest(
        &self,
        user: Id,
        space: Id,
        entries: i64,
        promises: i64,
        since: Timestamp,
        now: Timestamp,
    ) -> Result<SpaceDigest> {
        let rows = sqlx::query(
            "SELECT * FROM (SELECT 'e' AS k, e.id, e.title AS text, e.author_id AS who, e.visibility AS state, \
               e.updated_at AS at, CAST(NULL AS BIGINT) AS due, e.created_at AS created, \
               (SELECT COUNT(*) FROM entry_parts p WHERE p.entry_id = e.id AND p.author_id = $2) AS mine_parts, \
               (SELECT COUNT(*) FROM entry_parts p WHERE p.entry_id = e.id AND p.author_id <> $2) AS other_parts \
               FROM entries e WHERE e.space_id = $1 AND (e.visibility <> 'private' OR e.author_id = $2) \
               AND ((e.updated_at >= $5 AND (e.author_id IS NULL OR e.author_id <> $2)) OR (e.visibility = 'sealed' \
                 AND e.created_at >= $6 AND NOT EXISTS (SELECT 1 FROM entry_parts q WHERE q.entry_id = e.id AND q.author_id = $2))) \
               ORDER BY e.created_at DESC LIMIT $3) AS recent \
             UNION ALL SELECT * FROM (SELECT 'p', p.id, p.text, p.promiser_id, p.status, p.updated_at, p.due_at, p.created_at, 0, 0 \
               FROM promises p WHERE p.space_id = $1 AND p.status IN ('open', 'claimed') \
               AND (p.due_at >= $6 OR (p.due_at IS NULL AND p.created_at >= $6)) \
               ORDER BY CASE WHEN p.due_at IS NULL THEN 1 ELSE 0 END, p.due_at LIMIT $4) AS open_promises \
             UNION ALL SELECT 'm', 0, '', CAST(NULL AS BIGINT), '', 0, CAST(NULL AS BIGINT), 0, 0, 0 FROM memberships m WHERE m.space_id = $1 AND m.user_id = $2",
        )
        .bind(space.get())
        .bind(user.get())
        .bind(entries.clamp(1, 200))
        .bind(promises.clamp(1, 200))
        .bind(ms(since))
        // Older loose ends live on the promises and notes pages; bounding the
        // home page by time keeps its cost independent of the history.
        .bind(ms(now - jiff::SignedDuration::from_hours(24 * 30)))
        .fetch_all(&self.pool)
        .await?;
        let mut digest = SpaceDigest::default();
        let mut member = false;
        for r in &rows {
            let kind: String = r.get("k");
            let who = opt_id(r, "who");
            match kind.as_str() {
                "m" => member = true,
                "e" => {
                    let state: String = r.get("state");
                    let Ok(visibility) = state.parse::<Visibility>() else { continue };
                    let mine_parts: i64 = r.get("mine_parts");
                    let other_parts: i64 = r.get("other_parts");
                    let mut parts_by = Vec::new();
                    if mine_parts > 0 {
                        parts_by.push(user);
                    }
                    if other_parts > 0 {
                        // Who exactly does not matter to the rule, only that it is someone else.
                        parts_by.push(Id::from_db(-1));
                    }
                    let facts = EntryFacts { space_id: space, author: who, visibility, parts_by };
                    if authorize(Some(user), true, &facts, Action::Read).is_err() {
                        continue;
                    }
                    digest.entries.push(DigestEntry {
                        id: id(r, "id"),
                        title: r.get("text"),
                        mine: who == Some(user),
                        visibility,
                        updated_at: ts(r.get("at")),
                        waiting_for_me: visibility == Visibility::Sealed && other_parts > 0 && mine_parts == 0,
                    });
                }
                _ => {
                    let state: String = r.get("state");
                    let Ok(status) = state.parse::<PromiseStatus>() else { continue };
                    let due_at = r.get::<Option<i64>, _>("due").map(ts);
                    let facts = EntryFacts {
                        space_id: space,
                        author: who,
                        visibility: Visibility::Shared,
                        parts_by: Vec::new(),
                    };
                    if authorize(Some(user), true, &facts, Action::Read).is_err() {
                        continue;
                    }
                    let st = PromiseState { status, due: due_at, created_at: ts(r.get("created")), renegotiations: 0 };
                    digest.promises.push(DigestPromise {
                        id: id(r, "id"),
                        text: r.get("text"),
                        mine: who == Some(user),
                        status: effective_status(&st, now),
                        due_at,
                    });
                }
            }
        }
        if !member {
            return Err(StoreError::NotFound);
        }
        Ok(digest)
    }
}
