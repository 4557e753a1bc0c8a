//! `troth`: the one binary. `troth serve` runs the web app; the other
//! commands look after the database and the data people keep in it.

mod config;
mod demo;
mod files;

use std::io::{BufRead, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::{Parser, Subcommand};
use config::{Overrides, ServeOverrides};
use troth_domain::{Email, Password};
use troth_store::{SqlStore, Store, StoreOptions};

#[derive(Parser)]
#[command(name = "troth", version, about = "A private space for two people to build and rebuild trust.")]
struct Cli {
    #[command(flatten)]
    overrides: Overrides,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (SQLite in ./troth-data by default)
    Serve {
        #[command(flatten)]
        serve: ServeOverrides,
    },
    /// Apply pending database migrations
    Migrate,
    /// Write a consistent copy of the SQLite database while troth runs
    Backup { file: PathBuf },
    /// Replace the SQLite database with a backup (stop the server first)
    Restore {
        file: PathBuf,
        /// Overwrite the current database
        #[arg(long)]
        force: bool,
    },
    /// Print everything one person may take with them, as JSON
    Export {
        #[arg(long)]
        email: String,
        /// Write to this new file (owner-only) instead of standard output
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Fill the database with two demo partners and months of history
    Demo,
    /// The writing coach, offline: reads the message on standard input
    Coach {
        #[command(subcommand)]
        mode: CoachCommand,
    },
    /// Manage accounts
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// Print the effective configuration (secrets hidden)
    Config {
        #[command(flatten)]
        serve: ServeOverrides,
    },
}

#[derive(Subcommand)]
enum CoachCommand {
    /// Start-up, reply and contempt analysis together
    Check(CoachArgs),
    /// Is it a genuine apology?
    Apology(CoachArgs),
}

#[derive(clap::Args)]
struct CoachArgs {
    /// Print the analysis as one JSON object
    #[arg(long)]
    json: bool,
    /// Read one JSON object per line ({"text": ...}), write one analysis per line
    #[arg(long, conflicts_with = "json")]
    jsonl: bool,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Set a new password (read from standard input) and end all sessions
    ResetPassword {
        #[arg(long)]
        email: String,
    },
}

fn main() -> ExitCode {
    // Diaries, backups and SQLite's own side files: owner-only from birth.
    files::restrict_new_files();
    let cli = Cli::parse();
    // The coach needs no database and no runtime.
    if let Command::Coach { mode } = &cli.command {
        return run_coach(mode);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("troth: {message}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(filter: &str) {
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
}

async fn open_store(eff: &config::Effective) -> Result<SqlStore, String> {
    config::prepare_sqlite_dir(&eff.database_url).map_err(|e| format!("cannot create the data folder: {e}"))?;
    let sqlite_file = files::sqlite_path(&eff.database_url);
    if let Some(db) = &sqlite_file {
        // Held until exit: `restore` refuses while any troth has it open.
        files::hold_in_use_lock(db)?;
    }
    let mut opts = StoreOptions::new(&eff.database_url);
    opts.max_connections = eff.max_connections;
    let store = SqlStore::connect(&opts)
        .await
        .map_err(|e| format!("cannot open the database {}: {e}", config::redact_url(&eff.database_url)))?;
    if let Some(db) = &sqlite_file {
        files::tighten_database_files(db);
    }
    Ok(store)
}

async fn run(cli: Cli) -> Result<(), String> {
    let no_serve = ServeOverrides::default();
    let serve_overrides = match &cli.command {
        Command::Serve { serve } | Command::Config { serve } => serve,
        _ => &no_serve,
    };
    let eff = config::load(&cli.overrides, serve_overrides)?;
    match cli.command {
        Command::Serve { .. } => {
            init_logging(&eff.log);
            serve(eff).await
        }
        Command::Migrate => {
            init_logging(&eff.log);
            let store = open_store(&eff).await?;
            let (known, current) = store.schema_versions().await.map_err(|e| e.to_string())?;
            println!("database schema at version {current} (this build knows {known})");
            store.close().await;
            Ok(())
        }
        Command::Backup { file } => {
            let store = open_store(&eff).await?;
            store.backup_to(&file).await.map_err(|e| e.to_string())?;
            store.close().await;
            println!("backup written to {}", file.display());
            Ok(())
        }
        Command::Restore { file, force } => restore(&eff, &file, force).await,
        Command::Export { email, output } => {
            let store = open_store(&eff).await?;
            let email = Email::parse(&email).map_err(|e| e.to_string())?;
            let creds = store
                .credentials_by_email(&email)
                .await
                .map_err(|e| e.to_string())?
                .ok_or("no account with that email")?;
            let export = store.export_user(creds.user_id).await.map_err(|e| e.to_string())?;
            let json = serde_json::to_string_pretty(&export).map_err(|e| e.to_string())?;
            match output {
                Some(path) => files::write_new_private(&path, format!("{json}\n").as_bytes())
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
                None => println!("{json}"),
            }
            store.close().await;
            Ok(())
        }
        Command::Demo => {
            let store = open_store(&eff).await?;
            let summary = demo::fill(&store, &eff.web).await?;
            store.close().await;
            println!("{summary}");
            Ok(())
        }
        Command::User { action: UserCommand::ResetPassword { email } } => {
            let store = open_store(&eff).await?;
            let email = Email::parse(&email).map_err(|e| e.to_string())?;
            let creds = store
                .credentials_by_email(&email)
                .await
                .map_err(|e| e.to_string())?
                .ok_or("no account with that email")?;
            eprintln!("new password (8 to 128 characters), then Enter:");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).map_err(|e| e.to_string())?;
            let password = Password::parse(line.trim_end_matches(['\r', '\n'])).map_err(|e| e.to_string())?;
            let hash = troth_web::hash_password(password.expose(), &eff.web.password).map_err(|e| e.to_string())?;
            store.set_password_hash(creds.user_id, &hash).await.map_err(|e| e.to_string())?;
            let ended = store.end_sessions_except(creds.user_id, None).await.map_err(|e| e.to_string())?;
            let tokens = store.end_tokens(creds.user_id).await.map_err(|e| e.to_string())?;
            // A reset link emailed earlier would undo this: it ends too.
            store.end_email_links(email.as_str()).await.map_err(|e| e.to_string())?;
            store.close().await;
            println!("password changed; {ended} session(s) and {tokens} access token(s) ended");
            Ok(())
        }
        Command::Config { .. } => {
            let w = &eff.web;
            println!("# effective configuration (flags > TROTH_* environment > file > defaults)");
            println!(
                "config_file = {:?}",
                eff.file.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "(none)".into())
            );
            println!("database_url = {:?}", config::redact_url(&eff.database_url));
            println!("bind = {:?}", eff.bind);
            println!("public_url = {:?}", w.public_url);
            println!("secure_cookies = {}", w.secure_cookies);
            println!("trust_proxy = {}", w.trust_proxy);
            println!("max_connections = {}", eff.max_connections);
            println!("session_idle_hours = {}", w.session_idle.as_secs() / 3600);
            println!("session_absolute_days = {}", w.session_absolute.as_secs() / 86400);
            println!("invite_ttl_hours = {}", w.invite_ttl.as_secs() / 3600);
            println!("password_memory_kib = {}", w.password.memory_kib);
            println!("password_iterations = {}", w.password.iterations);
            println!("max_body_kib = {}", w.max_body_bytes / 1024);
            println!("log = {:?}", eff.log);
            match &w.smtp {
                Some(m) => {
                    let s = m.settings();
                    println!(
                        "smtp = {:?} (port {}, {}, from {:?}, {}, timeout {} s{})",
                        s.host,
                        s.port,
                        s.security.as_str(),
                        s.from,
                        // The user name only: the password is never printed.
                        s.auth.as_ref().map_or_else(|| "no login".to_string(), |a| format!("login as {:?}", a.user)),
                        s.timeout.as_secs(),
                        s.ca_file.as_ref().map(|p| format!(", also trusting {}", p.display())).unwrap_or_default()
                    )
                }
                None => println!("smtp = (off: reminders in the app only; registration answers at once)"),
            }
            Ok(())
        }
        Command::Coach { .. } => unreachable!("handled before the runtime starts"),
    }
}

async fn serve(eff: config::Effective) -> Result<(), String> {
    let started = Instant::now();
    let store = open_store(&eff).await?;
    let listener =
        tokio::net::TcpListener::bind(&eff.bind).await.map_err(|e| format!("cannot listen on {}: {e}", eff.bind))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    // Before anything uses it (the reminders' email links too): the public
    // URL, or the loopback address; a reachable server without one stops here.
    let mut web = eff.web;
    let derived = web.public_url.trim().is_empty();
    web.settle_public_url(addr)?;
    if derived {
        tracing::info!(
            public_url = %web.public_url,
            "no public_url set: links use this loopback address (set public_url when people reach troth through a proxy)"
        );
    }
    let store: Arc<dyn Store> = Arc::new(store);
    tracing::info!(
        backend = store.backend().name(),
        ready_ms = started.elapsed().as_millis() as u64,
        "troth is listening"
    );
    println!("troth is running at http://{addr}  (database: {})", config::redact_url(&eff.database_url));
    troth_web::reminders::spawn(store.clone(), web.clone());
    let closing = store.clone();
    troth_web::launch(listener, store, web, shutdown_signal()).await.map_err(|e| e.to_string())?;
    closing.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}

async fn restore(eff: &config::Effective, file: &std::path::Path, force: bool) -> Result<(), String> {
    let target =
        files::sqlite_path(&eff.database_url).ok_or("restore works on a SQLite file; for PostgreSQL use pg_restore")?;
    // Check the backup is a troth database before touching anything.
    files::check_sqlite_file(file)?;
    let probe = SqlStore::connect(&StoreOptions {
        url: format!("sqlite://{}?mode=ro", file.display()),
        max_connections: 1,
        migrate: false,
        durable: true,
    })
    .await
    .map_err(|e| format!("{} is not a readable SQLite file: {e}", file.display()))?;
    let versions = probe.schema_versions().await.map_err(|_| format!("{} is not a troth backup", file.display()))?;
    // A damaged file (cut short, bytes changed) can still answer the query
    // above; the structural check reads every page.
    let problems = probe.integrity_problems().await;
    probe.close().await;
    match problems {
        Ok(problems) if problems.is_empty() => {}
        Ok(problems) => {
            return Err(format!(
                "{} is damaged ({}); nothing was restored",
                file.display(),
                problems.into_iter().take(3).collect::<Vec<_>>().join("; ")
            ))
        }
        Err(e) => return Err(format!("{} is damaged ({e}); nothing was restored", file.display())),
    }
    if versions.1 > versions.0 {
        return Err(format!(
            "{} comes from a newer troth (schema version {}, this one knows {}); nothing was restored",
            file.display(),
            versions.1,
            versions.0
        ));
    }
    if let Some(parent) = target.parent() {
        files::create_private_dir_all(parent).map_err(|e| e.to_string())?;
    }
    // Replacing the file under a running server corrupts what it has open.
    let _exclusive = files::lock_for_replacement(&target)?;
    if target.exists() && !force {
        return Err(format!("{} exists; stop the server and pass --force to replace it", target.display()));
    }
    files::replace_database(file, &target).map_err(|e| format!("cannot restore to {}: {e}", target.display()))?;
    println!("restored {} (schema version {}) to {}", file.display(), versions.1, target.display());
    Ok(())
}

fn run_coach(mode: &CoachCommand) -> ExitCode {
    let (args, is_apology) = match mode {
        CoachCommand::Check(a) => (a, false),
        CoachCommand::Apology(a) => (a, true),
    };
    let coach = troth_coach::Coach::shared_english();
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    if args.jsonl {
        let batch_mode = if is_apology { troth_coach::Mode::Apology } else { troth_coach::Mode::Check };
        let out = std::io::BufWriter::new(stdout.lock());
        return match troth_coach::run_jsonl(coach, batch_mode, stdin.lock(), out) {
            Ok(_) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("troth coach: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let mut text = String::new();
    if let Err(e) = stdin.lock().take(1 << 20).read_to_string(&mut text) {
        eprintln!("troth coach: cannot read standard input: {e}");
        return ExitCode::FAILURE;
    }
    let result = if is_apology {
        coach.apology(&text).map(|a| (serde_json::to_value(&a), a.verdict.to_string(), a.findings, a.suggestion))
    } else {
        coach.check(&text).map(|a| (serde_json::to_value(&a), a.verdict.to_string(), a.findings, a.suggestion))
    };
    let mut out = stdout.lock();
    match result {
        Ok((json, verdict, findings, suggestion)) => {
            if args.json {
                let _ = writeln!(out, "{}", json.map(|v| v.to_string()).unwrap_or_default());
            } else {
                let _ = writeln!(out, "verdict: {verdict}");
                for f in &findings {
                    if f.excerpt.is_empty() {
                        let _ = writeln!(out, "- {}", f.message);
                    } else {
                        let _ = writeln!(out, "- \"{}\": {}", f.excerpt, f.message);
                    }
                }
                if let Some(s) = suggestion {
                    let _ = writeln!(out, "try: {s}");
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            if args.json {
                let _ = writeln!(out, "{}", serde_json::json!({"error": {"code": e.code(), "message": e.to_string()}}));
            } else {
                eprintln!("troth coach: {e}");
            }
            ExitCode::from(2)
        }
    }
}
