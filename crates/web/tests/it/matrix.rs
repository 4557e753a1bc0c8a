//! The authorization matrix: every actor × every visibility × every
//! operation, against the real server. Later features add their routes here.

use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::on_each_backend;
use crate::support::{client, Person, TestApp};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Vis {
    Private,
    Shared,
    SealedPending,
    SealedRevealed,
}

const ALL_VIS: [Vis; 4] = [Vis::Private, Vis::Shared, Vis::SealedPending, Vis::SealedRevealed];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Actor {
    Author,
    Partner,
    Outsider,
    LoggedOut,
    RevokedSession,
}

/// What each actor gets: (read, listed, update, delete).
fn expected(actor: Actor, vis: Vis) -> (u16, bool, u16, u16) {
    use Actor::*;
    use Vis::*;
    match (actor, vis) {
        (Author, SealedRevealed) => (200, true, 409, 409),
        (Author, _) => (200, true, 200, 204),
        (Partner, Private) => (404, false, 404, 404),
        (Partner, Shared) => (200, true, 403, 403),
        (Partner, SealedPending) => (200, true, 409, 403),
        (Partner, SealedRevealed) => (200, true, 409, 403),
        (Outsider, _) => (404, false, 404, 404),
        (LoggedOut | RevokedSession, _) => (401, false, 401, 401),
    }
}

struct World {
    a: Person,
    b: Person,
    sid: String,
}

async fn make_note(w: &World, vis: Vis, label: &str) -> String {
    let v = match vis {
        Vis::Private => "private",
        Vis::Shared => "shared",
        Vis::SealedPending | Vis::SealedRevealed => "sealed",
    };
    let note = w.a.note(&w.sid, v, label).await;
    let id = note["id"].as_str().unwrap().to_string();
    if vis == Vis::SealedRevealed {
        let res =
            w.b.put_json(&format!("/api/v1/pairs/{}/notes/{id}/part", w.sid), json!({"body": "partner part"})).await;
        assert_eq!(res.status(), StatusCode::OK);
        let view: Value = res.json().await.unwrap();
        assert_eq!(view["sealed"]["revealed"], true);
    }
    id
}

/// Builds a client acting as `actor` towards the world's space.
async fn actor_client(app: &TestApp, w: &World, actor: Actor) -> Person {
    match actor {
        Actor::Author => {
            Person { client: w.a.client.clone(), base: app.base.clone(), email: w.a.email.clone(), id: w.a.id.clone() }
        }
        Actor::Partner => {
            Person { client: w.b.client.clone(), base: app.base.clone(), email: w.b.email.clone(), id: w.b.id.clone() }
        }
        Actor::Outsider => {
            let c = app.register("Cy").await;
            let res = c.post_json("/api/v1/pairs", json!({"name": "Elsewhere"})).await;
            assert_eq!(res.status(), StatusCode::CREATED);
            c
        }
        Actor::LoggedOut => {
            Person { client: client(), base: app.base.clone(), email: String::new(), id: String::new() }
        }
        Actor::RevokedSession => {
            // A's own old session, ended from another device.
            let stale = client();
            let res = stale
                .post(app.url("/api/v1/auth/login"))
                .json(&json!({"email": w.a.email, "password": "correct horse battery"}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            let sessions: Value = w.a.get("/api/v1/auth/sessions").await.json().await.unwrap();
            let current = sessions["current"].as_str().unwrap();
            let other = sessions["sessions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_str().unwrap())
                .find(|id| *id != current)
                .unwrap()
                .to_string();
            assert_eq!(w.a.delete(&format!("/api/v1/auth/sessions/{other}")).await.status(), StatusCode::NO_CONTENT);
            Person { client: stale, base: app.base.clone(), email: w.a.email.clone(), id: w.a.id.clone() }
        }
    }
}

async fn check_cell(w: &World, who: &Person, actor: Actor, vis: Vis) {
    let (read, listed, update, delete) = expected(actor, vis);
    let sid = &w.sid;
    let id = make_note(w, vis, &format!("{actor:?}-{vis:?}")).await;
    let path = format!("/api/v1/pairs/{sid}/notes/{id}");

    let res = who.get(&path).await;
    assert_eq!(res.status().as_u16(), read, "{actor:?} read {vis:?}");
    if read == 200 {
        let view: Value = res.json().await.unwrap();
        if actor == Actor::Partner && vis == Vis::SealedPending {
            // The partner sees that A wrote, never what.
            assert_eq!(view["sealed"]["partner_has_written"], true);
            assert!(view["sealed"]["partner_part"].is_null());
            assert!(view["sealed"]["my_part"].is_null());
            assert!(view["body"].is_null());
            assert!(!view.to_string().contains("SealedPending body"), "sealed text leaked: {view}");
        }
        if vis == Vis::SealedRevealed {
            assert!(view["sealed"]["partner_part"].is_string(), "{actor:?} sees both parts once revealed");
        }
    }

    let list = who.get(&format!("/api/v1/pairs/{sid}/notes")).await;
    if listed {
        assert_eq!(list.status(), StatusCode::OK);
        let items: Vec<Value> = list.json().await.unwrap();
        assert!(items.iter().any(|n| n["id"] == id.as_str()), "{actor:?} should list {vis:?}");
    } else {
        let status = list.status();
        if status == StatusCode::OK {
            let items: Vec<Value> = list.json().await.unwrap();
            assert!(!items.iter().any(|n| n["id"] == id.as_str()), "{actor:?} must not list {vis:?}");
        } else {
            assert!(
                status == StatusCode::NOT_FOUND || status == StatusCode::UNAUTHORIZED,
                "{actor:?} list {vis:?}: {status}"
            );
        }
    }

    let res = who.patch_json(&path, json!({"body": "changed"})).await;
    assert_eq!(res.status().as_u16(), update, "{actor:?} update {vis:?}");
    let res = who.delete(&path).await;
    assert_eq!(res.status().as_u16(), delete, "{actor:?} delete {vis:?}");
    // A refused delete leaves the note in place for its author.
    if delete != 204 {
        assert_eq!(w.a.get(&path).await.status(), StatusCode::OK, "{actor:?} delete {vis:?} must leave it");
    }
}

async fn matrix_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let w = World { a, b, sid };
    for actor in [Actor::Author, Actor::Partner, Actor::Outsider, Actor::LoggedOut] {
        let who = actor_client(app, &w, actor).await;
        for vis in ALL_VIS {
            check_cell(&w, &who, actor, vis).await;
        }
    }
    // Revoked last: it ends one of A's sessions (not the one `w.a` uses).
    let stale = actor_client(app, &w, Actor::RevokedSession).await;
    for vis in ALL_VIS {
        check_cell(&w, &stale, Actor::RevokedSession, vis).await;
    }
}

async fn former_member_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let w = World { a, b, sid: sid.clone() };
    let ids: Vec<String> = {
        let mut v = Vec::new();
        for vis in ALL_VIS {
            v.push(make_note(&w, vis, &format!("before-leave-{vis:?}")).await);
        }
        v
    };
    let b_shared = w.b.note(&sid, "shared", "from B, shared").await;
    let b_private = w.b.note(&sid, "private", "from B, private").await;
    assert_eq!(w.b.post_json(&format!("/api/v1/pairs/{sid}/leave"), json!({})).await.status(), StatusCode::NO_CONTENT);
    for id in &ids {
        let path = format!("/api/v1/pairs/{sid}/notes/{id}");
        assert_eq!(w.b.get(&path).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(w.b.patch_json(&path, json!({"body": "x"})).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(w.b.delete(&path).await.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(w.b.get(&format!("/api/v1/pairs/{sid}/notes")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(w.b.get(&format!("/api/v1/pairs/{sid}")).await.status(), StatusCode::NOT_FOUND);
    // What B shared stays with A; what B kept private is gone from the database.
    let shared_path = format!("/api/v1/pairs/{sid}/notes/{}", b_shared["id"].as_str().unwrap());
    assert_eq!(w.a.get(&shared_path).await.status(), StatusCode::OK);
    assert_eq!(w.b.get(&shared_path).await.status(), StatusCode::NOT_FOUND);
    let private_id = b_private["id"].as_str().unwrap().parse::<troth_domain::Id>().unwrap().get();
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM entries WHERE id = $1")
        .bind(private_id)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(left, 0, "a leaver's private entries are deleted");
}

/// Private entries do not exist for the partner: not in lists, not in
/// counts, not on the home page, not in their export.
async fn private_is_invisible_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let secret_title = "my-unshared-thought-7731";
    a.note(&sid, "private", secret_title).await;
    a.note(&sid, "shared", "a shared one").await;
    let list: Vec<Value> = b.get(&format!("/api/v1/pairs/{sid}/notes")).await.json().await.unwrap();
    assert_eq!(list.len(), 1, "the partner sees exactly the shared note");
    let private_list: Vec<Value> =
        b.get(&format!("/api/v1/pairs/{sid}/notes?visibility=private")).await.json().await.unwrap();
    assert!(private_list.is_empty());
    // Pages that load (200) and show the shared note, yet not the private one.
    let home = b.get(&format!("/spaces/{sid}")).await;
    assert_eq!(home.status(), StatusCode::OK);
    let home = home.text().await.unwrap();
    assert!(home.contains("a shared one") && !home.contains(secret_title));
    let notes_page = b.get(&format!("/spaces/{sid}/notes")).await;
    assert_eq!(notes_page.status(), StatusCode::OK);
    let notes_page = notes_page.text().await.unwrap();
    assert!(notes_page.contains("a shared one") && !notes_page.contains(secret_title));
    let export = b.get("/api/v1/me/export").await;
    assert_eq!(export.status(), StatusCode::OK);
    let export = export.text().await.unwrap();
    assert!(export.contains("a shared one") && !export.contains(secret_title));
    let own_export = a.get("/api/v1/me/export").await.text().await.unwrap();
    assert!(own_export.contains(secret_title), "the author's export has their private note");
}

on_each_backend!(authorization_matrix, matrix_case);
on_each_backend!(former_members_see_nothing, former_member_case);
on_each_backend!(private_entries_are_invisible_to_the_partner, private_is_invisible_case);

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
    let j: Value = a
        .post_json(&format!("/api/v1/pairs/{sid}/journal"), json!({"title": "t", "happened": "h"}))
        .await
        .json()
        .await
        .unwrap();
    let jid = j["id"].as_str().unwrap();
    let photo = reqwest::multipart::Form::new()
        .part("photo", reqwest::multipart::Part::bytes(crate::journal::jpeg_with_gps(20, 20)).file_name("p.jpg"));
    let photo: Value = a
        .client
        .post(a.url(&format!("/api/v1/pairs/{sid}/journal/{jid}/photos")))
        .multipart(photo)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pid = photo["id"].as_str().unwrap();
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
        format!("/api/v1/pairs/{sid}/program"),
        format!("/api/v1/pairs/{sid}/program/sessions"),
        format!("/spaces/{sid}/program"),
        format!("/spaces/{sid}/program/library"),
        format!("/api/v1/pairs/{sid}/goals"),
        format!("/api/v1/pairs/{sid}/experiences"),
        format!("/spaces/{sid}/goals"),
        format!("/api/v1/pairs/{sid}/journal"),
        format!("/api/v1/pairs/{sid}/journal/{jid}"),
        format!("/api/v1/pairs/{sid}/journal/{jid}/photos/{pid}"),
        format!("/spaces/{sid}/journal"),
        format!("/spaces/{sid}/journal/{jid}"),
        format!("/spaces/{sid}/journal/{jid}/photos/{pid}"),
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

on_each_backend!(everyday_routes_keep_the_privacy_rule, everyday_matrix_case);
