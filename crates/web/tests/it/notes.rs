//! Notes and the pages around them: what is typed is kept, what is not yours stays hidden.

use reqwest::StatusCode;

use crate::on_each_backend;
use crate::support::{client, TestApp};

async fn pages_case(app: &TestApp) {
    // A form error keeps what was typed, with the message.
    let c = client();
    let res = c
        .post(app.url("/register"))
        .header("origin", app.base.clone())
        .form(&[
            ("display_name", "Typed Name"),
            ("email", "typed@example.org"),
            ("password", "short"),
            ("time_zone", "Europe/Paris"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("value=\"Typed Name\"") && html.contains("value=\"typed@example.org\""));
    assert!(html.contains("role=\"alert\"") && html.contains("at least 8"));

    // Logged-out visitors are sent to log in, and come back after.
    let res = c.get(app.url("/spaces")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers().get("location").unwrap(), "/login?next=/spaces");

    let (a, b, sid) = app.pair().await;
    let home = a.get(&format!("/spaces/{sid}")).await;
    assert_eq!(home.status(), StatusCode::OK);
    let html = home.text().await.unwrap();
    assert!(html.contains("you and Bo"));
    let outsider = app.register("Cy").await;
    assert_eq!(outsider.get(&format!("/spaces/{sid}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(outsider.get("/spaces/zzz").await.status(), StatusCode::NOT_FOUND);
    // A sealed note waiting for B shows on B's home page, without its text.
    a.note(&sid, "sealed", "Open when both wrote").await;
    let html = b.get(&format!("/spaces/{sid}")).await.text().await.unwrap();
    assert!(html.contains("Open when both wrote") && html.contains("has written their part"));
    assert!(!html.contains("Open when both wrote body"));

    let exit = client().get(app.url("/exit")).send().await.unwrap();
    assert_eq!(exit.headers().get("cache-control").unwrap(), "no-store");
    assert!(!exit.text().await.unwrap().to_lowercase().contains("troth"));
}

on_each_backend!(pages_keep_input_and_hide_what_is_not_yours, pages_case);

/// While a sealed note is unrevealed, nothing the partner sees moves when
/// its author rewrites their hidden part (by the part route or by a patch
/// of the body): not the text, not its length, not `updated_at`. The note
/// opens, and may show a new time, only when the partner's part arrives.
async fn hidden_rewrite_moves_no_time_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let note = a.note(&sid, "sealed", "Before we talk").await;
    let nid = note["id"].as_str().unwrap();
    let one = format!("/api/v1/pairs/{sid}/notes/{nid}");
    let list = format!("/api/v1/pairs/{sid}/notes");
    let seen = |who: &crate::support::Person, path: String| {
        let req = who.client.get(who.url(&path));
        async move {
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            res.json::<serde_json::Value>().await.unwrap()
        }
    };
    let before = seen(&b, one.clone()).await;
    let list_before = seen(&b, list.clone()).await;
    assert_eq!(before["sealed"]["partner_has_written"], true, "{before}");

    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let put = a
        .client
        .put(a.url(&format!("{one}/part")))
        .json(&serde_json::json!({"body": "rewritten-hidden-part-8181, and much longer than before"}))
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "A rewrites by the part route: {}", put.status());
    assert_eq!(seen(&b, one.clone()).await, before, "the partner's view of the note moved");
    assert_eq!(seen(&b, list.clone()).await, list_before, "the partner's list moved");

    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let patched = a.patch_json(&one, serde_json::json!({"body": "rewritten again-8282"})).await;
    assert!(patched.status().is_success(), "A rewrites by a patch: {}", patched.status());
    assert_eq!(seen(&b, one.clone()).await, before, "the partner's view moved after a patch");
    let mine = seen(&a, one.clone()).await;
    assert_eq!(mine["sealed"]["my_part"], "rewritten again-8282", "the author's rewrite was kept");

    // The partner's part opens both: now both see the same, revealed note.
    let put = b
        .client
        .put(b.url(&format!("{one}/part")))
        .json(&serde_json::json!({"body": "B's part"}))
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success());
    let opened = seen(&b, one.clone()).await;
    assert_eq!(opened["sealed"]["partner_part"], "rewritten again-8282", "{opened}");
}

on_each_backend!(sealed_note_rewrite_moves_no_time_the_partner_sees, hidden_rewrite_moves_no_time_case);

/// The filter in use is marked (aria-current) and only that one, on Notes
/// and on Promises.
async fn filters_show_which_is_in_use_case(app: &crate::support::TestApp) {
    let (a, _b, sid) = app.pair().await;
    let current = |html: &str| -> Vec<String> {
        html.split("aria-current=\"true\">").skip(1).map(|rest| rest.split('<').next().unwrap().to_string()).collect()
    };
    let notes = a.get(&format!("/spaces/{sid}/notes")).await.text().await.unwrap();
    assert_eq!(current(&notes), ["All"]);
    let private = a.get(&format!("/spaces/{sid}/notes?visibility=private")).await.text().await.unwrap();
    assert_eq!(current(&private), ["Private"]);
    let promises = a.get(&format!("/spaces/{sid}/promises")).await.text().await.unwrap();
    assert_eq!(current(&promises), ["All"]);
    let kept = a.get(&format!("/spaces/{sid}/promises?status=kept")).await.text().await.unwrap();
    assert_eq!(current(&kept), ["Kept"]);
    let mine = a.get(&format!("/spaces/{sid}/promises?member={}", a.id)).await.text().await.unwrap();
    assert_eq!(current(&mine), ["By Ana"]);
}

crate::on_each_backend!(filters_show_which_is_in_use, filters_show_which_is_in_use_case);

/// Editing a note with an empty title, or adding an empty part to a sealed
/// exchange: the sentence sits under the field at fault, tied to it, and
/// what was typed stays in the form.
async fn note_page_forms_refuse_by_the_field_case(app: &crate::support::TestApp) {
    let (a, b, sid) = app.pair().await;
    let note = a.note(&sid, "shared", "Weekend plans").await;
    let nid = note["id"].as_str().unwrap();
    let page = format!("/spaces/{sid}/notes/{nid}");
    let token = crate::support::csrf_of(&a.get(&page).await.text().await.unwrap());
    let res = a
        .client
        .post(a.url(&page))
        .form(&[("_csrf", token.as_str()), ("title", "   "), ("body", "typed-body-kept-31")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("<details open>"), "the edit form stays open");
    assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"edit-title-error\""), "the title is marked");
    assert!(html.contains("<p id=\"edit-title-error\" class=\"field-error\">Please write something first.</p>"));
    assert!(html.contains(">typed-body-kept-31</textarea>"), "the typed text is kept");
    let kept: serde_json::Value = a.get(&format!("/api/v1/pairs/{sid}/notes/{nid}")).await.json().await.unwrap();
    assert_eq!(kept["title"], "Weekend plans", "nothing saved");

    let sealed = a.note(&sid, "sealed", "What I need more of").await;
    let xid = sealed["id"].as_str().unwrap();
    let page = format!("/spaces/{sid}/notes/{xid}");
    let token = crate::support::csrf_of(&b.get(&page).await.text().await.unwrap());
    let res = b
        .client
        .post(b.url(&format!("{page}/part")))
        .form(&[("_csrf", token.as_str()), ("body", "  ")])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error());
    let html = res.text().await.unwrap();
    assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"part-error\""), "the part is marked");
    assert!(html.contains("<p id=\"part-error\" class=\"field-error\">Please write something first.</p>"));
}

crate::on_each_backend!(note_page_forms_refuse_by_the_field, note_page_forms_refuse_by_the_field_case);
