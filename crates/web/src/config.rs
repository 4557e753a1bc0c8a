//! Settings the web layer needs. The CLI fills them from flags, environment
//! and the optional TOML file.

use std::sync::{Arc, OnceLock};

use jiff::SignedDuration;
use troth_content::Library;

/// The library compiled into the binary, read and checked once per process.
/// It is checked by tests, so a failure here is a build that should never
/// have shipped.
pub fn embedded_library() -> Arc<Library> {
    static EMBEDDED: OnceLock<Arc<Library>> = OnceLock::new();
    EMBEDDED
        .get_or_init(|| Arc::new(Library::embedded().expect("the embedded content library is valid (tested)")))
        .clone()
}

#[derive(Debug, Clone)]
pub struct WebConfig {
    /// How people reach the server, e.g. `https://troth.example.org`; used
    /// for invite and calendar links and the CSRF origin check. Empty: the
    /// bound address when it is loopback; a server others can reach
    /// refuses to start without one (see [`WebConfig::settle_public_url`]).
    pub public_url: String,
    /// Mark cookies `Secure` and send HSTS (set when served over TLS).
    pub secure_cookies: bool,
    pub session_idle: SignedDuration,
    pub session_absolute: SignedDuration,
    pub invite_ttl: SignedDuration,
    /// Trust `X-Forwarded-For` for the client address (behind a proxy only).
    pub trust_proxy: bool,
    pub password: crate::PasswordParams,
    /// Bounds the password hashes running at once (one per core by default)
    /// and how long a login waits for one before it is told to come back.
    pub password_gate: crate::PasswordGate,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Where emails go out (reminders, registration links); `None`: in-app
    /// reminders only, and registration answers at once as it always did.
    pub smtp: Option<crate::mail::Mailer>,
    /// The exercises and prompts: the embedded library, plus an operator's
    /// directory when configured (loaded and checked before the server starts).
    pub library: Arc<Library>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            public_url: String::new(),
            secure_cookies: false,
            session_idle: SignedDuration::from_hours(24 * 14),
            session_absolute: SignedDuration::from_hours(24 * 90),
            invite_ttl: SignedDuration::from_hours(72),
            trust_proxy: false,
            password: crate::PasswordParams::default(),
            password_gate: crate::PasswordGate::default(),
            max_body_bytes: 64 * 1024,
            smtp: None,
            library: embedded_library(),
        }
    }
}

impl WebConfig {
    /// Settles the public URL before the server starts, now that the
    /// address it listens on is known: a configured one must be an http or
    /// https URL; without one, a loopback address (reachable from this
    /// machine only) serves as its own public URL. A server that other
    /// machines can reach has no trustworthy way to know its own address
    /// (the `Host` header is whatever a client sends, so links built from
    /// it can be pointed anywhere), so without a public URL it refuses to
    /// start, saying what to set.
    pub fn settle_public_url(&mut self, bound: std::net::SocketAddr) -> Result<(), String> {
        let configured = self.public_url.trim();
        if !configured.is_empty() {
            if crate::http::urls::origin_of(configured).is_none() {
                return Err(format!(
                    "public_url {configured:?} is not an http or https address such as https://troth.example.org"
                ));
            }
            self.public_url = configured.trim_end_matches('/').to_string();
            return Ok(());
        }
        if !bound.ip().is_loopback() {
            return Err(format!(
                "troth listens on {bound}, which other machines can reach, but no public_url is set. \
                 Set it to the address people use (--public-url, TROTH_PUBLIC_URL or public_url in troth.toml, \
                 e.g. https://troth.example.org) so that invite and calendar links and the check that a form \
                 came from troth's own pages do not depend on the Host header a client sends; \
                 or listen on 127.0.0.1 to use troth from this machine only."
            ));
        }
        self.public_url = format!("http://{bound}");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::WebConfig;

    #[test]
    fn the_public_url_is_settled_or_the_start_refused() {
        let settle = |url: &str, bound: &str| {
            let mut c = WebConfig { public_url: url.to_string(), ..WebConfig::default() };
            c.settle_public_url(bound.parse().unwrap()).map(|()| c.public_url)
        };
        assert_eq!(settle("", "127.0.0.1:8080").unwrap(), "http://127.0.0.1:8080");
        assert_eq!(settle("", "[::1]:8080").unwrap(), "http://[::1]:8080");
        assert_eq!(settle("https://troth.example.org/", "0.0.0.0:8080").unwrap(), "https://troth.example.org");
        let refused = settle("", "0.0.0.0:8080").unwrap_err();
        assert!(refused.contains("no public_url is set") && refused.contains("--public-url"), "{refused}");
        assert!(settle("", "192.168.1.5:8080").is_err());
        assert!(settle("troth.example.org", "127.0.0.1:8080").unwrap_err().contains("not an http or https address"));
    }
}
