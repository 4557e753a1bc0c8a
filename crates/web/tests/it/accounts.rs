//! Accounts: register, log in, passwords, sessions, tokens, throttling, export and deletion.

use std::time::Duration;

use troth_web::{PasswordGate, WebConfig};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::on_each_backend;
use crate::support::{backends, client, error_code, spawn_app_with, TestApp};

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

on_each_backend!(accounts_sessions_and_passwords, accounts_case);

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

on_each_backend!(access_tokens, tokens_case);

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

on_each_backend!(login_backoff_ends_by_itself, throttle_case);

/// A client whose connections come from `ip` (any 127.x.y.z is loopback
/// on Linux), so the server sees a real, distinct client address.
fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(crate::support::same_origin_headers())
        .local_address(ip.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap()
}

async fn login_status(c: &reqwest::Client, app: &TestApp, email: &str, password: &str) -> StatusCode {
    c.post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

async fn throttle_count(app: &TestApp, key: &str) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT failures FROM login_throttle WHERE key = $1")
        .bind(key)
        .fetch_optional(app.store.pool())
        .await
        .unwrap()
        .unwrap_or(0)
}

/// The partner guessing locks out their own address, not the owner.
async fn partner_cannot_lock_owner_out_case(app: &TestApp) {
    let a = app.register("Ana").await;
    let partner = client_from("127.0.0.2");
    let mut refused = 0;
    for _ in 0..20 {
        match login_status(&partner, app, &a.email, "a wrong guess").await {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert!(refused >= 10, "the guessing address is slowed down ({refused} of 20 refused)");
    // From the guessing address even the right password waits.
    assert_eq!(login_status(&partner, app, &a.email, "correct horse battery").await, StatusCode::TOO_MANY_REQUESTS);
    // The owner, from an address without failures, gets in at once.
    let owner = client_from("127.0.0.3");
    assert_eq!(login_status(&owner, app, &a.email, "correct horse battery").await, StatusCode::OK);
    // And the partner's address is still locked after the owner's success.
    assert_eq!(login_status(&partner, app, &a.email, "correct horse battery").await, StatusCode::TOO_MANY_REQUESTS);
}

on_each_backend!(a_partner_cannot_lock_the_owner_out, partner_cannot_lock_owner_out_case);

/// Concurrent wrong passwords are each counted, and one address gets no
/// more checks than its free failures however many it sends at once.
async fn concurrent_failures_case(app: &TestApp) {
    let a = app.register("Ana").await;
    let mut tasks = Vec::new();
    for i in 1..=50 {
        let c = client_from(&format!("127.0.1.{i}"));
        let email = a.email.clone();
        let url = app.url("/api/v1/auth/login");
        tasks.push(tokio::spawn(async move {
            c.post(url).json(&json!({"email": email, "password": "a wrong guess"})).send().await.unwrap().status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::UNAUTHORIZED, "each address is clean: checked, and wrong");
    }
    assert_eq!(throttle_count(app, &format!("acct:{}", a.email)).await, 50, "every failure on the account counted");

    let b = app.register("Bo").await;
    let one = client_from("127.0.2.1");
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let c = one.clone();
        let email = b.email.clone();
        let url = app.url("/api/v1/auth/login");
        tasks.push(tokio::spawn(async move {
            c.post(url).json(&json!({"email": email, "password": "a wrong guess"})).send().await.unwrap().status()
        }));
    }
    let mut checked = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(
        checked,
        troth_domain::accounts::FREE_FAILURES,
        "the attempt is reserved before the hash: only the free ones are checked"
    );
    assert_eq!(throttle_count(app, &format!("acct_ip:{} 127.0.2.1", b.email)).await, checked);
}

on_each_backend!(concurrent_failures_are_all_counted, concurrent_failures_case);

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

on_each_backend!(export_and_account_deletion, account_lifecycle_case);

/// Fifty logins at once, each for an unknown email from its own address (so
/// no throttle answers early: every one of them hashes), never run more
/// Argon2 hashes at once than the gate has workers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_logins_hash_no_more_than_the_workers_at_once() {
    let db = backends()[0];
    let gate = PasswordGate::new(2, Duration::from_secs(120));
    let config = WebConfig { trust_proxy: true, password_gate: gate.clone(), ..WebConfig::default() };
    let app = spawn_app_with(db, config).await;
    let c = client();
    let mut logins = Vec::new();
    for i in 0..50 {
        let req = c
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", format!("10.0.{}.{}", i / 200, i % 200 + 1))
            .json(&json!({"email": format!("nobody{i}@example.org"), "password": "not the password"}));
        logins.push(tokio::spawn(async move { req.send().await.unwrap().status() }));
    }
    for login in logins {
        assert_eq!(login.await.unwrap(), StatusCode::UNAUTHORIZED, "an unknown email is a plain wrong login");
    }
    assert_eq!(gate.peak(), 2, "at the busiest, exactly the two workers hashed");
}

/// When every worker stays busy past the deadline, a login is told to come
/// back: 503 with `Retry-After`, a JSON error for the API and a calm page
/// for the form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_that_waits_too_long_is_told_to_retry() {
    let db = backends()[0];
    let gate = PasswordGate::new(1, Duration::from_millis(1));
    let config = WebConfig { trust_proxy: true, password_gate: gate, ..WebConfig::default() };
    let app = spawn_app_with(db, config).await;
    let c = client();
    let mut api = Vec::new();
    for i in 0..12 {
        let req = c
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", format!("10.1.0.{}", i + 1))
            .json(&json!({"email": format!("nobody{i}@example.org"), "password": "not the password"}));
        api.push(tokio::spawn(async move { req.send().await.unwrap() }));
    }
    let mut busy = 0;
    for res in api {
        let res = res.await.unwrap();
        if res.status() == StatusCode::SERVICE_UNAVAILABLE {
            busy += 1;
            let retry: u64 = res.headers().get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
            assert!(retry >= 1);
            assert_eq!(error_code(res).await, (StatusCode::SERVICE_UNAVAILABLE, "busy".to_string()));
        } else {
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        }
    }
    assert!(busy >= 1, "one worker, twelve logins at once and a 1 ms wait: some must be turned away");

    let mut forms = Vec::new();
    for i in 0..12 {
        let req = c
            .post(app.url("/login"))
            .header("x-forwarded-for", format!("10.2.0.{}", i + 1))
            .form(&[("email", format!("nobody{i}@example.org")), ("password", "not the password".into())]);
        forms.push(tokio::spawn(async move { req.send().await.unwrap() }));
    }
    let mut busy_pages = 0;
    for res in forms {
        let res = res.await.unwrap();
        if res.status() == StatusCode::SERVICE_UNAVAILABLE {
            busy_pages += 1;
            assert!(res.headers().get("retry-after").is_some());
            assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
            let html = res.text().await.unwrap();
            assert!(html.contains("A moment, please") && html.contains("try again in a moment"), "{html}");
        } else {
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        }
    }
    assert!(busy_pages >= 1, "the form is bounded the same way");
}

fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"_csrf\" value=\"").expect("the page has a CSRF field") + 20;
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

/// Confirming the current password (to delete the account or change the
/// password) is throttled by account: a few wrong ones, then even the right
/// one waits, over the API and on the page, from any session.
async fn password_confirmation_throttle_case(app: &TestApp) {
    let a = app.register("Ana").await;
    let mut statuses = Vec::new();
    for i in 0..60 {
        let res = if i % 2 == 0 {
            a.client.delete(a.url("/api/v1/me")).json(&json!({"password": "a wrong guess"})).send().await.unwrap()
        } else {
            a.post_json(
                "/api/v1/auth/password",
                json!({"current_password": "a wrong guess", "new_password": "another long one"}),
            )
            .await
        };
        statuses.push(res.status());
    }
    let wrong = statuses.iter().filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY).count();
    assert_eq!(wrong, 5, "five checked and wrong, then a wait: {statuses:?}");
    assert!(statuses[5..].iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");

    // The right password waits too, and says how long.
    let right =
        a.client.delete(a.url("/api/v1/me")).json(&json!({"password": "correct horse battery"})).send().await.unwrap();
    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = right.headers().get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!(retry >= 1);
    assert_eq!(error_code(right).await, (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts".into()));
    assert_eq!(a.get("/api/v1/me").await.status(), StatusCode::OK, "the account is still there");

    // Another session of the same account waits as well.
    let other = client();
    let login = login_status(&other, app, &a.email, "correct horse battery").await;
    assert_eq!(login, StatusCode::OK, "logging in is a different key");
    let changed = other
        .post(app.url("/api/v1/auth/password"))
        .json(&json!({"current_password": "correct horse battery", "new_password": "another long one"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::TOO_MANY_REQUESTS);

    // The page says so kindly, with the same header.
    let page = a.get("/account").await.text().await.unwrap();
    let res = a
        .client
        .post(a.url("/account/delete"))
        .form(&[("_csrf", csrf_of(&page).as_str()), ("password", "correct horse battery")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().get("retry-after").is_some());
    let html = res.text().await.unwrap();
    assert!(html.contains("pausing here for a little while") && html.contains("try again in"), "{html}");
    assert!(html.contains("Delete your account"), "the account page again, not a bare error");
}

on_each_backend!(password_confirmation_is_throttled, password_confirmation_throttle_case);

async fn new_token(p: &crate::support::Person) -> String {
    let res = p.post_json("/api/v1/auth/tokens", json!({"name": "my script"})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string()
}

async fn token_status(app: &TestApp, token: &str) -> StatusCode {
    reqwest::Client::new().get(app.url("/api/v1/me")).bearer_auth(token).send().await.unwrap().status()
}

/// "Log out everywhere else" and a new password end access tokens too, and
/// the account page says so before the person clicks.
async fn tokens_end_with_other_access_case(app: &TestApp) {
    let a = app.register("Ana").await;
    let token = new_token(&a).await;
    assert_eq!(token_status(app, &token).await, StatusCode::OK);

    let page = a.get("/account").await.text().await.unwrap();
    assert!(page.contains("This also ends your access tokens"), "said next to \"Log out everywhere else\"");
    assert!(page.contains("also ends your access tokens."), "said next to \"Change password\"");
    let ended = a
        .client
        .post(a.url("/account/sessions/end-others"))
        .form(&[("_csrf", csrf_of(&page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), StatusCode::SEE_OTHER);
    assert_eq!(token_status(app, &token).await, StatusCode::UNAUTHORIZED, "logging out everywhere else ends tokens");
    assert_eq!(a.get("/api/v1/me").await.status(), StatusCode::OK, "this device stays logged in");

    let token = new_token(&a).await;
    assert_eq!(token_status(app, &token).await, StatusCode::OK);
    let changed = a
        .post_json(
            "/api/v1/auth/password",
            json!({"current_password": "correct horse battery", "new_password": "another long one"}),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(changed.json::<Value>().await.unwrap()["tokens_ended"], 1);
    assert_eq!(token_status(app, &token).await, StatusCode::UNAUTHORIZED, "a new password ends tokens");
}

on_each_backend!(tokens_end_with_other_access, tokens_end_with_other_access_case);

/// "This email has an account" answers are throttled per address, so one
/// address cannot test many emails quickly; others register as usual.
async fn registration_refusals_throttled_case(app: &TestApp) {
    let taken: Vec<String> = {
        let mut v = Vec::new();
        for _ in 0..6 {
            v.push(app.register("Ana").await.email);
        }
        v
    };
    let prober = client_from("127.0.0.4");
    let register = |c: &reqwest::Client, email: &str| {
        c.post(app.url("/api/v1/auth/register")).json(&json!({
            "email": email, "password": "correct horse battery", "display_name": "Probe"
        }))
    };
    for email in &taken[..5] {
        let res = register(&prober, email).send().await.unwrap();
        assert_eq!(error_code(res).await, (StatusCode::CONFLICT, "email_taken".into()));
    }
    let res = register(&prober, &taken[5]).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "the sixth probe waits");
    assert!(res.headers().get("retry-after").is_some());
    // Someone else, from another address, registers as usual.
    let other = client_from("127.0.0.5");
    let res = register(&other, &format!("{}@example.org", crate::support::unique("new"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
}

on_each_backend!(registration_refusals_are_throttled, registration_refusals_throttled_case);

/// Posts the registration form as a browser would (with its `Origin`),
/// and fails the test if the answer does not come promptly: a refused
/// registration must never leave the form waiting.
async fn register_form(
    c: &reqwest::Client,
    app: &TestApp,
    email: &str,
    time_zone: &str,
) -> (StatusCode, Option<String>, String) {
    let send = c
        .post(app.url("/register"))
        .header("origin", app.url(""))
        .form(&[("display_name", "Kim"), ("email", email), ("password", "long enough pass"), ("time_zone", time_zone)])
        .send();
    let res = tokio::time::timeout(Duration::from_secs(20), send)
        .await
        .unwrap_or_else(|_| panic!("the registration form for {email} did not answer within 20 s"))
        .unwrap();
    let status = res.status();
    let retry = res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
    let location = res.headers().get("location").map(|v| v.to_str().unwrap().to_string());
    let body = tokio::time::timeout(Duration::from_secs(20), res.text()).await.expect("the page arrives").unwrap();
    (status, retry.or(location), body)
}

/// The registration form refused again and again from one address (the
/// page path of the registration throttle): every refusal answers at once
/// with the form and what was typed; the sixth "email taken" waits, saying
/// so in words and in `Retry-After`; a refusal before any check (an unknown
/// time zone) costs nothing, and the same form then goes through.
async fn registration_form_refusals_case(app: &TestApp) {
    let taken = app.register("Ana").await.email;
    let c = client_from("127.0.0.6");

    let (status, _, page) = register_form(&c, app, &taken, "Nowhere/Land").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("do not know the time zone") && page.contains(&taken), "{page}");
    for round in 1..=5 {
        let (status, _, page) = register_form(&c, app, &taken, "Europe/Paris").await;
        assert_eq!(status, StatusCode::CONFLICT, "refusal {round}");
        assert!(page.contains("already exists") && page.contains("value=\"Kim\""), "refusal {round}: {page}");
    }
    assert_eq!(throttle_count(app, "register:127.0.0.6").await, 5, "the five refusals counted, the time zone not");
    let (status, retry, page) = register_form(&c, app, &taken, "Europe/Paris").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = retry.expect("Retry-After on the page too").parse().unwrap();
    assert!(retry >= 1);
    assert!(page.contains("try again in") && page.contains(&taken), "the form again, with a wait: {page}");

    // The browser journey's sequence from a fresh address: refused for the
    // time zone, then the same form with a real one signs in.
    let fresh = client_from("127.0.0.7");
    let email = format!("{}@example.org", crate::support::unique("kim"));
    let (status, _, _) = register_form(&fresh, app, &email, "Nowhere/Land").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, location, _) = register_form(&fresh, app, &email, "Europe/Paris").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Registering makes the first space too, and lands in it.
    assert!(location.as_deref().is_some_and(|l| l.starts_with("/spaces/")), "{location:?}");
    let me = fresh.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK, "signed in by the form");
    assert_eq!(throttle_count(app, "register:127.0.0.7").await, 0, "a registration that went through is given back");
}

on_each_backend!(registration_form_refusals_answer_at_once, registration_form_refusals_case);

/// The account page names each session's device in words, and lists the
/// access tokens: one made there is shown once, works, and once revoked
/// there no longer does.
async fn devices_and_tokens_case(app: &TestApp) {
    let a = app.register("Ana").await;
    let chromium =
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36";
    let laptop = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(chromium)
        .build()
        .unwrap();
    let login = laptop
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": a.email, "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let html = a.get("/account").await.text().await.unwrap();
    assert!(html.contains(&format!("<span title=\"{chromium}\">Chromium on Linux</span>")), "{html}");

    let token = crate::support::csrf_of(&html);
    let empty = a
        .client
        .post(a.url("/account/tokens"))
        .form(&[("_csrf", token.as_str()), ("name", "  ")])
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.text().await.unwrap().contains("<p id=\"token_name-error\" class=\"field-error\">"));
    let made = a
        .client
        .post(a.url("/account/tokens"))
        .form(&[("_csrf", token.as_str()), ("name", "Kitchen tablet")])
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), StatusCode::OK);
    let html = made.text().await.unwrap();
    let at = html.find("id=\"new-token\"").expect("the secret, once");
    let secret = html[at..].split("value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert!(secret.starts_with("troth_"), "{secret}");
    let me = client().get(app.url("/api/v1/me")).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK, "the token works");
    let listed = a.get("/account").await.text().await.unwrap();
    assert!(
        listed.contains("<strong>Kitchen tablet</strong>") && !listed.contains(&secret),
        "listed, never shown again"
    );

    let at = listed.find("/revoke\"").expect("a revoke button");
    let action = listed[..at].rsplit("action=\"").next().unwrap().to_string() + "/revoke";
    let revoked = a
        .client
        .post(a.url(&action))
        .form(&[("_csrf", crate::support::csrf_of(&listed).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    let me = client().get(app.url("/api/v1/me")).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED, "revoked");
    assert!(!a.get("/account").await.text().await.unwrap().contains("Kitchen tablet"));
}

on_each_backend!(account_page_names_devices_and_manages_tokens, devices_and_tokens_case);

/// An account holds at most 50 access tokens, so every one stays listed
/// and revocable on the account page.
async fn token_bound_case(app: &TestApp) {
    let a = app.register("Ana").await;
    for i in 0..50 {
        let res = a.post_json("/api/v1/auth/tokens", json!({"name": format!("script {i}")})).await;
        assert_eq!(res.status(), StatusCode::CREATED, "token {i}");
    }
    let refused = a.post_json("/api/v1/auth/tokens", json!({"name": "one too many"})).await;
    assert_eq!(error_code(refused).await, (StatusCode::CONFLICT, "too_many_tokens".into()));
    let listed: Vec<Value> = a.get("/api/v1/auth/tokens").await.json().await.unwrap();
    assert_eq!(listed.len(), 50, "all of them listed");
}

on_each_backend!(an_account_holds_at_most_fifty_tokens, token_bound_case);

/// Posts a page form with the page's CSRF token; the answer's status and HTML.
async fn post_page_form(
    p: &crate::support::Person,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let token = crate::support::csrf_of(&p.get(page).await.text().await.unwrap());
    let mut form = vec![("_csrf", token.as_str())];
    form.extend_from_slice(fields);
    let res = p.client.post(p.url(action)).form(&form).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

/// The password change and the account deletion say what is wrong under
/// the field at fault, in a sentence, tied to it; passwords are never
/// written back into the page; nothing changes.
async fn password_forms_refuse_by_the_field_case(app: &TestApp) {
    let a = app.register("Ana").await;
    let (status, html) = post_page_form(
        &a,
        "/account",
        "/account/password",
        &[("current_password", "correct horse battery"), ("new_password", "short")],
    )
    .await;
    assert!(status.is_client_error(), "{status}");
    assert!(
        html.contains("aria-invalid=\"true\" aria-describedby=\"new_password-help new_password-error\""),
        "the new password is marked"
    );
    let sentence =
        html.split("<p id=\"new_password-error\" class=\"field-error\">").nth(1).expect("a sentence under it");
    let sentence = sentence.split('<').next().unwrap();
    assert!(
        sentence.starts_with(char::is_uppercase) && sentence.ends_with('.') && !sentence.contains("new_password"),
        "{sentence}"
    );
    assert!(!html.contains("value=\"short\"") && !html.contains("correct horse battery"), "no password written back");

    let (status, html) = post_page_form(
        &a,
        "/account",
        "/account/password",
        &[("current_password", "not my password"), ("new_password", "a brand new passphrase")],
    )
    .await;
    assert!(status.is_client_error(), "{status}");
    assert!(html.contains("id=\"current_password\" name=\"current_password\" type=\"password\" required maxlength=\"128\" autocomplete=\"current-password\" aria-invalid=\"true\" aria-describedby=\"current_password-error\""));
    assert!(html.contains("<p id=\"current_password-error\" class=\"field-error\">"));
    assert_eq!(html.matches("aria-invalid=\"true\"").count(), 1, "only the field at fault");
    let login = client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": a.email, "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK, "the password did not change");

    let (status, html) = post_page_form(&a, "/account", "/account/delete", &[("password", "not my password")]).await;
    assert!(status.is_client_error(), "{status}");
    assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"delete_password-error\""));
    assert!(html.contains("<p id=\"delete_password-error\" class=\"field-error\">"));
    assert_eq!(a.get("/api/v1/me").await.status(), StatusCode::OK, "the account is still there");
}

on_each_backend!(password_forms_refuse_by_the_field, password_forms_refuse_by_the_field_case);

/// Actions with nothing else to show confirm themselves once, after the
/// redirect (post-redirect-get): the next page says so, the one after
/// does not. The password change no longer leaves the page on a POST.
async fn confirmations_after_quiet_actions_case(app: &TestApp) {
    let (a, _b, sid) = app.pair().await;
    let flash = |html: &str| {
        html.split("<div class=\"notice flash\" role=\"status\">")
            .nth(1)
            .map(|r| r.split('<').next().unwrap().to_string())
    };
    let (status, _) = post_page_form(
        &a,
        "/account",
        "/account/profile",
        &[("display_name", "Ana Maria"), ("time_zone", "Europe/Paris")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let shown = a.get("/account").await.text().await.unwrap();
    assert_eq!(flash(&shown).as_deref(), Some("Saved."));
    assert_eq!(flash(&a.get("/account").await.text().await.unwrap()), None, "shown once");

    let (status, _) = post_page_form(
        &a,
        "/account",
        "/account/password",
        &[("current_password", "correct horse battery"), ("new_password", "another long passphrase")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "post-redirect-get");
    let shown = a.get("/account").await.text().await.unwrap();
    assert!(flash(&shown).is_some_and(|f| f.starts_with("Password changed.")), "{:?}", flash(&shown));

    let note = a.note(&sid, "private", "to delete").await;
    let nid = note["id"].as_str().unwrap();
    // Deleting asks first: the delete form sits inside a closed question.
    let page = a.get(&format!("/spaces/{sid}/notes/{nid}")).await.text().await.unwrap();
    let form = page.find(&format!("action=\"/spaces/{sid}/notes/{nid}/delete\"")).expect("a delete form");
    let question = page[..form].rfind("<details class=\"confirm-delete\">").expect("behind a question");
    assert!(!page[question..form].contains("</details>"), "the form is inside that question");
    assert!(page[form..].contains("Yes, delete"));
    let (status, _) =
        post_page_form(&a, &format!("/spaces/{sid}/notes/{nid}"), &format!("/spaces/{sid}/notes/{nid}/delete"), &[])
            .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(flash(&a.get(&format!("/spaces/{sid}/notes")).await.text().await.unwrap()).as_deref(), Some("Deleted."));

    // Only known codes are shown: a made-up cookie puts no words on the page.
    let forged = a.client.get(a.url("/account")).header("cookie", "troth_flash=<b>hi</b>").send().await.unwrap();
    assert_eq!(flash(&forged.text().await.unwrap()), None);
}

on_each_backend!(confirmations_after_quiet_actions, confirmations_after_quiet_actions_case);
