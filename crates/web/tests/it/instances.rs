//! Several instances of troth on one PostgreSQL database, as behind a load
//! balancer without sticky sessions: two servers, each with its own pool,
//! on the same fresh database, and every request free to land on either.
//! Both share one public URL (the proxy's) and trust the proxy's
//! `X-Forwarded-For`, as a real deployment behind a proxy must.
//!
//! PostgreSQL only (SQLite is one file on one machine): skipped with a note
//! when `TROTH_TEST_DATABASE_URL` is not set, required when `CI` is.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use reqwest::header::{HeaderMap, HeaderValue, COOKIE};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use troth_store::Store;
use troth_web::WebConfig;

use crate::support::{backends, database_url, error_code, spawn_app_on, unique, Db, Person, TestApp};

/// The address people use: the proxy in front of both instances.
const PUBLIC_URL: &str = "https://troth.example.org";
const PASSWORD: &str = "correct horse battery";

/// Two instances on one fresh PostgreSQL database, started at the same
/// moment (so their migrations race, as two servers starting together
/// would), or `None` without PostgreSQL.
async fn two_instances(config: WebConfig) -> Option<(TestApp, TestApp)> {
    if !backends().contains(&Db::Postgres) {
        eprintln!("note: the several-instances tests need PostgreSQL; skipped");
        return None;
    }
    let (url, _) = database_url(Db::Postgres).await;
    let config = WebConfig { public_url: PUBLIC_URL.into(), trust_proxy: true, ..config };
    Some(tokio::join!(spawn_app_on(Db::Postgres, url.clone(), config.clone()), spawn_app_on(Db::Postgres, url, config)))
}

/// What the proxy passes on from a browser at `ip`: the browser's own
/// same-origin headers and the client address the proxy appended.
fn browser_headers(ip: &str) -> HeaderMap {
    let mut h = crate::support::same_origin_headers();
    h.insert("origin", HeaderValue::from_static(PUBLIC_URL));
    h.insert("x-forwarded-for", HeaderValue::from_str(ip).unwrap());
    h
}

/// A browser at `ip`; with `jar`, it keeps cookies (one jar serves both
/// instances: they are one site to the browser), without, the test passes
/// the cookie itself.
fn browser(ip: &str, jar: bool) -> Client {
    Client::builder()
        .cookie_store(jar)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(browser_headers(ip))
        .build()
        .unwrap()
}

async fn register(app: &TestApp, name: &str, ip: &str) -> Person {
    let client = browser(ip, true);
    let email = format!("{}@example.org", unique(&name.to_lowercase()));
    let res = client
        .post(app.url("/api/v1/auth/register"))
        .json(&json!({"email": email, "password": PASSWORD, "display_name": name, "time_zone": "Europe/Paris"}))
        .send()
        .await
        .unwrap();
    let user = crate::support::registered(app, &client, res, &email, PASSWORD, name).await;
    Person { client, base: app.base.clone(), email, id: user["id"].as_str().unwrap().to_string() }
}

/// The same person (same cookie jar) with their requests going to `app`.
fn at(p: &Person, app: &TestApp) -> Person {
    Person { base: app.base.clone(), ..p.clone() }
}

/// A on instance one, B on instance two, sharing a space: A makes it and
/// the invite on one, B accepts on two.
async fn pair_across(one: &TestApp, two: &TestApp) -> (Person, Person, String) {
    let a = register(one, "Ana", "10.7.0.1").await;
    let b = register(two, "Bo", "10.7.0.2").await;
    let space = a.post_json("/api/v1/pairs", json!({"name": "Us"})).await;
    assert_eq!(space.status(), StatusCode::CREATED);
    let sid = space.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    let invite: Value = a.post_json(&format!("/api/v1/pairs/{sid}/invites"), json!({})).await.json().await.unwrap();
    let code = invite["code"].as_str().unwrap();
    assert_eq!(b.post_json(&format!("/api/v1/invites/{code}/accept"), json!({})).await.status(), StatusCode::OK);
    (a, b, sid)
}

/// Whether `reader` sees the note `nid` titled `title`, alone and in the list.
async fn sees_note(reader: &Person, sid: &str, nid: &str, title: &str) {
    let one = reader.get(&format!("/api/v1/pairs/{sid}/notes/{nid}")).await;
    assert_eq!(one.status(), StatusCode::OK, "{title}");
    assert_eq!(one.json::<Value>().await.unwrap()["title"], title);
    let list: Vec<Value> = reader.get(&format!("/api/v1/pairs/{sid}/notes")).await.json().await.unwrap();
    assert!(list.iter().any(|n| n["id"] == nid), "{title} in the list");
}

/// Each partner on their own instance sees the other's writes at once;
/// a session and a token made on one instance work on the other, and
/// ending them on one ends them on both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partners_on_two_instances_share_writes_sessions_and_tokens() {
    let Some((one, two)) = two_instances(WebConfig::default()).await else { return };
    let (a, b, sid) = pair_across(&one, &two).await;

    // A write on one instance is read at once (no wait, no retry) on the other.
    for i in 0..5 {
        let title = format!("From one, {i}");
        let note = a.note(&sid, "shared", &title).await;
        sees_note(&b, &sid, note["id"].as_str().unwrap(), &title).await;
        let title = format!("From two, {i}");
        let note = b.note(&sid, "shared", &title).await;
        sees_note(&a, &sid, note["id"].as_str().unwrap(), &title).await;
    }

    // A session made on one instance works on the other; logging out on the
    // other ends it everywhere. The cookie is passed by hand, so nothing but
    // the cookie connects the requests.
    let bare = browser("10.7.0.1", false);
    let login = bare
        .post(one.url("/api/v1/auth/login"))
        .json(&json!({"email": a.email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let set_cookie = login.headers().get("set-cookie").unwrap().to_str().unwrap();
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    assert!(cookie.starts_with("troth_session="), "{cookie}");
    let me_on = |app: &TestApp| bare.get(app.url("/api/v1/me")).header(COOKIE, &cookie).send();
    let me = me_on(&two).await.unwrap();
    assert_eq!(me.status(), StatusCode::OK, "the session made on one is known to two");
    assert_eq!(me.json::<Value>().await.unwrap()["email"], a.email.as_str());
    // A cookie-authenticated write on two passes two's origin check: both
    // instances share the public URL.
    let made = bare
        .post(two.url(&format!("/api/v1/pairs/{sid}/notes")))
        .header(COOKIE, &cookie)
        .json(&json!({"title": "Via two", "body": "with one's session", "visibility": "shared"}))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), StatusCode::CREATED);
    let logout =
        bare.post(two.url("/api/v1/auth/logout")).header(COOKIE, &cookie).json(&json!({})).send().await.unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        error_code(me_on(&one).await.unwrap()).await,
        (StatusCode::UNAUTHORIZED, "unauthenticated".into()),
        "logging out on two ended the session on one"
    );
    // A's first session (from registering on one) is untouched by that logout.
    assert_eq!(at(&a, &two).get("/api/v1/me").await.status(), StatusCode::OK);

    // A personal access token made on one works on two; revoked on two, it
    // stops on one.
    let res = a.post_json("/api/v1/auth/tokens", json!({"name": "my script"})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    let token = created["token"].as_str().unwrap();
    let script = Client::new();
    let me = script.get(two.url("/api/v1/me")).bearer_auth(token).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK, "the token made on one is known to two");
    assert_eq!(me.json::<Value>().await.unwrap()["email"], a.email.as_str());
    let revoked = at(&a, &two).delete(&format!("/api/v1/auth/tokens/{}", created["id"].as_str().unwrap())).await;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let gone = script.get(one.url("/api/v1/me")).bearer_auth(token).send().await.unwrap();
    assert_eq!(error_code(gone).await, (StatusCode::UNAUTHORIZED, "invalid_token".into()));
}

fn exchange(sid: &str, xid: &str) -> String {
    format!("/api/v1/pairs/{sid}/exchanges/{xid}")
}

/// How many notifications of `kind` the person has about exchange `xid`.
async fn told(p: &Person, kind: &str, xid: &str) -> usize {
    let list: Vec<Value> = p.get("/api/v1/me/notifications").await.json().await.unwrap();
    list.iter().filter(|n| n["kind"] == kind && n["link"].as_str().unwrap_or("").ends_with(xid)).count()
}

/// Both partners send their sealed part at the same instant, A to one
/// instance and B to the other, round after round: each exchange opens
/// exactly once, each partner hears of it once, and both parts show.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sealed_exchange_opens_once_when_the_parts_reach_two_instances_at_once() {
    const ROUNDS: usize = 10;
    let Some((one, two)) = two_instances(WebConfig::default()).await else { return };
    let (a, b, sid) = pair_across(&one, &two).await;
    for round in 0..ROUNDS {
        let res = a
            .post_json(
                &format!("/api/v1/pairs/{sid}/exchanges"),
                json!({"prompt": "What is one thing you have not told me yet?"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let xid = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        let part = format!("{}/part", exchange(&sid, &xid));
        let a_sends = a.post_json(&part, json!({"text": format!("a, round {round}")}));
        let b_sends = b.post_json(&part, json!({"text": format!("b, round {round}")}));
        let (a_res, b_res) = tokio::join!(a_sends, b_sends);
        let mut reveals = 0;
        for res in [a_res, b_res] {
            assert_eq!(res.status(), StatusCode::CREATED, "both parts accepted (round {round})");
            if res.json::<Value>().await.unwrap()["revealed_now"] == true {
                reveals += 1;
            }
        }
        assert_eq!(reveals, 1, "exactly one submit opened the exchange (round {round})");
        // Each reads on the other instance from the one they wrote to.
        let (a2, b1) = (at(&a, &two), at(&b, &one));
        for (p, mine, theirs) in [(&a2, "a", "b"), (&b1, "b", "a")] {
            let x: Value = p.get(&exchange(&sid, &xid)).await.json().await.unwrap();
            assert_eq!(x["status"], "revealed", "{x}");
            assert_eq!(x["my_part"]["text"], format!("{mine}, round {round}"));
            assert_eq!(x["partner_part"]["text"], format!("{theirs}, round {round}"));
            assert_eq!(told(p, "exchange_revealed", &xid).await, 1, "{mine} told once (round {round})");
        }
        let waiting = told(&a2, "exchange_waiting", &xid).await + told(&b1, "exchange_waiting", &xid).await;
        assert_eq!(waiting, 1, "the first part (whichever) told the other once (round {round})");
    }
    let opened: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM exchanges WHERE status = 'revealed' AND parts_written = 2")
            .fetch_one(one.store.pool())
            .await
            .unwrap();
    assert_eq!(opened, ROUNDS as i64);
}

/// A promise from `p`, due in `hours`.
async fn promise(p: &Person, sid: &str, text: &str, hours: i64) -> Value {
    let due = (Timestamp::now() + SignedDuration::from_hours(hours)).to_string();
    let res = p.post_json(&format!("/api/v1/pairs/{sid}/promises"), json!({"text": text, "due": due})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

/// The reminders tick runs on every instance every minute. Run on both at
/// the same instant, again and again, it sends each reminder once (in the
/// app and by email) and folds an overdue promise into the tallies once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reminders_tick_on_two_instances_at_once_sends_nothing_twice() {
    let sink = crate::mail_sink::plain().await;
    let config = WebConfig { smtp: Some(sink.mailer()), ..WebConfig::default() };
    let Some((one, two)) = two_instances(config.clone()).await else { return };
    let (a, b, sid) = pair_across(&one, &two).await;
    for p in [&a, &b] {
        let settings = json!({"notify_due_app": true, "notify_due_email": true, "notify_confirmed_app": true, "notify_confirmed_email": false, "notify_ritual_app": true, "notify_ritual_email": false, "commitment_threshold": 5});
        assert_eq!(p.put_json("/api/v1/me/settings", settings).await.status(), StatusCode::OK);
    }
    let soon = promise(&a, &sid, "Pick up the cake", 3).await;
    // A second promise, already past due: made due later, then moved back
    // in the database (the API takes no past due time), as time passing would.
    let late = promise(&a, &sid, "Call the plumber", 30).await;
    let late_id = late["id"].as_str().unwrap().parse::<troth_domain::Id>().unwrap();
    let an_hour_ago = (Timestamp::now() - SignedDuration::from_hours(1)).as_millisecond();
    sqlx::query("UPDATE promises SET due_at = $1 WHERE id = $2")
        .bind(an_hour_ago)
        .bind(late_id.get())
        .execute(one.store.pool())
        .await
        .unwrap();

    let (store_one, store_two): (Arc<dyn Store>, Arc<dyn Store>) = (one.store.clone(), two.store.clone());
    let mut sent = 0;
    for _ in 0..5 {
        let now = Timestamp::now();
        let (n1, n2) = tokio::join!(
            troth_web::reminders::tick(&store_one, &config, now),
            troth_web::reminders::tick(&store_two, &config, now)
        );
        sent += n1 + n2;
    }
    assert_eq!(sent, 2, "one due-soon reminder per member, whichever instance sent it");
    let got = sink.nudges().await;
    assert_eq!(got.len(), 2, "one email per member");
    for p in [&a, &b] {
        assert_eq!(got.iter().filter(|m| m.to == vec![p.email.clone()]).count(), 1, "{}", p.email);
        let list: Vec<Value> = p.get("/api/v1/me/notifications").await.json().await.unwrap();
        let due_soon: Vec<&Value> = list.iter().filter(|n| n["kind"] == "promise_due_soon").collect();
        assert_eq!(due_soon.len(), 1, "{} told once: {due_soon:?}", p.email);
        assert!(due_soon[0]["link"].as_str().unwrap().ends_with(soon["id"].as_str().unwrap()));
    }
    let missed: Vec<i64> = sqlx::query_scalar("SELECT n FROM reliability_tallies WHERE user_id = $1 AND kind = $2")
        .bind(a.id.parse::<troth_domain::Id>().unwrap().get())
        .bind(troth_domain::promises::reliability::OutcomeKind::Missed.as_str())
        .fetch_all(one.store.pool())
        .await
        .unwrap();
    assert_eq!(missed, vec![1], "the overdue promise is one miss, folded once");
}

/// Login failures count together wherever they land: a guesser spreading
/// attempts over both instances gets no more checks than on one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_throttling_counts_failures_on_both_instances_together() {
    let Some((one, two)) = two_instances(WebConfig::default()).await else { return };
    let a = register(&one, "Ana", "10.8.0.1").await;
    let login = |c: &Client, app: &TestApp, password: &str| {
        c.post(app.url("/api/v1/auth/login")).json(&json!({"email": a.email, "password": password})).send()
    };

    // One after another, alternating: the free failures are shared, so the
    // next attempt, on either instance, waits, even with the right password.
    let guesser = browser("10.8.0.2", true);
    for i in 0..troth_domain::accounts::FREE_FAILURES {
        let app = if i % 2 == 0 { &one } else { &two };
        assert_eq!(login(&guesser, app, "a wrong guess").await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    for app in [&one, &two] {
        let res = login(&guesser, app, PASSWORD).await.unwrap();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "locked on {}", app.base);
        assert!(res.headers().get("retry-after").is_some());
    }

    // At once, half to each instance: still only the free ones are checked.
    let sprayer = browser("10.8.0.3", true);
    let mut tasks = Vec::new();
    for i in 0..30 {
        let req = sprayer
            .post((if i % 2 == 0 { &one } else { &two }).url("/api/v1/auth/login"))
            .json(&json!({"email": a.email, "password": "a wrong guess"}));
        tasks.push(tokio::spawn(async move { req.send().await.unwrap().status() }));
    }
    let mut checked = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(checked, troth_domain::accounts::FREE_FAILURES, "only the free failures were checked, across both");

    // The owner, from a clean address, still gets in on either instance.
    let owner = browser("10.8.0.4", true);
    for app in [&one, &two] {
        assert_eq!(login(&owner, app, PASSWORD).await.unwrap().status(), StatusCode::OK);
    }
}
