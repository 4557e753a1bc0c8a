//! The trust pulse (private unless shared) and appreciations with their hearts.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::on_each_backend;
use crate::support::{error_code, TestApp};

async fn pulse_and_appreciation_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let pulses = format!("/api/v1/pairs/{sid}/pulses");
    let bad = a
        .post_json(
            &pulses,
            json!({"emotional": 11, "instrumental": 5, "informational": 5, "self": 5, "situational": 5, "physical": 5}),
        )
        .await;
    assert_eq!(error_code(bad).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let saved: Value = a.post_json(&pulses, json!({"emotional": 7, "instrumental": 6, "informational": 5, "self": 8, "situational": 6, "physical": 2, "note": "rough week"})).await.json().await.unwrap();
    assert!(saved["safety_resources"].is_string(), "low physical safety shows resources to the member");
    let pid = saved["pulse"]["id"].as_str().unwrap();
    // The partner cannot read, list or learn of the private pulse.
    assert_eq!(b.get(&format!("{pulses}/{pid}")).await.status(), StatusCode::NOT_FOUND);
    assert!(b.get(&format!("{pulses}/partner")).await.json::<Value>().await.unwrap().is_null());
    let b_list: Vec<Value> = b.get(&pulses).await.json().await.unwrap();
    assert!(b_list.is_empty());
    let b_notes = b.get("/api/v1/me/notifications").await;
    assert_eq!(b_notes.status(), StatusCode::OK);
    let b_notes = b_notes.text().await.unwrap();
    assert!(!b_notes.contains("safe") && !b_notes.contains("pulse"), "never a notification about it: {b_notes}");
    let b_insights = b.get(&format!("/api/v1/pairs/{sid}/insights")).await.text().await.unwrap();
    assert!(!b_insights.contains("rough week"));
    let b_trend: Value = serde_json::from_str(&b_insights).unwrap();
    assert!(
        b_trend["pulse"].as_array().unwrap().iter().all(|t| t["latest"].is_null()),
        "B's insights hold only B's own pulses"
    );
    // Exports: each takes their own pulses, never the other's private ones.
    let a_export = a.get("/api/v1/me/export").await.text().await.unwrap();
    assert!(a_export.contains("rough week"), "the author's export has their pulse");
    let b_export = b.get("/api/v1/me/export").await;
    assert_eq!(b_export.status(), StatusCode::OK);
    let b_export = b_export.text().await.unwrap();
    assert!(!b_export.contains("rough week"));
    // Shared on purpose: now B sees it.
    assert_eq!(a.post_json(&format!("{pulses}/{pid}/share"), json!({"shared": true})).await.status(), StatusCode::OK);
    let shared: Value = b.get(&format!("{pulses}/partner")).await.json().await.unwrap();
    assert_eq!(shared["ratings"][5], 2);
    assert_eq!(
        error_code(b.post_json(&format!("{pulses}/{pid}/share"), json!({"shared": false})).await).await.0,
        StatusCode::FORBIDDEN
    );
    let a_insights: Value = a.get(&format!("/api/v1/pairs/{sid}/insights")).await.json().await.unwrap();
    assert_eq!(a_insights["pulse"][0]["latest"], 7);
    assert_eq!(
        a_insights["reliability"].as_array().unwrap().len(),
        1,
        "one's own score only, until both agree (insights.rs)"
    );
    assert_eq!(a_insights["reliability"][0]["user_id"].as_str(), Some(a.id.as_str()));
    assert_eq!(a_insights["reliability"][0]["score"], 70, "no outcomes yet: the neutral start");

    let thanks = format!("/api/v1/pairs/{sid}/appreciations");
    let t: Value = a.post_json(&thanks, json!({"text": "Thank you for the tea."})).await.json().await.unwrap();
    let tid = t["id"].as_str().unwrap();
    assert_eq!(
        error_code(a.post_json(&format!("{thanks}/{tid}/heart"), json!({"on": true})).await).await,
        (StatusCode::CONFLICT, "own_appreciation".into())
    );
    let hearted: Value = b.post_json(&format!("{thanks}/{tid}/heart"), json!({"on": true})).await.json().await.unwrap();
    assert_eq!(hearted["hearted"], true);
    assert_eq!(b.post_json(&format!("{thanks}/{tid}/favourite"), json!({"on": true})).await.status(), StatusCode::OK);
    let favs: Vec<Value> = b.get(&format!("{thanks}?favourites=true")).await.json().await.unwrap();
    assert_eq!(favs.len(), 1);
    let a_favs: Vec<Value> = a.get(&format!("{thanks}?favourites=true")).await.json().await.unwrap();
    assert!(a_favs.is_empty(), "favourites are each member's own");
    assert_eq!(b.delete(&format!("{thanks}/{tid}")).await.status(), StatusCode::FORBIDDEN);
    let export: Value = b.get("/api/v1/me/export").await.json().await.unwrap();
    assert_eq!(export["spaces"][0]["appreciations"][0]["text"], "Thank you for the tea.");
    let too_long = a.post_json(&thanks, json!({"text": "t".repeat(281)})).await;
    assert_eq!(error_code(too_long).await.0, StatusCode::UNPROCESSABLE_ENTITY);
}

on_each_backend!(pulses_stay_private_and_appreciations_get_hearts, pulse_and_appreciation_case);

/// The pulse form: each kind of trust a group of eleven radios (0 to 10)
/// with its ends named in words and a line on what it means.
async fn pulse_form_is_six_labelled_scales_case(app: &TestApp) {
    let (a, _b, sid) = app.pair().await;
    let html = a.get(&format!("/spaces/{sid}/pulse")).await.text().await.unwrap();
    for id in ["emotional", "instrumental", "informational", "self", "situational", "physical"] {
        assert!(
            html.contains(&format!(
                "<fieldset class=\"scale\" id=\"r-{id}\" role=\"radiogroup\" aria-labelledby=\"r-{id}-legend\" aria-describedby=\"r-{id}-help\">"
            )),
            "{id} is one labelled group"
        );
        for v in 0..=10 {
            assert_eq!(
                html.matches(&format!("type=\"radio\" id=\"r-{id}-{v}\" name=\"{id}\" value=\"{v}\" required")).count(),
                1,
                "{id} offers {v} once"
            );
        }
        assert_eq!(html.matches(&format!("name=\"{id}\" value=\"5\" required checked")).count(), 1, "{id} starts at 5");
    }
    assert_eq!(html.matches("type=\"radio\"").count(), 66);
    assert!(html.contains("<span>0: Not safe at all</span><span>10: Completely safe</span>"), "both ends in words");
    assert!(
        html.contains("<span class=\"visually-hidden\"> (I can't count on it)</span>"),
        "screen readers hear the words with 0"
    );
    assert!(html.contains("Trusting that they do what they said they would."), "what follow-through means");
    assert!(!html.contains("type=\"number\""), "no number fields left");
}

on_each_backend!(pulse_form_is_six_labelled_scales, pulse_form_is_six_labelled_scales_case);

/// A pulse of 11 (or "seven", or nothing) cannot come from the radios but
/// can from a hand-made POST: it is refused under that answer alone, the
/// sentence naming what came in, every other answer kept picked (and the
/// note and the choice to share), and nothing saved.
async fn pulse_form_keeps_what_was_typed_case(app: &TestApp) {
    let (a, _b, sid) = app.pair().await;
    let page = format!("/spaces/{sid}/pulse");
    let token = crate::support::csrf_of(&a.get(&page).await.text().await.unwrap());
    let res = a
        .client
        .post(a.url(&page))
        .form(&[
            ("_csrf", token.as_str()),
            ("emotional", "11"),
            ("instrumental", "3"),
            ("informational", "seven"),
            ("self", "9"),
            ("situational", "4"),
            ("note", "a-note-kept-4711"),
            ("shared", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    for (id, value) in [("instrumental", "3"), ("self", "9"), ("situational", "4")] {
        assert!(
            html.contains(&format!("id=\"r-{id}-{value}\" name=\"{id}\" value=\"{value}\" required checked")),
            "{id} kept as {value}"
        );
        let picked =
            (0..=10).filter(|v| html.contains(&format!("name=\"{id}\" value=\"{v}\" required checked"))).count();
        assert_eq!(picked, 1, "one answer picked for {id}");
    }
    for id in ["emotional", "informational", "physical"] {
        for v in 0..=10 {
            assert!(
                !html.contains(&format!("name=\"{id}\" value=\"{v}\" required checked")),
                "nothing picked for {id}: it was refused"
            );
        }
        assert!(
            html.contains(&format!("role=\"radiogroup\" aria-labelledby=\"r-{id}-legend\" aria-invalid=\"true\" aria-describedby=\"r-{id}-help r-{id}-error\"")),
            "{id} is marked and tied to its sentence"
        );
    }
    assert!(html.contains("<p id=\"r-emotional-error\" class=\"field-error\">“11” is not on the scale: please pick a number from 0 to 10.</p>"));
    assert!(html.contains("<p id=\"r-informational-error\" class=\"field-error\">“seven” is not on the scale: please pick a number from 0 to 10.</p>"));
    assert!(
        html.contains("<p id=\"r-physical-error\" class=\"field-error\">Please pick a number from 0 to 10.</p>"),
        "a missing answer"
    );
    assert!(html.contains("a-note-kept-4711</textarea>"), "the note is kept");
    assert!(html.contains("name=\"shared\" value=\"yes\" checked"), "the choice to share is kept");
    assert_eq!(html.matches("aria-invalid=\"true\"").count(), 3, "only the three at fault are marked");
    assert!(!html.contains("emotional:") && !html.contains("rating:"), "no field names in the sentences");
    let saved: Value = a.get(&format!("/api/v1/pairs/{sid}/pulses")).await.json().await.unwrap();
    assert_eq!(saved.as_array().unwrap().len(), 0, "nothing saved");
}

on_each_backend!(pulse_form_keeps_what_was_typed, pulse_form_keeps_what_was_typed_case);
