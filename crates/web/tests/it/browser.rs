//! Journeys in real Chromium, driven over WebDriver (chromedriver) from the
//! test suite. Screenshots land in `test-artifacts/` at the workspace root.
//!
//! Needs `TROTH_TEST_CHROMIUM` and `TROTH_TEST_CHROMEDRIVER` (or Debian's
//! /usr/bin/chromium and /usr/bin/chromedriver). Without them the journeys
//! are skipped, except under `CI`, where they fail.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};

use crate::support::{spawn_app, Db, TestApp};

fn tool(var: &str, default: &str) -> Option<String> {
    let path = std::env::var(var).unwrap_or_else(|_| default.to_string());
    std::path::Path::new(&path).exists().then_some(path)
}

fn browser_tools() -> Option<(String, String)> {
    match (tool("TROTH_TEST_CHROMIUM", "/usr/bin/chromium"), tool("TROTH_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")) {
        (Some(c), Some(d)) => Some((c, d)),
        _ if std::env::var_os("CI").is_some() => panic!("CI is set but Chromium or chromedriver is missing"),
        _ => {
            eprintln!("note: Chromium/chromedriver not found; browser journeys skipped");
            None
        }
    }
}

pub fn artifacts_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
    http: reqwest::Client,
    chromium: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // chromedriver leads its own process group; ending the group also
        // ends the browsers it started, even when a test panicked before
        // closing its session.
        let _ = Command::new("kill").arg("-KILL").arg(format!("-{}", self.child.id())).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    async fn start(chromium: String, driver: String) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = Command::new(driver)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..100 {
            if let Ok(res) = http.get(format!("{url}/status")).send().await {
                if res.json::<Value>().await.map(|v| v["value"]["ready"] == true).unwrap_or(false) {
                    return Driver { child, url, http, chromium };
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("chromedriver did not become ready");
    }

    async fn session(&self, width: u32, height: u32) -> Browser {
        let profile = std::env::temp_dir().join(crate::support::unique("troth-chrome-"));
        let args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            format!("--user-data-dir={}", profile.display()),
            format!("--window-size={width},{height}"),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": self.chromium, "args": args}
        }}});
        let res: Value =
            self.http.post(format!("{}/session", self.url)).json(&caps).send().await.unwrap().json().await.unwrap();
        let id = res["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {res}")).to_string();
        Browser { base: format!("{}/session/{id}", self.url), http: self.http.clone(), profile }
    }
}

pub struct Browser {
    base: String,
    http: reqwest::Client,
    profile: PathBuf,
}

impl Browser {
    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res: Value = req.send().await.unwrap().json().await.unwrap();
        if res["value"].get("error").is_some() {
            panic!("webdriver {path}: {}", res["value"]);
        }
        res["value"].clone()
    }
    async fn post(&self, path: &str, body: Value) -> Value {
        self.cmd(reqwest::Method::POST, path, Some(body)).await
    }
    async fn get(&self, path: &str) -> Value {
        self.cmd(reqwest::Method::GET, path, None).await
    }

    pub async fn goto(&self, url: &str) {
        self.post("/url", json!({"url": url})).await;
    }
    pub async fn url(&self) -> String {
        self.get("/url").await.as_str().unwrap().to_string()
    }
    pub async fn title(&self) -> String {
        self.get("/title").await.as_str().unwrap().to_string()
    }
    pub async fn source(&self) -> String {
        self.get("/source").await.as_str().unwrap().to_string()
    }
    async fn find(&self, css: &str) -> String {
        // Pages render on the server, but give navigation a moment to settle.
        for _ in 0..50 {
            let res: Value = self
                .http
                .post(format!("{}/element", self.base))
                .json(&json!({"using": "css selector", "value": css}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if let Some(obj) = res["value"].as_object() {
                if let Some(id) = obj.values().next().and_then(|v| v.as_str()) {
                    if !obj.contains_key("error") {
                        return id.to_string();
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no element {css} on {}", self.url().await);
    }
    /// Finds `css` and runs `act` on it, again if the page changed under it
    /// (a navigation still settling makes elements stale).
    async fn on_element(&self, css: &str, method: reqwest::Method, suffix: &str, body: Option<Value>) -> Value {
        for _ in 0..30 {
            let el = self.find(css).await;
            let mut req = self.http.request(method.clone(), format!("{}/element/{el}{suffix}", self.base));
            if let Some(b) = &body {
                req = req.json(b);
            }
            let res: Value = req.send().await.unwrap().json().await.unwrap();
            match res["value"].get("error").and_then(|e| e.as_str()) {
                None => return res["value"].clone(),
                Some("stale element reference") => tokio::time::sleep(Duration::from_millis(100)).await,
                Some(other) => panic!("webdriver {suffix} on {css}: {other}: {}", res["value"]["message"]),
            }
        }
        panic!("{css} kept going stale");
    }
    pub async fn fill(&self, css: &str, text: &str) {
        self.on_element(css, reqwest::Method::POST, "/clear", Some(json!({}))).await;
        self.on_element(css, reqwest::Method::POST, "/value", Some(json!({"text": text}))).await;
    }
    pub async fn click(&self, css: &str) {
        self.on_element(css, reqwest::Method::POST, "/click", Some(json!({}))).await;
    }
    pub async fn value(&self, css: &str) -> String {
        self.on_element(css, reqwest::Method::GET, "/property/value", None).await.as_str().unwrap_or("").to_string()
    }
    pub async fn text(&self, css: &str) -> String {
        self.on_element(css, reqwest::Method::GET, "/text", None).await.as_str().unwrap_or("").to_string()
    }
    pub async fn wait_for_url(&self, fragment: &str) -> String {
        for _ in 0..50 {
            let url = self.url().await;
            if url.contains(fragment) {
                return url;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("never reached a URL with {fragment}; at {}", self.url().await);
    }
    /// Waits until the page shows `needle` (a click that posts to the page
    /// the browser is already on leaves the URL unchanged, so the URL cannot
    /// tell the new page from the old one).
    pub async fn wait_for_text(&self, needle: &str) -> String {
        for _ in 0..50 {
            let page = self.source().await;
            if page.contains(needle) {
                return page;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("never showed {needle:?} at {}", self.url().await);
    }
    pub async fn press_shift_three_times(&self) {
        let mut actions = Vec::new();
        for _ in 0..3 {
            actions.push(json!({"type": "keyDown", "value": "\u{E008}"}));
            actions.push(json!({"type": "keyUp", "value": "\u{E008}"}));
        }
        self.post("/actions", json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})).await;
    }
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let data = self.get("/screenshot").await;
        let png = base64::engine::general_purpose::STANDARD.decode(data.as_str().unwrap()).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a real PNG");
        let path = artifacts_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }
    pub async fn close(self) {
        let _ = self.http.delete(&self.base).send().await;
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

async fn register(b: &Browser, app: &TestApp, name: &str, email: &str) {
    b.goto(&app.url("/register")).await;
    b.fill("#display_name", name).await;
    b.fill("#email", email).await;
    b.fill("#password", "a long passphrase").await;
    b.fill("#time_zone", "Europe/Paris").await;
    b.click("button[type=submit]").await;
}

/// Two people, two browsers: A makes a space and an invite, B joins with
/// the link after registering, and both see the shared space.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_partners_meet_in_a_space() {
    let Some((chromium, driver)) = browser_tools() else { return };
    let app = spawn_app(Db::Sqlite).await;
    let driver = Driver::start(chromium, driver).await;
    let a = driver.session(1280, 900).await;
    let b = driver.session(390, 844).await;
    let a_email = format!("{}@example.org", crate::support::unique("ana"));
    let b_email = format!("{}@example.org", crate::support::unique("bo"));

    register(&a, &app, "Ana", &a_email).await;
    a.wait_for_url("/spaces").await;
    a.fill("#name", "Ana and Bo").await;
    a.click("form[action='/spaces'] button[type=submit]").await;
    let home = a.wait_for_url("/spaces/").await;
    assert!(a.source().await.contains("just you for now"));
    a.screenshot("01-space-home-alone").await;
    a.click("a[href$='/invite'].button").await;
    a.wait_for_url("/invite").await;
    a.click("form[action$='/invite'] button[type=submit]").await;
    let link = a.value("#invite-link").await;
    assert!(link.starts_with(&app.base) && link.contains("/join/"), "{link}");
    a.screenshot("02-invite-link").await;

    b.goto(&link).await;
    assert!(b.source().await.contains("Join Ana and Bo"));
    b.click("a[href^='/register']").await;
    b.wait_for_url("/register").await;
    b.fill("#display_name", "Bo").await;
    b.fill("#email", &b_email).await;
    b.fill("#password", "another long passphrase").await;
    b.click("button[type=submit]").await;
    // The register URL carries `next=/join/…` too, so wait for the join page itself.
    b.wait_for_text("Join as Bo").await;
    b.click("form button[type=submit].primary").await;
    b.wait_for_url("/spaces/").await;
    assert!(b.source().await.contains("you and Ana"));
    b.screenshot("03-partner-joined-phone").await;

    a.goto(&home).await;
    assert!(a.source().await.contains("you and Bo"));

    // A sealed exchange: B sees that A wrote, not what, until B writes too.
    a.goto(&format!("{home}/notes")).await;
    a.fill("#title", "A worry").await;
    a.fill("#body", "I worry about the move.").await;
    a.click("input[name=visibility][value=sealed]").await;
    a.click("form[action$='/notes'] button[type=submit]").await;
    let note_url = a.wait_for_url("/notes/").await;
    b.goto(&note_url).await;
    let page = b.source().await;
    assert!(page.contains("has written their part") && !page.contains("I worry about the move."));
    b.fill("#part", "I worry we stop talking when busy.").await;
    b.click("form[action$='/part'] button[type=submit]").await;
    // Already on the note's URL: wait for the partner's part to show instead.
    let opened = b.wait_for_text("I worry about the move.").await;
    assert!(opened.contains("I worry about the move.") && opened.contains("I worry we stop talking when busy."));
    b.screenshot("04-sealed-opened-phone").await;

    a.close().await;
    b.close().await;
}

/// The quick exit leaves at once, by button and by pressing Shift three times.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_exit_leaves_at_once() {
    let Some((chromium, driver)) = browser_tools() else { return };
    let app = spawn_app(Db::Sqlite).await;
    let driver = Driver::start(chromium, driver).await;
    let b = driver.session(390, 844).await;
    register(&b, &app, "Sam", &format!("{}@example.org", crate::support::unique("sam"))).await;
    b.wait_for_url("/spaces").await;
    b.screenshot("05-spaces-phone").await;
    b.click("#quick-exit").await;
    b.wait_for_url("/exit").await;
    assert_eq!(b.title().await, "Weather");
    assert!(!b.source().await.to_lowercase().contains("troth"));

    b.goto(&app.url("/account")).await;
    assert!(b.source().await.contains("Your account"));
    b.press_shift_three_times().await;
    b.wait_for_url("/exit").await;
    // The replaced page is not in history: Back does not show the account.
    b.post("/back", json!({})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!b.url().await.ends_with("/account"), "Back returned to the private page");
    b.close().await;
}

/// A rejected form keeps what the person typed and says what is wrong.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_errors_keep_the_text() {
    let Some((chromium, driver)) = browser_tools() else { return };
    let app = spawn_app(Db::Sqlite).await;
    let driver = Driver::start(chromium, driver).await;
    let b = driver.session(1024, 800).await;
    let email = format!("{}@example.org", crate::support::unique("kim"));
    b.goto(&app.url("/register")).await;
    b.fill("#display_name", "Kim").await;
    b.fill("#email", &email).await;
    b.fill("#time_zone", "Nowhere/Land").await;
    b.fill("#password", "long enough pass").await;
    b.click("button[type=submit]").await;
    assert!(b.text(".alert").await.contains("unknown time zone"));
    assert_eq!(b.value("#display_name").await, "Kim");
    assert_eq!(b.value("#email").await, email);
    assert_eq!(b.value("#time_zone").await, "Nowhere/Land");
    b.screenshot("06-form-error-kept").await;

    b.fill("#time_zone", "Europe/Paris").await;
    b.fill("#password", "long enough pass").await;
    b.click("button[type=submit]").await;
    b.wait_for_url("/spaces").await;
    b.click("form[action='/spaces'] button[type=submit]").await;
    b.wait_for_url("/spaces/").await;
    let space = b.url().await;
    b.goto(&format!("{space}/notes")).await;
    b.fill("#title", "Kept title").await;
    b.fill("#body", "   ").await;
    b.click("form[action$='/notes'] button[type=submit]").await;
    assert!(b.text(".alert").await.contains("cannot be empty"));
    assert_eq!(b.value("#title").await, "Kept title");
    b.close().await;
}

async fn login(b: &Browser, app: &TestApp, email: &str) {
    b.goto(&app.url("/login")).await;
    b.fill("#email", email).await;
    b.fill("#password", "correct horse battery").await;
    b.click("button[type=submit]").await;
    b.wait_for_url("/spaces").await;
}

/// The everyday loop: a promise made and confirmed, a ritual run together
/// on two devices, an appreciation, and the insights page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promise_ritual_appreciation_insights() {
    let Some((chromium, driver)) = browser_tools() else { return };
    let app = spawn_app(Db::Sqlite).await;
    let (pa, pb, sid) = app.pair().await;
    let driver = Driver::start(chromium, driver).await;
    let a = driver.session(1280, 900).await;
    let b = driver.session(390, 844).await;
    login(&a, &app, &pa.email).await;
    login(&b, &app, &pb.email).await;

    a.goto(&app.url(&format!("/spaces/{sid}/promises"))).await;
    a.fill("#text", "Cook dinner on Friday").await;
    a.click("form[action$='/promises'] button[type=submit]").await;
    let promise_url = a.wait_for_url("/promises/").await;
    a.click("form[action$='/act'] button.primary").await;
    a.wait_for_text("waiting for a nod").await;

    b.goto(&promise_url).await;
    assert!(b.source().await.contains("promise to you"));
    b.click("form[action$='/act'] button.primary").await;
    // The partner's confirmation keeps it.
    b.wait_for_text("badge-promise-kept").await;
    b.screenshot("07-promise-kept-phone").await;

    a.goto(&app.url(&format!("/spaces/{sid}/ritual"))).await;
    a.click("form[action$='/ritual/start'] button").await;
    let ritual_url = a.wait_for_url("/rituals/").await;
    a.fill("#body-appreciations", "You cooked twice this week.").await;
    a.click("#appreciations button[type=submit]").await;
    a.wait_for_text("You cooked twice this week.</li>").await;
    a.fill("#rating", "8").await;
    a.click("#heard button[type=submit]").await;
    a.wait_for_text("8/10").await;

    b.goto(&app.url(&format!("/spaces/{sid}/ritual"))).await;
    b.click("a.button.primary[href*='/rituals/']").await;
    let b_ritual = b.wait_for_url("/rituals/").await;
    assert_eq!(b_ritual.split('#').next(), ritual_url.split('#').next(), "one ritual for both");
    assert!(b.source().await.contains("You cooked twice this week."));
    b.fill("#body-appreciations", "You listened on Tuesday.").await;
    b.click("#appreciations button[type=submit]").await;
    b.wait_for_text("You listened on Tuesday.</li>").await;
    b.fill("#rating", "9").await;
    b.click("#heard button[type=submit]").await;
    b.wait_for_text("9/10").await;
    b.click("form[action$='/finish'] button").await;
    b.wait_for_text("Finished.").await;

    a.goto(&app.url(&format!("/spaces/{sid}/appreciations"))).await;
    a.fill("#text", "Thank you for confirming so quickly.").await;
    a.click("form[action$='/appreciations'] button[type=submit]").await;
    a.wait_for_text("<p class=\"thanks\">Thank you for confirming so quickly.</p>").await;

    b.goto(&app.url(&format!("/spaces/{sid}/insights"))).await;
    let insights = b.source().await;
    assert!(insights.contains("Keeping your word") && insights.contains("<svg"));
    assert!(insights.contains("Rituals finished in the last 12 weeks: <strong>1</strong>"));
    b.screenshot("08-insights-phone").await;
    a.goto(&app.url(&format!("/spaces/{sid}"))).await;
    a.screenshot("09-home-with-everyday").await;
    a.close().await;
    b.close().await;
}
