//! Outgoing mail, through `lettre` over tokio and rustls (the TLS stack the
//! database driver already uses): a relay on this machine in plain SMTP, or
//! one across the network with STARTTLS or implicit TLS (SMTPS), with or
//! without a user name and password.
//!
//! What goes out is a nudge and a link, never anything someone wrote. The
//! recipient's address and the relay's own words (which often repeat it)
//! stay out of every error, because errors end up in the log. Each send is
//! bounded in time as a whole, so a relay that stops answering costs the
//! caller at most [`SmtpSettings::timeout`].

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain SMTP: only for a relay on this machine (or one reached over a
    /// network you trust); never with a password across the network.
    None,
    /// Plain SMTP upgraded with STARTTLS before anything else is said;
    /// a relay that does not offer it is refused (usually port 587).
    StartTls,
    /// TLS from the first byte, "SMTPS" (usually port 465).
    Tls,
}

impl SmtpSecurity {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" | "plain" => Some(SmtpSecurity::None),
            "starttls" => Some(SmtpSecurity::StartTls),
            "tls" | "smtps" | "implicit" => Some(SmtpSecurity::Tls),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SmtpSecurity::None => "none",
            SmtpSecurity::StartTls => "starttls",
            SmtpSecurity::Tls => "tls",
        }
    }

    /// The default when none is configured: plain for a relay on this
    /// machine, implicit TLS on the SMTPS port, STARTTLS everywhere else.
    pub fn default_for(host: &str, port: u16) -> Self {
        if is_loopback(host) {
            SmtpSecurity::None
        } else if port == 465 {
            SmtpSecurity::Tls
        } else {
            SmtpSecurity::StartTls
        }
    }
}

/// A user name and password for the relay. `Debug` never shows the password.
#[derive(Clone)]
pub struct SmtpAuth {
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for SmtpAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpAuth").field("user", &self.user).field("password", &"***").finish()
    }
}

/// What the operator configures; [`Mailer::new`] checks it.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    /// The sender address, e.g. `troth@example.org`.
    pub from: String,
    pub security: SmtpSecurity,
    pub auth: Option<SmtpAuth>,
    /// A PEM file of certificates to trust besides the usual public roots
    /// (a relay with a private or self-signed certificate).
    pub ca_file: Option<PathBuf>,
    /// The most one send may take, connection to goodbye.
    pub timeout: Duration,
}

impl SmtpSettings {
    /// Plain SMTP to a relay, with the defaults for everything else.
    pub fn new(host: impl Into<String>, port: u16, from: impl Into<String>) -> Self {
        let host = host.into();
        SmtpSettings {
            security: SmtpSecurity::default_for(&host, port),
            host,
            port,
            from: from.into(),
            auth: None,
            ca_file: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MailError {
    #[error("mail relay timed out")]
    Timeout,
    /// The relay's reply code only: its text often repeats the address.
    #[error("mail relay refused (code {0})")]
    Refused(String),
    #[error("mail relay: TLS failed (certificate or protocol)")]
    Tls,
    #[error("mail relay: connection failed")]
    Connection,
    #[error("mail relay: {0}")]
    Other(&'static str),
    /// The address itself stays out of the message for the same reason.
    #[error("address not allowed")]
    BadAddress,
}

/// A checked mail configuration, ready to send. Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    settings: SmtpSettings,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("settings", &self.settings).finish()
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl Mailer {
    /// Checks the settings (the sender address, the certificate file, no
    /// password in the clear across the network) and builds the transport.
    /// The error says what to change, naming the setting.
    pub fn new(settings: SmtpSettings) -> Result<Mailer, String> {
        let host = settings.host.trim().to_string();
        if host.is_empty() {
            return Err("smtp_host is empty".into());
        }
        if settings.port == 0 {
            return Err("smtp_port must be between 1 and 65535".into());
        }
        let from: Mailbox =
            settings.from.trim().parse::<lettre::Address>().map(|a| Mailbox::new(Some("troth".into()), a)).map_err(
                |_| format!("smtp_from {:?} is not an email address such as troth@example.org", settings.from),
            )?;
        if settings.auth.is_some() && settings.security == SmtpSecurity::None && !is_loopback(&host) {
            return Err(format!(
                "smtp_security is \"none\" but a user and password are set for {host}, which is not on this machine: \
                 the password would cross the network in the clear. Use smtp_security = \"starttls\" or \"tls\"."
            ));
        }
        if let Some(auth) = &settings.auth {
            if auth.user.is_empty() || auth.password.is_empty() {
                return Err("smtp_user and smtp_password go together: set both or neither".into());
            }
        }
        let tls = match settings.security {
            SmtpSecurity::None => Tls::None,
            SmtpSecurity::StartTls => Tls::Required(tls_parameters(&host, settings.ca_file.as_deref())?),
            SmtpSecurity::Tls => Tls::Wrapper(tls_parameters(&host, settings.ca_file.as_deref())?),
        };
        if settings.security == SmtpSecurity::None && settings.ca_file.is_some() {
            return Err("smtp_ca_file is set but smtp_security is \"none\": choose \"starttls\" or \"tls\"".into());
        }
        // The EHLO name: the sender's domain says who is speaking better
        // than "localhost", and keeps the machine's own name private.
        let hello = ClientId::Domain(from.email.domain().to_string());
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
            .port(settings.port)
            .tls(tls)
            .hello_name(hello)
            // Each network step; the whole send is bounded again in `send`.
            .timeout(Some(settings.timeout));
        if let Some(auth) = &settings.auth {
            builder = builder
                .credentials(Credentials::new(auth.user.clone(), auth.password.clone()))
                .authentication(vec![Mechanism::Plain, Mechanism::Login]);
        }
        Ok(Mailer { transport: builder.build(), from, settings: SmtpSettings { host, ..settings } })
    }

    pub fn settings(&self) -> &SmtpSettings {
        &self.settings
    }

    /// Sends one plain-text message; at most [`SmtpSettings::timeout`].
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), MailError> {
        let to: lettre::Address = to.trim().parse().map_err(|_| MailError::BadAddress)?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to))
            .subject(one_line(subject))
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|_| MailError::Other("the message could not be built"))?;
        match tokio::time::timeout(self.settings.timeout, self.transport.send(message)).await {
            Err(_) => Err(MailError::Timeout),
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(describe(&e)),
        }
    }
}

/// The TLS settings: the public roots, plus the operator's file if any.
fn tls_parameters(host: &str, ca_file: Option<&std::path::Path>) -> Result<TlsParameters, String> {
    let mut builder = TlsParameters::builder(host.trim_start_matches('[').trim_end_matches(']').to_string());
    if let Some(path) = ca_file {
        let pem = std::fs::read(path).map_err(|e| format!("smtp_ca_file {}: cannot read it: {e}", path.display()))?;
        let cert = Certificate::from_pem(&pem)
            .map_err(|_| format!("smtp_ca_file {}: not a PEM certificate file", path.display()))?;
        if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
            return Err(format!("smtp_ca_file {}: holds no certificate", path.display()));
        }
        builder = builder.add_root_certificate(cert);
    }
    builder.build_rustls().map_err(|_| "the TLS settings for the mail relay could not be built".to_string())
}

/// A lettre error as something safe to log: the kind, and the relay's
/// reply code, never its text.
fn describe(e: &lettre::transport::smtp::Error) -> MailError {
    if e.is_timeout() {
        MailError::Timeout
    } else if let Some(code) = e.status() {
        MailError::Refused(code.to_string())
    } else if e.is_tls() {
        MailError::Tls
    } else if e.is_client() {
        MailError::Other("the relay does not offer what is configured (STARTTLS or authentication)")
    } else if e.is_response() {
        MailError::Other("the relay's reply could not be read")
    } else {
        MailError::Connection
    }
}

/// Header values must not carry line breaks (header injection).
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_cannot_inject_and_settings_are_checked() {
        assert_eq!(one_line("hi\r\nBcc: x"), "hi  Bcc: x");
        assert!(Mailer::new(SmtpSettings::new("127.0.0.1", 25, "troth@example.org")).is_ok());
        let bad_from = Mailer::new(SmtpSettings::new("127.0.0.1", 25, "not an address")).unwrap_err();
        assert!(bad_from.contains("smtp_from"), "{bad_from}");
        let clear = SmtpSettings {
            security: SmtpSecurity::None,
            auth: Some(SmtpAuth { user: "u".into(), password: "p".into() }),
            ..SmtpSettings::new("mail.example.org", 25, "troth@example.org")
        };
        assert!(Mailer::new(clear).unwrap_err().contains("in the clear"));
        let missing = SmtpSettings {
            security: SmtpSecurity::StartTls,
            ca_file: Some("/nonexistent/ca.pem".into()),
            ..SmtpSettings::new("mail.example.org", 587, "troth@example.org")
        };
        assert!(Mailer::new(missing).unwrap_err().contains("smtp_ca_file"));
        assert_eq!(SmtpSecurity::default_for("localhost", 25), SmtpSecurity::None);
        assert_eq!(SmtpSecurity::default_for("mail.example.org", 465), SmtpSecurity::Tls);
        assert_eq!(SmtpSecurity::default_for("mail.example.org", 587), SmtpSecurity::StartTls);
        let auth = SmtpAuth { user: "u".into(), password: "hunter2".into() };
        assert!(!format!("{auth:?}").contains("hunter2"));
    }

    #[tokio::test]
    async fn a_malformed_recipient_is_refused_without_naming_it() {
        let m = Mailer::new(SmtpSettings::new("127.0.0.1", 9, "troth@example.org")).unwrap();
        let e = m.send("a@example.org>\r\nRCPT TO:<b@x", "s", "b").await.unwrap_err();
        assert_eq!(e, MailError::BadAddress);
        assert!(!e.to_string().contains("example.org"));
    }
}
