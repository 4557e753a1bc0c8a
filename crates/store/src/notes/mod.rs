//! Notes (entries): private, shared and sealed. Every read goes through
//! [`authorize`], inside the store, so no caller can forget it.

mod model;
pub use model::*;

use jiff::Timestamp;
use troth_domain::{authorize, Action, EntryBody, EntryFacts, Grant, Id, Visibility};

use crate::db::{ms, ts, Placeholders, SqlStore};
use crate::secret::new_id;
use crate::{Result, Store, StoreError};

/// Loads the entry rows of a space the viewer might see, with their
/// sealed parts, in one query. Rows come back only when the viewer is a
/// member (the EXISTS clause), so an empty result means "nothing you may
/// see". The SQL filter is only a first cut for speed; the decision is
/// [`authorize`], applied to every row by the caller.
async fn load_entries(
    db: &SqlStore,
    space: Id,
    viewer: Id,
    only: Option<Id>,
    filter: &EntryFilter,
) -> Result<Vec<(EntryRow, Vec<Part>)>> {
    let mut inner = String::from(
        "SELECT e.id, e.space_id, e.author_id, e.kind, e.visibility, e.title, e.body, e.created_at, e.updated_at \
         FROM entries e WHERE e.space_id = $1 AND (e.visibility <> 'private' OR e.author_id = $2) \
         AND EXISTS (SELECT 1 FROM memberships m WHERE m.space_id = $1 AND m.user_id = $2)",
    );
    let mut p = Placeholders::after(2);
    if only.is_some() {
        inner.push_str(&format!(" AND e.id = {}", p.next()));
    }
    if filter.kind.is_some() {
        inner.push_str(&format!(" AND e.kind = {}", p.next()));
    }
    if filter.visibility.is_some() {
        inner.push_str(&format!(" AND e.visibility = {}", p.next()));
    }
    inner.push_str(&format!(" ORDER BY e.created_at DESC, e.id DESC LIMIT {}", p.next()));
    let sql = format!(
        "SELECT e.id, e.space_id, e.author_id, e.kind, e.visibility, e.title, e.body, e.created_at, e.updated_at, \
         u.display_name AS author_name, p.author_id AS part_author, p.body AS part_body \
         FROM ({inner}) e LEFT JOIN users u ON u.id = e.author_id \
         LEFT JOIN entry_parts p ON p.entry_id = e.id AND e.visibility = 'sealed' \
         ORDER BY e.created_at DESC, e.id DESC"
    );
    let mut q = sqlx::query_as::<_, EntryPartRow>(&sql).bind(space.get()).bind(viewer.get());
    if let Some(only) = only {
        q = q.bind(only.get());
    }
    if let Some(kind) = filter.kind {
        q = q.bind(kind.as_str());
    }
    if let Some(vis) = filter.visibility {
        q = q.bind(vis.as_str());
    }
    q = q.bind(filter.limit.unwrap_or(500).clamp(1, 100_000));
    let rows = q.fetch_all(&db.pool).await?;
    // One row per (entry, part): fold the parts into their entry,
    // keeping the query's order.
    let mut out: Vec<(EntryRow, Vec<Part>)> = Vec::new();
    for r in rows {
        let part =
            r.part_author.map(|author| Part { author: Id::from_db(author), body: r.part_body.unwrap_or_default() });
        if out.last().is_none_or(|(e, _)| e.id.get() != r.entry.id) {
            out.push((EntryRow::try_from(r.entry)?, Vec::new()));
        }
        if let Some(part) = part {
            out.last_mut().expect("pushed above").1.push(part);
        }
    }
    Ok(out)
}

async fn visible_entry(
    db: &SqlStore,
    viewer: Id,
    space: Id,
    entry: Id,
    action: Action,
) -> Result<(EntryRow, Vec<Part>, Grant)> {
    // No row: not a member, or no entry the viewer may know of. Both
    // are the same answer on purpose.
    let mut found = load_entries(db, space, viewer, Some(entry), &EntryFilter::default()).await?;
    let (row, parts) = found.pop().ok_or(StoreError::NotFound)?;
    let grant = authorize(Some(viewer), true, &row.facts(&parts), action)?;
    Ok((row, parts, grant))
}

#[derive(Debug, Clone)]
struct Part {
    author: Id,
    body: String,
}

/// An `entries` row joined with its author's name, as stored.
#[derive(sqlx::FromRow)]
struct RawEntryRow {
    id: i64,
    space_id: i64,
    author_id: Option<i64>,
    author_name: Option<String>,
    kind: String,
    visibility: String,
    title: String,
    body: String,
    created_at: i64,
    updated_at: i64,
}

/// One entry with at most one of its sealed parts (a LEFT JOIN).
#[derive(sqlx::FromRow)]
struct EntryPartRow {
    #[sqlx(flatten)]
    entry: RawEntryRow,
    part_author: Option<i64>,
    part_body: Option<String>,
}

impl TryFrom<RawEntryRow> for EntryRow {
    type Error = StoreError;

    fn try_from(r: RawEntryRow) -> Result<EntryRow> {
        Ok(EntryRow {
            id: Id::from_db(r.id),
            space_id: Id::from_db(r.space_id),
            author_id: r.author_id.map(Id::from_db),
            author_name: r.author_name,
            kind: EntryKind::parse(&r.kind)
                .ok_or_else(|| StoreError::Other(format!("unknown entry kind {}", r.kind)))?,
            visibility: r
                .visibility
                .parse()
                .map_err(|_| StoreError::Other(format!("unknown visibility {}", r.visibility)))?,
            title: r.title,
            body: r.body,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// An entry as the visibility rule needs it.
struct EntryRow {
    id: Id,
    space_id: Id,
    author_id: Option<Id>,
    author_name: Option<String>,
    kind: EntryKind,
    visibility: Visibility,
    title: String,
    body: String,
    created_at: i64,
    updated_at: i64,
}

impl EntryRow {
    fn facts(&self, parts: &[Part]) -> EntryFacts {
        EntryFacts {
            space_id: self.space_id,
            author: self.author_id,
            visibility: self.visibility,
            parts_by: parts.iter().map(|p| p.author).collect(),
        }
    }

    /// Cuts the row down to what `grant` allows `viewer` to see.
    fn view(self, viewer: Id, parts: &[Part], grant: Grant) -> EntryView {
        let facts = self.facts(parts);
        let mine = self.author_id == Some(viewer);
        let can = |action| authorize(Some(viewer), true, &facts, action).is_ok();
        let sealed = (self.visibility == Visibility::Sealed).then(|| {
            let my_part = parts.iter().find(|p| p.author == viewer).map(|p| p.body.clone());
            let partner_has_written = parts.iter().any(|p| p.author != viewer);
            let partner_part = match grant {
                Grant::Full => parts.iter().find(|p| p.author != viewer).map(|p| p.body.clone()),
                Grant::SealedOwnPartOnly { .. } => None,
            };
            SealedState {
                revealed: facts.is_revealed(),
                i_have_written: my_part.is_some(),
                my_part,
                partner_part,
                partner_has_written,
            }
        });
        EntryView {
            id: self.id,
            space_id: self.space_id,
            kind: self.kind,
            visibility: self.visibility,
            title: self.title,
            body: (self.visibility != Visibility::Sealed).then_some(self.body),
            author_id: self.author_id,
            author_name: self.author_name,
            mine,
            can_edit: can(Action::Update),
            can_delete: can(Action::Delete),
            sealed,
            created_at: ts(self.created_at),
            updated_at: ts(self.updated_at),
        }
    }
}

pub(crate) async fn create_entry(db: &SqlStore, user: Id, space: Id, entry: NewEntry) -> Result<EntryView> {
    db.require_member(user, space).await?;
    let eid = new_id();
    let now = ms(entry.at.unwrap_or_else(Timestamp::now));
    let sealed = entry.visibility == Visibility::Sealed;
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO entries (id, space_id, author_id, kind, visibility, title, body, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(eid.get())
    .bind(space.get())
    .bind(user.get())
    .bind(entry.kind.as_str())
    .bind(entry.visibility.as_str())
    .bind(entry.title.as_str())
    // A sealed entry's text lives in its parts, never in the shared row.
    .bind(if sealed { "" } else { entry.body.as_str() })
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if sealed {
        sqlx::query(
            "INSERT INTO entry_parts (entry_id, author_id, body, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(eid.get())
        .bind(user.get())
        .bind(entry.body.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    db.entry(user, space, eid).await
}

pub(crate) async fn entries(db: &SqlStore, user: Id, space: Id, filter: EntryFilter) -> Result<Vec<EntryView>> {
    let rows = load_entries(db, space, user, None, &filter).await?;
    // An empty list must still tell "not your space" from "nothing yet".
    if rows.is_empty() && !db.is_member(user, space).await? {
        return Err(StoreError::NotFound);
    }
    Ok(rows
        .into_iter()
        .filter_map(|(row, parts)| {
            let grant = authorize(Some(user), true, &row.facts(&parts), Action::Read).ok()?;
            Some(row.view(user, &parts, grant))
        })
        .collect())
}

pub(crate) async fn entry(db: &SqlStore, user: Id, space: Id, entry: Id) -> Result<EntryView> {
    let (row, parts, grant) = visible_entry(db, user, space, entry, Action::Read).await?;
    Ok(row.view(user, &parts, grant))
}

pub(crate) async fn update_entry(
    db: &SqlStore,
    user: Id,
    space: Id,
    entry: Id,
    patch: EntryPatch,
) -> Result<EntryView> {
    let (row, _parts, _grant) = visible_entry(db, user, space, entry, Action::Update).await?;
    // Writing one's part of a sealed exchange lets the partner update
    // that part, never the author's title.
    if patch.title.is_some() && row.author_id != Some(user) {
        return Err(StoreError::Forbidden);
    }
    let now = ms(Timestamp::now());
    let mut tx = db.pool.begin().await?;
    if let Some(title) = &patch.title {
        // A sealed note's time is the one both see: it moves when the note
        // opens, never with its author's edits before (a time that moved
        // along with a title would also date a rewrite of the hidden part
        // sent in the same patch).
        sqlx::query(
            "UPDATE entries SET title = $1, \
             updated_at = CASE WHEN visibility = 'sealed' THEN updated_at ELSE $2 END WHERE id = $3",
        )
        .bind(title.as_str())
        .bind(now)
        .bind(entry.get())
        .execute(&mut *tx)
        .await?;
    }
    if let Some(body) = &patch.body {
        if row.visibility == Visibility::Sealed {
            // Rewrite one's own part, and only while still sealed (the
            // state is checked again inside the write).
            let done = sqlx::query(
                "UPDATE entry_parts SET body = $1, updated_at = $2 WHERE entry_id = $3 AND author_id = $4 \
                 AND (SELECT COUNT(*) FROM entry_parts q WHERE q.entry_id = $3) < 2",
            )
            .bind(body.as_str())
            .bind(now)
            .bind(entry.get())
            .bind(user.get())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::conflict("entry_state", "both parts are revealed; they can no longer change"));
            }
        } else {
            sqlx::query("UPDATE entries SET body = $1, updated_at = $2 WHERE id = $3")
                .bind(body.as_str())
                .bind(now)
                .bind(entry.get())
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    db.entry(user, space, entry).await
}

pub(crate) async fn delete_entry(db: &SqlStore, user: Id, space: Id, entry: Id) -> Result<()> {
    visible_entry(db, user, space, entry, Action::Delete).await?;
    sqlx::query("DELETE FROM entries WHERE id = $1 AND space_id = $2")
        .bind(entry.get())
        .bind(space.get())
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub(crate) async fn write_part(db: &SqlStore, user: Id, space: Id, entry: Id, body: &EntryBody) -> Result<EntryView> {
    visible_entry(db, user, space, entry, Action::WritePart).await?;
    let now = ms(Timestamp::now());
    let mut tx = db.pool.begin().await?;
    // Insert or rewrite one's part; a rewrite is refused once both parts
    // exist (checked again here, inside the write, against a race).
    let done = sqlx::query(
        "INSERT INTO entry_parts (entry_id, author_id, body, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) \
         ON CONFLICT (entry_id, author_id) DO UPDATE SET body = $3, updated_at = $4 \
         WHERE (SELECT COUNT(*) FROM entry_parts q WHERE q.entry_id = $1) < 2",
    )
    .bind(entry.get())
    .bind(user.get())
    .bind(body.as_str())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::conflict("entry_state", "both parts are revealed; they can no longer change"));
    }
    // The note's time, which the partner sees, moves only when this write
    // opened it (both parts in): writing or rewriting a part that is still
    // hidden must not tell the partner when it happened.
    sqlx::query(
        "UPDATE entries SET updated_at = $1 WHERE id = $2 \
         AND (SELECT COUNT(*) FROM entry_parts p WHERE p.entry_id = $2) = 2",
    )
    .bind(now)
    .bind(entry.get())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    db.entry(user, space, entry).await
}

/// Lifecycle hook, leaving a space: the leaver's private notes go, and so
/// do sealed parts not revealed yet (no one else ever saw them), with any
/// sealed note left without a part. Shared notes and revealed exchanges
/// stay with the partner.
pub(crate) async fn on_leave(conn: &mut sqlx::AnyConnection, user: Id, space: Id) -> Result<()> {
    sqlx::query("DELETE FROM entries WHERE space_id = $1 AND author_id = $2 AND visibility = 'private'")
        .bind(space.get())
        .bind(user.get())
        .execute(&mut *conn)
        .await?;
    let unrevealed = "SELECT e.id FROM entries e WHERE e.space_id = $1 AND e.visibility = 'sealed' \
         AND (SELECT COUNT(*) FROM entry_parts p WHERE p.entry_id = e.id) < 2";
    sqlx::query(&format!("DELETE FROM entry_parts WHERE author_id = $2 AND entry_id IN ({unrevealed})"))
        .bind(space.get())
        .bind(user.get())
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "DELETE FROM entries WHERE space_id = $1 AND visibility = 'sealed' \
         AND NOT EXISTS (SELECT 1 FROM entry_parts p WHERE p.entry_id = entries.id)",
    )
    .bind(space.get())
    .execute(conn)
    .await?;
    Ok(())
}

/// Lifecycle hook, export: every note the member can read in the space,
/// through the same visibility rule as every page.
pub(crate) async fn export(db: &SqlStore, user: Id, space: Id) -> Result<Vec<EntryView>> {
    entries(db, user, space, EntryFilter { limit: Some(100_000), ..Default::default() }).await
}
