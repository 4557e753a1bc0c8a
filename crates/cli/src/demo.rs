//! `troth demo`: two partners with a few months of history, so a newcomer
//! sees a living space at once. All text is our own.

use jiff::{SignedDuration, Timestamp};
use troth_domain::{DisplayName, Email, EntryBody, EntryTitle, SpaceKind, SpaceName, TimeZoneName, Visibility};
use troth_store::secret::{hash_secret, new_secret};
use troth_store::{EntryKind, NewEntry, NewUser, SqlStore, Store};
use troth_web::WebConfig;

pub const PASSWORD: &str = "demo-pass-2026";

struct Note {
    days_ago: i64,
    by_ana: bool,
    visibility: Visibility,
    title: &'static str,
    body: &'static str,
    /// For sealed notes: the other person's part (None: not written yet).
    answer: Option<&'static str>,
}

const HISTORY: &[Note] = &[
    Note { days_ago: 118, by_ana: true, visibility: Visibility::Shared, title: "Why we are doing this",
        body: "After the spring we both said we wanted to feel on the same side again. This space is for the small steps.", answer: None },
    Note { days_ago: 111, by_ana: false, visibility: Visibility::Shared, title: "Curry over chilli",
        body: "Small honesty to start with: I like your curry a lot more than your chilli. There, I said it.", answer: None },
    Note { days_ago: 104, by_ana: true, visibility: Visibility::Private, title: "What sets me off",
        body: "When a message goes unanswered for hours I start writing a story in my head. Notice it, check the evidence, wait.", answer: None },
    Note { days_ago: 97, by_ana: false, visibility: Visibility::Sealed, title: "A worry I have not said out loud",
        body: "I worry that one slip from me will undo everything we have rebuilt.",
        answer: Some("I worry that I keep testing you instead of letting myself trust again.") },
    Note { days_ago: 83, by_ana: true, visibility: Visibility::Shared, title: "Thank you for Tuesday",
        body: "You called when you said you would, even from the airport. It mattered more than you know.", answer: None },
    Note { days_ago: 70, by_ana: false, visibility: Visibility::Private, title: "Promises I make too fast",
        body: "I say yes before checking the calendar. Try: 'let me check and tell you tonight'.", answer: None },
    Note { days_ago: 56, by_ana: false, visibility: Visibility::Shared, title: "The hike where we got lost",
        body: "We took the wrong fork, ran out of water and still laughed. I trusted you to keep calm, and you did.", answer: None },
    Note { days_ago: 41, by_ana: true, visibility: Visibility::Sealed, title: "Something that shaped how I trust",
        body: "Growing up, plans changed without warning. Being told early matters a lot to me.",
        answer: Some("In my last relationship questions were treated as attacks. I am learning that yours are not.") },
    Note { days_ago: 20, by_ana: true, visibility: Visibility::Shared, title: "Space on Sunday mornings",
        body: "I would love one slow Sunday morning a month on my own. It is not about us; it helps me come back softer.", answer: None },
    Note { days_ago: 6, by_ana: false, visibility: Visibility::Shared, title: "Checking in",
        body: "This week felt lighter. I noticed you asked before deciding about the weekend. Thank you.", answer: None },
    Note { days_ago: 2, by_ana: false, visibility: Visibility::Sealed, title: "What I need more of",
        body: "More unplanned evenings where we just cook and talk.", answer: None },
];

pub async fn fill(store: &SqlStore, web: &WebConfig) -> Result<String, String> {
    let e = |e: troth_store::StoreError| e.to_string();
    let hash = troth_web::hash_password(PASSWORD, &web.password).map_err(|e| e.to_string())?;
    let suffix = &new_secret()[..6];
    let make = |name: &str| -> Result<NewUser, String> {
        Ok(NewUser {
            email: Email::parse(&format!("{}.{suffix}@demo.example", name.to_lowercase()))
                .map_err(|e| e.to_string())?,
            password_hash: hash.clone(),
            display_name: DisplayName::parse(name).map_err(|e| e.to_string())?,
            time_zone: TimeZoneName::parse("Europe/Amsterdam").unwrap_or_else(|_| TimeZoneName::utc()),
        })
    };
    let ana = store.create_user(make("Ana")?).await.map_err(e)?;
    let bo = store.create_user(make("Bo")?).await.map_err(e)?;
    let space = store
        .create_space(ana.id, &SpaceName::parse("Ana & Bo").map_err(|e| e.to_string())?, SpaceKind::Partners)
        .await
        .map_err(e)?;
    let now = Timestamp::now();
    let code = new_secret();
    store
        .create_invite(ana.id, space.id, &hash_secret(&code), now, now + SignedDuration::from_hours(72))
        .await
        .map_err(e)?;
    store.accept_invite(bo.id, &hash_secret(&code), now).await.map_err(e)?;
    for note in HISTORY {
        let (author, other) = if note.by_ana { (ana.id, bo.id) } else { (bo.id, ana.id) };
        let entry = NewEntry {
            kind: EntryKind::Note,
            visibility: note.visibility,
            title: EntryTitle::parse(note.title).map_err(|e| e.to_string())?,
            body: EntryBody::parse(note.body).map_err(|e| e.to_string())?,
            at: Some(now - SignedDuration::from_hours(24 * note.days_ago)),
        };
        let view = store.create_entry(author, space.id, entry).await.map_err(e)?;
        if let Some(answer) = note.answer {
            store
                .write_part(other, space.id, view.id, &EntryBody::parse(answer).map_err(|e| e.to_string())?)
                .await
                .map_err(e)?;
        }
    }
    Ok(format!(
        "Demo space \"Ana & Bo\" is ready with {} notes.\nLog in as either partner (password: {PASSWORD}):\n  {}\n  {}\nThen run `troth serve` and open http://127.0.0.1:8080",
        HISTORY.len(),
        ana.email,
        bo.email
    ))
}
