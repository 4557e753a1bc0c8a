//! The static files, compiled into the binary (one file to deploy, no
//! request ever leaves our own origin), each also reachable under a name
//! that carries a hash of its content: pages link that name, so browsers
//! may keep it for a year and still never use a stale copy after an update.

use std::sync::LazyLock;

pub struct Asset {
    pub name: &'static str,
    pub mime: &'static str,
    pub body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset { name: "style.css", mime: "text/css; charset=utf-8", body: include_bytes!("../../static/style.css") },
    Asset { name: "exit.css", mime: "text/css; charset=utf-8", body: include_bytes!("../../static/exit.css") },
    Asset { name: "app.js", mime: "text/javascript; charset=utf-8", body: include_bytes!("../../static/app.js") },
    Asset {
        name: "htmx.min.js",
        mime: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/htmx.min.js"),
    },
    Asset { name: "icon.svg", mime: "image/svg+xml", body: include_bytes!("../../static/icon.svg") },
];

/// FNV-1a over the content: stable across builds and platforms, which is
/// all a cache-busting name needs (it guards against staleness, not forgery).
fn content_hash(body: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in body {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")[..12].to_string()
}

/// "style.css" with hash "0a1b…" is "style.0a1b….css".
fn hashed_name(asset: &Asset) -> String {
    let hash = content_hash(asset.body);
    match asset.name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
        None => format!("{}.{hash}", asset.name),
    }
}

static HASHED: LazyLock<Vec<String>> = LazyLock::new(|| ASSETS.iter().map(hashed_name).collect());

/// The URL pages use for `name`: its content-hashed name.
pub fn url(name: &str) -> String {
    match ASSETS.iter().position(|a| a.name == name) {
        Some(i) => format!("/static/{}", HASHED[i]),
        None => format!("/static/{name}"),
    }
}

/// How a request names an asset: by its hashed name (the current content:
/// cache it for good), or by its plain name (for anything that cannot know
/// the hash: cache it briefly).
pub enum Found {
    Immutable(&'static Asset),
    Plain(&'static Asset),
}

pub fn find(file: &str) -> Option<Found> {
    if let Some(i) = HASHED.iter().position(|h| h == file) {
        return Some(Found::Immutable(&ASSETS[i]));
    }
    ASSETS.iter().find(|a| a.name == file).map(Found::Plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_follow_the_content() {
        let style = url("style.css");
        assert!(
            style.starts_with("/static/style.")
                && style.ends_with(".css")
                && style.len() == "/static/style..css".len() + 12
        );
        assert!(
            matches!(find(style.trim_start_matches("/static/")), Some(Found::Immutable(a)) if a.name == "style.css")
        );
        assert!(matches!(find("style.css"), Some(Found::Plain(_))));
        assert!(find("style.000000000000.css").is_none(), "a stale hash is not served as current");
        assert_ne!(content_hash(b"a"), content_hash(b"b"));
        assert_eq!(content_hash(b""), "cbf29ce48422");
    }
}
