//! Mail: the lettre transport against the local sink (plain, STARTTLS,
//! implicit TLS, AUTH PLAIN and LOGIN, a relay that never answers), and
//! registration by email link.

use std::time::{Duration, Instant};

use troth_web::mail::{MailError, Mailer, SmtpAuth, SmtpSecurity, SmtpSettings};

use crate::mail_sink::{Mode, Sink};

async fn send_one(mailer: &Mailer) -> Result<(), MailError> {
    mailer.send("ana@example.org", "A nudge", "Something is waiting for you.\n\nhttp://127.0.0.1/x\n").await
}

#[tokio::test]
async fn plain_smtp_reaches_a_relay_on_this_machine() {
    let sink = Sink::start(Mode::Plain, None).await;
    send_one(&sink.mailer()).await.unwrap();
    let got = sink.received().await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].from, "troth@example.org");
    assert_eq!(got[0].to, vec!["ana@example.org".to_string()]);
    assert!(got[0].data.contains("Subject: A nudge"), "{}", got[0].data);
    assert!(got[0].text().contains("Something is waiting for you."));
    assert!(!got[0].encrypted);
}

#[tokio::test]
async fn starttls_upgrades_before_logging_in_and_sending() {
    let sink = Sink::start(Mode::StartTls, Some(("relay-user", "s3cret pass"))).await;
    send_one(&sink.mailer()).await.unwrap();
    let got = sink.received().await;
    assert_eq!(got.len(), 1);
    assert!(got[0].encrypted, "the message went over TLS");
    assert_eq!(got[0].user.as_deref(), Some("relay-user"));
}

#[tokio::test]
async fn implicit_tls_with_auth_login() {
    let sink = Sink::start_offering(Mode::ImplicitTls, Some(("relay-user", "pw")), "LOGIN").await;
    send_one(&sink.mailer()).await.unwrap();
    let got = sink.received().await;
    assert_eq!(got.len(), 1);
    assert!(got[0].encrypted);
    assert_eq!(got[0].user.as_deref(), Some("relay-user"));
}

#[tokio::test]
async fn auth_plain_on_loopback_and_a_wrong_password_is_a_refusal() {
    let sink = Sink::start_offering(Mode::Plain, Some(("u", "right")), "PLAIN").await;
    send_one(&sink.mailer()).await.unwrap();
    assert_eq!(sink.received().await[0].user.as_deref(), Some("u"));
    let wrong = SmtpSettings { auth: Some(SmtpAuth { user: "u".into(), password: "wrong".into() }), ..sink.settings() };
    let e = send_one(&Mailer::new(wrong).unwrap()).await.unwrap_err();
    assert_eq!(e, MailError::Refused("535".into()));
    assert!(!e.to_string().contains("wrong"), "the relay's words stay out: {e}");
    assert_eq!(sink.received().await.len(), 1);
}

#[tokio::test]
async fn tls_refuses_a_certificate_nobody_said_to_trust() {
    for mode in [Mode::StartTls, Mode::ImplicitTls] {
        let sink = Sink::start(mode, None).await;
        let untrusted = SmtpSettings { ca_file: None, ..sink.settings() };
        let e = send_one(&Mailer::new(untrusted).unwrap()).await.unwrap_err();
        assert!(matches!(e, MailError::Tls | MailError::Connection), "{mode:?}: {e:?}");
        assert!(sink.received().await.is_empty());
    }
    // STARTTLS required, but the relay does not offer it: nothing is sent in the clear.
    let plain = Sink::start(Mode::Plain, None).await;
    let tls_sink = Sink::start(Mode::StartTls, None).await;
    let demanding =
        SmtpSettings { security: SmtpSecurity::StartTls, ca_file: tls_sink.ca_file.clone(), ..plain.settings() };
    assert!(send_one(&Mailer::new(demanding).unwrap()).await.is_err());
    assert!(plain.received().await.is_empty());
}

#[tokio::test]
async fn a_relay_that_never_answers_costs_one_timeout() {
    let sink = Sink::start(Mode::Silent, None).await;
    let settings = SmtpSettings { timeout: Duration::from_secs(1), ..sink.settings() };
    let started = Instant::now();
    assert_eq!(send_one(&Mailer::new(settings).unwrap()).await.unwrap_err(), MailError::Timeout);
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
}

#[test]
fn a_certificate_file_that_is_not_one_is_named() {
    let dir = std::env::temp_dir().join(crate::support::unique("troth-ca-"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ca.pem");
    std::fs::write(&file, "not a certificate").unwrap();
    let settings = SmtpSettings {
        security: SmtpSecurity::Tls,
        ca_file: Some(file.clone()),
        ..SmtpSettings::new("127.0.0.1", 465, "troth@example.org")
    };
    let e = Mailer::new(settings).unwrap_err();
    assert!(e.contains("smtp_ca_file") && e.contains("ca.pem"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}

// Registration by email ---------------------------------------------------

use std::sync::{Arc, Mutex as StdMutex, OnceLock};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{client, spawn_app_with, unique, Db, TestApp};

/// Everything logged in this test binary, from the moment the first mail
/// test starts (the server runs in-process, so its logs land here too).
fn captured_logs() -> Arc<StdMutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<StdMutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(StdMutex::new(Vec::new()));
        let writer = LogSink(buf.clone());
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        // Another test may have set one first; then these logs go there.
        let _ = tracing::subscriber::set_global_default(subscriber);
        buf
    })
    .clone()
}

#[derive(Clone)]
struct LogSink(Arc<StdMutex<Vec<u8>>>);

impl std::io::Write for LogSink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        let mut buf = self.0.lock().unwrap();
        // Bounded: the whole suite logs here while it runs.
        if buf.len() < 64 << 20 {
            buf.extend_from_slice(b);
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn app_with_mail(db: Db, sink: &Sink) -> TestApp {
    spawn_app_with(db, troth_web::WebConfig { smtp: Some(sink.mailer()), ..Default::default() }).await
}

const PASSWORD: &str = "a long enough secret";

/// Registers over the API; the status and the exact bytes of the answer.
async fn register_api(app: &TestApp, email: &str) -> (StatusCode, Vec<u8>) {
    let res = client()
        .post(app.url("/api/v1/auth/register"))
        .json(&json!({"email": email, "password": PASSWORD, "display_name": "Kim", "time_zone": "Europe/Paris"}))
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("set-cookie").is_none(), "nobody is logged in by registering");
    (res.status(), res.bytes().await.unwrap().to_vec())
}

/// Registers with the form; the status and the page.
async fn register_page(app: &TestApp, email: &str) -> (StatusCode, String) {
    let res = client()
        .post(app.url("/register"))
        .header("origin", app.url(""))
        .form(&[
            ("display_name", "Kim"),
            ("email", email),
            ("password", PASSWORD),
            ("time_zone", "Europe/Paris"),
            ("space_name", "Our place"),
            ("space_kind", "partners"),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("set-cookie").is_none());
    (res.status(), res.text().await.unwrap())
}

/// The messages the sink received for `to`, waiting until there are `n`.
async fn mails_to(sink: &Sink, to: &str, n: usize) -> Vec<crate::mail_sink::Received> {
    for _ in 0..200 {
        let got: Vec<_> = sink.received().await.into_iter().filter(|m| m.to == vec![to.to_string()]).collect();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{to} did not get {n} messages");
}

/// The messages to `to` with this subject, waiting until there are `n`.
async fn mails_about(sink: &Sink, to: &str, subject: &str, n: usize) -> Vec<crate::mail_sink::Received> {
    let header = format!("Subject: {subject}");
    for _ in 0..200 {
        let got: Vec<_> = sink
            .received()
            .await
            .into_iter()
            .filter(|m| m.to == vec![to.to_string()] && m.data.contains(&header))
            .collect();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{to} did not get {n} messages about {subject:?}");
}

/// The secret in a confirmation link of the message.
fn token_in(app: &TestApp, mail: &crate::mail_sink::Received) -> String {
    let text = mail.text();
    let prefix = app.url("/register/confirm/");
    let at = text.find(&prefix).unwrap_or_else(|| panic!("no link in {text}")) + prefix.len();
    text[at..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect()
}

async fn registration_by_mail_case(db: Db) {
    let logs = captured_logs();
    let sink = Sink::start(Mode::Plain, None).await;
    let app = app_with_mail(db, &sink).await;
    let new = format!("{}@example.org", unique("new"));

    // A new address: "check your email", and a link in the mail.
    let (status, first_answer) = register_api(&app, &new).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{}", String::from_utf8_lossy(&first_answer));
    let mail = mails_to(&sink, &new, 1).await;
    assert!(mail[0].data.contains("Subject: Finish creating your troth account"), "{}", mail[0].data);
    let token = token_in(&app, &mail[0]);
    assert_eq!(token.len(), 32, "{token}");
    // Nothing exists yet: no login with the password.
    let login = client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": new, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::UNAUTHORIZED, "no account before the link is followed");
    // Only the hash of the secret is stored.
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM email_links WHERE email = $1")
        .bind(&new)
        .fetch_all(app.store.pool())
        .await
        .unwrap();
    assert_eq!(stored, vec![troth_store::secret::hash_secret(&token)]);

    // The link opens a page asking for the password; a wrong one makes nothing.
    let page = client().get(app.url(&format!("/register/confirm/{token}"))).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Finish creating your account"));
    let wrong = client()
        .post(app.url("/api/v1/auth/register/confirm"))
        .json(&json!({"token": token, "password": "not the one chosen"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The right one (the page's form, as a browser sends it): the account, logged in.
    let browser = client();
    let done = browser
        .post(app.url("/register/confirm"))
        .header("origin", app.url(""))
        .form(&[("token", token.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::SEE_OTHER, "{:?}", done.text().await);
    let me: Value = browser.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["email"], new.as_str());
    assert_eq!(me["display_name"], "Kim");
    assert_eq!(me["time_zone"], "Europe/Paris");

    // Once only.
    let again = client()
        .post(app.url("/api/v1/auth/register/confirm"))
        .json(&json!({"token": token, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);

    // Registering the address that now has an account answers exactly as
    // for an address that has none, over the API and with the form.
    let other_new = format!("{}@example.org", unique("other"));
    let (s_taken, b_taken) = register_api(&app, &new).await;
    let (s_new, b_new) = register_api(&app, &other_new).await;
    assert_eq!((s_taken, &b_taken), (StatusCode::ACCEPTED, &first_answer));
    assert_eq!((s_new, &b_new), (StatusCode::ACCEPTED, &first_answer));
    let third_new = format!("{}@example.org", unique("third"));
    let (ps_taken, page_taken) = register_page(&app, &new).await;
    let (ps_new, page_new) = register_page(&app, &third_new).await;
    assert_eq!(ps_taken, StatusCode::OK);
    assert_eq!((ps_taken, &page_taken), (ps_new, &page_new), "the same page, byte for byte");
    assert!(page_new.contains("Check your email"));

    // The owner hears of it, with no link that makes anything.
    let owner_mail = mails_to(&sink, &new, 3).await;
    let notices: Vec<_> =
        owner_mail.iter().filter(|m| m.data.contains("Subject: Someone tried to register with your address")).collect();
    assert_eq!(notices.len(), 2, "one notice per attempt (API and form)");
    assert!(notices[0].text().contains(&app.url("/login")));
    assert!(!notices[0].text().contains("/register/confirm/"));

    // A link followed from the form's registration makes the first space too.
    let third_mail = mails_to(&sink, &third_new, 1).await;
    let third_token = token_in(&app, &third_mail[0]);
    let third = client();
    let made = third
        .post(app.url("/api/v1/auth/register/confirm"))
        .json(&json!({"token": third_token, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), StatusCode::CREATED);
    let spaces: Vec<Value> = third.get(app.url("/api/v1/pairs")).send().await.unwrap().json().await.unwrap();
    assert_eq!(spaces.len(), 1);
    assert_eq!(spaces[0]["name"], "Our place");

    // An expired link is refused, and stays so.
    let other_mail = mails_to(&sink, &other_new, 1).await;
    let other_token = token_in(&app, &other_mail[0]);
    sqlx::query("UPDATE email_links SET expires_at = $1 WHERE email = $2")
        .bind((jiff::Timestamp::now() - jiff::SignedDuration::from_mins(1)).as_millisecond())
        .bind(&other_new)
        .execute(app.store.pool())
        .await
        .unwrap();
    for _ in 0..2 {
        let late = client()
            .post(app.url("/api/v1/auth/register/confirm"))
            .json(&json!({"token": other_token, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(late.status(), StatusCode::GONE);
    }

    // Neither the links' secrets nor the addresses were logged.
    let logged = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    assert!(logged.contains("request"), "the capture works: {} bytes", logged.len());
    for secret in [&token, &third_token, &other_token, &new, &other_new, &third_new] {
        assert!(!logged.contains(secret.as_str()), "{secret} is in the log");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_with_mail_tells_nobody_who_has_an_account() {
    for db in crate::support::backends() {
        registration_by_mail_case(db).await;
    }
}

/// A relay that never answers: registration still answers at once, and
/// the mail gives up on its own time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_relay_never_holds_a_registration() {
    let sink = Sink::start(Mode::Silent, None).await;
    let app = app_with_mail(Db::Sqlite, &sink).await;
    let started = Instant::now();
    let (status, _) = register_api(&app, &format!("{}@example.org", unique("slow"))).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
}

// Password reset by email -------------------------------------------------

async fn reset_request(app: &TestApp, email: &str) -> (StatusCode, Vec<u8>) {
    let res =
        client().post(app.url("/api/v1/auth/password-reset")).json(&json!({ "email": email })).send().await.unwrap();
    (res.status(), res.bytes().await.unwrap().to_vec())
}

fn reset_token_in(app: &TestApp, mail: &crate::mail_sink::Received) -> String {
    let text = mail.text();
    let prefix = app.url("/password-reset/");
    let at = text.find(&prefix).unwrap_or_else(|| panic!("no reset link in {text}")) + prefix.len();
    text[at..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect()
}

async fn password_reset_case(db: Db) {
    let logs = captured_logs();
    let sink = Sink::start(Mode::Plain, None).await;
    let app = app_with_mail(db, &sink).await;
    // An account with a session and a token that the reset must end.
    let ana = app.register("Ana").await;
    let token: Value = ana.post_json("/api/v1/auth/tokens", json!({"name": "script"})).await.json().await.unwrap();
    let bearer = token["token"].as_str().unwrap().to_string();

    // The same answer for an account and for nobody; mail only to the account.
    let nobody = format!("{}@example.org", unique("nobody"));
    let (s_ana, b_ana) = reset_request(&app, &ana.email).await;
    let (s_nobody, b_nobody) = reset_request(&app, &nobody).await;
    assert_eq!(s_ana, StatusCode::ACCEPTED);
    assert_eq!((s_ana, &b_ana), (s_nobody, &b_nobody));
    const RESET: &str = "Set a new password for troth";
    let mail = mails_about(&sink, &ana.email, RESET, 1).await;
    let secret = reset_token_in(&app, &mail[0]);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        sink.received().await.iter().all(|m| m.to != vec![nobody.clone()]),
        "no mail to an address without an account"
    );

    // The link's page, then the new password: logged in, everything else ended.
    let page = client().get(app.url(&format!("/password-reset/{secret}"))).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let browser = client();
    let done = browser
        .post(app.url("/password-reset/confirm"))
        .header("origin", app.url(""))
        .form(&[("token", secret.as_str()), ("password", "a brand new passphrase")])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::SEE_OTHER, "{:?}", done.text().await);
    assert_eq!(browser.get(app.url("/api/v1/me")).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(ana.get("/api/v1/me").await.status(), StatusCode::UNAUTHORIZED, "the old session ended");
    let with_token = client().get(app.url("/api/v1/me")).bearer_auth(&bearer).send().await.unwrap();
    assert_eq!(with_token.status(), StatusCode::UNAUTHORIZED, "the access token ended");
    let login = |password: &'static str| {
        let (app, email) = (&app, ana.email.clone());
        async move {
            client()
                .post(app.url("/api/v1/auth/login"))
                .json(&json!({"email": email, "password": password}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(login("a brand new passphrase").await, StatusCode::OK);
    assert_eq!(login("correct horse battery").await, StatusCode::UNAUTHORIZED);

    // Once only; an expired link is refused.
    let again = client()
        .post(app.url("/api/v1/auth/password-reset/confirm"))
        .json(&json!({"token": secret, "new_password": "yet another passphrase"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    assert_eq!(reset_request(&app, &ana.email).await.0, StatusCode::ACCEPTED);
    let mail = mails_about(&sink, &ana.email, RESET, 2).await;
    let second = reset_token_in(&app, &mail[1]);
    sqlx::query("UPDATE email_links SET expires_at = $1 WHERE email = $2")
        .bind((jiff::Timestamp::now() - jiff::SignedDuration::from_mins(1)).as_millisecond())
        .bind(&ana.email)
        .execute(app.store.pool())
        .await
        .unwrap();
    let late = client()
        .post(app.url("/api/v1/auth/password-reset/confirm"))
        .json(&json!({"token": second, "new_password": "yet another passphrase"}))
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), StatusCode::GONE);
    assert_eq!(login("a brand new passphrase").await, StatusCode::OK, "the expired link changed nothing");

    // Per account: past three links, the same answer and no more mail.
    for _ in 0..3 {
        assert_eq!(reset_request(&app, &ana.email).await.0, StatusCode::ACCEPTED);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let resets = sink
        .received()
        .await
        .into_iter()
        .filter(|m| m.to == vec![ana.email.clone()] && m.data.contains("Set a new password"))
        .count();
    assert_eq!(resets, 3, "two earlier links, then one more before the account waits");

    let logged = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    for s in [&secret, &second, &ana.email, &nobody] {
        assert!(!logged.contains(s.as_str()), "{s} is in the log");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_is_reset_by_an_emailed_link_once() {
    for db in crate::support::backends() {
        password_reset_case(db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_mail_there_is_no_reset_and_registration_answers_at_once() {
    let app = crate::support::spawn_app(Db::Sqlite).await;
    let (status, _) = reset_request(&app, "ana@example.org").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let login = client().get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(!login.contains("/password-reset"), "no reset link offered without mail");
    let email = format!("{}@example.org", unique("now"));
    let res = client()
        .post(app.url("/api/v1/auth/register"))
        .json(&json!({"email": email, "password": PASSWORD, "display_name": "Kim"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(res.headers().get("set-cookie").is_some(), "made and logged in at once");
}

/// A partner's action that emails the other (a promise confirmed) answers
/// at once even when the relay never does: the email waits, not the action.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_relay_never_holds_an_action_that_emails() {
    let sink = Sink::start(Mode::Silent, None).await;
    let app = app_with_mail(Db::Sqlite, &sink).await;
    let (a, b, sid) = app.pair().await;
    let settings = json!({"notify_due_app": true, "notify_due_email": true, "notify_confirmed_app": true, "notify_confirmed_email": true, "notify_ritual_app": true, "notify_ritual_email": false, "commitment_threshold": 5});
    assert_eq!(a.put_json("/api/v1/me/settings", settings).await.status(), StatusCode::OK);
    let due = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(30)).to_string();
    let p: Value = a
        .post_json(&format!("/api/v1/pairs/{sid}/promises"), json!({"text": "Call the plumber", "due": due}))
        .await
        .json()
        .await
        .unwrap();
    let pid = p["id"].as_str().unwrap();
    let actions = format!("/api/v1/pairs/{sid}/promises/{pid}/actions");
    assert_eq!(a.post_json(&actions, json!({"action": "claim"})).await.status(), StatusCode::OK);
    let started = Instant::now();
    assert_eq!(b.post_json(&actions, json!({"action": "confirm"})).await.status(), StatusCode::OK);
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
}
