//! The trust timeline: both mark moments (built or challenged), drawn as
//! an SVG line with a list, printable, exported; far-off dates refused;
//! seen by members only.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::on_each_backend;
use crate::support::{client, error_code, Person, TestApp};

fn base(sid: &str) -> String {
    format!("/api/v1/pairs/{sid}/timeline")
}

async fn mark(p: &Person, sid: &str, date: &str, kind: &str, title: &str) -> Value {
    let res = p
        .post_json(
            &base(sid),
            json!({"date": date, "kind": kind, "title": title, "learned": format!("{title} taught us")}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"_csrf\" value=\"").expect("the page has a CSRF field") + 20;
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

async fn moments_stored(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM timeline_moments").fetch_one(app.store.pool()).await.unwrap()
}

async fn crud_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let later = mark(&b, &sid, "2019-02-10", "challenged", "The lost job").await;
    let first = mark(&a, &sid, "2015-06-01", "built", "We met").await;
    assert_eq!(first["kind"], "built");
    assert_eq!(first["happened_on"], "2015-06-01");
    let list: Vec<Value> = b.get(&base(&sid)).await.json().await.unwrap();
    let titles: Vec<&str> = list.iter().map(|m| m["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["We met", "The lost job"], "oldest first, whatever the order they were marked in");

    // The partner rewords; only the one who marked it removes it.
    let path = format!("{}/{}", base(&sid), first["id"].as_str().unwrap());
    let edited = b
        .put_json(
            &path,
            json!({"date": "2015-06-02", "kind": "built", "title": "We met at the station", "learned": ""}),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let edited: Value = edited.json().await.unwrap();
    assert_eq!(
        (edited["title"].as_str(), edited["happened_on"].as_str()),
        (Some("We met at the station"), Some("2015-06-02"))
    );
    assert_eq!(error_code(b.delete(&path).await).await, (StatusCode::FORBIDDEN, "not_your_moment".to_string()));
    assert_eq!(a.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(a.get(&path).await.status(), StatusCode::NOT_FOUND);
    let left: Vec<Value> = a.get(&base(&sid)).await.json().await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["id"], later["id"]);

    // In the export of both.
    for p in [&a, &b] {
        let export: Value = p.get("/api/v1/me/export").await.json().await.unwrap();
        assert_eq!(export["spaces"][0]["timeline"][0]["title"], "The lost job");
    }
}

async fn bad_dates_case(app: &TestApp) {
    let (a, _b, sid) = app.pair().await;
    let tomorrow = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(72)).to_string()[..10].to_string();
    for (date, kind, field, words) in [
        ("1850-05-01", "built", "date", "1900"),
        ("0001-01-01", "built", "date", "1900"),
        (tomorrow.as_str(), "built", "date", "future"),
        ("2999-12-31", "challenged", "date", "future"),
        ("last spring", "built", "date", "year-month-day"),
        ("2020-01-01", "wonderful", "kind", "built trust or challenged"),
    ] {
        let res = a.post_json(&base(&sid), json!({"date": date, "kind": kind, "title": "t"})).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{date} {kind}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["field"], field, "{date} {kind}");
        assert!(body["error"]["message"].as_str().unwrap().contains(words), "{body}");
    }
    assert_eq!(moments_stored(app).await, 0, "nothing stored");

    // On the page: the sentence next to the date, the typed words kept.
    let html = a.get(&format!("/spaces/{sid}/timeline")).await.text().await.unwrap();
    let token = csrf_of(&html);
    let res = a
        .client
        .post(a.url(&format!("/spaces/{sid}/timeline")))
        .form(&[
            ("_csrf", token.as_str()),
            ("date", "1850-05-01"),
            ("kind", "built"),
            ("title", "kept-title-6161"),
            ("learned", "kept-learned-6262"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("kept-title-6161") && html.contains("kept-learned-6262"));
    assert!(html.contains("id=\"date-error\"") && html.contains("before 1900"));
    assert_eq!(moments_stored(app).await, 0);
}

async fn page_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let html = a.get(&format!("/spaces/{sid}/timeline")).await.text().await.unwrap();
    assert!(
        !html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart-svg\""),
        "no chart without moments"
    );
    let token = csrf_of(&html);
    let res = a
        .client
        .post(a.url(&format!("/spaces/{sid}/timeline")))
        .form(&[
            ("_csrf", token.as_str()),
            ("date", "2016-08-14"),
            ("kind", "built"),
            ("title", "Moved in together"),
            ("learned", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    mark(&b, &sid, "2021-11-03", "challenged", "A secret came out").await;
    let told = a.get("/api/v1/me/notifications").await.text().await.unwrap();
    assert!(told.contains("marked a moment on your timeline"), "{told}");
    assert!(!told.contains("A secret came out"), "a fixed nudge, never the moment's title: {told}");

    let html = b.get(&format!("/spaces/{sid}/timeline")).await.text().await.unwrap();
    assert!(html.contains("role=\"img\""), "the chart is an image with a text alternative");
    assert!(html.contains("2 moments from 2016-08-14 to 2021-11-03: 1 built trust, 1 challenged it"));
    assert!(html.contains("<circle") && html.contains("<rect"), "built and challenged differ in shape");
    assert!(html.contains("timeline-list") && html.contains("Moved in together") && html.contains("A secret came out"));
    assert!(html.contains("14 August 2016"));
    let nav = html.find("href=\"/spaces/").unwrap();
    // The navigation marks the page it is on.
    assert!(
        html[nav..].contains(&format!("href=\"/spaces/{sid}/timeline\" aria-current=\"page\">Timeline</a>")),
        "linked from the space's navigation"
    );

    // The program's timeline and journal exercises point to where their result is kept.
    let exercise = a.get(&format!("/spaces/{sid}/program/exercises/trust-timeline-tested")).await.text().await.unwrap();
    assert!(exercise.contains(&format!("href=\"/spaces/{sid}/timeline\"")), "the exercise links to the timeline");
    let exercise =
        a.get(&format!("/spaces/{sid}/program/exercises/memory-journal-first-entry")).await.text().await.unwrap();
    assert!(exercise.contains(&format!("href=\"/spaces/{sid}/journal\"")), "the exercise links to the journal");

    let css = client().get(app.url("/static/style.css")).send().await.unwrap().text().await.unwrap();
    assert!(css.contains("@media print") && css.contains(".no-print"), "a print stylesheet");
}

async fn visibility_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let m = mark(&a, &sid, "2018-01-01", "built", "Ours").await;
    let mid = m["id"].as_str().unwrap();
    let reads = [
        base(&sid),
        format!("{}/{mid}", base(&sid)),
        format!("/spaces/{sid}/timeline"),
        format!("/spaces/{sid}/timeline/{mid}"),
    ];
    let outsider = app.register("Cy").await;
    let (c, _d, other_sid) = app.pair().await;
    let anon = client();
    for path in &reads {
        assert_eq!(b.get(path).await.status(), StatusCode::OK, "partner {path}");
        assert_eq!(outsider.get(path).await.status(), StatusCode::NOT_FOUND, "outsider {path}");
        assert_eq!(c.get(path).await.status(), StatusCode::NOT_FOUND, "another space's member {path}");
        let s = anon.get(app.url(path)).send().await.unwrap().status();
        assert!(s == StatusCode::UNAUTHORIZED || s == StatusCode::SEE_OTHER, "logged out {path}: {s}");
    }
    assert_eq!(c.get(&format!("{}/{mid}", base(&other_sid))).await.status(), StatusCode::NOT_FOUND);
    let path = format!("{}/{mid}", base(&sid));
    let body = json!({"date": "2018-01-01", "kind": "challenged", "title": "x"});
    assert_eq!(c.put_json(&path, body.clone()).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(c.delete(&path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(c.post_json(&base(&sid), body.clone()).await.status(), StatusCode::NOT_FOUND);

    assert_eq!(b.post_json(&format!("/api/v1/pairs/{sid}/leave"), json!({})).await.status(), StatusCode::NO_CONTENT);
    for path in &reads {
        assert_eq!(b.get(path).await.status(), StatusCode::NOT_FOUND, "former member {path}");
        assert_eq!(a.get(path).await.status(), StatusCode::OK, "the one who stays {path}");
    }
    assert_eq!(b.put_json(&path, body).await.status(), StatusCode::NOT_FOUND);
}

on_each_backend!(timeline_moments_are_marked_by_both_and_exported, crud_case);
on_each_backend!(timeline_refuses_far_off_dates_with_clear_words, bad_dates_case);
on_each_backend!(timeline_page_draws_the_chart_and_the_list, page_case);
on_each_backend!(timeline_is_seen_by_members_only, visibility_case);

/// One timeline holds at most 1,000 moments: the next is refused with a
/// coded answer and nothing is written (the list stops there too).
async fn bounded_case(app: &TestApp) {
    let (a, _b, sid) = app.pair().await;
    mark(&a, &sid, "2020-01-01", "built", "The first one").await;
    let space: i64 = sid.parse::<troth_domain::Id>().unwrap().get();
    let author: i64 = a.id.parse::<troth_domain::Id>().unwrap().get();
    let mut tx = app.store.pool().begin().await.unwrap();
    for i in 0..999i64 {
        sqlx::query(
            "INSERT INTO timeline_moments (id, space_id, author_id, happened_on, kind, title, learned, created_at, updated_at) \
             VALUES ($1, $2, $3, '2020-01-02', 'built', 'filler', '', 0, 0)",
        )
        .bind(9_000_000 + i)
        .bind(space)
        .bind(author)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    assert_eq!(moments_stored(app).await, 1_000);
    let res = a
        .post_json(&base(&sid), json!({"date": "2021-01-01", "kind": "built", "title": "One too many", "learned": ""}))
        .await;
    assert_eq!(error_code(res).await, (StatusCode::CONFLICT, "too_many_moments".into()));
    assert_eq!(moments_stored(app).await, 1_000, "nothing written");
    let listed: Vec<Value> = a.get(&base(&sid)).await.json().await.unwrap();
    assert_eq!(listed.len(), 1_000);
}

on_each_backend!(timeline_holds_at_most_a_thousand_moments, bounded_case);

async fn revisions_stored(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM timeline_revisions").fetch_one(app.store.pool()).await.unwrap()
}

/// Edits keep history, as the journal's do: the partner rewords, the
/// earlier version stays readable by both (API, page, export), the one who
/// marked it hears of it without the title, an edit from an older revision
/// is refused, the same words again make no version, and an outsider finds
/// nothing.
async fn history_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let m = mark(&a, &sid, "2017-03-05", "built", "The long drive north").await;
    assert_eq!((m["revision"].as_i64(), m["edited"].as_bool()), (Some(1), Some(false)));
    assert_eq!(m["earlier_versions"].as_array().unwrap().len(), 0);
    let mid = m["id"].as_str().unwrap().to_string();
    let path = format!("{}/{mid}", base(&sid));

    let edited = b
        .put_json(
            &path,
            json!({"date": "2017-03-04", "kind": "challenged", "title": "The drive where we argued",
                   "learned": "Stop for coffee first", "revision": 1}),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let edited: Value = edited.json().await.unwrap();
    assert_eq!(edited["revision"], 2);
    assert_eq!(edited["edited"], true);
    assert_eq!(edited["edited_by_name"], "Bo");
    assert_eq!(edited["kind"], "challenged");
    for p in [&a, &b] {
        let seen: Value = p.get(&path).await.json().await.unwrap();
        let history = seen["earlier_versions"].as_array().unwrap();
        assert_eq!(history.len(), 1, "both read the history");
        assert_eq!(history[0]["revision"], 1);
        assert_eq!(history[0]["title"], "The long drive north");
        assert_eq!(history[0]["happened_on"], "2017-03-05");
        assert_eq!(history[0]["kind"], "built");
        assert_eq!(history[0]["learned"], "The long drive north taught us");
        assert_eq!(history[0]["written_by_name"], "Ana");
        let html = p.get(&format!("/spaces/{sid}/timeline/{mid}")).await.text().await.unwrap();
        assert!(html.contains("Earlier versions") && html.contains("The long drive north"), "the page shows it");
        assert!(html.contains("name=\"revision\" value=\"2\""), "the form edits from the revision shown");
    }
    let told = a.get("/api/v1/me/notifications").await.text().await.unwrap();
    assert!(told.contains("reworded a moment on your timeline"), "{told}");
    assert!(!told.contains("argued") && !told.contains("long drive"), "a fixed nudge, no title: {told}");

    // An edit made from the older revision does not overwrite Bo's.
    let stale = a.put_json(&path, json!({"date": "2017-03-05", "kind": "built", "title": "Mine", "revision": 1})).await;
    assert_eq!(error_code(stale).await, (StatusCode::CONFLICT, "edited_meanwhile".to_string()));
    let now: Value = a.get(&path).await.json().await.unwrap();
    assert_eq!((now["title"].as_str(), now["revision"].as_i64()), (Some("The drive where we argued"), Some(2)));
    assert_eq!(revisions_stored(app).await, 1, "a refused edit writes no version");
    // The same words again: no new version, no nudge.
    let same = a
        .put_json(
            &path,
            json!({"date": "2017-03-04", "kind": "challenged", "title": "The drive where we argued",
                   "learned": "Stop for coffee first", "revision": 2}),
        )
        .await;
    assert_eq!(same.status(), StatusCode::OK);
    assert_eq!(same.json::<Value>().await.unwrap()["revision"], 2);
    assert_eq!(revisions_stored(app).await, 1);
    let told_b = b.get("/api/v1/me/notifications").await.text().await.unwrap();
    assert!(!told_b.contains("reworded a moment"), "nothing changed, nothing told: {told_b}");

    // The page: a stale form comes back 409 with the typed words kept and
    // the current revision to save from; saving from it then works.
    let html = a.get(&format!("/spaces/{sid}/timeline/{mid}")).await.text().await.unwrap();
    let token = csrf_of(&html);
    let form = |revision: &'static str| {
        [
            ("_csrf", token.clone()),
            ("date", "2017-03-04".to_string()),
            ("kind", "challenged".to_string()),
            ("title", "kept-title-7171".to_string()),
            ("learned", "".to_string()),
            ("revision", revision.to_string()),
        ]
    };
    let res = a.client.post(a.url(&format!("/spaces/{sid}/timeline/{mid}"))).form(&form("1")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("kept-title-7171") && html.contains("changed this moment"), "typed words kept");
    assert!(html.contains("name=\"revision\" value=\"2\""));
    let res = a.client.post(a.url(&format!("/spaces/{sid}/timeline/{mid}"))).form(&form("2")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let now: Value = b.get(&path).await.json().await.unwrap();
    assert_eq!(now["revision"], 3);
    let titles: Vec<&str> =
        now["earlier_versions"].as_array().unwrap().iter().map(|r| r["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["The drive where we argued", "The long drive north"], "newest first");

    // An outsider and another space's member find nothing, history included.
    let outsider = app.register("Cy").await;
    let (c, _d, _other) = app.pair().await;
    for p in [&outsider, &c] {
        assert_eq!(p.get(&path).await.status(), StatusCode::NOT_FOUND);
        let res = p.put_json(&path, json!({"date": "2017-03-04", "kind": "built", "title": "x", "revision": 3})).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let page = p.get(&format!("/spaces/{sid}/timeline/{mid}")).await;
        assert_eq!(page.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(revisions_stored(app).await, 2, "nothing written by them");

    // The export carries each moment with its earlier versions, for both.
    for p in [&a, &b] {
        let export: Value = p.get("/api/v1/me/export").await.json().await.unwrap();
        let moment = &export["spaces"][0]["timeline"][0];
        assert_eq!(moment["title"], "kept-title-7171");
        let history = moment["earlier_versions"].as_array().unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[1]["title"], "The long drive north");
    }

    // Taking the moment off the timeline takes its history with it.
    assert_eq!(a.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(revisions_stored(app).await, 0);
}

/// Both partners save an edit of the same revision at the same instant:
/// exactly one is saved, the other is told (409), and the history holds
/// exactly the one version replaced (a few rounds to meet the race).
async fn concurrent_edits_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    for round in 0..5 {
        let m = mark(&a, &sid, "2020-05-05", "built", &format!("Race {round}")).await;
        let path = format!("{}/{}", base(&sid), m["id"].as_str().unwrap());
        let (ra, rb) = tokio::join!(
            a.put_json(&path, json!({"date": "2020-05-05", "kind": "built", "title": "From Ana", "revision": 1})),
            b.put_json(&path, json!({"date": "2020-05-06", "kind": "challenged", "title": "From Bo", "revision": 1})),
        );
        let (sa, sb) = (ra.status(), rb.status());
        let mut statuses = [sa.as_u16(), sb.as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "round {round}: one edit is saved, the other is told");
        let loser = if sa == StatusCode::CONFLICT { ra } else { rb };
        assert_eq!(error_code(loser).await.1, "edited_meanwhile");
        let now: Value = a.get(&path).await.json().await.unwrap();
        let winner = if sa == StatusCode::OK { "From Ana" } else { "From Bo" };
        assert_eq!(now["title"], winner, "round {round}: the saved edit is the one that answered 200");
        assert_eq!(now["revision"], 2);
        assert_eq!(now["earlier_versions"].as_array().unwrap().len(), 1);
        assert_eq!(now["earlier_versions"][0]["title"], format!("Race {round}"));
    }
}

on_each_backend!(timeline_edits_keep_history_seen_by_both_and_exported, history_case);
on_each_backend!(timeline_edits_at_the_same_instant_never_overwrite, concurrent_edits_case);
