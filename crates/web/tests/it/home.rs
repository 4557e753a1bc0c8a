//! The space home: a first run that lands in a space, and the "start here"
//! card that ticks itself off from what was really done.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{client, csrf_of, unique, TestApp};

fn location(res: &reqwest::Response) -> String {
    res.headers()[reqwest::header::LOCATION].to_str().unwrap().to_string()
}

/// The steps the card shows as done, by their ids.
fn done_steps(html: &str) -> Vec<&'static str> {
    ["invite", "ritual", "thanks", "promise", "pulse"]
        .into_iter()
        .filter(|s| html.contains(&format!("<li id=\"step-{s}\" class=\"done\">")))
        .collect()
}

/// Registering on the page makes the first space in the same step and
/// lands in it; a refused space name leaves no account behind; someone
/// arriving with an invite makes no space of their own.
async fn first_run_case(app: &TestApp) {
    let web = client();
    let email = format!("{}@example.org", unique("first"));
    let long_name = "n".repeat(81);
    let refused = web
        .post(app.url("/register"))
        .form(&[
            ("display_name", "Ines"),
            ("email", email.as_str()),
            ("password", "a long passphrase"),
            ("time_zone", "Europe/Lisbon"),
            ("space_name", long_name.as_str()),
            ("space_kind", "partners"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert!(page.contains(&long_name) && page.contains("Europe/Lisbon"), "what was typed stays");
    let made = web
        .post(app.url("/register"))
        .form(&[
            ("display_name", "Ines"),
            ("email", email.as_str()),
            ("password", "a long passphrase"),
            ("time_zone", "Europe/Lisbon"),
            ("space_name", "Ines and Joao"),
            ("space_kind", "friends"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), StatusCode::SEE_OTHER, "the same email was still free: nothing was half written");
    let home = location(&made);
    assert!(home.starts_with("/spaces/") && home.len() > "/spaces/".len(), "{home}");
    let spaces: Value = web.get(app.url("/api/v1/pairs")).send().await.unwrap().json().await.unwrap();
    assert_eq!(spaces.as_array().unwrap().len(), 1);
    assert_eq!(spaces[0]["name"], "Ines and Joao");
    assert_eq!(spaces[0]["kind"], "friends");
    let html = web.get(app.url(&home)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Start here") && html.contains("0 of 5 done"), "the card, nothing done");
    assert!(html.contains("Meanwhile, on your own"), "told what they can do alone");
    assert!(html.contains(&format!("action=\"{home}/invite\"")), "the invite is one click away");
    // Logging in again, or opening the start page, also lands in the one space.
    assert_eq!(location(&web.get(app.url("/")).send().await.unwrap()), home);

    // The partner arrives with an invite: no space of their own.
    let sid = home.trim_start_matches("/spaces/");
    let invite: Value = web
        .post(app.url(&format!("/api/v1/pairs/{sid}/invites")))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let join = format!("/join/{}", invite["code"].as_str().unwrap());
    let partner = client();
    let joined = partner
        .post(app.url("/register"))
        .form(&[
            ("display_name", "Joao"),
            ("email", &format!("{}@example.org", unique("joao"))),
            ("password", "another long passphrase"),
            ("next", join.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&joined), join);
    let theirs: Value = partner.get(app.url("/api/v1/pairs")).send().await.unwrap().json().await.unwrap();
    assert_eq!(theirs.as_array().unwrap().len(), 0, "joining makes no space of one's own");
}

crate::on_each_backend!(registering_lands_in_a_new_space, first_run_case);

/// Each step ticks itself off from real data, for the member who did it;
/// putting the card away hides it for that member only.
async fn start_here_case(app: &TestApp) {
    let a = app.register("Ana").await;
    let space: Value = a.post_json("/api/v1/pairs", json!({"name": "Us"})).await.json().await.unwrap();
    let sid = space["id"].as_str().unwrap().to_string();
    let home = format!("/spaces/{sid}");
    let html = a.get(&home).await.text().await.unwrap();
    assert_eq!(done_steps(&html), Vec::<&str>::new());

    let thanks = a.post_json(&format!("/api/v1/pairs/{sid}/appreciations"), json!({"text": "for the coffee"})).await;
    assert_eq!(thanks.status(), StatusCode::CREATED);
    let promise = a.post_json(&format!("/api/v1/pairs/{sid}/promises"), json!({"text": "Water the plants"})).await;
    assert_eq!(promise.status(), StatusCode::CREATED);
    let html = a.get(&home).await.text().await.unwrap();
    assert_eq!(done_steps(&html), ["thanks", "promise"]);
    assert!(html.contains("2 of 5 done"));

    let pulse = a
        .post_json(
            &format!("/api/v1/pairs/{sid}/pulses"),
            json!({"emotional": 6, "instrumental": 7, "informational": 5, "self": 8, "situational": 6, "physical": 7}),
        )
        .await;
    assert_eq!(pulse.status(), StatusCode::CREATED);
    let slot = a
        .client
        .put(a.url(&format!("/api/v1/pairs/{sid}/ritual/slot")))
        .json(&json!({"weekday": "sunday", "time": "19:00", "time_zone": "Europe/Paris"}))
        .send()
        .await
        .unwrap();
    assert_eq!(slot.status(), StatusCode::OK);
    let html = a.get(&home).await.text().await.unwrap();
    assert_eq!(done_steps(&html), ["ritual", "thanks", "promise", "pulse"]);

    // The partner joins: the last step ticks for Ana, while Bo starts afresh.
    let b = app.register("Bo").await;
    let invite: Value = a.post_json(&format!("/api/v1/pairs/{sid}/invites"), json!({})).await.json().await.unwrap();
    let code = invite["code"].as_str().unwrap();
    assert_eq!(b.post_json(&format!("/api/v1/invites/{code}/accept"), json!({})).await.status(), StatusCode::OK);
    let html = a.get(&home).await.text().await.unwrap();
    assert!(!html.contains("Start here"), "all five done: the card is gone");
    assert!(!html.contains("Meanwhile, on your own"), "no longer alone");
    let bo_html = b.get(&home).await.text().await.unwrap();
    assert_eq!(done_steps(&bo_html), ["invite", "ritual"], "Bo's own thanks, promise and pulse are still ahead");

    // Bo puts it away; it stays away for Bo only.
    let token = csrf_of(&bo_html);
    let dismissed = b
        .client
        .post(b.url(&format!("{home}/start-here/dismiss")))
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(dismissed.status(), StatusCode::SEE_OTHER);
    assert!(!b.get(&home).await.text().await.unwrap().contains("Start here"));
    // The same steps over JSON, and putting the card away there too.
    let steps: Value = a.get(&format!("/api/v1/pairs/{sid}/first-steps")).await.json().await.unwrap();
    assert_eq!(steps["show"], false);
    assert_eq!(steps["steps"].as_array().unwrap().iter().filter(|s| s["done"] == true).count(), 5);
    let bo_steps: Value = b.get(&format!("/api/v1/pairs/{sid}/first-steps")).await.json().await.unwrap();
    assert_eq!((bo_steps["dismissed"].as_bool(), bo_steps["show"].as_bool()), (Some(true), Some(false)));
    assert_eq!(bo_steps["steps"][0], json!({"step": "invite", "done": true}));
    let again = a.post_json(&format!("/api/v1/pairs/{sid}/first-steps/dismiss"), json!({})).await;
    assert_eq!(again.status(), StatusCode::NO_CONTENT);

    let forged =
        b.client.post(b.url(&format!("{home}/start-here/dismiss"))).form(&[("_csrf", "nope")]).send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // Nobody else can put away a card in a space that is not theirs.
    let c = app.register("Cy").await;
    let c_home = c.get("/spaces").await.text().await.unwrap();
    let stranger = c
        .client
        .post(c.url(&format!("{home}/start-here/dismiss")))
        .form(&[("_csrf", csrf_of(&c_home).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status(), StatusCode::NOT_FOUND);
    assert_eq!(c.get(&format!("/api/v1/pairs/{sid}/first-steps")).await.status(), StatusCode::NOT_FOUND);
}

crate::on_each_backend!(start_here_ticks_itself_off, start_here_case);

/// "For tonight" comes before the lists, so on a phone it is near the top.
async fn tonight_near_the_top_case(app: &TestApp) {
    let (a, _b, sid) = app.pair().await;
    let home = a.get(&format!("/spaces/{sid}")).await.text().await.unwrap();
    let at = |needle: &str| home.find(needle).unwrap_or_else(|| panic!("{needle} on the home page"));
    assert!(at("id=\"tonight-h\">For tonight") < at("id=\"waiting-h\""), "before what is waiting");
    assert!(at("id=\"tonight-h\">For tonight") < at("id=\"due-h\""), "before what is coming up");
}

crate::on_each_backend!(tonight_comes_near_the_top, tonight_near_the_top_case);
