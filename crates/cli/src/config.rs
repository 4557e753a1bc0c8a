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
    /// Database: sqlite://path?mode=rwc (default ./troth-data/troth.db) or postgres://user@host/db
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
        smtp: std::env::var("TROTH_SMTP_HOST").ok().or(file.smtp_host.clone()).filter(|h| !h.is_empty()).map(|host| {
            troth_web::mail::SmtpConfig {
                host,
                port: env_parse("TROTH_SMTP_PORT").or(file.smtp_port).unwrap_or(25),
                from: std::env::var("TROTH_SMTP_FROM")
                    .ok()
                    .or(file.smtp_from.clone())
                    .unwrap_or_else(|| "troth@localhost".into()),
            }
        }),
        max_body_bytes: env_parse::<usize>("TROTH_MAX_BODY_KIB")
            .or(file.max_body_kib)
            .map_or(defaults.max_body_bytes, |k| k.clamp(16, 4096) * 1024),
    };
    let database_url = o.database_url.clone().or(file.database_url).unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
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

/// Creates the folder of a SQLite file so the first start just works.
pub fn prepare_sqlite_dir(url: &str) -> std::io::Result<()> {
    if let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        let path = rest.split('?').next().unwrap_or("");
        if !path.is_empty() && path != ":memory:" {
            if let Some(parent) = Path::new(path).parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent)?;
                }
            }
        }
    }
    Ok(())
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
}
