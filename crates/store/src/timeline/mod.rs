//! The trust timeline: moments both members mark, in date order. Shared by
//! design; every read and write starts with the membership check, and
//! every query names the space.
//!
//! Edits keep history, as the journal's do: an edit runs in one transaction
//! that first writes the moment's row (the row lock on PostgreSQL, the
//! write lock on SQLite), then copies the version it replaces into
//! `timeline_revisions`. Two edits at once are serialised, and the one made
//! against an older revision is refused (`edited_meanwhile`) rather than
//! silently overwriting the other.

use std::collections::HashMap;

use async_trait::async_trait;
use jiff::civil::Date;
use jiff::Timestamp;
use serde::Serialize;
use troth_domain::timeline::{MomentDraft, MomentKind};
use troth_domain::Id;
use utoipa::ToSchema;

use crate::db::{ensure_room, lock_row, ms, ts, LockFor, SqlStore};
use crate::secret::new_id;
use crate::{Result, StoreError};

/// The most moments one timeline holds (and lists).
pub const MAX_MOMENTS_PER_SPACE: i64 = 1_000;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineMoment {
    pub id: Id,
    pub space_id: Id,
    pub author_id: Option<Id>,
    pub author_name: Option<String>,
    pub mine: bool,
    /// The day it happened (YYYY-MM-DD).
    #[schema(value_type = String, format = Date)]
    pub happened_on: Date,
    pub kind: MomentKind,
    pub title: String,
    pub learned: String,
    /// The one who marked it may take it back (anyone, once they are gone).
    pub can_delete: bool,
    /// 1 until the first edit; send it back with an edit to be told when
    /// the other member changed the moment in between.
    pub revision: i64,
    pub edited: bool,
    pub edited_by_name: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
    /// What the moment said before each edit, newest first.
    pub earlier_versions: Vec<TimelineRevision>,
}

/// An earlier version of a moment, as it read before an edit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineRevision {
    pub revision: i64,
    pub written_by_name: Option<String>,
    #[schema(value_type = String, format = Date)]
    pub happened_on: Date,
    pub kind: MomentKind,
    pub title: String,
    pub learned: String,
    #[schema(value_type = String, format = DateTime)]
    pub written_at: Timestamp,
}

#[async_trait]
pub trait TimelineStore: Send + Sync {
    async fn add_moment(&self, user: Id, space: Id, draft: &MomentDraft) -> Result<TimelineMoment>;
    /// Oldest first, as a timeline reads.
    async fn moments(&self, user: Id, space: Id) -> Result<Vec<TimelineMoment>>;
    async fn moment(&self, user: Id, space: Id, moment: Id) -> Result<TimelineMoment>;
    /// Either member may reword a moment; the version it replaces is kept.
    /// `expected_revision`: refuse (409 `edited_meanwhile`) if the moment
    /// has moved on since. The flag says whether anything changed (saving
    /// the same words again makes no new version).
    async fn edit_moment(
        &self,
        user: Id,
        space: Id,
        moment: Id,
        draft: &MomentDraft,
        expected_revision: Option<i64>,
    ) -> Result<(TimelineMoment, bool)>;
    async fn delete_moment(&self, user: Id, space: Id, moment: Id) -> Result<()>;
}

#[derive(sqlx::FromRow)]
struct MomentRow {
    id: i64,
    space_id: i64,
    author_id: Option<i64>,
    author_name: Option<String>,
    happened_on: String,
    kind: String,
    title: String,
    learned: String,
    revision: i64,
    edited_by_name: Option<String>,
    created_at: i64,
    updated_at: i64,
}

fn parse_day(raw: &str, moment: i64) -> Result<Date> {
    raw.parse::<Date>().map_err(|_| StoreError::Other(format!("timeline moment {moment} has an unreadable date")))
}

fn parse_kind(raw: &str) -> Result<MomentKind> {
    raw.parse::<MomentKind>().map_err(|_| StoreError::Other(format!("unknown moment kind {raw}")))
}

impl MomentRow {
    fn view(self, viewer: Id) -> Result<TimelineMoment> {
        let author = self.author_id.map(Id::from_db);
        let happened_on = parse_day(&self.happened_on, self.id)?;
        let kind = parse_kind(&self.kind)?;
        Ok(TimelineMoment {
            id: Id::from_db(self.id),
            space_id: Id::from_db(self.space_id),
            author_id: author,
            author_name: self.author_name,
            mine: author == Some(viewer),
            happened_on,
            kind,
            title: self.title,
            learned: self.learned,
            can_delete: author.is_none_or(|a| a == viewer),
            revision: self.revision,
            edited: self.revision > 1,
            edited_by_name: self.edited_by_name,
            created_at: ts(self.created_at),
            updated_at: ts(self.updated_at),
            earlier_versions: Vec::new(),
        })
    }
}

#[derive(sqlx::FromRow)]
struct RevisionRow {
    moment_id: i64,
    revision: i64,
    written_by_name: Option<String>,
    happened_on: String,
    kind: String,
    title: String,
    learned: String,
    written_at: i64,
}

impl RevisionRow {
    fn view(self) -> Result<TimelineRevision> {
        Ok(TimelineRevision {
            revision: self.revision,
            written_by_name: self.written_by_name,
            happened_on: parse_day(&self.happened_on, self.moment_id)?,
            kind: parse_kind(&self.kind)?,
            title: self.title,
            learned: self.learned,
            written_at: ts(self.written_at),
        })
    }
}

/// The moment as it stands, read inside an edit's transaction.
#[derive(sqlx::FromRow)]
struct CurrentMoment {
    author_id: Option<i64>,
    edited_by: Option<i64>,
    happened_on: String,
    kind: String,
    title: String,
    learned: String,
    revision: i64,
    updated_at: i64,
}

const COLS: &str = "m.id, m.space_id, m.author_id, u.display_name AS author_name, m.happened_on, m.kind, m.title, \
     m.learned, m.revision, ed.display_name AS edited_by_name, m.created_at, m.updated_at";

impl SqlStore {
    pub(crate) async fn list_moments(&self, user: Id, space: Id, only: Option<Id>) -> Result<Vec<TimelineMoment>> {
        self.require_member(user, space).await?;
        let rows = sqlx::query_as::<_, MomentRow>(&format!(
            "SELECT {COLS} FROM timeline_moments m LEFT JOIN users u ON u.id = m.author_id \
             LEFT JOIN users ed ON ed.id = m.edited_by \
             WHERE m.space_id = $1 AND ($2 = 0 OR m.id = $2) ORDER BY m.happened_on, m.created_at, m.id LIMIT {MAX_MOMENTS_PER_SPACE}"
        ))
        .bind(space.get())
        .bind(only.map_or(0, Id::get))
        .fetch_all(&self.pool)
        .await?;
        // The history of the same moments (the join on the space keeps
        // another space's rows out).
        let revisions = sqlx::query_as::<_, RevisionRow>(
            "SELECT r.moment_id, r.revision, u.display_name AS written_by_name, r.happened_on, r.kind, r.title, \
             r.learned, r.written_at FROM timeline_revisions r JOIN timeline_moments m ON m.id = r.moment_id \
             LEFT JOIN users u ON u.id = r.written_by \
             WHERE m.space_id = $1 AND ($2 = 0 OR m.id = $2) ORDER BY r.moment_id, r.revision DESC",
        )
        .bind(space.get())
        .bind(only.map_or(0, Id::get))
        .fetch_all(&self.pool)
        .await?;
        let mut moments = rows.into_iter().map(|r| r.view(user)).collect::<Result<Vec<_>>>()?;
        let at: HashMap<i64, usize> = moments.iter().enumerate().map(|(i, m)| (m.id.get(), i)).collect();
        for r in revisions {
            if let Some(&i) = at.get(&r.moment_id) {
                moments[i].earlier_versions.push(r.view()?);
            }
        }
        Ok(moments)
    }
}

#[async_trait]
impl TimelineStore for SqlStore {
    async fn add_moment(&self, user: Id, space: Id, draft: &MomentDraft) -> Result<TimelineMoment> {
        let outcome: Result<TimelineMoment> = async {
            self.require_member(user, space).await?;
            let mut conn = self.pool.acquire().await?;
            ensure_room(
                &mut conn,
                "SELECT COUNT(*) FROM timeline_moments WHERE space_id = $1",
                space,
                MAX_MOMENTS_PER_SPACE,
                "too_many_moments",
                "This timeline holds as many moments as it can (1,000).",
            )
            .await?;
            drop(conn);
            let id = new_id();
            let now = ms(Timestamp::now());
            sqlx::query(
                "INSERT INTO timeline_moments (id, space_id, author_id, happened_on, kind, title, learned, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
            )
            .bind(id.get())
            .bind(space.get())
            .bind(user.get())
            .bind(draft.happened_on.to_string())
            .bind(draft.kind.as_str())
            .bind(draft.title.as_str())
            .bind(draft.learned.as_str())
            .bind(now)
            .execute(&self.pool)
            .await?;
            self.moment(user, space, id).await
        }
        .await;
        self.note_write(&outcome);
        outcome
    }

    async fn moments(&self, user: Id, space: Id) -> Result<Vec<TimelineMoment>> {
        self.list_moments(user, space, None).await
    }

    async fn moment(&self, user: Id, space: Id, moment: Id) -> Result<TimelineMoment> {
        self.list_moments(user, space, Some(moment)).await?.into_iter().next().ok_or(StoreError::NotFound)
    }

    async fn edit_moment(
        &self,
        user: Id,
        space: Id,
        moment: Id,
        draft: &MomentDraft,
        expected_revision: Option<i64>,
    ) -> Result<(TimelineMoment, bool)> {
        let outcome: Result<(TimelineMoment, bool)> = async {
            self.require_member(user, space).await?;
            let mut tx = self.pool.begin().await?;
            lock_row(&mut tx, "timeline_moments", "revision", moment, space, LockFor::Checked).await?;
            let now = sqlx::query_as::<_, CurrentMoment>(
                "SELECT author_id, edited_by, happened_on, kind, title, learned, revision, updated_at \
                 FROM timeline_moments WHERE id = $1",
            )
            .bind(moment.get())
            .fetch_one(&mut *tx)
            .await?;
            if expected_revision.is_some_and(|r| r != now.revision) {
                return Err(StoreError::conflict(
                    "edited_meanwhile",
                    "Your partner changed this moment while you were editing it; your words are kept below, \
                     compare them with theirs and save again.",
                ));
            }
            let changed = now.happened_on != draft.happened_on.to_string()
                || now.kind != draft.kind.as_str()
                || now.title != draft.title
                || now.learned != draft.learned;
            if changed {
                sqlx::query(
                    "INSERT INTO timeline_revisions (moment_id, revision, written_by, happened_on, kind, title, \
                     learned, written_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(moment.get())
                .bind(now.revision)
                .bind(now.edited_by.or(now.author_id))
                .bind(now.happened_on.as_str())
                .bind(now.kind.as_str())
                .bind(now.title.as_str())
                .bind(now.learned.as_str())
                .bind(now.updated_at)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE timeline_moments SET happened_on = $1, kind = $2, title = $3, learned = $4, \
                     revision = revision + 1, edited_by = $5, updated_at = $6 WHERE id = $7",
                )
                .bind(draft.happened_on.to_string())
                .bind(draft.kind.as_str())
                .bind(draft.title.as_str())
                .bind(draft.learned.as_str())
                .bind(user.get())
                .bind(ms(Timestamp::now()))
                .bind(moment.get())
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok((self.moment(user, space, moment).await?, changed))
        }
        .await;
        self.note_write(&outcome);
        outcome
    }

    async fn delete_moment(&self, user: Id, space: Id, moment: Id) -> Result<()> {
        let outcome: Result<()> = async {
            let m = self.moment(user, space, moment).await?;
            if !m.can_delete {
                return Err(StoreError::Refused {
                    code: "not_your_moment",
                    message: "Only the one who marked a moment can remove it; you can reword it.".into(),
                });
            }
            sqlx::query("DELETE FROM timeline_moments WHERE id = $1 AND space_id = $2")
                .bind(moment.get())
                .bind(space.get())
                .execute(&self.pool)
                .await?;
            Ok(())
        }
        .await;
        self.note_write(&outcome);
        outcome
    }
}

/// The whole timeline of a space, for the export.
pub(crate) async fn export(db: &SqlStore, user: Id, space: Id) -> Result<Vec<TimelineMoment>> {
    db.list_moments(user, space, None).await
}
