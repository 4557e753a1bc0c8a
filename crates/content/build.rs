//! Embeds every `*.toml` under the repository's `content/` folder into the
//! binary, so adding a data file needs no code change. Generates
//! `$OUT_DIR/embedded.rs` holding `(name, text)` pairs, names relative to the
//! repository root (`content/exercises/x.toml`) so errors point at the file.

use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let repo_root = manifest.join("../..");
    let content = repo_root.join("content");
    // A directory here makes cargo rescan the whole tree for changes, so new
    // or edited data files are picked up on the next build.
    println!("cargo:rerun-if-changed={}", content.display());
    println!("cargo:rerun-if-changed=build.rs");

    let mut files = Vec::new();
    if content.is_dir() {
        collect_toml(&content, &mut files);
    }
    files.sort();

    let mut out = String::from("/// Every data file under `content/`, as (name, text), in path order.\n");
    out.push_str("pub(crate) static EMBEDDED: &[(&str, &str)] = &[\n");
    for path in &files {
        let relative = path.strip_prefix(&repo_root).expect("file is under the repository root");
        let name = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
        let absolute = fs::canonicalize(path).expect("data file can be resolved");
        out.push_str(&format!("    ({name:?}, include_str!({:?})),\n", absolute.display().to_string()));
    }
    out.push_str("];\n");

    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out_dir.join("embedded.rs"), out).expect("write embedded.rs");
}

fn collect_toml(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect_toml(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "toml") {
            files.push(path);
        }
    }
}
