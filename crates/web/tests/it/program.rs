//! The program: the library, guided sessions (together and alone), the
//! privacy of alone-mode sessions, levels opening by doing, "for tonight"
//! and the bad-input cases, over HTTP on each backend.

use reqwest::StatusCode;
use serde_json::{json, Value};
use troth_content::{Exercise, Level, Mode, Track};

use crate::on_each_backend;
use crate::support::{error_code, Person, TestApp};

fn first(pred: impl Fn(&Exercise) -> bool) -> String {
    let library = troth_web::embedded_library();
    library.exercises().iter().find(|e| pred(e)).map(|e| e.id.as_str().to_owned()).expect("the library has one")
}

/// The form token on a page.
fn csrf_of(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).expect("the page has a form token") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

fn level(n: i64) -> Level {
    Level::new(n).unwrap()
}

/// A level-1 exercise of this mode on the build track.
fn starter(mode: Mode) -> String {
    first(|e| e.mode == mode && e.level == level(1) && e.track.serves(Track::Build))
}

async fn start(who: &Person, sid: &str, exercise: &str) -> Value {
    let res = who.post_json(&format!("/api/v1/pairs/{sid}/program/sessions"), json!({"exercise_id": exercise})).await;
    assert_eq!(res.status(), StatusCode::CREATED, "start {exercise}");
    res.json().await.unwrap()
}

async fn put_step(who: &Person, sid: &str, session: &str, step: &str, answers: Value) -> reqwest::Response {
    who.put_json(&format!("/api/v1/pairs/{sid}/program/sessions/{session}/steps/{step}"), json!({"answers": answers}))
        .await
}

async fn finish(who: &Person, sid: &str, session: &str, rating: i64) -> reqwest::Response {
    who.post_json(
        &format!("/api/v1/pairs/{sid}/program/sessions/{session}/finish"),
        json!({"learned": "We listen better when we slow down.", "felt": "Calm, a bit shy.", "rating": rating}),
    )
    .await
}

async fn browse_case(app: &TestApp) {
    let a = app.register("Ana").await;
    let library = troth_web::embedded_library();
    let all: Vec<Value> = a.get("/api/v1/library/exercises").await.json().await.unwrap();
    assert_eq!(all.len(), library.exercises().len());
    assert!(all.len() >= 60);
    let alone: Vec<Value> = a.get("/api/v1/library/exercises?mode=alone&level=1").await.json().await.unwrap();
    assert!(!alone.is_empty() && alone.len() < all.len());
    assert!(alone.iter().all(|e| e["mode"] == "alone" && e["level"] == 1), "{alone:?}");
    let short: Vec<Value> = a.get("/api/v1/library/exercises?minutes=10&trust=emotional").await.json().await.unwrap();
    assert!(!short.is_empty());
    assert!(short.iter().all(
        |e| e["minutes"].as_u64().unwrap() <= 10 && e["trust"].as_array().unwrap().iter().any(|t| t == "emotional")
    ));
    let rebuild: Vec<Value> = a.get("/api/v1/library/exercises?track=rebuild").await.json().await.unwrap();
    assert!(rebuild.iter().all(|e| e["track"] == "rebuild" || e["track"] == "both"));
    // A word from one exercise's title finds it.
    let target = &library.exercises()[5];
    let word = target.title.split_whitespace().max_by_key(|w| w.len()).unwrap().to_lowercase();
    let found: Vec<Value> = a
        .get(&format!("/api/v1/library/exercises?q={}", word.trim_matches(|c: char| !c.is_alphanumeric())))
        .await
        .json()
        .await
        .unwrap();
    assert!(found.iter().any(|e| e["id"] == target.id.as_str()), "search for {word}");
    assert!(found.len() < all.len());

    let one: Value = a.get(&format!("/api/v1/library/exercises/{}", target.id.as_str())).await.json().await.unwrap();
    assert_eq!(one["steps"].as_array().unwrap().len(), target.steps.len());
    assert!(!one["sources"].as_array().unwrap().is_empty());
    assert_eq!(
        error_code(a.get("/api/v1/library/exercises/no-such-exercise").await).await,
        (StatusCode::NOT_FOUND, "unknown_exercise".into())
    );
    let bad = a.get("/api/v1/library/exercises?trust=cosmic").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad: Value = bad.json().await.unwrap();
    assert_eq!(bad["error"]["field"], "trust");

    // The pages: results as cards, the exercise, a kind 404, a sentence by the field.
    let page = a.get("/program/library?mode=alone&level=1").await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    let alone_title = alone[0]["title"].as_str().unwrap();
    assert!(page.contains(&maud::html! { (alone_title) }.into_string()));
    let page = a.get(&format!("/program/exercises/{}", target.id.as_str())).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Why it builds trust"));
    assert_eq!(a.get("/program/exercises/no-such-exercise").await.status(), StatusCode::NOT_FOUND);
    let bad = a.get("/program/library?trust=cosmic").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("class=\"field-error\""));
    // Logged out: no library.
    let anon = crate::support::client().get(app.url("/api/v1/library/exercises")).send().await.unwrap();
    assert_eq!(anon.status(), StatusCode::UNAUTHORIZED);
}

on_each_backend!(the_library_browses_filters_and_searches, browse_case);

async fn together_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let exercise = starter(Mode::Together);
    let steps = troth_web::embedded_library().exercise(&exercise).unwrap().steps.len();
    let s = start(&a, &sid, &exercise).await;
    let id = s["id"].as_str().unwrap();
    assert_eq!(s["mode"], "together");
    // The partner sees it and answers on their own device.
    let theirs: Value = b.get(&format!("/api/v1/pairs/{sid}/program/sessions/{id}")).await.json().await.unwrap();
    assert_eq!(theirs["mine"], false);
    let told = b.get("/api/v1/me/notifications").await.text().await.unwrap();
    assert!(told.contains("started an exercise for you both"), "the partner is told: {told}");
    assert_eq!(put_step(&a, &sid, id, "1", json!(["I noticed I rush."])).await.status(), StatusCode::OK);
    let after_b = put_step(&b, &sid, id, "1", json!(["I noticed I go quiet."])).await;
    assert_eq!(after_b.status(), StatusCode::OK);
    let after_b: Value = after_b.json().await.unwrap();
    let answers = after_b["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 2, "both answers are shown to both: {answers:?}");
    let seen_by_a: Value = a.get(&format!("/api/v1/pairs/{sid}/program/sessions/{id}")).await.json().await.unwrap();
    assert!(seen_by_a.to_string().contains("I go quiet"));
    // Saving the same step again replaces the answer, it does not add one.
    assert_eq!(put_step(&a, &sid, id, "1", json!(["I noticed I rush, then stop."])).await.status(), StatusCode::OK);

    // Bad input: no such step, nothing written, too long, a rating of 11.
    let nowhere = put_step(&a, &sid, id, &(steps + 1).to_string(), json!(["x"])).await;
    assert_eq!(error_code(nowhere).await, (StatusCode::UNPROCESSABLE_ENTITY, "no_such_step".into()));
    let zero = put_step(&a, &sid, id, "0", json!(["x"])).await;
    assert_eq!(error_code(zero).await, (StatusCode::UNPROCESSABLE_ENTITY, "no_such_step".into()));
    let empty = put_step(&a, &sid, id, "1", json!(["   "])).await;
    assert_eq!(error_code(empty).await, (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field".into()));
    let long = put_step(&a, &sid, id, "1", json!(["y".repeat(4001)])).await;
    assert_eq!(error_code(long).await, (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field".into()));
    let eleven = finish(&a, &sid, id, 11).await;
    assert_eq!(eleven.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(eleven.json::<Value>().await.unwrap()["error"]["field"], "rating");
    let unchanged: Value = a.get(&format!("/api/v1/pairs/{sid}/program/sessions/{id}")).await.json().await.unwrap();
    assert!(unchanged["finished_at"].is_null(), "a refused reflection finishes nothing");
    let mine: Vec<&Value> = unchanged["answers"].as_array().unwrap().iter().filter(|a| a["mine"] == true).collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["body"], "I noticed I rush, then stop.", "refused answers left the saved one alone");
    let unknown = a.post_json(&format!("/api/v1/pairs/{sid}/program/sessions"), json!({"exercise_id": "nope"})).await;
    assert_eq!(error_code(unknown).await, (StatusCode::NOT_FOUND, "unknown_exercise".into()));

    // The page keeps what was typed and says what is wrong, by the field.
    let form = a.get(&format!("/spaces/{sid}/program/sessions/{id}?step=1")).await.text().await.unwrap();
    assert!(form.contains("Step 1 of") && form.contains("I go quiet"), "the partner's answer shows on the step");
    let csrf = csrf_of(&form);
    let typed = "z".repeat(4001);
    let res = a
        .client
        .post(a.url(&format!("/spaces/{sid}/program/sessions/{id}/steps/1")))
        .form(&[("_csrf", csrf.as_str()), ("answer-0", typed.as_str()), ("go", "next")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = res.text().await.unwrap();
    assert!(text.contains(&typed) && text.contains("class=\"field-error\""));
    let res = a
        .client
        .post(a.url(&format!("/spaces/{sid}/program/sessions/{id}/finish")))
        .form(&[("_csrf", csrf.as_str()), ("learned", "kept words"), ("felt", "ok"), ("rating", "11")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = res.text().await.unwrap();
    assert!(text.contains("kept words") && text.contains("from 0 to 10"));

    // Finishing: A reflects, B adds theirs; answers are closed after.
    let done = finish(&a, &sid, id, 8).await;
    assert_eq!(done.status(), StatusCode::OK);
    assert!(done.json::<Value>().await.unwrap()["finished_at"].is_string());
    let both: Value = finish(&b, &sid, id, 7).await.json().await.unwrap();
    assert_eq!(both["reflections"].as_array().unwrap().len(), 2);
    let late = put_step(&b, &sid, id, "1", json!(["late"])).await;
    assert_eq!(error_code(late).await, (StatusCode::CONFLICT, "finished".into()));
    // Both reread it in the history.
    for who in [&a, &b] {
        let list: Vec<Value> = who.get(&format!("/api/v1/pairs/{sid}/program/sessions")).await.json().await.unwrap();
        assert_eq!(list.len(), 1);
        let page = who.get(&format!("/spaces/{sid}/program/sessions/{id}")).await.text().await.unwrap();
        assert!(page.contains("I noticed I rush, then stop.") && page.contains("I noticed I go quiet."));
    }
}

on_each_backend!(a_together_session_is_answered_by_both_and_finished, together_case);

async fn alone_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let exercise = starter(Mode::Alone);
    let s = start(&a, &sid, &exercise).await;
    let id = s["id"].as_str().unwrap().to_string();
    let secret = "my-private-answer-5521";
    assert_eq!(put_step(&a, &sid, &id, "1", json!([secret])).await.status(), StatusCode::OK);
    assert_eq!(finish(&a, &sid, &id, 6).await.status(), StatusCode::OK);
    let path = format!("/api/v1/pairs/{sid}/program/sessions/{id}");

    // The partner: 404, absent from lists, pages, counts and their export.
    assert_eq!(b.get(&path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(b.get(&format!("/spaces/{sid}/program/sessions/{id}")).await.status(), StatusCode::NOT_FOUND);
    let list: Vec<Value> = b.get(&format!("/api/v1/pairs/{sid}/program/sessions")).await.json().await.unwrap();
    assert!(list.is_empty(), "not even counted: {list:?}");
    let program_page = b.get(&format!("/spaces/{sid}/program")).await.text().await.unwrap();
    assert!(!program_page.contains(&id) && !program_page.contains(secret));
    assert!(program_page.contains("Nothing yet"), "the partner's history is empty");
    let export = b.get("/api/v1/me/export").await.text().await.unwrap();
    assert!(!export.contains(secret) && !export.contains(&id));
    assert_eq!(b.post_json(&format!("{path}/share"), json!({})).await.status(), StatusCode::NOT_FOUND);
    let told = b.get("/api/v1/me/notifications").await.text().await.unwrap();
    assert!(!told.contains("exercise") && !told.contains(&id), "nothing tells of a private session: {told}");
    assert_eq!(put_step(&b, &sid, &id, "1", json!(["x"])).await.status(), StatusCode::NOT_FOUND);
    // The author has it, in the history and in their export.
    let mine: Vec<Value> = a.get(&format!("/api/v1/pairs/{sid}/program/sessions")).await.json().await.unwrap();
    assert_eq!(mine.len(), 1);
    assert!(a.get("/api/v1/me/export").await.text().await.unwrap().contains(secret));

    // Shared later: now the partner reads it, but it stays the author's.
    let shared = a.post_json(&format!("{path}/share"), json!({})).await;
    assert_eq!(shared.status(), StatusCode::OK);
    let told = b.get("/api/v1/me/notifications").await.text().await.unwrap();
    assert!(told.contains("shared what they wrote"), "sharing tells the partner: {told}");
    let read: Value = b.get(&path).await.json().await.unwrap();
    assert!(read.to_string().contains(secret));
    assert_eq!(read["mine"], false);
    let again = b.post_json(&format!("{path}/share"), json!({})).await;
    assert_eq!(error_code(again).await, (StatusCode::FORBIDDEN, "not_yours".into()));
    let list: Vec<Value> = b.get(&format!("/api/v1/pairs/{sid}/program/sessions")).await.json().await.unwrap();
    assert_eq!(list.len(), 1);

    // Leaving takes the leaver's private sessions with them; the shared one stays.
    let hidden = start(&a, &sid, &exercise).await;
    let hidden_id = hidden["id"].as_str().unwrap().parse::<troth_domain::Id>().unwrap().get();
    assert_eq!(
        put_step(&a, &sid, hidden["id"].as_str().unwrap(), "1", json!(["gone soon"])).await.status(),
        StatusCode::OK
    );
    assert_eq!(a.post_json(&format!("/api/v1/pairs/{sid}/leave"), json!({})).await.status(), StatusCode::NO_CONTENT);
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM program_sessions WHERE id = $1")
        .bind(hidden_id)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(left, 0, "a leaver's private session is deleted");
    let answers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM program_answers WHERE session_id = $1")
        .bind(hidden_id)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(answers, 0);
    assert_eq!(b.get(&path).await.status(), StatusCode::OK, "the shared session stays with the partner");
}

on_each_backend!(alone_sessions_are_private_until_shared, alone_case);

/// Practising alone before the partner joins, then choosing which of those
/// sessions to show them: all or none, and only what was ticked.
async fn choose_to_share_case(app: &TestApp) {
    let a = app.register("Ana").await;
    let space: Value = a.post_json("/api/v1/pairs", json!({"name": "Us"})).await.json().await.unwrap();
    let sid = space["id"].as_str().unwrap().to_string();
    let exercise = starter(Mode::Alone);
    let mut ids = Vec::new();
    for secret in ["kept-back-one-8101", "shown-two-8102", "shown-three-8103"] {
        let s = start(&a, &sid, &exercise).await;
        let id = s["id"].as_str().unwrap().to_string();
        assert_eq!(put_step(&a, &sid, &id, "1", json!([secret])).await.status(), StatusCode::OK);
        assert_eq!(finish(&a, &sid, &id, 6).await.status(), StatusCode::OK);
        ids.push(id);
    }
    // Alone, there is nobody to show them to: no choice offered.
    let page = a.get(&format!("/spaces/{sid}/program")).await.text().await.unwrap();
    assert!(!page.contains("Share the ones I ticked"), "no partner yet, nothing to choose");

    let b = app.register("Bo").await;
    let invite: Value = a.post_json(&format!("/api/v1/pairs/{sid}/invites"), json!({})).await.json().await.unwrap();
    let code = invite["code"].as_str().unwrap();
    assert_eq!(b.post_json(&format!("/api/v1/invites/{code}/accept"), json!({})).await.status(), StatusCode::OK);

    let page = a.get(&format!("/spaces/{sid}/program")).await.text().await.unwrap();
    assert!(page.contains("Share the ones I ticked"), "the partner is here: the choice is offered");
    for id in &ids {
        assert!(page.contains(&format!("name=\"session\" value=\"{id}\"")), "each private session has a box");
    }
    let partner_page = b.get(&format!("/spaces/{sid}/program")).await.text().await.unwrap();
    assert!(!partner_page.contains("Share the ones I ticked") && !partner_page.contains(&ids[0]));

    // Nothing ticked: a sentence next to the boxes, nothing shared.
    let url = a.url(&format!("/spaces/{sid}/program/share"));
    let token = csrf_of(&page);
    let none = a.client.post(&url).form(&[("_csrf", token.as_str())]).send().await.unwrap();
    assert_eq!(none.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.text().await.unwrap().contains(">Tick at least one"), "in sentence case");

    // A box that is not one's own (the partner's together session) refuses the whole choice.
    let together = start(&a, &sid, &starter(Mode::Together)).await;
    let mixed =
        a.post_json(&format!("/api/v1/pairs/{sid}/program/share"), json!({"sessions": [ids[1], together["id"]]})).await;
    assert_eq!(error_code(mixed).await, (StatusCode::FORBIDDEN, "not_yours".into()));
    let seen: Vec<Value> = b.get(&format!("/api/v1/pairs/{sid}/program/sessions")).await.json().await.unwrap();
    assert!(seen.iter().all(|s| s["mode"] != "alone"), "all or none: nothing alone was shared: {seen:?}");

    // Two ticked on the page: exactly those two open to the partner, with one word to them.
    let shared = a
        .client
        .post(&url)
        .form(&[("_csrf", token.as_str()), ("session", ids[1].as_str()), ("session", ids[2].as_str())])
        .send()
        .await
        .unwrap();
    assert!(shared.status().is_success() || shared.status().is_redirection(), "{}", shared.status());
    for (id, visible) in [(&ids[0], false), (&ids[1], true), (&ids[2], true)] {
        let status = b.get(&format!("/api/v1/pairs/{sid}/program/sessions/{id}")).await.status();
        assert_eq!(status == StatusCode::OK, visible, "session {id}");
    }
    let read = b.get(&format!("/api/v1/pairs/{sid}/program/sessions/{}", ids[2])).await.text().await.unwrap();
    assert!(read.contains("shown-three-8103"));
    let told = b.get("/api/v1/me/notifications").await.text().await.unwrap();
    assert!(told.contains("2 exercises they did on their own"), "{told}");
    let page = a.get(&format!("/spaces/{sid}/program")).await.text().await.unwrap();
    assert!(page.contains(&format!("value=\"{}\"", ids[0])) && !page.contains(&format!("value=\"{}\"", ids[1])));
}

on_each_backend!(alone_practice_is_shared_by_choice_when_the_partner_joins, choose_to_share_case);

async fn backdate(app: &TestApp, session: &str, started_days_ago: i64, finished_days_ago: Option<i64>) {
    let id = session.parse::<troth_domain::Id>().unwrap().get();
    let now = jiff::Timestamp::now().as_millisecond();
    let day = 86_400_000;
    sqlx::query("UPDATE program_sessions SET started_at = $2, finished_at = $3 WHERE id = $1")
        .bind(id)
        .bind(now - started_days_ago * day)
        .bind(finished_days_ago.map(|d| now - d * day))
        .execute(app.store.pool())
        .await
        .unwrap();
}

async fn levels_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let program = format!("/api/v1/pairs/{sid}/program");
    let state: Value = a.get(&program).await.json().await.unwrap();
    assert_eq!((state["open_level"].as_u64(), state["track"].as_str()), (Some(1), Some("build")));
    assert_eq!(state["remaining"], json!({"exercises": 2, "days": 3}));
    let higher = first(|e| e.level == level(3) && e.mode != Mode::Sealed);
    let locked = a.post_json(&format!("/api/v1/pairs/{sid}/program/sessions"), json!({"exercise_id": higher})).await;
    assert_eq!(error_code(locked).await, (StatusCode::CONFLICT, "level_not_open".into()));

    // The slower pace wins, and neither is told whose it is.
    let paced = b.put_json(&format!("{program}/pace"), json!({"pace": "gentle"})).await;
    assert_eq!(paced.status(), StatusCode::NO_CONTENT);
    let seen: Value = a.get(&program).await.json().await.unwrap();
    assert_eq!((seen["my_pace"].as_str(), seen["pair_pace"].as_str()), (Some("steady"), Some("gentle")));
    assert_eq!(seen["remaining"], json!({"exercises": 3, "days": 6}));
    assert!(!seen.to_string().contains(&b.id), "nothing names who slowed down");
    let bad = b.put_json(&format!("{program}/pace"), json!({"pace": "turbo"})).await;
    assert_eq!(error_code(bad).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        b.put_json(&format!("{program}/pace"), json!({"pace": "steady"})).await.status(),
        StatusCode::NO_CONTENT
    );
    let bad = a.put_json(&format!("{program}/track"), json!({"track": "sideways"})).await;
    assert_eq!(error_code(bad).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        b.put_json(&format!("{program}/track"), json!({"track": "rebuild"})).await.status(),
        StatusCode::NO_CONTENT
    );
    let seen: Value = a.get(&program).await.json().await.unwrap();
    assert_eq!(seen["track"], "rebuild");

    // Practice on three days with two finished level-1 exercises (one of
    // them done alone, which counts for the pair) opens level 2.
    let together = starter(Mode::Together);
    let alone = first(|e| e.mode == Mode::Alone && e.level == level(1));
    let one = start(&a, &sid, &together).await;
    let one = one["id"].as_str().unwrap();
    assert_eq!(finish(&a, &sid, one, 7).await.status(), StatusCode::OK);
    backdate(app, one, 3, Some(3)).await;
    let two = start(&b, &sid, &together).await;
    backdate(app, two["id"].as_str().unwrap(), 2, None).await;
    let waiting: Value = a.get(&program).await.json().await.unwrap();
    assert_eq!(waiting["open_level"], 1);
    // Two days with practice so far; today's finish brings the third.
    assert_eq!(waiting["remaining"], json!({"exercises": 1, "days": 1}));
    let three = start(&b, &sid, &alone).await;
    assert_eq!(finish(&b, &sid, three["id"].as_str().unwrap(), 9).await.status(), StatusCode::OK);
    for who in [&a, &b] {
        let opened: Value = who.get(&program).await.json().await.unwrap();
        assert_eq!(opened["open_level"], 2, "level 2 opened for the pair");
    }
    let page = a.get(&format!("/spaces/{sid}/program")).await.text().await.unwrap();
    assert!(page.contains("Level 2 is open"));
}

on_each_backend!(levels_open_by_doing_at_the_slower_pace, levels_case);

async fn tonight_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let program = format!("/api/v1/pairs/{sid}/program");
    let space = sid.parse::<troth_domain::Id>().unwrap().get();
    let mut seen = Vec::new();
    for round in 0..6 {
        let (ra, rb) = tokio::join!(a.get(&program), b.get(&program));
        let (ra, rb): (Value, Value) = (ra.json().await.unwrap(), rb.json().await.unwrap());
        let id = ra["tonight"]["id"].as_str().expect("a prompt for tonight").to_string();
        assert_eq!(ra["tonight"], rb["tonight"], "both get the same prompt (round {round})");
        // Asking again the same day gives the same prompt.
        let again: Value = b.get(&program).await.json().await.unwrap();
        assert_eq!(again["tonight"]["id"], id.as_str());
        assert!(!seen.contains(&id), "{id} came round again: {seen:?}");
        seen.push(id);
        // Push the whole log one day back: tomorrow, as far as the pair is concerned.
        sqlx::query("UPDATE program_prompt_log SET day = day - 1000 WHERE space_id = $1")
            .bind(space)
            .execute(app.store.pool())
            .await
            .unwrap();
        sqlx::query("UPDATE program_prompt_log SET day = day + 999 WHERE space_id = $1")
            .bind(space)
            .execute(app.store.pool())
            .await
            .unwrap();
    }
    let logged: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM program_prompt_log WHERE space_id = $1")
        .bind(space)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(logged, 6, "one prompt a day, recorded once");
    // The home page carries both cards.
    let home = b.get(&format!("/spaces/{sid}")).await;
    assert_eq!(home.status(), StatusCode::OK);
    let home = home.text().await.unwrap();
    assert!(home.contains("For tonight") && home.contains("Your program"));
    // The home card shows the same question the program gives for today,
    // read with the home digest once it is chosen.
    let program: Value = b.get(&format!("/api/v1/pairs/{sid}/program")).await.json().await.unwrap();
    let tonight = program["tonight"]["text"].as_str().expect("a question for tonight").replace('\'', "&#39;");
    let tonight_plain = program["tonight"]["text"].as_str().unwrap();
    assert!(home.contains(&tonight) || home.contains(tonight_plain), "home shows today's question: {tonight_plain}");
    assert!(home.contains(&format!("href=\"/spaces/{sid}/program\"")), "and leads to what is next");
}

on_each_backend!(tonight_is_the_same_for_both_and_never_repeats, tonight_case);

/// Deleting an account: no program row names the member any more; what was
/// done together or shared stays with the partner, author unlinked.
async fn deleted_member_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let together = start(&a, &sid, &starter(Mode::Together)).await;
    let tid = together["id"].as_str().unwrap();
    assert_eq!(put_step(&b, &sid, tid, "1", json!(["B's together answer"])).await.status(), StatusCode::OK);
    assert_eq!(finish(&b, &sid, tid, 5).await.status(), StatusCode::OK);
    let paced = b.put_json(&format!("/api/v1/pairs/{sid}/program/pace"), json!({"pace": "gentle"})).await;
    assert_eq!(paced.status(), StatusCode::NO_CONTENT);
    let shared = start(&b, &sid, &starter(Mode::Alone)).await;
    let shared_id = shared["id"].as_str().unwrap();
    assert_eq!(put_step(&b, &sid, shared_id, "1", json!(["B's shared answer"])).await.status(), StatusCode::OK);
    let path = format!("/api/v1/pairs/{sid}/program/sessions/{shared_id}/share");
    assert_eq!(b.post_json(&path, json!({})).await.status(), StatusCode::OK);
    let private = start(&b, &sid, &starter(Mode::Alone)).await;
    assert_eq!(
        put_step(&b, &sid, private["id"].as_str().unwrap(), "1", json!(["B's own"])).await.status(),
        StatusCode::OK
    );

    let b_id = b.id.parse::<troth_domain::Id>().unwrap().get();
    let count = |table: &'static str| {
        let pool = app.store.pool().clone();
        async move {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE user_id = $1");
            sqlx::query_scalar::<_, i64>(&sql).bind(b_id).fetch_one(&pool).await.unwrap()
        }
    };
    for table in ["program_sessions", "program_answers", "program_reflections", "program_paces"] {
        assert!(count(table).await > 0, "B has rows in {table} before");
    }
    let gone =
        b.client.delete(b.url("/api/v1/me")).json(&json!({"password": "correct horse battery"})).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    for table in ["program_sessions", "program_answers", "program_reflections", "program_paces"] {
        assert_eq!(count(table).await, 0, "no row in {table} names the deleted member");
    }
    let left: Vec<Value> = a.get(&format!("/api/v1/pairs/{sid}/program/sessions")).await.json().await.unwrap();
    let ids: Vec<&str> = left.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2, "the together and the shared sessions stay: {left:?}");
    assert!(ids.contains(&tid) && ids.contains(&shared_id));
}

on_each_backend!(deleting_an_account_unlinks_the_program, deleted_member_case);
