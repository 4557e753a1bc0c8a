//! `spawn_app`: the real server on a free port with a fresh database, on
//! SQLite always and on PostgreSQL when `TROTH_TEST_DATABASE_URL` is set
//! (required when `CI` is set).

use std::sync::Arc;

use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use troth_store::{SqlStore, Store, StoreOptions};
use troth_web::WebConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub fn backends() -> Vec<Db> {
    let mut list = vec![Db::Sqlite];
    match std::env::var("TROTH_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => list.push(Db::Postgres),
        _ if std::env::var_os("CI").is_some() => {
            panic!("CI is set but TROTH_TEST_DATABASE_URL is not: the PostgreSQL half of the suite must run in CI")
        }
        _ => eprintln!(
            "note: TROTH_TEST_DATABASE_URL not set; PostgreSQL cases skipped (run scripts/with-postgres.sh cargo test)"
        ),
    }
    list
}

pub struct TestApp {
    pub base: String,
    pub store: Arc<SqlStore>,
    #[allow(dead_code)]
    pub db: Db,
    _dir: Option<TempDir>,
}

pub struct TempDir(pub std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}{}", &troth_store::secret::new_secret()[..12])
}

pub async fn database_url(db: Db) -> (String, Option<TempDir>) {
    match db {
        Db::Sqlite => {
            let dir = std::env::temp_dir().join(unique("troth-test-"));
            std::fs::create_dir_all(&dir).unwrap();
            let url = format!("sqlite://{}/t.db?mode=rwc", dir.display());
            (url, Some(TempDir(dir)))
        }
        Db::Postgres => {
            let admin = std::env::var("TROTH_TEST_DATABASE_URL").unwrap();
            let name = unique("troth_t_");
            let store = SqlStore::connect(&StoreOptions {
                url: admin.clone(),
                max_connections: 1,
                migrate: false,
                durable: true,
            })
            .await
            .unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(store.pool()).await.unwrap();
            store.close().await;
            let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
            (format!("{base}/{name}"), None)
        }
    }
}

pub async fn spawn_app_with(db: Db, config: WebConfig) -> TestApp {
    let (url, dir) = database_url(db).await;
    let mut app = spawn_app_on(db, url, config).await;
    app._dir = dir;
    app
}

/// A server with its own pool on an existing database: several of these on
/// one PostgreSQL database are several instances of one troth.
pub async fn spawn_app_on(db: Db, url: String, config: WebConfig) -> TestApp {
    let mut opts = StoreOptions::new(url);
    opts.max_connections = 8;
    let store = Arc::new(SqlStore::connect(&opts).await.expect("store connects"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let dyn_store: Arc<dyn Store> = store.clone();
    tokio::spawn(troth_web::launch(listener, dyn_store, config, std::future::pending()));
    TestApp { base: format!("http://{addr}"), store, db, _dir: None }
}

/// The account a registration answer made: at once (201), or, where mail
/// is set up (202, "check your email"), made here as following the emailed
/// link would (that path is tested in `mail.rs`) and logged in with `client`.
pub async fn registered(
    app: &TestApp,
    client: &Client,
    res: Response,
    email: &str,
    password: &str,
    name: &str,
) -> Value {
    match res.status() {
        StatusCode::CREATED => res.json().await.unwrap(),
        StatusCode::ACCEPTED => {
            let hash = troth_web::hash_password(password, &troth_web::PasswordParams::default()).unwrap();
            app.store
                .create_user(troth_store::NewUser {
                    email: troth_domain::Email::parse(email).unwrap(),
                    password_hash: hash,
                    display_name: troth_domain::DisplayName::parse(name).unwrap(),
                    time_zone: troth_domain::TimeZoneName::parse("Europe/Paris").unwrap(),
                })
                .await
                .unwrap();
            let login = client
                .post(app.url("/api/v1/auth/login"))
                .json(&json!({"email": email, "password": password}))
                .send()
                .await
                .unwrap();
            assert_eq!(login.status(), StatusCode::OK, "log in {name}");
            login.json().await.unwrap()
        }
        other => panic!("register {name}: {other}"),
    }
}

pub async fn spawn_app(db: Db) -> TestApp {
    spawn_app_with(db, WebConfig::default()).await
}

/// A person with their own cookie jar (a clone shares the jar).
#[derive(Clone)]
pub struct Person {
    pub client: Client,
    pub base: String,
    pub email: String,
    pub id: String,
}

/// A person's client: keeps cookies, follows no redirect, and says (as a
/// browser on troth's own pages does) that its requests are same-origin;
/// tests of forged requests set their own `Origin` and `Sec-Fetch-Site`.
pub fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(same_origin_headers())
        .build()
        .unwrap()
}

/// What a browser adds to a request from one of the server's own pages.
pub fn same_origin_headers() -> reqwest::header::HeaderMap {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("sec-fetch-site", reqwest::header::HeaderValue::from_static("same-origin"));
    h
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn register(&self, name: &str) -> Person {
        let client = client();
        let email = format!("{}@example.org", unique(&name.to_lowercase()));
        let res = client
            .post(self.url("/api/v1/auth/register"))
            .json(&json!({"email": email, "password": "correct horse battery", "display_name": name, "time_zone": "Europe/Paris"}))
            .send()
            .await
            .unwrap();
        let user = registered(self, &client, res, &email, "correct horse battery", name).await;
        Person { client, base: self.base.clone(), email, id: user["id"].as_str().unwrap().to_string() }
    }

    /// Two people sharing a space: (a, b, space_id).
    pub async fn pair(&self) -> (Person, Person, String) {
        let a = self.register("Ana").await;
        let b = self.register("Bo").await;
        let space = a.post_json("/api/v1/pairs", json!({"name": "Us"})).await;
        assert_eq!(space.status(), StatusCode::CREATED);
        let space: Value = space.json().await.unwrap();
        let sid = space["id"].as_str().unwrap().to_string();
        let invite: Value = a.post_json(&format!("/api/v1/pairs/{sid}/invites"), json!({})).await.json().await.unwrap();
        let code = invite["code"].as_str().unwrap();
        let joined = b.post_json(&format!("/api/v1/invites/{code}/accept"), json!({})).await;
        assert_eq!(joined.status(), StatusCode::OK);
        (a, b, sid)
    }
}

impl Person {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }
    pub async fn post_json(&self, path: &str, body: Value) -> Response {
        self.client.post(self.url(path)).json(&body).send().await.unwrap()
    }
    pub async fn patch_json(&self, path: &str, body: Value) -> Response {
        self.client.patch(self.url(path)).json(&body).send().await.unwrap()
    }
    pub async fn put_json(&self, path: &str, body: Value) -> Response {
        self.client.put(self.url(path)).json(&body).send().await.unwrap()
    }
    pub async fn delete(&self, path: &str) -> Response {
        self.client.delete(self.url(path)).send().await.unwrap()
    }
    pub async fn note(&self, sid: &str, visibility: &str, title: &str) -> Value {
        let res = self
            .post_json(
                &format!("/api/v1/pairs/{sid}/notes"),
                json!({"title": title, "body": format!("{title} body"), "visibility": visibility}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        res.json().await.unwrap()
    }
}

/// The error code of an API error response.
pub async fn error_code(res: Response) -> (StatusCode, String) {
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    (status, body["error"]["code"].as_str().unwrap_or("<no code>").to_string())
}

/// Runs a case once per backend, each on a fresh app.
#[macro_export]
macro_rules! on_each_backend {
    ($name:ident, $case:path) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            for db in $crate::support::backends() {
                let app = $crate::support::spawn_app(db).await;
                eprintln!("-- {} on {:?}", stringify!($name), db);
                $case(&app).await;
            }
        }
    };
}

pub async fn user(store: &troth_store::SqlStore, name: &str) -> troth_domain::Id {
    store
        .create_user(troth_store::NewUser {
            email: troth_domain::Email::parse(&format!("{}@example.org", unique(name))).unwrap(),
            password_hash: "x".into(),
            display_name: troth_domain::DisplayName::parse(name).unwrap(),
            time_zone: troth_domain::TimeZoneName::utc(),
        })
        .await
        .unwrap()
        .id
}

/// The CSRF token a page's forms carry.
pub fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"_csrf\" value=\"").expect("the page has a CSRF field") + 20;
    html[at..at + html[at..].find('"').unwrap()].to_string()
}
