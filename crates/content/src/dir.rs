//! The one piece of I/O: reading an operator's directory of extra data files.
//! Kept apart so everything else stays pure and testable from text.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{ContentError, ContentErrors, ErrorKind};

/// Every `*.toml` under `dir` (recursively, in path order) as (path, text).
/// Any file or folder that cannot be read is reported, all at once.
pub fn read_sources(dir: &Path) -> Result<Vec<(String, String)>, ContentErrors> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    collect(dir, &mut files, &mut errors);
    files.sort();
    let mut sources = Vec::with_capacity(files.len());
    for path in files {
        match fs::read_to_string(&path) {
            Ok(text) => sources.push((path.display().to_string(), text)),
            Err(e) => errors.push(io_error(&path, &e)),
        }
    }
    if errors.is_empty() {
        Ok(sources)
    } else {
        Err(ContentErrors(errors))
    }
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<ContentError>) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(io_error(dir, &e));
            return;
        }
    };
    for entry in entries {
        match entry {
            Ok(entry) => {
                let path = entry.path();
                if path.is_dir() {
                    collect(&path, files, errors);
                } else if path.extension().is_some_and(|ext| ext == "toml") {
                    files.push(path);
                }
            }
            Err(e) => errors.push(io_error(dir, &e)),
        }
    }
}

fn io_error(path: &Path, e: &std::io::Error) -> ContentError {
    ContentError {
        file: path.display().to_string(),
        line: None,
        kind: ErrorKind::Io,
        message: format!("cannot read: {e}"),
    }
}
