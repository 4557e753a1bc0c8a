//! The files troth keeps on disk: who may read them, where a SQLite URL
//! points, the lock that keeps `restore` away from a database in use, and
//! replacing a database without ever leaving half a file behind.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Owner-only permissions for files and folders troth creates.
pub const PRIVATE_FILE_MODE: u32 = 0o600;
pub const PRIVATE_DIR_MODE: u32 = 0o700;

/// Makes every file this process creates owner-only, including the ones
/// SQLite creates by itself (`-wal`, `-shm`, `VACUUM INTO` backups), which
/// no explicit mode could reach.
pub fn restrict_new_files() {
    // SAFETY: umask only swaps the process's creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// The file path in a SQLite URL, or `None` for other databases and for
/// in-memory SQLite (nothing on disk to protect or lock).
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let in_memory = path.is_empty() || path == ":memory:" || query.split('&').any(|kv| kv == "mode=memory");
    (!in_memory).then(|| PathBuf::from(path))
}

/// Lets a SQLite URL name a file that does not exist yet, as the default
/// does: without `mode=…` SQLite opens read-write but refuses to create.
/// A mode the person chose (`ro`, `rw`, `memory`) is kept.
pub fn normalise_sqlite_url(url: &str) -> String {
    if !(url.starts_with("sqlite:")) || sqlite_path(url).is_none() {
        return url.to_string();
    }
    match url.split_once('?') {
        Some((_, query)) if query.split('&').any(|kv| kv.starts_with("mode=")) => url.to_string(),
        Some((_, "")) => format!("{url}mode=rwc"),
        Some(_) => format!("{url}&mode=rwc"),
        None => format!("{url}?mode=rwc"),
    }
}

/// `create_dir_all`, but every folder it makes is owner-only (folders that
/// already exist are left as they are: they may be shared on purpose).
pub fn create_private_dir_all(path: &Path) -> io::Result<()> {
    if path.as_os_str().is_empty() {
        return Ok(());
    }
    std::fs::DirBuilder::new().recursive(true).mode(PRIVATE_DIR_MODE).create(path)
}

/// `path` with `suffix` appended to its file name (`troth.db` → `troth.db-wal`).
pub fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// Takes group and other access away from a database made by an older
/// troth (before the umask): the folder may be shared, the diary is not.
pub fn tighten_database_files(db: &Path) {
    for file in [db.to_path_buf(), sibling(db, "-wal"), sibling(db, "-shm")] {
        let Ok(meta) = std::fs::metadata(&file) else { continue };
        if meta.permissions().mode() & 0o077 != 0 {
            if let Err(e) = std::fs::set_permissions(&file, std::fs::Permissions::from_mode(PRIVATE_FILE_MODE)) {
                tracing::warn!(file = %file.display(), "cannot make the database owner-only: {e}");
            }
        }
    }
}

/// The advisory lock file next to a SQLite database (`troth.db.lock`).
/// Every command that opens the database holds it shared for as long as it
/// runs; `restore` needs it exclusively. It is never deleted: removing a
/// lock file while someone waits on it would split them onto two files.
fn lock_file(db: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(PRIVATE_FILE_MODE)
        .open(sibling(db, ".lock"))
}

/// Shared locks live until the process exits (the kernel drops them then,
/// even after SIGKILL), so commands need not carry a guard around.
static HELD_LOCKS: Mutex<Vec<File>> = Mutex::new(Vec::new());

/// Marks the database as in use by this process until it exits.
pub fn hold_in_use_lock(db: &Path) -> Result<(), String> {
    let file = match lock_file(db) {
        Ok(file) => file,
        // A database in a folder this user may not write (read-only
        // mounts, another owner's backups) can still be read; only
        // restore, which would need the folder anyway, loses its guard.
        Err(e) if matches!(e.kind(), io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem) => {
            eprintln!("troth: warning: cannot create the lock file next to {}: {e}", db.display());
            return Ok(());
        }
        Err(e) => return Err(format!("cannot open the lock file next to {}: {e}", db.display())),
    };
    match file.try_lock_shared() {
        Ok(()) => {
            HELD_LOCKS.lock().unwrap_or_else(|p| p.into_inner()).push(file);
            Ok(())
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            Err(format!("{} is being restored right now; try again when the restore has finished", db.display()))
        }
        Err(std::fs::TryLockError::Error(e)) => Err(format!("cannot lock {}: {e}", db.display())),
    }
}

/// The exclusive lock `restore` takes: refused while any troth process
/// (a running server above all) has the database open.
pub fn lock_for_replacement(db: &Path) -> Result<File, String> {
    let file = lock_file(db).map_err(|e| format!("cannot open the lock file next to {}: {e}", db.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(format!(
            "{} is in use by a running troth (the server, or another command); stop it, then restore",
            db.display()
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(format!("cannot lock {}: {e}", db.display())),
    }
}

/// Writes a file that must not exist yet (like backups, never overwrites),
/// owner-only whatever the umask, synced before it is reported written.
pub fn write_new_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut file = OpenOptions::new().write(true).create_new(true).mode(PRIVATE_FILE_MODE).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Puts a copy of `backup` in place of `target` so that, whenever the
/// machine stops, `target` is either the old database or the whole new one.
/// The caller holds the exclusive lock.
pub fn replace_database(backup: &Path, target: &Path) -> io::Result<()> {
    let folder = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    create_private_dir_all(&folder)?;
    // Same folder, so the rename below is atomic (same file system).
    let temporary = sibling(target, &format!(".restore-{}.tmp", std::process::id()));
    let written = (|| {
        let mut source = File::open(backup)?;
        let mut copy = OpenOptions::new().write(true).create_new(true).mode(PRIVATE_FILE_MODE).open(&temporary)?;
        io::copy(&mut source, &mut copy)?;
        copy.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(e);
    }
    // A -wal left by the old database would be replayed into the new one
    // and corrupt it, so it goes before the new file takes the name.
    for side in [sibling(target, "-wal"), sibling(target, "-shm")] {
        match std::fs::remove_file(&side) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                let _ = std::fs::remove_file(&temporary);
                return Err(e);
            }
        }
    }
    std::fs::rename(&temporary, target)?;
    // The rename itself is durable only once the folder is synced.
    File::open(&folder)?.sync_all()
}

/// Why a file cannot be a whole SQLite database, judged from its first
/// 100 bytes (the database header) and its length; `None` when it can.
/// Cheap, and it spares the real check a long wait: SQLite refuses a file
/// cut short only when a page is read, and the pool retries until its
/// timeout.
pub fn sqlite_header_problem(header: &[u8], file_len: u64) -> Option<&'static str> {
    if header.len() < 100 || !header.starts_with(b"SQLite format 3\0") {
        return Some("not a SQLite file");
    }
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536,
        n if n >= 512 && n.is_power_of_two() => u64::from(n),
        _ => return Some("its header is damaged"),
    };
    if file_len < page_size || !file_len.is_multiple_of(page_size) {
        return Some("it is cut short or padded");
    }
    // The page count in the header is trusted by SQLite only when the
    // "version valid for" number matches the change counter.
    let word = |at: usize| u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]]);
    if word(24) == word(92) && u64::from(word(28)) * page_size != file_len {
        return Some("it is cut short or padded");
    }
    None
}

/// [`sqlite_header_problem`] for a file on disk.
pub fn check_sqlite_file(path: &Path) -> Result<(), String> {
    use std::io::Read;
    let mut file = File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    let mut header = Vec::with_capacity(100);
    file.by_ref().take(100).read_to_end(&mut header).map_err(|e| e.to_string())?;
    match sqlite_header_problem(&header, len) {
        None => Ok(()),
        Some(problem) => Err(format!("{} is not a troth backup: {problem}; nothing was restored", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_headers_are_checked_before_opening() {
        let mut header = b"SQLite format 3\0".to_vec();
        header.resize(100, 0);
        header[16..18].copy_from_slice(&4096u16.to_be_bytes());
        header[24..28].copy_from_slice(&7u32.to_be_bytes()); // change counter
        header[92..96].copy_from_slice(&7u32.to_be_bytes()); // valid for
        header[28..32].copy_from_slice(&3u32.to_be_bytes()); // pages
        assert_eq!(sqlite_header_problem(&header, 3 * 4096), None);
        assert!(sqlite_header_problem(&header, 2 * 4096).is_some(), "cut by a page");
        assert!(sqlite_header_problem(&header, 3 * 4096 - 100).is_some(), "cut mid-page");
        assert!(sqlite_header_problem(&header[..50], 3 * 4096).is_some(), "no whole header");
        assert!(sqlite_header_problem(b"PK\x03\x04 a zip file, not a database", 4096).is_some());
        header[16..18].copy_from_slice(&1000u16.to_be_bytes());
        assert!(sqlite_header_problem(&header, 3000).is_some(), "no such page size");
        header[16..18].copy_from_slice(&1u16.to_be_bytes());
        header[28..32].copy_from_slice(&1u32.to_be_bytes());
        assert_eq!(sqlite_header_problem(&header, 65_536), None, "1 means 64 KiB pages");
        // A stale page count (an older writer) is not trusted, so not held against the file.
        header[92..96].copy_from_slice(&6u32.to_be_bytes());
        assert_eq!(sqlite_header_problem(&header, 2 * 65_536), None);
    }

    #[test]
    fn sqlite_urls_get_create_mode_unless_one_is_chosen() {
        assert_eq!(normalise_sqlite_url("sqlite:///srv/t/new.db"), "sqlite:///srv/t/new.db?mode=rwc");
        assert_eq!(normalise_sqlite_url("sqlite://./a.db?"), "sqlite://./a.db?mode=rwc");
        assert_eq!(normalise_sqlite_url("sqlite:a.db?cache=shared"), "sqlite:a.db?cache=shared&mode=rwc");
        assert_eq!(normalise_sqlite_url("sqlite://a.db?mode=ro"), "sqlite://a.db?mode=ro");
        assert_eq!(normalise_sqlite_url("sqlite://a.db?x=1&mode=rw"), "sqlite://a.db?x=1&mode=rw");
        assert_eq!(normalise_sqlite_url("sqlite::memory:"), "sqlite::memory:");
        assert_eq!(normalise_sqlite_url("postgres://troth@db/troth"), "postgres://troth@db/troth");
    }

    #[test]
    fn sqlite_paths() {
        assert_eq!(sqlite_path("sqlite:///srv/t/x.db?mode=rwc"), Some(PathBuf::from("/srv/t/x.db")));
        assert_eq!(sqlite_path("sqlite://./troth-data/troth.db"), Some(PathBuf::from("./troth-data/troth.db")));
        assert_eq!(sqlite_path("sqlite:rel.db"), Some(PathBuf::from("rel.db")));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("sqlite://x?mode=memory"), None);
        assert_eq!(sqlite_path("postgres://db/troth"), None);
        assert_eq!(sibling(Path::new("d/troth.db"), "-wal"), PathBuf::from("d/troth.db-wal"));
    }
}
