//! Invites: a one-time code that lets the second member in.

use jiff::Timestamp;
use troth_domain::{Id, MAX_MEMBERS};

use crate::db::{ms, ts, SqlStore};
use crate::secret::new_id;
use crate::{Invite, InvitePreview, InviteStatus, Result, Space, Store, StoreError};

/// Where an invite stands, from its three times.
#[derive(sqlx::FromRow)]
struct InviteTimes {
    expires_at: i64,
    used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl InviteTimes {
    fn status(&self, now: Timestamp) -> InviteStatus {
        if self.revoked_at.is_some() {
            InviteStatus::Revoked
        } else if self.used_at.is_some() {
            InviteStatus::Used
        } else if self.expires_at <= ms(now) {
            InviteStatus::Expired
        } else {
            InviteStatus::Open
        }
    }
}

#[derive(sqlx::FromRow)]
struct InviteRow {
    id: i64,
    space_id: i64,
    created_at: i64,
    #[sqlx(flatten)]
    times: InviteTimes,
}

#[derive(sqlx::FromRow)]
struct PreviewRow {
    name: String,
    kind: String,
    member_count: i64,
    inviter: Option<String>,
    #[sqlx(flatten)]
    times: InviteTimes,
}

#[derive(sqlx::FromRow)]
struct ClaimRow {
    space_id: i64,
    used_by: Option<i64>,
    #[sqlx(flatten)]
    times: InviteTimes,
}

pub(crate) async fn create_invite(
    db: &SqlStore,
    user: Id,
    space: Id,
    code_hash: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<Invite> {
    let s = db.space_for(user, space).await?;
    if s.members.len() as i64 >= MAX_MEMBERS {
        return Err(StoreError::conflict("space_full", "this space already has two members"));
    }
    super::refuse_if_parted(db, space).await?;
    let iid = new_id();
    sqlx::query(
        "INSERT INTO invites (id, space_id, code_hash, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(iid.get())
    .bind(space.get())
    .bind(code_hash)
    .bind(user.get())
    .bind(ms(now))
    .bind(ms(expires_at))
    .execute(&db.pool)
    .await?;
    Ok(Invite { id: iid, space_id: space, status: InviteStatus::Open, created_at: now, expires_at })
}

pub(crate) async fn invites_of(db: &SqlStore, user: Id, space: Id) -> Result<Vec<Invite>> {
    db.require_member(user, space).await?;
    let rows = sqlx::query_as::<_, InviteRow>(
        "SELECT id, space_id, created_at, expires_at, used_at, revoked_at FROM invites \
         WHERE space_id = $1 ORDER BY created_at DESC LIMIT 50",
    )
    .bind(space.get())
    .fetch_all(&db.pool)
    .await?;
    let now = Timestamp::now();
    Ok(rows
        .into_iter()
        .map(|r| Invite {
            id: Id::from_db(r.id),
            space_id: Id::from_db(r.space_id),
            status: r.times.status(now),
            created_at: ts(r.created_at),
            expires_at: ts(r.times.expires_at),
        })
        .collect())
}

pub(crate) async fn revoke_invite(db: &SqlStore, user: Id, space: Id, invite: Id, now: Timestamp) -> Result<()> {
    db.require_member(user, space).await?;
    let done = sqlx::query(
        "UPDATE invites SET revoked_at = $1 WHERE id = $2 AND space_id = $3 AND used_at IS NULL AND revoked_at IS NULL",
    )
    .bind(ms(now))
    .bind(invite.get())
    .bind(space.get())
    .execute(&db.pool)
    .await?;
    if done.rows_affected() == 1 {
        return Ok(());
    }
    let exists: Option<Option<i64>> = sqlx::query_scalar("SELECT used_at FROM invites WHERE id = $1 AND space_id = $2")
        .bind(invite.get())
        .bind(space.get())
        .fetch_optional(&db.pool)
        .await?;
    match exists {
        None => Err(StoreError::NotFound),
        Some(Some(_used_at)) => Err(StoreError::conflict("invite_used", "this invite was already used")),
        Some(None) => Ok(()), // already revoked: revoking again changes nothing
    }
}

pub(crate) async fn invite_preview(db: &SqlStore, code_hash: &str, now: Timestamp) -> Result<InvitePreview> {
    let r = sqlx::query_as::<_, PreviewRow>(
        "SELECT i.expires_at, i.used_at, i.revoked_at, s.name, s.kind, s.member_count, u.display_name AS inviter \
         FROM invites i JOIN spaces s ON s.id = i.space_id LEFT JOIN users u ON u.id = i.created_by \
         WHERE i.code_hash = $1",
    )
    .bind(code_hash)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(InvitePreview {
        status: r.times.status(now),
        space_name: r.name,
        kind: r.kind.parse().unwrap_or_default(),
        invited_by: r.inviter,
        space_full: r.member_count >= MAX_MEMBERS,
        expires_at: ts(r.times.expires_at),
    })
}

pub(crate) async fn accept_invite(db: &SqlStore, user: Id, code_hash: &str, now: Timestamp) -> Result<Space> {
    let mut tx = db.pool.begin().await?;
    // Claim the invite first: a write, so concurrent accepts serialise here.
    let claimed = sqlx::query(
        "UPDATE invites SET used_at = $1, used_by = $2 \
         WHERE code_hash = $3 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(ms(now))
    .bind(user.get())
    .bind(code_hash)
    .execute(&mut *tx)
    .await?;
    let row = sqlx::query_as::<_, ClaimRow>(
        "SELECT space_id, expires_at, used_at, used_by, revoked_at FROM invites WHERE code_hash = $1",
    )
    .bind(code_hash)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let space = Id::from_db(row.space_id);
    if claimed.rows_affected() == 0 {
        drop(tx);
        if row.times.revoked_at.is_some() {
            return Err(StoreError::gone("invite_revoked", "this invite was withdrawn; ask for a new one"));
        }
        if row.times.used_at.is_some() {
            if row.used_by.map(Id::from_db) == Some(user) && db.is_member(user, space).await? {
                return db.space_for(user, space).await;
            }
            return Err(StoreError::conflict("invite_used", "this invite was already used; ask for a new one"));
        }
        return Err(StoreError::gone("invite_expired", "this invite has expired; ask for a new one"));
    }
    let already = sqlx::query("SELECT 1 AS one FROM memberships WHERE space_id = $1 AND user_id = $2")
        .bind(space.get())
        .bind(user.get())
        .fetch_optional(&mut *tx)
        .await?;
    if already.is_some() {
        return Err(StoreError::conflict("already_member", "you are already in this space"));
    }
    let room = sqlx::query(
        "UPDATE spaces SET member_count = member_count + 1 WHERE id = $1 AND member_count < $2 AND parted_at IS NULL",
    )
    .bind(space.get())
    .bind(MAX_MEMBERS)
    .execute(&mut *tx)
    .await?;
    if room.rows_affected() == 0 {
        tx.rollback().await?;
        super::refuse_if_parted(db, space).await?;
        return Err(StoreError::conflict("space_full", "this space already has two members"));
    }
    sqlx::query("INSERT INTO memberships (space_id, user_id, joined_at) VALUES ($1, $2, $3)")
        .bind(space.get())
        .bind(user.get())
        .bind(ms(now))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    db.space_for(user, space).await
}
