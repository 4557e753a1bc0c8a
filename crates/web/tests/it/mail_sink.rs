//! A small SMTP sink for the tests: a server on a random loopback port that
//! answers like a relay and keeps what it was given (envelope, message,
//! who logged in, whether the connection was encrypted). It speaks plain
//! SMTP, STARTTLS or implicit TLS with a certificate made for the test, and
//! can demand AUTH PLAIN or LOGIN.

use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::Mutex;
use tokio_rustls::rustls;
use troth_web::mail::{Mailer, SmtpAuth, SmtpSecurity, SmtpSettings};

/// One message as the sink received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The DATA: headers and body, dot-stuffing undone, lines joined by `\n`.
    pub data: String,
    /// Who authenticated, if anyone.
    pub user: Option<String>,
    pub encrypted: bool,
}

impl Received {
    /// The body with quoted-printable soft breaks and escapes undone, for
    /// looking for a link.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let body = self.data.split_once("\n\n").map_or(self.data.as_str(), |(_, b)| b);
        let qp = self.data.to_ascii_lowercase().contains("content-transfer-encoding: quoted-printable");
        if !qp {
            return body.to_string();
        }
        let joined = body.replace("=\n", "");
        let bytes = joined.as_bytes();
        let mut i = 0;
        let mut raw = Vec::new();
        while i < bytes.len() {
            if bytes[i] == b'=' && i + 2 < bytes.len() {
                if let Some(b) =
                    std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    raw.push(b);
                    i += 3;
                    continue;
                }
            }
            raw.push(bytes[i]);
            i += 1;
        }
        out.push_str(&String::from_utf8_lossy(&raw));
        out
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Plain,
    StartTls,
    ImplicitTls,
    /// Accepts the connection and then says nothing at all.
    Silent,
}

pub struct Sink {
    pub port: u16,
    pub mode: Mode,
    pub mails: Arc<Mutex<Vec<Received>>>,
    /// The user and password it demands, if any.
    pub login: Option<(String, String)>,
    /// The certificate (PEM) clients must trust, for the TLS modes.
    pub ca_file: Option<PathBuf>,
    _dir: Option<crate::support::TempDir>,
}

/// A self-signed certificate for 127.0.0.1 and localhost, written to a
/// temporary folder for the client to trust.
fn certificate() -> (rustls::ServerConfig, PathBuf, crate::support::TempDir) {
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    let dir = std::env::temp_dir().join(crate::support::unique("troth-sink-"));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, cert.cert.pem()).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.key_pair.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key)
        .unwrap();
    (config, ca, crate::support::TempDir(dir))
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

impl Sink {
    pub async fn start(mode: Mode, login: Option<(&str, &str)>) -> Sink {
        Sink::start_offering(mode, login, "PLAIN LOGIN").await
    }

    /// A sink that offers only these AUTH mechanisms (e.g. `"LOGIN"`).
    pub async fn start_offering(mode: Mode, login: Option<(&str, &str)>, mechanisms: &'static str) -> Sink {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let login = login.map(|(u, p)| (u.to_string(), p.to_string()));
        let (tls, ca_file, dir) = match mode {
            Mode::StartTls | Mode::ImplicitTls => {
                let (config, ca, dir) = certificate();
                (Some(tokio_rustls::TlsAcceptor::from(Arc::new(config))), Some(ca), Some(dir))
            }
            Mode::Plain | Mode::Silent => (None, None, None),
        };
        let (store, want) = (mails.clone(), login.clone());
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else { return };
                let (store, want, tls) = (store.clone(), want.clone(), tls.clone());
                tokio::spawn(async move {
                    match mode {
                        Mode::Silent => {
                            // Hold the connection open, answering nothing.
                            tokio::time::sleep(std::time::Duration::from_secs(600)).await;
                            drop(sock);
                        }
                        Mode::Plain => {
                            let _ =
                                session(Box::new(sock), false, false, true, &store, want.as_ref(), mechanisms).await;
                        }
                        Mode::ImplicitTls => {
                            let Ok(stream) = tls.unwrap().accept(sock).await else { return };
                            let _ =
                                session(Box::new(stream), true, false, true, &store, want.as_ref(), mechanisms).await;
                        }
                        Mode::StartTls => {
                            if let Ok(Some(plain)) =
                                session(Box::new(sock), false, true, true, &store, want.as_ref(), mechanisms).await
                            {
                                let Ok(stream) = tls.unwrap().accept(plain).await else { return };
                                let _ =
                                    session(Box::new(stream), true, false, false, &store, want.as_ref(), mechanisms)
                                        .await;
                            }
                        }
                    }
                });
            }
        });
        Sink { port, mode, mails, login, ca_file, _dir: dir }
    }

    /// Settings that reach this sink as a client should.
    pub fn settings(&self) -> SmtpSettings {
        let security = match self.mode {
            Mode::Plain | Mode::Silent => SmtpSecurity::None,
            Mode::StartTls => SmtpSecurity::StartTls,
            Mode::ImplicitTls => SmtpSecurity::Tls,
        };
        SmtpSettings {
            security,
            auth: self.login.as_ref().map(|(u, p)| SmtpAuth { user: u.clone(), password: p.clone() }),
            ca_file: self.ca_file.clone(),
            ..SmtpSettings::new("127.0.0.1", self.port, "troth@example.org")
        }
    }

    pub fn mailer(&self) -> Mailer {
        Mailer::new(self.settings()).unwrap()
    }

    pub async fn received(&self) -> Vec<Received> {
        self.mails.lock().await.clone()
    }

    /// What was received, less the account emails (the links that finish
    /// registrations, which apps with mail send for every new person).
    pub async fn nudges(&self) -> Vec<Received> {
        self.received().await.into_iter().filter(|m| !m.data.contains("Subject: Finish creating your troth")).collect()
    }

    /// Waits up to ten seconds for the `n`th nudge (sent in the background).
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            let got = self.nudges().await;
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the sink got {} nudges, not {n}", self.nudges().await.len());
    }
}

/// The old call: a plain sink and what it keeps.
pub async fn plain() -> Sink {
    Sink::start(Mode::Plain, None).await
}

/// One SMTP conversation. Returns the plain stream when the client asked
/// for STARTTLS (and `offer_starttls`), for the caller to wrap in TLS and
/// go on.
async fn session(
    stream: Box<dyn Io>,
    encrypted: bool,
    offer_starttls: bool,
    greet: bool,
    store: &Mutex<Vec<Received>>,
    want: Option<&(String, String)>,
    mechanisms: &str,
) -> std::io::Result<Option<Box<dyn Io>>> {
    let mut io = BufReader::new(stream);
    // Every conversation opens with a greeting, except the encrypted one
    // after STARTTLS, where the client speaks first (EHLO again).
    if greet {
        io.get_mut().write_all(b"220 sink ready\r\n").await?;
    }
    let mut user: Option<String> = None;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if io.read_line(&mut line).await? == 0 {
            return Ok(None);
        }
        let cmd = line.trim_end().to_string();
        let verb = cmd.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        let w = io.get_mut();
        match verb.as_str() {
            "EHLO" | "HELO" => {
                let mut reply = String::from("250-sink\r\n250-8BITMIME\r\n");
                if offer_starttls && !encrypted {
                    reply.push_str("250-STARTTLS\r\n");
                }
                if want.is_some() {
                    reply.push_str(&format!("250-AUTH {mechanisms}\r\n"));
                }
                reply.push_str("250 SMTPUTF8\r\n");
                w.write_all(reply.as_bytes()).await?;
            }
            "STARTTLS" if offer_starttls && !encrypted => {
                w.write_all(b"220 go ahead\r\n").await?;
                return Ok(Some(io.into_inner()));
            }
            "AUTH" => {
                let args: Vec<&str> = cmd.split_whitespace().skip(1).collect();
                let mechanism = args.first().map(|m| m.to_ascii_uppercase()).unwrap_or_default();
                if !mechanisms.split(' ').any(|m| m == mechanism) {
                    io.get_mut().write_all(b"504 mechanism not offered\r\n").await?;
                    continue;
                }
                let (u, p) = match Some(mechanism.as_str()) {
                    Some("PLAIN") => {
                        let b64 = match args.get(1) {
                            Some(b) => b.to_string(),
                            None => {
                                w.write_all(b"334 \r\n").await?;
                                read_line(&mut io).await?
                            }
                        };
                        let raw = base64::engine::general_purpose::STANDARD.decode(b64.trim()).unwrap_or_default();
                        let parts: Vec<String> =
                            raw.split(|b| *b == 0).map(|p| String::from_utf8_lossy(p).into_owned()).collect();
                        (parts.get(1).cloned().unwrap_or_default(), parts.get(2).cloned().unwrap_or_default())
                    }
                    Some("LOGIN") => {
                        let decode = |s: String| {
                            String::from_utf8_lossy(
                                &base64::engine::general_purpose::STANDARD.decode(s.trim()).unwrap_or_default(),
                            )
                            .into_owned()
                        };
                        let u = match args.get(1) {
                            Some(b) => decode(b.to_string()),
                            None => {
                                io.get_mut().write_all(b"334 VXNlcm5hbWU6\r\n").await?;
                                decode(read_line(&mut io).await?)
                            }
                        };
                        io.get_mut().write_all(b"334 UGFzc3dvcmQ6\r\n").await?;
                        let p = decode(read_line(&mut io).await?);
                        (u, p)
                    }
                    _ => {
                        io.get_mut().write_all(b"504 mechanism not offered\r\n").await?;
                        continue;
                    }
                };
                let w = io.get_mut();
                if want.is_some_and(|(wu, wp)| *wu == u && *wp == p) {
                    user = Some(u);
                    w.write_all(b"235 welcome\r\n").await?;
                } else {
                    w.write_all(b"535 wrong user or password\r\n").await?;
                }
            }
            "MAIL" => {
                if want.is_some() && user.is_none() {
                    w.write_all(b"530 log in first\r\n").await?;
                    continue;
                }
                from = angle(&cmd);
                to.clear();
                w.write_all(b"250 ok\r\n").await?;
            }
            "RCPT" => {
                to.push(angle(&cmd));
                w.write_all(b"250 ok\r\n").await?;
            }
            "DATA" => {
                w.write_all(b"354 go on\r\n").await?;
                let mut data = String::new();
                loop {
                    let l = read_line(&mut io).await?;
                    if l == "." {
                        break;
                    }
                    data.push_str(l.strip_prefix('.').unwrap_or(&l));
                    data.push('\n');
                }
                store.lock().await.push(Received {
                    from: from.clone(),
                    to: to.clone(),
                    data,
                    user: user.clone(),
                    encrypted,
                });
                io.get_mut().write_all(b"250 queued\r\n").await?;
            }
            "QUIT" => {
                w.write_all(b"221 bye\r\n").await?;
                return Ok(None);
            }
            "RSET" | "NOOP" => w.write_all(b"250 ok\r\n").await?,
            _ => w.write_all(b"502 not here\r\n").await?,
        }
    }
}

async fn read_line(io: &mut BufReader<Box<dyn Io>>) -> std::io::Result<String> {
    let mut l = String::new();
    if io.read_line(&mut l).await? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(l.trim_end_matches(['\r', '\n']).to_string())
}

/// The address between `<` and `>` in `MAIL FROM:<a>` or `RCPT TO:<a>`.
fn angle(cmd: &str) -> String {
    cmd.split_once('<').and_then(|(_, r)| r.split_once('>')).map(|(a, _)| a.to_string()).unwrap_or_default()
}
