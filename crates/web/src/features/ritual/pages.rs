//! The weekly ritual: choose a slot, start (or join) this week's ritual,
//! and walk the agenda together, each on their own device or side by side.

use crate::http::page::Pages;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use jiff::Timestamp;
use maud::{html, Markup};
use serde::Deserialize;
use troth_domain::ritual::{AgendaStep, RitualError};
use troth_domain::{FieldError, Id};
use troth_store::{Promise, Ritual, RitualAnswer, RitualDraft, RitualSlot, Space};

use super::service::{self, anything_typed, capitalised, check_answer, human_week, this_week, Answer, Turn};
use super::RitualId;
use crate::auth::Identity;
use crate::http::error::ApiError;
use crate::http::extract::SpaceCtx;
use crate::http::forms::{Button, CsrfForm};
use crate::http::page::{render, PageResult};
use crate::http::urls::see_other;
use crate::state::AppState;
use crate::ui::forms::{time_zone_field, Problems};
use crate::ui::layout::{alert, csrf_field, page, when, Frame};

pub fn routes() -> Pages {
    Pages::new()
        .route("/spaces/{space_id}/ritual", get(show))
        .route("/spaces/{space_id}/ritual/slot", post(set_slot))
        .route("/spaces/{space_id}/ritual/start", post(start))
        .route("/spaces/{space_id}/rituals/{ritual_id}", get(show_ritual))
        .route("/spaces/{space_id}/rituals/{ritual_id}/step", post(step_submit))
        .route("/spaces/{space_id}/rituals/{ritual_id}/draft", post(keep_draft))
        .route("/spaces/{space_id}/rituals/{ritual_id}/finish", post(finish))
}

const DAYS: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

fn overview(
    who: &Identity,
    space: &Space,
    slot: Option<&RitualSlot>,
    current: Option<&Ritual>,
    past: &[Ritual],
    error: Option<&str>,
    refused: Option<(&SlotForm, &Problems)>,
) -> Markup {
    let none = Problems::default();
    let (typed, problems) = match refused {
        Some((form, problems)) => (Some(form), problems),
        None => (None, &none),
    };
    let sid = space.id.to_string();
    let tz = &who.user.time_zone;
    page(
        Frame::new("Weekly ritual", Some(who)).in_space(&sid, &space.name),
        html! {
            h1 { "Your weekly ritual" }
            p class="lead" { "A short, regular time to thank each other, look at your promises, and raise one thing each, gently. Skipped weeks are simply skipped." }
            (alert(error))
            (problems.summary())
            section class="card highlight" {
                @match current {
                    Some(r) if r.finished_at.is_some() => {
                        h2 { "This week's ritual is done" }
                        p { a href={"/spaces/" (space.id) "/rituals/" (r.id)} { "Read it again" } }
                    }
                    Some(r) => {
                        h2 { "This week's ritual has started" }
                        a class="button primary" href={"/spaces/" (space.id) "/rituals/" (r.id)} { "Continue" }
                    }
                    None => {
                        h2 { "This week" }
                        form method="post" action={"/spaces/" (space.id) "/ritual/start"} {
                            (csrf_field(who))
                            button type="submit" class="primary" { "Start this week's ritual" }
                        }
                    }
                }
            }
            section class="card" {
                h2 { "When" }
                @if let Some(s) = slot {
                    p { "Every " (capitalised(&s.weekday)) " at " (s.time) " (" (s.time_zone) "). Next: " (when(s.next_at, tz)) "." }
                } @else {
                    p class="muted" { "No time chosen yet. Pick one you can both keep." }
                }
                form method="post" action={"/spaces/" (space.id) "/ritual/slot"} class="stack" {
                    (csrf_field(who))
                    label for="weekday" { "Day" }
                    // On a refusal, what they chose stays chosen.
                    @let day = typed.map(|f| f.weekday.clone()).or_else(|| slot.map(|s| s.weekday.clone()));
                    select id="weekday" name="weekday"
                        aria-invalid=[problems.invalid("weekday")] aria-describedby=[problems.described_by("weekday", "weekday", None)] {
                        @for d in DAYS { option value=(d) selected[day.as_deref() == Some(d)] { (capitalised(d)) } }
                    }
                    (problems.under("weekday", "weekday"))
                    label for="time" { "Time" }
                    input id="time" name="time" type="time" required
                        value=(typed.map(|f| f.time.clone()).or_else(|| slot.map(|s| s.time.clone())).unwrap_or_else(|| "19:00".into()))
                        aria-invalid=[problems.invalid("time")] aria-describedby=[problems.described_by("time", "time", None)];
                    (problems.under("time", "time"))
                    (time_zone_field("time_zone", &typed.map(|f| f.time_zone.clone()).or_else(|| slot.map(|s| s.time_zone.clone())).unwrap_or_else(|| tz.clone()), problems, false))
                    button type="submit" { "Save the time" }
                }
            }
            @if !past.is_empty() {
                section class="card" {
                    h2 { "Earlier rituals" }
                    ul class="entries" {
                        @for r in past {
                            li class="entry" {
                                a href={"/spaces/" (space.id) "/rituals/" (r.id)} { (capitalised(&human_week(&r.week_key, &who.user.time_zone))) }
                                span class="muted" { @if r.finished_at.is_some() { " · finished" } @else { " · not finished" } }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The ritual's home. After a refused time (`check` with what was typed in
/// the address), the choice is drawn again as typed, the reason under the
/// field at fault: the refusal came by redirect, so a reload sends nothing.
pub async fn show(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    Query(q): Query<SlotQuery>,
) -> PageResult {
    let now = Timestamp::now();
    let slot = state.store.ritual_slot(who.user.id, space.id, now).await?;
    let current = state.store.ritual_for_week(who.user.id, space.id, &this_week(now, &who.user.time_zone)).await?;
    let past = state.store.rituals(who.user.id, space.id, 26).await?;
    let typed = q.check.is_some().then(|| SlotForm {
        weekday: q.weekday.unwrap_or_default(),
        time: q.time.unwrap_or_default(),
        time_zone: q.time_zone.unwrap_or_default(),
    });
    let refusal = typed.as_ref().and_then(|form| {
        troth_domain::ritual::WeeklySlot::parse(&form.weekday, &form.time, &form.time_zone)
            .err()
            .map(|e| ApiError::from(e).problems())
    });
    let html = match (&typed, &refusal) {
        (Some(form), Some((problems, general))) => {
            overview(&who, &space, slot.as_ref(), current.as_ref(), &past, general.as_deref(), Some((form, problems)))
        }
        _ => overview(&who, &space, slot.as_ref(), current.as_ref(), &past, None, None),
    };
    Ok(render(html))
}

/// What was typed in the time form, carried back in the address.
#[derive(Deserialize, Default)]
pub struct SlotQuery {
    pub weekday: Option<String>,
    pub time: Option<String>,
    pub time_zone: Option<String>,
    pub check: Option<String>,
}

#[derive(Deserialize)]
pub struct SlotForm {
    #[serde(default)]
    pub weekday: String,
    #[serde(default)]
    pub time: String,
    #[serde(default)]
    pub time_zone: String,
}

pub async fn set_slot(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    CsrfForm(form): CsrfForm<SlotForm>,
) -> PageResult {
    match troth_domain::ritual::WeeklySlot::parse(&form.weekday, &form.time, &form.time_zone) {
        Ok(slot) => {
            state.store.set_ritual_slot(who.user.id, space.id, &slot, Timestamp::now()).await?;
            Ok(see_other(&format!("/spaces/{}/ritual", space.id)))
        }
        Err(_) => {
            // Back to the page with what was typed (bounded: a zone name
            // longer than any real one is cut, and refused all the same).
            let cut = |s: &str| s.chars().take(200).collect::<String>();
            let typed = serde_urlencoded::to_string([
                ("weekday", cut(&form.weekday)),
                ("time", cut(&form.time)),
                ("time_zone", cut(&form.time_zone)),
                ("check", "1".to_string()),
            ])
            .map_err(|_| ApiError::from(troth_domain::FieldError::new("time", "use a time like 19:30")))?;
            Ok(see_other(&format!("/spaces/{}/ritual?{typed}", space.id)))
        }
    }
}

pub async fn start(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    CsrfForm(_): CsrfForm<Button>,
) -> PageResult {
    let r = service::start_this_week(&state, &who.user, space.id).await?;
    Ok(see_other(&format!("/spaces/{}/rituals/{}", space.id, r.id)))
}

/// Where the ritual run is, from the address: the step, whether the two
/// answer together on one screen and whose turn it is, and whether to say
/// again what was wrong with what was typed (after a refused "Next").
#[derive(Deserialize, Default)]
pub struct StepQuery {
    pub step: Option<String>,
    pub together: Option<String>,
    pub turn: Option<String>,
    pub check: Option<String>,
    pub refused: Option<String>,
}

/// The run's place: a step, the screen mode, and whose turn it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Place {
    step: AgendaStep,
    together: bool,
    turn: Turn,
}

impl Place {
    fn url(self, space: Id, ritual: Id) -> String {
        let mut url = format!("/spaces/{space}/rituals/{ritual}?step={}", self.step.as_str());
        if self.together {
            url.push_str("&together=1");
        }
        if self.turn == Turn::PartnersHere {
            url.push_str("&turn=partner");
        }
        url
    }

    /// Where "Next" leads: together on one screen, a step both answer has
    /// two turns (yours, then your partner's); otherwise the next step.
    fn after(self) -> Place {
        if self.together && self.step.both_answer() && self.turn == Turn::Mine {
            return Place { turn: Turn::PartnersHere, ..self };
        }
        Place { step: self.step.next().unwrap_or(AgendaStep::Done), turn: Turn::Mine, ..self }
    }

    /// Where "Back" leads: the turn before, or the step before.
    fn before(self) -> Place {
        if self.turn == Turn::PartnersHere {
            return Place { turn: Turn::Mine, ..self };
        }
        let Some(step) = self.step.previous() else { return self };
        let turn = if self.together && step.both_answer() { Turn::PartnersHere } else { Turn::Mine };
        Place { step, turn, ..self }
    }
}

/// The step to open when none is named: the first one not answered nor
/// skipped yet, or the finishing screen.
fn first_open_step(r: &Ritual) -> AgendaStep {
    AgendaStep::answer_steps()
        .iter()
        .copied()
        .find(|s| !r.skipped.contains(s) && !r.answers.iter().any(|a| a.mine && a.step == *s))
        .unwrap_or(AgendaStep::Done)
}

/// What a field shows: the draft when there is one, else the saved answer.
fn typed_from(step: AgendaStep, draft: Option<&RitualDraft>, saved: Option<&RitualAnswer>) -> Answer {
    match (draft, saved) {
        (Some(d), _) => {
            Answer { step: step.as_str().into(), body: d.body.clone(), proposal: d.proposal.clone(), rating: d.rating }
        }
        (None, Some(a)) => Answer {
            step: step.as_str().into(),
            body: a.body.clone(),
            proposal: a.proposal.clone(),
            rating: a.rating.map(i64::from),
        },
        (None, None) => Answer { step: step.as_str().into(), ..Answer::default() },
    }
}

/// The form field a refusal belongs under.
fn field_of(e: &FieldError) -> Option<&'static str> {
    match e.field {
        "text" | "feeling" | "body" => Some("body"),
        "proposal" => Some("proposal"),
        "rating" | "heard" => Some("rating"),
        _ => None,
    }
}

/// A refusal's code, said again after the redirect.
fn refusal_sentence(code: &str) -> Option<String> {
    [
        RitualError::OneConcernEach,
        RitualError::AlreadyRated,
        RitualError::Finished,
        RitualError::NeedsAppreciationFromEach,
        RitualError::NeedsHeardFromEach,
    ]
    .into_iter()
    .find(|e| e.code() == code)
    .map(|e| e.to_string())
    .or_else(|| match code {
        "partner_answered" => Some("Your partner has already answered this step on their own device.".to_string()),
        "no_partner" => Some("Your partner has not joined yet: you can answer on your own for now.".to_string()),
        _ => None,
    })
}

fn answer_line(a: &RitualAnswer, space: &Space) -> Markup {
    html! {
        li {
            strong { (a.user_name.as_deref().unwrap_or("Former member")) ": " }
            @if let Some(rt) = a.rating { (rt) "/10 " }
            (a.body)
            @if let Some(p) = &a.proposal { br; em { "Would help: " (p) } }
            @if a.typed_on_partners_device {
                " " span class="muted" { "(typed on " (space.partner_of(a.user_id).map_or("the partner", |m| m.display_name.as_str())) "'s screen)" }
            }
        }
    }
}

/// The two ways to run it, as links (the current one marked).
fn mode_switch(space: &Space, r: &Ritual, place: Place, has_partner: bool) -> Markup {
    let own = Place { together: false, turn: Turn::Mine, ..place }.url(space.id, r.id);
    let together = Place { together: true, turn: Turn::Mine, ..place }.url(space.id, r.id);
    html! {
        @if has_partner {
            nav class="ritual-mode" aria-label="How you answer" {
                a href=(own) aria-current=[(!place.together).then_some("true")] { "Each on our own device" }
                a href=(together) aria-current=[place.together.then_some("true")] { "Together on one screen" }
            }
        }
    }
}

fn progress_line(step: AgendaStep) -> Markup {
    let total = AgendaStep::answer_steps().len();
    html! {
        div class="progress-line" {
            @match step.number() {
                Some(n) => {
                    p id="ritual-progress" { "Step " (n) " of " (total) }
                    progress value=(n) max=(total) aria-labelledby="ritual-progress" {}
                }
                None => {
                    p id="ritual-progress" { "Last: finish together" }
                    progress value=(total) max=(total) aria-labelledby="ritual-progress" {}
                }
            }
        }
    }
}

/// One step of the run, on its own screen.
#[allow(clippy::too_many_arguments)]
fn step_page(
    who: &Identity,
    space: &Space,
    r: &Ritual,
    place: Place,
    typed: &Answer,
    unsaved: bool,
    problems: &Problems,
    general: Option<&str>,
) -> Markup {
    let sid = space.id.to_string();
    let me = who.user.id;
    let step = place.step;
    let partner = space.partner_of(me);
    let writer = match place.turn {
        Turn::Mine => who.user.display_name.clone(),
        Turn::PartnersHere => partner.map_or_else(|| "Your partner".to_string(), |m| m.display_name.clone()),
    };
    let answers: Vec<&RitualAnswer> = r.answers.iter().filter(|a| a.step == step).collect();
    let partner_answered = answers.iter().any(|a| !a.mine) || r.partner_answer_waits.contains(&step);
    // At one screen in the partner's turn, what you wrote stays out of sight
    // until they have written theirs (as on their own device).
    let show_answers = place.turn == Turn::Mine || partner_answered;
    let locked = place.turn == Turn::PartnersHere && partner_answered;
    let mine_saved = r.answers.iter().any(|a| a.mine && a.step == step);
    let skipped = r.skipped.contains(&step);
    let base = format!("/spaces/{}/rituals/{}", space.id, r.id);
    page(
        Frame::new("Ritual", Some(who)).in_space(&sid, &space.name),
        html! {
            h1 { "Ritual · " (human_week(&r.week_key, &who.user.time_zone)) }
            (mode_switch(space, r, place, partner.is_some()))
            (progress_line(step))
            (alert(general))
            (problems.summary())
            section class="card ritual-step" id=(step.as_str()) {
                @if place.together && step.both_answer() {
                    p class="turn" role="status" {
                        strong { (writer) "'s turn" }
                        @if place.turn == Turn::PartnersHere { " · " (who.user.display_name) ", pass the screen over." }
                    }
                }
                @if place.together && !step.both_answer() {
                    p class="turn" { "Talk it over together; " (who.user.display_name) " writes it down." }
                }
                h2 { (step.title()) }
                p class="prompt" { (step.prompt()) }
                @if show_answers && !answers.is_empty() {
                    ul class="answers" { @for a in &answers { (answer_line(a, space)) } }
                }
                @if place.turn == Turn::Mine && r.partner_answer_waits.contains(&step) {
                    p class="muted waiting" { "Your partner has answered. Their answer shows here once you have written yours, or chosen to skip." }
                }
                @if step == AgendaStep::Promises {
                    p { a href={"/spaces/" (space.id) "/promises"} { "Open your promises" } " to settle what is open." }
                }
                @if locked {
                    p class="muted" { (writer) " has already answered this step on their own device." }
                }
                form method="post" action={(base) "/step"} class="stack ritual-form" {
                    (csrf_field(who))
                    input type="hidden" name="step" value=(step.as_str());
                    @if place.together { input type="hidden" name="together" value="1"; }
                    @if place.turn == Turn::PartnersHere { input type="hidden" name="turn" value="partner"; }
                    @if !locked {
                        (step_fields(&base, step, typed, problems))
                        p id="draft-status" class="muted draft-status" aria-live="polite" {
                            @if unsaved { "Not saved as an answer yet: Next saves it. Only you can see it." }
                            @else if place.turn == Turn::Mine && mine_saved { "Saved as your answer." }
                            @else if skipped && place.turn == Turn::Mine { "You skipped this step." }
                        }
                    }
                    div class="step-nav" {
                        button type="submit" name="go" value="next" class="primary" {
                            @if step == AgendaStep::Heard && place.after().step == AgendaStep::Done { "Next: finish" } @else { "Next" }
                        }
                        @if step.both_answer() && !locked && !(place.turn == Turn::Mine && (mine_saved || skipped)) {
                            button type="submit" name="go" value="skip" { "Skip this step" }
                        }
                        @if place.before() != place {
                            button type="submit" name="go" value="back" class="link" { "Back" }
                        }
                    }
                }
            }
            p { a href={"/spaces/" (space.id) "/ritual"} { "All rituals" } }
        },
    )
}

/// The inputs of one step, each keeping a draft as it is typed.
fn step_fields(base: &str, step: AgendaStep, typed: &Answer, problems: &Problems) -> Markup {
    let draft_url = format!("{base}/draft");
    let body_id = format!("body-{}", step.as_str());
    let rating = typed.rating.map(|r| r.to_string()).unwrap_or_default();
    html! {
        @match step {
            AgendaStep::Concerns => {
                label for=(body_id) { "How it felt for you (start with \"I\")" }
                textarea id=(body_id) name="body" rows="4" maxlength="1000"
                    hx-post=(draft_url) hx-trigger="input changed delay:600ms" hx-include="closest form" hx-target="#draft-status"
                    aria-invalid=[problems.invalid("body")] aria-describedby=[problems.described_by(&body_id, "body", None)] { (typed.body) }
                (problems.under(&body_id, "body"))
                div id="coach-concern" class="coach-feedback" aria-live="polite"
                    hx-post="/coach/feedback" hx-trigger={"input changed delay:700ms from:#" (body_id)} hx-include={"#" (body_id)} {}
                label for="proposal" { "One thing that would help" }
                input id="proposal" name="proposal" type="text" maxlength="1000" value=(typed.proposal.as_deref().unwrap_or(""))
                    hx-post=(draft_url) hx-trigger="input changed delay:600ms" hx-include="closest form" hx-target="#draft-status"
                    aria-invalid=[problems.invalid("proposal")] aria-describedby=[problems.described_by("proposal", "proposal", None)];
                (problems.under("proposal", "proposal"))
            }
            AgendaStep::Heard => {
                label for="rating" { "How heard did you feel? (0 to 10)" }
                input id="rating" name="rating" type="number" min="0" max="10" inputmode="numeric" value=(rating)
                    hx-post=(draft_url) hx-trigger="input changed delay:600ms" hx-include="closest form" hx-target="#draft-status"
                    aria-invalid=[problems.invalid("rating")] aria-describedby=[problems.described_by("rating", "rating", None)];
                (problems.under("rating", "rating"))
                label for=(body_id) { "Anything to add (optional)" }
                textarea id=(body_id) name="body" rows="3" maxlength="1000"
                    hx-post=(draft_url) hx-trigger="input changed delay:600ms" hx-include="closest form" hx-target="#draft-status"
                    aria-invalid=[problems.invalid("body")] aria-describedby=[problems.described_by(&body_id, "body", None)] { (typed.body) }
                (problems.under(&body_id, "body"))
            }
            _ => {
                label for=(body_id) { "Your answer" }
                textarea id=(body_id) name="body" rows="5" maxlength="1000"
                    hx-post=(draft_url) hx-trigger="input changed delay:600ms" hx-include="closest form" hx-target="#draft-status"
                    aria-invalid=[problems.invalid("body")] aria-describedby=[problems.described_by(&body_id, "body", None)] { (typed.body) }
                (problems.under(&body_id, "body"))
            }
        }
    }
}

/// Answers of one step, grouped by who wrote them, for the summaries.
fn said_in(r: &Ritual, step: AgendaStep) -> Vec<&RitualAnswer> {
    r.answers.iter().filter(|a| a.step == step).collect()
}

/// What the ritual came to: what each appreciated, what you agreed, the
/// promises made, how heard you felt. Both reread it from the history.
fn summary(space: &Space, r: &Ritual, made: &[Promise]) -> Markup {
    let appreciations = said_in(r, AgendaStep::Appreciations);
    let agreements: Vec<(&RitualAnswer, String)> = r
        .answers
        .iter()
        .filter_map(|a| match a.step {
            AgendaStep::Concerns => a.proposal.clone().map(|p| (a, p)),
            AgendaStep::Boundaries => Some((a, a.body.clone())),
            _ => None,
        })
        .collect();
    let said_of_promises: Vec<&RitualAnswer> =
        r.answers.iter().filter(|a| matches!(a.step, AgendaStep::Promises | AgendaStep::CanIDo)).collect();
    let heard = said_in(r, AgendaStep::Heard);
    let went_well = said_in(r, AgendaStep::WentWell);
    html! {
        div class="ritual-summary" {
            section class="card" {
                h2 { "What each of you appreciated" }
                @if appreciations.is_empty() { p class="muted" { "Nothing written yet." } }
                @else { ul class="answers" { @for a in &appreciations { (answer_line(a, space)) } } }
            }
            @if !went_well.is_empty() {
                section class="card" {
                    h2 { "What went well" }
                    ul class="answers" { @for a in &went_well { (answer_line(a, space)) } }
                }
            }
            section class="card" {
                h2 { "What you agreed" }
                @if agreements.is_empty() { p class="muted" { "No concern or boundary this week." } }
                @else {
                    ul class="answers" {
                        @for (a, text) in &agreements {
                            li {
                                strong { (a.user_name.as_deref().unwrap_or("Former member")) ": " }
                                (text)
                                @if a.step == AgendaStep::Concerns { br; span class="muted" { "On: " (a.body) } }
                            }
                        }
                    }
                }
            }
            section class="card" {
                h2 { "Promises made" }
                @if made.is_empty() && said_of_promises.is_empty() { p class="muted" { "No new promise during this ritual." } }
                @if !made.is_empty() {
                    ul class="answers" {
                        @for p in made {
                            li {
                                strong { (p.promiser_name.as_deref().unwrap_or("Former member")) ": " }
                                a href={"/spaces/" (space.id) "/promises/" (p.id)} { (p.text) }
                            }
                        }
                    }
                }
                @if !said_of_promises.is_empty() {
                    p class="muted" { "What you said of your promises, and what each can do:" }
                    ul class="answers" {
                        @for a in &said_of_promises {
                            li {
                                strong { (a.user_name.as_deref().unwrap_or("Former member")) ": " }
                                (a.body)
                                " " span class="muted" { "(" (a.step.title()) ")" }
                            }
                        }
                    }
                }
                p { a href={"/spaces/" (space.id) "/promises"} { "All your promises" } }
            }
            section class="card" {
                h2 { "How heard you felt" }
                @if heard.is_empty() { p class="muted" { "Not rated yet." } }
                @else { ul class="answers" { @for a in &heard { (answer_line(a, space)) } } }
            }
        }
    }
}

/// The last screen before finishing: what was said so far, and the button.
fn finish_page(
    who: &Identity,
    space: &Space,
    r: &Ritual,
    made: &[Promise],
    place: Place,
    general: Option<&str>,
) -> Markup {
    let sid = space.id.to_string();
    page(
        Frame::new("Ritual", Some(who)).in_space(&sid, &space.name),
        html! {
            h1 { "Ritual · " (human_week(&r.week_key, &who.user.time_zone)) }
            (mode_switch(space, r, place, space.partner_of(who.user.id).is_some()))
            (progress_line(AgendaStep::Done))
            (alert(general))
            section class="card highlight" {
                h2 { "Finish together" }
                p { (AgendaStep::Done.prompt()) }
                @if let Some(why) = &r.finish_blocker { p class="muted" id="finish-why" { (why) } }
                form method="post" action={"/spaces/" (space.id) "/rituals/" (r.id) "/finish"} class="step-nav" {
                    (csrf_field(who))
                    button type="submit" class="primary" disabled[r.finish_blocker.is_some()]
                        aria-describedby=[r.finish_blocker.as_ref().map(|_| "finish-why")] { "Finish the ritual" }
                    a class="button" href=(place.before().url(space.id, r.id)) { "Back" }
                }
            }
            (summary(space, r, made))
        },
    )
}

/// A finished ritual: the record both reread.
fn finished_page(who: &Identity, space: &Space, r: &Ritual, made: &[Promise]) -> Markup {
    let sid = space.id.to_string();
    page(
        Frame::new("Ritual", Some(who)).in_space(&sid, &space.name),
        html! {
            h1 { "Ritual · " (human_week(&r.week_key, &who.user.time_zone)) }
            p class="notice" role="status" { "Finished. A record you can both reread." }
            (summary(space, r, made))
            details class="card" {
                summary { "Everything you said, step by step" }
                @for step in AgendaStep::answer_steps() {
                    @let answers = said_in(r, *step);
                    @if !answers.is_empty() {
                        h3 { (step.title()) }
                        ul class="answers" { @for a in &answers { (answer_line(a, space)) } }
                    }
                }
            }
            p { a href={"/spaces/" (space.id) "/ritual"} { "All rituals" } }
        },
    )
}

pub async fn show_ritual(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    RitualId(rid): RitualId,
    Query(q): Query<StepQuery>,
) -> PageResult {
    let r = state.store.ritual(who.user.id, space.id, rid).await?;
    if r.finished_at.is_some() {
        let made = service::promises_made_during(&state, who.user.id, space.id, &r).await?;
        return Ok(render(finished_page(&who, &space, &r, &made)));
    }
    let has_partner = space.partner_of(who.user.id).is_some();
    let step = q.step.as_deref().and_then(|s| s.parse().ok()).unwrap_or_else(|| first_open_step(&r));
    let together = has_partner && q.together.as_deref() == Some("1");
    let turn = if together && step.both_answer() && q.turn.as_deref() == Some("partner") {
        Turn::PartnersHere
    } else {
        Turn::Mine
    };
    let place = Place { step, together, turn };
    let general = q.refused.as_deref().and_then(refusal_sentence);
    if step == AgendaStep::Done {
        let made = service::promises_made_during(&state, who.user.id, space.id, &r).await?;
        return Ok(render(finish_page(&who, &space, &r, &made, place, general.as_deref())));
    }
    let (typed, unsaved) = match turn {
        Turn::Mine => {
            let draft = r.drafts.iter().find(|d| d.step == step);
            let saved = r.answers.iter().find(|a| a.mine && a.step == step);
            let typed = typed_from(step, draft, saved);
            // A draft that says what the answer says is not news.
            let unsaved = draft.is_some() && saved.is_none_or(|a| typed_from(step, None, Some(a)) != typed);
            (typed, unsaved)
        }
        Turn::PartnersHere => {
            let drafts = state.store.partner_drafts_typed_here(who.user.id, space.id, rid).await?;
            let draft = drafts.iter().find(|d| d.step == step);
            (typed_from(step, draft, None), draft.is_some())
        }
    };
    let mut problems = Problems::default();
    let mut general = general;
    if q.check.is_some() {
        if let Err(e) = check_answer(&typed) {
            let sentence = ApiError::from(e.clone()).sentence();
            match field_of(&e) {
                Some(field) => problems.push(field, sentence),
                None => general = Some(sentence),
            }
        }
    }
    Ok(render(step_page(&who, &space, &r, place, &typed, unsaved, &problems, general.as_deref())))
}

#[derive(Deserialize)]
pub struct StepForm {
    #[serde(default)]
    pub step: String,
    #[serde(default)]
    pub body: String,
    pub proposal: Option<String>,
    pub rating: Option<String>,
    /// next, back or skip
    #[serde(default)]
    pub go: String,
    #[serde(default)]
    pub together: String,
    #[serde(default)]
    pub turn: String,
}

impl StepForm {
    fn typed(&self) -> Answer {
        Answer {
            step: self.step.clone(),
            body: self.body.clone(),
            proposal: self.proposal.clone(),
            rating: self.rating.as_deref().map(str::trim).filter(|r| !r.is_empty()).and_then(|r| r.parse().ok()),
        }
    }

    fn place(&self, step: AgendaStep) -> Place {
        let together = self.together == "1";
        let turn =
            if together && step.both_answer() && self.turn == "partner" { Turn::PartnersHere } else { Turn::Mine };
        Place { step, together, turn }
    }
}

/// Back, Next or Skip on one step. Whatever was typed is kept first (as a
/// draft), then Next saves it as the answer; a refusal comes back to the
/// same step, the text as typed and the reason under its field. Every
/// outcome is a redirect, so reloading never sends it twice.
pub async fn step_submit(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    RitualId(rid): RitualId,
    CsrfForm(form): CsrfForm<StepForm>,
) -> PageResult {
    let step: AgendaStep = form.step.parse().map_err(ApiError::from)?;
    if step == AgendaStep::Done {
        return Err(ApiError::from(FieldError::new("step", "finish the ritual instead")).into());
    }
    let place = form.place(step);
    let typed = form.typed();
    let me = who.user.id;
    let here = |p: Place| p.url(space.id, rid);
    let finished = |e: &ApiError| e.code == RitualError::Finished.code();
    match service::save_draft(&state, me, space.id, rid, &typed, place.turn).await {
        Ok(()) => {}
        Err(e) if finished(&e) => return Ok(see_other(&format!("/spaces/{}/rituals/{rid}", space.id))),
        // Only a text over the length bound: say so under the field.
        Err(e) if e.is_fixable() => return Ok(see_other(&format!("{}&check=1", here(place)))),
        Err(e) => return Err(e.into()),
    }
    let to = match form.go.as_str() {
        "back" => place.before(),
        "skip" => {
            service::skip(&state, me, space.id, rid, step.as_str(), place.turn).await?;
            place.after()
        }
        _ if !anything_typed(&typed) => place.after(),
        _ => {
            let saved = match place.turn {
                Turn::Mine => service::save_answer(&state, me, space.id, rid, &typed).await,
                Turn::PartnersHere => service::save_partner_answer_here(&state, me, space.id, rid, &typed).await,
            };
            match saved {
                Ok(_) => place.after(),
                Err(e) if finished(&e) => return Ok(see_other(&format!("/spaces/{}/rituals/{rid}", space.id))),
                Err(e) if e.field.is_some() => return Ok(see_other(&format!("{}&check=1", here(place)))),
                Err(e) if e.is_fixable() => return Ok(see_other(&format!("{}&refused={}", here(place), e.code))),
                Err(e) => return Err(e.into()),
            }
        }
    };
    Ok(see_other(&here(to)))
}

/// The htmx call made while typing: keeps the draft and says so.
pub async fn keep_draft(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    RitualId(rid): RitualId,
    CsrfForm(form): CsrfForm<StepForm>,
) -> PageResult {
    let step: AgendaStep = form.step.parse().map_err(ApiError::from)?;
    let place = form.place(step);
    let said = match service::save_draft(&state, who.user.id, space.id, rid, &form.typed(), place.turn).await {
        Ok(()) if place.turn == Turn::PartnersHere => "Draft kept on this screen.".to_string(),
        Ok(()) => "Draft kept. Only you can see it until you press Next.".to_string(),
        Err(e) if e.is_fixable() => e.sentence(),
        Err(e) => return Err(e.into()),
    };
    Ok(render(html! { (said) }))
}

pub async fn finish(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    RitualId(rid): RitualId,
    CsrfForm(_): CsrfForm<Button>,
) -> PageResult {
    match service::finish(&state, who.user.id, space.id, rid).await {
        Ok(_) => Ok(see_other(&format!("/spaces/{}/rituals/{rid}", space.id))),
        // "Not ready yet": back to the finishing screen, which says why.
        Err(e) if e.is_fixable() => Ok(see_other(&format!("/spaces/{}/rituals/{rid}?step=done", space.id))),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(step: AgendaStep, together: bool, turn: Turn) -> Place {
        Place { step, together, turn }
    }

    #[test]
    fn next_and_back_walk_the_steps_and_the_turns() {
        use AgendaStep::*;
        // Each on their own device: one screen per step, Heard then finishing.
        assert_eq!(at(Appreciations, false, Turn::Mine).after(), at(WentWell, false, Turn::Mine));
        assert_eq!(at(Heard, false, Turn::Mine).after(), at(Done, false, Turn::Mine));
        assert_eq!(at(WentWell, false, Turn::Mine).before(), at(Appreciations, false, Turn::Mine));
        assert_eq!(at(Appreciations, false, Turn::Mine).before(), at(Appreciations, false, Turn::Mine));
        // Together: a step both answer has two turns; shared steps one.
        let mine = at(Concerns, true, Turn::Mine);
        let theirs = at(Concerns, true, Turn::PartnersHere);
        assert_eq!(mine.after(), theirs);
        assert_eq!(theirs.after(), at(Boundaries, true, Turn::Mine));
        assert_eq!(theirs.before(), mine);
        assert_eq!(at(Boundaries, true, Turn::Mine).before(), theirs);
        assert_eq!(at(Promises, true, Turn::Mine).after(), at(Concerns, true, Turn::Mine));
        // The first screen has nothing before it, together or not.
        assert_eq!(at(Appreciations, true, Turn::Mine).before(), at(Appreciations, true, Turn::Mine));
        assert_eq!(at(Done, true, Turn::Mine).before(), at(Heard, true, Turn::PartnersHere));
    }

    #[test]
    fn places_have_addresses() {
        let (space, ritual) = (Id::from_db(1), Id::from_db(2));
        let url = at(AgendaStep::Heard, true, Turn::PartnersHere).url(space, ritual);
        assert_eq!(url, format!("/spaces/{space}/rituals/{ritual}?step=heard&together=1&turn=partner"));
        assert_eq!(
            at(AgendaStep::WentWell, false, Turn::Mine).url(space, ritual),
            format!("/spaces/{space}/rituals/{ritual}?step=went_well")
        );
    }
}
