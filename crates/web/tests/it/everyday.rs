//! Promises, the ritual, appreciations, the pulse, insights, the calendar
//! feed and reminders over real HTTP (and a real SMTP conversation).

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use troth_store::{NewPromise, PromiseStore, Store};

use crate::on_each_backend;
use crate::support::{client, error_code, spawn_app_with, Db, TestApp};

async fn promises_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let base = format!("/api/v1/pairs/{sid}/promises");
    let past = a.post_json(&base, json!({"text": "Call mum", "due": "2020-01-01T10:00:00Z"})).await;
    assert_eq!(error_code(past).await, (StatusCode::UNPROCESSABLE_ENTITY, "due_in_past".into()));
    let empty = a.post_json(&base, json!({"text": "   "})).await;
    assert_eq!(error_code(empty).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let long = a.post_json(&base, json!({"text": "x".repeat(281)})).await;
    assert_eq!(error_code(long).await.0, StatusCode::UNPROCESSABLE_ENTITY);

    let due = (Timestamp::now() + SignedDuration::from_hours(30)).to_string();
    let made: Value =
        a.post_json(&base, json!({"text": "Fix the bike", "category": "home", "due": due})).await.json().await.unwrap();
    assert_eq!(made["status"], "open");
    let pid = made["id"].as_str().unwrap();
    let act = |who: &crate::support::Person, body: Value| {
        let req = who.client.post(who.url(&format!("{base}/{pid}/actions"))).json(&body);
        async move { req.send().await.unwrap() }
    };
    // Only the partner confirms; only the promiser claims.
    assert_eq!(
        error_code(act(&a, json!({"action": "confirm"})).await).await,
        (StatusCode::FORBIDDEN, "partner_must_confirm".into())
    );
    assert_eq!(
        error_code(act(&b, json!({"action": "claim"})).await).await,
        (StatusCode::FORBIDDEN, "not_your_promise".into())
    );
    let bad = act(&a, json!({"action": "renegotiate"})).await;
    assert_eq!(error_code(bad).await.0, StatusCode::UNPROCESSABLE_ENTITY, "a renegotiation needs a note");
    let later = (Timestamp::now() + SignedDuration::from_hours(72)).to_string();
    let reneg: Value = act(&a, json!({"action": "renegotiate", "note": "The part comes Friday", "new_due": later}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(reneg["renegotiations"], 1);
    assert_eq!(act(&a, json!({"action": "claim"})).await.status(), StatusCode::OK);
    let kept: Value = act(&b, json!({"action": "confirm"})).await.json().await.unwrap();
    assert_eq!(kept["status"], "kept");
    assert_eq!(
        error_code(act(&b, json!({"action": "release"})).await).await,
        (StatusCode::CONFLICT, "already_settled".into())
    );
    let detail: Value = a.get(&format!("{base}/{pid}")).await.json().await.unwrap();
    let kinds: Vec<&str> = detail["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["renegotiated", "claimed", "confirmed"]);
    // A hears that B confirmed.
    let notes: Vec<Value> = a.get("/api/v1/me/notifications").await.json().await.unwrap();
    assert!(notes.iter().any(|n| n["kind"] == "confirmed"), "{notes:?}");

    // Too late to renegotiate once due: made directly in the store with a past due time.
    let a_id: troth_domain::Id = a.id.parse().unwrap();
    let sid_id: troth_domain::Id = sid.parse().unwrap();
    let old = app
        .store
        .make_promise(
            a_id,
            sid_id,
            NewPromise {
                text: troth_domain::promise::PromiseText::parse("Water the plants").unwrap(),
                category: None,
                due: Some(Timestamp::now() - SignedDuration::from_hours(2)),
                at: Some(Timestamp::now() - SignedDuration::from_hours(48)),
            },
        )
        .await
        .unwrap();
    assert_eq!(old.status.as_str(), "missed", "past due without an outcome reads as missed");
    let late =
        a.post_json(&format!("{base}/{}/actions", old.id), json!({"action": "renegotiate", "note": "sorry"})).await;
    assert_eq!(error_code(late).await, (StatusCode::CONFLICT, "too_late_to_renegotiate".into()));
    let sorry = a
        .post_json(
            &format!("{base}/{}/actions", old.id),
            json!({"action": "apologise", "note": "I forgot them; I'll set a reminder."}),
        )
        .await;
    assert_eq!(sorry.status(), StatusCode::OK);

    // Think before you commit: over the threshold, a confirmation is asked.
    let s = a.client.put(a.url("/api/v1/me/settings")).json(&json!({"notify_due_app": true, "notify_due_email": false, "notify_confirmed_app": true, "notify_confirmed_email": false, "notify_ritual_app": true, "notify_ritual_email": false, "commitment_threshold": 2})).send().await.unwrap();
    assert_eq!(s.status(), StatusCode::OK);
    for t in ["One", "Two"] {
        assert_eq!(a.post_json(&base, json!({"text": t})).await.status(), StatusCode::CREATED);
    }
    let third = a.post_json(&base, json!({"text": "Three"})).await;
    assert_eq!(error_code(third).await, (StatusCode::CONFLICT, "needs_confirmation".into()));
    assert_eq!(
        a.post_json(&base, json!({"text": "Three", "confirm_overcommit": true})).await.status(),
        StatusCode::CREATED
    );
    let check: Value = a.get(&format!("{base}/check")).await.json().await.unwrap();
    assert_eq!(check["load"]["open_this_week"], 3);
    let by_b: Vec<Value> = a.get(&format!("{base}?member={}", b.id)).await.json().await.unwrap();
    assert!(by_b.is_empty());
    let kept_list: Vec<Value> = b.get(&format!("{base}?status=kept")).await.json().await.unwrap();
    assert_eq!(kept_list.len(), 1);
}

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
    assert_eq!(
        answer(&a, json!({"step": "appreciations", "body": "You made dinner twice."})).await.status(),
        StatusCode::OK
    );
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
    let early = a.post_json(&format!("{path}/{rid}/finish"), json!({})).await;
    assert_eq!(error_code(early).await, (StatusCode::CONFLICT, "not_ready".into()));
    assert_eq!(answer(&b, json!({"step": "appreciations", "body": "You listened."})).await.status(), StatusCode::OK);
    assert_eq!(answer(&b, json!({"step": "heard", "rating": 9})).await.status(), StatusCode::OK);
    let done: Value = b.post_json(&format!("{path}/{rid}/finish"), json!({})).await.json().await.unwrap();
    assert!(done["finished_at"].is_string());
    assert_eq!(done["answers"].as_array().unwrap().len(), 5);
    let closed = answer(&a, json!({"step": "went_well", "body": "late addition"})).await;
    assert_eq!(error_code(closed).await, (StatusCode::CONFLICT, "finished".into()));
    // Insights count the finished ritual once (two racing starts, one
    // finish) and Bo's concern as the one hard moment.
    let insights: Value = a.get(&format!("/api/v1/pairs/{sid}/insights")).await.json().await.unwrap();
    assert_eq!(insights["rituals_finished_12w"], 1);
    assert_eq!((insights["positive"].as_u64(), insights["negative"].as_u64()), (Some(1), Some(1)));
}

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
    assert_eq!(a_insights["reliability"].as_array().unwrap().len(), 2);
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

async fn calendar_case(app: &TestApp) {
    let (a, _b, sid) = app.pair().await;
    a.client
        .put(a.url(&format!("/api/v1/pairs/{sid}/ritual/slot")))
        .json(&json!({"weekday": "friday", "time": "20:30", "time_zone": "America/New_York"}))
        .send()
        .await
        .unwrap();
    let due = (Timestamp::now() + SignedDuration::from_hours(50)).to_string();
    let long_text = "Bring the long ladder, the blue paint, the brushes, and a flask of coffee; ask first";
    a.post_json(&format!("/api/v1/pairs/{sid}/promises"), json!({"text": long_text, "due": due})).await;
    let link: Value = a.get("/api/v1/me/calendar").await.json().await.unwrap();
    let url = link["url"].as_str().unwrap().to_string();
    let path = url.split_once("/calendar/").map(|(_, p)| format!("/calendar/{p}")).unwrap();
    let res = client().get(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/calendar"));
    let body = res.text().await.unwrap();
    assert!(body.starts_with("BEGIN:VCALENDAR\r\n") && body.ends_with("END:VCALENDAR\r\n"));
    assert!(body.contains("RRULE:FREQ=WEEKLY"));
    assert!(body.contains("TZID=America/New_York"));
    assert!(body.split("\r\n").all(|l| l.len() <= 75), "lines folded at 75 octets");
    assert!(!body.replace("\r\n", "").contains('\n'), "CRLF only");
    let unfolded = body.replace("\r\n ", "");
    assert!(unfolded.contains("the brushes\\, and a flask of coffee\\; ask first"), "escaped text survives folding");
    assert_eq!(body.matches("BEGIN:VEVENT").count(), 2);
    let rotated: Value = a.post_json("/api/v1/me/calendar/rotate", json!({})).await.json().await.unwrap();
    assert_ne!(rotated["url"], link["url"]);
    assert_eq!(client().get(app.url(&path)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
}

/// A tiny SMTP sink: answers like a relay and keeps each message's DATA.
async fn smtp_sink() -> (u16, Arc<tokio::sync::Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let store = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else { return };
            let store = store.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                w.write_all(b"220 sink ready\r\n").await.unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(d) = data.as_mut() {
                        if line == "." {
                            store.lock().await.push(data.take().unwrap());
                            w.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            d.push_str(&line);
                            d.push('\n');
                        }
                        continue;
                    }
                    let reply: &[u8] = match line.split_whitespace().next().unwrap_or("").to_uppercase().as_str() {
                        "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go on\r\n"
                        }
                        "QUIT" => {
                            w.write_all(b"221 bye\r\n").await.unwrap();
                            return;
                        }
                        _ => b"250 ok\r\n",
                    };
                    w.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, got)
}

async fn reminders_case(db: Db) {
    let (port, mails) = smtp_sink().await;
    let config = troth_web::WebConfig {
        smtp: Some(troth_web::mail::SmtpConfig { host: "127.0.0.1".into(), port, from: "troth@example.org".into() }),
        ..Default::default()
    };
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
    let got = mails.lock().await.clone();
    assert_eq!(got.len(), 1, "only A asked for email");
    assert!(got[0].contains(&format!("To: <{}>", a.email)) && got[0].contains("Subject: A promise is due soon"));
    // Mail crosses relays: a nudge and a link, never what was written.
    assert!(!got[0].contains("Pick up the cake"), "{}", got[0]);
    assert!(got[0].contains(&format!("/spaces/{sid}/promises/{}", p["id"].as_str().unwrap())));
    let a_notes: Vec<Value> = a.get("/api/v1/me/notifications").await.json().await.unwrap();
    assert!(a_notes.iter().any(|n| n["kind"] == "due"));
    // Confirmation email when B confirms.
    let pid = p["id"].as_str().unwrap();
    a.post_json(&format!("/api/v1/pairs/{sid}/promises/{pid}/actions"), json!({"action": "claim"})).await;
    b.post_json(&format!("/api/v1/pairs/{sid}/promises/{pid}/actions"), json!({"action": "confirm"})).await;
    let got = mails.lock().await.clone();
    assert_eq!(got.len(), 2);
    assert!(got[1].contains("Subject: A promise of yours was confirmed"));
    assert!(!got[1].contains("Pick up the cake"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_go_out_once_in_app_and_by_email() {
    for db in crate::support::backends() {
        reminders_case(db).await;
    }
}

/// The new routes keep the privacy rule: outsiders get 404, logged-out 401.
async fn everyday_matrix_case(app: &TestApp) {
    let (a, _b, sid) = app.pair().await;
    let outsider = app.register("Cy").await;
    let due = (Timestamp::now() + SignedDuration::from_hours(30)).to_string();
    let p: Value = a
        .post_json(&format!("/api/v1/pairs/{sid}/promises"), json!({"text": "x", "due": due}))
        .await
        .json()
        .await
        .unwrap();
    let t: Value = a
        .post_json(&format!("/api/v1/pairs/{sid}/appreciations"), json!({"text": "thanks"}))
        .await
        .json()
        .await
        .unwrap();
    let pulse: Value = a
        .post_json(
            &format!("/api/v1/pairs/{sid}/pulses"),
            json!({"emotional": 5, "instrumental": 5, "informational": 5, "self": 5, "situational": 5, "physical": 5}),
        )
        .await
        .json()
        .await
        .unwrap();
    let r: Value = a.post_json(&format!("/api/v1/pairs/{sid}/rituals"), json!({})).await.json().await.unwrap();
    let paths = [
        format!("/api/v1/pairs/{sid}/promises"),
        format!("/api/v1/pairs/{sid}/promises/{}", p["id"].as_str().unwrap()),
        format!("/api/v1/pairs/{sid}/appreciations"),
        format!("/api/v1/pairs/{sid}/pulses"),
        format!("/api/v1/pairs/{sid}/pulses/{}", pulse["pulse"]["id"].as_str().unwrap()),
        format!("/api/v1/pairs/{sid}/rituals/{}", r["id"].as_str().unwrap()),
        format!("/api/v1/pairs/{sid}/insights"),
        format!("/api/v1/pairs/{sid}/ritual/slot"),
        format!("/spaces/{sid}/promises"),
        format!("/spaces/{sid}/insights"),
        format!("/spaces/{sid}/pulse"),
    ];
    let anon = client();
    for path in &paths {
        assert_eq!(outsider.get(path).await.status(), StatusCode::NOT_FOUND, "outsider {path}");
        let s = anon.get(app.url(path)).send().await.unwrap().status();
        assert!(s == StatusCode::UNAUTHORIZED || s == StatusCode::SEE_OTHER, "logged out {path}: {s}");
        assert_eq!(a.get(path).await.status(), StatusCode::OK, "member {path}");
    }
    let heart = outsider
        .post_json(
            &format!("/api/v1/pairs/{sid}/appreciations/{}/heart", t["id"].as_str().unwrap()),
            json!({"on": true}),
        )
        .await;
    assert_eq!(heart.status(), StatusCode::NOT_FOUND);
}

on_each_backend!(promises_are_kept_confirmed_and_renegotiated, promises_case);
on_each_backend!(one_ritual_per_week_saved_as_it_goes, ritual_case);
on_each_backend!(pulses_stay_private_and_appreciations_get_hearts, pulse_and_appreciation_case);
on_each_backend!(calendar_feed_is_valid_ics, calendar_case);
on_each_backend!(everyday_routes_keep_the_privacy_rule, everyday_matrix_case);
