//! Effective configuration: command-line flags, then `TROTH_*` environment
//! variables, then the TOML file (`--config`, `TROTH_CONFIG`, or
//! `./troth.toml` when present), then built-in defaults. The first that
//! gives a value wins.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use troth_web::{PasswordParams, WebConfig};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://./troth-data/troth.db?mode=rwc";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// Settings that can come from flags or the environment (clap merges the
/// two) and otherwise from the file.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Overrides {
    /// Database: sqlite://path (created when missing; default ./troth-data/troth.db) or postgres://user@host/db?sslmode=verify-full
    #[arg(long, env = "TROTH_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// A TOML configuration file (default: ./troth.toml when it exists)
    #[arg(long, env = "TROTH_CONFIG", global = true)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeOverrides {
    /// Address to listen on (default 127.0.0.1:8080)
    #[arg(long, env = "TROTH_BIND")]
    pub bind: Option<String>,
    /// Public address, e.g. https://troth.example.org (for invite links and the origin check)
    #[arg(long, env = "TROTH_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Mark cookies Secure and send HSTS (set this when served over HTTPS)
    #[arg(long, env = "TROTH_SECURE_COOKIES")]
    pub secure_cookies: Option<bool>,
    /// Trust X-Forwarded-For (only behind your own reverse proxy)
    #[arg(long, env = "TROTH_TRUST_PROXY")]
    pub trust_proxy: Option<bool>,
    /// A directory of extra exercises and prompts (*.toml), checked with the built-in library at start
    #[arg(long, env = "TROTH_CONTENT_DIR")]
    pub content_dir: Option<PathBuf>,
}

/// The TOML file's shape. Every key is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub bind: Option<String>,
    pub public_url: Option<String>,
    pub secure_cookies: Option<bool>,
    pub trust_proxy: Option<bool>,
    pub max_connections: Option<u32>,
    pub session_idle_hours: Option<i64>,
    pub session_absolute_days: Option<i64>,
    pub invite_ttl_hours: Option<i64>,
    pub password_memory_kib: Option<u32>,
    pub password_iterations: Option<u32>,
    pub max_body_kib: Option<usize>,
    pub log: Option<String>,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    pub smtp_from: Option<String>,
    /// `none`, `starttls` or `tls` (default: none on this machine, tls on
    /// port 465, starttls elsewhere).
    pub smtp_security: Option<String>,
    pub smtp_user: Option<String>,
    pub smtp_password: Option<String>,
    /// A file holding the password (a container secret), instead of `smtp_password`.
    pub smtp_password_file: Option<PathBuf>,
    /// Extra certificates to trust for the relay (PEM).
    pub smtp_ca_file: Option<PathBuf>,
    pub smtp_timeout_secs: Option<u64>,
    pub content_dir: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct Effective {
    pub database_url: String,
    pub bind: String,
    pub max_connections: u32,
    pub log: String,
    pub web: WebConfig,
    pub file: Option<PathBuf>,
}

fn env_parse<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

pub fn load(o: &Overrides, s: &ServeOverrides) -> Result<Effective, String> {
    let path = o.config.clone().or_else(|| Path::new("troth.toml").exists().then(|| PathBuf::from("troth.toml")));
    let file: FileConfig = match &path {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            toml::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?
        }
        None => FileConfig::default(),
    };
    let defaults = WebConfig::default();
    let library = match s.content_dir.clone().or(file.content_dir.clone()) {
        Some(dir) => std::sync::Arc::new(troth_content::Library::with_dir(&dir).map_err(|errors| {
            let list: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
            format!("the content in {} is not valid ({} problems):\n{}", dir.display(), errors.len(), list.join("\n"))
        })?),
        None => defaults.library.clone(),
    };
    let hours = |h: i64| jiff::SignedDuration::from_hours(h.clamp(1, 24 * 3650));
    let web = WebConfig {
        public_url: s.public_url.clone().or(file.public_url.clone()).unwrap_or_default(),
        secure_cookies: s.secure_cookies.or(file.secure_cookies).unwrap_or(false),
        trust_proxy: s.trust_proxy.or(file.trust_proxy).unwrap_or(false),
        session_idle: env_parse("TROTH_SESSION_IDLE_HOURS")
            .or(file.session_idle_hours)
            .map_or(defaults.session_idle, hours),
        session_absolute: env_parse::<i64>("TROTH_SESSION_ABSOLUTE_DAYS")
            .or(file.session_absolute_days)
            .map_or(defaults.session_absolute, |d| hours(d * 24)),
        invite_ttl: env_parse("TROTH_INVITE_TTL_HOURS").or(file.invite_ttl_hours).map_or(defaults.invite_ttl, hours),
        password: PasswordParams {
            memory_kib: env_parse("TROTH_PASSWORD_MEMORY_KIB")
                .or(file.password_memory_kib)
                .unwrap_or(19_456)
                .max(19_456),
            iterations: env_parse("TROTH_PASSWORD_ITERATIONS").or(file.password_iterations).unwrap_or(2).max(2),
        },
        // One password hash per core at once; the rest wait up to ten seconds.
        password_gate: defaults.password_gate.clone(),
        smtp: smtp_settings(&file)?,
        max_body_bytes: env_parse::<usize>("TROTH_MAX_BODY_KIB")
            .or(file.max_body_kib)
            .map_or(defaults.max_body_bytes, |k| k.clamp(16, 4096) * 1024),
        library,
    };
    let database_url = o.database_url.clone().or(file.database_url).unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
    // A SQLite file that does not exist yet is created, as the default is.
    let database_url = crate::files::normalise_sqlite_url(&database_url);
    // SQLite writes one at a time and each connection is a thread, so a
    // small pool is faster there (measured: see BENCHMARKS.md); PostgreSQL
    // gains from more.
    let default_pool = if database_url.starts_with("sqlite:") {
        std::thread::available_parallelism().map_or(4, |n| (n.get() as u32 * 2).clamp(4, 16))
    } else {
        16
    };
    Ok(Effective {
        database_url,
        bind: s.bind.clone().or(file.bind).unwrap_or_else(|| DEFAULT_BIND.to_string()),
        max_connections: env_parse("TROTH_MAX_CONNECTIONS")
            .or(file.max_connections)
            .unwrap_or(default_pool)
            .clamp(1, 512),
        log: std::env::var("TROTH_LOG").ok().or(file.log).unwrap_or_else(|| "info".to_string()),
        web,
        file: path,
    })
}

/// An environment variable, or else the file's value; empty counts as unset.
fn env_or(name: &str, file: Option<&String>) -> Option<String> {
    std::env::var(name).ok().or_else(|| file.cloned()).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// The mail relay, when `smtp_host` is set: checked here, so that a typo
/// stops the start with a sentence naming the setting rather than failing
/// quietly at the first email.
fn smtp_settings(file: &FileConfig) -> Result<Option<troth_web::mail::Mailer>, String> {
    use troth_web::mail::{Mailer, SmtpAuth, SmtpSecurity, SmtpSettings};
    let Some(host) = env_or("TROTH_SMTP_HOST", file.smtp_host.as_ref()) else { return Ok(None) };
    let port = match std::env::var("TROTH_SMTP_PORT").ok().filter(|v| !v.trim().is_empty()) {
        Some(v) => v.trim().parse::<u16>().map_err(|_| format!("TROTH_SMTP_PORT {v:?} is not a port number"))?,
        None => file.smtp_port.unwrap_or(0),
    };
    let security = match env_or("TROTH_SMTP_SECURITY", file.smtp_security.as_ref()) {
        Some(s) => Some(
            SmtpSecurity::parse(&s)
                .ok_or_else(|| format!("smtp_security {s:?} is not one of \"none\", \"starttls\" or \"tls\""))?,
        ),
        None => None,
    };
    // The port follows the security when only one is given.
    let port = match (port, security) {
        (0, Some(SmtpSecurity::Tls)) => 465,
        (0, Some(SmtpSecurity::StartTls)) => 587,
        (0, _) => 25,
        (p, _) => p,
    };
    let from = env_or("TROTH_SMTP_FROM", file.smtp_from.as_ref()).unwrap_or_else(|| "troth@localhost".into());
    let user = env_or("TROTH_SMTP_USER", file.smtp_user.as_ref());
    let password_file =
        std::env::var_os("TROTH_SMTP_PASSWORD_FILE").map(PathBuf::from).or_else(|| file.smtp_password_file.clone());
    let password = match (std::env::var("TROTH_SMTP_PASSWORD").ok().or(file.smtp_password.clone()), password_file) {
        (Some(p), _) if !p.is_empty() => Some(p),
        (_, Some(path)) => Some(
            std::fs::read_to_string(&path)
                .map_err(|e| format!("smtp_password_file {}: {e}", path.display()))?
                .trim_end_matches(['\r', '\n'])
                .to_string(),
        ),
        _ => None,
    };
    let auth = match (user, password) {
        (Some(user), Some(password)) => Some(SmtpAuth { user, password }),
        (None, None) => None,
        (Some(_), None) => return Err("smtp_user is set but no smtp_password (or smtp_password_file)".into()),
        (None, Some(_)) => return Err("an SMTP password is set but no smtp_user".into()),
    };
    let timeout_secs = env_parse::<u64>("TROTH_SMTP_TIMEOUT_SECS").or(file.smtp_timeout_secs);
    let defaults = SmtpSettings::new(host.clone(), port, from.clone());
    let settings = SmtpSettings {
        security: security.unwrap_or(defaults.security),
        auth,
        ca_file: std::env::var_os("TROTH_SMTP_CA_FILE").map(PathBuf::from).or_else(|| file.smtp_ca_file.clone()),
        timeout: timeout_secs.map_or(defaults.timeout, |s| std::time::Duration::from_secs(s.clamp(1, 300))),
        ..defaults
    };
    Mailer::new(settings).map(Some)
}

/// The URL with any password replaced, for printing.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let rest = match rest.split_once('@') {
        Some((creds, host)) => match creds.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => rest.to_string(),
        },
        None => rest.to_string(),
    };
    // `?password=…` (or sslpassword) works for PostgreSQL too.
    let rest = match rest.split_once('?') {
        Some((base, query)) => {
            let params: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.to_ascii_lowercase().contains("password") => format!("{k}=***"),
                    _ => kv.to_string(),
                })
                .collect();
            format!("{base}?{}", params.join("&"))
        }
        None => rest,
    };
    format!("{scheme}://{rest}")
}

/// Creates the folder of a SQLite file (owner-only) so the first start just works.
pub fn prepare_sqlite_dir(url: &str) -> std::io::Result<()> {
    match crate::files::sqlite_path(url).as_deref().and_then(Path::parent) {
        Some(parent) => crate::files::create_private_dir_all(parent),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden_in_urls() {
        assert_eq!(redact_url("postgres://troth:s3cret@db:5432/troth"), "postgres://troth:***@db:5432/troth");
        assert_eq!(redact_url("postgres://troth@db/troth"), "postgres://troth@db/troth");
        assert_eq!(redact_url(DEFAULT_DATABASE_URL), DEFAULT_DATABASE_URL);
        assert_eq!(
            redact_url("postgres://troth@db/troth?password=s3cret&sslmode=disable"),
            "postgres://troth@db/troth?password=***&sslmode=disable"
        );
    }

    #[test]
    fn file_values_apply_when_no_flag_or_env_is_given() {
        let dir = std::env::temp_dir().join(format!("troth-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("t.toml");
        std::fs::write(&file, "bind = \"0.0.0.0:9000\"\ninvite_ttl_hours = 5\n").unwrap();
        let o = Overrides { database_url: None, config: Some(file.clone()) };
        let eff = load(&o, &ServeOverrides::default()).unwrap();
        assert_eq!(eff.bind, "0.0.0.0:9000");
        assert_eq!(eff.web.invite_ttl, jiff::SignedDuration::from_hours(5));
        // A flag beats the file.
        let s = ServeOverrides { bind: Some("127.0.0.1:1".into()), ..Default::default() };
        assert_eq!(load(&o, &s).unwrap().bind, "127.0.0.1:1");
        std::fs::write(&file, "bogus = 1\n").unwrap();
        assert!(load(&o, &ServeOverrides::default()).unwrap_err().contains("bogus"));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn mail_settings_are_checked_at_start_with_the_setting_named() {
        use troth_web::mail::SmtpSecurity;
        let dir = std::env::temp_dir().join(format!("troth-smtp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("t.toml");
        let o = Overrides { database_url: None, config: Some(file.clone()) };
        let load_with = |toml: &str| {
            std::fs::write(&file, toml).unwrap();
            load(&o, &ServeOverrides::default())
        };
        // Implicit TLS without a port: 465, and the password from its file.
        let secret = dir.join("smtp-password");
        std::fs::write(&secret, "from a file\n").unwrap();
        let eff = load_with(&format!(
            "smtp_host = \"mail.example.org\"\nsmtp_security = \"tls\"\nsmtp_user = \"troth\"\n\
             smtp_password_file = {:?}\nsmtp_from = \"troth@example.org\"\n",
            secret.display().to_string()
        ))
        .unwrap();
        let mailer = eff.web.smtp.expect("mail is set up");
        let s = mailer.settings();
        assert_eq!((s.port, s.security), (465, SmtpSecurity::Tls));
        assert_eq!(s.auth.as_ref().map(|a| a.password.as_str()), Some("from a file"));
        assert!(!format!("{mailer:?}").contains("from a file"), "the password never shows");
        // A relay on this machine defaults to plain SMTP on 25; elsewhere to STARTTLS.
        let s = load_with("smtp_host = \"localhost\"\n").unwrap().web.smtp.unwrap().settings().clone();
        assert_eq!((s.port, s.security), (25, SmtpSecurity::None));
        let s = load_with("smtp_host = \"mail.example.org\"\nsmtp_port = 587\n").unwrap().web.smtp.unwrap();
        assert_eq!(s.settings().security, SmtpSecurity::StartTls);
        // Mistakes stop the start, naming what to change.
        let cases = [
            ("smtp_host = \"mail.example.org\"\nsmtp_security = \"ssl3\"\n", "smtp_security"),
            ("smtp_host = \"mail.example.org\"\nsmtp_user = \"troth\"\n", "smtp_password"),
            (
                "smtp_host = \"mail.example.org\"\nsmtp_security = \"none\"\nsmtp_user = \"u\"\nsmtp_password = \"p\"\n",
                "in the clear",
            ),
            ("smtp_host = \"localhost\"\nsmtp_from = \"nobody\"\n", "smtp_from"),
            ("smtp_host = \"mail.example.org\"\nsmtp_ca_file = \"/nonexistent/ca.pem\"\n", "smtp_ca_file"),
        ];
        for (toml, named) in cases {
            let err = load_with(toml).unwrap_err();
            assert!(err.contains(named), "{toml}: {err}");
            assert!(!err.contains("\"p\""), "no password in the error: {err}");
        }
        assert!(load_with("bind = \"127.0.0.1:1\"\n").unwrap().web.smtp.is_none());
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_broken_content_dir_stops_the_start_with_every_problem() {
        let dir = std::env::temp_dir().join(format!("troth-content-{}", std::process::id()));
        let content = dir.join("content");
        std::fs::create_dir_all(&content).unwrap();
        let o = Overrides::default();
        // An empty directory adds nothing: the built-in library as is.
        let s = ServeOverrides { content_dir: Some(content.clone()), ..Default::default() };
        let eff = load(&o, &s).unwrap();
        assert_eq!(eff.web.library.exercises().len(), troth_content::Library::embedded().unwrap().exercises().len());
        // A prompt with a level of 9 and a duplicate of a built-in id: both named, with the file.
        let first = troth_content::Library::embedded().unwrap().prompts()[0].id.as_str().to_owned();
        std::fs::write(
            content.join("ours.toml"),
            format!(
                "[[prompt]]\nid = \"{first}\"\ntext = \"Again?\"\ntrust = [\"emotional\"]\nlevel = 1\n\n\
                 [[prompt]]\nid = \"p-ours-high\"\ntext = \"Too high?\"\ntrust = [\"emotional\"]\nlevel = 9\n"
            ),
        )
        .unwrap();
        let err = load(&o, &s).unwrap_err();
        assert!(err.contains("ours.toml") && err.contains(&first), "{err}");
        assert!(err.lines().count() >= 3, "every problem is listed: {err}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
