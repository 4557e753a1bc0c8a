//! Spaces: making one, invites (also expired and raced), joining and leaving.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use troth_domain::{SpaceKind, SpaceName};
use troth_store::secret::{hash_secret, new_secret};
use troth_store::{SqlStore, Store};

use crate::on_each_backend;
use crate::support::{client, error_code, spawn_app_with, user, Db, TestApp};

async fn spaces_and_invites_case(app: &TestApp) {
    let a = app.register("Ana").await;
    let b = app.register("Bo").await;
    let c = app.register("Cy").await;
    let space: Value =
        a.post_json("/api/v1/pairs", json!({"name": "Us", "kind": "friends"})).await.json().await.unwrap();
    assert_eq!(space["kind"], "friends");
    let sid = space["id"].as_str().unwrap();
    // Outsiders cannot even tell the space exists.
    assert_eq!(b.get(&format!("/api/v1/pairs/{sid}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        error_code(b.post_json(&format!("/api/v1/pairs/{sid}/invites"), json!({})).await).await.0,
        StatusCode::NOT_FOUND
    );

    let first: Value = a.post_json(&format!("/api/v1/pairs/{sid}/invites"), json!({})).await.json().await.unwrap();
    let second: Value = a.post_json(&format!("/api/v1/pairs/{sid}/invites"), json!({})).await.json().await.unwrap();
    let revoked: Value = a.post_json(&format!("/api/v1/pairs/{sid}/invites"), json!({})).await.json().await.unwrap();
    assert!(first["url"].as_str().unwrap().ends_with(&format!("/join/{}", first["code"].as_str().unwrap())));
    let preview: Value = client()
        .get(app.url(&format!("/api/v1/invites/{}", first["code"].as_str().unwrap())))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(preview["space_name"], "Us");
    assert_eq!(preview["invited_by"], "Ana");
    assert_eq!(preview["status"], "open");

    assert_eq!(
        a.delete(&format!("/api/v1/pairs/{sid}/invites/{}", revoked["id"].as_str().unwrap())).await.status(),
        StatusCode::NO_CONTENT
    );
    let res = c.post_json(&format!("/api/v1/invites/{}/accept", revoked["code"].as_str().unwrap()), json!({})).await;
    assert_eq!(error_code(res).await, (StatusCode::GONE, "invite_revoked".into()));

    let joined = b.post_json(&format!("/api/v1/invites/{}/accept", first["code"].as_str().unwrap()), json!({})).await;
    assert_eq!(joined.status(), StatusCode::OK);
    let joined: Value = joined.json().await.unwrap();
    assert_eq!(joined["members"].as_array().unwrap().len(), 2);
    // The same invite cannot be used again; a third member is refused.
    let reuse = c.post_json(&format!("/api/v1/invites/{}/accept", first["code"].as_str().unwrap()), json!({})).await;
    assert_eq!(error_code(reuse).await, (StatusCode::CONFLICT, "invite_used".into()));
    let third = c.post_json(&format!("/api/v1/invites/{}/accept", second["code"].as_str().unwrap()), json!({})).await;
    assert_eq!(error_code(third).await, (StatusCode::CONFLICT, "space_full".into()));
    let more = a.post_json(&format!("/api/v1/pairs/{sid}/invites"), json!({})).await;
    assert_eq!(error_code(more).await, (StatusCode::CONFLICT, "space_full".into()));
    assert_eq!(c.get(&format!("/api/v1/pairs/{sid}")).await.status(), StatusCode::NOT_FOUND);
    let unknown = c.post_json("/api/v1/invites/00000000000000000000000000000000/accept", json!({})).await;
    assert_eq!(error_code(unknown).await.0, StatusCode::NOT_FOUND);

    // A person may be in several spaces.
    let other: Value =
        b.post_json("/api/v1/pairs", json!({"name": "Family", "kind": "family"})).await.json().await.unwrap();
    let spaces: Vec<Value> = b.get("/api/v1/pairs").await.json().await.unwrap();
    assert_eq!(spaces.len(), 2);
    assert!(spaces.iter().any(|s| s["id"] == other["id"]));

    // Leaving is quiet and final; the other member keeps the space.
    assert_eq!(b.post_json(&format!("/api/v1/pairs/{sid}/leave"), json!({})).await.status(), StatusCode::NO_CONTENT);
    let after: Value = a.get(&format!("/api/v1/pairs/{sid}")).await.json().await.unwrap();
    assert_eq!(after["members"].as_array().unwrap().len(), 1);
    assert_eq!(b.post_json(&format!("/api/v1/pairs/{sid}/leave"), json!({})).await.status(), StatusCode::NOT_FOUND);
    // What Ana and Bo shared was shared with each other: nobody new joins
    // this space, neither through an invite made before nor a new one.
    let late = c.post_json(&format!("/api/v1/invites/{}/accept", second["code"].as_str().unwrap()), json!({})).await;
    assert_eq!(error_code(late).await, (StatusCode::CONFLICT, "space_closed".into()));
    let fresh = a.post_json(&format!("/api/v1/pairs/{sid}/invites"), json!({})).await;
    assert_eq!(error_code(fresh).await, (StatusCode::CONFLICT, "space_closed".into()));
    assert_eq!(c.get(&format!("/api/v1/pairs/{sid}/notes")).await.status(), StatusCode::NOT_FOUND);
    // Ana's home says Bo left and offers a new space, not an invite this
    // space would refuse; the API says the space is parted.
    assert_eq!(after["parted"], true);
    let home = a.get(&format!("/spaces/{sid}")).await.text().await.unwrap();
    assert!(home.contains("has left this space") && home.contains("href=\"/spaces#new\""), "{home}");
    assert!(!home.contains("Make an invite link"), "no invite that would be refused");
    let spaces_page = a.get("/spaces").await.text().await.unwrap();
    assert!(spaces_page.contains("id=\"new\""), "the link lands on the new-space form");
    let fresh_space: Value = a.post_json("/api/v1/pairs", json!({"name": "Again"})).await.json().await.unwrap();
    assert_eq!(fresh_space["parted"], false, "a new space is open to an invite");
    let new_home = a.get(&format!("/spaces/{}", fresh_space["id"].as_str().unwrap())).await.text().await.unwrap();
    assert!(new_home.contains("Make an invite link") && !new_home.contains("has left this space"));
}

on_each_backend!(spaces_invites_and_leaving, spaces_and_invites_case);

async fn expired_invite_case(db: Db) {
    let config = troth_web::WebConfig { invite_ttl: jiff::SignedDuration::from_millis(300), ..Default::default() };
    let app = spawn_app_with(db, config).await;
    let a = app.register("Ana").await;
    let b = app.register("Bo").await;
    let space: Value = a.post_json("/api/v1/pairs", json!({})).await.json().await.unwrap();
    let invite: Value = a
        .post_json(&format!("/api/v1/pairs/{}/invites", space["id"].as_str().unwrap()), json!({}))
        .await
        .json()
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let res = b.post_json(&format!("/api/v1/invites/{}/accept", invite["code"].as_str().unwrap()), json!({})).await;
    assert_eq!(error_code(res).await, (StatusCode::GONE, "invite_expired".into()));
    let page = b.get(&format!("/join/{}", invite["code"].as_str().unwrap())).await;
    assert_eq!(page.status(), StatusCode::GONE);
    assert!(page.text().await.unwrap().contains("expired"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_invites_are_refused() {
    for db in crate::support::backends() {
        expired_invite_case(db).await;
    }
}

/// Many people racing to join through different invites: exactly one gets in.
async fn race_case(app: &TestApp) {
    let store: Arc<SqlStore> = app.store.clone();
    let owner = user(&store, "owner").await;
    let space = store.create_space(owner, &SpaceName::parse("Race").unwrap(), SpaceKind::Partners).await.unwrap();
    let now = Timestamp::now();
    let mut codes = Vec::new();
    for _ in 0..6 {
        let code = new_secret();
        store
            .create_invite(owner, space.id, &hash_secret(&code), now, now + SignedDuration::from_hours(1))
            .await
            .unwrap();
        codes.push(code);
    }
    let mut joiners = Vec::new();
    for i in 0..6 {
        joiners.push(user(&store, &format!("j{i}")).await);
    }
    let mut tasks = Vec::new();
    for (code, who) in codes.into_iter().zip(joiners) {
        let store = store.clone();
        tasks.push(tokio::spawn(async move { store.accept_invite(who, &hash_secret(&code), Timestamp::now()).await }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(troth_store::StoreError::Conflict { code, .. }) => assert_eq!(code, "space_full"),
            Err(e) => panic!("unexpected error under contention: {e}"),
        }
    }
    assert_eq!(ok, 1, "exactly one person joins");
    assert_eq!(store.space_for(owner, space.id).await.unwrap().members.len(), 2);
}

on_each_backend!(only_one_joins_a_full_space_under_contention, race_case);

/// A space name that is too long comes back under the field, kept as typed,
/// and no space is made.
async fn space_form_says_what_is_wrong_case(app: &TestApp) {
    let a = app.register("Ana").await;
    let html = a.get("/spaces").await.text().await.unwrap();
    let token = crate::support::csrf_of(&html);
    let long = "s".repeat(81);
    let res = a
        .client
        .post(a.url("/spaces"))
        .form(&[("_csrf", token.as_str()), ("name", long.as_str()), ("kind", "partners")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains(&format!("value=\"{long}\" aria-invalid=\"true\" aria-describedby=\"name-error\"")));
    assert!(
        html.contains("<p id=\"name-error\" class=\"field-error\">Please keep it to 80 characters; this has 81.</p>")
    );
    let spaces: serde_json::Value = a.get("/api/v1/pairs").await.json().await.unwrap();
    assert_eq!(spaces.as_array().unwrap().len(), 0, "no space made");
}

crate::on_each_backend!(space_form_says_what_is_wrong, space_form_says_what_is_wrong_case);
