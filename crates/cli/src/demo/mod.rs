//! `troth demo`: two partners with six months of history, so a newcomer
//! sees a living space at once. `plan` decides what happened (no I/O);
//! this module writes it through the same store calls the app uses, dated
//! in the past. All text is our own (`words`).

mod plan;
mod program;
mod words;

use jiff::{SignedDuration, Timestamp};
use troth_domain::goals::{ExperienceTitle, GoalTitle, MilestoneTitle, Notes, PlanDate};
use troth_domain::journal::{CommentText, JournalDraft};
use troth_domain::promises::{Action, Note as PromiseNote, PromiseCategory, PromiseText};
use troth_domain::ritual::{week_key, HeardRating, WeeklySlot};
use troth_domain::timeline::{MomentDraft, MomentKind};
use troth_domain::{AppreciationText, FieldError, Id};
use troth_domain::{DisplayName, Email, EntryBody, EntryTitle, SpaceKind, SpaceName, TimeZoneName};
use troth_store::secret::{hash_secret, new_secret};
use troth_store::{
    ActionWords, AppreciationStore, EntryKind, GoalStore, JournalStore, NewEntry, NewExperience, NewGoal, NewPromise,
    NewUser, PromiseStore, PulseStore, RitualInput, RitualStore, SqlStore, Store, StoreError, TimelineStore, User,
};
use troth_web::WebConfig;

use plan::{Clock, Fate, Plan, Who};

pub const PASSWORD: &str = "demo-pass-2026";
const ZONE: &str = "Europe/Amsterdam";

fn store_err(e: StoreError) -> String {
    e.to_string()
}

fn field_err(e: FieldError) -> String {
    e.to_string()
}

/// The two partners, by role in the story.
struct Couple {
    ana: User,
    bo: User,
    space: Id,
}

impl Couple {
    fn id(&self, who: Who) -> Id {
        match who {
            Who::Ana => self.ana.id,
            Who::Bo => self.bo.id,
        }
    }
}

/// What the demo made, for the summary line.
#[derive(Default)]
struct Counts {
    notes: usize,
    promises: usize,
    thanks: usize,
    rituals: usize,
    pulses: usize,
}

pub async fn fill(store: &SqlStore, web: &WebConfig) -> Result<String, String> {
    let started = std::time::Instant::now();
    let couple = create_couple(store, web).await?;
    let tz = jiff::tz::TimeZone::get(ZONE).unwrap_or(jiff::tz::TimeZone::UTC);
    let clock = Clock::new(Timestamp::now(), tz);
    let plan = plan::plan(&clock);
    let mut counts = Counts { notes: write_notes(store, &couple, &clock).await?, ..Counts::default() };
    write_promises(store, &couple, &plan).await?;
    write_thanks(store, &couple, &plan).await?;
    write_rituals(store, &couple, &plan, &clock).await?;
    write_pulses(store, &couple, &plan).await?;
    let (exercises, exchanges) = program::write_program(store, &couple, &clock).await?;
    let goals = write_goals(store, &couple).await?;
    write_journal(store, &couple, &clock).await?;
    write_timeline(store, &couple, &clock).await?;
    counts.promises = plan.promises.len();
    counts.thanks = plan.thanks.len();
    counts.rituals = plan.rituals.len();
    counts.pulses = plan.pulses.len();
    Ok(format!(
        "Demo space \"Ana & Bo\" is ready: six months with {} notes, {} promises, {} thanks, {} weekly rituals, {} pulses, {} exercises done, {} sealed exchanges, {} shared goals, a shared journal of {} moments and a timeline of {} (filled in {:.1} s).\nLog in as either partner (password: {PASSWORD}):\n  {}\n  {}\nThen run `troth serve` and open http://127.0.0.1:8080",
        counts.notes,
        counts.promises,
        counts.thanks,
        counts.rituals,
        counts.pulses,
        exercises,
        exchanges,
        goals,
        words::JOURNAL.len(),
        words::TIMELINE.len(),
        started.elapsed().as_secs_f64(),
        couple.ana.email,
        couple.bo.email
    ))
}

async fn create_couple(store: &SqlStore, web: &WebConfig) -> Result<Couple, String> {
    let hash = troth_web::hash_password(PASSWORD, &web.password).map_err(|e| e.to_string())?;
    let suffix = &new_secret()[..6];
    let make = |name: &str| -> Result<NewUser, String> {
        Ok(NewUser {
            email: Email::parse(&format!("{}.{suffix}@demo.example", name.to_lowercase())).map_err(field_err)?,
            password_hash: hash.clone(),
            display_name: DisplayName::parse(name).map_err(field_err)?,
            time_zone: TimeZoneName::parse(ZONE).unwrap_or_else(|_| TimeZoneName::utc()),
        })
    };
    let ana = store.create_user(make("Ana")?).await.map_err(store_err)?;
    let bo = store.create_user(make("Bo")?).await.map_err(store_err)?;
    let name = SpaceName::parse("Ana & Bo").map_err(field_err)?;
    let space = store.create_space(ana.id, &name, SpaceKind::Partners).await.map_err(store_err)?;
    let now = Timestamp::now();
    let code = new_secret();
    store
        .create_invite(ana.id, space.id, &hash_secret(&code), now, now + SignedDuration::from_hours(72))
        .await
        .map_err(store_err)?;
    store.accept_invite(bo.id, &hash_secret(&code), now).await.map_err(store_err)?;
    let slot = WeeklySlot::parse("sunday", "19:00", ZONE).map_err(field_err)?;
    store.set_ritual_slot(ana.id, space.id, &slot, now).await.map_err(store_err)?;
    Ok(Couple { ana, bo, space: space.id })
}

async fn write_notes(store: &SqlStore, couple: &Couple, clock: &Clock) -> Result<usize, String> {
    // Notes get written at all hours: before a shift, on the train, late.
    const HOURS: [i8; 9] = [21, 8, 22, 13, 19, 7, 23, 17, 10];
    for (i, note) in words::NOTES.iter().enumerate() {
        let (author, other) = if note.by_ana { (Who::Ana, Who::Bo) } else { (Who::Bo, Who::Ana) };
        let entry = NewEntry {
            kind: EntryKind::Note,
            visibility: note.visibility,
            title: EntryTitle::parse(note.title).map_err(field_err)?,
            body: EntryBody::parse(note.body).map_err(field_err)?,
            at: Some(clock.at(note.days_ago, HOURS[i % HOURS.len()], ((i * 17 + 4) % 60) as i8)),
        };
        let view = store.create_entry(couple.id(author), couple.space, entry).await.map_err(store_err)?;
        if let Some(answer) = note.answer {
            // The store dates a sealed part "now": it cannot be backdated.
            let body = EntryBody::parse(answer).map_err(field_err)?;
            store.write_part(couple.id(other), couple.space, view.id, &body).await.map_err(store_err)?;
        }
    }
    Ok(words::NOTES.len())
}

async fn write_promises(store: &SqlStore, couple: &Couple, plan: &Plan) -> Result<(), String> {
    let space = couple.space;
    for p in &plan.promises {
        let (promiser, partner) = (couple.id(p.by), couple.id(p.by.other()));
        let new = NewPromise {
            text: PromiseText::parse(p.text).map_err(field_err)?,
            category: Some(PromiseCategory::parse(p.category).map_err(field_err)?),
            due: Some(p.due),
            at: Some(p.made),
        };
        let id = store.make_promise(promiser, space, new).await.map_err(store_err)?.id;
        let act = |who: Id, action: Action, note: Option<&'static str>, at: Timestamp| async move {
            let note = note.map(PromiseNote::parse).transpose().map_err(field_err)?;
            let words = ActionWords { note: note.as_ref(), new_text: None };
            store.act_on_promise(who, space, id, action, words, at).await.map_err(store_err).map(|_| ())
        };
        let kept = |claimed: Timestamp, confirmed: Timestamp| async move {
            act(promiser, Action::ClaimKept, None, claimed).await?;
            act(partner, Action::ConfirmKept, None, confirmed).await
        };
        match p.fate {
            Fate::Kept { claimed, confirmed } => kept(claimed, confirmed).await?,
            Fate::Renegotiated { at, new_due, note, kept: then } => {
                // Asked for, then agreed a minute later by the partner.
                let ask = Action::ProposeTerms { new_due: Some(new_due), rewords: false };
                act(promiser, ask, Some(note), at).await?;
                act(partner, Action::AcceptTerms, None, at + SignedDuration::from_mins(1)).await?;
                if let Some((claimed, confirmed)) = then {
                    kept(claimed, confirmed).await?;
                }
            }
            Fate::Missed { marked_by_partner, marked, apology, apologised } => {
                let marker = if marked_by_partner { partner } else { promiser };
                act(marker, Action::MarkMissed, None, marked).await?;
                act(promiser, Action::Apologise, Some(apology), apologised).await?;
            }
            Fate::Released { at, note } => act(partner, Action::Release, Some(note), at).await?,
            Fate::Claimed { at } => act(promiser, Action::ClaimKept, None, at).await?,
            Fate::Open => {}
        }
    }
    Ok(())
}

async fn write_thanks(store: &SqlStore, couple: &Couple, plan: &Plan) -> Result<(), String> {
    for t in &plan.thanks {
        let text = AppreciationText::parse(&t.text).map_err(field_err)?;
        let a = store.add_appreciation(couple.id(t.by), couple.space, &text, Some(t.at)).await.map_err(store_err)?;
        // Hearts and favourites are dated "now" by the store; only the thanks itself is backdated.
        let recipient = couple.id(t.by.other());
        if t.hearted {
            store.heart_appreciation(recipient, couple.space, a.id, true).await.map_err(store_err)?;
        }
        if t.favourite_of_recipient {
            store.favourite_appreciation(recipient, couple.space, a.id, true).await.map_err(store_err)?;
        }
    }
    Ok(())
}

async fn write_rituals(store: &SqlStore, couple: &Couple, plan: &Plan, clock: &Clock) -> Result<(), String> {
    for r in &plan.rituals {
        let starter = couple.id(r.started_by);
        let week = week_key(r.at, &clock.tz);
        let (ritual, _) = store.start_ritual(starter, couple.space, &week, r.at).await.map_err(store_err)?;
        for a in &r.answers {
            let rating = a.heard.map(HeardRating::parse).transpose().map_err(field_err)?;
            let input = RitualInput { step: a.step, body: &a.body, proposal: a.proposal, rating };
            store.save_ritual_answer(couple.id(a.by), couple.space, ritual.id, input).await.map_err(store_err)?;
        }
        store.finish_ritual(starter, couple.space, ritual.id, r.finished).await.map_err(store_err)?;
    }
    Ok(())
}

async fn write_pulses(store: &SqlStore, couple: &Couple, plan: &Plan) -> Result<(), String> {
    for p in &plan.pulses {
        store
            .add_pulse(couple.id(p.by), couple.space, p.ratings, p.note, p.shared, Some(p.at))
            .await
            .map_err(store_err)?;
    }
    Ok(())
}

/// Two shared goals (one half-way, one done by both saying so) and a few
/// new experiences, planned and done. Dated "now" by the store: goals are
/// about what comes next.
async fn write_goals(store: &SqlStore, couple: &Couple) -> Result<usize, String> {
    let (ana, bo, space) = (couple.ana.id, couple.bo.id, couple.space);
    let steps = |list: &[&str]| list.iter().map(|m| MilestoneTitle::parse(m)).collect::<Result<Vec<_>, _>>();
    let walk = store
        .create_goal(
            ana,
            space,
            NewGoal {
                title: GoalTitle::parse("Walk the whole coast path, stage by stage").map_err(field_err)?,
                why: Notes::parse_optional("why", Some("Long walks are where we talk best, without screens."))
                    .map_err(field_err)?,
                target_date: PlanDate::parse_optional("target_date", Some("2027-09-30")).map_err(field_err)?,
                milestones: steps(&[
                    "Buy proper boots",
                    "Stage 1: the dunes",
                    "Stage 2: the harbour towns",
                    "Last stage",
                ])
                .map_err(field_err)?,
            },
        )
        .await
        .map_err(store_err)?;
    for (who, step) in [(ana, 0), (bo, 1)] {
        store.tick_milestone(who, space, walk.id, walk.milestones[step].id, true).await.map_err(store_err)?;
    }
    let bread = store
        .create_goal(
            bo,
            space,
            NewGoal {
                title: GoalTitle::parse("Bake our own bread every weekend for a month").map_err(field_err)?,
                why: None,
                target_date: None,
                milestones: Vec::new(),
            },
        )
        .await
        .map_err(store_err)?;
    for who in [ana, bo] {
        store.agree_goal_done(who, space, bread.id, true).await.map_err(store_err)?;
    }
    for (by, title, planned) in
        [(ana, "A night in a mountain hut", Some("2027-02-20")), (bo, "A Georgian cooking class", None)]
    {
        let new = NewExperience {
            title: ExperienceTitle::parse(title).map_err(field_err)?,
            planned_on: PlanDate::parse_optional("planned_on", planned).map_err(field_err)?,
        };
        store.create_experience(by, space, new).await.map_err(store_err)?;
    }
    let kayak =
        NewExperience { title: ExperienceTitle::parse("Kayaking at dawn").map_err(field_err)?, planned_on: None };
    let kayak = store.create_experience(bo, space, kayak).await.map_err(store_err)?;
    let went = Notes::parse_optional("how_it_went", Some("Cold hands, flat water, and a heron that ignored us."))
        .map_err(field_err)?;
    store.mark_experience(ana, space, kayak.id, true, went).await.map_err(store_err)?;
    Ok(2)
}

fn author(by_ana: bool) -> (Who, Who) {
    if by_ana {
        (Who::Ana, Who::Bo)
    } else {
        (Who::Bo, Who::Ana)
    }
}

/// A picture made here (a canal at dusk, in broad bands of colour) and put
/// through the same preparation as an upload.
fn demo_photo() -> Result<troth_store::NewPhoto, String> {
    let (w, h) = (1800u32, 1200u32);
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let t = y as f32 / h as f32;
        let water = y > h * 3 / 5;
        let ripple = if water && (x / 40 + y / 9) % 7 == 0 { 30.0 } else { 0.0 };
        let (r, g, b) = if water {
            (40.0 + 40.0 * t + ripple, 70.0 + 30.0 * t + ripple, 110.0 + 20.0 * t + ripple)
        } else {
            (240.0 - 60.0 * t, 150.0 - 40.0 * t, 90.0 + 60.0 * t)
        };
        image::Rgb([r.min(255.0) as u8, g.min(255.0) as u8, b.min(255.0) as u8])
    });
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    troth_web::prepare_journal_photo(&png).map_err(|r| r.message())
}

async fn write_journal(store: &SqlStore, couple: &Couple, clock: &Clock) -> Result<(), String> {
    for m in words::JOURNAL {
        let (by, other) = author(m.by_ana);
        let draft = JournalDraft::parse(m.title, m.happened, m.supported, m.learned).map_err(field_err)?;
        let photo = if m.photo { Some(demo_photo()?) } else { None };
        let at = clock.at(m.days_ago, 21, 15);
        let entry =
            store.add_journal_entry(couple.id(by), couple.space, &draft, photo, Some(at)).await.map_err(store_err)?;
        if let Some(text) = m.comment {
            let body = CommentText::parse(text).map_err(field_err)?;
            let later = clock.at(m.days_ago - 1, 8, 40);
            store
                .comment_journal_entry(couple.id(other), couple.space, entry.id, &body, Some(later))
                .await
                .map_err(store_err)?;
        }
    }
    Ok(())
}

async fn write_timeline(store: &SqlStore, couple: &Couple, clock: &Clock) -> Result<(), String> {
    for m in words::TIMELINE {
        let (by, _) = author(m.by_ana);
        let day = clock
            .at(m.days_ago, 12, 0)
            .to_zoned(jiff::tz::TimeZone::get(ZONE).unwrap_or(jiff::tz::TimeZone::UTC))
            .date();
        let kind = if m.built { MomentKind::Built } else { MomentKind::Challenged };
        let draft = MomentDraft::parse(&day.to_string(), kind.as_str(), m.title, m.learned, day).map_err(field_err)?;
        store.add_moment(couple.id(by), couple.space, &draft).await.map_err(store_err)?;
    }
    Ok(())
}
