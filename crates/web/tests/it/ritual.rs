//! The weekly ritual: one per week, saved as it goes.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::on_each_backend;
use crate::support::{error_code, TestApp};

async fn ritual_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let slot = a
        .client
        .put(a.url(&format!("/api/v1/pairs/{sid}/ritual/slot")))
        .json(&json!({"weekday": "sunday", "time": "19:00", "time_zone": "Mars/Olympus"}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(slot).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let slot = b
        .client
        .put(b.url(&format!("/api/v1/pairs/{sid}/ritual/slot")))
        .json(&json!({"weekday": "sunday", "time": "19:00", "time_zone": "Europe/Paris"}))
        .send()
        .await
        .unwrap();
    assert_eq!(slot.status(), StatusCode::OK);
    // Both press start at the same moment: one ritual.
    let path = format!("/api/v1/pairs/{sid}/rituals");
    let (r1, r2) = tokio::join!(a.post_json(&path, json!({})), b.post_json(&path, json!({})));
    let (r1, r2): (Value, Value) = (r1.json().await.unwrap(), r2.json().await.unwrap());
    assert_eq!(r1["id"], r2["id"]);
    let list: Vec<Value> = a.get(&path).await.json().await.unwrap();
    assert_eq!(list.len(), 1);
    let rid = r1["id"].as_str().unwrap();
    let answer = |who: &crate::support::Person, body: Value| {
        let p = format!("{path}/{rid}/answers");
        let c = who.client.clone();
        let url = who.url(&p);
        async move { c.put(url).json(&body).send().await.unwrap() }
    };
    let view = |who: &crate::support::Person| {
        let c = who.client.clone();
        let url = who.url(&format!("{path}/{rid}"));
        async move { c.get(url).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    assert_eq!(
        answer(&a, json!({"step": "appreciations", "body": "You made dinner twice."})).await.status(),
        StatusCode::OK
    );
    // In a step both answer, Bo does not see Ana's words before writing his
    // own: only that she has answered.
    let bo_before = view(&b).await;
    assert!(!bo_before.to_string().contains("You made dinner twice."), "{bo_before}");
    assert_eq!(bo_before["partner_answer_waits"], json!(["appreciations"]));
    assert_eq!(view(&a).await["partner_answer_waits"], json!([]), "nothing of Bo's waits for Ana");
    let not_i = answer(&b, json!({"step": "concerns", "body": "You never call.", "proposal": "Call at lunch"})).await;
    assert_eq!(error_code(not_i).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer(
            &b,
            json!({"step": "concerns", "body": "I felt lonely on Tuesday.", "proposal": "Could we eat together?"})
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_eq!(
        error_code(answer(&a, json!({"step": "heard", "rating": 11})).await).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(answer(&a, json!({"step": "heard", "rating": 8})).await.status(), StatusCode::OK);
    // Bo's concern waits for Ana until she writes one or skips the step;
    // skipping opens it without writing.
    let ana_view = view(&a).await;
    assert!(!ana_view.to_string().contains("I felt lonely on Tuesday."), "{ana_view}");
    assert_eq!(ana_view["partner_answer_waits"], json!(["concerns"]));
    let skipped: Value =
        a.post_json(&format!("{path}/{rid}/skip"), json!({"step": "concerns"})).await.json().await.unwrap();
    assert!(skipped.to_string().contains("I felt lonely on Tuesday."), "{skipped}");
    assert_eq!((skipped["skipped"].clone(), skipped["partner_answer_waits"].clone()), (json!(["concerns"]), json!([])));
    let bad_skip = a.post_json(&format!("{path}/{rid}/skip"), json!({"step": "done"})).await;
    assert_eq!(error_code(bad_skip).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    // Ana's rating waits for Bo's; her shared step does not.
    let bo_view = view(&b).await;
    let bo_ratings: Vec<&Value> =
        bo_view["answers"].as_array().unwrap().iter().filter(|x| x["step"] == "heard").collect();
    assert!(bo_ratings.is_empty(), "{bo_view}");
    assert_eq!(bo_view["partner_answer_waits"], json!(["appreciations", "heard"]));
    let early = a.post_json(&format!("{path}/{rid}/finish"), json!({})).await;
    assert_eq!(error_code(early).await, (StatusCode::CONFLICT, "not_ready".into()));
    assert_eq!(answer(&b, json!({"step": "appreciations", "body": "You listened."})).await.status(), StatusCode::OK);
    assert!(view(&b).await.to_string().contains("You made dinner twice."), "written his own, Bo reads hers");
    assert_eq!(answer(&b, json!({"step": "heard", "rating": 9})).await.status(), StatusCode::OK);
    let done: Value = b.post_json(&format!("{path}/{rid}/finish"), json!({})).await.json().await.unwrap();
    assert!(done["finished_at"].is_string());
    assert_eq!(done["answers"].as_array().unwrap().len(), 5);
    let closed = answer(&a, json!({"step": "went_well", "body": "late addition"})).await;
    assert_eq!(error_code(closed).await, (StatusCode::CONFLICT, "finished".into()));
    // Insights count the finished ritual once (two racing starts, one
    // finish) and Bo's concern as a brave act, not a hard moment.
    let insights: Value = a.get(&format!("/api/v1/pairs/{sid}/insights")).await.json().await.unwrap();
    assert_eq!(insights["rituals_finished_12w"], 1);
    assert_eq!((insights["positive"].as_u64(), insights["negative"].as_u64()), (Some(1), Some(0)));
    assert_eq!(insights["concerns_raised"], 1);
}

on_each_backend!(one_ritual_per_week_saved_as_it_goes, ritual_case);

/// Weeks read as people say them, never as ISO week codes.
async fn week_names_case(app: &TestApp) {
    use troth_store::RitualStore;
    let (a, _b, sid) = app.pair().await;
    let started: Value = a.post_json(&format!("/api/v1/pairs/{sid}/rituals"), json!({})).await.json().await.unwrap();
    let now = jiff::Timestamp::now();
    let (old, _) = app.store.start_ritual(a.id.parse().unwrap(), sid.parse().unwrap(), "2025-W49", now).await.unwrap();
    let list = a.get(&format!("/spaces/{sid}/ritual")).await.text().await.unwrap();
    assert!(list.contains("The week of 1 December 2025"), "{list}");
    let this = a.get(&format!("/spaces/{sid}/rituals/{}", started["id"].as_str().unwrap())).await.text().await.unwrap();
    assert!(this.contains("Ritual · this week"), "{this}");
    let before = a.get(&format!("/spaces/{sid}/rituals/{}", old.id)).await.text().await.unwrap();
    assert!(before.contains("Ritual · the week of 1 December 2025"), "{before}");
    let current = troth_domain::ritual::week_key(now, &jiff::tz::TimeZone::get("Europe/Paris").unwrap());
    for page in [&list, &this, &before] {
        assert!(!page.contains("2025-W49") && !page.contains(&current), "no ISO week code on a page");
    }
}

on_each_backend!(weeks_have_human_names, week_names_case);

/// A time zone that does not exist is refused under the field, and the
/// day, time and zone typed stay as typed, after a redirect.
async fn slot_form_keeps_what_was_typed_case(app: &TestApp) {
    let (a, _b, sid) = app.pair().await;
    let page = format!("/spaces/{sid}/ritual");
    let html = a.get(&page).await.text().await.unwrap();
    assert!(
        html.contains("list=\"time-zones\"") && html.contains("<option value=\"Europe/Paris\">"),
        "a searchable list"
    );
    let token = crate::support::csrf_of(&html);
    let res = a
        .client
        .post(a.url(&format!("{page}/slot")))
        .form(&[("_csrf", token.as_str()), ("weekday", "thursday"), ("time", "21:15"), ("time_zone", "Atlantis/Deep")])
        .send()
        .await
        .unwrap();
    // Refused by redirect (a reload of the page sends nothing again).
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let back = res.headers()["location"].to_str().unwrap().to_string();
    assert!(back.starts_with(&format!("{page}?")), "{back}");
    let html = a.get(&back).await.text().await.unwrap();
    assert!(html.contains("<option value=\"thursday\" selected>"), "the day is kept");
    assert!(html.contains("value=\"21:15\""), "the time is kept");
    assert!(html.contains("value=\"Atlantis/Deep\""), "the zone is kept");
    assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"time_zone-help time_zone-error\""));
    assert!(
        html.contains("<p id=\"time_zone-error\" class=\"field-error\">We do not know the time zone Atlantis/Deep.")
    );
    let slot: Value = a.get(&format!("/api/v1/pairs/{sid}/ritual/slot")).await.json().await.unwrap();
    assert!(slot.is_null(), "nothing saved: {slot}");
}

on_each_backend!(slot_form_keeps_what_was_typed, slot_form_keeps_what_was_typed_case);

/// Drafts: what is typed is kept per step, private to whoever typed it
/// (the partner sees neither the words nor that a draft exists), and
/// saving the step's answer turns the draft into the answer.
async fn drafts_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let path = format!("/api/v1/pairs/{sid}/rituals");
    let r: Value = a.post_json(&path, json!({})).await.json().await.unwrap();
    let rid = r["id"].as_str().unwrap();
    let draft = |who: &crate::support::Person, body: Value| {
        let c = who.client.clone();
        let url = who.url(&format!("{path}/{rid}/drafts"));
        async move { c.put(url).json(&body).send().await.unwrap() }
    };
    let first = draft(&a, json!({"step": "went_well", "body": "Half a thought about Sunday"})).await;
    assert_eq!(first.status(), StatusCode::NO_CONTENT);
    let second = draft(&a, json!({"step": "boundaries", "body": "Quiet mornings, ple"})).await;
    assert_eq!(second.status(), StatusCode::NO_CONTENT);
    // Half a heard rating, out of range, is still a draft (it is checked on saving).
    assert_eq!(draft(&a, json!({"step": "heard", "body": "", "rating": 12})).await.status(), StatusCode::NO_CONTENT);
    let long = draft(&a, json!({"step": "boundaries", "body": "x".repeat(1001)})).await;
    assert_eq!(error_code(long).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let wild = draft(&a, json!({"step": "heard", "body": "", "rating": -101})).await;
    assert_eq!(error_code(wild).await.0, StatusCode::UNPROCESSABLE_ENTITY, "beyond what a draft keeps");
    // A saved answer checks what it carries even where the step keeps none of it.
    let answers = a.url(&format!("{path}/{rid}/answers"));
    for extra in [json!({"rating": 11}), json!({"proposal": "p".repeat(1_001)})] {
        let mut body = json!({"step": "went_well", "body": "We cooked"});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let res = a.client.put(&answers).json(&body).send().await.unwrap();
        assert_eq!(error_code(res).await.0, StatusCode::UNPROCESSABLE_ENTITY, "{extra}");
    }
    let done = draft(&a, json!({"step": "done", "body": "x"})).await;
    assert_eq!(error_code(done).await.0, StatusCode::UNPROCESSABLE_ENTITY);

    let mine: Value = a.get(&format!("{path}/{rid}")).await.json().await.unwrap();
    let drafts = mine["drafts"].as_array().unwrap();
    assert_eq!(drafts.len(), 3, "{mine}");
    assert!(drafts.iter().any(|d| d["step"] == "went_well" && d["body"] == "Half a thought about Sunday"));
    assert!(
        drafts.iter().any(|d| d["step"] == "boundaries" && d["body"] == "Quiet mornings, ple"),
        "the long one left it be"
    );
    assert!(drafts.iter().any(|d| d["step"] == "heard" && d["rating"] == 12));
    // Bo: no words, no count, no trace, in the API nor on any page.
    let theirs: Value = b.get(&format!("{path}/{rid}")).await.json().await.unwrap();
    assert_eq!((theirs["drafts"].clone(), theirs["partner_answer_waits"].clone()), (json!([]), json!([])));
    assert_eq!(theirs["answers"], json!([]));
    let mut pages = Vec::new();
    for step in ["appreciations", "went_well", "boundaries", "heard", "done"] {
        pages.push(b.get(&format!("/spaces/{sid}/rituals/{rid}?step={step}")).await.text().await.unwrap());
    }
    pages.push(b.get(&format!("/spaces/{sid}/ritual")).await.text().await.unwrap());
    for html in &pages {
        assert!(!html.contains("Half a thought") && !html.contains("Quiet mornings"), "no draft on Bo's pages");
        assert!(!html.contains("Your partner has answered"), "a draft is not an answer");
    }
    // Saving one step keeps the other draft and turns this one into the answer.
    let saved = a
        .client
        .put(a.url(&format!("{path}/{rid}/answers")))
        .json(&json!({"step": "went_well", "body": "Half a thought about Sunday, finished."}))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    let mine: Value = saved.json().await.unwrap();
    let steps: Vec<&str> = mine["drafts"].as_array().unwrap().iter().map(|d| d["step"].as_str().unwrap()).collect();
    assert_eq!(steps, ["boundaries", "heard"]);
    let theirs: Value = b.get(&format!("{path}/{rid}")).await.json().await.unwrap();
    assert_eq!(theirs["answers"][0]["body"], "Half a thought about Sunday, finished.", "a shared step shows at once");
    // Leaving the space takes Ana's drafts with her; her answer stays.
    let left = a.post_json(&format!("/api/v1/pairs/{sid}/leave"), json!({})).await;
    assert!(left.status().is_success(), "{}", left.status());
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ritual_drafts").fetch_one(app.store.pool()).await.unwrap();
    assert_eq!(rows, 0);
    let theirs: Value = b.get(&format!("{path}/{rid}")).await.json().await.unwrap();
    assert_eq!(theirs["answers"].as_array().unwrap().len(), 1);
}

on_each_backend!(drafts_are_kept_per_step_and_private, drafts_case);

/// The run on the page: one step per screen, each step a redirect (never
/// a page left on a POST address), a refusal under its field with the
/// text kept, and in a step both answer the partner's words absent from
/// the HTML until one has answered or skipped.
async fn guided_steps_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let started = a.post_json(&format!("/api/v1/pairs/{sid}/rituals"), json!({})).await;
    let rid = started.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    let page = format!("/spaces/{sid}/rituals/{rid}");
    let html = a.get(&page).await.text().await.unwrap();
    assert!(html.contains("Step 1 of 7") && html.contains("<h2>Appreciations</h2>"), "{html}");
    assert!(!html.contains("<h2>What went well</h2>"), "one step per screen");
    assert!(html.contains("hx-trigger=\"input changed delay:600ms\""), "drafts kept while typing");
    let token = crate::support::csrf_of(&html);
    let step = |who: &crate::support::Person, fields: Vec<(&'static str, String)>| {
        let c = who.client.clone();
        let url = who.url(&format!("{page}/step"));
        let mut form = fields;
        form.push(("_csrf", token.clone()));
        async move { c.post(url).form(&form).send().await.unwrap() }
    };
    let location = |res: &reqwest::Response| {
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        res.headers()["location"].to_str().unwrap().to_string()
    };
    let next =
        step(&a, vec![("step", "appreciations".into()), ("body", "You fixed the bike.".into()), ("go", "next".into())])
            .await;
    assert_eq!(location(&next), format!("{page}?step=went_well"));
    let went = a.get(&location(&next)).await.text().await.unwrap();
    assert!(went.contains("Step 2 of 7") && went.contains("<h2>What went well</h2>"));
    // Back with text keeps it as a draft, unchecked.
    let back = step(&a, vec![("step", "went_well".into()), ("body", "We walked".into()), ("go", "back".into())]).await;
    assert_eq!(location(&back), format!("{page}?step=appreciations"));
    let again = a.get(&format!("{page}?step=went_well")).await.text().await.unwrap();
    assert!(again.contains(">We walked</textarea>") && again.contains("Not saved as an answer yet"));

    // A concern not said from "I": back on the same step, the text as
    // typed, the sentence under the field.
    let refused = step(
        &a,
        vec![
            ("step", "concerns".into()),
            ("body", "You were late again.".into()),
            ("proposal", "A text when running late".into()),
            ("go", "next".into()),
        ],
    )
    .await;
    let to = location(&refused);
    assert_eq!(to, format!("{page}?step=concerns&check=1"));
    let html = a.get(&to).await.text().await.unwrap();
    assert!(html.contains(">You were late again.</textarea>") && html.contains("value=\"A text when running late\""));
    assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"body-concerns-error\""), "{html}");
    assert!(
        html.contains("<p id=\"body-concerns-error\" class=\"field-error\">Try saying it from your side"),
        "{html}"
    );
    let ritual: Value = a.get(&format!("/api/v1/pairs/{sid}/rituals/{rid}")).await.json().await.unwrap();
    assert!(!ritual["answers"].to_string().contains("late again"), "nothing saved as an answer");

    // Bo: Ana's appreciation is not in his page until he writes his own.
    let bo_step = b.get(&format!("{page}?step=appreciations")).await.text().await.unwrap();
    assert!(!bo_step.contains("You fixed the bike."));
    assert!(bo_step.contains("Your partner has answered."));
    let bo_token = crate::support::csrf_of(&bo_step);
    let bo_next = b
        .client
        .post(b.url(&format!("{page}/step")))
        .form(&[("_csrf", bo_token.as_str()), ("step", "appreciations"), ("body", "You cooked."), ("go", "next")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&bo_next), format!("{page}?step=went_well"));
    let bo_step = b.get(&format!("{page}?step=appreciations")).await.text().await.unwrap();
    assert!(bo_step.contains("You fixed the bike.") && bo_step.contains("You cooked."));
    // Skipping a step opens it too: Ana rates, Bo skips and then sees it.
    let rate = step(&a, vec![("step", "heard".into()), ("rating", "11".into()), ("go", "next".into())]).await;
    assert_eq!(location(&rate), format!("{page}?step=heard&check=1"));
    let html = a.get(&location(&rate)).await.text().await.unwrap();
    assert!(html.contains("value=\"11\"") && html.contains("aria-invalid=\"true\" aria-describedby=\"rating-error\""));
    let rate = step(
        &a,
        vec![("step", "heard".into()), ("rating", "7".into()), ("body", "Mostly heard".into()), ("go", "next".into())],
    )
    .await;
    assert_eq!(location(&rate), format!("{page}?step=done"));
    let bo_heard = b.get(&format!("{page}?step=heard")).await.text().await.unwrap();
    assert!(!bo_heard.contains("Mostly heard") && bo_heard.contains("Step 7 of 7"));
    let skip = b
        .client
        .post(b.url(&format!("{page}/step")))
        .form(&[("_csrf", bo_token.as_str()), ("step", "heard"), ("go", "skip")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&skip), format!("{page}?step=done"));
    assert!(b.get(&format!("{page}?step=heard")).await.text().await.unwrap().contains("Mostly heard"));

    // A promise made while the ritual is open is one of its promises made.
    let promise =
        a.post_json(&format!("/api/v1/pairs/{sid}/promises"), json!({"text": "Walk on Sunday mornings"})).await;
    assert!(promise.status().is_success());
    // Finishing early comes back to the finishing screen, which says why.
    let finish =
        b.client.post(b.url(&format!("{page}/finish"))).form(&[("_csrf", bo_token.as_str())]).send().await.unwrap();
    assert_eq!(location(&finish), format!("{page}?step=done"));
    let done = b.get(&format!("{page}?step=done")).await.text().await.unwrap();
    assert!(done.contains("Each of you gives a heard rating before finishing."));
    let rate = b
        .client
        .post(b.url(&format!("{page}/step")))
        .form(&[("_csrf", bo_token.as_str()), ("step", "heard"), ("rating", "9"), ("go", "next")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&rate), format!("{page}?step=done"));
    let finish =
        b.client.post(b.url(&format!("{page}/finish"))).form(&[("_csrf", bo_token.as_str())]).send().await.unwrap();
    assert_eq!(location(&finish), page);
    // The summary both reread: what each appreciated, what you agreed, the
    // promises made; Ana's draft of "what went well" is not in Bo's.
    for (who, other) in [(&a, "We walked"), (&b, "We walked")] {
        let summary = who.get(&page).await.text().await.unwrap();
        assert!(summary.contains("What each of you appreciated") && summary.contains("You fixed the bike."));
        assert!(
            summary.contains("You cooked.") && summary.contains("What you agreed") && summary.contains("Promises made")
        );
        assert!(summary.contains("Finished. A record you can both reread."));
        assert!(summary.contains(">Walk on Sunday mornings</a>"), "the promise made during the ritual");
        assert!(!summary.contains(other), "a draft is never in the record");
    }
    let history = a.get(&format!("/spaces/{sid}/ritual")).await.text().await.unwrap();
    assert!(history.contains(&format!("href=\"{page}\"")), "reread from the ritual history");
}

on_each_backend!(the_ritual_runs_one_step_at_a_time, guided_steps_case);

/// Together on one screen: Ana's device, Bo's turn labelled as his, his
/// answer saved as his (typed on her screen) but never over his own words.
async fn together_on_one_screen_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let started = a.post_json(&format!("/api/v1/pairs/{sid}/rituals"), json!({})).await;
    let rid = started.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    let page = format!("/spaces/{sid}/rituals/{rid}");
    let html = a.get(&format!("{page}?step=appreciations&together=1")).await.text().await.unwrap();
    assert!(html.contains("Ana's turn") && html.contains("Together on one screen"), "{html}");
    let token = crate::support::csrf_of(&html);
    let post = |fields: Vec<(&'static str, &'static str)>| {
        let c = a.client.clone();
        let url = a.url(&format!("{page}/step"));
        let mut form: Vec<(&str, &str)> = fields;
        form.push(("_csrf", &token));
        let form: Vec<(String, String)> = form.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        async move { c.post(url).form(&form).send().await.unwrap() }
    };
    let mine = post(vec![("step", "appreciations"), ("together", "1"), ("body", "Ana: the tea"), ("go", "next")]).await;
    let to = mine.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(to, format!("{page}?step=appreciations&together=1&turn=partner"));
    let turn = a.get(&to).await.text().await.unwrap();
    assert!(turn.contains("Bo's turn") && turn.contains("pass the screen over"));
    assert!(!turn.contains("Ana: the tea"), "Bo writes without reading Ana's first");
    let draft = a
        .client
        .post(a.url(&format!("{page}/draft")))
        .form(&[
            ("_csrf", token.as_str()),
            ("step", "appreciations"),
            ("together", "1"),
            ("turn", "partner"),
            ("body", "Bo: half"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(draft.status(), StatusCode::OK);
    assert!(a.get(&to).await.text().await.unwrap().contains(">Bo: half</textarea>"), "his draft kept on this screen");
    let bo_api: Value = b.get(&format!("/api/v1/pairs/{sid}/rituals/{rid}")).await.json().await.unwrap();
    assert_eq!(bo_api["drafts"], json!([]), "not on Bo's own device");
    let his = post(vec![
        ("step", "appreciations"),
        ("together", "1"),
        ("turn", "partner"),
        ("body", "Bo: the walk"),
        ("go", "next"),
    ])
    .await;
    assert_eq!(his.headers()["location"].to_str().unwrap(), format!("{page}?step=went_well&together=1"));
    let bo_api: Value = b.get(&format!("/api/v1/pairs/{sid}/rituals/{rid}")).await.json().await.unwrap();
    let his_answer = bo_api["answers"].as_array().unwrap().iter().find(|x| x["mine"] == true).cloned().unwrap();
    assert_eq!(
        (his_answer["body"].as_str(), his_answer["typed_on_partners_device"].as_bool()),
        (Some("Bo: the walk"), Some(true))
    );
    assert!(bo_api.to_string().contains("Ana: the tea"), "Bo has answered, so he reads Ana's");
    // Bo's own words are never overwritten from Ana's screen.
    b.client
        .put(b.url(&format!("/api/v1/pairs/{sid}/rituals/{rid}/answers")))
        .json(&json!({"step": "heard", "rating": 9}))
        .send()
        .await
        .unwrap();
    let over =
        post(vec![("step", "heard"), ("together", "1"), ("turn", "partner"), ("rating", "2"), ("go", "next")]).await;
    assert_eq!(
        over.headers()["location"].to_str().unwrap(),
        format!("{page}?step=heard&together=1&turn=partner&refused=partner_answered")
    );
    let bo_api: Value = b.get(&format!("/api/v1/pairs/{sid}/rituals/{rid}")).await.json().await.unwrap();
    assert!(bo_api["answers"].as_array().unwrap().iter().any(|x| x["step"] == "heard" && x["rating"] == 9));
}

on_each_backend!(together_on_one_screen_takes_turns, together_on_one_screen_case);
