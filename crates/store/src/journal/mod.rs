//! The shared memory journal: entries, their earlier versions, comments
//! and photos.
//!
//! Every read and write starts with the membership check (anyone else,
//! former members included, gets `NotFound`), and every query names the
//! space, so an entry id from another space finds nothing. An edit runs in
//! one transaction that first writes the entry's row (a no-op update: the
//! row lock on PostgreSQL, the write lock on SQLite), then copies the
//! version it replaces into `journal_revisions`: two edits at once are
//! serialised, and the one made against an older revision is refused
//! rather than silently overwriting the other.

use std::collections::HashMap;

use async_trait::async_trait;
use jiff::Timestamp;
use serde::Serialize;
use sqlx::AnyConnection;
use troth_domain::journal::{may, may_remove_photo, CommentText, JournalAction, JournalDraft, PHOTOS_PER_ENTRY};
use troth_domain::Id;
use utoipa::ToSchema;

use crate::db::{ensure_room, lock_row, ms, opt_ts, ts, LockFor, SqlStore};
use crate::secret::new_id;
use crate::{Result, StoreError};

/// Bounds that keep one member from growing the journal without end.
pub const MAX_ENTRIES_PER_SPACE: i64 = 5_000;
pub const MAX_COMMENTS_PER_ENTRY: i64 = 500;

/// A photo's description (its bytes are served on their own URL).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JournalPhoto {
    pub id: Id,
    pub entry_id: Id,
    pub content_type: String,
    pub width: i64,
    pub height: i64,
    pub added_by_name: Option<String>,
    /// The viewer may take it off the entry.
    pub can_remove: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

/// A comment under an entry.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JournalComment {
    pub id: Id,
    pub author_id: Option<Id>,
    pub author_name: Option<String>,
    pub mine: bool,
    pub body: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

/// An earlier version of an entry, as it read before an edit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JournalRevision {
    pub revision: i64,
    pub written_by_name: Option<String>,
    pub title: String,
    pub happened: String,
    pub supported: String,
    pub learned: String,
    #[schema(value_type = String, format = DateTime)]
    pub written_at: Timestamp,
}

/// Where a page of the journal starts: just after this entry in the
/// list's order (newest first, ties by id). Pages are cut by the entries'
/// own keys rather than by counting from the top, so an entry written
/// while someone reads older pages moves nothing: no entry is shown twice
/// or skipped. Written in URLs as `<created-at ms>-<entry id>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JournalCursor {
    pub created_at: Timestamp,
    pub id: Id,
}

impl JournalCursor {
    /// The place just after `entry`.
    pub fn after(entry: &JournalEntry) -> Self {
        JournalCursor { created_at: entry.created_at, id: entry.id }
    }
}

impl std::fmt::Display for JournalCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.created_at.as_millisecond(), self.id)
    }
}

/// A cursor that is not one this server wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadCursor;

impl std::str::FromStr for JournalCursor {
    type Err = BadCursor;
    fn from_str(s: &str) -> std::result::Result<Self, BadCursor> {
        let (at, id) = s.split_once('-').ok_or(BadCursor)?;
        if at.is_empty() || !at.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BadCursor);
        }
        let at: i64 = at.parse().map_err(|_| BadCursor)?;
        let created_at = Timestamp::from_millisecond(at).map_err(|_| BadCursor)?;
        Ok(JournalCursor { created_at, id: id.parse().map_err(|_| BadCursor)? })
    }
}

/// One page of the journal, newest first, and where the next (older) one
/// starts when there is one.
#[derive(Debug, Clone)]
pub struct JournalPage {
    pub entries: Vec<JournalEntry>,
    pub older: Option<JournalCursor>,
}

/// An entry with everything hung on it: photos, comments (oldest first)
/// and earlier versions (newest first).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JournalEntry {
    pub id: Id,
    pub space_id: Id,
    pub author_id: Option<Id>,
    pub author_name: Option<String>,
    pub mine: bool,
    pub title: String,
    /// What happened.
    pub happened: String,
    /// How the two supported each other.
    pub supported: String,
    /// What it taught them.
    pub learned: String,
    /// 1 until the first edit; send it back with an edit to be told when
    /// the other member changed the entry in between.
    pub revision: i64,
    pub edited: bool,
    pub edited_by_name: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub edited_at: Option<Timestamp>,
    pub can_delete: bool,
    pub photos: Vec<JournalPhoto>,
    pub comments: Vec<JournalComment>,
    pub earlier_versions: Vec<JournalRevision>,
}

/// A photo ready to store: already decoded, shrunk and re-encoded.
#[derive(Debug, Clone)]
pub struct NewPhoto {
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

/// A photo with its bytes, for the export (base64, so the export stays one
/// JSON document).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportedPhoto {
    pub id: Id,
    pub entry_id: Id,
    pub content_type: String,
    pub width: i64,
    pub height: i64,
    pub data_base64: String,
}

#[async_trait]
pub trait JournalStore: Send + Sync {
    /// Adds an entry, with its photo if one came along, in one transaction.
    async fn add_journal_entry(
        &self,
        user: Id,
        space: Id,
        draft: &JournalDraft,
        photo: Option<NewPhoto>,
        at: Option<Timestamp>,
    ) -> Result<JournalEntry>;
    /// Newest first, at most `limit` (1 to 500), starting just after
    /// `after` (the first page when `None`).
    async fn journal_page(&self, user: Id, space: Id, after: Option<JournalCursor>, limit: i64) -> Result<JournalPage>;
    async fn journal_entry(&self, user: Id, space: Id, entry: Id) -> Result<JournalEntry>;
    /// Either member edits; the version replaced goes to the history.
    /// `expected_revision`: refuse (409 `edited_meanwhile`) if the entry
    /// moved on since the editor read it.
    async fn edit_journal_entry(
        &self,
        user: Id,
        space: Id,
        entry: Id,
        draft: &JournalDraft,
        expected_revision: Option<i64>,
    ) -> Result<JournalEntry>;
    async fn delete_journal_entry(&self, user: Id, space: Id, entry: Id) -> Result<()>;
    async fn comment_journal_entry(
        &self,
        user: Id,
        space: Id,
        entry: Id,
        body: &CommentText,
        at: Option<Timestamp>,
    ) -> Result<JournalComment>;
    async fn add_journal_photo(&self, user: Id, space: Id, entry: Id, photo: NewPhoto) -> Result<JournalPhoto>;
    /// The photo and its bytes, for a member of the entry's space only.
    async fn journal_photo(&self, user: Id, space: Id, entry: Id, photo: Id) -> Result<(JournalPhoto, Vec<u8>)>;
    /// Takes a photo off an entry (who added it, or the entry's author).
    async fn delete_journal_photo(&self, user: Id, space: Id, entry: Id, photo: Id) -> Result<()>;
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    space_id: i64,
    author_id: Option<i64>,
    author_name: Option<String>,
    title: String,
    happened: String,
    supported: String,
    learned: String,
    revision: i64,
    edited_by_name: Option<String>,
    created_at: i64,
    edited_at: Option<i64>,
}

impl EntryRow {
    fn view(self, viewer: Id) -> JournalEntry {
        let author = self.author_id.map(Id::from_db);
        JournalEntry {
            id: Id::from_db(self.id),
            space_id: Id::from_db(self.space_id),
            author_id: author,
            author_name: self.author_name,
            mine: author == Some(viewer),
            title: self.title,
            happened: self.happened,
            supported: self.supported,
            learned: self.learned,
            revision: self.revision,
            edited: self.revision > 1,
            edited_by_name: self.edited_by_name,
            created_at: ts(self.created_at),
            edited_at: opt_ts(self.edited_at),
            can_delete: may(JournalAction::Delete, viewer, author),
            photos: Vec::new(),
            comments: Vec::new(),
            earlier_versions: Vec::new(),
        }
    }
}

#[derive(sqlx::FromRow)]
struct PhotoRow {
    id: i64,
    entry_id: i64,
    added_by: Option<i64>,
    content_type: String,
    width: i64,
    height: i64,
    added_by_name: Option<String>,
    created_at: i64,
}

impl PhotoRow {
    fn view(self, viewer: Id, entry_author: Option<Id>) -> JournalPhoto {
        let r = self;
        JournalPhoto {
            can_remove: may_remove_photo(viewer, r.added_by.map(Id::from_db), entry_author),
            id: Id::from_db(r.id),
            entry_id: Id::from_db(r.entry_id),
            content_type: r.content_type,
            width: r.width,
            height: r.height,
            added_by_name: r.added_by_name,
            created_at: ts(r.created_at),
        }
    }
}

#[derive(sqlx::FromRow)]
struct CommentRow {
    id: i64,
    entry_id: i64,
    author_id: Option<i64>,
    author_name: Option<String>,
    body: String,
    created_at: i64,
}

impl CommentRow {
    fn view(self, viewer: Id) -> JournalComment {
        let author = self.author_id.map(Id::from_db);
        JournalComment {
            id: Id::from_db(self.id),
            author_id: author,
            author_name: self.author_name,
            mine: author == Some(viewer),
            body: self.body,
            created_at: ts(self.created_at),
        }
    }
}

#[derive(sqlx::FromRow)]
struct RevisionRow {
    entry_id: i64,
    revision: i64,
    written_by_name: Option<String>,
    title: String,
    happened: String,
    supported: String,
    learned: String,
    written_at: i64,
}

impl From<RevisionRow> for JournalRevision {
    fn from(r: RevisionRow) -> Self {
        JournalRevision {
            revision: r.revision,
            written_by_name: r.written_by_name,
            title: r.title,
            happened: r.happened,
            supported: r.supported,
            learned: r.learned,
            written_at: ts(r.written_at),
        }
    }
}

const ENTRY_COLS: &str = "e.id, e.space_id, e.author_id, a.display_name AS author_name, e.title, e.happened, \
     e.supported, e.learned, e.revision, ed.display_name AS edited_by_name, e.created_at, e.edited_at";
const ENTRY_FROM: &str = "FROM journal_entries e LEFT JOIN users a ON a.id = e.author_id \
     LEFT JOIN users ed ON ed.id = e.edited_by";

/// More entries than two people write in a lifetime: the export's page.
const EXPORT_LIMIT: i64 = 100_000;

impl SqlStore {
    /// The entries of `space` (one when `only` is given), newest first,
    /// with their photos, comments and history: four queries whatever the
    /// number of entries.
    async fn load_journal(
        &self,
        user: Id,
        space: Id,
        only: Option<Id>,
        after: Option<JournalCursor>,
        limit: i64,
    ) -> Result<Vec<JournalEntry>> {
        self.require_member(user, space).await?;
        let only_id = only.map_or(0, Id::get);
        // The keyset: strictly after the cursor in (created_at DESC, id DESC)
        // order; with no cursor, after a place past every entry.
        let (after_at, after_id) = after.map_or((i64::MAX, i64::MAX), |c| (ms(c.created_at), c.id.get()));
        let keyset = "(e.created_at < $4 OR (e.created_at = $4 AND e.id < $5))";
        let rows = sqlx::query_as::<_, EntryRow>(&format!(
            "SELECT {ENTRY_COLS} {ENTRY_FROM} WHERE e.space_id = $1 AND ($2 = 0 OR e.id = $2) AND {keyset} \
             ORDER BY e.created_at DESC, e.id DESC LIMIT $3"
        ))
        .bind(space.get())
        .bind(only_id)
        .bind(limit)
        .bind(after_at)
        .bind(after_id)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        // The entries of the page, as a subquery each of the three reads repeats.
        let page = "SELECT e.id FROM journal_entries e WHERE e.space_id = $1 AND ($2 = 0 OR e.id = $2) \
                    AND (e.created_at < $4 OR (e.created_at = $4 AND e.id < $5)) \
                    ORDER BY e.created_at DESC, e.id DESC LIMIT $3";
        let photos = sqlx::query_as::<_, PhotoRow>(&format!(
            "SELECT p.id, p.entry_id, p.added_by, p.content_type, p.width, p.height, \
             u.display_name AS added_by_name, p.created_at FROM journal_photos p LEFT JOIN users u ON u.id = p.added_by \
             WHERE p.entry_id IN ({page}) ORDER BY p.created_at, p.id"
        ))
        .bind(space.get())
        .bind(only_id)
        .bind(limit)
        .bind(after_at)
        .bind(after_id)
        .fetch_all(&self.pool)
        .await?;
        let comments = sqlx::query_as::<_, CommentRow>(&format!(
            "SELECT c.id, c.entry_id, c.author_id, u.display_name AS author_name, c.body, c.created_at \
             FROM journal_comments c LEFT JOIN users u ON u.id = c.author_id \
             WHERE c.entry_id IN ({page}) ORDER BY c.created_at, c.id"
        ))
        .bind(space.get())
        .bind(only_id)
        .bind(limit)
        .bind(after_at)
        .bind(after_id)
        .fetch_all(&self.pool)
        .await?;
        let revisions = sqlx::query_as::<_, RevisionRow>(&format!(
            "SELECT r.entry_id, r.revision, u.display_name AS written_by_name, r.title, r.happened, r.supported, \
             r.learned, r.written_at FROM journal_revisions r LEFT JOIN users u ON u.id = r.written_by \
             WHERE r.entry_id IN ({page}) ORDER BY r.revision DESC"
        ))
        .bind(space.get())
        .bind(only_id)
        .bind(limit)
        .bind(after_at)
        .bind(after_id)
        .fetch_all(&self.pool)
        .await?;
        let mut entries: Vec<JournalEntry> = rows.into_iter().map(|r| r.view(user)).collect();
        let at: HashMap<i64, usize> = entries.iter().enumerate().map(|(i, e)| (e.id.get(), i)).collect();
        for p in photos {
            if let Some(&i) = at.get(&p.entry_id) {
                let author = entries[i].author_id;
                entries[i].photos.push(p.view(user, author));
            }
        }
        for c in comments {
            if let Some(&i) = at.get(&c.entry_id) {
                entries[i].comments.push(c.view(user));
            }
        }
        for r in revisions {
            if let Some(&i) = at.get(&r.entry_id) {
                entries[i].earlier_versions.push(r.into());
            }
        }
        Ok(entries)
    }

    async fn one_journal_entry(&self, user: Id, space: Id, entry: Id) -> Result<JournalEntry> {
        self.load_journal(user, space, Some(entry), None, 1).await?.into_iter().next().ok_or(StoreError::NotFound)
    }

    /// Writes the entry's row to take its lock, inside `tx`; `NotFound`
    /// when the entry is not in this space.
    async fn lock_journal_entry(conn: &mut AnyConnection, space: Id, entry: Id) -> Result<()> {
        lock_row(conn, "journal_entries", "revision", entry, space, LockFor::Checked).await
    }

    async fn insert_photo(conn: &mut AnyConnection, user: Id, entry: Id, photo: &NewPhoto, at: i64) -> Result<Id> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM journal_photos WHERE entry_id = $1")
            .bind(entry.get())
            .fetch_one(&mut *conn)
            .await?;
        if count >= PHOTOS_PER_ENTRY as i64 {
            return Err(StoreError::conflict(
                "too_many_photos",
                format!("An entry keeps at most {PHOTOS_PER_ENTRY} photos."),
            ));
        }
        let id = new_id();
        sqlx::query(
            "INSERT INTO journal_photos (id, entry_id, added_by, content_type, width, height, data, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.get())
        .bind(entry.get())
        .bind(user.get())
        .bind(photo.content_type.as_str())
        .bind(i64::from(photo.width))
        .bind(i64::from(photo.height))
        .bind(photo.data.as_slice())
        .bind(at)
        .execute(&mut *conn)
        .await?;
        Ok(id)
    }
}

/// The current text of an entry, as the edit reads it under the lock.
#[derive(sqlx::FromRow)]
struct CurrentText {
    author_id: Option<i64>,
    edited_by: Option<i64>,
    title: String,
    happened: String,
    supported: String,
    learned: String,
    revision: i64,
    created_at: i64,
    edited_at: Option<i64>,
}

#[async_trait]
impl JournalStore for SqlStore {
    async fn add_journal_entry(
        &self,
        user: Id,
        space: Id,
        draft: &JournalDraft,
        photo: Option<NewPhoto>,
        at: Option<Timestamp>,
    ) -> Result<JournalEntry> {
        let outcome: Result<JournalEntry> = async {
            self.require_member(user, space).await?;
            let id = new_id();
            let at = ms(at.unwrap_or_else(Timestamp::now));
            // Counted before the transaction, not in it: on SQLite a
            // transaction that reads first and then writes cannot wait for
            // another writer (the upgrade fails at once with "database is
            // locked"), so concurrent adds answered 500. The bound is soft,
            // as ensure_room says.
            let mut conn = self.pool.acquire().await?;
            ensure_room(
                &mut conn,
                "SELECT COUNT(*) FROM journal_entries WHERE space_id = $1",
                space,
                MAX_ENTRIES_PER_SPACE,
                "too_many_entries",
                "This journal holds as many moments as it can (5,000).",
            )
            .await?;
            drop(conn);
            let mut tx = self.pool.begin().await?;
            sqlx::query(
                "INSERT INTO journal_entries (id, space_id, author_id, title, happened, supported, learned, \
                 revision, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8)",
            )
            .bind(id.get())
            .bind(space.get())
            .bind(user.get())
            .bind(draft.title.as_str())
            .bind(draft.happened.as_str())
            .bind(draft.supported.as_str())
            .bind(draft.learned.as_str())
            .bind(at)
            .execute(&mut *tx)
            .await?;
            if let Some(photo) = &photo {
                Self::insert_photo(&mut tx, user, id, photo, at).await?;
            }
            tx.commit().await?;
            self.one_journal_entry(user, space, id).await
        }
        .await;
        self.note_write(&outcome);
        outcome
    }

    async fn journal_page(&self, user: Id, space: Id, after: Option<JournalCursor>, limit: i64) -> Result<JournalPage> {
        let limit = limit.clamp(1, 500);
        // One more than asked: whether it comes says whether there is an older page.
        let mut entries = self.load_journal(user, space, None, after, limit + 1).await?;
        let more = entries.len() as i64 > limit;
        entries.truncate(limit as usize);
        let older = if more { entries.last().map(JournalCursor::after) } else { None };
        Ok(JournalPage { entries, older })
    }

    async fn journal_entry(&self, user: Id, space: Id, entry: Id) -> Result<JournalEntry> {
        self.one_journal_entry(user, space, entry).await
    }

    async fn edit_journal_entry(
        &self,
        user: Id,
        space: Id,
        entry: Id,
        draft: &JournalDraft,
        expected_revision: Option<i64>,
    ) -> Result<JournalEntry> {
        let outcome: Result<JournalEntry> = async {
            self.require_member(user, space).await?;
            let mut tx = self.pool.begin().await?;
            Self::lock_journal_entry(&mut tx, space, entry).await?;
            let now = sqlx::query_as::<_, CurrentText>(
                "SELECT author_id, edited_by, title, happened, supported, learned, revision, created_at, edited_at \
                 FROM journal_entries WHERE id = $1",
            )
            .bind(entry.get())
            .fetch_one(&mut *tx)
            .await?;
            if expected_revision.is_some_and(|r| r != now.revision) {
                return Err(StoreError::conflict(
                    "edited_meanwhile",
                    "Your partner changed this entry while you were editing it; your text is kept below, \
                     compare it with theirs and save again.",
                ));
            }
            let unchanged = now.title == draft.title
                && now.happened == draft.happened
                && now.supported == draft.supported
                && now.learned == draft.learned;
            if !unchanged {
                sqlx::query(
                    "INSERT INTO journal_revisions (entry_id, revision, written_by, title, happened, supported, \
                     learned, written_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(entry.get())
                .bind(now.revision)
                .bind(now.edited_by.or(now.author_id))
                .bind(now.title.as_str())
                .bind(now.happened.as_str())
                .bind(now.supported.as_str())
                .bind(now.learned.as_str())
                .bind(now.edited_at.unwrap_or(now.created_at))
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE journal_entries SET title = $1, happened = $2, supported = $3, learned = $4, \
                     revision = revision + 1, edited_by = $5, edited_at = $6 WHERE id = $7",
                )
                .bind(draft.title.as_str())
                .bind(draft.happened.as_str())
                .bind(draft.supported.as_str())
                .bind(draft.learned.as_str())
                .bind(user.get())
                .bind(ms(Timestamp::now()))
                .bind(entry.get())
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            self.one_journal_entry(user, space, entry).await
        }
        .await;
        self.note_write(&outcome);
        outcome
    }

    async fn delete_journal_entry(&self, user: Id, space: Id, entry: Id) -> Result<()> {
        let outcome: Result<()> = async {
            let e = self.one_journal_entry(user, space, entry).await?;
            if !may(JournalAction::Delete, user, e.author_id) {
                return Err(StoreError::Refused {
                    code: "not_your_entry",
                    message: "Only the one who wrote an entry can delete it; you can edit it or comment.".into(),
                });
            }
            sqlx::query("DELETE FROM journal_entries WHERE id = $1 AND space_id = $2")
                .bind(entry.get())
                .bind(space.get())
                .execute(&self.pool)
                .await?;
            Ok(())
        }
        .await;
        self.note_write(&outcome);
        outcome
    }

    async fn comment_journal_entry(
        &self,
        user: Id,
        space: Id,
        entry: Id,
        body: &CommentText,
        at: Option<Timestamp>,
    ) -> Result<JournalComment> {
        let outcome: Result<JournalComment> = async {
            self.require_member(user, space).await?;
            let id = new_id();
            let mut tx = self.pool.begin().await?;
            Self::lock_journal_entry(&mut tx, space, entry).await?;
            ensure_room(
                &mut tx,
                "SELECT COUNT(*) FROM journal_comments WHERE entry_id = $1",
                entry,
                MAX_COMMENTS_PER_ENTRY,
                "too_many_comments",
                "This moment has as many comments as it can hold (500).",
            )
            .await?;
            sqlx::query(
                "INSERT INTO journal_comments (id, entry_id, author_id, body, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id.get())
            .bind(entry.get())
            .bind(user.get())
            .bind(body.as_str())
            .bind(ms(at.unwrap_or_else(Timestamp::now)))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            let e = self.one_journal_entry(user, space, entry).await?;
            e.comments.into_iter().find(|c| c.id == id).ok_or(StoreError::NotFound)
        }
        .await;
        self.note_write(&outcome);
        outcome
    }

    async fn add_journal_photo(&self, user: Id, space: Id, entry: Id, photo: NewPhoto) -> Result<JournalPhoto> {
        let outcome: Result<JournalPhoto> = async {
            self.require_member(user, space).await?;
            let mut tx = self.pool.begin().await?;
            Self::lock_journal_entry(&mut tx, space, entry).await?;
            let id = Self::insert_photo(&mut tx, user, entry, &photo, ms(Timestamp::now())).await?;
            tx.commit().await?;
            let e = self.one_journal_entry(user, space, entry).await?;
            e.photos.into_iter().find(|p| p.id == id).ok_or(StoreError::NotFound)
        }
        .await;
        self.note_write(&outcome);
        outcome
    }

    async fn journal_photo(&self, user: Id, space: Id, entry: Id, photo: Id) -> Result<(JournalPhoto, Vec<u8>)> {
        self.require_member(user, space).await?;
        let row = sqlx::query_as::<_, PhotoDataRow>(
            "SELECT p.id, p.entry_id, p.added_by, p.content_type, p.width, p.height, \
             u.display_name AS added_by_name, p.created_at, p.data FROM journal_photos p JOIN journal_entries e ON e.id = p.entry_id \
             LEFT JOIN users u ON u.id = p.added_by WHERE p.id = $1 AND p.entry_id = $2 AND e.space_id = $3",
        )
        .bind(photo.get())
        .bind(entry.get())
        .bind(space.get())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let data = row.data;
        let info = PhotoRow {
            id: row.id,
            entry_id: row.entry_id,
            added_by: row.added_by,
            content_type: row.content_type,
            width: row.width,
            height: row.height,
            added_by_name: row.added_by_name,
            created_at: row.created_at,
        };
        Ok((info.view(user, None), data))
    }

    async fn delete_journal_photo(&self, user: Id, space: Id, entry: Id, photo: Id) -> Result<()> {
        let outcome: Result<()> = async {
            self.require_member(user, space).await?;
            let owners = sqlx::query_as::<_, PhotoOwners>(
                "SELECT p.added_by, e.author_id AS entry_author FROM journal_photos p \
                 JOIN journal_entries e ON e.id = p.entry_id WHERE p.id = $1 AND p.entry_id = $2 AND e.space_id = $3",
            )
            .bind(photo.get())
            .bind(entry.get())
            .bind(space.get())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
            if !may_remove_photo(user, owners.added_by.map(Id::from_db), owners.entry_author.map(Id::from_db)) {
                return Err(StoreError::Refused {
                    code: "not_your_photo",
                    message: "Only the one who added a photo, or who wrote the entry, can remove it.".into(),
                });
            }
            sqlx::query("DELETE FROM journal_photos WHERE id = $1 AND entry_id = $2")
                .bind(photo.get())
                .bind(entry.get())
                .execute(&self.pool)
                .await?;
            Ok(())
        }
        .await;
        self.note_write(&outcome);
        outcome
    }
}

/// Who a photo and its entry belong to, for the removal rule.
#[derive(sqlx::FromRow)]
struct PhotoOwners {
    added_by: Option<i64>,
    entry_author: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct PhotoDataRow {
    id: i64,
    entry_id: i64,
    added_by: Option<i64>,
    content_type: String,
    width: i64,
    height: i64,
    added_by_name: Option<String>,
    created_at: i64,
    data: Vec<u8>,
}

/// The journal of a space as the member may read it (all of it: it is
/// shared), with every photo's bytes.
pub(crate) async fn export(db: &SqlStore, user: Id, space: Id) -> Result<(Vec<JournalEntry>, Vec<ExportedPhoto>)> {
    let entries = db.load_journal(user, space, None, None, EXPORT_LIMIT).await?;
    let rows = sqlx::query_as::<_, PhotoDataRow>(
        "SELECT p.id, p.entry_id, p.added_by, p.content_type, p.width, p.height, u.display_name AS added_by_name, \
         p.created_at, p.data FROM journal_photos p JOIN journal_entries e ON e.id = p.entry_id \
         LEFT JOIN users u ON u.id = p.added_by WHERE e.space_id = $1 \
         ORDER BY p.created_at, p.id",
    )
    .bind(space.get())
    .fetch_all(&db.pool)
    .await?;
    let photos = rows
        .into_iter()
        .map(|r| ExportedPhoto {
            id: Id::from_db(r.id),
            entry_id: Id::from_db(r.entry_id),
            content_type: r.content_type,
            width: r.width,
            height: r.height,
            data_base64: base64_encode(&r.data),
        })
        .collect();
    Ok((entries, photos))
}

/// Standard base64 with padding (RFC 4648), for photos in the export.
fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::base64_encode;

    #[test]
    fn base64_matches_the_rfc_examples() {
        for (raw, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_encode(raw.as_bytes()), encoded);
        }
    }
}
