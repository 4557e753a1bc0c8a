//! Reminders: in the app and by email (a real SMTP conversation), each sent once.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use troth_store::Store;

use crate::support::{spawn_app_with, Db};

async fn reminders_case(db: Db) {
    let sink = crate::mail_sink::plain().await;
    let config = troth_web::WebConfig { smtp: Some(sink.mailer()), ..Default::default() };
    let app = spawn_app_with(db, config.clone()).await;
    let (a, b, sid) = app.pair().await;
    let settings = json!({"notify_due_app": true, "notify_due_email": true, "notify_confirmed_app": true, "notify_confirmed_email": true, "notify_ritual_app": true, "notify_ritual_email": false, "commitment_threshold": 5});
    assert_eq!(
        a.client.put(a.url("/api/v1/me/settings")).json(&settings).send().await.unwrap().status(),
        StatusCode::OK
    );
    let due = (Timestamp::now() + SignedDuration::from_hours(3)).to_string();
    let p: Value = a
        .post_json(&format!("/api/v1/pairs/{sid}/promises"), json!({"text": "Pick up the cake", "due": due}))
        .await
        .json()
        .await
        .unwrap();
    let store: Arc<dyn Store> = app.store.clone();
    let sent = troth_web::reminders::tick(&store, &config, Timestamp::now()).await;
    assert_eq!(sent, 2, "one reminder for each member");
    assert_eq!(troth_web::reminders::tick(&store, &config, Timestamp::now()).await, 0, "never twice");
    let got = sink.nudges().await;
    assert_eq!(got.len(), 1, "only A asked for email");
    assert_eq!(got[0].to, vec![a.email.clone()]);
    assert!(
        got[0].data.contains(&format!("To: {}", a.email)) && got[0].data.contains("Subject: A promise is due soon")
    );
    // Mail crosses relays: a nudge and a link, never what was written.
    assert!(!got[0].data.contains("Pick up the cake"), "{}", got[0].data);
    assert!(got[0].text().contains(&format!("/spaces/{sid}/promises/{}", p["id"].as_str().unwrap())));
    let a_notes: Vec<Value> = a.get("/api/v1/me/notifications").await.json().await.unwrap();
    assert!(a_notes.iter().any(|n| n["kind"] == "promise_due_soon"));
    // Confirmation email when B confirms.
    let pid = p["id"].as_str().unwrap();
    a.post_json(&format!("/api/v1/pairs/{sid}/promises/{pid}/actions"), json!({"action": "claim"})).await;
    b.post_json(&format!("/api/v1/pairs/{sid}/promises/{pid}/actions"), json!({"action": "confirm"})).await;
    // Sent in the background, after the answer.
    let got = sink.wait_for(2).await;
    assert_eq!(got.len(), 2);
    assert!(got[1].data.contains("Subject: A promise of yours was confirmed"));
    assert!(!got[1].data.contains("Pick up the cake"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_go_out_once_in_app_and_by_email() {
    for db in crate::support::backends() {
        reminders_case(db).await;
    }
}

/// What `b` has been told, as (kind, text) pairs, newest first.
async fn told(b: &crate::support::Person) -> Vec<(String, String)> {
    let list: Vec<Value> = b.get("/api/v1/me/notifications").await.json().await.unwrap();
    list.iter().map(|n| (n["kind"].as_str().unwrap().to_string(), n["text"].as_str().unwrap().to_string())).collect()
}

/// Each kind has its own choice: turning one off silences that kind and no
/// other. (Kinds were strings once, and everything without a choice of its
/// own fell under "due soon": turning that off silenced thanks too.)
async fn one_kind_off_silences_only_that_kind(app: &crate::support::TestApp) {
    let (a, b, sid) = app.pair().await;
    let choices: Vec<Value> = b.get("/api/v1/me/notification-choices").await.json().await.unwrap();
    assert_eq!(choices.len(), troth_domain::notifications::NotificationKind::ALL.len());
    assert!(choices.iter().all(|c| c["app"] == true && c["email"] == false), "{choices:?}");

    // The bug: "due soon" off in the app must not silence thanks or promises.
    let res = b
        .put_json(
            "/api/v1/me/notification-choices",
            json!([{"kind": "promise_due_soon", "app": false, "email": false}]),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let after: Vec<Value> = res.json().await.unwrap();
    for c in &after {
        assert_eq!(c["app"] == true, c["kind"] != "promise_due_soon", "{c}");
    }
    assert_eq!(
        a.post_json(&format!("/api/v1/pairs/{sid}/appreciations"), json!({"text": "the soup"})).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        a.post_json(&format!("/api/v1/pairs/{sid}/promises"), json!({"text": "Fix the shelf"})).await.status(),
        StatusCode::CREATED
    );
    let kinds: Vec<String> = told(&b).await.into_iter().map(|(k, _)| k).collect();
    assert!(kinds.contains(&"appreciation".to_string()), "{kinds:?}");
    assert!(kinds.contains(&"promise_made".to_string()), "{kinds:?}");

    // Thanks off: the next thank-you is silent, the next promise is not.
    let res = b
        .put_json("/api/v1/me/notification-choices", json!([{"kind": "appreciation", "app": false, "email": false}]))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let before = told(&b).await.len();
    assert_eq!(
        a.post_json(&format!("/api/v1/pairs/{sid}/appreciations"), json!({"text": "the walk"})).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(told(&b).await.len(), before, "thanks were turned off");
    assert_eq!(
        a.post_json(&format!("/api/v1/pairs/{sid}/promises"), json!({"text": "Call the plumber"})).await.status(),
        StatusCode::CREATED
    );
    let now = told(&b).await;
    assert_eq!(now.len(), before + 1);
    assert_eq!(now[0].0, "promise_made");

    // An unknown kind is refused with a clear error, and nothing changes.
    let res =
        b.put_json("/api/v1/me/notification-choices", json!([{"kind": "gossip", "app": true, "email": true}])).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let again: Vec<Value> = b.get("/api/v1/me/notification-choices").await.json().await.unwrap();
    assert_eq!(
        again,
        after
            .iter()
            .map(|c| if c["kind"] == "appreciation" {
                json!({"kind": "appreciation", "app": false, "email": false})
            } else {
                c.clone()
            })
            .collect::<Vec<_>>()
    );
}

crate::on_each_backend!(turning_one_kind_off_silences_only_that_kind, one_kind_off_silences_only_that_kind);

/// The phone's bottom bar holds a space's most used places and a "More"
/// menu for the rest; the current place is marked, and the unread count
/// shows next to Notifications.
async fn navigation_case(app: &crate::support::TestApp) {
    let (a, b, sid) = app.pair().await;
    let made = a.post_json(&format!("/api/v1/pairs/{sid}/promises"), json!({"text": "Bring flowers"})).await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let html = b.get(&format!("/spaces/{sid}/promises")).await.text().await.unwrap();
    let start = html.find("class=\"nav-bar\"").expect("a bottom bar");
    let bar = &html[start..start + html[start..].find("</nav>").unwrap()];
    let (first, more) = bar.split_at(bar.find("<details").expect("a More menu in the bar"));
    let places: Vec<&str> = first.split("href=\"").skip(1).map(|s| s.split('"').next().unwrap()).collect();
    let space = format!("/spaces/{sid}");
    assert_eq!(
        places,
        [space.clone(), format!("{space}/promises"), format!("{space}/appreciations"), format!("{space}/program")]
    );
    assert!(more.contains("<summary>More"), "{more}");
    assert!(more.contains(&format!("href=\"{space}/ritual\"")) && more.contains("href=\"/account\""));
    assert!(more.contains("action=\"/logout\""));
    // Only the current place is marked, in the bar and in the wide header.
    assert_eq!(html.matches("aria-current=\"page\"").count(), 2, "{html}");
    assert!(html.contains(&format!("<a href=\"{space}/promises\" aria-current=\"page\">")), "{bar}");
    let detail = b.get(&format!("{space}/promises/{}", made_id(&html))).await.text().await.unwrap();
    assert!(
        detail.contains(&format!("<a href=\"{space}/promises\" aria-current=\"page\">")),
        "a promise is under Promises"
    );
    let home = b.get(&space).await.text().await.unwrap();
    assert!(home.contains(&format!("<a href=\"{space}\" aria-current=\"page\">")));
    assert!(!home.contains(&format!("<a href=\"{space}/promises\" aria-current")));
    // B was told about the promise: one unread, shown on Notifications and on More.
    assert!(
        html.contains("Notifications <span class=\"count\">1<span class=\"visually-hidden\"> unread</span>"),
        "{html}"
    );
    assert!(more.contains("More <span class=\"count\">1"), "{more}");
    let a_page = a.get(&space).await.text().await.unwrap();
    assert!(!a_page.contains("class=\"count\""), "nothing unread for A");
}

/// The id of the first promise linked from a promises page.
fn made_id(html: &str) -> String {
    let marker = "/promises/";
    let at = html.find(marker).unwrap() + marker.len();
    html[at..].split('"').next().unwrap().to_string()
}

crate::on_each_backend!(navigation_fits_a_phone, navigation_case);

/// The unread count in the navigation is the visitor's own, read with the
/// session: it counts each new notification, drops as they are read, and
/// never shows the partner's.
async fn unread_count_case(app: &crate::support::TestApp) {
    let (a, b, sid) = app.pair().await;
    let count = |html: &str| -> Option<String> {
        let at = html.find("Notifications <span class=\"count\">")? + "Notifications <span class=\"count\">".len();
        Some(html[at..].split('<').next().unwrap().to_string())
    };
    let space = format!("/spaces/{sid}");
    assert_eq!(count(&b.get(&space).await.text().await.unwrap()), None, "nothing unread yet");
    for text in ["Bring flowers", "Call the plumber", "Book the train"] {
        let made = a.post_json(&format!("/api/v1/pairs/{sid}/promises"), json!({"text": text})).await;
        assert_eq!(made.status(), StatusCode::CREATED);
    }
    // Every signed-in page carries it, inside a space or not.
    for path in [space.as_str(), "/account", "/spaces"] {
        let html = b.get(path).await.text().await.unwrap();
        assert_eq!(count(&html).as_deref(), Some("3"), "{path}");
    }
    assert_eq!(count(&a.get(&space).await.text().await.unwrap()), None, "A's page never counts B's notifications");

    let listed: Value = b.get("/api/v1/me/notifications").await.json().await.unwrap();
    let first = listed[0]["id"].as_str().unwrap();
    let read = b.post_json("/api/v1/me/notifications/read", json!({"id": first})).await;
    assert_eq!(read.status(), StatusCode::NO_CONTENT);
    assert_eq!(count(&b.get(&space).await.text().await.unwrap()).as_deref(), Some("2"));
    let read = b.post_json("/api/v1/me/notifications/read", json!({})).await;
    assert_eq!(read.status(), StatusCode::NO_CONTENT);
    let html = b.get(&space).await.text().await.unwrap();
    assert_eq!(count(&html), None, "all read");
    assert!(!html.contains("class=\"count\""), "the More menu shows no count either");
}

crate::on_each_backend!(unread_count_is_the_visitors_own, unread_count_case);

/// A threshold off the scale is refused under its field, in a sentence;
/// the number typed and every box as it was sent stay; nothing is saved.
async fn settings_form_keeps_what_was_sent_case(app: &crate::support::TestApp) {
    let a = app.register("Ana").await;
    let before: Value = a.get("/api/v1/me/settings").await.json().await.unwrap();
    let page = a.get("/notifications").await.text().await.unwrap();
    assert!(page.contains("name=\"appreciation.app\" value=\"yes\" checked"), "thanks in troth start on");
    let token = crate::support::csrf_of(&page);
    // Thanks in troth unticked (absent), rituals by email ticked, and 0.
    let res = a
        .client
        .post(a.url("/notifications/settings"))
        .form(&[("_csrf", token.as_str()), ("ritual.email", "yes"), ("threshold", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("name=\"threshold\" type=\"number\" min=\"1\" max=\"50\" required value=\"0\" aria-invalid=\"true\" aria-describedby=\"threshold-error\""));
    assert!(
        html.contains("<p id=\"threshold-error\" class=\"field-error\">Please pick a whole number from 1 to 50.</p>")
    );
    assert!(html.contains("name=\"ritual.email\" value=\"yes\" checked"), "the ticked box stays ticked");
    assert!(!html.contains("name=\"appreciation.app\" value=\"yes\" checked"), "the unticked box stays unticked");
    let after: Value = a.get("/api/v1/me/settings").await.json().await.unwrap();
    assert_eq!(before, after, "nothing saved");
}

crate::on_each_backend!(settings_form_keeps_what_was_sent, settings_form_keeps_what_was_sent_case);
