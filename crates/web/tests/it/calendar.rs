//! The calendar feed: valid ICS, a secret address that rotates.

use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::on_each_backend;
use crate::support::{client, TestApp};

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

on_each_backend!(calendar_feed_is_valid_ics, calendar_case);
