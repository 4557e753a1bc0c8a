//! Settings the web layer needs. The CLI fills them from flags, environment
//! and the optional TOML file.

use jiff::SignedDuration;

#[derive(Debug, Clone)]
pub struct WebConfig {
    /// How people reach the server, e.g. `https://troth.example.org`; used
    /// for invite links and the CSRF origin check. Empty: taken from `Host`.
    pub public_url: String,
    /// Mark cookies `Secure` and send HSTS (set when served over TLS).
    pub secure_cookies: bool,
    pub session_idle: SignedDuration,
    pub session_absolute: SignedDuration,
    pub invite_ttl: SignedDuration,
    /// Trust `X-Forwarded-For` for the client address (behind a proxy only).
    pub trust_proxy: bool,
    pub password: crate::PasswordParams,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Where reminder emails go out; `None`: in-app reminders only.
    pub smtp: Option<crate::mail::SmtpConfig>,
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
            max_body_bytes: 64 * 1024,
            smtp: None,
        }
    }
}
