//! Private reflections on one's own trustworthiness: storage.
//!
//! Every query names the person (`user_id = $1`) and nothing else: there
//! is no space here, so no path through a space (a partner's list, a
//! count, the home page, insights, the partner's export) can reach a
//! reflection. Another person's reflection id is simply not found.

use async_trait::async_trait;
use jiff::Timestamp;
use serde::Serialize;
use troth_domain::reflection::{self as rules, NewReflection, Quality, Refusal};
use troth_domain::Id;
use utoipa::ToSchema;

use crate::db::{ms, ts, SqlStore};
use crate::secret::new_id;
use crate::{Result, StoreError};

/// One quality's answer as stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReflectionAnswer {
    pub quality: Quality,
    /// 0–10.
    pub rating: u8,
    pub note: Option<String>,
}

/// One reflection: the four answers, in the order competence, consistency,
/// integrity, compassion.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reflection {
    pub id: Id,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    pub answers: Vec<ReflectionAnswer>,
}

impl Reflection {
    pub fn rating(&self, quality: Quality) -> Option<u8> {
        self.answers.iter().find(|a| a.quality == quality).map(|a| a.rating)
    }
}

#[async_trait]
pub trait ReflectionStore: Send + Sync {
    async fn add_reflection(&self, user: Id, new: &NewReflection) -> Result<Reflection>;
    /// The person's own reflections, newest first.
    async fn reflections(&self, user: Id) -> Result<Vec<Reflection>>;
    /// `NotFound` unless it is the person's own.
    async fn reflection(&self, user: Id, reflection: Id) -> Result<Reflection>;
    async fn delete_reflection(&self, user: Id, reflection: Id) -> Result<()>;
}

#[derive(sqlx::FromRow)]
struct ReflectionRow {
    id: i64,
    created_at: i64,
    competence: i64,
    competence_note: Option<String>,
    consistency: i64,
    consistency_note: Option<String>,
    integrity: i64,
    integrity_note: Option<String>,
    compassion: i64,
    compassion_note: Option<String>,
}

impl From<ReflectionRow> for Reflection {
    fn from(r: ReflectionRow) -> Self {
        let answer = |quality, rating: i64, note| ReflectionAnswer { quality, rating: rating.clamp(0, 10) as u8, note };
        Reflection {
            id: Id::from_db(r.id),
            created_at: ts(r.created_at),
            answers: vec![
                answer(Quality::Competence, r.competence, r.competence_note),
                answer(Quality::Consistency, r.consistency, r.consistency_note),
                answer(Quality::Integrity, r.integrity, r.integrity_note),
                answer(Quality::Compassion, r.compassion, r.compassion_note),
            ],
        }
    }
}

const COLUMNS: &str = "id, created_at, competence, competence_note, consistency, consistency_note, \
     integrity, integrity_note, compassion, compassion_note";

/// Lifecycle hook, export: the person's own reflections (in their export
/// only, at its top level, not under any space).
pub(crate) async fn export(db: &SqlStore, user: Id) -> Result<Vec<Reflection>> {
    db.reflections(user).await
}

#[async_trait]
impl ReflectionStore for SqlStore {
    async fn add_reflection(&self, user: Id, new: &NewReflection) -> Result<Reflection> {
        let rid = new_id();
        let mut tx = self.pool.begin().await?;
        // The person's row is the lock, so the limit holds under
        // concurrent adds.
        sqlx::query("UPDATE users SET display_name = display_name WHERE id = $1")
            .bind(user.get())
            .execute(&mut *tx)
            .await?;
        let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reflections WHERE user_id = $1")
            .bind(user.get())
            .fetch_one(&mut *tx)
            .await?;
        rules::room_for(existing).map_err(|r: Refusal| StoreError::conflict(r.code(), r.to_string()))?;
        let note = |q: Quality| new.answer(q).note.as_ref().map(|n| n.as_str().to_string());
        let rating = |q: Quality| i64::from(new.answer(q).rating.get());
        sqlx::query(&format!(
            "INSERT INTO reflections ({COLUMNS}, user_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ))
        .bind(rid.get())
        .bind(ms(Timestamp::now()))
        .bind(rating(Quality::Competence))
        .bind(note(Quality::Competence))
        .bind(rating(Quality::Consistency))
        .bind(note(Quality::Consistency))
        .bind(rating(Quality::Integrity))
        .bind(note(Quality::Integrity))
        .bind(rating(Quality::Compassion))
        .bind(note(Quality::Compassion))
        .bind(user.get())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.reflection(user, rid).await
    }

    async fn reflections(&self, user: Id) -> Result<Vec<Reflection>> {
        let rows = sqlx::query_as::<_, ReflectionRow>(&format!(
            "SELECT {COLUMNS} FROM reflections WHERE user_id = $1 ORDER BY created_at DESC, id DESC"
        ))
        .bind(user.get())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Reflection::from).collect())
    }

    async fn reflection(&self, user: Id, reflection: Id) -> Result<Reflection> {
        sqlx::query_as::<_, ReflectionRow>(&format!("SELECT {COLUMNS} FROM reflections WHERE id = $1 AND user_id = $2"))
            .bind(reflection.get())
            .bind(user.get())
            .fetch_optional(&self.pool)
            .await?
            .map(Reflection::from)
            .ok_or(StoreError::NotFound)
    }

    async fn delete_reflection(&self, user: Id, reflection: Id) -> Result<()> {
        let gone = sqlx::query("DELETE FROM reflections WHERE id = $1 AND user_id = $2")
            .bind(reflection.get())
            .bind(user.get())
            .execute(&self.pool)
            .await?;
        if gone.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
