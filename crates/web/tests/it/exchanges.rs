//! Sealed exchanges over real HTTP, on both backends: what the partner can
//! see before the reveal (nothing but a boolean), the authorization matrix,
//! the exactly-once reveal under concurrent submits, bad input, leaving,
//! deleting an account, export, and the pages' forms.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::on_each_backend;
use crate::support::{client, error_code, Person, TestApp};

fn base(sid: &str) -> String {
    format!("/api/v1/pairs/{sid}/exchanges")
}

fn path(sid: &str, xid: &str) -> String {
    format!("/api/v1/pairs/{sid}/exchanges/{xid}")
}

async fn start(p: &Person, sid: &str, part: Option<&str>) -> String {
    let mut body = json!({"prompt": "What is one thing you have not told me yet?"});
    if let Some(part) = part {
        body["part"] = json!(part);
    }
    let res = p.post_json(&base(sid), body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let x: Value = res.json().await.unwrap();
    x["id"].as_str().unwrap().to_string()
}

async fn write(p: &Person, sid: &str, xid: &str, text: &str) -> reqwest::Response {
    p.post_json(&format!("{}/part", path(sid, xid)), json!({"text": text})).await
}

async fn edit(p: &Person, sid: &str, xid: &str, text: &str) -> reqwest::Response {
    p.put_json(&format!("{}/part", path(sid, xid)), json!({"text": text})).await
}

async fn view(p: &Person, sid: &str, xid: &str) -> Value {
    let res = p.get(&path(sid, xid)).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// How many notifications of `kind` the person has about exchange `xid`.
async fn told(p: &Person, kind: &str, xid: &str) -> usize {
    let list: Vec<Value> = p.get("/api/v1/me/notifications").await.json().await.unwrap();
    list.iter().filter(|n| n["kind"] == kind && n["link"].as_str().unwrap_or("").ends_with(xid)).count()
}

/// Whether any value in `v` is the number `n`, as a number or as a string.
fn holds_number(v: &Value, n: usize) -> bool {
    match v {
        Value::Number(x) => x.as_u64() == Some(n as u64),
        Value::String(s) => s.trim() == n.to_string(),
        Value::Array(items) => items.iter().any(|i| holds_number(i, n)),
        Value::Object(map) => map.values().any(|i| holds_number(i, n)),
        _ => false,
    }
}

fn db_id(hex: &str) -> i64 {
    hex.parse::<troth_domain::Id>().unwrap().get()
}

async fn stored_parts_with(app: &TestApp, body: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM exchange_parts WHERE body = $1")
        .bind(body.to_string())
        .fetch_one(app.store.pool())
        .await
        .unwrap()
}

/// The partner before the reveal learns that a part is waiting and nothing
/// else: no text, no length, no time, and nothing that moves when it is
/// rewritten; not through the API, the list, the pages, the export or the
/// notifications.
async fn privacy_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let secret = "the-hidden-words-4411 ".repeat(37);
    let xid = start(&a, &sid, Some(&secret)).await;

    let seen = view(&b, &sid, &xid).await;
    assert_eq!(seen["status"], "open");
    assert_eq!(seen["stage"], "your_turn");
    assert_eq!(seen["partner_has_written"], true);
    assert!(seen["my_part"].is_null() && seen["partner_part"].is_null(), "{seen}");
    assert_eq!(seen["responses"], json!([]));
    let text = seen.to_string();
    assert!(!text.contains("hidden-words"), "{text}");
    // The length must not show up as a value. Searching the text for its
    // digits would also hit random hex ids that happen to contain them.
    assert!(!holds_number(&seen, secret.chars().count()), "{text}");
    // The exact fields the partner gets: nothing about the part can sneak in.
    let mut keys: Vec<&str> = seen.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "can_edit",
            "can_respond",
            "can_withdraw",
            "can_write",
            "created_at",
            "created_by_me",
            "exercise_id",
            "id",
            "my_part",
            "partner_has_written",
            "partner_part",
            "prompt",
            "prompt_id",
            "remembered",
            "responses",
            "revealed_at",
            "space_id",
            "stage",
            "status"
        ]
    );

    // A rewrites the hidden part later: B's view does not change by one byte.
    tokio::time::sleep(Duration::from_millis(30)).await;
    let rewritten = "the-hidden-words-4411, said better";
    assert_eq!(edit(&a, &sid, &xid, rewritten).await.status(), StatusCode::OK);
    assert_eq!(view(&b, &sid, &xid).await, seen, "nothing B sees may move when A edits");
    let mine = view(&a, &sid, &xid).await;
    assert_eq!(mine["my_part"]["text"], rewritten);
    assert_ne!(mine["my_part"]["edited_at"], mine["my_part"]["written_at"], "the author sees their own times");
    let list: Vec<Value> = b.get(&base(&sid)).await.json().await.unwrap();
    assert_eq!(list, vec![seen.clone()], "the list shows the same cut view");

    // Pages, export and notifications carry no text either.
    for page in [format!("/spaces/{sid}/exchanges"), format!("/spaces/{sid}/exchanges/{xid}")] {
        let res = b.get(&page).await;
        assert_eq!(res.status(), StatusCode::OK, "{page}");
        let html = res.text().await.unwrap();
        assert!(!html.contains("hidden-words"), "{page} leaks the part");
    }
    let b_page = b.get(&format!("/spaces/{sid}/exchanges/{xid}")).await.text().await.unwrap();
    assert!(b_page.contains("has written their part"), "B sees that a part is waiting");
    let b_export = b.get("/api/v1/me/export").await.text().await.unwrap();
    assert!(!b_export.contains("hidden-words"), "the partner's export has no unrevealed part");
    assert!(a.get("/api/v1/me/export").await.text().await.unwrap().contains(rewritten));
    assert_eq!(told(&b, "exchange_waiting", &xid).await, 1, "one waiting notice; the edit adds none");
    let notes = b.get("/api/v1/me/notifications").await.text().await.unwrap();
    assert!(!notes.contains("hidden-words") && !notes.contains("not told me"), "no text in notifications");

    // Writing a hidden part changes, for the partner, only the booleans
    // that say a part is waiting: no time moves.
    let quiet = start(&a, &sid, None).await;
    let before = view(&b, &sid, &quiet).await;
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert_eq!(write(&a, &sid, &quiet, "written-later-3030").await.status(), StatusCode::CREATED);
    let after = view(&b, &sid, &quiet).await;
    let mut changed: Vec<&str> =
        after.as_object().unwrap().iter().filter(|(k, v)| before[k.as_str()] != **v).map(|(k, _)| k.as_str()).collect();
    changed.sort_unstable();
    assert_eq!(changed, ["can_withdraw", "partner_has_written", "stage"], "{before} -> {after}");

    // Outsiders, logged-out callers: nothing, not even existence.
    let cy = app.register("Cy").await;
    assert_eq!(cy.get(&path(&sid, &xid)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(cy.get(&base(&sid)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(write(&cy, &sid, &xid, "me too").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(cy.get(&format!("/spaces/{sid}/exchanges/{xid}")).await.status(), StatusCode::NOT_FOUND);
    let anon = client();
    assert_eq!(anon.get(app.url(&path(&sid, &xid))).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);

    // B writes: both open at once, for both, and each hears of it once.
    let res = write(&b, &sid, &xid, "my answer, at last").await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let receipt: Value = res.json().await.unwrap();
    assert_eq!(receipt["revealed_now"], true);
    assert_eq!(receipt["exchange"]["partner_part"]["text"], rewritten);
    let opened = view(&a, &sid, &xid).await;
    assert_eq!(opened["status"], "revealed");
    assert_eq!(opened["partner_part"]["text"], "my answer, at last");
    assert!(opened["revealed_at"].is_string());
    assert_eq!(told(&a, "exchange_revealed", &xid).await, 1);
    assert_eq!(told(&b, "exchange_revealed", &xid).await, 1);

    // A former member sees nothing any more.
    assert_eq!(b.post_json(&format!("/api/v1/pairs/{sid}/leave"), json!({})).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(b.get(&path(&sid, &xid)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(b.get(&base(&sid)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(b.get(&format!("/spaces/{sid}/exchanges/{xid}")).await.status(), StatusCode::NOT_FOUND);
}

async fn withdraw_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let xid = start(&a, &sid, Some("withdraw-me-9931")).await;
    let res = a.post_json(&format!("{}/withdraw", path(&sid, &xid)), json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let closed: Value = res.json().await.unwrap();
    assert_eq!(closed["status"], "withdrawn");
    assert!(closed["my_part"].is_null());
    let seen = view(&b, &sid, &xid).await;
    assert_eq!(seen["status"], "withdrawn");
    assert_eq!(seen["partner_has_written"], false);
    assert!(!seen.to_string().contains("withdraw-me"));
    assert_eq!(stored_parts_with(app, "withdraw-me-9931").await, 0, "the withdrawn text is deleted");
    for who in [&a, &b] {
        assert_eq!(
            error_code(write(who, &sid, &xid, "late").await).await,
            (StatusCode::CONFLICT, "exchange_withdrawn".into())
        );
    }
    let again = a.post_json(&format!("{}/withdraw", path(&sid, &xid)), json!({})).await;
    assert_eq!(error_code(again).await, (StatusCode::CONFLICT, "exchange_withdrawn".into()));

    // Once the other part is written, one's own can no longer be pulled back.
    let other = start(&a, &sid, None).await;
    assert_eq!(write(&b, &sid, &other, "B first").await.status(), StatusCode::CREATED);
    let refused = a.post_json(&format!("{}/withdraw", path(&sid, &other)), json!({})).await;
    assert_eq!(error_code(refused).await, (StatusCode::CONFLICT, "partner_has_written".into()));
    assert_eq!(view(&b, &sid, &other).await["my_part"]["text"], "B first", "nothing was lost");
}

async fn bad_input_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let unknown = "0123456789abcdef";
    for res in [
        a.get(&path(&sid, unknown)).await,
        write(&a, &sid, unknown, "x").await,
        edit(&a, &sid, unknown, "x").await,
        a.get(&path(&sid, "not-an-id")).await,
    ] {
        assert_eq!(error_code(res).await, (StatusCode::NOT_FOUND, "not_found".into()));
    }

    // Empty or too long: 422 naming the field, and nothing is created.
    for (body, field) in [
        (json!({"prompt": "   "}), "prompt"),
        (json!({"prompt": "q".repeat(501)}), "prompt"),
        (json!({"prompt": "ok?", "part": "p".repeat(10_001)}), "part"),
        (json!({"prompt": "ok?", "part": ""}), "part"),
        (json!({"prompt": "ok?", "prompt_id": "has spaces"}), "prompt_id"),
    ] {
        let res = a.post_json(&base(&sid), body).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["field"], field, "{err}");
    }
    let list: Vec<Value> = a.get(&base(&sid)).await.json().await.unwrap();
    assert!(list.is_empty(), "a refused create writes nothing");
    let malformed = a.client.post(a.url(&base(&sid))).header("content-type", "application/json").body("{").send().await;
    assert_eq!(error_code(malformed.unwrap()).await, (StatusCode::BAD_REQUEST, "malformed_json".into()));

    let res = a
        .post_json(
            &base(&sid),
            json!({"prompt": "From the bank", "prompt_id": "bank/l1-007", "exercise_id": "vulnerability"}),
        )
        .await;
    let made: Value = res.json().await.unwrap();
    assert_eq!(
        (made["prompt_id"].as_str(), made["exercise_id"].as_str()),
        (Some("bank/l1-007"), Some("vulnerability"))
    );
    let xid = made["id"].as_str().unwrap().to_string();

    assert_eq!(
        error_code(edit(&a, &sid, &xid, "nothing yet").await).await,
        (StatusCode::CONFLICT, "no_part_yet".into())
    );
    assert_eq!(write(&a, &sid, &xid, "first words").await.status(), StatusCode::CREATED);
    assert_eq!(
        error_code(write(&a, &sid, &xid, "second try").await).await,
        (StatusCode::CONFLICT, "part_already_written".into())
    );
    let empty = edit(&a, &sid, &xid, " \n ").await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(empty.json::<Value>().await.unwrap()["error"]["field"], "part");
    let long = edit(&a, &sid, &xid, &"x".repeat(10_001)).await;
    assert_eq!(long.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(view(&a, &sid, &xid).await["my_part"]["text"], "first words", "refused writes change nothing");

    let respond = |p: &Person, body: Value| {
        let req = p.client.put(p.url(&format!("{}/response", path(&sid, &xid)))).json(&body);
        async move { req.send().await.unwrap() }
    };
    let remember = |p: &Person, on: bool| {
        let req = p.client.put(p.url(&format!("{}/remember", path(&sid, &xid)))).json(&json!({"remember": on}));
        async move { req.send().await.unwrap() }
    };
    assert_eq!(
        error_code(respond(&a, json!({"heard": "early"})).await).await,
        (StatusCode::CONFLICT, "exchange_not_revealed".into())
    );
    assert_eq!(error_code(remember(&a, true).await).await, (StatusCode::CONFLICT, "exchange_not_revealed".into()));

    assert_eq!(write(&b, &sid, &xid, "B's words").await.status(), StatusCode::CREATED);
    assert_eq!(
        error_code(edit(&a, &sid, &xid, "too late").await).await,
        (StatusCode::CONFLICT, "exchange_revealed".into())
    );
    assert_eq!(
        error_code(edit(&b, &sid, &xid, "too late").await).await,
        (StatusCode::CONFLICT, "exchange_revealed".into())
    );
    assert_eq!(
        error_code(write(&a, &sid, &xid, "again").await).await,
        (StatusCode::CONFLICT, "exchange_revealed".into())
    );

    let res = respond(&a, json!({"heard": "", "understood": "  "})).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["field"], "heard");
    let res = respond(&a, json!({"heard": "fine", "understood": "u".repeat(2_001)})).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["field"], "understood");

    assert_eq!(respond(&a, json!({"heard": "You said B's words"})).await.status(), StatusCode::OK);
    let edited: Value =
        respond(&a, json!({"heard": "You said B's words", "understood": "Relieved"})).await.json().await.unwrap();
    assert_eq!(edited["responses"].as_array().unwrap().len(), 1, "a response is edited, not added twice");
    let from_b = view(&b, &sid, &xid).await;
    assert_eq!(from_b["responses"][0]["understood"], "Relieved");
    assert_eq!(from_b["responses"][0]["mine"], false);

    assert_eq!(remember(&a, true).await.status(), StatusCode::OK);
    assert_eq!(view(&a, &sid, &xid).await["remembered"], true);
    assert_eq!(view(&b, &sid, &xid).await["remembered"], false, "the mark is private");
    assert_eq!(remember(&a, false).await.status(), StatusCode::OK);
    assert_eq!(view(&a, &sid, &xid).await["remembered"], false);
}

/// Both members submit at the same instant, many times over: every
/// exchange opens exactly once and each member hears of it exactly once.
async fn concurrency_case(app: &TestApp) {
    const EXCHANGES: usize = 16;
    let (a, b, sid) = app.pair().await;
    let mut ids = Vec::new();
    for _ in 0..EXCHANGES {
        ids.push(start(&a, &sid, None).await);
    }
    let mut tasks = Vec::new();
    for xid in &ids {
        for (who, p) in [("a", &a), ("b", &b)] {
            let req = p
                .client
                .post(p.url(&format!("{}/part", path(&sid, xid))))
                .json(&json!({"text": format!("{who} on {xid}")}));
            let xid = xid.clone();
            tasks.push(tokio::spawn(async move { (xid, req.send().await.unwrap()) }));
        }
    }
    let mut reveals = std::collections::HashMap::<String, usize>::new();
    for t in tasks {
        let (xid, res) = t.await.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED, "both first parts are accepted");
        let receipt: Value = res.json().await.unwrap();
        if receipt["revealed_now"] == true {
            *reveals.entry(xid).or_default() += 1;
        }
    }
    for xid in &ids {
        assert_eq!(reveals.get(xid), Some(&1), "exactly one reveal for {xid}");
        let x = view(&a, &sid, xid).await;
        assert_eq!(x["status"], "revealed");
        assert_eq!(x["my_part"]["text"], format!("a on {xid}"));
        assert_eq!(x["partner_part"]["text"], format!("b on {xid}"));
        assert_eq!(told(&a, "exchange_revealed", xid).await, 1);
        assert_eq!(told(&b, "exchange_revealed", xid).await, 1);
        let waiting = told(&a, "exchange_waiting", xid).await + told(&b, "exchange_waiting", xid).await;
        assert_eq!(waiting, 1, "the first part (whichever it was) tells the other once");
    }
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM exchanges WHERE status = 'revealed' AND parts_written = 2")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert_eq!(count, EXCHANGES as i64);

    // The second part sent twice at once (a double tap): one opens, one is refused.
    let mut doubles = Vec::new();
    for _ in 0..6 {
        doubles.push(start(&a, &sid, Some("A is in")).await);
    }
    let mut tasks = Vec::new();
    for xid in &doubles {
        for _ in 0..2 {
            let req =
                b.client.post(b.url(&format!("{}/part", path(&sid, xid)))).json(&json!({"text": "B, tapped twice"}));
            tasks.push(tokio::spawn(async move { req.send().await.unwrap() }));
        }
    }
    let (mut opened, mut refused) = (0, 0);
    for t in tasks {
        let res = t.await.unwrap();
        match res.status() {
            StatusCode::CREATED => {
                assert_eq!(res.json::<Value>().await.unwrap()["revealed_now"], true);
                opened += 1;
            }
            StatusCode::CONFLICT => {
                let (_, code) = error_code(res).await;
                assert!(code == "exchange_revealed" || code == "part_already_written", "{code}");
                refused += 1;
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((opened, refused), (doubles.len(), doubles.len()));
    for xid in &doubles {
        assert_eq!(told(&a, "exchange_revealed", xid).await, 1);
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM exchange_parts WHERE exchange_id = $1")
            .bind(db_id(xid))
            .fetch_one(app.store.pool())
            .await
            .unwrap();
        assert_eq!(rows, 2);
    }
}

/// An edit racing the other member's part: either the edit lands before
/// the reveal (and the reveal shows it) or it is refused; what opened is
/// what stays, never changed after it was shown.
async fn edit_races_reveal_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let mut ids = Vec::new();
    for _ in 0..10 {
        ids.push(start(&a, &sid, Some("first draft")).await);
    }
    let mut tasks = Vec::new();
    for xid in &ids {
        let edit_req = a.client.put(a.url(&format!("{}/part", path(&sid, xid)))).json(&json!({"text": "second draft"}));
        let write_req = b.client.post(b.url(&format!("{}/part", path(&sid, xid)))).json(&json!({"text": "B answers"}));
        tasks.push(tokio::spawn(async move {
            let (edited, written) = tokio::join!(edit_req.send(), write_req.send());
            (edited.unwrap(), written.unwrap())
        }));
    }
    let mut landed = 0;
    for (xid, t) in ids.iter().zip(tasks) {
        let (edited, written) = t.await.unwrap();
        let edit_ok = match edited.status() {
            StatusCode::OK => true,
            StatusCode::CONFLICT => {
                assert_eq!(error_code(edited).await.1, "exchange_revealed");
                false
            }
            other => panic!("edit answered {other}"),
        };
        assert_eq!(written.status(), StatusCode::CREATED);
        let receipt: Value = written.json().await.unwrap();
        assert_eq!(receipt["revealed_now"], true);
        let shown = receipt["exchange"]["partner_part"]["text"].as_str().unwrap().to_string();
        let stored = view(&a, &sid, xid).await["my_part"]["text"].as_str().unwrap().to_string();
        assert_eq!(shown, stored, "what opened is what stays");
        assert_eq!(stored, if edit_ok { "second draft" } else { "first draft" });
        landed += usize::from(edit_ok);
    }
    eprintln!("edits that landed before the reveal: {landed} of {}", ids.len());
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Empty,
    CreatorWrote,
    Revealed,
    Withdrawn,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Actor {
    Creator,
    Partner,
    Outsider,
    LoggedOut,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Read,
    List,
    Write,
    Edit,
    Withdraw,
    Respond,
    Remember,
}

const OPS: [Op; 7] = [Op::Read, Op::List, Op::Write, Op::Edit, Op::Withdraw, Op::Respond, Op::Remember];

/// (status, error code or "" when it succeeds).
fn expected(actor: Actor, state: State, op: Op) -> (u16, &'static str) {
    use Actor::*;
    use Op::*;
    use State::*;
    match (actor, state, op) {
        (LoggedOut, _, _) => (401, "unauthenticated"),
        (Outsider, _, _) => (404, "not_found"),
        (_, _, Read | List) => (200, ""),
        (_, Withdrawn, _) => (409, "exchange_withdrawn"),
        (_, Revealed, Respond | Remember) => (200, ""),
        (_, Revealed, _) => (409, "exchange_revealed"),
        (_, _, Respond | Remember) => (409, "exchange_not_revealed"),
        (_, Empty, Write) => (201, ""),
        (_, Empty, Edit) => (409, "no_part_yet"),
        (_, Empty, Withdraw) => (200, ""),
        (Creator, CreatorWrote, Write) => (409, "part_already_written"),
        (Creator, CreatorWrote, Edit | Withdraw) => (200, ""),
        (Partner, CreatorWrote, Write) => (201, ""),
        (Partner, CreatorWrote, Edit) => (409, "no_part_yet"),
        (Partner, CreatorWrote, Withdraw) => (409, "partner_has_written"),
    }
}

async fn make(a: &Person, b: &Person, sid: &str, state: State) -> String {
    let xid = start(a, sid, (state != State::Empty).then_some("creator's part")).await;
    match state {
        State::Revealed => assert_eq!(write(b, sid, &xid, "partner's part").await.status(), StatusCode::CREATED),
        State::Withdrawn => {
            let res = a.post_json(&format!("{}/withdraw", path(sid, &xid)), json!({})).await;
            assert_eq!(res.status(), StatusCode::OK);
        }
        State::Empty | State::CreatorWrote => {}
    }
    xid
}

async fn run(p: &Person, sid: &str, xid: &str, op: Op) -> reqwest::Response {
    let at = path(sid, xid);
    match op {
        Op::Read => p.get(&at).await,
        Op::List => p.get(&base(sid)).await,
        Op::Write => write(p, sid, xid, "an actor's words").await,
        Op::Edit => edit(p, sid, xid, "an actor's new words").await,
        Op::Withdraw => p.post_json(&format!("{at}/withdraw"), json!({})).await,
        Op::Respond => p.put_json(&format!("{at}/response"), json!({"heard": "I heard you"})).await,
        Op::Remember => p.put_json(&format!("{at}/remember"), json!({"remember": true})).await,
    }
}

async fn matrix_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let cy = app.register("Cy").await;
    let anon = Person { client: client(), base: app.base.clone(), email: String::new(), id: String::new() };
    for state in [State::Empty, State::CreatorWrote, State::Revealed, State::Withdrawn] {
        for (actor, who) in
            [(Actor::Creator, &a), (Actor::Partner, &b), (Actor::Outsider, &cy), (Actor::LoggedOut, &anon)]
        {
            for op in OPS {
                let xid = make(&a, &b, &sid, state).await;
                let (status, code) = expected(actor, state, op);
                let res = run(who, &sid, &xid, op).await;
                assert_eq!(res.status().as_u16(), status, "{actor:?} {op:?} on {state:?}");
                let body: Value = res.json().await.unwrap_or(Value::Null);
                if !code.is_empty() {
                    assert_eq!(body["error"]["code"], code, "{actor:?} {op:?} on {state:?}");
                }
                if op == Op::List && status == 200 {
                    assert!(body.as_array().unwrap().iter().any(|x| x["id"] == xid.as_str()));
                }
                // What anyone but the creator gets never holds the creator's
                // unrevealed text (the partner's own write that opens both
                // is the reveal itself).
                let reveals = (actor, state, op) == (Actor::Partner, State::CreatorWrote, Op::Write);
                // (A list also holds the earlier cells' exchanges: look at this one.)
                let this = match body.as_array() {
                    Some(list) => list.iter().find(|x| x["id"] == xid.as_str()).cloned().unwrap_or(Value::Null),
                    None => body.clone(),
                };
                if actor != Actor::Creator && state != State::Revealed && !reveals {
                    assert!(!this.to_string().contains("creator's part"), "{actor:?} {op:?} on {state:?}: {this}");
                }
            }
        }
    }
}

/// Leaving drops the leaver's unrevealed parts and private marks; revealed
/// parts and responses stay with the other; export holds one's own parts
/// and never the other's unrevealed one; deleting an account does the same.
async fn lifecycle_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let waiting_for_a = start(&a, &sid, None).await;
    assert_eq!(write(&b, &sid, &waiting_for_a, "b-unrevealed-5521").await.status(), StatusCode::CREATED);
    let opened = start(&a, &sid, Some("a-revealed-1180")).await;
    assert_eq!(write(&b, &sid, &opened, "b-revealed-7781").await.status(), StatusCode::CREATED);
    let res = b.put_json(&format!("{}/response", path(&sid, &opened)), json!({"heard": "b-heard-3131"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = b.put_json(&format!("{}/remember", path(&sid, &opened)), json!({"remember": true})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let a_waiting = start(&a, &sid, Some("a-waiting-2222")).await;

    let a_export = a.get("/api/v1/me/export").await.text().await.unwrap();
    for present in ["a-waiting-2222", "a-revealed-1180", "b-revealed-7781", "b-heard-3131"] {
        assert!(a_export.contains(present), "A's export lacks {present}");
    }
    assert!(!a_export.contains("b-unrevealed-5521"), "A's export holds B's unrevealed part");
    let b_export = b.get("/api/v1/me/export").await.text().await.unwrap();
    assert!(b_export.contains("b-unrevealed-5521") && b_export.contains("b-heard-3131"));
    assert!(!b_export.contains("a-waiting-2222"), "B's export holds A's unrevealed part");

    assert_eq!(b.post_json(&format!("/api/v1/pairs/{sid}/leave"), json!({})).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(stored_parts_with(app, "b-unrevealed-5521").await, 0, "the leaver's unrevealed part is deleted");
    let left_open = view(&a, &sid, &waiting_for_a).await;
    assert_eq!(
        (left_open["partner_has_written"].as_bool(), left_open["stage"].as_str()),
        (Some(false), Some("waiting_for_both"))
    );
    // With the count back to zero, A can still write and it does not open.
    let res = write(&a, &sid, &waiting_for_a, "A alone").await;
    assert_eq!(res.json::<Value>().await.unwrap()["revealed_now"], false);
    let kept = view(&a, &sid, &opened).await;
    assert_eq!(kept["partner_part"]["text"], "b-revealed-7781");
    assert_eq!(kept["responses"][0]["heard"], "b-heard-3131");
    assert_eq!(view(&a, &sid, &a_waiting).await["my_part"]["text"], "a-waiting-2222");
    let marks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM exchange_marks WHERE user_id = $1")
        .bind(db_id(&b.id))
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(marks, 0, "the leaver's private marks go");

    // Deleting an account: the same, and revealed parts stay, unnamed.
    let (c, d, sid2) = app.pair().await;
    let pending = start(&c, &sid2, None).await;
    assert_eq!(write(&d, &sid2, &pending, "d-unrevealed-6060").await.status(), StatusCode::CREATED);
    let both = start(&c, &sid2, Some("c-part")).await;
    assert_eq!(write(&d, &sid2, &both, "d-revealed-4242").await.status(), StatusCode::CREATED);
    let gone = d.client.delete(d.url("/api/v1/me")).json(&json!({"password": "correct horse battery"})).send().await;
    assert_eq!(gone.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(stored_parts_with(app, "d-unrevealed-6060").await, 0);
    assert_eq!(view(&c, &sid2, &pending).await["partner_has_written"], false);
    let stays = view(&c, &sid2, &both).await;
    assert_eq!(stays["partner_part"]["text"], "d-revealed-4242");
    assert!(stays["partner_part"]["author_name"].is_null());
}

fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"_csrf\" value=\"").expect("the page has a CSRF field") + 20;
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

/// The pages: forms checked for CSRF, refused input re-rendered with what
/// was typed and a sentence by the field, the reveal side by side.
async fn pages_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let list_url = format!("/spaces/{sid}/exchanges");
    let page = a.get(&list_url).await;
    assert_eq!(page.status(), StatusCode::OK);
    let token = csrf_of(&page.text().await.unwrap());

    let forged = a.client.post(a.url(&list_url)).form(&[("prompt", "Sneaky?")]).send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let wrong = a.client.post(a.url(&list_url)).form(&[("_csrf", "nope"), ("prompt", "Sneaky?")]).send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);

    let refused = a
        .client
        .post(a.url(&list_url))
        .form(&[("_csrf", token.as_str()), ("prompt", "  "), ("part", "kept-typed-text-7070")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("kept-typed-text-7070"), "the typed part is kept");
    assert!(
        html.contains("id=\"prompt-error\" role=\"alert\">Please write something first."),
        "a sentence by the field, in sentence case"
    );
    assert!(!html.contains("prompt: "), "no field names in what people read");
    assert!(a.get(&base(&sid)).await.json::<Vec<Value>>().await.unwrap().is_empty(), "nothing half written");

    let made = a
        .client
        .post(a.url(&list_url))
        .form(&[("_csrf", token.as_str()), ("prompt", "A small honest preference?"), ("part", "page-part-a-5150")])
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let show = made.headers()["location"].to_str().unwrap().to_string();
    let xid = show.rsplit('/').next().unwrap().to_string();

    let b_page = b.get(&show).await.text().await.unwrap();
    assert!(b_page.contains("What your partner can see") && !b_page.contains("page-part-a-5150"));
    assert!(b_page.contains("Add my part and open both"));
    let b_token = csrf_of(&b_page);
    let too_long = "y".repeat(10_001);
    let res = b
        .client
        .post(b.url(&format!("{show}/part")))
        .form(&[("_csrf", b_token.as_str()), ("mode", "write"), ("part", too_long.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains(&too_long) && html.contains("id=\"part-error\""), "typed text and the sentence by the field");
    let res = b
        .client
        .post(b.url(&format!("{show}/part")))
        .form(&[("_csrf", b_token.as_str()), ("mode", "write"), ("part", "page-part-b-6160")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let revealed = a.get(&show).await.text().await.unwrap();
    assert!(revealed.contains("class=\"exchange\""), "both parts side by side");
    assert!(revealed.contains("page-part-a-5150") && revealed.contains("page-part-b-6160"));

    // Editing after the reveal, from a stale page: refused with the text kept.
    let res = a
        .client
        .post(a.url(&format!("{show}/part")))
        .form(&[("_csrf", token.as_str()), ("mode", "edit"), ("part", "stale-edit-8080")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("open now"));
    assert_eq!(view(&a, &sid, &xid).await["my_part"]["text"], "page-part-a-5150");

    let res = a
        .client
        .post(a.url(&format!("{show}/response")))
        .form(&[("_csrf", token.as_str()), ("heard", "heard-on-page"), ("understood", "u".repeat(2_001).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("heard-on-page") && html.contains("id=\"understood-error\""));
    let res = a
        .client
        .post(a.url(&format!("{show}/response")))
        .form(&[("_csrf", token.as_str()), ("heard", "heard-on-page"), ("understood", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = a
        .client
        .post(a.url(&format!("{show}/remember")))
        .form(&[("_csrf", token.as_str()), ("on", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let x = view(&a, &sid, &xid).await;
    assert_eq!((x["remembered"].as_bool(), x["responses"][0]["heard"].as_str()), (Some(true), Some("heard-on-page")));
    let list = a.get(&list_url).await.text().await.unwrap();
    assert!(list.contains("open to both") && list.contains("one to remember"));
}

/// The live coach beside a sealed part: both part forms ask it as typed,
/// the coach endpoint answers for the form's field name (`part`), and
/// asking it stores nothing.
async fn live_coach_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let list_url = format!("/spaces/{sid}/exchanges");
    let list = a.get(&list_url).await.text().await.unwrap();
    let wired = |html: &str| {
        html.contains(r#"name="part""#)
            && html.contains(r#"hx-post="/coach/feedback""#)
            && html.contains(r#"id="coach-feedback""#)
    };
    assert!(wired(&list), "the new exchange form asks the coach as the part is typed");
    let xid = start(&a, &sid, None).await;
    let page = b.get(&format!("{list_url}/{xid}")).await.text().await.unwrap();
    assert!(wired(&page), "the part form of an open exchange asks the coach too");

    let harsh = "live-coach-9191: you never listen to me and you always make everything about yourself.";
    let res = b.client.post(b.url("/coach/feedback")).form(&[("part", harsh)]).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("This may land harder than you mean."), "the coach answered for `part`: {html}");
    assert!(html.contains("<q>"), "its findings quote the draft: {html}");
    let kind = "live-coach-9292: thank you for listening to me last night, it helped.";
    let res = b.client.post(b.url("/coach/feedback")).form(&[("part", kind)]).send().await.unwrap();
    assert!(res.text().await.unwrap().contains("This reads kindly."));
    assert_eq!(stored_parts_with(app, harsh).await + stored_parts_with(app, kind).await, 0, "drafts are never stored");
    // The same endpoint serves the apology box of a missed promise, whose
    // field is `note`.
    let sorry = "live-coach-9393: sorry if you were upset, but you were overreacting.";
    let res =
        b.client.post(b.url("/coach/feedback")).form(&[("note", sorry), ("mode", "apology")]).send().await.unwrap();
    assert!(res.text().await.unwrap().contains("This may not be heard as an apology."), "answered for `note`");
    assert_eq!(view(&a, &sid, &xid).await["partner_has_written"], false, "asking the coach is not writing a part");
}

async fn openapi_case(app: &TestApp) {
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap().json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/pairs/{pair_id}/exchanges",
        "/api/v1/pairs/{pair_id}/exchanges/{exchange_id}",
        "/api/v1/pairs/{pair_id}/exchanges/{exchange_id}/part",
        "/api/v1/pairs/{pair_id}/exchanges/{exchange_id}/withdraw",
        "/api/v1/pairs/{pair_id}/exchanges/{exchange_id}/response",
        "/api/v1/pairs/{pair_id}/exchanges/{exchange_id}/remember",
    ] {
        assert!(paths.contains_key(p), "{p} missing from the OpenAPI document");
    }
    let part = &paths["/api/v1/pairs/{pair_id}/exchanges/{exchange_id}/part"];
    assert!(part["post"].is_object() && part["put"].is_object());
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for s in ["Exchange", "PartReceipt", "NewExchangeBody", "ExchangeStatus", "Stage", "OwnPart", "RevealedPart"] {
        assert!(schemas.contains_key(s), "schema {s} missing");
    }
}

/// The program starts an exchange for an exercise by posting the list's
/// form with `prompt` and `exercise_id`: the exchange is made for that
/// exercise, with no part yet; a refused post keeps the exercise; a link
/// with the same fields in its query fills the form in.
async fn program_form_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let list_url = format!("/spaces/{sid}/exchanges");
    let prefilled = a.get(&format!("{list_url}?prompt=A%20fear%20not%20yet%20shared&exercise_id=vulnerability")).await;
    assert_eq!(prefilled.status(), StatusCode::OK);
    let html = prefilled.text().await.unwrap();
    assert!(html.contains(">A fear not yet shared</textarea>"), "the prompt is filled in");
    assert!(html.contains("name=\"exercise_id\" value=\"vulnerability\""), "the exercise rides along");
    let token = csrf_of(&html);

    // Without a token, the program's post is refused like any other form.
    let forged = a
        .client
        .post(a.url(&list_url))
        .form(&[("prompt", "A fear not yet shared"), ("exercise_id", "vulnerability")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    let refused = a
        .client
        .post(a.url(&list_url))
        .form(&[("_csrf", token.as_str()), ("prompt", " "), ("exercise_id", "vulnerability")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("name=\"exercise_id\" value=\"vulnerability\"") && html.contains("id=\"prompt-error\""));
    let bad_id = a
        .client
        .post(a.url(&list_url))
        .form(&[("_csrf", token.as_str()), ("prompt", "Fine?"), ("exercise_id", "not an id")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad_id.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_id.text().await.unwrap().contains("id=\"exercise_id-error\""));
    assert!(a.get(&base(&sid)).await.json::<Vec<Value>>().await.unwrap().is_empty(), "nothing half written");

    let made = a
        .client
        .post(a.url(&list_url))
        .form(&[("_csrf", token.as_str()), ("prompt", "A fear not yet shared"), ("exercise_id", "vulnerability")])
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let show = made.headers()["location"].to_str().unwrap().to_string();
    let xid = show.rsplit('/').next().unwrap().to_string();
    let x = view(&a, &sid, &xid).await;
    assert_eq!(x["prompt"], "A fear not yet shared");
    assert_eq!(x["exercise_id"], "vulnerability");
    assert!(x["prompt_id"].is_null() && x["my_part"].is_null(), "{x}");
    assert_eq!(x["stage"], "waiting_for_both");
    assert!(a.get(&show).await.text().await.unwrap().contains("Write your part"));
    assert_eq!(view(&b, &sid, &xid).await["exercise_id"], "vulnerability", "both see what it is for");
    assert_eq!(told(&b, "exchange_waiting", &xid).await, 0, "no part yet, nothing to tell");
}

on_each_backend!(exchange_partner_sees_only_that_a_part_waits, privacy_case);
on_each_backend!(exchange_withdraw_closes_for_both, withdraw_case);
on_each_backend!(exchange_bad_input_is_refused_whole, bad_input_case);
on_each_backend!(exchange_reveals_exactly_once_under_concurrent_submits, concurrency_case);
on_each_backend!(exchange_edit_racing_the_reveal_never_changes_what_opened, edit_races_reveal_case);
on_each_backend!(exchange_authorization_matrix, matrix_case);
on_each_backend!(exchange_leave_delete_and_export, lifecycle_case);
on_each_backend!(exchange_pages_and_forms, pages_case);
on_each_backend!(exchange_part_gets_the_live_coach, live_coach_case);
on_each_backend!(exchange_routes_in_openapi, openapi_case);
on_each_backend!(exchange_started_by_the_program_form, program_form_case);

async fn page(who: &Person, path: String) -> String {
    who.get(&path).await.text().await.unwrap()
}

/// The prompt id a drawn question carries in the page's form.
fn drawn_prompt_id(html: &str) -> Option<String> {
    let at = html.find("name=\"prompt_id\" value=\"")? + "name=\"prompt_id\" value=\"".len();
    Some(html[at..].split('"').next()?.to_string())
}

/// "Let troth suggest one": a question from the prompt bank, stable on
/// reload, another on request, and never one the pair already had in an
/// exchange while the bank has others.
async fn drawn_questions_case(app: &TestApp) {
    let (a, _b, sid) = app.pair().await;
    let first = drawn_prompt_id(&page(&a, format!("/spaces/{sid}/exchanges?draw=0")).await).expect("a drawn question");
    assert!(first.starts_with("p-"), "{first}");
    let again = drawn_prompt_id(&page(&a, format!("/spaces/{sid}/exchanges?draw=0")).await).unwrap();
    assert_eq!(first, again, "a reload keeps the same question");
    let other = drawn_prompt_id(&page(&a, format!("/spaces/{sid}/exchanges?draw=1")).await).unwrap();
    assert_ne!(first, other, "another question on request");
    // Used in an exchange, the first question is not offered again.
    let made = a
        .post_json(
            &format!("/api/v1/pairs/{sid}/exchanges"),
            json!({"prompt": "A question from the bank", "prompt_id": first}),
        )
        .await;
    assert_eq!(made.status(), StatusCode::CREATED);
    for n in 0..5 {
        let next = drawn_prompt_id(&page(&a, format!("/spaces/{sid}/exchanges?draw={n}")).await).unwrap();
        assert_ne!(next, first, "draw {n} offered a question the pair already had");
    }
    // Without draw, nothing is filled in.
    assert_eq!(drawn_prompt_id(&page(&a, format!("/spaces/{sid}/exchanges")).await), None);
}

on_each_backend!(exchange_questions_come_from_the_bank_without_repeats, drawn_questions_case);
