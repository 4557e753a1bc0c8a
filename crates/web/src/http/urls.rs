//! URLs: encoding, the address people reach us at, safe redirects.

use axum::response::{IntoResponse, Response};

use crate::state::AppState;

pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Only local paths are followed after login, never another site.
pub fn safe_next(next: Option<&str>) -> String {
    // Visible ASCII only: browsers drop tabs and newlines from a Location,
    // so "/\t/evil.example" would become "//evil.example", and a control
    // character cannot go into a header at all.
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && n.len() < 512
                && n.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            n.to_string()
        }
        _ => "/spaces".to_string(),
    }
}

pub fn see_other(to: &str) -> Response {
    axum::response::Redirect::to(to).into_response()
}

/// The address people use to reach this server, for links that leave the
/// page (invites, the calendar feed): the public URL settled before the
/// server started (see [`crate::WebConfig::settle_public_url`]), never the
/// request's `Host`, which any client can forge. Empty only when the app
/// runs without [`crate::launch`]; the links are then relative.
pub fn base_url(state: &AppState) -> String {
    state.config.public_url.trim_end_matches('/').to_string()
}

/// The origin (`scheme://host[:port]`, lowercase, default port left out)
/// of an absolute http or https URL; `None` for anything else.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => ":80",
        "https" => ":443",
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("").to_ascii_lowercase();
    let valid = !authority.is_empty()
        && !authority.contains('@')
        && authority.bytes().all(|b| b.is_ascii_graphic())
        && !split_host_port(&authority).0.is_empty();
    if !valid {
        return None;
    }
    let authority = authority.strip_suffix(default_port).unwrap_or(&authority);
    Some(format!("{scheme}://{authority}"))
}

/// `host` and `port` of an authority, brackets kept on an IPv6 host.
fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[') {
        return match authority.find(']') {
            Some(end) => (&authority[..=end], authority[end + 1..].strip_prefix(':')),
            None => ("", None),
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    }
}

fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether a request's `Origin` is this server's: the public URL's
/// origin, or, when that is a loopback address, another name of the same
/// loopback port (`localhost` for `127.0.0.1`), which only this machine
/// can use.
pub fn is_our_origin(public_url: &str, origin: &str) -> bool {
    let (Some(ours), Some(theirs)) = (origin_of(public_url), origin_of(origin)) else { return false };
    if ours == theirs {
        return true;
    }
    let parts = |o: &str| {
        let (scheme, authority) = o.split_once("://").unwrap_or(("", ""));
        let (host, port) = split_host_port(authority);
        (scheme.to_string(), is_loopback_host(host), port.map(str::to_string))
    };
    let (our_scheme, our_loopback, our_port) = parts(&ours);
    let (their_scheme, their_loopback, their_port) = parts(&theirs);
    our_loopback && their_loopback && our_scheme == their_scheme && our_port == their_port
}

#[cfg(test)]
mod tests {
    use super::{is_our_origin, origin_of, safe_next};

    #[test]
    fn origins_are_scheme_host_and_port() {
        assert_eq!(origin_of("https://Troth.Example.org/").as_deref(), Some("https://troth.example.org"));
        assert_eq!(origin_of("https://troth.example.org:443/x?y").as_deref(), Some("https://troth.example.org"));
        assert_eq!(origin_of("http://127.0.0.1:8080").as_deref(), Some("http://127.0.0.1:8080"));
        assert_eq!(origin_of("http://[::1]:8080/").as_deref(), Some("http://[::1]:8080"));
        for bad in ["", "troth.example.org", "ftp://x", "https://", "https://user@evil.example", "null", "http:// x"] {
            assert_eq!(origin_of(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn our_origin_is_the_public_url_or_its_loopback_aliases() {
        assert!(is_our_origin("https://troth.example.org/", "https://troth.example.org"));
        assert!(!is_our_origin("https://troth.example.org", "http://troth.example.org"));
        assert!(!is_our_origin("https://troth.example.org", "https://evil.example"));
        assert!(!is_our_origin("https://troth.example.org", "https://troth.example.org.evil.example"));
        assert!(is_our_origin("http://127.0.0.1:8080", "http://localhost:8080"));
        assert!(is_our_origin("http://127.0.0.1:8080", "http://[::1]:8080"));
        assert!(!is_our_origin("http://127.0.0.1:8080", "http://localhost:9090"), "another local port");
        assert!(!is_our_origin("http://127.0.0.1:8080", "http://evil.example:8080"));
        assert!(!is_our_origin("https://troth.example.org", "http://localhost"), "aliases only for a loopback URL");
        assert!(!is_our_origin("http://127.0.0.1:8080", "null"));
    }

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/join/abc?x=1")), "/join/abc?x=1");
        for bad in ["//evil.example", "/\t/evil.example", "/\n/x", "/a b", "https://evil.example", "/\\evil", "/é"] {
            assert_eq!(safe_next(Some(bad)), "/spaces", "{bad:?}");
        }
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(600)))), "/spaces");
        assert_eq!(safe_next(None), "/spaces");
    }
}
