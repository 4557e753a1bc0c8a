//! The site as a whole: bad input, CSRF and security headers, health, OpenAPI, the coach endpoints,
//! migrations and backups.

use reqwest::StatusCode;
use serde_json::{json, Value};
use troth_domain::{SpaceKind, SpaceName};
use troth_store::{Backend, SqlStore, Store, StoreOptions};

use crate::on_each_backend;
use crate::support::{client, error_code, unique, user, TestApp};

async fn bad_input_case(app: &TestApp) {
    let a = app.register("Ana").await;
    let c = client();
    let post = |body: Value| c.post(app.url("/api/v1/auth/register")).json(&body).send();
    let dup = post(json!({"email": a.email.to_uppercase(), "password": "long enough pass", "display_name": "Again"}))
        .await
        .unwrap();
    assert_eq!(error_code(dup).await, (StatusCode::CONFLICT, "email_taken".into()));
    let short = post(json!({"email": "x@example.org", "password": "short", "display_name": "X"})).await.unwrap();
    let body: Value = short.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_field");
    assert_eq!(body["error"]["field"], "password");
    let tz = post(json!({"email": "y@example.org", "password": "long enough pass", "display_name": "Y", "time_zone": "Mars/Base"})).await.unwrap();
    assert_eq!(error_code(tz).await, (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field".into()));
    let long_name =
        post(json!({"email": "z@example.org", "password": "long enough pass", "display_name": "n".repeat(61)}))
            .await
            .unwrap();
    assert_eq!(error_code(long_name).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let missing = post(json!({"email": "w@example.org"})).await.unwrap();
    assert_eq!(error_code(missing).await, (StatusCode::BAD_REQUEST, "malformed_json".into()));
    let broken = c
        .post(app.url("/api/v1/auth/register"))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(broken).await, (StatusCode::BAD_REQUEST, "malformed_json".into()));
    let not_json = c.post(app.url("/api/v1/auth/register")).body("email=a").send().await.unwrap();
    assert_eq!(error_code(not_json).await, (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type".into()));

    // Oversized bodies are refused whole, and nothing is written.
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(app.store.pool()).await.unwrap();
    let huge = json!({"email": "big@example.org", "password": "long enough pass", "display_name": "B", "time_zone": "x".repeat(100_000)});
    let res = post(huge).await.unwrap();
    assert_eq!(error_code(res).await, (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large".into()));
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(app.store.pool()).await.unwrap();
    assert_eq!(before, after);

    // Unknown and malformed ids are 404, never 500.
    for path in [
        "/api/v1/pairs/0123456789abcdef",
        "/api/v1/pairs/not-an-id",
        "/api/v1/pairs/0123456789abcdef/notes/0123456789abcdef",
        "/api/v1/nothing-here",
    ] {
        let (status, _) = error_code(a.get(path).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    // Entry text limits.
    let space: Value = a.post_json("/api/v1/pairs", json!({})).await.json().await.unwrap();
    assert_eq!(space["name"], "Our space");
    let sid = space["id"].as_str().unwrap();
    let empty = a.post_json(&format!("/api/v1/pairs/{sid}/notes"), json!({"title": "t", "body": "   "})).await;
    assert_eq!(error_code(empty).await.1, "invalid_field");
    let too_long =
        a.post_json(&format!("/api/v1/pairs/{sid}/notes"), json!({"title": "t", "body": "b".repeat(20_001)})).await;
    assert_eq!(error_code(too_long).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let bad_vis = a
        .post_json(&format!("/api/v1/pairs/{sid}/notes"), json!({"title": "t", "body": "b", "visibility": "public"}))
        .await;
    assert_eq!(error_code(bad_vis).await.0, StatusCode::BAD_REQUEST);
    let bad_kind = a.post_json("/api/v1/pairs", json!({"kind": "enemies"})).await;
    assert_eq!(error_code(bad_kind).await, (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field".into()));
    let notes: Vec<Value> = a.get(&format!("/api/v1/pairs/{sid}/notes")).await.json().await.unwrap();
    assert!(notes.is_empty(), "failed requests wrote nothing");
}

on_each_backend!(bad_input_gets_clear_errors_and_writes_nothing, bad_input_case);

async fn csrf_and_headers_case(app: &TestApp) {
    let a = app.register("Ana").await;
    let forged = a
        .client
        .post(app.url("/api/v1/pairs"))
        .header("origin", "https://evil.example")
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(forged).await, (StatusCode::FORBIDDEN, "csrf_failed".into()));
    let cross = a
        .client
        .post(app.url("/api/v1/pairs"))
        .header("sec-fetch-site", "cross-site")
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(cross).await.0, StatusCode::FORBIDDEN);
    let same = a
        .client
        .post(app.url("/api/v1/pairs"))
        .header("origin", app.base.clone())
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), StatusCode::CREATED);
    let spaces: Vec<Value> = a.get("/api/v1/pairs").await.json().await.unwrap();
    assert_eq!(spaces.len(), 1, "forged requests created nothing");

    // Page forms also need their token.
    let no_token = a.client.post(app.url("/spaces")).form(&[("name", "Sneaky")]).send().await.unwrap();
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);

    let page = a.get("/spaces").await;
    let h = page.headers();
    let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
    for part in ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self'"] {
        assert!(csp.contains(part), "{csp}");
    }
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(h.get("cache-control").unwrap(), "no-store");
    assert_eq!(h.get("referrer-policy").unwrap(), "no-referrer");
    assert!(h.get("permissions-policy").unwrap().to_str().unwrap().contains("geolocation=()"));
    assert!(h.get("x-request-id").is_some());
    let html = page.text().await.unwrap();
    assert!(!html.contains("<script>"), "no inline scripts");
    assert!(!html.contains("style=\""), "no inline styles");
    assert!(!html.contains("http://") && !html.contains("https://"), "no third-party resources");
    let css = client().get(app.url("/static/style.css")).send().await.unwrap();
    assert_eq!(css.status(), StatusCode::OK);
    assert!(css.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/css"));
}

on_each_backend!(csrf_and_security_headers, csrf_and_headers_case);

async fn meta_case(app: &TestApp) {
    let health = client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let doc: Value = client().get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/auth/register",
        "/api/v1/pairs",
        "/api/v1/pairs/{pair_id}/invites",
        "/api/v1/invites/{code}/accept",
        "/api/v1/pairs/{pair_id}/notes/{note_id}",
        "/api/v1/coach/check",
    ] {
        assert!(doc["paths"].get(path).is_some(), "openapi lacks {path}");
    }
    assert!(doc["components"]["schemas"].get("ErrorBody").is_some());
    // The coach over HTTP: analysed, not stored.
    let a = app.register("Ana").await;
    let res = a
        .post_json("/api/v1/coach/check", json!({"text": "You never listen to me and you always forget everything."}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let analysis: Value = res.json().await.unwrap();
    assert_eq!(analysis["verdict"], "harsh");
    assert!(analysis["horsemen"].as_array().unwrap().iter().any(|h| h == "criticism"));
    let too_long = a.post_json("/api/v1/coach/apology", json!({"text": "sorry ".repeat(3000)})).await;
    assert_eq!(error_code(too_long).await, (StatusCode::UNPROCESSABLE_ENTITY, "too_long".into()));
    let anon = client().post(app.url("/api/v1/coach/check")).json(&json!({"text": "hello"})).send().await.unwrap();
    assert_eq!(anon.status(), StatusCode::UNAUTHORIZED);
}

on_each_backend!(health_openapi_and_coach, meta_case);

/// Migrations are idempotent, and a SQLite backup is a working database.
async fn migrate_and_backup_case(app: &TestApp) {
    assert!(app.store.migrate().await.unwrap().is_empty(), "nothing left to apply");
    let (known, current) = app.store.schema_versions().await.unwrap();
    assert_eq!(known, current);
    if app.store.backend() != Backend::Sqlite {
        assert!(app.store.backup_to(std::path::Path::new("/tmp/never")).await.is_err(), "PostgreSQL points to pg_dump");
        return;
    }
    let owner = user(&app.store, "keeper").await;
    app.store.create_space(owner, &SpaceName::parse("Kept").unwrap(), SpaceKind::Family).await.unwrap();
    let path = std::env::temp_dir().join(format!("{}.db", unique("troth-backup-")));
    app.store.backup_to(&path).await.unwrap();
    assert!(app.store.backup_to(&path).await.is_err(), "never overwrites");
    let copy = SqlStore::connect(&StoreOptions::new(format!("sqlite://{}", path.display()))).await.unwrap();
    let spaces = copy.spaces_of(owner).await.unwrap();
    assert_eq!(spaces.len(), 1);
    assert_eq!(spaces[0].name, "Kept");
    copy.close().await;
    std::fs::remove_file(&path).ok();
}

on_each_backend!(migrations_are_idempotent_and_backups_work, migrate_and_backup_case);

/// A malformed id anywhere in a path is simply not found: 404, never a 400
/// or a 500; a JSON error on the API and the calm page on pages, whether
/// the id is the space's or an entry's within a space the caller is in.
async fn malformed_ids_case(app: &TestApp) {
    let (a, _b, sid) = app.pair().await;
    for path in [
        "/api/v1/pairs/not-an-id".to_string(),
        "/api/v1/pairs/123".to_string(),
        format!("/api/v1/pairs/{sid}/notes/not-an-id"),
        format!("/api/v1/pairs/{sid}/promises/%00"),
        format!("/api/v1/pairs/{sid}/rituals/zzz"),
        format!("/api/v1/pairs/{sid}/pulses/1"),
        "/api/v1/auth/tokens/nope".to_string(),
    ] {
        let res = if path.contains("/tokens/") { a.delete(&path).await } else { a.get(&path).await };
        assert_eq!(error_code(res).await, (StatusCode::NOT_FOUND, "not_found".to_string()), "{path}");
    }
    for path in [
        "/spaces/not-an-id".to_string(),
        format!("/spaces/{sid}/notes/not-an-id"),
        format!("/spaces/{sid}/promises/1"),
        format!("/spaces/{sid}/rituals/%E2%9C%93"),
    ] {
        let res = a.get(&path).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        let html = res.text().await.unwrap();
        assert!(html.contains("Not found") && html.contains("Log out"), "a page in the member's own frame: {path}");
    }
}
on_each_backend!(malformed_ids_are_not_found, malformed_ids_case);

/// Every form of a signed-in visitor is checked for its token before the
/// handler runs: none or a wrong one is refused with the calm 403 page and
/// changes nothing; the page's own token works; nobody signed in is sent to
/// log in first.
async fn form_tokens_case(app: &TestApp) {
    let (a, _b, sid) = app.pair().await;
    let page = a.get(&format!("/spaces/{sid}/notes")).await.text().await.unwrap();
    let token = page
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page carries a token")
        .to_string();
    let note = |csrf: Option<&str>, title: &str| {
        let mut form = vec![("title", title.to_string()), ("body", "a body".into()), ("visibility", "shared".into())];
        if let Some(t) = csrf {
            form.push(("_csrf", t.to_string()));
        }
        a.client.post(a.url(&format!("/spaces/{sid}/notes"))).form(&form).send()
    };
    for (csrf, title) in [(None, "no token"), (Some("0123456789abcdef"), "wrong token")] {
        let res = note(csrf, title).await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{title}");
        let html = res.text().await.unwrap();
        assert!(html.contains("This form is out of date") && html.contains("Log out"), "{title}: {html}");
    }
    let ok = note(Some(&token), "with the token").await.unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let notes: Value = a.get(&format!("/api/v1/pairs/{sid}/notes")).await.json().await.unwrap();
    let titles: Vec<&str> = notes.as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["with the token"], "only the form with the right token wrote anything");
    let stranger = client()
        .post(app.url(&format!("/spaces/{sid}/notes")))
        .form(&[("title", "x"), ("body", "y"), ("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status(), StatusCode::SEE_OTHER);
    let to = stranger.headers()["location"].to_str().unwrap();
    assert_eq!(to, format!("/login?next=/spaces/{sid}/notes"));
}
on_each_backend!(forms_need_their_token, form_tokens_case);

// The OpenAPI document keeps every path and method it has ever had: the
// list is recorded in `fixtures/openapi_paths.txt` and compared on every
// run, so moving handlers around cannot silently drop one from the spec.
// To record a deliberate change: `TROTH_BLESS=1 cargo test -p troth-web openapi_paths`.

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/fixtures/openapi_paths.txt");

/// `METHOD /path` lines, sorted, one per operation in the document.
fn operations(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("the document has paths") {
        for method in ["get", "put", "post", "delete", "patch", "head", "options", "trace"] {
            if item.get(method).is_some() {
                out.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn openapi_paths_match_the_recorded_list() {
    let doc: Value = serde_json::from_str(troth_web::openapi_json()).expect("the document is JSON");
    let now = operations(&doc);
    assert!(now.len() > 50, "suspiciously few operations: {}", now.len());
    if std::env::var_os("TROTH_BLESS").is_some() {
        std::fs::write(FIXTURE, now.join("\n") + "\n").unwrap();
    }
    let recorded: Vec<String> =
        std::fs::read_to_string(FIXTURE).expect("fixture exists").lines().map(str::to_string).collect();
    let missing: Vec<_> = recorded.iter().filter(|r| !now.contains(r)).collect();
    let added: Vec<_> = now.iter().filter(|n| !recorded.contains(n)).collect();
    assert!(missing.is_empty() && added.is_empty(), "missing from the document: {missing:?}; not recorded: {added:?}");
    assert_eq!(now, recorded);
}

fn csrf_field_of(html: &str) -> String {
    let at = html.find("name=\"_csrf\" value=\"").expect("the page has a CSRF field") + 20;
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

/// A write signed in by the session cookie must say where it comes from
/// (`Origin` or `Sec-Fetch-Site`, as browsers do), unless it carries an
/// access token; writes before signing in need neither.
async fn cookie_writes_say_where_they_come_from_case(app: &TestApp) {
    let a = app.register("Ana").await;
    // A client that sends neither header: signing in needs no cookie, so
    // it is not asked where it comes from.
    let bare =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let login = bare
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": a.email, "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);

    let unsaid = bare.post(app.url("/api/v1/pairs")).json(&json!({"name": "Unsaid"})).send().await.unwrap();
    assert!(unsaid.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    assert_eq!(error_code(unsaid).await, (StatusCode::FORBIDDEN, "csrf_failed".into()));
    // The page form, with its right token, is refused too, with a page.
    let page = bare.get(app.url("/spaces")).send().await.unwrap().text().await.unwrap();
    let form = bare
        .post(app.url("/spaces"))
        .form(&[("_csrf", csrf_field_of(&page).as_str()), ("name", "Unsaid")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::FORBIDDEN);
    assert!(form.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = form.text().await.unwrap();
    assert!(html.contains("Nothing was changed") && html.contains("Not allowed"), "{html}");
    let spaces: Vec<Value> = bare.get(app.url("/api/v1/pairs")).send().await.unwrap().json().await.unwrap();
    assert!(spaces.is_empty(), "neither refused write made a space");

    // Saying where it comes from, either way, is enough.
    let with_origin =
        bare.post(app.url("/api/v1/pairs")).header("origin", app.base.clone()).json(&json!({"name": "One"}));
    assert_eq!(with_origin.send().await.unwrap().status(), StatusCode::CREATED);
    let with_site =
        bare.post(app.url("/api/v1/pairs")).header("sec-fetch-site", "same-origin").json(&json!({"name": "Two"}));
    assert_eq!(with_site.send().await.unwrap().status(), StatusCode::CREATED);
    // As Chromium posts our own forms under `Referrer-Policy: no-referrer`.
    let chromium = bare
        .post(app.url("/api/v1/pairs"))
        .header("sec-fetch-site", "same-origin")
        .header("origin", "null")
        .json(&json!({"name": "Chromium"}));
    assert_eq!(chromium.send().await.unwrap().status(), StatusCode::CREATED);
    // An opaque origin alone says nothing of where the request comes from.
    let opaque = bare.post(app.url("/api/v1/pairs")).header("origin", "null").json(&json!({"name": "Opaque"}));
    assert_eq!(error_code(opaque.send().await.unwrap()).await, (StatusCode::FORBIDDEN, "csrf_failed".into()));
    // Both sent: both must say "here".
    let mixed = bare
        .post(app.url("/api/v1/pairs"))
        .header("sec-fetch-site", "same-origin")
        .header("origin", "https://evil.example")
        .json(&json!({"name": "Mixed"}));
    assert_eq!(error_code(mixed.send().await.unwrap()).await, (StatusCode::FORBIDDEN, "csrf_failed".into()));

    // An access token needs neither, cookie or not.
    let token: Value = a.post_json("/api/v1/auth/tokens", json!({"name": "script"})).await.json().await.unwrap();
    let token = token["token"].as_str().unwrap();
    let scripted = reqwest::Client::new()
        .post(app.url("/api/v1/pairs"))
        .bearer_auth(token)
        .json(&json!({"name": "Three"}))
        .send()
        .await
        .unwrap();
    assert_eq!(scripted.status(), StatusCode::CREATED);
    let spaces: Vec<Value> = bare.get(app.url("/api/v1/pairs")).send().await.unwrap().json().await.unwrap();
    let names: Vec<&str> = spaces.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 4, "the four accepted writes and nothing else: {names:?}");
}

on_each_backend!(cookie_writes_must_say_where_they_come_from, cookie_writes_say_where_they_come_from_case);

/// Links leave the page (an invite sent to the partner, a calendar
/// address pasted into another app), so they are built from the public
/// URL (here the loopback address the test server listens on), never from
/// the `Host` a client sends; the origin check does not follow it either.
async fn links_ignore_a_forged_host_case(app: &TestApp) {
    let a = app.register("Ana").await;
    let space: Value = a.post_json("/api/v1/pairs", json!({"name": "Us"})).await.json().await.unwrap();
    let sid = space["id"].as_str().unwrap();
    let invite = a
        .client
        .post(app.url(&format!("/api/v1/pairs/{sid}/invites")))
        .header("host", "evil.example")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(invite.status(), StatusCode::CREATED);
    let invite: Value = invite.json().await.unwrap();
    let url = invite["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/join/", app.base)), "{url}");

    let link: Value = a
        .client
        .get(app.url("/api/v1/me/calendar"))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = link["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/calendar/", app.base)), "{url}");

    // A forged Host with a matching forged Origin is still another site.
    let forged = a
        .client
        .post(app.url("/api/v1/pairs"))
        .header("host", "evil.example")
        .header("origin", "http://evil.example")
        .json(&json!({"name": "Forged"}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(forged).await, (StatusCode::FORBIDDEN, "csrf_failed".into()));
    // Another name of the same loopback port is this server.
    let local = app.base.replace("127.0.0.1", "localhost");
    let aliased = a
        .client
        .post(app.url("/api/v1/pairs"))
        .header("origin", local)
        .json(&json!({"name": "Aliased"}))
        .send()
        .await
        .unwrap();
    assert_eq!(aliased.status(), StatusCode::CREATED);
}

on_each_backend!(links_ignore_a_forged_host, links_ignore_a_forged_host_case);

/// With a public URL configured, links use it and the origin check wants
/// exactly it, whatever address the server listens on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_public_url_is_used_for_links_and_origins() {
    for db in crate::support::backends() {
        let config = troth_web::WebConfig { public_url: "https://troth.example.org/".into(), ..Default::default() };
        let app = crate::support::spawn_app_with(db, config).await;
        let a = app.register("Ana").await;
        let space: Value = a.post_json("/api/v1/pairs", json!({"name": "Us"})).await.json().await.unwrap();
        let sid = space["id"].as_str().unwrap();
        let invite: Value = a.post_json(&format!("/api/v1/pairs/{sid}/invites"), json!({})).await.json().await.unwrap();
        assert!(invite["url"].as_str().unwrap().starts_with("https://troth.example.org/join/"), "{invite}");
        let ours = a
            .client
            .post(app.url("/api/v1/pairs"))
            .header("origin", "https://troth.example.org")
            .json(&json!({"name": "Ours"}))
            .send()
            .await
            .unwrap();
        assert_eq!(ours.status(), StatusCode::CREATED);
        // The address the test reaches the server at is not its public one.
        let direct = a
            .client
            .post(app.url("/api/v1/pairs"))
            .header("origin", app.base.clone())
            .json(&json!({"name": "Direct"}))
            .send()
            .await
            .unwrap();
        assert_eq!(error_code(direct).await, (StatusCode::FORBIDDEN, "csrf_failed".into()));
    }
}

/// A server other machines can reach does not start without a public URL:
/// it could only guess its address from `Host`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reachable_server_refuses_to_start_without_a_public_url() {
    let (url, _dir) = crate::support::database_url(crate::support::Db::Sqlite).await;
    let store: std::sync::Arc<dyn Store> =
        std::sync::Arc::new(SqlStore::connect(&StoreOptions::new(url)).await.expect("store connects"));
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let served = troth_web::launch(listener, store.clone(), troth_web::WebConfig::default(), std::future::pending());
    let refused = tokio::time::timeout(std::time::Duration::from_secs(10), served)
        .await
        .expect("refused at once instead of serving")
        .expect_err("no public URL on 0.0.0.0");
    assert_eq!(refused.kind(), std::io::ErrorKind::InvalidInput);
    assert!(refused.to_string().contains("no public_url is set"), "{refused}");

    // With one, the same address serves.
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let config = troth_web::WebConfig { public_url: "https://troth.example.org".into(), ..Default::default() };
    tokio::spawn(troth_web::launch(listener, store, config, std::future::pending()));
    let health = client().get(format!("http://127.0.0.1:{port}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

/// A query string or path the API cannot read answers the documented JSON
/// error, not axum's plain text: 400 `invalid_query` saying what did not
/// fit, and 404 for a path that names nothing; the spec lists the 400.
async fn api_url_rejections_are_json_case(app: &TestApp) {
    let a = app.register("Ana").await;
    let space: Value = a.post_json("/api/v1/pairs", json!({"name": "Us"})).await.json().await.unwrap();
    let sid = space["id"].as_str().unwrap();
    for (path, field) in [
        (format!("/api/v1/pairs/{sid}/promises?limit=abc"), "limit"),
        (format!("/api/v1/pairs/{sid}/notes?visibility=bogus"), "bogus"),
        (format!("/api/v1/pairs/{sid}/appreciations?favourites=maybe"), "favourites"),
        ("/api/v1/library/exercises?q=a&q=b".to_string(), "q"),
    ] {
        let res = a.get(&path).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{path}");
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/json"), "{path}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_query", "{path}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains(field), "{path}: {body}");
    }
    for path in ["/api/v1/invites/%FF%FE", "/api/v1/library/exercises/%C3%28"] {
        let res = a.get(path).await;
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/json"), "{path}");
        assert_eq!(error_code(res).await, (StatusCode::NOT_FOUND, "not_found".into()), "{path}");
    }
    let doc: Value = client().get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    for path in ["/api/v1/pairs/{pair_id}/promises", "/api/v1/pairs/{pair_id}/notes", "/api/v1/library/exercises"] {
        assert!(doc["paths"][path]["get"]["responses"]["400"].is_object(), "{path} documents its 400");
    }
}

on_each_backend!(api_url_rejections_are_json, api_url_rejections_are_json_case);

/// Pages and static files go out gzip-compressed to clients that accept
/// it; static files are linked under a content-hashed name kept for a
/// year; answers to POSTs (which may show a one-time secret) are never
/// compressed.
async fn compression_and_hashed_assets_case(app: &TestApp) {
    let a = app.register("Ana").await;
    let plain = a.get("/account").await;
    assert!(plain.headers().get("content-encoding").is_none(), "nothing compressed unasked");
    let plain_len = plain.bytes().await.unwrap().len();
    let gz = a.client.get(a.url("/account")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(gz.status(), StatusCode::OK);
    assert_eq!(gz.headers().get("content-encoding").unwrap(), "gzip");
    assert_eq!(gz.headers().get("cache-control").unwrap(), "no-store", "private pages still never kept");
    let body = gz.bytes().await.unwrap();
    assert!(body.starts_with(&[0x1f, 0x8b]), "a gzip stream");
    assert!(body.len() * 2 < plain_len, "{} bytes gzipped from {plain_len}", body.len());

    // The page links its stylesheet by content hash; that name is kept for good.
    let html = a.get("/account").await.text().await.unwrap();
    let at = html.find("href=\"/static/style.").expect("the stylesheet link") + "href=\"".len();
    let href = html[at..].split('"').next().unwrap().to_string();
    assert!(href.ends_with(".css") && href.len() == "/static/style..css".len() + 12, "{href}");
    let css = client().get(app.url(&href)).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(css.status(), StatusCode::OK);
    assert!(css.headers()["content-type"].to_str().unwrap().starts_with("text/css"));
    assert_eq!(css.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(css.headers()["content-encoding"], "gzip");
    let by_name = client().get(app.url("/static/style.css")).send().await.unwrap();
    assert_eq!(by_name.headers()["cache-control"], "public, max-age=3600", "the plain name is kept only briefly");
    let stale = client().get(app.url("/static/style.000000000000.css")).send().await.unwrap();
    assert_eq!(stale.status(), StatusCode::NOT_FOUND);

    // A POST's answer (here a new access token, shown once) goes out as is.
    let token = crate::support::csrf_of(&html);
    let made = a
        .client
        .post(a.url("/account/tokens"))
        .header("accept-encoding", "gzip")
        .form(&[("_csrf", token.as_str()), ("name", "Script")])
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), StatusCode::OK);
    assert!(made.headers().get("content-encoding").is_none(), "never compressed next to a secret");
    assert!(made.text().await.unwrap().contains("id=\"new-token\""));
}

on_each_backend!(pages_and_assets_are_compressed_and_hashed, compression_and_hashed_assets_case);

/// Where a request body's text may go without a length in the document,
/// and why: each is parsed whole, so its format bounds it.
const TEXT_WITHOUT_LENGTH: &[(&str, &str, &str)] = &[
    ("PromiseBody", "due", "RFC 3339 or a local `YYYY-MM-DDTHH:MM`, parsed as a time"),
    ("PromiseActionBody", "new_due", "the same as a promise's due time"),
    ("SlotBody", "weekday", "a day's name or its three-letter abbreviation, in any case"),
    ("SlotBody", "time", "`HH:MM`, parsed as a time of day"),
    ("StartBody", "exercise_id", "an exercise of the library, looked up"),
    ("ReadBody", "id", "a notification id, looked up"),
];

/// The string properties of a schema (following `$ref`, arrays and
/// `oneOf`), as (schema name, property, its schema).
fn string_properties(doc: &Value, name: &str, out: &mut Vec<(String, String, Value)>) {
    let schema = &doc["components"]["schemas"][name];
    for (prop, s) in schema["properties"].as_object().into_iter().flatten() {
        let mut parts = vec![s.clone()];
        while let Some(part) = parts.pop() {
            if let Some(r) = part["$ref"].as_str() {
                string_properties(doc, r.trim_start_matches("#/components/schemas/"), out);
            }
            for key in ["oneOf", "anyOf", "allOf"] {
                parts.extend(part[key].as_array().into_iter().flatten().cloned());
            }
            if part["items"].is_object() {
                parts.push(part["items"].clone());
            }
            let ty = &part["type"];
            let is_string = ty == "string" || ty.as_array().is_some_and(|t| t.iter().any(|t| t == "string"));
            if is_string {
                out.push((name.to_string(), prop.clone(), part.clone()));
            }
        }
    }
}

/// The document says what the server enforces: every operation lists the
/// refusals its extractors can give (with the JSON error), and every text a
/// client sends has its length, its choices or its format.
#[test]
fn openapi_documents_refusals_and_limits() {
    let doc: Value = serde_json::from_str(troth_web::openapi_json()).expect("the document is JSON");
    let mut missing: Vec<String> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let public = op["security"].as_array().is_some_and(|s| s.iter().any(|r| r == &json!({})));
            let mut needs = Vec::new();
            if !public {
                needs.push("401");
            }
            if path.contains('{') {
                needs.push("404");
            }
            if op["requestBody"].is_object() {
                needs.extend(["413", "415"]);
            }
            let in_query = op["parameters"].as_array().is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
            if op["requestBody"].is_object() || in_query {
                needs.extend(["400", "422"]);
            }
            for status in needs {
                let answer = &op["responses"][status];
                let schema = &answer["content"]["application/json"]["schema"]["$ref"];
                if schema != "#/components/schemas/ErrorBody" {
                    missing.push(format!("{method} {path} {status}"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "refusals the document does not describe: {missing:?}");
    for public in [("get", "/healthz"), ("post", "/api/v1/auth/login"), ("get", "/api/v1/invites/{code}")] {
        assert_eq!(doc["paths"][public.1][public.0]["security"], json!([{}]), "{public:?} needs no credentials");
    }

    let mut bodies: Vec<String> = Vec::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            for media in op["requestBody"]["content"].as_object().into_iter().flatten().map(|(_, m)| m) {
                let schema = &media["schema"];
                let r = schema["$ref"].as_str().or(schema["items"]["$ref"].as_str());
                if let Some(r) = r {
                    bodies.push(r.trim_start_matches("#/components/schemas/").to_string());
                }
            }
        }
    }
    bodies.sort();
    bodies.dedup();
    assert!(bodies.len() > 40, "{} request bodies", bodies.len());
    let mut texts = Vec::new();
    for body in &bodies {
        string_properties(&doc, body, &mut texts);
    }
    let unbounded: Vec<String> = texts
        .iter()
        .filter(|(_, _, s)| s["maxLength"].is_null() && s["enum"].is_null() && s["format"].is_null())
        .filter(|(n, p, _)| !TEXT_WITHOUT_LENGTH.iter().any(|(tn, tp, _)| tn == n && tp == p))
        .map(|(n, p, _)| format!("{n}.{p}"))
        .collect();
    assert!(unbounded.is_empty(), "text fields without their limit in the document: {unbounded:?}");

    // The limits are the ones the parse uses.
    let props = |name: &str| doc["components"]["schemas"][name]["properties"].clone();
    assert_eq!(props("PromiseBody")["text"]["maxLength"], json!(troth_domain::promises::PromiseText::MAX));
    assert_eq!(props("PromiseBody")["text"]["minLength"], json!(1));
    assert_eq!(props("RegisterBody")["password"]["minLength"], json!(troth_domain::Password::MIN));
    assert_eq!(props("NoteBody")["body"]["maxLength"], json!(troth_domain::EntryBody::MAX));
    assert_eq!(props("PulseBody")["emotional"]["maximum"], json!(troth_domain::pulse::Rating::MAX));
    assert_eq!(props("PulseBody")["emotional"]["minimum"], json!(0));
    // Every 0-10 score says so: a pulse, a ritual's "heard", a session's
    // reflection, a self-reflection.
    for (body, field) in [("AnswerBody", "rating"), ("FinishBody", "rating"), ("ReflectionAnswerBody", "rating")] {
        assert_eq!((&props(body)[field]["minimum"], &props(body)[field]["maximum"]), (&json!(0), &json!(10)), "{body}");
    }
    let actions = props("PromiseActionBody")["action"]["enum"].clone();
    for action in [
        "claim",
        "confirm",
        "not_yet",
        "propose_terms",
        "accept_terms",
        "decline_terms",
        "withdraw_terms",
        "release",
        "missed",
        "apologise",
    ] {
        assert!(actions.as_array().unwrap().contains(&json!(action)), "promise action {action} in {actions}");
    }
    assert!(
        !actions.as_array().unwrap().contains(&json!("renegotiate")),
        "new terms are asked for, not set: {actions}"
    );
    assert_eq!(props("MomentInput")["kind"]["enum"], json!(["built", "challenged"]));
    let list = &doc["paths"]["/api/v1/pairs/{pair_id}/promises"]["get"]["parameters"];
    let status = list.as_array().unwrap().iter().find(|p| p["name"] == "status").expect("a status filter");
    assert_eq!((status["in"].as_str(), status["required"].as_bool()), (Some("query"), Some(false)));
    assert_eq!(status["schema"]["enum"], json!(["open", "claimed", "kept", "released", "missed"]));
    assert_eq!(props("MomentInput")["date"]["format"], json!("date"));
    // Two handlers' bodies with one name would overwrite each other's schema.
    assert!(props("ReflectionAnswerBody")["rating"].is_object() && props("AnswerBody")["step"].is_object());
    assert!(props("ExchangePartBody")["text"].is_object() && props("PartBody")["body"].is_object());
}

/// A body the document says is an object is refused when it is a list
/// (serde would read a struct's fields from one, in order), and the one
/// route that takes a list still does.
async fn bodies_are_objects_case(app: &TestApp) {
    let (a, _b, sid) = app.pair().await;
    for (method, path) in [("PATCH", "/api/v1/me".to_string()), ("POST", format!("/api/v1/pairs/{sid}/notes"))] {
        let res = a
            .client
            .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), a.url(&path))
            .header("content-type", "application/json")
            .body(r#"[null, null]"#)
            .send()
            .await
            .unwrap();
        assert_eq!(error_code(res).await, (StatusCode::BAD_REQUEST, "malformed_json".to_string()), "{method} {path}");
    }
    let me: serde_json::Value = a.get("/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["display_name"], "Ana", "nothing changed");
    let choices = a.put_json("/api/v1/me/notification-choices", json!([])).await;
    assert_eq!(choices.status(), StatusCode::OK, "a list where the document says list");
}
on_each_backend!(json_bodies_are_objects_where_documented, bodies_are_objects_case);
