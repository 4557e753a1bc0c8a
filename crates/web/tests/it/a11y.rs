//! Accessibility, checked by axe-core in real Chromium on every main page,
//! at a phone's width and a desktop's: no violation of WCAG 2.1 A and AA,
//! and body text at the enhanced contrast (7:1, AAA).
//!
//! axe-core comes from npm (`tools/axe`, installed by `.ci/run` with
//! `npm ci`); `TROTH_TEST_AXE` may point at another `axe.min.js`. Without it
//! the check is skipped, except under `CI`, where it fails.

use std::path::PathBuf;

use serde_json::{json, Value};

use crate::browser::{browser_tools, login, Browser, Driver};
use crate::support::{spawn_app, Db, Person};

fn axe_source() -> Option<String> {
    let default = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tools/axe/node_modules/axe-core/axe.min.js");
    let path = std::env::var_os("TROTH_TEST_AXE").map(PathBuf::from).unwrap_or(default);
    match std::fs::read_to_string(&path) {
        Ok(source) => Some(source),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("CI is set but axe-core is missing at {} (npm ci --prefix tools/axe)", path.display())
        }
        Err(_) => {
            eprintln!("note: axe-core not found at {}; accessibility checks skipped", path.display());
            None
        }
    }
}

/// Runs axe on the page in the browser and returns its violations, each as
/// "rule: target (summary)" so that a failure says where to look.
async fn violations(b: &Browser, axe: &str) -> Vec<String> {
    // Loaded once per page: a navigation drops it.
    let loaded = b.script(&format!("{axe}\n;return typeof window.axe === 'object';")).await;
    assert_eq!(loaded, json!(true), "axe-core loads in the page");
    // Two passes: the WCAG 2.1 A and AA rules, then, of the AAA rules, the
    // enhanced contrast one (7:1 for body text, 4.5:1 for large text; axe
    // tells them apart by computed size and weight).
    let run = r#"
        const pass = only => axe.run(document, {runOnly: only, resultTypes: ['violations']});
        // One run at a time: axe refuses overlapping runs.
        return pass({type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})
            .then(aa => pass({type: 'rule', values: ['color-contrast-enhanced']}).then(aaa => [aa, aaa]))
            .then(rs => rs.flatMap(r => r.violations.flatMap(v => v.nodes.map(n =>
            `${v.id}: ${n.target.join(' ')} (${(n.failureSummary || '').split('\n').slice(1, 3).join(' ').trim()}) ${n.html.slice(0, 140)}`
        ))));
    "#;
    let found = b.script(run).await;
    let Value::Array(items) = found else { panic!("axe answered {found}") };
    items.iter().map(|v| v.as_str().unwrap_or_default().to_string()).collect()
}

/// A space with something on every page, so that lists, charts and cards
/// are checked, not only empty states.
async fn lived_in(a: &Person, b: &Person, sid: &str) {
    let api = |p: &str| format!("/api/v1/pairs/{sid}/{p}");
    let due = (jiff::Zoned::now().date() + jiff::Span::new().days(3)).to_string();
    for (who, text) in [(a, "Cook on Thursday"), (b, "Call your sister back")] {
        assert!(who.post_json(&api("promises"), json!({"text": text, "due": due})).await.status().is_success());
    }
    assert!(b.post_json(&api("appreciations"), json!({"text": "for the warm soup"})).await.status().is_success());
    let pulse = json!({"emotional": 7, "instrumental": 6, "informational": 5, "self": 8, "situational": 6, "physical": 4, "note": ""});
    assert!(a.post_json(&api("pulses"), pulse).await.status().is_success());
    a.note(sid, "shared", "Weekend plans").await;
    let entry = json!({"title": "The long walk", "happened": "We walked to the lake.", "supported": "we listened", "learned": ""});
    assert!(a.post_json(&api("journal"), entry).await.status().is_success());
    let today = jiff::Zoned::now().date().to_string();
    let moment = json!({"date": today, "kind": "built", "title": "First honest talk", "learned": "it helped"});
    assert!(a.post_json(&api("timeline"), moment).await.status().is_success());
    let goal = json!({"title": "A trip together", "milestones": ["Pick a place"]});
    assert!(a.post_json(&api("goals"), goal).await.status().is_success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_pages_pass_axe_at_phone_and_desktop_width() {
    let Some((chromium, driver)) = browser_tools() else { return };
    let Some(axe) = axe_source() else { return };
    let app = spawn_app(Db::Sqlite).await;
    let (a, b, sid) = app.pair().await;
    lived_in(&a, &b, &sid).await;
    let space = format!("/spaces/{sid}");
    let in_space = [
        "",
        "/promises",
        "/appreciations",
        "/program",
        "/ritual",
        "/pulse",
        "/insights",
        "/notes",
        "/journal",
        "/timeline",
        "/goals",
        "/exchanges",
    ];
    let own = ["/coach", "/notifications", "/account", "/spaces"];
    let open = ["/", "/login", "/register"];
    let driver = Driver::start(chromium, driver).await;
    let mut found = Vec::new();
    for width in [390, 1280] {
        let s = driver.session(width, 844).await;
        for path in open {
            s.goto(&app.url(path)).await;
            found.extend(violations(&s, &axe).await.into_iter().map(|v| format!("{width}px {path}: {v}")));
        }
        login(&s, &app, &a.email).await;
        let pages = in_space.iter().map(|p| format!("{space}{p}")).chain(own.iter().map(|p| p.to_string()));
        for path in pages {
            s.goto(&app.url(&path)).await;
            assert!(!s.source().await.contains("There is nothing here"), "{path} exists");
            found.extend(violations(&s, &axe).await.into_iter().map(|v| format!("{width}px {path}: {v}")));
        }
        s.close().await;
    }
    assert!(found.is_empty(), "{} accessibility violations:\n{}", found.len(), found.join("\n"));
}
