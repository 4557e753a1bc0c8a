//! Spaces and membership: create, list, read with members, rename. Invites
//! are in [`invites`]; leaving runs through the lifecycle hooks
//! (`lifecycle.rs`), which call [`remove_membership`] and [`on_leave`] here
//! for the space's own rows.

mod model;
pub use model::*;

pub(crate) mod invites;

use jiff::Timestamp;
use sqlx::AnyConnection;
use troth_domain::{Id, SpaceKind, SpaceName};

use crate::db::{ms, ts, SqlStore};
use crate::secret::new_id;
use crate::{Result, Store, StoreError};

pub(crate) async fn refuse_if_parted(db: &SqlStore, space: Id) -> Result<()> {
    let parted: Option<Option<i64>> = sqlx::query_scalar("SELECT parted_at FROM spaces WHERE id = $1")
        .bind(space.get())
        .fetch_optional(&db.pool)
        .await?;
    if parted.flatten().is_some() {
        return Err(StoreError::conflict(
            "space_closed",
            "someone has left this space, so it keeps the history written there and takes no new member; \
             start a new space to invite someone new",
        ));
    }
    Ok(())
}

pub(crate) async fn create_space(db: &SqlStore, owner: Id, name: &SpaceName, kind: SpaceKind) -> Result<Space> {
    let sid = new_id();
    let now = ms(Timestamp::now());
    let mut tx = db.pool.begin().await?;
    sqlx::query("INSERT INTO spaces (id, name, kind, member_count, created_at) VALUES ($1, $2, $3, 1, $4)")
        .bind(sid.get())
        .bind(name.as_str())
        .bind(kind.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO memberships (space_id, user_id, joined_at) VALUES ($1, $2, $3)")
        .bind(sid.get())
        .bind(owner.get())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    db.space_for(owner, sid).await
}

pub(crate) async fn spaces_of(db: &SqlStore, user: Id) -> Result<Vec<Space>> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT s.id FROM spaces s JOIN memberships m ON m.space_id = s.id \
         WHERE m.user_id = $1 ORDER BY m.joined_at",
    )
    .bind(user.get())
    .fetch_all(&db.pool)
    .await?;
    let mut spaces = Vec::with_capacity(ids.len());
    for space in ids {
        spaces.push(space_for(db, user, Id::from_db(space)).await?);
    }
    Ok(spaces)
}

/// One row per member, with the space and its ritual slot repeated.
#[derive(sqlx::FromRow)]
struct SpaceMemberRow {
    id: i64,
    name: String,
    kind: String,
    created_at: i64,
    user_id: i64,
    display_name: String,
    joined_at: i64,
    weekday: Option<i64>,
    time_of_day: Option<String>,
    time_zone: Option<String>,
    parted_at: Option<i64>,
}

pub(crate) async fn space_for(db: &SqlStore, user: Id, space: Id) -> Result<Space> {
    let rows = sqlx::query_as::<_, SpaceMemberRow>(
        "SELECT s.id, s.name, s.kind, s.created_at, m.user_id, u.display_name, m.joined_at, \
         rs.weekday, rs.time_of_day, rs.time_zone, s.parted_at \
         FROM spaces s JOIN memberships m ON m.space_id = s.id JOIN users u ON u.id = m.user_id \
         LEFT JOIN ritual_slots rs ON rs.space_id = s.id \
         WHERE s.id = $1 AND EXISTS (SELECT 1 FROM memberships me WHERE me.space_id = $1 AND me.user_id = $2) \
         ORDER BY m.joined_at",
    )
    .bind(space.get())
    .bind(user.get())
    .fetch_all(&db.pool)
    .await?;
    let first = rows.first().ok_or(StoreError::NotFound)?;
    let slot = match (first.weekday, &first.time_of_day, &first.time_zone) {
        (Some(day), Some(time), Some(tz)) => crate::ritual::slot_from_parts(day, time, tz, Timestamp::now()),
        _ => None,
    };
    Ok(Space {
        id: Id::from_db(first.id),
        name: first.name.clone(),
        kind: first.kind.parse().unwrap_or_default(),
        created_at: ts(first.created_at),
        members: rows
            .iter()
            .map(|r| Member {
                user_id: Id::from_db(r.user_id),
                display_name: r.display_name.clone(),
                joined_at: ts(r.joined_at),
            })
            .collect(),
        ritual_slot: slot,
        parted: first.parted_at.is_some(),
    })
}

pub(crate) async fn rename_space(db: &SqlStore, user: Id, space: Id, name: &SpaceName) -> Result<Space> {
    db.require_member(user, space).await?;
    sqlx::query("UPDATE spaces SET name = $1 WHERE id = $2")
        .bind(name.as_str())
        .bind(space.get())
        .execute(&db.pool)
        .await?;
    db.space_for(user, space).await
}

/// The first step of leaving: the membership goes (`NotFound` if there
/// was none). Writing first takes SQLite's write lock before anything is
/// read.
pub(crate) async fn remove_membership(conn: &mut AnyConnection, user: Id, space: Id) -> Result<()> {
    let left = sqlx::query("DELETE FROM memberships WHERE space_id = $1 AND user_id = $2")
        .bind(space.get())
        .bind(user.get())
        .execute(conn)
        .await?;
    if left.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// The space's own rows when a member has left (the last step, after
/// every feature's hook): it takes no new member from now on (see
/// migration 4), the leaver's open invites are withdrawn (they could let a
/// stranger in behind the other member's back), and a space nobody is in
/// any more is deleted with everything in it.
pub(crate) async fn on_leave(conn: &mut AnyConnection, user: Id, space: Id) -> Result<()> {
    let now = ms(Timestamp::now());
    sqlx::query("UPDATE spaces SET member_count = member_count - 1, parted_at = COALESCE(parted_at, $2) WHERE id = $1")
        .bind(space.get())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE invites SET revoked_at = $3 \
         WHERE space_id = $1 AND created_by = $2 AND used_at IS NULL AND revoked_at IS NULL",
    )
    .bind(space.get())
    .bind(user.get())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM spaces WHERE id = $1 AND member_count <= 0").bind(space.get()).execute(conn).await?;
    Ok(())
}
