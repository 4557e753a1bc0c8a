//! The API and pages over real HTTP: accounts, spaces, invites, bad input,
//! security headers and CSRF. Each case runs on every backend.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::on_each_backend;
use crate::support::{client, error_code, spawn_app_with, Db, TestApp};

async fn accounts_case(app: &TestApp) {
    let a = app.register("Ana").await;
    let me: Value = a.get("/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["display_name"], "Ana");
    assert_eq!(me["time_zone"], "Europe/Paris");
    assert!(me.get("password_hash").is_none());

    // Logging in again gives a fresh session id.
    let second = client();
    let res = second
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": a.email, "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let sessions: Value = a.get("/api/v1/auth/sessions").await.json().await.unwrap();
    assert_eq!(sessions["sessions"].as_array().unwrap().len(), 2);

    // Wrong password and unknown email look the same.
    let wrong = client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": a.email, "password": "not the password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(wrong).await, (StatusCode::UNAUTHORIZED, "invalid_credentials".into()));
    let nobody = client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "nobody@example.org", "password": "whatever123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(nobody).await, (StatusCode::UNAUTHORIZED, "invalid_credentials".into()));

    // Changing the password ends the other session, keeps this one.
    let bad = a
        .post_json(
            "/api/v1/auth/password",
            json!({"current_password": "nope nope", "new_password": "another long one"}),
        )
        .await;
    assert_eq!(error_code(bad).await, (StatusCode::UNPROCESSABLE_ENTITY, "wrong_password".into()));
    let ok = a
        .post_json(
            "/api/v1/auth/password",
            json!({"current_password": "correct horse battery", "new_password": "another long one"}),
        )
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.json::<Value>().await.unwrap()["other_sessions_ended"], 1);
    assert_eq!(second.get(app.url("/api/v1/me")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(a.get("/api/v1/me").await.status(), StatusCode::OK);

    // Logout ends the session on the server, not only the cookie.
    assert_eq!(a.post_json("/api/v1/auth/logout", json!({})).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(error_code(a.get("/api/v1/me").await).await, (StatusCode::UNAUTHORIZED, "unauthenticated".into()));
}

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

async fn spaces_and_invites_case(app: &TestApp) {
    let a = app.register("Ana").await;
    let b = app.register("Bo").await;
    let c = app.register("Cy").await;
    let space: Value =
        a.post_json("/api/v1/pairs", json!({"name": "Us", "kind": "friends"})).await.json().await.unwrap();
    assert_eq!(space["kind"], "friends");
    let sid = space["id"].as_str().unwrap();
    // Outsiders cannot even tell the space exists.
    assert_eq!(b.get(&format!("/api/v1/pairs/{sid}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        error_code(b.post_json(&format!("/api/v1/pairs/{sid}/invites"), json!({})).await).await.0,
        StatusCode::NOT_FOUND
    );

    let first: Value = a.post_json(&format!("/api/v1/pairs/{sid}/invites"), json!({})).await.json().await.unwrap();
    let second: Value = a.post_json(&format!("/api/v1/pairs/{sid}/invites"), json!({})).await.json().await.unwrap();
    let revoked: Value = a.post_json(&format!("/api/v1/pairs/{sid}/invites"), json!({})).await.json().await.unwrap();
    assert!(first["url"].as_str().unwrap().ends_with(&format!("/join/{}", first["code"].as_str().unwrap())));
    let preview: Value = client()
        .get(app.url(&format!("/api/v1/invites/{}", first["code"].as_str().unwrap())))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(preview["space_name"], "Us");
    assert_eq!(preview["invited_by"], "Ana");
    assert_eq!(preview["status"], "open");

    assert_eq!(
        a.delete(&format!("/api/v1/pairs/{sid}/invites/{}", revoked["id"].as_str().unwrap())).await.status(),
        StatusCode::NO_CONTENT
    );
    let res = c.post_json(&format!("/api/v1/invites/{}/accept", revoked["code"].as_str().unwrap()), json!({})).await;
    assert_eq!(error_code(res).await, (StatusCode::GONE, "invite_revoked".into()));

    let joined = b.post_json(&format!("/api/v1/invites/{}/accept", first["code"].as_str().unwrap()), json!({})).await;
    assert_eq!(joined.status(), StatusCode::OK);
    let joined: Value = joined.json().await.unwrap();
    assert_eq!(joined["members"].as_array().unwrap().len(), 2);
    // The same invite cannot be used again; a third member is refused.
    let reuse = c.post_json(&format!("/api/v1/invites/{}/accept", first["code"].as_str().unwrap()), json!({})).await;
    assert_eq!(error_code(reuse).await, (StatusCode::CONFLICT, "invite_used".into()));
    let third = c.post_json(&format!("/api/v1/invites/{}/accept", second["code"].as_str().unwrap()), json!({})).await;
    assert_eq!(error_code(third).await, (StatusCode::CONFLICT, "space_full".into()));
    let more = a.post_json(&format!("/api/v1/pairs/{sid}/invites"), json!({})).await;
    assert_eq!(error_code(more).await, (StatusCode::CONFLICT, "space_full".into()));
    assert_eq!(c.get(&format!("/api/v1/pairs/{sid}")).await.status(), StatusCode::NOT_FOUND);
    let unknown = c.post_json("/api/v1/invites/00000000000000000000000000000000/accept", json!({})).await;
    assert_eq!(error_code(unknown).await.0, StatusCode::NOT_FOUND);

    // A person may be in several spaces.
    let other: Value =
        b.post_json("/api/v1/pairs", json!({"name": "Family", "kind": "family"})).await.json().await.unwrap();
    let spaces: Vec<Value> = b.get("/api/v1/pairs").await.json().await.unwrap();
    assert_eq!(spaces.len(), 2);
    assert!(spaces.iter().any(|s| s["id"] == other["id"]));

    // Leaving is quiet and final; the other member keeps the space.
    assert_eq!(b.post_json(&format!("/api/v1/pairs/{sid}/leave"), json!({})).await.status(), StatusCode::NO_CONTENT);
    let after: Value = a.get(&format!("/api/v1/pairs/{sid}")).await.json().await.unwrap();
    assert_eq!(after["members"].as_array().unwrap().len(), 1);
    assert_eq!(b.post_json(&format!("/api/v1/pairs/{sid}/leave"), json!({})).await.status(), StatusCode::NOT_FOUND);
    // What Ana and Bo shared was shared with each other: nobody new joins
    // this space, neither through an invite made before nor a new one.
    let late = c.post_json(&format!("/api/v1/invites/{}/accept", second["code"].as_str().unwrap()), json!({})).await;
    assert_eq!(error_code(late).await, (StatusCode::CONFLICT, "space_closed".into()));
    let fresh = a.post_json(&format!("/api/v1/pairs/{sid}/invites"), json!({})).await;
    assert_eq!(error_code(fresh).await, (StatusCode::CONFLICT, "space_closed".into()));
    assert_eq!(c.get(&format!("/api/v1/pairs/{sid}/notes")).await.status(), StatusCode::NOT_FOUND);
}

async fn expired_invite_case(db: Db) {
    let config = troth_web::WebConfig { invite_ttl: jiff::SignedDuration::from_millis(300), ..Default::default() };
    let app = spawn_app_with(db, config).await;
    let a = app.register("Ana").await;
    let b = app.register("Bo").await;
    let space: Value = a.post_json("/api/v1/pairs", json!({})).await.json().await.unwrap();
    let invite: Value = a
        .post_json(&format!("/api/v1/pairs/{}/invites", space["id"].as_str().unwrap()), json!({}))
        .await
        .json()
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let res = b.post_json(&format!("/api/v1/invites/{}/accept", invite["code"].as_str().unwrap()), json!({})).await;
    assert_eq!(error_code(res).await, (StatusCode::GONE, "invite_expired".into()));
    let page = b.get(&format!("/join/{}", invite["code"].as_str().unwrap())).await;
    assert_eq!(page.status(), StatusCode::GONE);
    assert!(page.text().await.unwrap().contains("expired"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_invites_are_refused() {
    for db in crate::support::backends() {
        expired_invite_case(db).await;
    }
}

async fn tokens_case(app: &TestApp) {
    let a = app.register("Ana").await;
    let res = a.post_json("/api/v1/auth/tokens", json!({"name": "my script"})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    let token = created["token"].as_str().unwrap().to_string();
    let bare = reqwest::Client::new();
    let me: Value = bare.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["email"], a.email.as_str());
    // Bearer requests need no origin check, even with a foreign Origin.
    let made = bare
        .post(app.url("/api/v1/pairs"))
        .bearer_auth(&token)
        .header("origin", "https://elsewhere.example")
        .json(&json!({"name": "Scripted"}))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), StatusCode::CREATED);
    let listed: Vec<Value> = a.get("/api/v1/auth/tokens").await.json().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].get("token").is_none(), "the secret is shown only once");
    assert_eq!(
        a.delete(&format!("/api/v1/auth/tokens/{}", created["id"].as_str().unwrap())).await.status(),
        StatusCode::NO_CONTENT
    );
    let gone = bare.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(error_code(gone).await, (StatusCode::UNAUTHORIZED, "invalid_token".into()));
}

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

async fn throttle_case(app: &TestApp) {
    let a = app.register("Ana").await;
    let c = client();
    for _ in 0..5 {
        let res = c
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": a.email, "password": "wrong wrong"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    // Locked for a while: even the right password waits, and says how long.
    let res = c
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": a.email, "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers().get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    // Five failures lock for two seconds (doubling from there); the wait below relies on it.
    assert!((1..=2).contains(&retry), "retry after {retry} s");
    // Another account from the same address is not locked out.
    let b = app.register("Bo").await;
    let other = c
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": b.email, "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::OK);
    // The lock ends by itself.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let res = c
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": a.email, "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

async fn account_lifecycle_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let shared = b.note(&sid, "shared", "B's shared memory").await;
    b.note(&sid, "private", "B's private worry").await;
    let sealed = a.note(&sid, "sealed", "A's sealed").await;
    let sealed_id = sealed["id"].as_str().unwrap();

    // Writing one's part of a sealed exchange is no licence to rename it:
    // once both parts are in, nothing changes any more.
    let weekend = a.note(&sid, "sealed", "Our weekend").await;
    let weekend_path = format!("/api/v1/pairs/{sid}/notes/{}", weekend["id"].as_str().unwrap());
    let part =
        b.client.put(b.url(&format!("{weekend_path}/part"))).json(&json!({"body": "Mine too"})).send().await.unwrap();
    assert_eq!(part.status(), StatusCode::OK);
    let rename = b.patch_json(&weekend_path, json!({"title": "Renamed by B"})).await;
    assert_eq!(error_code(rename).await, (StatusCode::CONFLICT, "entry_state".into()));
    let after: Value = a.get(&weekend_path).await.json().await.unwrap();
    assert_eq!(after["title"], "Our weekend");

    // Export: own entries of every kind, the partner's shared ones, never
    // the partner's sealed part before it opens.
    let export: Value = b.get("/api/v1/me/export").await.json().await.unwrap();
    let text = export.to_string();
    assert!(text.contains("B's private worry") && text.contains("B's shared memory"));
    assert!(!text.contains("A's sealed body"));
    assert_eq!(export["user"]["email"], b.email.as_str());

    // Deleting needs the password.
    let wrong = b.client.delete(b.url("/api/v1/me")).json(&json!({"password": "nope nope"})).send().await.unwrap();
    assert_eq!(error_code(wrong).await, (StatusCode::UNPROCESSABLE_ENTITY, "wrong_password".into()));
    let gone =
        b.client.delete(b.url("/api/v1/me")).json(&json!({"password": "correct horse battery"})).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let login = client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": b.email, "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::UNAUTHORIZED);
    // A keeps what B shared, now from a former member.
    let kept: Value =
        a.get(&format!("/api/v1/pairs/{sid}/notes/{}", shared["id"].as_str().unwrap())).await.json().await.unwrap();
    assert!(kept["author_id"].is_null());
    assert_eq!(kept["body"], "B's shared memory body");
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM entries WHERE title = $1")
        .bind("B's private worry")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(rows, 0);
    let a_sealed = a.get(&format!("/api/v1/pairs/{sid}/notes/{sealed_id}")).await;
    assert_eq!(a_sealed.status(), StatusCode::OK);
}

async fn pages_case(app: &TestApp) {
    // A form error keeps what was typed, with the message.
    let c = client();
    let res = c
        .post(app.url("/register"))
        .header("origin", app.base.clone())
        .form(&[
            ("display_name", "Typed Name"),
            ("email", "typed@example.org"),
            ("password", "short"),
            ("time_zone", "Europe/Paris"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("value=\"Typed Name\"") && html.contains("value=\"typed@example.org\""));
    assert!(html.contains("role=\"alert\"") && html.contains("at least 8"));

    // Logged-out visitors are sent to log in, and come back after.
    let res = c.get(app.url("/spaces")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers().get("location").unwrap(), "/login?next=/spaces");

    let (a, b, sid) = app.pair().await;
    let home = a.get(&format!("/spaces/{sid}")).await;
    assert_eq!(home.status(), StatusCode::OK);
    let html = home.text().await.unwrap();
    assert!(html.contains("you and Bo"));
    let outsider = app.register("Cy").await;
    assert_eq!(outsider.get(&format!("/spaces/{sid}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(outsider.get("/spaces/zzz").await.status(), StatusCode::NOT_FOUND);
    // A sealed note waiting for B shows on B's home page, without its text.
    a.note(&sid, "sealed", "Open when both wrote").await;
    let html = b.get(&format!("/spaces/{sid}")).await.text().await.unwrap();
    assert!(html.contains("Open when both wrote") && html.contains("has written their part"));
    assert!(!html.contains("Open when both wrote body"));

    let exit = client().get(app.url("/exit")).send().await.unwrap();
    assert_eq!(exit.headers().get("cache-control").unwrap(), "no-store");
    assert!(!exit.text().await.unwrap().to_lowercase().contains("troth"));
}

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

on_each_backend!(accounts_sessions_and_passwords, accounts_case);
on_each_backend!(bad_input_gets_clear_errors_and_writes_nothing, bad_input_case);
on_each_backend!(spaces_invites_and_leaving, spaces_and_invites_case);
on_each_backend!(access_tokens, tokens_case);
on_each_backend!(csrf_and_security_headers, csrf_and_headers_case);
on_each_backend!(login_backoff_ends_by_itself, throttle_case);
on_each_backend!(export_and_account_deletion, account_lifecycle_case);
on_each_backend!(pages_keep_input_and_hide_what_is_not_yours, pages_case);
on_each_backend!(health_openapi_and_coach, meta_case);
