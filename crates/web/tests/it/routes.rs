//! Every API route and every page × the actors who must be kept out, from
//! two declarative tables. The API table must list exactly the operations
//! the server documents in its OpenAPI document, the page table exactly the
//! page routes the features register (`troth_web::page_paths`): a new route
//! that nobody placed here fails the test until someone says who may call it.
//!
//! The actors: logged out, a revoked token, a logged-out session cookie, an
//! expired session, a member of another space, a former member.
//!
//! Per route the table gives its scope:
//! - `Open`: anyone, signed in or not (answers for the logged out are never
//!   a server error);
//! - `Me`: about the caller only: without a live session or token, 401;
//! - `Mine`: one of the caller's own things by id (a reflection, a session,
//!   a token): as `Me`, and 404 for anyone else signed in;
//! - `Space`: about one space: 401 without a live session or token, and 404
//!   (never 403: not even the space's existence shows) for a member of
//!   another space and for a former member, whatever the method, with no
//!   byte of the space's content in the answer.
//!
//! What a partner may do with the other's entries is per feature and
//! visibility; the feature matrices (`matrix.rs`, `exchanges.rs`,
//! `program.rs`) cover that.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::on_each_backend;
use crate::support::{client, Person, TestApp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Open,
    Me,
    Mine,
    Space,
}

use Scope::*;

/// Every documented operation: (method, path, scope).
const ROUTES: &[(&str, &str, Scope)] = &[
    ("GET", "/healthz", Open),
    ("POST", "/api/v1/auth/register", Open),
    ("POST", "/api/v1/auth/register/confirm", Open),
    ("POST", "/api/v1/auth/password-reset", Open),
    ("POST", "/api/v1/auth/password-reset/confirm", Open),
    ("POST", "/api/v1/auth/login", Open),
    ("GET", "/api/v1/library/exercises", Me),
    ("GET", "/api/v1/library/exercises/{exercise_id}", Me),
    ("POST", "/api/v1/coach/check", Open),
    ("POST", "/api/v1/coach/apology", Open),
    ("GET", "/api/v1/invites/{code}", Open),
    ("POST", "/api/v1/invites/{code}/accept", Me),
    ("POST", "/api/v1/auth/logout", Open),
    ("POST", "/api/v1/auth/password", Me),
    ("GET", "/api/v1/auth/sessions", Me),
    ("DELETE", "/api/v1/auth/sessions/{session_id}", Mine),
    ("GET", "/api/v1/auth/tokens", Me),
    ("POST", "/api/v1/auth/tokens", Me),
    ("DELETE", "/api/v1/auth/tokens/{token_id}", Mine),
    ("GET", "/api/v1/me/reflections", Me),
    ("POST", "/api/v1/me/reflections", Me),
    ("GET", "/api/v1/me/reflections/{reflection_id}", Mine),
    ("DELETE", "/api/v1/me/reflections/{reflection_id}", Mine),
    ("GET", "/api/v1/me", Me),
    ("PATCH", "/api/v1/me", Me),
    ("DELETE", "/api/v1/me", Me),
    ("GET", "/api/v1/me/calendar", Me),
    ("POST", "/api/v1/me/calendar/rotate", Me),
    ("GET", "/api/v1/me/export", Me),
    ("GET", "/api/v1/me/notification-choices", Me),
    ("PUT", "/api/v1/me/notification-choices", Me),
    ("GET", "/api/v1/me/notifications", Me),
    ("POST", "/api/v1/me/notifications/read", Me),
    ("GET", "/api/v1/me/settings", Me),
    ("PUT", "/api/v1/me/settings", Me),
    ("GET", "/api/v1/pairs", Me),
    ("POST", "/api/v1/pairs", Me),
    ("GET", "/api/v1/pairs/{pair_id}", Space),
    ("PATCH", "/api/v1/pairs/{pair_id}", Space),
    ("POST", "/api/v1/pairs/{pair_id}/leave", Space),
    ("GET", "/api/v1/pairs/{pair_id}/first-steps", Space),
    ("POST", "/api/v1/pairs/{pair_id}/first-steps/dismiss", Space),
    ("GET", "/api/v1/pairs/{pair_id}/invites", Space),
    ("POST", "/api/v1/pairs/{pair_id}/invites", Space),
    ("DELETE", "/api/v1/pairs/{pair_id}/invites/{invite_id}", Space),
    ("GET", "/api/v1/pairs/{pair_id}/notes", Space),
    ("POST", "/api/v1/pairs/{pair_id}/notes", Space),
    ("GET", "/api/v1/pairs/{pair_id}/notes/{note_id}", Space),
    ("PATCH", "/api/v1/pairs/{pair_id}/notes/{note_id}", Space),
    ("DELETE", "/api/v1/pairs/{pair_id}/notes/{note_id}", Space),
    ("PUT", "/api/v1/pairs/{pair_id}/notes/{note_id}/part", Space),
    ("GET", "/api/v1/pairs/{pair_id}/appreciations", Space),
    ("POST", "/api/v1/pairs/{pair_id}/appreciations", Space),
    ("DELETE", "/api/v1/pairs/{pair_id}/appreciations/{appreciation_id}", Space),
    ("POST", "/api/v1/pairs/{pair_id}/appreciations/{appreciation_id}/favourite", Space),
    ("POST", "/api/v1/pairs/{pair_id}/appreciations/{appreciation_id}/heart", Space),
    ("GET", "/api/v1/pairs/{pair_id}/promises", Space),
    ("POST", "/api/v1/pairs/{pair_id}/promises", Space),
    ("GET", "/api/v1/pairs/{pair_id}/promises/check", Space),
    ("GET", "/api/v1/pairs/{pair_id}/promises/{promise_id}", Space),
    ("POST", "/api/v1/pairs/{pair_id}/promises/{promise_id}/actions", Space),
    ("GET", "/api/v1/pairs/{pair_id}/pulses", Space),
    ("POST", "/api/v1/pairs/{pair_id}/pulses", Space),
    ("GET", "/api/v1/pairs/{pair_id}/pulses/partner", Space),
    ("GET", "/api/v1/pairs/{pair_id}/pulses/{pulse_id}", Space),
    ("POST", "/api/v1/pairs/{pair_id}/pulses/{pulse_id}/share", Space),
    ("GET", "/api/v1/pairs/{pair_id}/insights", Space),
    ("PUT", "/api/v1/pairs/{pair_id}/insights/sharing", Space),
    ("GET", "/api/v1/pairs/{pair_id}/ritual/slot", Space),
    ("PUT", "/api/v1/pairs/{pair_id}/ritual/slot", Space),
    ("GET", "/api/v1/pairs/{pair_id}/rituals", Space),
    ("POST", "/api/v1/pairs/{pair_id}/rituals", Space),
    ("GET", "/api/v1/pairs/{pair_id}/rituals/{ritual_id}", Space),
    ("PUT", "/api/v1/pairs/{pair_id}/rituals/{ritual_id}/answers", Space),
    ("PUT", "/api/v1/pairs/{pair_id}/rituals/{ritual_id}/drafts", Space),
    ("POST", "/api/v1/pairs/{pair_id}/rituals/{ritual_id}/skip", Space),
    ("POST", "/api/v1/pairs/{pair_id}/rituals/{ritual_id}/finish", Space),
    ("GET", "/api/v1/pairs/{pair_id}/exchanges", Space),
    ("POST", "/api/v1/pairs/{pair_id}/exchanges", Space),
    ("GET", "/api/v1/pairs/{pair_id}/exchanges/{exchange_id}", Space),
    ("POST", "/api/v1/pairs/{pair_id}/exchanges/{exchange_id}/part", Space),
    ("PUT", "/api/v1/pairs/{pair_id}/exchanges/{exchange_id}/part", Space),
    ("POST", "/api/v1/pairs/{pair_id}/exchanges/{exchange_id}/withdraw", Space),
    ("PUT", "/api/v1/pairs/{pair_id}/exchanges/{exchange_id}/remember", Space),
    ("PUT", "/api/v1/pairs/{pair_id}/exchanges/{exchange_id}/response", Space),
    ("GET", "/api/v1/pairs/{pair_id}/goals", Space),
    ("POST", "/api/v1/pairs/{pair_id}/goals", Space),
    ("GET", "/api/v1/pairs/{pair_id}/goals/{goal_id}", Space),
    ("PATCH", "/api/v1/pairs/{pair_id}/goals/{goal_id}", Space),
    ("DELETE", "/api/v1/pairs/{pair_id}/goals/{goal_id}", Space),
    ("PUT", "/api/v1/pairs/{pair_id}/goals/{goal_id}/agreement", Space),
    ("POST", "/api/v1/pairs/{pair_id}/goals/{goal_id}/milestones", Space),
    ("PUT", "/api/v1/pairs/{pair_id}/goals/{goal_id}/milestones/{milestone_id}", Space),
    ("DELETE", "/api/v1/pairs/{pair_id}/goals/{goal_id}/milestones/{milestone_id}", Space),
    ("GET", "/api/v1/pairs/{pair_id}/experiences", Space),
    ("POST", "/api/v1/pairs/{pair_id}/experiences", Space),
    ("GET", "/api/v1/pairs/{pair_id}/experiences/{experience_id}", Space),
    ("PATCH", "/api/v1/pairs/{pair_id}/experiences/{experience_id}", Space),
    ("DELETE", "/api/v1/pairs/{pair_id}/experiences/{experience_id}", Space),
    ("PUT", "/api/v1/pairs/{pair_id}/experiences/{experience_id}/done", Space),
    ("GET", "/api/v1/pairs/{pair_id}/journal", Space),
    ("POST", "/api/v1/pairs/{pair_id}/journal", Space),
    ("GET", "/api/v1/pairs/{pair_id}/journal/{entry_id}", Space),
    ("PUT", "/api/v1/pairs/{pair_id}/journal/{entry_id}", Space),
    ("DELETE", "/api/v1/pairs/{pair_id}/journal/{entry_id}", Space),
    ("POST", "/api/v1/pairs/{pair_id}/journal/{entry_id}/comments", Space),
    ("POST", "/api/v1/pairs/{pair_id}/journal/{entry_id}/photos", Space),
    ("GET", "/api/v1/pairs/{pair_id}/journal/{entry_id}/photos/{photo_id}", Space),
    ("DELETE", "/api/v1/pairs/{pair_id}/journal/{entry_id}/photos/{photo_id}", Space),
    ("GET", "/api/v1/pairs/{pair_id}/timeline", Space),
    ("POST", "/api/v1/pairs/{pair_id}/timeline", Space),
    ("GET", "/api/v1/pairs/{pair_id}/timeline/{moment_id}", Space),
    ("PUT", "/api/v1/pairs/{pair_id}/timeline/{moment_id}", Space),
    ("DELETE", "/api/v1/pairs/{pair_id}/timeline/{moment_id}", Space),
    ("GET", "/api/v1/pairs/{pair_id}/program", Space),
    ("PUT", "/api/v1/pairs/{pair_id}/program/track", Space),
    ("PUT", "/api/v1/pairs/{pair_id}/program/pace", Space),
    ("POST", "/api/v1/pairs/{pair_id}/program/share", Space),
    ("GET", "/api/v1/pairs/{pair_id}/program/sessions", Space),
    ("POST", "/api/v1/pairs/{pair_id}/program/sessions", Space),
    ("GET", "/api/v1/pairs/{pair_id}/program/sessions/{session_id}", Space),
    ("PUT", "/api/v1/pairs/{pair_id}/program/sessions/{session_id}/steps/{step}", Space),
    ("POST", "/api/v1/pairs/{pair_id}/program/sessions/{session_id}/finish", Space),
    ("POST", "/api/v1/pairs/{pair_id}/program/sessions/{session_id}/share", Space),
];

/// Text put into everything the space holds; no refused answer may carry it.
const MARK: &str = "routes-matrix-secret-4417";

/// Who calls: a bearer token, a cookie session, or nothing.
#[derive(Clone)]
enum Caller {
    Token(String),
    Cookie(Person),
    /// A session cookie sent by hand (one that has been logged out).
    RawCookie(String),
    Nobody,
}

async fn call(app: &TestApp, caller: &Caller, method: &str, path: &str) -> (StatusCode, String) {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let fresh = client();
    let builder = match caller {
        Caller::Token(token) => fresh.request(method.clone(), app.url(path)).bearer_auth(token),
        Caller::Cookie(p) => p.client.request(method.clone(), p.url(path)).header("origin", app.base.clone()),
        Caller::RawCookie(cookie) => {
            fresh.request(method.clone(), app.url(path)).header("cookie", cookie).header("origin", app.base.clone())
        }
        Caller::Nobody => fresh.request(method.clone(), app.url(path)),
    };
    let builder = if method == Method::GET || method == Method::DELETE { builder } else { builder.json(&json!({})) };
    let res = builder.send().await.unwrap();
    let status = res.status();
    (status, res.text().await.unwrap_or_default())
}

async fn token_of(p: &Person, name: &str) -> (String, String) {
    let res = p.post_json("/api/v1/auth/tokens", json!({"name": name})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let v: Value = res.json().await.unwrap();
    (v["token"].as_str().unwrap().to_string(), v["id"].as_str().unwrap().to_string())
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().or_else(|| v["pulse"]["id"].as_str()).expect("the answer has an id").to_string()
}

async fn created(p: &Person, path: &str, body: Value) -> Value {
    let res = p.post_json(path, body).await;
    assert!(res.status().is_success(), "{path}: {}", res.status());
    res.json().await.unwrap()
}

/// A space with Ana and Bo holding one of everything, each carrying [`MARK`],
/// and the ids to put in a route's path.
struct Furnished {
    a: Person,
    b: Person,
    sid: String,
    ids: Vec<(&'static str, String)>,
    auth_session: String,
}

impl Furnished {
    /// `path` with every `{param}` replaced by a real id of the space.
    fn fill(&self, path: &str) -> String {
        let mut out = path.replace("{pair_id}", &self.sid).replace("{space_id}", &self.sid);
        // A session id is a login session under the account routes and a
        // program session elsewhere.
        if path.starts_with("/api/v1/auth/") || path.starts_with("/account/") {
            out = out.replace("{session_id}", &self.auth_session);
        }
        for (param, id) in &self.ids {
            out = out.replace(param, id);
        }
        out
    }
}

async fn furnish(app: &TestApp) -> Furnished {
    let (a, b, sid) = app.pair().await;
    let base = format!("/api/v1/pairs/{sid}");
    // One of everything the space can hold, each carrying the mark.
    let note = a.note(&sid, "shared", MARK).await;
    let thanks = created(&a, &format!("{base}/appreciations"), json!({"text": MARK})).await;
    let promise = created(&a, &format!("{base}/promises"), json!({"text": MARK})).await;
    let pulse = created(
        &a,
        &format!("{base}/pulses"),
        json!({"emotional": 7, "instrumental": 6, "informational": 5, "self": 8, "situational": 6, "physical": 7, "note": MARK}),
    )
    .await;
    let ritual = created(&a, &format!("{base}/rituals"), json!({})).await;
    let exchange = created(&a, &format!("{base}/exchanges"), json!({"prompt": MARK, "part": MARK})).await;
    let library = troth_web::embedded_library();
    let together = library
        .exercises()
        .iter()
        .find(|e| e.mode == troth_content::Mode::Together && e.level.get() == 1)
        .expect("a level-1 together exercise");
    let session = created(&a, &format!("{base}/program/sessions"), json!({"exercise_id": together.id.as_str()})).await;
    let goal = created(&a, &format!("{base}/goals"), json!({"title": MARK, "milestones": [MARK]})).await;
    let experience = created(&a, &format!("{base}/experiences"), json!({"title": MARK})).await;
    let entry = created(
        &a,
        &format!("{base}/journal"),
        json!({"title": MARK, "happened": MARK, "supported": MARK, "learned": MARK}),
    )
    .await;
    let form = reqwest::multipart::Form::new().part(
        "photo",
        reqwest::multipart::Part::bytes(crate::journal::jpeg_with_gps(64, 48)).file_name("small.jpg".to_string()),
    );
    let photo =
        a.client.post(a.url(&format!("{base}/journal/{}/photos", id_of(&entry)))).multipart(form).send().await.unwrap();
    assert_eq!(photo.status(), StatusCode::CREATED);
    let photo: Value = photo.json().await.unwrap();
    let moment = created(
        &a,
        &format!("{base}/timeline"),
        json!({"date": "2019-05-04", "kind": "built", "title": MARK, "learned": MARK}),
    )
    .await;
    let rating = json!({"rating": 6, "note": MARK});
    let reflection = created(
        &a,
        "/api/v1/me/reflections",
        json!({"competence": rating, "consistency": rating, "integrity": rating, "compassion": rating}),
    )
    .await;
    // The space is full, so the invite is the one Bo came in by.
    let invites: Vec<Value> = a.get(&format!("{base}/invites")).await.json().await.unwrap();
    let invite = invites.first().cloned().expect("the invite Bo used is listed");
    let (_, a_token_id) = token_of(&a, "script").await;
    let sessions: Value = a.get("/api/v1/auth/sessions").await.json().await.unwrap();
    let a_session_id = sessions["sessions"][0]["id"].as_str().expect("Ana has a session").to_string();

    let ids = vec![
        ("{note_id}", id_of(&note)),
        ("{appreciation_id}", id_of(&thanks)),
        ("{promise_id}", id_of(&promise)),
        ("{pulse_id}", id_of(&pulse)),
        ("{ritual_id}", id_of(&ritual)),
        ("{exchange_id}", id_of(&exchange)),
        ("{session_id}", id_of(&session)),
        ("{step}", "0".to_string()),
        ("{invite_id}", id_of(&invite)),
        ("{code}", invite["code"].as_str().unwrap_or("no-code").to_string()),
        ("{token_id}", a_token_id),
        ("{exercise_id}", together.id.as_str().to_string()),
        ("{goal_id}", id_of(&goal)),
        ("{milestone_id}", id_of(&goal["milestones"][0])),
        ("{experience_id}", id_of(&experience)),
        ("{reflection_id}", id_of(&reflection)),
        ("{entry_id}", id_of(&entry)),
        ("{photo_id}", id_of(&photo)),
        ("{moment_id}", id_of(&moment)),
        ("{file}", "style.css".to_string()),
    ];
    Furnished { a, b, sid, ids, auth_session: a_session_id }
}

async fn routes_case(app: &TestApp) {
    let furnished = furnish(app).await;
    let (a, b, sid) = (furnished.a.clone(), furnished.b.clone(), furnished.sid.clone());
    let base = format!("/api/v1/pairs/{sid}");
    let fill = |path: &str| furnished.fill(path);

    // The table lists exactly what the server documents.
    let doc: Value = client().get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let mut documented: Vec<String> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                documented.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    documented.sort();
    let mut listed: Vec<String> = ROUTES.iter().map(|(m, p, _)| format!("{m} {p}")).collect();
    listed.sort();
    let unlisted: Vec<&String> = documented.iter().filter(|r| !listed.contains(r)).collect();
    let stale: Vec<&String> = listed.iter().filter(|r| !documented.contains(r)).collect();
    assert!(unlisted.is_empty(), "routes nobody placed in the matrix: {unlisted:?}");
    assert!(stale.is_empty(), "matrix rows for routes that no longer exist: {stale:?}");

    // The callers to keep out.
    let outsider = app.register("Cy").await;
    created(&outsider, "/api/v1/pairs", json!({"name": "Elsewhere"})).await;
    let (outsider_token, _) = token_of(&outsider, "outsider").await;
    let (revoked_token, revoked_id) = token_of(&a, "revoked").await;
    assert_eq!(a.delete(&format!("/api/v1/auth/tokens/{revoked_id}")).await.status(), StatusCode::NO_CONTENT);
    // A session cookie kept from before its logout, sent again by hand,
    // and one whose session expired.
    let ended = Caller::RawCookie(ended_session_cookie(app, &a).await);
    let expired = Caller::RawCookie(expired_session_cookie(app, &a).await);

    let mut checked = 0;
    let unauthenticated = [
        ("logged out", Caller::Nobody),
        ("revoked token", Caller::Token(revoked_token.clone())),
        ("ended session", ended),
        ("expired session", expired),
    ];
    for &(method, path, scope) in ROUTES {
        let url = fill(path);
        for (who, caller) in &unauthenticated {
            let (status, body) = call(app, caller, method, &url).await;
            assert!(!body.contains(MARK), "{who} {method} {path} read the space: {body}");
            match scope {
                Open => assert!(status.as_u16() < 500, "{who} {method} {path}: {status}"),
                Me | Mine | Space => assert_eq!(status, StatusCode::UNAUTHORIZED, "{who} {method} {path}: {body}"),
            }
            checked += 1;
        }
        if scope == Space || scope == Mine {
            let (status, body) = call(app, &Caller::Token(outsider_token.clone()), method, &url).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "someone else {method} {path}: {body}");
            assert!(!body.contains(MARK));
            checked += 1;
        }
    }

    // A former member: Bo leaves, and every space route is as if it never existed.
    let (former_token, _) = token_of(&b, "former").await;
    assert_eq!(b.post_json(&format!("{base}/leave"), json!({})).await.status(), StatusCode::NO_CONTENT);
    for &(method, path, scope) in ROUTES.iter().filter(|r| r.2 == Space) {
        let url = fill(path);
        for caller in [Caller::Token(former_token.clone()), Caller::Cookie(b.clone())] {
            let (status, body) = call(app, &caller, method, &url).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "former member {method} {path} ({scope:?}): {body}");
            assert!(!body.contains(MARK));
            checked += 1;
        }
    }
    // The author still reads it all: the refusals above were about the callers.
    let (status, body) =
        call(app, &Caller::Cookie(a.clone()), "GET", &fill("/api/v1/pairs/{pair_id}/notes/{note_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(MARK));
    assert!(checked > 300, "{checked} calls checked");
}

on_each_backend!(every_route_keeps_out_who_it_must, routes_case);

/// Every page route: (method, path, scope), with the same scopes as the
/// API table. For pages, "refused" is a redirect to the login page for
/// whoever has no live session, and the "not found" page (404) for anyone
/// signed in who is not a member of the space or does not own the thing.
/// The test fails when a page route exists that this table does not list
/// (pages are enumerated by [`troth_web::page_paths`], their methods by
/// asking the router), or lists one that no longer exists.
const PAGES: &[(&str, &str, Scope)] = &[
    // The site, and the forms used before there is a session.
    ("GET", "/", Open),
    ("GET", "/exit", Open),
    ("GET", "/safety", Open),
    ("GET", "/static/{file}", Open),
    ("GET", "/help/reliability", Open),
    ("GET", "/register", Open),
    ("POST", "/register", Open),
    ("GET", "/register/confirm/{token}", Open),
    ("POST", "/register/confirm", Open),
    ("GET", "/password-reset", Open),
    ("POST", "/password-reset", Open),
    ("GET", "/password-reset/{token}", Open),
    ("POST", "/password-reset/confirm", Open),
    ("GET", "/login", Open),
    ("POST", "/login", Open),
    ("GET", "/coach", Open),
    ("POST", "/coach", Open),
    ("POST", "/coach/feedback", Open),
    ("GET", "/join/{code}", Open),
    // The account and what belongs to the signed-in person alone.
    ("POST", "/logout", Me),
    ("GET", "/account", Me),
    ("POST", "/account/profile", Me),
    ("POST", "/account/password", Me),
    ("POST", "/account/sessions/{session_id}/end", Mine),
    ("POST", "/account/sessions/end-others", Me),
    ("POST", "/account/tokens", Me),
    ("POST", "/account/tokens/{token_id}/revoke", Mine),
    ("GET", "/account/export", Me),
    ("POST", "/account/delete", Me),
    ("GET", "/notifications", Me),
    ("POST", "/notifications/read", Me),
    ("POST", "/notifications/settings", Me),
    ("POST", "/notifications/calendar/rotate", Me),
    ("GET", "/reflection", Me),
    ("POST", "/reflection", Me),
    ("POST", "/reflection/{reflection_id}/delete", Mine),
    ("GET", "/program/library", Me),
    ("GET", "/program/exercises/{exercise_id}", Me),
    ("GET", "/spaces", Me),
    ("POST", "/spaces", Me),
    ("POST", "/join/{code}", Me),
    // One space.
    ("GET", "/spaces/{space_id}", Space),
    ("POST", "/spaces/{space_id}/start-here/dismiss", Space),
    ("GET", "/spaces/{space_id}/invite", Space),
    ("POST", "/spaces/{space_id}/invite", Space),
    ("POST", "/spaces/{space_id}/invites/{invite_id}/revoke", Space),
    ("GET", "/spaces/{space_id}/leave", Space),
    ("POST", "/spaces/{space_id}/leave", Space),
    ("GET", "/spaces/{space_id}/notes", Space),
    ("POST", "/spaces/{space_id}/notes", Space),
    ("GET", "/spaces/{space_id}/notes/{note_id}", Space),
    ("POST", "/spaces/{space_id}/notes/{note_id}", Space),
    ("POST", "/spaces/{space_id}/notes/{note_id}/delete", Space),
    ("POST", "/spaces/{space_id}/notes/{note_id}/part", Space),
    ("GET", "/spaces/{space_id}/appreciations", Space),
    ("POST", "/spaces/{space_id}/appreciations", Space),
    ("POST", "/spaces/{space_id}/appreciations/{appreciation_id}/heart", Space),
    ("POST", "/spaces/{space_id}/appreciations/{appreciation_id}/favourite", Space),
    ("GET", "/spaces/{space_id}/promises", Space),
    ("POST", "/spaces/{space_id}/promises", Space),
    ("GET", "/spaces/{space_id}/promises/{promise_id}", Space),
    ("POST", "/spaces/{space_id}/promises/{promise_id}/act", Space),
    ("GET", "/spaces/{space_id}/pulse", Space),
    ("POST", "/spaces/{space_id}/pulse", Space),
    ("POST", "/spaces/{space_id}/pulse/{pulse_id}/share", Space),
    ("GET", "/spaces/{space_id}/insights", Space),
    ("POST", "/spaces/{space_id}/insights/sharing", Space),
    ("GET", "/spaces/{space_id}/ritual", Space),
    ("POST", "/spaces/{space_id}/ritual/slot", Space),
    ("POST", "/spaces/{space_id}/ritual/start", Space),
    ("GET", "/spaces/{space_id}/rituals/{ritual_id}", Space),
    ("POST", "/spaces/{space_id}/rituals/{ritual_id}/step", Space),
    ("POST", "/spaces/{space_id}/rituals/{ritual_id}/draft", Space),
    ("POST", "/spaces/{space_id}/rituals/{ritual_id}/finish", Space),
    ("GET", "/spaces/{space_id}/exchanges", Space),
    ("POST", "/spaces/{space_id}/exchanges", Space),
    ("GET", "/spaces/{space_id}/exchanges/{exchange_id}", Space),
    ("POST", "/spaces/{space_id}/exchanges/{exchange_id}/part", Space),
    ("POST", "/spaces/{space_id}/exchanges/{exchange_id}/withdraw", Space),
    ("POST", "/spaces/{space_id}/exchanges/{exchange_id}/response", Space),
    ("POST", "/spaces/{space_id}/exchanges/{exchange_id}/remember", Space),
    ("GET", "/spaces/{space_id}/goals", Space),
    ("POST", "/spaces/{space_id}/goals", Space),
    ("POST", "/spaces/{space_id}/goals/{goal_id}", Space),
    ("POST", "/spaces/{space_id}/goals/{goal_id}/delete", Space),
    ("POST", "/spaces/{space_id}/goals/{goal_id}/milestones", Space),
    ("POST", "/spaces/{space_id}/goals/{goal_id}/milestones/{milestone_id}", Space),
    ("POST", "/spaces/{space_id}/goals/{goal_id}/milestones/{milestone_id}/delete", Space),
    ("POST", "/spaces/{space_id}/goals/{goal_id}/agreement", Space),
    ("POST", "/spaces/{space_id}/experiences", Space),
    ("POST", "/spaces/{space_id}/experiences/{experience_id}/done", Space),
    ("POST", "/spaces/{space_id}/experiences/{experience_id}/delete", Space),
    ("GET", "/spaces/{space_id}/journal", Space),
    ("POST", "/spaces/{space_id}/journal", Space),
    ("GET", "/spaces/{space_id}/journal/{entry_id}", Space),
    ("POST", "/spaces/{space_id}/journal/{entry_id}", Space),
    ("POST", "/spaces/{space_id}/journal/{entry_id}/comments", Space),
    ("POST", "/spaces/{space_id}/journal/{entry_id}/photos", Space),
    ("GET", "/spaces/{space_id}/journal/{entry_id}/photos/{photo_id}", Space),
    ("POST", "/spaces/{space_id}/journal/{entry_id}/photos/{photo_id}/delete", Space),
    ("POST", "/spaces/{space_id}/journal/{entry_id}/delete", Space),
    ("GET", "/spaces/{space_id}/timeline", Space),
    ("POST", "/spaces/{space_id}/timeline", Space),
    ("GET", "/spaces/{space_id}/timeline/{moment_id}", Space),
    ("POST", "/spaces/{space_id}/timeline/{moment_id}", Space),
    ("POST", "/spaces/{space_id}/timeline/{moment_id}/delete", Space),
    ("GET", "/spaces/{space_id}/program", Space),
    ("GET", "/spaces/{space_id}/program/library", Space),
    ("GET", "/spaces/{space_id}/program/exercises/{exercise_id}", Space),
    ("POST", "/spaces/{space_id}/program/track", Space),
    ("POST", "/spaces/{space_id}/program/pace", Space),
    ("POST", "/spaces/{space_id}/program/share", Space),
    ("POST", "/spaces/{space_id}/program/sessions", Space),
    ("GET", "/spaces/{space_id}/program/sessions/{session_id}", Space),
    ("POST", "/spaces/{space_id}/program/sessions/{session_id}/steps/{step}", Space),
    ("POST", "/spaces/{space_id}/program/sessions/{session_id}/finish", Space),
    ("POST", "/spaces/{space_id}/program/sessions/{session_id}/share", Space),
];

/// Who asks for a page, and the form token that goes with their session.
struct Visitor {
    client: reqwest::Client,
    cookie: Option<String>,
    csrf: String,
}

impl Visitor {
    fn nobody() -> Self {
        Visitor { client: client(), cookie: None, csrf: "no-session".to_string() }
    }

    async fn signed_in(p: &Person) -> Self {
        let account = p.get("/account").await;
        assert_eq!(account.status(), StatusCode::OK);
        let csrf = crate::support::csrf_of(&account.text().await.unwrap());
        Visitor { client: p.client.clone(), cookie: None, csrf }
    }

    /// Asks as a browser would from one of troth's pages: a POST is a form
    /// carrying the visitor's own valid token, so that a refusal is about
    /// who they are, never about the token.
    async fn ask(&self, app: &TestApp, method: &str, path: &str) -> (StatusCode, String, String) {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.client.request(method.clone(), app.url(path)).header("origin", app.base.clone());
        if let Some(cookie) = &self.cookie {
            req = req.header("cookie", cookie);
        }
        if method == Method::POST {
            req = req.header("content-type", "application/x-www-form-urlencoded").body(format!("_csrf={}", self.csrf));
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        (status, location, res.text().await.unwrap_or_default())
    }
}

/// A fresh session cookie for `p`, from logging in again.
async fn login_cookie(app: &TestApp, p: &Person) -> String {
    let login = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": p.email, "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert!(login.status().is_success());
    login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").to_string())
        .find(|c| c.contains('=') && !c.ends_with('='))
        .expect("the login sets a session cookie")
}

/// A session cookie that has been logged out, for sending again by hand.
async fn ended_session_cookie(app: &TestApp, p: &Person) -> String {
    let cookie = login_cookie(app, p).await;
    let (status, _) = call(app, &Caller::RawCookie(cookie.clone()), "POST", "/api/v1/auth/logout").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    cookie
}

/// A session cookie whose session has expired: made and last used long
/// ago (moved back in the database, as time would).
async fn expired_session_cookie(app: &TestApp, p: &Person) -> String {
    let cookie = login_cookie(app, p).await;
    let sessions: Value = client()
        .get(app.url("/api/v1/auth/sessions"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id: troth_domain::Id = sessions["current"].as_str().expect("the session is listed").parse().unwrap();
    sqlx::query("UPDATE sessions SET created_at = 0, last_seen_at = 0 WHERE id = $1")
        .bind(id.get())
        .execute(app.store.pool())
        .await
        .unwrap();
    let (status, _) = call(app, &Caller::RawCookie(cookie.clone()), "GET", "/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the expired session no longer works");
    cookie
}

async fn pages_case(app: &TestApp) {
    let furnished = furnish(app).await;
    let nobody = Visitor::nobody();

    // The table lists exactly the page routes the server has: each path
    // the features registered, with the methods its router answers (405
    // for the others, asked without a session so that nothing changes).
    let mut served: Vec<String> = Vec::new();
    for path in troth_web::page_paths() {
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            let (status, _, _) = nobody.ask(app, method, &furnished.fill(path)).await;
            if status != StatusCode::METHOD_NOT_ALLOWED {
                served.push(format!("{method} {path}"));
            }
        }
    }
    served.sort();
    let mut listed: Vec<String> = PAGES.iter().map(|(m, p, _)| format!("{m} {p}")).collect();
    listed.sort();
    let unlisted: Vec<&String> = served.iter().filter(|r| !listed.contains(r)).collect();
    let stale: Vec<&String> = listed.iter().filter(|r| !served.contains(r)).collect();
    assert!(unlisted.is_empty(), "page routes nobody placed in the table: {unlisted:?}");
    assert!(stale.is_empty(), "page table rows for routes that no longer exist: {stale:?}");

    // The visitors to keep out.
    let outsider_person = app.register("Cy").await;
    created(&outsider_person, "/api/v1/pairs", json!({"name": "Elsewhere"})).await;
    let outsider = Visitor::signed_in(&outsider_person).await;
    let by_hand = |cookie: String| Visitor {
        client: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
        cookie: Some(cookie),
        csrf: "no-live-session".to_string(),
    };
    let ended = by_hand(ended_session_cookie(app, &furnished.a).await);
    let expired = by_hand(expired_session_cookie(app, &furnished.a).await);

    let mut checked = 0;
    for &(method, path, scope) in PAGES {
        let url = furnished.fill(path);
        for (who, visitor) in [("logged out", &nobody), ("ended session", &ended), ("expired session", &expired)] {
            let (status, location, body) = visitor.ask(app, method, &url).await;
            assert!(!body.contains(MARK), "{who} {method} {path} read the space: {body}");
            match scope {
                Open => assert!(status.as_u16() < 500, "{who} {method} {path}: {status}"),
                Me | Mine | Space => {
                    assert!(status.is_redirection(), "{who} {method} {path}: {status} {body}");
                    assert!(location.starts_with("/login?next="), "{who} {method} {path} goes to {location}");
                }
            }
            checked += 1;
        }
        if scope == Space || scope == Mine {
            let (status, _, body) = outsider.ask(app, method, &url).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "someone else {method} {path}: {body}");
            assert!(!body.contains(MARK), "someone else {method} {path} read the space: {body}");
            checked += 1;
        }
    }

    // A former member: Bo leaves, and every page of the space is as if it
    // never existed, with his session and token still good elsewhere.
    let former = Visitor::signed_in(&furnished.b).await;
    let left = furnished.b.post_json(&format!("/api/v1/pairs/{}/leave", furnished.sid), json!({})).await;
    assert_eq!(left.status(), StatusCode::NO_CONTENT);
    for &(method, path, _) in PAGES.iter().filter(|r| r.2 == Space) {
        let (status, _, body) = former.ask(app, method, &furnished.fill(path)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "former member {method} {path}: {body}");
        assert!(!body.contains(MARK), "former member {method} {path} read the space: {body}");
        checked += 1;
    }
    let (status, _, _) = former.ask(app, "GET", "/account").await;
    assert_eq!(status, StatusCode::OK, "Bo is still signed in: the 404s were about the space");

    // Ana still reads everything, and her session, token and reflection
    // survived the others' attempts on them.
    let ana = Visitor::signed_in(&furnished.a).await;
    for path in ["/spaces/{space_id}/notes/{note_id}", "/spaces/{space_id}/promises/{promise_id}"] {
        let (status, _, body) = ana.ask(app, "GET", &furnished.fill(path)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(body.contains(MARK), "{path} shows Ana her own words");
    }
    let tokens: Vec<Value> = furnished.a.get("/api/v1/auth/tokens").await.json().await.unwrap();
    assert!(!tokens.is_empty(), "Ana's token was not revoked by someone else");
    let (status, _, _) = ana.ask(app, "GET", &furnished.fill("/api/v1/me/reflections/{reflection_id}")).await;
    assert_eq!(status, StatusCode::OK, "Ana's reflection was not deleted by someone else");
    assert!(checked > 250, "{checked} page requests checked");
}

on_each_backend!(every_page_keeps_out_who_it_must, pages_case);
