//! Hostile input over real HTTP: requests hyper refuses before the
//! application sees them, arbitrary form and JSON bodies on the write
//! routes, and arbitrary bytes where a photo goes. Nothing may answer 5xx,
//! panic, or go out without the security headers.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::on_each_backend;
use crate::support::*;

/// Sends `request` on a fresh connection and reads the answer until the
/// server closes (or `keep_alive_reads` answers have come on a kept one).
async fn raw_exchange(base: &str, request: &[u8]) -> String {
    let addr = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // The server may answer and close before reading everything we send.
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => answer.extend_from_slice(&chunk[..n]),
            Err(_) => panic!("no answer within 10 s; got so far: {:?}", String::from_utf8_lossy(&answer)),
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// The status code and lower-cased header lines of the last answer in `raw`.
fn last_head(raw: &str) -> (u16, Vec<(String, String)>) {
    let start = raw.rfind("HTTP/1.1 ").unwrap_or_else(|| panic!("no HTTP answer in {raw:?}"));
    let head = &raw[start..raw[start..].find("\r\n\r\n").map_or(raw.len(), |end| start + end)];
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap()[9..12].parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers)
}

fn assert_dressed(what: &str, status: u16, headers: &[(String, String)]) {
    let get = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    let csp = get("content-security-policy").unwrap_or_else(|| panic!("{what} ({status}): no CSP in {headers:?}"));
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"), "{what}: {csp}");
    assert_eq!(get("x-content-type-options"), Some("nosniff"), "{what}");
    assert_eq!(get("x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(get("referrer-policy"), Some("no-referrer"), "{what}");
    assert_eq!(get("cross-origin-opener-policy"), Some("same-origin"), "{what}");
    assert!(get("permissions-policy").is_some_and(|p| p.contains("camera=()")), "{what}");
    assert_eq!(headers.iter().filter(|(n, _)| n == "content-security-policy").count(), 1, "{what}: one CSP");
}

async fn early_rejections_case(app: &TestApp) {
    let huge_path = format!("GET /{} HTTP/1.1\r\nHost: localhost\r\n\r\n", "a".repeat(80 * 1024));
    let huge_header = format!("GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: {}\r\n\r\n", "b".repeat(100 * 1024));
    let many_headers = format!(
        "GET / HTTP/1.1\r\nHost: localhost\r\n{}\r\n",
        (0..120).map(|i| format!("X-H{i}: v\r\n")).collect::<String>()
    );
    let cases: [(&str, Vec<u8>, u16); 9] = [
        ("80 KB path", huge_path.into_bytes(), 414),
        ("100 KB header", huge_header.into_bytes(), 431),
        ("120 headers", many_headers.into_bytes(), 431),
        ("header without a colon", b"GET / HTTP/1.1\r\nHost: localhost\r\nno colon here\r\n\r\n".to_vec(), 400),
        ("control byte in the path", b"GET /a\x01b HTTP/1.1\r\nHost: localhost\r\n\r\n".to_vec(), 400),
        ("unknown version", b"GET / HTTP/7.3\r\nHost: localhost\r\n\r\n".to_vec(), 400),
        (
            "unreadable content-length",
            b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: abc\r\n\r\n".to_vec(),
            400,
        ),
        (
            "two content-lengths",
            b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab".to_vec(),
            400,
        ),
        // axum's own answer (no such method here) goes through our middleware.
        (
            "method not allowed",
            b"DELETE /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".to_vec(),
            405,
        ),
    ];
    for (what, request, expected) in cases {
        let raw = raw_exchange(&app.base, &request).await;
        let (status, headers) = last_head(&raw);
        assert_eq!(status, expected, "{what}: {raw:.300}");
        assert_dressed(what, status, &headers);
    }

    // A good request first, then a refused one on the same kept-alive
    // connection: both answers carry the headers, and the first is intact.
    let mut two = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n".to_vec();
    two.extend_from_slice(format!("GET /{} HTTP/1.1\r\nHost: localhost\r\n\r\n", "c".repeat(70 * 1024)).as_bytes());
    let raw = raw_exchange(&app.base, &two).await;
    assert!(raw.starts_with("HTTP/1.1 200 OK\r\n"), "{raw:.300}");
    let first = last_head(&raw[..raw.rfind("HTTP/1.1 ").unwrap()]);
    assert_dressed("healthz", first.0, &first.1);
    let (status, headers) = last_head(&raw);
    assert_eq!(status, 414);
    assert_dressed("kept-alive 70 KB path", status, &headers);

    // A path just under the limits still reaches the application (its own
    // 404, with the headers from our middleware, once).
    let long_ok = format!("GET /{} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", "d".repeat(30 * 1024));
    let raw = raw_exchange(&app.base, long_ok.as_bytes()).await;
    let (status, headers) = last_head(&raw);
    assert_eq!(status, 404, "{raw:.300}");
    assert_dressed("30 KB path", status, &headers);
}

on_each_backend!(hyper_early_rejections_carry_security_headers, early_rejections_case);

// ------------------------------------------------------------- bodies

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// How many random bodies each route gets in `cargo test` (more with
/// `PROPTEST_CASES`, see `scripts/fuzz-long.sh`).
fn cases(ci: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(ci)
}

const ODD: &[&str] = &[
    "\r\n",
    "\n",
    "\u{0}",
    "\u{7}",
    "\u{202E}",
    "\u{200B}",
    "\u{FEFF}",
    "\u{E0041}",
    "\u{0301}",
    "👩\u{200D}❤\u{FE0F}\u{200D}👨",
    "<script>window.__pwned=1</script>",
    "\"",
    "'",
    "\\",
    "%",
    "%00",
    "%zz",
    "&",
    "=",
    "+",
    ";",
    "{",
    "}",
    "[",
    "]",
    "é",
    "日本",
    " ",
    "2026-02-30",
    "2019-06-21",
    "-1",
    "0",
    "99999999999999999999",
    "1e309",
    "NaN",
    "true",
    "null",
    "Europe/Paris",
    "../../etc/passwd",
    "sunday",
    "19:30",
    "25:61",
    "shared",
    "private",
    "sealed",
    "built",
    "challenged",
    "a",
];

fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        5 => prop::collection::vec(prop::sample::select(ODD), 0..12).prop_map(|v| v.concat()),
        3 => any::<String>(),
        1 => (prop::sample::select(ODD), 1usize..25_000).prop_map(|(p, n)| p.repeat(n)),
    ]
}

/// Any JSON value, with hostile strings at the leaves.
fn hostile_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        hostile_string().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(hostile_string(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An object with the route's own field names (each present or not, any
/// type) and sometimes a stray field.
fn body_for(fields: &'static [&'static str]) -> impl Strategy<Value = Value> {
    (prop::collection::vec(prop::option::of(hostile_json()), fields.len()), prop::option::of(hostile_json())).prop_map(
        move |(values, stray)| {
            let mut object = serde_json::Map::new();
            for (name, value) in fields.iter().zip(values) {
                if let Some(v) = value {
                    object.insert(name.to_string(), v);
                }
            }
            if let Some(v) = stray {
                object.insert("stray".into(), v);
            }
            Value::Object(object)
        },
    )
}

/// A urlencoded body: the route's fields with hostile values (encoded or
/// raw), or bytes that are not a form at all.
fn form_for(fields: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::collection::vec((prop::sample::select(fields), hostile_string(), any::<bool>()), 0..6).prop_map(|pairs| {
            let mut out = String::new();
            for (name, value, encode) in pairs {
                let value = if encode { serde_urlencoded::to_string([("v", &value)]).unwrap()[2..].to_string() } else { value };
                out.push_str(&format!("{name}={value}&"));
            }
            out.into_bytes()
        }),
        1 => prop::collection::vec(any::<u8>(), 0..2_000),
    ]
}

fn sample<S: Strategy>(runner: &mut TestRunner, strategy: &S) -> S::Value {
    strategy.new_tree(runner).expect("a value").current()
}

type Fields = &'static [&'static str];

/// Bodies stay under the 64 KiB limit: a larger one is refused before it is
/// read (413), and the client may see only the closed connection.
const BODY_CAP: usize = 60 * 1024;

async fn bodies_case(app: &TestApp) {
    let (a, _b, sid) = app.pair().await;
    let api = format!("/api/v1/pairs/{sid}");
    let json_routes: Vec<(reqwest::Method, String, Fields)> = vec![
        (reqwest::Method::POST, format!("{api}/journal"), &["title", "happened", "supported", "learned"]),
        (reqwest::Method::POST, format!("{api}/timeline"), &["date", "kind", "title", "learned"]),
        (reqwest::Method::POST, format!("{api}/goals"), &["title", "why", "target_date", "milestones"]),
        (reqwest::Method::POST, format!("{api}/experiences"), &["title", "planned_on"]),
        (reqwest::Method::POST, format!("{api}/exchanges"), &["prompt", "prompt_id", "exercise_id", "part"]),
        (reqwest::Method::POST, format!("{api}/appreciations"), &["text"]),
        (reqwest::Method::POST, format!("{api}/promises"), &["text", "category", "due", "confirm"]),
        (reqwest::Method::POST, format!("{api}/notes"), &["title", "body", "visibility"]),
        (reqwest::Method::PUT, format!("{api}/ritual/slot"), &["weekday", "time", "time_zone"]),
        (reqwest::Method::PATCH, "/api/v1/me".into(), &["display_name", "time_zone"]),
        (reqwest::Method::POST, "/api/v1/coach/check".into(), &["text"]),
    ];
    let form_routes: Vec<(String, Fields)> = vec![
        (format!("/spaces/{sid}/journal"), &["title", "happened", "supported", "learned"]),
        (format!("/spaces/{sid}/timeline"), &["date", "kind", "title", "learned"]),
        (format!("/spaces/{sid}/goals"), &["title", "why", "target_date", "milestones"]),
        (format!("/spaces/{sid}/experiences"), &["title", "planned_on"]),
        (format!("/spaces/{sid}/exchanges"), &["prompt", "part"]),
        (format!("/spaces/{sid}/appreciations"), &["text"]),
        (format!("/spaces/{sid}/promises"), &["text", "category", "due", "confirm"]),
        (format!("/spaces/{sid}/notes"), &["title", "body", "visibility"]),
        ("/account/profile".into(), &["display_name", "time_zone"]),
    ];
    let query_pages = [
        format!("/spaces/{sid}/journal"),
        format!("/spaces/{sid}/timeline"),
        format!("/spaces/{sid}/program/library"),
        "/program/library".to_string(),
        format!("/spaces/{sid}/insights"),
        format!("/spaces/{sid}/notes"),
    ];
    let mut runner = TestRunner::new(Config { failure_persistence: None, ..Config::default() });
    let per_route = cases(12);
    let mut sent = 0;
    let fail = |what: String, status: StatusCode| panic!("{what}: {status}");

    for (method, path, fields) in &json_routes {
        let strategy = body_for(fields);
        for i in 0..per_route {
            // One connection per request: a route that refuses a body
            // without reading it (a multipart route given a form) makes
            // hyper close that connection after its answer, and a pooled
            // connection reused in that instant fails on the client's side
            // (IncompleteMessage), which says nothing about the server.
            let request = a.client.request(method.clone(), a.url(path)).header("connection", "close");
            let request = if i % 4 == 3 {
                // Not JSON at all, under a JSON content type.
                let bytes = sample(&mut runner, &prop::collection::vec(any::<u8>(), 0..2_000));
                request.header("content-type", "application/json").body(bytes)
            } else {
                let mut bytes = serde_json::to_vec(&sample(&mut runner, &strategy)).unwrap();
                bytes.truncate(BODY_CAP); // then malformed: also a case
                request.header("content-type", "application/json").body(bytes)
            };
            let res = request.send().await.unwrap();
            sent += 1;
            if res.status().is_server_error() {
                fail(format!("{method} {path}"), res.status());
            }
        }
    }

    let page = a.get(&format!("/spaces/{sid}/journal")).await.text().await.unwrap();
    let token = csrf_of(&page);
    for (path, fields) in &form_routes {
        let strategy = form_for(fields);
        for _ in 0..per_route {
            let mut body = format!("_csrf={token}&").into_bytes();
            body.extend(sample(&mut runner, &strategy));
            body.truncate(BODY_CAP);
            let res = a
                .client
                .post(a.url(path))
                .header("connection", "close")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.clone())
                .send()
                .await
                .unwrap_or_else(|e| panic!("form {path}, {} bytes: {e:?}", body.len()));
            sent += 1;
            if res.status().is_server_error() {
                fail(format!("form {path}"), res.status());
            }
        }
    }

    let names: Fields = &["page", "before", "after", "trust", "mode", "level", "q", "kind", "visibility", "week"];
    for path in &query_pages {
        for _ in 0..per_route {
            let query = String::from_utf8_lossy(&sample(&mut runner, &form_for(names))).into_owned();
            // reqwest would refuse some characters in a URL; send them encoded the way a browser would.
            let query: String =
                query
                    .chars()
                    .map(|c| {
                        if c.is_ascii_graphic() && c != '#' {
                            c.to_string()
                        } else {
                            format!("%{:02X}", c as u32 & 0xFF)
                        }
                    })
                    .collect();
            // Within what a URL may hold (longer ones are hyper's 414, tested above).
            let query = &query[..query.len().min(8_000)];
            let res = a.get(&format!("{path}?{query}")).await;
            sent += 1;
            if res.status().is_server_error() {
                fail(format!("GET {path}?{query:.200}"), res.status());
            }
        }
    }
    eprintln!("hostile bodies: {sent} requests, no server error");
    // And the server still works.
    assert_eq!(a.get(&format!("/spaces/{sid}")).await.status(), StatusCode::OK);
}

on_each_backend!(hostile_forms_json_and_queries_never_fail_the_server, bodies_case);

// ------------------------------------------------------------- photos

/// A small real image in each accepted format, to damage.
fn real_images() -> Vec<Vec<u8>> {
    let img = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(24, 16, |x, y| {
        image::Rgb([(x * 10) as u8, (y * 15) as u8, 99])
    }));
    [image::ImageFormat::Png, image::ImageFormat::Jpeg, image::ImageFormat::WebP]
        .into_iter()
        .map(|format| {
            let mut bytes = Vec::new();
            img.write_to(&mut std::io::Cursor::new(&mut bytes), format).unwrap();
            bytes
        })
        .collect()
}

fn damaged_images() -> impl Strategy<Value = Vec<u8>> {
    let images = real_images();
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..4_000),
        (
            prop::sample::select(images.clone()),
            prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16)
        )
            .prop_map(|(mut bytes, changes)| {
                for (at, byte) in changes {
                    let i = at.index(bytes.len());
                    bytes[i] = byte;
                }
                bytes
            }),
        (prop::sample::select(images), any::<prop::sample::Index>())
            .prop_map(|(bytes, at)| bytes[..at.index(bytes.len())].to_vec()),
    ]
}

proptest! {
    #![proptest_config(Config { cases: cases(200), failure_persistence: None, ..Config::default() })]

    /// The photo preparation itself: any bytes, damaged real images of each
    /// format: never a panic; whatever it accepts is a JPEG within bounds.
    #[test]
    fn any_bytes_as_a_photo_are_refused_or_made_a_small_jpeg(bytes in damaged_images()) {
        if let Ok(photo) = troth_web::prepare_journal_photo(&bytes) {
            prop_assert!(photo.data.starts_with(&[0xFF, 0xD8]));
            prop_assert!(photo.width >= 1 && photo.height >= 1);
            prop_assert!(photo.width <= troth_domain::journal::PHOTO_MAX_SIDE && photo.height <= troth_domain::journal::PHOTO_MAX_SIDE);
        }
    }
}

async fn photo_upload_case(app: &TestApp) {
    let (a, _b, sid) = app.pair().await;
    let entry: Value = a
        .post_json(&format!("/api/v1/pairs/{sid}/journal"), json!({"title": "t", "happened": "h"}))
        .await
        .json()
        .await
        .unwrap();
    let eid = entry["id"].as_str().unwrap();
    let mut runner = TestRunner::new(Config { failure_persistence: None, ..Config::default() });
    let strategy = damaged_images();
    let (mut refused, mut accepted) = (0, 0);
    for i in 0..cases(16) {
        let bytes = sample(&mut runner, &strategy);
        let name = ["photo.jpg", "x.png", "", "../../evil.svg", "a\u{202E}gpj.exe"][i as usize % 5];
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
        let form = reqwest::multipart::Form::new().part("photo", part);
        let res = a
            .client
            .post(a.url(&format!("/api/v1/pairs/{sid}/journal/{eid}/photos")))
            .header("connection", "close")
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = res.status();
        assert!(status.is_client_error() || status == StatusCode::CREATED, "{status}");
        if status.is_client_error() {
            refused += 1;
            let body: Value = res.json().await.expect("a JSON error");
            assert!(body["error"]["code"].is_string(), "{body}");
        } else {
            accepted += 1;
            // Keep under the per-entry limit.
            let photo: Value = res.json().await.unwrap();
            let removed =
                a.delete(&format!("/api/v1/pairs/{sid}/journal/{eid}/photos/{}", photo["id"].as_str().unwrap())).await;
            assert!(removed.status().is_success());
        }
    }
    // Malformed multipart bodies: no boundary, a cut boundary, not multipart.
    for (content_type, body) in [
        ("multipart/form-data", b"--x\r\n".to_vec()),
        (
            "multipart/form-data; boundary=x",
            b"--x\r\nContent-Disposition: form-data; name=\"photo\"\r\n\r\nabc".to_vec(),
        ),
        ("multipart/form-data; boundary=x", vec![0xFF; 3000]),
        ("text/plain", b"hello".to_vec()),
    ] {
        let res = a
            .client
            .post(a.url(&format!("/api/v1/pairs/{sid}/journal/{eid}/photos")))
            .header("connection", "close")
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_client_error(), "{content_type}: {}", res.status());
    }
    eprintln!("photo uploads: {refused} refused, {accepted} accepted");
    assert!(refused > 0);
}

on_each_backend!(arbitrary_bytes_as_a_photo_get_a_clean_4xx, photo_upload_case);
