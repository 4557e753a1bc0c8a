//! The shared memory journal: entries both can add, edit (with history)
//! and comment; photos re-encoded without metadata; bad files refused with
//! nothing half written; outsiders and former members see nothing.

use std::io::Cursor;

use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::on_each_backend;
use crate::support::{client, error_code, Person, TestApp};

fn base(sid: &str) -> String {
    format!("/api/v1/pairs/{sid}/journal")
}

async fn add(p: &Person, sid: &str, title: &str) -> Value {
    let res = p
        .post_json(
            &base(sid),
            json!({"title": title, "happened": format!("{title}: what happened"), "supported": "we listened", "learned": ""}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"_csrf\" value=\"").expect("the page has a CSRF field") + 20;
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

async fn upload(p: &Person, sid: &str, eid: &str, bytes: Vec<u8>, name: &str) -> reqwest::Response {
    let form = Form::new().part("photo", Part::bytes(bytes).file_name(name.to_string()));
    p.client.post(p.url(&format!("{}/{eid}/photos", base(sid)))).multipart(form).send().await.unwrap()
}

/// A JPEG of `w`×`h` with an APP1 Exif block carrying a GPS position,
/// spliced in right after the start-of-image marker, as cameras write it.
pub fn jpeg_with_gps(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    let mut plain = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut Cursor::new(&mut plain), image::ImageFormat::Jpeg).unwrap();
    assert_eq!(&plain[..2], &[0xFF, 0xD8]);
    // TIFF, big-endian: IFD0 with one entry (GPSInfo -> offset 26), then
    // the GPS IFD with GPSLatitudeRef = "N" and GPSLatitude as 3 rationals.
    let mut tiff: Vec<u8> = b"MM\x00\x2A\x00\x00\x00\x08".to_vec();
    tiff.extend_from_slice(&[0x00, 0x01]); // one entry
    tiff.extend_from_slice(&[0x88, 0x25, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1A]);
    tiff.extend_from_slice(&[0, 0, 0, 0]); // no next IFD
    tiff.extend_from_slice(&[0x00, 0x02]); // GPS IFD: two entries
    tiff.extend_from_slice(&[0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&[0x00, 0x02, 0x00, 0x05, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x2C]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    for (num, den) in [(48u32, 1u32), (51, 1), (2400, 100)] {
        tiff.extend_from_slice(&num.to_be_bytes());
        tiff.extend_from_slice(&den.to_be_bytes());
    }
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend_from_slice(&tiff);
    let len = (app1.len() + 2) as u16;
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&plain[2..]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

/// A few dozen bytes that claim a 100000×100000 picture: decoding it would
/// ask for 30 GB.
pub fn png_bomb() -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(&mut out, b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

async fn entries_and_photos(app: &TestApp) -> (i64, i64) {
    let entries: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM journal_entries").fetch_one(app.store.pool()).await.unwrap();
    let photos: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM journal_photos").fetch_one(app.store.pool()).await.unwrap();
    (entries, photos)
}

async fn crud_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let e = add(&a, &sid, "The night the car broke down").await;
    assert_eq!(e["revision"], 1);
    assert_eq!(e["edited"], false);
    let eid = id(&e);
    let path = format!("{}/{eid}", base(&sid));

    // Shared by design: the partner reads it at once.
    let seen: Value = b.get(&path).await.json().await.unwrap();
    assert_eq!(seen["title"], "The night the car broke down");
    assert_eq!(seen["mine"], false);
    let list: Vec<Value> = b.get(&base(&sid)).await.json().await.unwrap();
    assert_eq!(list.len(), 1);

    // The partner edits; the earlier version is kept.
    let edited = b
        .put_json(
            &path,
            json!({"title": "The night the car broke down", "happened": "We walked home in the rain.", "supported": "Bo carried the bags", "learned": "We laugh when it matters", "revision": 1}),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let edited: Value = edited.json().await.unwrap();
    assert_eq!(edited["revision"], 2);
    assert_eq!(edited["edited"], true);
    assert_eq!(edited["edited_by_name"], "Bo");
    assert_eq!(edited["happened"], "We walked home in the rain.");
    let history = edited["earlier_versions"].as_array().unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["revision"], 1);
    assert_eq!(history[0]["happened"], "The night the car broke down: what happened");
    assert_eq!(history[0]["written_by_name"], "Ana");

    // An edit made from the older revision does not overwrite Bo's.
    let stale = a.put_json(&path, json!({"title": "Mine", "happened": "Something else", "revision": 1})).await;
    assert_eq!(error_code(stale).await, (StatusCode::CONFLICT, "edited_meanwhile".to_string()));
    let now: Value = a.get(&path).await.json().await.unwrap();
    assert_eq!(now["happened"], "We walked home in the rain.");
    // Saving the same text again adds no version.
    let same = a
        .put_json(&path, json!({"title": "The night the car broke down", "happened": "We walked home in the rain.", "supported": "Bo carried the bags", "learned": "We laugh when it matters"}))
        .await;
    let same: Value = same.json().await.unwrap();
    assert_eq!(same["revision"], 2);

    // Bad input: a clear field error, nothing stored.
    let bad = a.post_json(&base(&sid), json!({"title": "x", "happened": "   "})).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["error"]["field"], "happened");
    assert_eq!(b.get(&base(&sid)).await.json::<Vec<Value>>().await.unwrap().len(), 1);

    // Comments from both, oldest first.
    let c = a.post_json(&format!("{path}/comments"), json!({"body": "I still think of that walk"})).await;
    assert_eq!(c.status(), StatusCode::CREATED);
    let c = b.post_json(&format!("{path}/comments"), json!({"body": "Me too"})).await;
    assert_eq!(c.status(), StatusCode::CREATED);
    let empty = b.post_json(&format!("{path}/comments"), json!({"body": " "})).await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let now: Value = a.get(&path).await.json().await.unwrap();
    let comments = now["comments"].as_array().unwrap();
    assert_eq!(comments.len(), 2);
    assert_eq!(comments[0]["body"], "I still think of that walk");
    assert_eq!(comments[1]["author_name"], "Bo");

    // The partner tells the author it was added: in-app notification.
    let notes: Value = b.get("/api/v1/me/notifications").await.json().await.unwrap();
    assert!(notes.to_string().contains("added a moment to your journal"), "{notes}");
    assert!(!notes.to_string().contains("car broke down"), "a fixed nudge, never the entry's words: {notes}");

    // The page shows "edited" and the earlier version.
    let html = a.get(&format!("/spaces/{sid}/journal/{eid}")).await.text().await.unwrap();
    assert!(html.contains("edited") && html.contains("Earlier versions"));
    assert!(html.contains("The night the car broke down: what happened"));
    assert!(html.contains("I still think of that walk"));

    // Only the author deletes.
    assert_eq!(error_code(b.delete(&path).await).await, (StatusCode::FORBIDDEN, "not_your_entry".to_string()));
    assert_eq!(a.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(a.get(&path).await.status(), StatusCode::NOT_FOUND);
    let left: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM journal_revisions").fetch_one(app.store.pool()).await.unwrap();
    assert_eq!(left, 0, "the history goes with the entry");
}

async fn photo_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let eid = id(&add(&a, &sid, "Summit").await);
    let original = jpeg_with_gps(2400, 1800);
    assert!(contains(&original, b"Exif"), "the test photo does carry an Exif block");
    image::load_from_memory(&original).expect("the spliced JPEG is still a valid image");

    let res = upload(&b, &sid, &eid, original, "summit.jpg").await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let p: Value = res.json().await.unwrap();
    assert_eq!((p["width"].as_i64(), p["height"].as_i64()), (Some(1600), Some(1200)));
    assert_eq!(p["content_type"], "image/jpeg");

    for path in
        [format!("{}/{eid}/photos/{}", base(&sid), id(&p)), format!("/spaces/{sid}/journal/{eid}/photos/{}", id(&p))]
    {
        let got = a.get(&path).await;
        assert_eq!(got.status(), StatusCode::OK, "{path}");
        let h = got.headers();
        assert_eq!(h["content-type"], "image/jpeg");
        assert!(h["cache-control"].to_str().unwrap().contains("private"), "{:?}", h["cache-control"]);
        assert_eq!(h["x-content-type-options"], "nosniff");
        let bytes = got.bytes().await.unwrap();
        assert!(!contains(&bytes, b"Exif"), "the served photo has no Exif block");
        assert!(!contains(&bytes, &[0xFF, 0xE1]), "no APP1 segment of any kind");
        let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap();
        assert!(img.width().max(img.height()) <= 1600);
        assert_eq!((img.width(), img.height()), (1600, 1200));
    }
    let entry: Value = a.get(&format!("{}/{eid}", base(&sid))).await.json().await.unwrap();
    assert_eq!(entry["photos"].as_array().unwrap().len(), 1);

    // The one who added it, or the entry's author, may take it off; a
    // stranger finds nothing there.
    let cy = app.register("Cy").await;
    let photo_path = format!("{}/{eid}/photos/{}", base(&sid), id(&p));
    assert_eq!(cy.delete(&photo_path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(entry["photos"][0]["can_remove"], true, "the entry's author may remove it");
    let b_view: Value = b.get(&format!("{}/{eid}", base(&sid))).await.json().await.unwrap();
    assert_eq!(b_view["photos"][0]["can_remove"], true, "so may the one who added it");

    // A small PNG and a WebP are accepted and kept at their size.
    let mut png = Vec::new();
    image::DynamicImage::new_rgb8(40, 30).write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    let res = upload(&a, &sid, &eid, png, "small.png").await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let small: Value = res.json().await.unwrap();
    assert_eq!((small["width"].as_i64(), small["height"].as_i64()), (Some(40), Some(30)));

    // A added the PNG to A's own entry: B neither added it nor wrote the
    // entry, so B may not remove it.
    let small_path = format!("{}/{eid}/photos/{}", base(&sid), id(&small));
    assert_eq!(error_code(b.delete(&small_path).await).await, (StatusCode::FORBIDDEN, "not_your_photo".to_string()));
    assert_eq!(a.delete(&small_path).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(a.get(&small_path).await.status(), StatusCode::NOT_FOUND);
    // B's photo on A's entry: A, the author, removes it through the page.
    let html = a.get(&format!("/spaces/{sid}/journal/{eid}")).await.text().await.unwrap();
    let token = csrf_of(&html);
    let res = a
        .client
        .post(a.url(&format!("/spaces/{sid}/journal/{eid}/photos/{}/delete", id(&p))))
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(a.get(&photo_path).await.status(), StatusCode::NOT_FOUND);
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM journal_photos").fetch_one(app.store.pool()).await.unwrap();
    assert_eq!(stored, 0, "removed photos leave no bytes behind");
}

async fn refusals_case(app: &TestApp) {
    let (a, _b, sid) = app.pair().await;
    let eid = id(&add(&a, &sid, "Refusals").await);
    let before = entries_and_photos(app).await;

    let text = upload(&a, &sid, &eid, b"just some words, not a picture".to_vec(), "notes.jpg").await;
    let (status, code) = error_code(text).await;
    assert_eq!((status, code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "not_an_image"));

    // A real JPEG header followed by noise is no photo either.
    let mut broken = jpeg_with_gps(64, 64);
    broken.truncate(300);
    let (status, code) = error_code(upload(&a, &sid, &eid, broken, "cut.jpg").await).await;
    assert_eq!((status, code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "not_an_image"));

    let big = vec![0xFFu8; 10 * 1024 * 1024 + 1];
    let res = upload(&a, &sid, &eid, big, "big.jpg").await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "photo_too_large");
    assert_eq!(body["error"]["field"], "photo");
    assert!(body["error"]["message"].as_str().unwrap().contains("10 MB"));

    // Far past the route's limit: still a clear 413, not a dropped connection.
    let huge = vec![0u8; 30 * 1024 * 1024];
    let (status, code) = error_code(upload(&a, &sid, &eid, huge, "huge.jpg").await).await;
    assert_eq!((status, code.as_str()), (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"));

    let bomb = png_bomb();
    assert!(bomb.len() < 100);
    let started = std::time::Instant::now();
    let (status, code) = error_code(upload(&a, &sid, &eid, bomb.clone(), "bomb.png").await).await;
    assert_eq!((status, code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "photo_dimensions_too_large"));
    assert!(started.elapsed().as_secs() < 5, "refused without decoding");

    let missing = a
        .client
        .post(a.url(&format!("{}/{eid}/photos", base(&sid))))
        .multipart(Form::new().text("note", "no file"))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(missing).await, (StatusCode::UNPROCESSABLE_ENTITY, "photo_missing".to_string()));
    assert_eq!(entries_and_photos(app).await, before, "nothing was written");

    // On the page: the message next to the field, the typed text kept,
    // and no entry made without its photo.
    let list_page = a.get(&format!("/spaces/{sid}/journal")).await.text().await.unwrap();
    let token = csrf_of(&list_page);
    let form = Form::new()
        .text("_csrf", token.clone())
        .text("title", "kept-title-4242")
        .text("happened", "kept-happened-4343")
        .text("supported", "")
        .text("learned", "")
        .part("photo", Part::bytes(bomb).file_name("bomb.png"));
    let res = a.client.post(a.url(&format!("/spaces/{sid}/journal"))).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("kept-title-4242") && html.contains("kept-happened-4343"), "typed text kept");
    assert!(html.contains("id=\"photo-error\""), "the message sits next to the photo field");
    assert!(html.contains("pixels"), "and says what is wrong");
    assert_eq!(entries_and_photos(app).await, before, "no entry without its photo");

    // Without the form's token the page refuses.
    let form = Form::new().text("_csrf", "wrong").text("title", "t").text("happened", "h");
    let res = a.client.post(a.url(&format!("/spaces/{sid}/journal"))).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // With a good photo the page makes the entry and the photo together.
    let form = Form::new()
        .text("_csrf", token)
        .text("title", "By the lake")
        .text("happened", "We talked until dark.")
        .part("photo", Part::bytes(jpeg_with_gps(300, 200)).file_name("lake.jpg"));
    let res = a.client.post(a.url(&format!("/spaces/{sid}/journal"))).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(entries_and_photos(app).await, (before.0 + 1, before.1 + 1));
}

/// Who sees a journal entry and its photo, through the API and the pages,
/// by list and by direct URL: members only. A former member, another
/// space's member and a logged-out visitor get nothing.
async fn visibility_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let eid = id(&add(&a, &sid, "Ours").await);
    let p: Value = upload(&a, &sid, &eid, jpeg_with_gps(100, 80), "p.jpg").await.json().await.unwrap();
    let pid = id(&p);
    let reads = [
        base(&sid),
        format!("{}/{eid}", base(&sid)),
        format!("{}/{eid}/photos/{pid}", base(&sid)),
        format!("/spaces/{sid}/journal"),
        format!("/spaces/{sid}/journal/{eid}"),
        format!("/spaces/{sid}/journal/{eid}/photos/{pid}"),
    ];
    let outsider = app.register("Cy").await;
    let (c, _d, other_sid) = app.pair().await;
    let anon = client();
    for path in &reads {
        assert_eq!(a.get(path).await.status(), StatusCode::OK, "member {path}");
        assert_eq!(b.get(path).await.status(), StatusCode::OK, "partner {path}");
        assert_eq!(outsider.get(path).await.status(), StatusCode::NOT_FOUND, "outsider {path}");
        assert_eq!(c.get(path).await.status(), StatusCode::NOT_FOUND, "another space's member {path}");
        let s = anon.get(app.url(path)).send().await.unwrap().status();
        assert!(s == StatusCode::UNAUTHORIZED || s == StatusCode::SEE_OTHER, "logged out {path}: {s}");
    }
    // Another space's member cannot reach the entry through their own space either.
    for path in [
        format!("{}/{eid}", base(&other_sid)),
        format!("{}/{eid}/photos/{pid}", base(&other_sid)),
        format!("/spaces/{other_sid}/journal/{eid}/photos/{pid}"),
    ] {
        assert_eq!(c.get(&path).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let path = format!("{}/{eid}", base(&sid));
    for who in [&outsider, &c] {
        assert_eq!(who.put_json(&path, json!({"title": "x", "happened": "y"})).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            who.post_json(&format!("{path}/comments"), json!({"body": "x"})).await.status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(who.delete(&path).await.status(), StatusCode::NOT_FOUND);
        let up = upload(who, &sid, &eid, jpeg_with_gps(10, 10), "x.jpg").await;
        assert_eq!(up.status(), StatusCode::NOT_FOUND);
    }

    // B leaves: everything is gone for B, and stays with A.
    assert_eq!(b.post_json(&format!("/api/v1/pairs/{sid}/leave"), json!({})).await.status(), StatusCode::NO_CONTENT);
    for path in &reads {
        assert_eq!(b.get(path).await.status(), StatusCode::NOT_FOUND, "former member {path}");
        assert_eq!(a.get(path).await.status(), StatusCode::OK, "the one who stays {path}");
    }
    assert_eq!(b.put_json(&path, json!({"title": "x", "happened": "y"})).await.status(), StatusCode::NOT_FOUND);
}

/// The export carries the journal with its history, comments and photo
/// bytes; deleting an account unlinks authorship and leaves the partner's
/// journal whole.
async fn lifecycle_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let e = add(&b, &sid, "Exported moment").await;
    let eid = id(&e);
    let path = format!("{}/{eid}", base(&sid));
    a.put_json(&path, json!({"title": "Exported moment", "happened": "second version"})).await;
    b.post_json(&format!("{path}/comments"), json!({"body": "export-comment-1"})).await;
    let p: Value = upload(&b, &sid, &eid, jpeg_with_gps(50, 40), "x.jpg").await.json().await.unwrap();
    let served = a.get(&format!("{path}/photos/{}", id(&p))).await.bytes().await.unwrap();

    let export: Value = a.get("/api/v1/me/export").await.json().await.unwrap();
    let space = &export["spaces"][0];
    let journal = space["journal"].as_array().unwrap();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0]["happened"], "second version");
    assert_eq!(journal[0]["earlier_versions"][0]["happened"], "Exported moment: what happened");
    assert_eq!(journal[0]["comments"][0]["body"], "export-comment-1");
    let photos = space["journal_photos"].as_array().unwrap();
    assert_eq!(photos.len(), 1);
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD.decode(photos[0]["data_base64"].as_str().unwrap()).unwrap();
    assert_eq!(bytes, served.to_vec(), "the export holds the very bytes served");

    // B deletes their account: the entry, its comment and photo stay with A, unlinked.
    let del =
        b.client.delete(b.url("/api/v1/me")).json(&json!({"password": "correct horse battery"})).send().await.unwrap();
    assert!(del.status().is_success(), "{}", del.status());
    let now: Value = a.get(&path).await.json().await.unwrap();
    assert_eq!(now["author_id"], Value::Null);
    assert_eq!(now["comments"][0]["author_id"], Value::Null);
    assert_eq!(now["photos"].as_array().unwrap().len(), 1);
    assert_eq!(now["can_delete"], true, "an entry whose author is gone can be tidied away");
}

/// Both partners save an edit of the same revision at the same instant:
/// exactly one wins, the other is told, and the history holds exactly the
/// one version replaced (repeated a few times to meet the race).
async fn concurrent_edits_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    for round in 0..5 {
        let eid = id(&add(&a, &sid, &format!("Race {round}")).await);
        let path = format!("{}/{eid}", base(&sid));
        let (ra, rb) = tokio::join!(
            a.put_json(&path, json!({"title": "From Ana", "happened": "Ana's words", "revision": 1})),
            b.put_json(&path, json!({"title": "From Bo", "happened": "Bo's words", "revision": 1})),
        );
        let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "round {round}: one edit wins, the other is told");
        let now: Value = a.get(&path).await.json().await.unwrap();
        assert_eq!(now["revision"], 2);
        assert_eq!(now["earlier_versions"].as_array().unwrap().len(), 1);
        assert_eq!(now["earlier_versions"][0]["title"], format!("Race {round}"));
    }
}

on_each_backend!(journal_edits_at_the_same_instant_never_overwrite, concurrent_edits_case);

/// Both adding moments at once: every add is stored, none answers 500
/// (schemathesis found SQLite's "database is locked" under two workers).
async fn concurrent_adds_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let path = base(&sid);
    let adds =
        (0..24).map(|i| {
            let who = if i % 2 == 0 { a.clone() } else { b.clone() };
            let path = path.clone();
            async move {
                who.post_json(&path, json!({"title": format!("Together {i}"), "happened": "at once"})).await.status()
            }
        });
    let statuses = futures_join_all(adds).await;
    assert!(statuses.iter().all(|s| *s == StatusCode::CREATED), "{statuses:?}");
    let listed: Vec<Value> = a.get(&path).await.json().await.unwrap();
    assert_eq!(listed.len(), 24);
}

/// `join_all` without a new dependency: each future on its own task.
async fn futures_join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

on_each_backend!(journal_adds_at_the_same_instant_are_all_stored, concurrent_adds_case);
on_each_backend!(journal_entries_are_shared_edited_with_history_and_commented, crud_case);
on_each_backend!(journal_photos_are_reencoded_without_metadata, photo_case);
on_each_backend!(journal_refuses_bad_files_and_writes_nothing_half, refusals_case);
on_each_backend!(journal_is_seen_by_members_only, visibility_case);
on_each_backend!(journal_is_exported_and_stays_with_the_partner, lifecycle_case);

/// The journal's "what happened" and its comments are written for the
/// partner: the live coach answers for both fields as they are typed, and
/// asking it stores nothing.
async fn live_coach_case(app: &TestApp) {
    let (a, _b, sid) = app.pair().await;
    let page = a.get(&format!("/spaces/{sid}/journal")).await.text().await.unwrap();
    assert!(
        page.contains(r##"hx-target="#coach-happened""##) && page.contains(r#"id="coach-happened""#),
        "wired on the new-entry form"
    );
    let eid = id(&add(&a, &sid, "Live coach").await);
    let entry = a.get(&format!("/spaces/{sid}/journal/{eid}")).await.text().await.unwrap();
    assert!(entry.contains(r##"hx-target="#coach-comment""##), "wired on the comment form");
    let harsh = "journal-coach-4711: you never listen to me and you always make everything about yourself.";
    for field in ["happened", "comment"] {
        let res = a.client.post(a.url("/coach/feedback")).form(&[(field, harsh)]).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(html.contains("This may land harder than you mean."), "answered for `{field}`: {html}");
    }
    let export = a.get("/api/v1/me/export").await.text().await.unwrap();
    assert!(!export.contains("journal-coach-4711"), "a draft shown to the coach is never stored");
}

on_each_backend!(journal_fields_get_the_live_coach, live_coach_case);

/// A multipart text field far beyond any form's need is refused before it
/// is decoded, with a coded answer, and nothing is written.
async fn huge_multipart_field_case(app: &TestApp) {
    let (a, _b, sid) = app.pair().await;
    let eid = id(&add(&a, &sid, "Bounded").await);
    let url = a.url(&format!("{}/{eid}/photos", base(&sid)));
    let huge = "x".repeat(70 * 1024);
    let form = Form::new().text("caption", huge).part("photo", Part::bytes(jpeg_with_gps(40, 30)).file_name("a.jpg"));
    let res = a.client.post(&url).multipart(form).send().await.unwrap();
    assert_eq!(error_code(res).await, (StatusCode::PAYLOAD_TOO_LARGE, "field_too_large".into()));
    let mut form = Form::new();
    for i in 0..40 {
        form = form.text(format!("f{i}"), "y");
    }
    let form = form.part("photo", Part::bytes(jpeg_with_gps(40, 30)).file_name("a.jpg"));
    let res = a.client.post(&url).multipart(form).send().await.unwrap();
    assert_eq!(error_code(res).await.0, StatusCode::BAD_REQUEST, "too many fields");
    assert_eq!(entries_and_photos(app).await, (1, 0), "no photo half written");
}

on_each_backend!(journal_multipart_fields_are_bounded, huge_multipart_field_case);

/// Titles of a list answer, in order.
fn titles(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|e| e["title"].as_str().unwrap().to_string()).collect()
}

/// The API pages the journal by cursor: pages cut at entries (ties on the
/// same instant broken by id), so an entry written while someone pages
/// back neither repeats one nor hides one; a cursor it did not give out is
/// a clear 400.
async fn api_paging_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let mut made = Vec::new();
    for n in 1..=7 {
        made.push(id(&add(&a, &sid, &format!("Moment {n}")).await));
    }
    // Moments 3, 4 and 5 at the very same instant: only the id orders them.
    for (n, eid) in made.iter().enumerate() {
        let at: i64 = [1_000, 2_000, 3_000, 3_000, 3_000, 4_000, 5_000][n] + 1_700_000_000_000;
        let raw = eid.parse::<troth_domain::Id>().unwrap().get();
        sqlx::query("UPDATE journal_entries SET created_at = $1 WHERE id = $2")
            .bind(at)
            .bind(raw)
            .execute(app.store.pool())
            .await
            .unwrap();
    }
    let mut tied: Vec<(i64, String)> = made[2..5]
        .iter()
        .enumerate()
        .map(|(i, e)| (e.parse::<troth_domain::Id>().unwrap().get(), format!("Moment {}", i + 3)))
        .collect();
    tied.sort_by_key(|t| std::cmp::Reverse(t.0));
    let mut expected: Vec<String> = vec!["Moment 7".into(), "Moment 6".into()];
    expected.extend(tied.into_iter().map(|(_, t)| t));
    expected.extend(["Moment 2".to_string(), "Moment 1".to_string()]);

    let first = b.get(&format!("{}?limit=3", base(&sid))).await;
    assert_eq!(first.status(), StatusCode::OK);
    let mut cursor = first.headers()["next-cursor"].to_str().unwrap().to_string();
    let link = first.headers()["link"].to_str().unwrap().to_string();
    assert_eq!(link, format!("<{}?cursor={cursor}&limit=3>; rel=\"next\"", base(&sid)));
    let mut seen = titles(&first.json().await.unwrap());
    assert_eq!(seen.len(), 3);
    // A new moment while B reads on: it belongs to the newest page only.
    add(&a, &sid, "Moment 8").await;
    loop {
        let res = b.get(&format!("{}?cursor={cursor}&limit=3", base(&sid))).await;
        assert_eq!(res.status(), StatusCode::OK);
        let next = res.headers().get("next-cursor").map(|v| v.to_str().unwrap().to_string());
        assert_eq!(next.is_some(), res.headers().contains_key("link"));
        seen.extend(titles(&res.json().await.unwrap()));
        match next {
            Some(c) => cursor = c,
            None => break,
        }
        assert!(seen.len() <= 7, "paging ends: {seen:?}");
    }
    assert_eq!(seen, expected, "every moment once, newest first, ties by id");
    let newest: Value = b.get(&base(&sid)).await.json().await.unwrap();
    assert_eq!(titles(&newest)[0], "Moment 8");
    assert_eq!(titles(&newest).len(), 8, "all on one page at the default size");
    // The last page says nothing of a next one; a limit of 0 means 1.
    let one = b.get(&format!("{}?limit=0", base(&sid))).await;
    assert!(one.headers().contains_key("next-cursor"));
    assert_eq!(titles(&one.json().await.unwrap()), ["Moment 8"]);

    for bad in ["abc", "17-zz", "-1-0000000000000001", "99999999999999999999-0000000000000001"] {
        let (status, code) = error_code(b.get(&format!("{}?cursor={bad}", base(&sid))).await).await;
        assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "invalid_cursor"), "{bad}");
    }
    // A cursor opens nothing to someone outside the space.
    let outsider = app.register("Cy").await;
    let res = outsider.get(&format!("{}?cursor={cursor}", base(&sid))).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

/// The journal page shows the newest 50 moments and links to older ones;
/// the older page links back to the newest and shows the rest.
async fn page_paging_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    for n in 1..=52 {
        add(&a, &sid, &format!("Day {n:02}")).await;
    }
    let html = b.get(&format!("/spaces/{sid}/journal")).await.text().await.unwrap();
    assert!(html.contains(">Day 52</a>") && html.contains(">Day 03</a>"), "the newest fifty");
    assert!(!html.contains(">Day 02</a>") && !html.contains(">Day 01</a>"));
    assert!(!html.contains("Newest moments"));
    let marker = format!("href=\"/spaces/{sid}/journal?cursor=");
    let at = html.find(&marker).expect("an older-moments link") + "href=\"".len();
    let older_url = html[at..at + html[at..].find('"').unwrap()].to_string();
    assert!(html[at..].starts_with(&format!("{}\" rel=\"next\">Older moments", &older_url)));
    // A moment written meanwhile does not push one onto the older page twice.
    add(&a, &sid, "Day 53").await;
    let older = b.get(&older_url).await;
    assert_eq!(older.status(), StatusCode::OK);
    let older = older.text().await.unwrap();
    assert!(older.contains(">Day 02</a>") && older.contains(">Day 01</a>"));
    assert!(!older.contains(">Day 03</a>") && !older.contains(">Day 53</a>"));
    assert!(older.contains(&format!("<a href=\"/spaces/{sid}/journal\">← Newest moments</a>")));
    assert!(!older.contains("Older moments"), "the last page");
    let bad = b.get(&format!("/spaces/{sid}/journal?cursor=nonsense")).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

on_each_backend!(journal_api_pages_by_cursor_stable_under_inserts, api_paging_case);
on_each_backend!(journal_page_links_to_older_moments, page_paging_case);
