//! The appreciation log: one line of thanks, seen by both, hearted by the
//! one it was for. Shared entries, so every read passes `authorize`.

use async_trait::async_trait;
use jiff::Timestamp;
use serde::Serialize;
use troth_domain::{authorize, Action, AppreciationText, EntryFacts, Id, Visibility};
use utoipa::ToSchema;

use crate::db::{ms, ts, SqlStore};
use crate::insights::weeks::Moment;
use crate::secret::new_id;
use crate::{Result, StoreError};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Appreciation {
    pub id: Id,
    pub space_id: Id,
    pub author_id: Option<Id>,
    pub author_name: Option<String>,
    pub text: String,
    /// The viewer wrote it.
    pub mine: bool,
    /// The person it was for answered with a heart.
    pub hearted: bool,
    /// The viewer keeps it among their favourites.
    pub favourite: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct AppreciationFilter {
    pub favourites_only: bool,
    /// Only those written by the other member (the ones the viewer received).
    pub received_only: bool,
    pub limit: Option<i64>,
}

#[async_trait]
pub trait AppreciationStore: Send + Sync {
    async fn add_appreciation(
        &self,
        user: Id,
        space: Id,
        text: &AppreciationText,
        at: Option<Timestamp>,
    ) -> Result<Appreciation>;
    async fn appreciations(&self, user: Id, space: Id, filter: AppreciationFilter) -> Result<Vec<Appreciation>>;
    /// Only the person it was for can heart it.
    async fn heart_appreciation(&self, user: Id, space: Id, appreciation: Id, on: bool) -> Result<Appreciation>;
    async fn favourite_appreciation(&self, user: Id, space: Id, appreciation: Id, on: bool) -> Result<Appreciation>;
    /// The author may take it back.
    async fn delete_appreciation(&self, user: Id, space: Id, appreciation: Id) -> Result<()>;
}

const COLS: &str = "a.id, a.space_id, a.author_id, u.display_name AS author_name, a.text, a.hearted_at, a.created_at, \
     (SELECT COUNT(*) FROM appreciation_favourites f WHERE f.appreciation_id = a.id AND f.user_id = $2) AS fav";

/// An appreciation as read by [`COLS`].
#[derive(sqlx::FromRow)]
struct AppreciationRow {
    id: i64,
    space_id: i64,
    author_id: Option<i64>,
    author_name: Option<String>,
    text: String,
    hearted_at: Option<i64>,
    created_at: i64,
    fav: i64,
}

impl AppreciationRow {
    fn view(self, viewer: Id) -> Appreciation {
        let author = self.author_id.map(Id::from_db);
        Appreciation {
            id: Id::from_db(self.id),
            space_id: Id::from_db(self.space_id),
            author_id: author,
            author_name: self.author_name,
            text: self.text,
            mine: author == Some(viewer),
            hearted: self.hearted_at.is_some(),
            favourite: self.fav > 0,
            created_at: ts(self.created_at),
        }
    }
}

fn facts(a: &Appreciation) -> EntryFacts {
    EntryFacts { space_id: a.space_id, author: a.author_id, visibility: Visibility::Shared, parts_by: Vec::new() }
}

impl SqlStore {
    async fn appreciation(&self, user: Id, space: Id, appreciation: Id) -> Result<Appreciation> {
        let row = sqlx::query_as::<_, AppreciationRow>(&format!(
            "SELECT {COLS} FROM appreciations a LEFT JOIN users u ON u.id = a.author_id \
             WHERE a.space_id = $1 AND a.id = $3 \
             AND EXISTS (SELECT 1 FROM memberships m WHERE m.space_id = $1 AND m.user_id = $2)"
        ))
        .bind(space.get())
        .bind(user.get())
        .bind(appreciation.get())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let a = row.view(user);
        authorize(Some(user), true, &facts(&a), Action::Read)?;
        Ok(a)
    }
}

impl SqlStore {
    /// The appreciations `user` may read in `space`, newest first, at most
    /// `limit` (callers bound it; the export asks for all).
    pub(crate) async fn list_appreciations(
        &self,
        user: Id,
        space: Id,
        filter: &AppreciationFilter,
        limit: i64,
    ) -> Result<Vec<Appreciation>> {
        let mut sql = format!(
            "SELECT {COLS} FROM appreciations a LEFT JOIN users u ON u.id = a.author_id \
             WHERE a.space_id = $1 AND EXISTS (SELECT 1 FROM memberships m WHERE m.space_id = $1 AND m.user_id = $2)"
        );
        if filter.favourites_only {
            sql.push_str(" AND EXISTS (SELECT 1 FROM appreciation_favourites f WHERE f.appreciation_id = a.id AND f.user_id = $2)");
        }
        if filter.received_only {
            sql.push_str(" AND (a.author_id IS NULL OR a.author_id <> $2)");
        }
        sql.push_str(" ORDER BY a.created_at DESC, a.id DESC LIMIT $3");
        let rows = sqlx::query_as::<_, AppreciationRow>(&sql)
            .bind(space.get())
            .bind(user.get())
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        if rows.is_empty() && !self.is_member(user, space).await? {
            return Err(StoreError::NotFound);
        }
        Ok(rows
            .into_iter()
            .map(|r| r.view(user))
            .filter(|a| authorize(Some(user), true, &facts(a), Action::Read).is_ok())
            .collect())
    }
}

#[async_trait]
impl AppreciationStore for SqlStore {
    async fn add_appreciation(
        &self,
        user: Id,
        space: Id,
        text: &AppreciationText,
        at: Option<Timestamp>,
    ) -> Result<Appreciation> {
        let outcome: Result<Appreciation> = async {
            self.require_member(user, space).await?;
            let aid = new_id();
            let at = ts(ms(at.unwrap_or_else(Timestamp::now)));
            let mut tx = self.pool.begin().await?;
            sqlx::query(
                "INSERT INTO appreciations (id, space_id, author_id, text, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(aid.get())
            .bind(space.get())
            .bind(user.get())
            .bind(text.as_str())
            .bind(ms(at))
            .execute(&mut *tx)
            .await?;
            crate::insights::weeks::bump(&mut tx, space, at, Moment::Appreciation, 1).await?;
            tx.commit().await?;
            self.appreciation(user, space, aid).await
        }
        .await;
        self.note_write(&outcome);
        outcome
    }

    async fn appreciations(&self, user: Id, space: Id, filter: AppreciationFilter) -> Result<Vec<Appreciation>> {
        self.list_appreciations(user, space, &filter, filter.limit.unwrap_or(100).clamp(1, 1000)).await
    }

    async fn heart_appreciation(&self, user: Id, space: Id, appreciation: Id, on: bool) -> Result<Appreciation> {
        let outcome: Result<Appreciation> = async {
            let a = self.appreciation(user, space, appreciation).await?;
            if a.mine {
                return Err(StoreError::conflict("own_appreciation", "hearts are for the person it was written to"));
            }
            sqlx::query("UPDATE appreciations SET hearted_at = $1 WHERE id = $2")
                .bind(on.then(|| ms(Timestamp::now())))
                .bind(appreciation.get())
                .execute(&self.pool)
                .await?;
            self.appreciation(user, space, appreciation).await
        }
        .await;
        self.note_write(&outcome);
        outcome
    }

    async fn favourite_appreciation(&self, user: Id, space: Id, appreciation: Id, on: bool) -> Result<Appreciation> {
        let outcome: Result<Appreciation> = async {
            self.appreciation(user, space, appreciation).await?;
            if on {
                sqlx::query(
                    "INSERT INTO appreciation_favourites (appreciation_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(appreciation.get())
                .bind(user.get())
                .execute(&self.pool)
                .await?;
            } else {
                sqlx::query("DELETE FROM appreciation_favourites WHERE appreciation_id = $1 AND user_id = $2")
                    .bind(appreciation.get())
                    .bind(user.get())
                    .execute(&self.pool)
                    .await?;
            }
            self.appreciation(user, space, appreciation).await
        }
        .await;
        self.note_write(&outcome);
        outcome
    }

    async fn delete_appreciation(&self, user: Id, space: Id, appreciation: Id) -> Result<()> {
        let outcome: Result<()> = async {
            let a = self.appreciation(user, space, appreciation).await?;
            authorize(Some(user), true, &facts(&a), Action::Delete)?;
            let mut tx = self.pool.begin().await?;
            let gone = sqlx::query("DELETE FROM appreciations WHERE id = $1")
                .bind(appreciation.get())
                .execute(&mut *tx)
                .await?;
            if gone.rows_affected() == 1 {
                crate::insights::weeks::bump(&mut tx, space, a.created_at, Moment::Appreciation, -1).await?;
            }
            tx.commit().await?;
            Ok(())
        }
        .await;
        self.note_write(&outcome);
        outcome
    }
}
