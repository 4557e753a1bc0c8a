//! Shared goals and new experiences over real HTTP, on both backends:
//! both members read and write everything; milestones tick and move the
//! progress; a goal is done when every step is ticked or both say so; the
//! partner hears of what is added or finished; anyone else gets nothing;
//! bad input is refused with nothing half written; leaving, deleting an
//! account, the export, and the page's forms.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::on_each_backend;
use crate::support::{client, error_code, Person, TestApp};

fn goals(sid: &str) -> String {
    format!("/api/v1/pairs/{sid}/goals")
}

fn experiences(sid: &str) -> String {
    format!("/api/v1/pairs/{sid}/experiences")
}

async fn json_of(res: reqwest::Response, expected: StatusCode) -> Value {
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(status, expected, "{body}");
    body
}

async fn new_goal(p: &Person, sid: &str, title: &str, milestones: &[&str]) -> Value {
    json_of(p.post_json(&goals(sid), json!({"title": title, "milestones": milestones})).await, StatusCode::CREATED)
        .await
}

async fn tick(p: &Person, sid: &str, gid: &str, mid: &str, done: bool) -> reqwest::Response {
    p.put_json(&format!("{}/{gid}/milestones/{mid}", goals(sid)), json!({"done": done})).await
}

/// How many notifications of kind "goals" the person has.
async fn told(p: &Person) -> Vec<Value> {
    let list: Vec<Value> = p.get("/api/v1/me/notifications").await.json().await.unwrap();
    list.into_iter().filter(|n| n["kind"] == "goals").collect()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(app.store.pool()).await.unwrap()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// Both members make, read, change and tick; progress follows the ticks;
/// ticking the last step finishes the goal and tells the partner once.
async fn goals_crud_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let made = json_of(
        a.post_json(
            &goals(&sid),
            json!({"title": "Learn to sail", "why": "We both love the sea", "target_date": "2027-06-01",
                   "milestones": ["Find a school", "  ", "First lesson", "Sail to the island"]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let gid = id(&made);
    assert_eq!(made["title"], "Learn to sail");
    assert_eq!(made["why"], "We both love the sea");
    assert_eq!(made["target_date"], "2027-06-01");
    assert_eq!(made["milestones"].as_array().unwrap().len(), 3, "blank steps are skipped");
    assert_eq!(made["milestones"][1]["title"], "First lesson", "steps keep their order");
    assert_eq!((made["percent"].as_u64(), made["done"].as_bool()), (Some(0), Some(false)));
    assert_eq!(made["created_by_me"], true);
    let told_b = told(&b).await;
    assert_eq!(told_b.len(), 1, "the partner hears of the new goal");
    assert!(!told_b[0].to_string().contains("sail"), "notifications carry no words of the goal");
    assert!(told(&a).await.is_empty(), "nobody is told of their own doing");

    // B reads it as A does and ticks a step.
    let seen = json_of(b.get(&format!("{}/{gid}", goals(&sid))).await, StatusCode::OK).await;
    assert_eq!(seen["title"], "Learn to sail");
    assert_eq!(seen["created_by_me"], false);
    assert_eq!(seen["created_by_name"], "Ana");
    let first = id(&seen["milestones"][0]);
    let after = json_of(tick(&b, &sid, &gid, &first, true).await, StatusCode::OK).await;
    assert_eq!(after["percent"], 33);
    assert_eq!(after["milestones_ticked"], 1);
    assert_eq!(after["milestones"][0]["done"], true);
    assert_eq!(after["milestones"][0]["ticked_by_me"], true);
    assert!(after["milestones"][0]["ticked_at"].is_string());
    let for_a = json_of(a.get(&format!("{}/{gid}", goals(&sid))).await, StatusCode::OK).await;
    assert_eq!(for_a["milestones"][0]["ticked_by_name"], "Bo");
    assert_eq!(for_a["milestones"][0]["ticked_by_me"], false);
    // Ticking twice keeps who ticked first.
    json_of(tick(&a, &sid, &gid, &first, true).await, StatusCode::OK).await;
    let again = json_of(a.get(&format!("{}/{gid}", goals(&sid))).await, StatusCode::OK).await;
    assert_eq!(again["milestones"][0]["ticked_by_name"], "Bo");
    // Un-ticking moves the bar back.
    let back = json_of(tick(&a, &sid, &gid, &first, false).await, StatusCode::OK).await;
    assert_eq!(back["percent"], 0);
    assert!(back["milestones"][0]["ticked_at"].is_null());

    // B changes the goal; an empty string clears the date.
    let changed = json_of(
        b.patch_json(&format!("{}/{gid}", goals(&sid)), json!({"title": "Learn to sail, slowly", "target_date": ""}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["title"], "Learn to sail, slowly");
    assert!(changed["target_date"].is_null());
    assert_eq!(changed["why"], "We both love the sea", "an absent field is kept");

    // Every step ticked: done, and the partner of whoever finished it hears once.
    let ids: Vec<String> = changed["milestones"].as_array().unwrap().iter().map(id).collect();
    for m in &ids[..2] {
        json_of(tick(&a, &sid, &gid, m, true).await, StatusCode::OK).await;
    }
    assert_eq!(told(&b).await.len(), 1, "ticks that do not finish tell nobody");
    let done = json_of(tick(&a, &sid, &gid, &ids[2], true).await, StatusCode::OK).await;
    assert_eq!((done["done"].as_bool(), done["percent"].as_u64()), (Some(true), Some(100)));
    assert!(done["done_at"].is_string());
    assert_eq!(told(&b).await.len(), 2, "B hears that the goal is done");
    assert!(told(&a).await.is_empty());
    // A new step opens it again; ticking it finishes it again.
    let reopened = json_of(
        b.post_json(&format!("{}/{gid}/milestones", goals(&sid)), json!({"title": "Sail at night"})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!((reopened["done"].as_bool(), reopened["percent"].as_u64()), (Some(false), Some(75)));
    assert!(reopened["done_at"].is_null());
    let night = id(&reopened["milestones"][3]);
    let removed = json_of(b.delete(&format!("{}/{gid}/milestones/{night}", goals(&sid))).await, StatusCode::OK).await;
    assert_eq!(removed["done"], true, "removing the one open step finishes it");
    assert_eq!(removed["milestones"].as_array().unwrap().len(), 3);

    // Lists: open goals first.
    let open = new_goal(&b, &sid, "Plant a herb garden", &[]).await;
    let list: Vec<Value> = b.get(&goals(&sid)).await.json().await.unwrap();
    assert_eq!(list.iter().map(id).collect::<Vec<_>>(), [id(&open), gid.clone()]);

    // Either member deletes; then it is gone for both.
    assert_eq!(b.delete(&format!("{}/{gid}", goals(&sid))).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(a.get(&format!("{}/{gid}", goals(&sid))).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(a.delete(&format!("{}/{gid}", goals(&sid))).await.status(), StatusCode::NOT_FOUND);
    let gid_db = gid.parse::<troth_domain::Id>().unwrap().get();
    assert_eq!(count(app, &format!("SELECT COUNT(*) FROM goal_milestones WHERE goal_id = {gid_db}")).await, 0);
}

/// "We are done": it takes both, or one when alone; taking it back
/// opens the goal again; a departed member's word no longer counts.
async fn agreement_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let g = new_goal(&a, &sid, "Run a 10k together", &["Run 5k"]).await;
    let gid = id(&g);
    let path = format!("{}/{gid}/agreement", goals(&sid));
    let one = json_of(a.put_json(&path, json!({"done": true})).await, StatusCode::OK).await;
    assert_eq!((one["done"].as_bool(), one["agreed_by_me"].as_bool()), (Some(false), Some(true)));
    let seen = json_of(b.get(&format!("{}/{gid}", goals(&sid))).await, StatusCode::OK).await;
    assert_eq!((seen["agreed_by_partner"].as_bool(), seen["agreed_by_me"].as_bool()), (Some(true), Some(false)));
    let add_step = format!("for=\"milestone-{gid}\">Add a small step");
    let open_page = a.get(&format!("/spaces/{sid}/goals")).await.text().await.unwrap();
    assert!(open_page.contains(&add_step), "an open goal takes new steps");
    let both = json_of(b.put_json(&path, json!({"done": true})).await, StatusCode::OK).await;
    assert_eq!((both["done"].as_bool(), both["percent"].as_u64()), (Some(true), Some(100)), "both agree: done");
    let done_page = a.get(&format!("/spaces/{sid}/goals")).await.text().await.unwrap();
    assert!(!done_page.contains(&add_step), "a goal that is done offers no new step");
    assert_eq!(told(&a).await.len(), 1, "A hears it is done");
    let back = json_of(a.put_json(&path, json!({"done": false})).await, StatusCode::OK).await;
    assert_eq!(back["done"], false, "taking it back opens it");
    assert_eq!(back["percent"], 0);
    // B leaves: B's word no longer counts, and A alone decides.
    assert_eq!(b.post_json(&format!("/api/v1/pairs/{sid}/leave"), json!({})).await.status(), StatusCode::NO_CONTENT);
    let alone = json_of(a.get(&format!("{}/{gid}", goals(&sid))).await, StatusCode::OK).await;
    assert_eq!(alone["agreed_by_partner"], false);
    let closed = json_of(a.put_json(&path, json!({"done": true})).await, StatusCode::OK).await;
    assert_eq!(closed["done"], true, "a member on their own decides alone");
}

/// Two members ticking the last two steps at the same instant finish the
/// goal exactly once: one "done" notification in all.
async fn concurrent_ticks_case(app: &TestApp) {
    for round in 0..4 {
        let (a, b, sid) = app.pair().await;
        let g = new_goal(&a, &sid, &format!("Round {round}"), &["one", "two"]).await;
        let gid = id(&g);
        let (m1, m2) = (id(&g["milestones"][0]), id(&g["milestones"][1]));
        let (ra, rb) = tokio::join!(tick(&a, &sid, &gid, &m1, true), tick(&b, &sid, &gid, &m2, true));
        assert_eq!((ra.status(), rb.status()), (StatusCode::OK, StatusCode::OK));
        let done = json_of(a.get(&format!("{}/{gid}", goals(&sid))).await, StatusCode::OK).await;
        assert_eq!(done["done"], true);
        let said_done = told(&a).await.len() + told(&b).await.len() - 1; // B was told of the new goal
        assert_eq!(said_done, 1, "round {round}: finished exactly once");
    }
}

/// New experiences: plan, read and change by both; done with how it went;
/// the partner hears of new ones and of finished ones.
async fn experiences_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let later = json_of(
        a.post_json(&experiences(&sid), json!({"title": "Night train to Vienna", "planned_on": "2027-03-14"})).await,
        StatusCode::CREATED,
    )
    .await;
    let soon = json_of(
        b.post_json(&experiences(&sid), json!({"title": "Pottery class", "planned_on": "2026-12-12"})).await,
        StatusCode::CREATED,
    )
    .await;
    let undated =
        json_of(a.post_json(&experiences(&sid), json!({"title": "Cook a Georgian feast"})).await, StatusCode::CREATED)
            .await;
    assert_eq!(told(&b).await.len(), 2);
    assert_eq!(told(&a).await.len(), 1);
    let list: Vec<Value> = a.get(&experiences(&sid)).await.json().await.unwrap();
    assert_eq!(list.iter().map(id).collect::<Vec<_>>(), [id(&soon), id(&later), id(&undated)], "soonest first");

    let path = format!("{}/{}", experiences(&sid), id(&soon));
    let renamed = json_of(a.patch_json(&path, json!({"title": "Pottery evening class"})).await, StatusCode::OK).await;
    assert_eq!(
        (renamed["title"].as_str(), renamed["planned_on"].as_str()),
        (Some("Pottery evening class"), Some("2026-12-12"))
    );
    let done = json_of(
        a.put_json(&format!("{path}/done"), json!({"done": true, "how_it_went": "Messy and wonderful."})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!((done["done"].as_bool(), done["how_it_went"].as_str()), (Some(true), Some("Messy and wonderful.")));
    assert_eq!(done["done_by_name"], "Ana");
    assert_eq!(told(&b).await.len(), 3, "B hears it was done");
    // Rewriting the note tells nobody again.
    let noted = json_of(
        b.put_json(&format!("{path}/done"), json!({"done": true, "how_it_went": "Let's go back."})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!((noted["how_it_went"].as_str(), noted["done_by_name"].as_str()), (Some("Let's go back."), Some("Ana")));
    assert_eq!(told(&a).await.len(), 1);
    let list: Vec<Value> = b.get(&experiences(&sid)).await.json().await.unwrap();
    assert_eq!(list.last().map(id), Some(id(&soon)), "done ones come last");
    let undone = json_of(b.put_json(&format!("{path}/done"), json!({"done": false})).await, StatusCode::OK).await;
    assert_eq!((undone["done"].as_bool(), undone["how_it_went"].as_str()), (Some(false), None));

    assert_eq!(b.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(a.get(&path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(a.put_json(&format!("{path}/done"), json!({"done": true})).await.status(), StatusCode::NOT_FOUND);
}

/// Everyone who is not a member of the space, now: nothing, not even
/// whether a goal exists; the same answer for a made-up id.
async fn matrix_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let g = new_goal(&a, &sid, "Matrix goal", &["step"]).await;
    let gid = id(&g);
    let mid = id(&g["milestones"][0]);
    let x = json_of(a.post_json(&experiences(&sid), json!({"title": "Matrix trip"})).await, StatusCode::CREATED).await;
    let xid = id(&x);
    // Another space's member (with a space of their own), and a former member.
    let outsider = app.register("Cy").await;
    assert_eq!(outsider.post_json("/api/v1/pairs", json!({"name": "Theirs"})).await.status(), StatusCode::CREATED);
    let (former, _other, sid2) = app.pair().await;
    assert_eq!(
        former.post_json(&format!("/api/v1/pairs/{sid2}/leave"), json!({})).await.status(),
        StatusCode::NO_CONTENT
    );
    let g2 = new_goal(&_other, &sid2, "Their goal", &["their step"]).await;
    let anon = Person { client: client(), base: app.base.clone(), email: String::new(), id: String::new() };

    let routes = |sid: &str, gid: &str, mid: &str, xid: &str| -> Vec<(&'static str, String, Value)> {
        vec![
            ("GET", goals(sid), Value::Null),
            ("POST", goals(sid), json!({"title": "sneaky"})),
            ("GET", format!("{}/{gid}", goals(sid)), Value::Null),
            ("PATCH", format!("{}/{gid}", goals(sid)), json!({"title": "sneaky"})),
            ("POST", format!("{}/{gid}/milestones", goals(sid)), json!({"title": "sneaky"})),
            ("PUT", format!("{}/{gid}/milestones/{mid}", goals(sid)), json!({"done": true})),
            ("PUT", format!("{}/{gid}/agreement", goals(sid)), json!({"done": true})),
            ("DELETE", format!("{}/{gid}/milestones/{mid}", goals(sid)), Value::Null),
            ("GET", experiences(sid), Value::Null),
            ("POST", experiences(sid), json!({"title": "sneaky"})),
            ("GET", format!("{}/{xid}", experiences(sid)), Value::Null),
            ("PATCH", format!("{}/{xid}", experiences(sid)), json!({"title": "sneaky"})),
            ("PUT", format!("{}/{xid}/done", experiences(sid)), json!({"done": true})),
            ("DELETE", format!("{}/{xid}", experiences(sid)), Value::Null),
            ("DELETE", format!("{}/{gid}", goals(sid)), Value::Null),
            ("GET", format!("/spaces/{sid}/goals"), Value::Null),
        ]
    };
    async fn send(p: &Person, method: &str, path: &str, body: &Value) -> StatusCode {
        match method {
            "GET" => p.get(path).await.status(),
            "POST" => p.post_json(path, body.clone()).await.status(),
            "PUT" => p.put_json(path, body.clone()).await.status(),
            "PATCH" => p.patch_json(path, body.clone()).await.status(),
            _ => p.delete(path).await.status(),
        }
    }
    for (method, path, body) in routes(&sid, &gid, &mid, &xid) {
        assert_eq!(
            send(&outsider, method, &path, &body).await,
            StatusCode::NOT_FOUND,
            "other space's member {method} {path}"
        );
        assert_eq!(send(&former, method, &path, &body).await, StatusCode::NOT_FOUND, "not a member {method} {path}");
        let s = send(&anon, method, &path, &body).await;
        assert!(s == StatusCode::UNAUTHORIZED || s == StatusCode::SEE_OTHER, "logged out {method} {path}: {s}");
    }
    // The former member of the second space: 404 on what they once saw.
    let (g2id, m2id) = (id(&g2), id(&g2["milestones"][0]));
    for (method, path, body) in routes(&sid2, &g2id, &m2id, "0000000000000001") {
        assert_eq!(send(&former, method, &path, &body).await, StatusCode::NOT_FOUND, "former member {method} {path}");
    }
    // A member reaching another space's goal through their own space's path: 404.
    let cross = format!("{}/{g2id}", goals(&sid));
    assert_eq!(a.get(&cross).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(tick(&a, &sid, &g2id, &m2id, true).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(tick(&a, &sid, &gid, &m2id, true).await.status(), StatusCode::NOT_FOUND, "a step of another goal");
    // Nothing the refused callers sent changed anything.
    let g_now = json_of(a.get(&format!("{}/{gid}", goals(&sid))).await, StatusCode::OK).await;
    assert_eq!((g_now["title"].as_str(), g_now["milestones_ticked"].as_i64()), (Some("Matrix goal"), Some(0)));
    assert_eq!(g_now["milestones"].as_array().unwrap().len(), 1);
    let list: Vec<Value> = b.get(&goals(&sid)).await.json().await.unwrap();
    assert_eq!(list.len(), 1);
    let xs: Vec<Value> = b.get(&experiences(&sid)).await.json().await.unwrap();
    assert_eq!((xs.len(), xs[0]["done"].as_bool()), (1, Some(false)));
    let theirs = json_of(_other.get(&format!("{}/{g2id}", goals(&sid2))).await, StatusCode::OK).await;
    assert_eq!(theirs["milestones_ticked"], 0);
    // Both members (author and partner) may do everything.
    for (who, name) in [(&a, "A"), (&b, "B")] {
        let p = format!("{}/{gid}", goals(&sid));
        assert_eq!(who.get(&p).await.status(), StatusCode::OK, "{name} reads");
        assert_eq!(who.patch_json(&p, json!({"why": name})).await.status(), StatusCode::OK, "{name} changes");
    }
}

/// Bad input: refused with the field named, and nothing half written.
async fn bad_input_case(app: &TestApp) {
    let (a, _b, sid) = app.pair().await;
    let long = "t".repeat(201);
    let long_note = "n".repeat(2_001);
    let many: Vec<String> = (0..51).map(|i| format!("step {i}")).collect();
    let cases = [
        (json!({"title": ""}), StatusCode::UNPROCESSABLE_ENTITY, "title"),
        (json!({"title": "   "}), StatusCode::UNPROCESSABLE_ENTITY, "title"),
        (json!({"title": long}), StatusCode::UNPROCESSABLE_ENTITY, "title"),
        (json!({"title": "ok", "why": long_note}), StatusCode::UNPROCESSABLE_ENTITY, "why"),
        (json!({"title": "ok", "target_date": "2026-02-30"}), StatusCode::UNPROCESSABLE_ENTITY, "target_date"),
        (json!({"title": "ok", "target_date": "next spring"}), StatusCode::UNPROCESSABLE_ENTITY, "target_date"),
        (json!({"title": "ok", "target_date": "3026-01-01"}), StatusCode::UNPROCESSABLE_ENTITY, "target_date"),
        (json!({"title": "ok", "milestones": ["fine", long]}), StatusCode::UNPROCESSABLE_ENTITY, "milestone"),
        (json!({"title": "ok", "milestones": many}), StatusCode::CONFLICT, ""),
    ];
    for (body, status, field) in cases {
        let res = a.post_json(&goals(&sid), body.clone()).await;
        assert_eq!(res.status(), status, "{body}");
        let err: Value = res.json().await.unwrap();
        if !field.is_empty() {
            assert_eq!(err["error"]["field"], field, "{body}");
        } else {
            assert_eq!(err["error"]["code"], "too_many_milestones");
        }
    }
    let malformed = a.post_json(&goals(&sid), json!({"title": 7})).await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(count(app, "SELECT COUNT(*) FROM goals").await, 0, "no goal was half written");
    assert_eq!(count(app, "SELECT COUNT(*) FROM goal_milestones").await, 0);

    // A goal at 50 steps takes no 51st; a bad patch changes nothing.
    let fifty: Vec<String> = (0..50).map(|i| format!("step {i}")).collect();
    let g =
        json_of(a.post_json(&goals(&sid), json!({"title": "Fifty", "milestones": fifty})).await, StatusCode::CREATED)
            .await;
    let gid = id(&g);
    let res = a.post_json(&format!("{}/{gid}/milestones", goals(&sid)), json!({"title": "one more"})).await;
    assert_eq!(error_code(res).await, (StatusCode::CONFLICT, "too_many_milestones".into()));
    let res = a.post_json(&format!("{}/{gid}/milestones", goals(&sid)), json!({"title": ""})).await;
    assert_eq!(error_code(res).await, (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field".into()));
    let res = a.patch_json(&format!("{}/{gid}", goals(&sid)), json!({"title": "Renamed", "target_date": "soon"})).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let kept = json_of(a.get(&format!("{}/{gid}", goals(&sid))).await, StatusCode::OK).await;
    assert_eq!(kept["title"], "Fifty", "a refused change changes nothing");
    assert_eq!(kept["milestones"].as_array().unwrap().len(), 50);
    let bad_id = a.get(&format!("{}/not-an-id", goals(&sid))).await;
    assert_eq!(bad_id.status(), StatusCode::NOT_FOUND);

    // Experiences: the same rules.
    for (body, field) in [
        (json!({"title": ""}), "title"),
        (json!({"title": "t".repeat(201)}), "title"),
        (json!({"title": "ok", "planned_on": "31.12.2026"}), "planned_on"),
    ] {
        let res = a.post_json(&experiences(&sid), body.clone()).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(res.json::<Value>().await.unwrap()["error"]["field"], field);
    }
    assert_eq!(count(app, "SELECT COUNT(*) FROM experiences").await, 0);
    let x = json_of(a.post_json(&experiences(&sid), json!({"title": "Kayak"})).await, StatusCode::CREATED).await;
    let path = format!("{}/{}/done", experiences(&sid), id(&x));
    let res = a.put_json(&path, json!({"done": true, "how_it_went": "n".repeat(2_001)})).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let still = json_of(a.get(&format!("{}/{}", experiences(&sid), id(&x))).await, StatusCode::OK).await;
    assert_eq!(still["done"], false, "a refused note does not mark it done");

    // The space's limits: 200 goals, 500 experiences (filled in directly).
    let space = sid.parse::<troth_domain::Id>().unwrap().get();
    let have = count(app, "SELECT COUNT(*) FROM goals").await;
    for i in have..200 {
        sqlx::query("INSERT INTO goals (id, space_id, title, created_at, updated_at) VALUES ($1, $2, 'filler', 0, 0)")
            .bind(1_000_000 + i)
            .bind(space)
            .execute(app.store.pool())
            .await
            .unwrap();
    }
    let res = a.post_json(&goals(&sid), json!({"title": "One too many"})).await;
    assert_eq!(error_code(res).await, (StatusCode::CONFLICT, "too_many_goals".into()));
    assert_eq!(count(app, "SELECT COUNT(*) FROM goals").await, 200);
    for i in 1..500 {
        sqlx::query("INSERT INTO experiences (id, space_id, title, created_at) VALUES ($1, $2, 'filler', 0)")
            .bind(2_000_000 + i)
            .bind(space)
            .execute(app.store.pool())
            .await
            .unwrap();
    }
    let res = a.post_json(&experiences(&sid), json!({"title": "One too many"})).await;
    assert_eq!(error_code(res).await, (StatusCode::CONFLICT, "too_many_experiences".into()));
}

/// Leaving: goals and experiences stay with the partner, the leaver sees
/// none of them; deleting an account unlinks the person's name and takes
/// their "we are done"; the export holds it all for each member.
async fn lifecycle_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let g = new_goal(&b, &sid, "Bo's goal 5501", &["Bo's step 5502"]).await;
    let gid = id(&g);
    json_of(tick(&b, &sid, &gid, &id(&g["milestones"][0]), true).await, StatusCode::OK).await;
    json_of(b.put_json(&format!("{}/{gid}/agreement", goals(&sid)), json!({"done": true})).await, StatusCode::OK).await;
    let x =
        json_of(b.post_json(&experiences(&sid), json!({"title": "Bo's trip 5503"})).await, StatusCode::CREATED).await;
    json_of(
        b.put_json(
            &format!("{}/{}/done", experiences(&sid), id(&x)),
            json!({"done": true, "how_it_went": "Bo's note 5504"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    for p in [&a, &b] {
        let export = p.get("/api/v1/me/export").await.json::<Value>().await.unwrap();
        let space = &export["spaces"][0];
        assert_eq!(space["goals"][0]["title"], "Bo's goal 5501");
        assert_eq!(space["goals"][0]["milestones"][0]["title"], "Bo's step 5502");
        assert_eq!(space["experiences"][0]["how_it_went"], "Bo's note 5504");
    }

    // B deletes their account: the goal stays with A, unlinked from B.
    let gone =
        b.client.delete(b.url("/api/v1/me")).json(&json!({"password": "correct horse battery"})).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let kept = json_of(a.get(&format!("{}/{gid}", goals(&sid))).await, StatusCode::OK).await;
    assert_eq!(kept["title"], "Bo's goal 5501");
    assert!(kept["created_by_name"].is_null() && kept["milestones"][0]["ticked_by_name"].is_null());
    assert_eq!(kept["milestones"][0]["done"], true, "the tick stays, without a name");
    assert_eq!(kept["agreed_by_partner"], false);
    let b_id = b.id.parse::<troth_domain::Id>().unwrap().get();
    for (table, column) in [
        ("goals", "created_by"),
        ("goal_milestones", "ticked_by"),
        ("goal_agreements", "user_id"),
        ("experiences", "created_by"),
        ("experiences", "done_by"),
    ] {
        assert_eq!(
            count(app, &format!("SELECT COUNT(*) FROM {table} WHERE {column} = {b_id}")).await,
            0,
            "{table}.{column}"
        );
    }
    let xs: Vec<Value> = a.get(&experiences(&sid)).await.json().await.unwrap();
    assert_eq!((xs[0]["how_it_went"].as_str(), xs[0]["done_by_name"].as_str()), (Some("Bo's note 5504"), None));

    // Leaving: a new pair; the leaver loses access, the partner keeps all.
    let (c, d, sid2) = app.pair().await;
    let g2 = new_goal(&d, &sid2, "D's goal", &[]).await;
    assert_eq!(d.post_json(&format!("/api/v1/pairs/{sid2}/leave"), json!({})).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(d.get(&goals(&sid2)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(d.get(&format!("{}/{}", goals(&sid2), id(&g2))).await.status(), StatusCode::NOT_FOUND);
    let d_export = d.get("/api/v1/me/export").await.text().await.unwrap();
    assert!(!d_export.contains("D's goal"), "a former member's export has no longer that space");
    let c_list: Vec<Value> = c.get(&goals(&sid2)).await.json().await.unwrap();
    assert_eq!(c_list.len(), 1);
}

fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"_csrf\" value=\"").expect("the page has a CSRF field") + 20;
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

/// The page: progress bars, forms with the sentence next to the field and
/// the typed text kept, and the partner's view of it all.
async fn pages_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let url = format!("/spaces/{sid}/goals");
    let page = a.get(&url).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("No goals yet") && html.contains("Plan a new experience"));
    assert!(html.contains(&format!("href=\"/spaces/{sid}/goals\"")), "the space's navigation links here");
    let token = csrf_of(&html);

    let forged = a.client.post(a.url(&url)).form(&[("title", "Sneaky")]).send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    let refused = a
        .client
        .post(a.url(&url))
        .form(&[
            ("_csrf", token.as_str()),
            ("title", "Walk the coast path"),
            ("why", "kept-why-7171"),
            ("target_date", "2026-13-01"),
            ("milestones", "kept-step-7272"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("id=\"new-goal-target_date-error\""), "the sentence by the date field");
    assert!(html.contains("role=\"alert\">Use a date like 2026-05-31"), "in sentence case");
    assert!(!html.contains("target_date: "), "no field names in what people read");
    assert!(html.contains("kept-why-7171") && html.contains("kept-step-7272") && html.contains("Walk the coast path"));
    assert_eq!(count(app, "SELECT COUNT(*) FROM goals").await, 0, "nothing half written");

    let made = a
        .client
        .post(a.url(&url))
        .form(&[
            ("_csrf", token.as_str()),
            ("title", "Walk the coast path"),
            ("why", ""),
            ("target_date", "2027-05-01"),
            ("milestones", "Buy boots\nFirst stage"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let list: Vec<Value> = a.get(&goals(&sid)).await.json().await.unwrap();
    let g = &list[0];
    let gid = id(g);
    assert!(g["why"].is_null(), "an empty why is none");
    let step = id(&g["milestones"][0]);

    // B ticks from the page; the bar shows half.
    let b_html = b.get(&url).await.text().await.unwrap();
    assert!(b_html.contains("Walk the coast path") && b_html.contains("0 of 2 steps done"));
    let b_token = csrf_of(&b_html);
    let ticked = b
        .client
        .post(b.url(&format!("{url}/{gid}/milestones/{step}")))
        .form(&[("_csrf", b_token.as_str()), ("on", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(ticked.status(), StatusCode::SEE_OTHER);
    let b_html = b.get(&url).await.text().await.unwrap();
    assert!(b_html.contains("1 of 2 steps done") && b_html.contains("<progress max=\"100\" value=\"50\""), "{b_html}");

    // A step too long: the sentence by that goal's step field, the text kept.
    let long = "s".repeat(201);
    let res = b
        .client
        .post(b.url(&format!("{url}/{gid}/milestones")))
        .form(&[("_csrf", b_token.as_str()), ("milestone", long.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains(&format!("id=\"milestone-{gid}-error\"")) && html.contains(&long));

    // Experiences from the page: a bad date kept with its sentence, then done with a note.
    let res = b
        .client
        .post(b.url(&format!("/spaces/{sid}/experiences")))
        .form(&[("_csrf", b_token.as_str()), ("title", "kept-title-7373"), ("planned_on", "someday")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"experience-planned-error\"") && html.contains("kept-title-7373"));
    let res = b
        .client
        .post(b.url(&format!("/spaces/{sid}/experiences")))
        .form(&[("_csrf", b_token.as_str()), ("title", "Stargazing"), ("planned_on", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let xs: Vec<Value> = a.get(&experiences(&sid)).await.json().await.unwrap();
    let xid = id(&xs[0]);
    let res = a
        .client
        .post(a.url(&format!("/spaces/{sid}/experiences/{xid}/done")))
        .form(&[("_csrf", token.as_str()), ("on", "true"), ("how_it_went", "Cold, and so many stars.")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = b.get(&url).await.text().await.unwrap();
    assert!(html.contains("Cold, and so many stars."));
    // Another space's member gets the not-found page.
    let cy = app.register("Cy").await;
    assert_eq!(cy.get(&url).await.status(), StatusCode::NOT_FOUND);
}

on_each_backend!(goals_are_made_ticked_and_finished_by_both, goals_crud_case);
on_each_backend!(a_goal_is_done_when_both_agree, agreement_case);
on_each_backend!(the_last_two_steps_ticked_at_once_finish_the_goal_once, concurrent_ticks_case);
on_each_backend!(new_experiences_are_planned_and_done, experiences_case);
on_each_backend!(goals_matrix_only_members_see_or_change_anything, matrix_case);
on_each_backend!(goals_bad_input_is_refused_whole, bad_input_case);
on_each_backend!(goals_stay_with_the_partner_and_go_in_the_export, lifecycle_case);
on_each_backend!(the_goals_page_keeps_typed_text_and_shows_progress, pages_case);
