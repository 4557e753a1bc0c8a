//! Lifecycle by construction: every table that holds a person's or a
//! space's rows is answered for by a lifecycle hook (export, leaving,
//! deleting the account), read from the live schema on each engine; and
//! once an account is deleted, no table anywhere still names that person.

use reqwest::StatusCode;
use serde_json::{json, Value};
use troth_domain::Id;
use troth_store::lifecycle::{covered_tables, UNOWNED_TABLES};
use troth_store::{AppreciationStore, SqlStore, Store, StoreOptions, Table, TypeFamily};

use crate::support::{backends, database_url, Db};

/// Columns that tie a row to a person or a space.
fn is_personal(column: &str) -> bool {
    ["user", "author", "member", "space", "promiser", "actor"].iter().any(|w| column.contains(w))
        || column.ends_with("_by")
}

/// Columns that hold a person's id: `user_id`, `author_id`, `created_by`...
/// (a space id is not one; `user_agent` is text about a browser).
fn holds_a_person(column: &str) -> bool {
    is_personal(column)
        && (column.ends_with("_id") || column.ends_with("_by"))
        && !column.contains("space")
        && !column.contains("member")
}

async fn live_schema(db: Db) -> Vec<Table> {
    let (url, _dir) = database_url(db).await;
    let store = SqlStore::connect(&StoreOptions::new(url)).await.expect("store connects and migrates");
    let schema = store.schema().await.unwrap();
    store.close().await;
    schema
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_table_with_people_or_spaces_in_it_has_a_lifecycle_hook() {
    let covered = covered_tables();
    for db in backends() {
        let schema = live_schema(db).await;
        assert!(schema.len() >= 20, "{db:?}: the whole schema was read ({} tables)", schema.len());
        for table in &schema {
            let personal: Vec<&str> =
                table.columns.iter().map(|c| c.name.as_str()).filter(|c| is_personal(c)).collect();
            if !personal.is_empty() {
                assert!(
                    covered.contains(&table.name.as_str()),
                    "{db:?}: table {} has {personal:?} but no lifecycle hook names it: add it to a hook in \
                     troth_store::lifecycle::HOOKS (what is exported, deleted on leaving and on deleting the \
                     account, and what stays with the partner)",
                    table.name
                );
            }
            assert!(
                covered.contains(&table.name.as_str()) || UNOWNED_TABLES.contains(&table.name.as_str()),
                "{db:?}: table {} is named neither by a hook nor as unowned",
                table.name
            );
        }
        for name in &covered {
            assert!(schema.iter().any(|t| t.name == *name), "{db:?}: a hook names {name}, which does not exist");
        }
    }
}

/// After a member who used every feature deletes their account, no column
/// holding a person's id, in any table, holds theirs.
async fn nothing_names_a_deleted_member(app: &crate::support::TestApp) {
    let (a, b, sid) = app.pair().await;
    let base = format!("/api/v1/pairs/{sid}");
    for vis in ["private", "shared", "sealed"] {
        b.note(&sid, vis, &format!("B's {vis} note")).await;
    }
    let sealed_by_a = a.note(&sid, "sealed", "A's sealed note").await;
    let part = b
        .client
        .put(b.url(&format!("{base}/notes/{}/part", sealed_by_a["id"].as_str().unwrap())))
        .json(&json!({"body": "B's part"}))
        .send()
        .await
        .unwrap();
    assert!(part.status().is_success(), "B writes a part: {}", part.status());
    let promise = b.post_json(&format!("{base}/promises"), json!({"text": "Call on Sunday"})).await;
    assert_eq!(promise.status(), StatusCode::CREATED);
    let thanks = a.post_json(&format!("{base}/appreciations"), json!({"text": "for the soup"})).await;
    assert_eq!(thanks.status(), StatusCode::CREATED);
    let tid = thanks.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    assert_eq!(
        b.post_json(&format!("{base}/appreciations/{tid}/heart"), json!({"on": true})).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        b.post_json(&format!("{base}/appreciations/{tid}/favourite"), json!({"on": true})).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        b.post_json(&format!("{base}/appreciations"), json!({"text": "for the walk"})).await.status(),
        StatusCode::CREATED
    );
    let ratings =
        json!({"emotional": 5, "instrumental": 5, "informational": 5, "self": 5, "situational": 5, "physical": 5});
    assert_eq!(b.post_json(&format!("{base}/pulses"), ratings.clone()).await.status(), StatusCode::CREATED);
    let shared: Value = b.post_json(&format!("{base}/pulses"), ratings).await.json().await.unwrap();
    let pid = shared["pulse"]["id"].as_str().unwrap();
    assert_eq!(
        b.post_json(&format!("{base}/pulses/{pid}/share"), json!({"shared": true})).await.status(),
        StatusCode::OK
    );
    let slot = b
        .client
        .put(b.url(&format!("{base}/ritual/slot")))
        .json(&json!({"weekday": "sunday", "time": "19:00", "time_zone": "Europe/Paris"}))
        .send()
        .await
        .unwrap();
    assert_eq!(slot.status(), StatusCode::OK);
    let ritual: Value = b.post_json(&format!("{base}/rituals"), json!({})).await.json().await.unwrap();
    let rid = ritual["id"].as_str().unwrap();
    let answered = b
        .client
        .put(b.url(&format!("{base}/rituals/{rid}/answers")))
        .json(&json!({"step": "appreciations", "body": "You listened."}))
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), StatusCode::OK);
    // And a draft B had not saved yet: it goes with them too.
    let drafted = b
        .client
        .put(b.url(&format!("{base}/rituals/{rid}/drafts")))
        .json(&json!({"step": "boundaries", "body": "Half a boundary"}))
        .send()
        .await
        .unwrap();
    assert_eq!(drafted.status(), StatusCode::NO_CONTENT);

    // Sealed exchanges: one B started and both wrote (revealed), with B's
    // listening response and private mark; one A started where only B's
    // part is in (unrevealed).
    let exchanges = format!("{base}/exchanges");
    let opened: Value = b
        .post_json(&exchanges, json!({"prompt": "What made you laugh this week?", "part": "B's answer"}))
        .await
        .json()
        .await
        .unwrap();
    let xid = opened["id"].as_str().unwrap();
    let part = a.post_json(&format!("{exchanges}/{xid}/part"), json!({"text": "A's answer"})).await;
    assert_eq!(part.status(), StatusCode::CREATED);
    for (route, body) in
        [("response", json!({"heard": "You laughed at the cat"})), ("remember", json!({"remember": true}))]
    {
        let res = b.put_json(&format!("{exchanges}/{xid}/{route}"), body).await;
        assert_eq!(res.status(), StatusCode::OK, "{route}");
    }
    let waiting: Value = a.post_json(&exchanges, json!({"prompt": "A small wish?"})).await.json().await.unwrap();
    let wid = waiting["id"].as_str().unwrap();
    let part = b.post_json(&format!("{exchanges}/{wid}/part"), json!({"text": "B's hidden wish"})).await;
    assert_eq!(part.status(), StatusCode::CREATED);

    // Shared goals: B made one, ticked its step and said it is done; B
    // planned a new experience and marked it done.
    let goal: Value = b
        .post_json(&format!("{base}/goals"), json!({"title": "Learn to dance", "milestones": ["First class"]}))
        .await
        .json()
        .await
        .unwrap();
    let gid = goal["id"].as_str().unwrap();
    let step = goal["milestones"][0]["id"].as_str().unwrap();
    for (route, body) in
        [(format!("milestones/{step}"), json!({"done": true})), ("agreement".into(), json!({"done": true}))]
    {
        let res = b.put_json(&format!("{base}/goals/{gid}/{route}"), body).await;
        assert_eq!(res.status(), StatusCode::OK, "{route}");
    }
    let trip: Value = b
        .post_json(&format!("{base}/experiences"), json!({"title": "A night by the lake"}))
        .await
        .json()
        .await
        .unwrap();
    let done =
        b.put_json(&format!("{base}/experiences/{}/done", trip["id"].as_str().unwrap()), json!({"done": true})).await;
    assert_eq!(done.status(), StatusCode::OK);

    // A private reflection of B's own.
    let reflected = b
        .post_json(
            "/api/v1/me/reflections",
            json!({"competence": {"rating": 6}, "consistency": {"rating": 5}, "integrity": {"rating": 8},
                   "compassion": {"rating": 7, "note": "B's own note"}}),
        )
        .await;
    assert_eq!(reflected.status(), StatusCode::CREATED);

    let b_id = b.id.parse::<Id>().expect("an id").get();
    let schema = app.store.schema().await.unwrap();
    let count_mentions = || async {
        let mut found = Vec::new();
        for table in &schema {
            // A person's id is an integer (`sessions.user_agent` names a
            // user but holds a browser's name).
            let people = table.columns.iter().filter(|c| holds_a_person(&c.name) && c.family == TypeFamily::Integer);
            for column in people {
                let sql = format!("SELECT COUNT(*) FROM {} WHERE {} = $1", table.name, column.name);
                let n: i64 = sqlx::query_scalar(&sql).bind(b_id).fetch_one(app.store.pool()).await.unwrap();
                if n > 0 {
                    found.push(format!("{}.{} ({n})", table.name, column.name));
                }
            }
        }
        found
    };
    let before = count_mentions().await;
    for expected in [
        "entries.author_id",
        "promises.promiser_id",
        "pulses.user_id",
        "ritual_answers.user_id",
        "ritual_drafts.user_id",
        "ritual_drafts.entered_by",
        "exchanges.created_by",
        "exchange_parts.author_id",
        "exchange_responses.author_id",
        "exchange_marks.user_id",
        "goals.created_by",
        "goal_milestones.ticked_by",
        "goal_agreements.user_id",
        "experiences.created_by",
        "experiences.done_by",
        "reflections.user_id",
    ] {
        assert!(before.iter().any(|f| f.starts_with(expected)), "B's rows are there before: {before:?}");
    }

    let gone =
        b.client.delete(b.url("/api/v1/me")).json(&json!({"password": "correct horse battery"})).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let after = count_mentions().await;
    assert!(after.is_empty(), "rows still naming the deleted member: {after:?}");
    // What stays with the partner is still there, from a former member.
    let notes: Value = a.get(&format!("{base}/notes")).await.json().await.unwrap();
    assert!(notes.to_string().contains("B's shared note"), "the shared note stays with A");
    assert!(!notes.to_string().contains("B's private note"));
    let kept: Value = a.get(&format!("{exchanges}/{xid}")).await.json().await.unwrap();
    assert_eq!(kept["partner_part"]["text"], "B's answer", "the revealed exchange stays with A");
    assert_eq!(kept["responses"][0]["heard"], "You laughed at the cat");
    let left: Value = a.get(&format!("{exchanges}/{wid}")).await.json().await.unwrap();
    assert_eq!(left["partner_has_written"], false, "B's unrevealed part went with them");
}

crate::on_each_backend!(deleting_an_account_leaves_no_row_naming_the_member, nothing_names_a_deleted_member);

/// The export holds everything, however long the history: it once stopped
/// at a list's page size (1,000 thanks or promises, 520 rituals) and said
/// nothing about the rest.
async fn export_is_whole_past_any_page_size(app: &crate::support::TestApp) {
    let (a, b, sid) = app.pair().await;
    let space: Id = sid.parse().unwrap();
    let ana: Id = a.id.parse().unwrap();
    let bo: Id = b.id.parse().unwrap();
    let total = 1_005;
    let start = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 400);
    for i in 0..total {
        let by = if i % 2 == 0 { ana } else { bo };
        let text = troth_domain::AppreciationText::parse(&format!("thanks number {i}")).unwrap();
        let at = start + jiff::SignedDuration::from_mins(i);
        app.store.add_appreciation(by, space, &text, Some(at)).await.unwrap();
    }
    let export: Value = a.get("/api/v1/me/export").await.json().await.unwrap();
    let thanks = export["spaces"][0]["appreciations"].as_array().unwrap();
    assert_eq!(thanks.len(), total as usize);
    let mut seen: Vec<&str> = thanks.iter().map(|t| t["text"].as_str().unwrap()).collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), total as usize, "every thank-you once");
}

crate::on_each_backend!(the_export_is_whole_past_any_page_size, export_is_whole_past_any_page_size);
