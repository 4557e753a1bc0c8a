//! Insights: one's own reliability first, the partner's only while both
//! chose to show each other's scores.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::on_each_backend;
use crate::support::{csrf_of, error_code, Person, TestApp};

/// Whose scores `p` sees, in order: by the API (user ids) and on the page
/// (the gauges' names).
async fn scores_seen(p: &Person, sid: &str) -> (Vec<String>, Vec<String>) {
    let api: Value = p.get(&format!("/api/v1/pairs/{sid}/insights")).await.json().await.unwrap();
    let ids =
        api["reliability"].as_array().unwrap().iter().map(|r| r["user_id"].as_str().unwrap().to_string()).collect();
    let page = p.get(&format!("/spaces/{sid}/insights")).await.text().await.unwrap();
    let names = page
        .split("class=\"gauge\"")
        .skip(1)
        .map(|g| g.split("aria-label=\"").nth(1).unwrap().split(':').next().unwrap().to_string())
        .collect();
    (ids, names)
}

/// The page's own form, as a person would send it.
async fn choose_on_page(p: &Person, sid: &str, show: &str) {
    let page = p.get(&format!("/spaces/{sid}/insights")).await.text().await.unwrap();
    let res = p
        .client
        .post(p.url(&format!("/spaces/{sid}/insights/sharing")))
        .form(&[("_csrf", csrf_of(&page).as_str()), ("show", show)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "post-redirect-get");
}

async fn scores_shown_only_when_both_agree_case(app: &TestApp) {
    let (a, b, sid) = app.pair().await;
    let (ana, bo) = (a.id.clone(), b.id.clone());
    let only = |id: &str| (vec![id.to_string()], vec![if id == ana { "Ana" } else { "Bo" }.to_string()]);
    assert_eq!(scores_seen(&a, &sid).await, only(&ana), "at first each sees their own score only");
    assert_eq!(scores_seen(&b, &sid).await, only(&bo));
    let page = a.get(&format!("/spaces/{sid}/insights")).await.text().await.unwrap();
    assert!(page.contains("<h3>You</h3>"), "one's own score is headed You");
    assert!(page.contains("Show each other's scores</button>"));

    // Ana says yes: nothing shows yet, to either of them.
    choose_on_page(&a, &sid, "yes").await;
    assert_eq!(scores_seen(&a, &sid).await, only(&ana), "one yes is not enough");
    assert_eq!(scores_seen(&b, &sid).await, only(&bo));
    let waiting = a.get(&format!("/spaces/{sid}/insights")).await.text().await.unwrap();
    assert!(waiting.contains("You said yes.") && waiting.contains("Stop showing each other's scores</button>"));
    let b_page = b.get(&format!("/spaces/{sid}/insights")).await.text().await.unwrap();
    assert!(!b_page.contains("You said yes."), "Bo's page speaks of Bo's own answer");

    // A bad answer changes nothing.
    let bad =
        b.put_json(&format!("/api/v1/pairs/{sid}/insights/sharing"), json!({"show_each_others_scores": "maybe"})).await;
    assert!(error_code(bad).await.0.is_client_error(), "refused");
    assert_eq!(scores_seen(&a, &sid).await, only(&ana));

    // Bo says yes too (over the API): both see both, their own first, at once.
    let both: Value = b
        .put_json(&format!("/api/v1/pairs/{sid}/insights/sharing"), json!({"show_each_others_scores": true}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(both, json!({"show_each_others_scores": true, "scores_shared": true}));
    assert_eq!(scores_seen(&a, &sid).await, (vec![ana.clone(), bo.clone()], vec!["Ana".into(), "Bo".into()]));
    assert_eq!(scores_seen(&b, &sid).await, (vec![bo.clone(), ana.clone()], vec!["Bo".into(), "Ana".into()]));
    let shared = b.get(&format!("/spaces/{sid}/insights")).await.text().await.unwrap();
    assert!(shared.contains("You both chose to show each other's scores."));

    // Ana withdraws: hidden again for both, at once.
    choose_on_page(&a, &sid, "no").await;
    assert_eq!(scores_seen(&a, &sid).await, only(&ana), "one no hides the partner's score");
    assert_eq!(scores_seen(&b, &sid).await, only(&bo), "and one's own from the partner");
    let api: Value = b.get(&format!("/api/v1/pairs/{sid}/insights")).await.json().await.unwrap();
    assert_eq!((api["shows_scores"].as_bool(), api["scores_shared"].as_bool()), (Some(true), Some(false)));
    assert!(!api.to_string().contains(&ana), "not a trace of Ana's score in Bo's answer");
}

on_each_backend!(scores_shown_only_when_both_agree, scores_shown_only_when_both_agree_case);

/// Missed promises are named for what they are, and a concern raised is
/// counted apart, as a brave act.
async fn gentle_words_for_hard_moments_case(app: &TestApp) {
    let (a, _b, sid) = app.pair().await;
    let page = a.get(&format!("/spaces/{sid}/insights")).await.text().await.unwrap();
    assert!(page.contains("Warm moments and missed promises"));
    assert!(page.contains("Brave moments") && page.contains("No concerns raised in these weeks."));
    assert!(!page.contains("hard moments (") && !page.contains("Warm and hard"), "no 'hard moments' heading");
    let api: Value = a.get(&format!("/api/v1/pairs/{sid}/insights")).await.json().await.unwrap();
    assert_eq!(api["concerns_raised"], 0);
}

on_each_backend!(gentle_words_for_hard_moments, gentle_words_for_hard_moments_case);
