//! Private reflections on trustworthiness over real HTTP, on both
//! backends: the member writes and rereads their own over time; the
//! partner, another space's member and a logged-out caller get nothing,
//! not even a count or a date, anywhere (API, pages, home, insights,
//! notifications, their export); bad input is refused whole; reflections
//! belong to the person, so leaving a space keeps them and deleting the
//! account removes them; the member's own export holds them.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::on_each_backend;
use crate::support::{client, error_code, Person, TestApp};

const BASE: &str = "/api/v1/me/reflections";

fn body(ratings: [i64; 4], note: &str) -> Value {
    json!({
        "competence": {"rating": ratings[0], "note": note},
        "consistency": {"rating": ratings[1]},
        "integrity": {"rating": ratings[2], "note": ""},
        "compassion": {"rating": ratings[3]},
    })
}

async fn add(p: &Person, ratings: [i64; 4], note: &str) -> Value {
    let res = p.post_json(BASE, body(ratings, note)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

async fn stored(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM reflections").fetch_one(app.store.pool()).await.unwrap()
}

fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"_csrf\" value=\"").expect("the page has a CSRF field") + 20;
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

/// The member writes several over time and reads them back, newest first,
/// on the API and on their page (a chart per quality and a table).
async fn own_reflections_case(app: &TestApp) {
    let (a, _b, _sid) = app.pair().await;
    let first = add(&a, [4, 5, 6, 7], "I missed a deadline at home").await;
    assert_eq!(first["answers"][0]["quality"], "competence");
    assert_eq!(first["answers"][0]["rating"], 4);
    assert_eq!(first["answers"][0]["note"], "I missed a deadline at home");
    assert!(first["answers"][2]["note"].is_null(), "an empty note is none");
    assert_eq!(first["answers"][3]["quality"], "compassion");
    let second = add(&a, [6, 6, 7, 8], "Better this month").await;
    let list: Vec<Value> = a.get(BASE).await.json().await.unwrap();
    assert_eq!(list.iter().map(|r| r["id"].clone()).collect::<Vec<_>>(), [second["id"].clone(), first["id"].clone()]);
    let one: Value = a.get(&format!("{BASE}/{}", first["id"].as_str().unwrap())).await.json().await.unwrap();
    assert_eq!(one, first);

    let page = a.get("/reflection").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for q in ["Competence", "Consistency", "Integrity", "Compassion"] {
        assert!(html.contains(&format!("{q}: your own ratings")), "a chart for {q}");
    }
    assert_eq!(html.matches("<figure class=\"chart\"").count(), 4, "one small chart per quality");
    assert!(html.contains("class=\"data-table\"") && html.contains("Better this month"));
    assert!(html.contains("href=\"/reflection\""), "linked from the main navigation");

    // Deleting one: gone for good.
    let path = format!("{BASE}/{}", first["id"].as_str().unwrap());
    assert_eq!(a.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(a.get(&path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(a.delete(&path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(stored(app).await, 1);
}

/// The partner, another space's member and a logged-out caller: 404 or
/// 401 for every route, and no trace anywhere the partner looks: no count,
/// no date, no word of it.
async fn privacy_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let secret = "private-reflection-words-8181";
    let r = add(&a, [3, 9, 2, 10], secret).await;
    let rid = r["id"].as_str().unwrap().to_string();
    let outsider = app.register("Cy").await;
    assert_eq!(outsider.post_json("/api/v1/pairs", json!({"name": "Theirs"})).await.status(), StatusCode::CREATED);
    let anon = Person { client: client(), base: app.base.clone(), email: String::new(), id: String::new() };

    for who in [&b, &outsider] {
        assert_eq!(who.get(&format!("{BASE}/{rid}")).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(who.delete(&format!("{BASE}/{rid}")).await.status(), StatusCode::NOT_FOUND);
        let theirs: Vec<Value> = who.get(BASE).await.json().await.unwrap();
        assert!(theirs.is_empty(), "only one's own are listed");
    }
    assert_eq!(anon.get(BASE).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(anon.get(&format!("{BASE}/{rid}")).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(anon.post_json(BASE, body([1, 1, 1, 1], "")).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(anon.delete(&format!("{BASE}/{rid}")).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(anon.get("/reflection").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(stored(app).await, 1, "the refused delete left it in place");

    // Everything the partner can read in the space, and their own account:
    // no word, no id, no date of it; the counts that exist are all zero.
    let created = r["created_at"].as_str().unwrap();
    let b_pages = [
        format!("/spaces/{sid}"),
        format!("/spaces/{sid}/insights"),
        format!("/api/v1/pairs/{sid}/insights"),
        format!("/api/v1/pairs/{sid}"),
        "/api/v1/me/notifications".to_string(),
        "/notifications".to_string(),
        "/api/v1/me/export".to_string(),
        "/reflection".to_string(),
        "/spaces".to_string(),
    ];
    for path in &b_pages {
        let res = b.get(path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let text = res.text().await.unwrap();
        assert!(!text.contains(secret) && !text.contains(&rid), "{path} shows A's reflection");
        assert!(!text.contains(created), "{path} shows when A reflected");
    }
    let b_export: Value = b.get("/api/v1/me/export").await.json().await.unwrap();
    assert_eq!(b_export["reflections"], json!([]), "the partner's export has none");
    assert!(!b_export.to_string().contains("competence"));
    let b_page = b.get("/reflection").await.text().await.unwrap();
    assert!(b_page.contains("Your answers will show here over time."), "B's page is empty");
    let notices: Vec<Value> = b.get("/api/v1/me/notifications").await.json().await.unwrap();
    assert!(notices.is_empty(), "writing a reflection tells nobody: {notices:?}");
    // And A's own export holds it, at the top, outside any space.
    let a_export: Value = a.get("/api/v1/me/export").await.json().await.unwrap();
    assert_eq!(a_export["reflections"][0]["id"], rid.as_str());
    assert_eq!(a_export["reflections"][0]["answers"][0]["note"], secret);
    assert!(!a_export["spaces"].to_string().contains(secret), "not under a space the partner shares");
}

/// Bad input is refused with the field named, and nothing is stored.
async fn bad_input_case(app: &TestApp) {
    let (a, _b, _sid) = app.pair().await;
    let long = "n".repeat(2_001);
    let cases = [
        (body([11, 5, 5, 5], ""), "competence"),
        (body([5, -1, 5, 5], ""), "consistency"),
        (json!({"competence": {"rating": 5}, "consistency": {"rating": 5}, "compassion": {"rating": 5}}), "integrity"),
        (body([5, 5, 5, 5], &long), "competence_note"),
        (
            json!({"competence": {"rating": 5}, "consistency": {"rating": 5}, "integrity": {"rating": 5},
                   "compassion": {"rating": 5, "note": long}}),
            "compassion_note",
        ),
    ];
    for (b, field) in cases {
        let res = a.post_json(BASE, b.clone()).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["field"], field, "{b}");
    }
    let res = a.post_json(BASE, json!({"competence": {"rating": "ten"}})).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = a.post_json(BASE, json!({"competence": {"rating": 7.5}})).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(stored(app).await, 0, "nothing half written");
    assert_eq!(a.get(&format!("{BASE}/not-an-id")).await.status(), StatusCode::NOT_FOUND);

    // The page: a rating of 11 refused by its field, everything typed kept.
    let token = csrf_of(&a.get("/reflection").await.text().await.unwrap());
    let res = a
        .client
        .post(a.url("/reflection"))
        .form(&[
            ("_csrf", token.as_str()),
            ("competence", "7"),
            ("competence_note", "kept-note-9191"),
            ("consistency", "6"),
            ("integrity", "11"),
            ("compassion", "8"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"integrity-error\"") && html.contains("from 0 to 10"), "the sentence by the field");
    assert!(html.contains("kept-note-9191") && html.contains("value=\"11\""), "typed text kept");
    let res = a
        .client
        .post(a.url("/reflection"))
        .form(&[
            ("_csrf", token.as_str()),
            ("competence", "7"),
            ("consistency", ""),
            ("integrity", "5"),
            ("compassion", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("id=\"consistency-error\""));
    assert_eq!(stored(app).await, 0);
    let forged = a.client.post(a.url("/reflection")).form(&[("competence", "7")]).send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let res = a
        .client
        .post(a.url("/reflection"))
        .form(&[
            ("_csrf", token.as_str()),
            ("competence", "7"),
            ("consistency", "6"),
            ("integrity", "5"),
            ("compassion", "8"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(stored(app).await, 1);

    // At most 1,000 per person (the rest filled in directly).
    let me = a.id.parse::<troth_domain::Id>().unwrap().get();
    for i in 1..1_000 {
        sqlx::query(
            "INSERT INTO reflections (id, user_id, created_at, competence, consistency, integrity, compassion) \
             VALUES ($1, $2, 0, 5, 5, 5, 5)",
        )
        .bind(3_000_000 + i)
        .bind(me)
        .execute(app.store.pool())
        .await
        .unwrap();
    }
    let res = a.post_json(BASE, body([5, 5, 5, 5], "")).await;
    assert_eq!(error_code(res).await, (StatusCode::CONFLICT, "too_many_reflections".into()));
    assert_eq!(stored(app).await, 1_000);
}

/// Reflections are the person's, not the space's: leaving a space keeps
/// them; deleting the account removes every one.
async fn lifecycle_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    add(&b, [5, 5, 5, 5], "b-before-leaving").await;
    add(&a, [6, 6, 6, 6], "a-stays").await;
    assert_eq!(b.post_json(&format!("/api/v1/pairs/{sid}/leave"), json!({})).await.status(), StatusCode::NO_CONTENT);
    let kept: Vec<Value> = b.get(BASE).await.json().await.unwrap();
    assert_eq!(kept.len(), 1, "leaving a space keeps one's reflections");
    let export: Value = b.get("/api/v1/me/export").await.json().await.unwrap();
    assert_eq!(export["reflections"][0]["answers"][0]["note"], "b-before-leaving");
    assert_eq!(export["spaces"], json!([]));

    let b_id = b.id.parse::<troth_domain::Id>().unwrap().get();
    let gone =
        b.client.delete(b.url("/api/v1/me")).json(&json!({"password": "correct horse battery"})).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reflections WHERE user_id = $1")
        .bind(b_id)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(left, 0, "deleting the account deletes the reflections");
    assert_eq!(stored(app).await, 1, "the other member's stay");
    let mine: Vec<Value> = a.get(BASE).await.json().await.unwrap();
    assert_eq!(mine[0]["answers"][0]["note"], "a-stays");
}

/// The coach reads each note as it is typed, like everywhere a member
/// writes; asking it stores nothing.
async fn live_coach_case(app: &TestApp) {
    let (a, _b, _sid) = app.pair().await;
    let page = a.get("/reflection").await.text().await.unwrap();
    let harsh = "reflection-coach-5521: you never listen to me and you always make everything about yourself.";
    for field in ["competence_note", "consistency_note", "integrity_note", "compassion_note"] {
        assert!(page.contains(&format!(r##"hx-target="#coach-{field}""##)), "wired on {field}");
        assert!(page.contains(&format!(r#"id="coach-{field}""#)), "an answer area for {field}");
        let res = a.client.post(a.url("/coach/feedback")).form(&[(field, harsh)]).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(html.contains("This may land harder than you mean."), "answered for `{field}`: {html}");
    }
    assert_eq!(stored(app).await, 0, "a draft shown to the coach is never stored");
}

on_each_backend!(reflection_notes_get_the_live_coach, live_coach_case);
on_each_backend!(a_member_reflects_and_rereads_over_time, own_reflections_case);
on_each_backend!(reflections_are_invisible_to_everyone_else, privacy_case);
on_each_backend!(reflection_bad_input_is_refused_whole, bad_input_case);
on_each_backend!(reflections_belong_to_the_person_not_the_space, lifecycle_case);
