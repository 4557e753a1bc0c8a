//! `troth demo`: two partners with a few months of history, so a newcomer
//! sees a living space at once. All text is our own.

use jiff::{SignedDuration, Timestamp};
use troth_domain::promise::{Action, Note as PromiseNote, PromiseCategory, PromiseText};
use troth_domain::ritual::{week_key, AgendaStep, HeardRating};
use troth_domain::{AppreciationText, Id};
use troth_domain::{DisplayName, Email, EntryBody, EntryTitle, SpaceKind, SpaceName, TimeZoneName, Visibility};
use troth_store::secret::{hash_secret, new_secret};
use troth_store::{
    AppreciationStore, EntryKind, NewEntry, NewPromise, NewUser, PromiseStore, PulseStore, RitualInput, RitualStore,
    SqlStore, Store, User,
};
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
    everyday(store, &ana, &bo, space.id, now).await?;
    Ok(format!(
        "Demo space \"Ana & Bo\" is ready with {} notes.\nLog in as either partner (password: {PASSWORD}):\n  {}\n  {}\nThen run `troth serve` and open http://127.0.0.1:8080",
        HISTORY.len(),
        ana.email,
        bo.email
    ))
}

const PROMISES: &[(&str, &str, i64, &str)] = &[
    // (text, category, days ago it was due, outcome: kept | missed | released | renegotiated | open)
    ("Call when I land in Lisbon", "travel", 100, "kept"),
    ("Book the dentist for both of us", "home", 92, "kept"),
    ("Be home by seven on Thursday", "time together", 85, "missed"),
    ("Sort the recycling every Sunday", "home", 70, "kept"),
    ("Plan a day trip for your birthday", "time together", 58, "kept"),
    ("Pay back the concert tickets", "money", 45, "released"),
    ("Put the phone away at dinner this week", "time together", 30, "kept"),
    ("Fix the bike brakes", "home", 21, "renegotiated"),
    ("Send the photos to your mum", "family", 12, "kept"),
    ("Cook on Wednesday", "home", -2, "open"),
    ("Ask for Friday off for our weekend away", "time together", -5, "open"),
];

const THANKS: &[(i64, bool, &str)] = &[
    (110, true, "Thank you for waiting up with tea after my late shift."),
    (95, false, "Thank you for telling me early that you'd be late. It helped."),
    (80, true, "Thank you for listening without fixing, just listening."),
    (66, false, "Thank you for the note in my lunch box."),
    (51, true, "Thank you for the birthday day trip. The lake was perfect."),
    (37, false, "Thank you for calling your sister back when I asked."),
    (23, true, "Thank you for asking before saying yes to the weekend plans."),
    (9, false, "Thank you for the slow Sunday morning. I came back softer."),
    (3, true, "Thank you for fixing the brakes, even a week late."),
];

/// Promises, appreciations, rituals and pulses over four months.
async fn everyday(store: &SqlStore, ana: &User, bo: &User, space: Id, now: Timestamp) -> Result<(), String> {
    let e = |e: troth_store::StoreError| e.to_string();
    let f = |e: troth_domain::FieldError| e.to_string();
    let day = |d: i64| now - SignedDuration::from_hours(24 * d);
    for (i, (text, category, due_days_ago, outcome)) in PROMISES.iter().enumerate() {
        let (promiser, partner) = if i % 2 == 0 { (ana, bo) } else { (bo, ana) };
        let due = day(*due_days_ago);
        let made = due - SignedDuration::from_hours(24 * 5);
        let new = NewPromise {
            text: PromiseText::parse(text).map_err(f)?,
            category: Some(PromiseCategory::parse(category).map_err(f)?),
            due: Some(due),
            at: Some(made),
        };
        let p = store.make_promise(promiser.id, space, new).await.map_err(e)?;
        let before_due = due - SignedDuration::from_hours(12);
        match *outcome {
            "kept" => {
                store.act_on_promise(promiser.id, space, p.id, Action::ClaimKept, None, before_due).await.map_err(e)?;
                store
                    .act_on_promise(
                        partner.id,
                        space,
                        p.id,
                        Action::ConfirmKept,
                        None,
                        before_due + SignedDuration::from_hours(2),
                    )
                    .await
                    .map_err(e)?;
            }
            "released" => {
                store.act_on_promise(partner.id, space, p.id, Action::Release, None, before_due).await.map_err(e)?;
            }
            "missed" => {
                let note = PromiseNote::parse("I lost track of time at work and didn't call. I'm sorry; next time I'll set an alarm and call before six.").map_err(f)?;
                let after = due + SignedDuration::from_hours(3);
                store.act_on_promise(promiser.id, space, p.id, Action::MarkMissed, None, after).await.map_err(e)?;
                store
                    .act_on_promise(promiser.id, space, p.id, Action::Apologise, Some(&note), after)
                    .await
                    .map_err(e)?;
            }
            "renegotiated" => {
                let note =
                    PromiseNote::parse("The part I need comes next week; can we say the weekend after?").map_err(f)?;
                let new_due = due + SignedDuration::from_hours(24 * 8);
                store
                    .act_on_promise(
                        promiser.id,
                        space,
                        p.id,
                        Action::Renegotiate { new_due: Some(new_due) },
                        Some(&note),
                        before_due,
                    )
                    .await
                    .map_err(e)?;
                store
                    .act_on_promise(
                        promiser.id,
                        space,
                        p.id,
                        Action::ClaimKept,
                        None,
                        new_due - SignedDuration::from_hours(5),
                    )
                    .await
                    .map_err(e)?;
                store
                    .act_on_promise(
                        partner.id,
                        space,
                        p.id,
                        Action::ConfirmKept,
                        None,
                        new_due - SignedDuration::from_hours(4),
                    )
                    .await
                    .map_err(e)?;
            }
            _ => {}
        }
    }
    for (days, by_ana, text) in THANKS {
        let who = if *by_ana { ana } else { bo };
        store
            .add_appreciation(who.id, space, &AppreciationText::parse(text).map_err(f)?, Some(day(*days)))
            .await
            .map_err(e)?;
    }
    let slot = troth_domain::ritual::WeeklySlot::parse("sunday", "19:00", "Europe/Amsterdam").map_err(f)?;
    store.set_ritual_slot(ana.id, space, &slot, now).await.map_err(e)?;
    let zone = jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap_or(jiff::tz::TimeZone::UTC);
    // Most weeks, not all: skipped weeks are simply skipped.
    for weeks_ago in [15i64, 14, 12, 11, 10, 8, 7, 5, 4, 3, 1] {
        let at = day(weeks_ago * 7);
        let (r, _) = store.start_ritual(ana.id, space, &week_key(at, &zone), at).await.map_err(e)?;
        for (who, thanks, heard) in [
            (ana, "You made time for me on a busy week.", 8),
            (bo, "You noticed I was tired and cooked.", 7 + (weeks_ago % 3)),
        ] {
            store
                .save_ritual_answer(
                    who.id,
                    space,
                    r.id,
                    RitualInput { step: AgendaStep::Appreciations, body: thanks, proposal: None, rating: None },
                )
                .await
                .map_err(e)?;
            store
                .save_ritual_answer(
                    who.id,
                    space,
                    r.id,
                    RitualInput {
                        step: AgendaStep::Heard,
                        body: "",
                        proposal: None,
                        rating: Some(HeardRating::parse(heard).map_err(f)?),
                    },
                )
                .await
                .map_err(e)?;
        }
        if weeks_ago % 4 == 0 {
            store
                .save_ritual_answer(
                    bo.id,
                    space,
                    r.id,
                    RitualInput {
                        step: AgendaStep::Concerns,
                        body: "I felt left out when plans were made without me.",
                        proposal: Some("Could we check the calendar together on Sundays?"),
                        rating: None,
                    },
                )
                .await
                .map_err(e)?;
        }
        store.finish_ritual(ana.id, space, r.id, at + SignedDuration::from_hours(1)).await.map_err(e)?;
    }
    for weeks_ago in (0..14i64).rev() {
        let at = day(weeks_ago * 7 + 1);
        let lift = (14 - weeks_ago) as u8 / 3;
        let ana_r = [5 + lift.min(4), 5 + lift.min(4), 6, 7, 6, 9];
        let bo_r = [6, 4 + lift.min(5), 6 + lift.min(3), 7, 7, 9];
        store.add_pulse(ana.id, space, ana_r, "", weeks_ago == 0, Some(at)).await.map_err(e)?;
        store.add_pulse(bo.id, space, bo_r, "", false, Some(at)).await.map_err(e)?;
    }
    Ok(())
}
