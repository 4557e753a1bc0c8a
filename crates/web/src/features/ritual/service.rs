//! The weekly ritual: the use cases the API and the pages share.

use jiff::Timestamp;
use troth_domain::fields::present;
use troth_domain::ritual::{draft_text, week_key, week_name, AgendaStep, Concern, HeardRating, RitualText};
use troth_domain::{FieldError, Id};
use troth_store::{DraftInput, Promise, PromiseFilter, Ritual, RitualInput, User};

use crate::features::notifications::service::tell_partner;
use crate::http::error::ApiResult;
use crate::state::AppState;
use troth_domain::notifications::NotificationKind;

/// A ritual's week as the member says it, from their time zone today:
/// "this week", "last week", "the week of 30 November".
pub fn human_week(key: &str, tz: &str) -> String {
    week_name(key, Timestamp::now(), &jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC))
}

/// `text` with its first letter in capitals, to start a line or a title.
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

pub fn this_week(now: Timestamp, tz: &str) -> String {
    week_key(now, &jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC))
}

/// Starts this week's ritual, or joins it when the partner already started it.
pub async fn start_this_week(state: &AppState, me: &User, space: Id) -> ApiResult<Ritual> {
    let now = Timestamp::now();
    let week = this_week(now, &me.time_zone);
    // Only the call that started it tells the partner, even when both
    // press start at the same moment.
    let (ritual, created) = state.store.start_ritual(me.id, space, &week, now).await?;
    if created {
        let sp = state.store.space_for(me.id, space).await?;
        tell_partner(
            state,
            &sp,
            me.id,
            NotificationKind::Ritual,
            &format!("{} started this week's ritual", me.display_name),
            &format!("/spaces/{space}/rituals/{}", ritual.id),
        )
        .await;
    }
    Ok(ritual)
}

/// One member's answer to one agenda step, as typed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Answer {
    /// appreciations, went_well, promises, concerns, boundaries, can_i_do, heard
    pub step: String,
    pub body: String,
    /// For concerns: what would help.
    pub proposal: Option<String>,
    /// For heard: 0 to 10.
    pub rating: Option<i64>,
}

/// An answer checked against its step's rules: the text, the proposal (for
/// a concern) and the rating (for how heard one felt).
pub struct CheckedAnswer {
    pub step: AgendaStep,
    pub body: String,
    pub proposal: Option<String>,
    pub rating: Option<HeardRating>,
}

/// Checks an answer as typed, without saving it. The pages also run this
/// on a kept draft to say again what was wrong after a redirect.
pub fn check_answer(b: &Answer) -> Result<CheckedAnswer, FieldError> {
    let step: AgendaStep = b.step.parse()?;
    // A rating or a proposal sent with any step is checked, even where the
    // step does not keep it: nothing out of bounds is taken quietly.
    if let Some(r) = b.rating {
        HeardRating::parse(r).map_err(|e| FieldError::new("rating", e.message))?;
    }
    if let Some(p) = present("proposal", b.proposal.as_deref(), RitualText::MAX)? {
        RitualText::parse(p).map_err(|e| FieldError::new("proposal", e.message))?;
    }
    let (body, proposal, rating) = match step {
        AgendaStep::Done => return Err(FieldError::new("step", "finish the ritual instead")),
        AgendaStep::Concerns => {
            let c = Concern::parse(&b.body, b.proposal.as_deref().unwrap_or(""))?;
            (c.feeling.as_str().to_string(), Some(c.proposal.as_str().to_string()), None)
        }
        AgendaStep::Heard => {
            let r =
                HeardRating::parse(b.rating.ok_or_else(|| FieldError::new("rating", "pick a number from 0 to 10"))?)
                    .map_err(|e| FieldError::new("rating", e.message))?;
            let text = match present("body", Some(&b.body), RitualText::MAX)? {
                None => String::new(),
                Some(body) => RitualText::parse(body)?.as_str().to_string(),
            };
            (text, None, Some(r))
        }
        _ => (RitualText::parse(&b.body)?.as_str().to_string(), None, None),
    };
    Ok(CheckedAnswer { step, body, proposal, rating })
}

/// Has anything been typed (text, a proposal or a rating)?
pub fn anything_typed(b: &Answer) -> bool {
    !b.body.trim().is_empty() || b.proposal.as_deref().is_some_and(|p| !p.trim().is_empty()) || b.rating.is_some()
}

/// Validates and saves one agenda answer (the step's draft goes with it).
pub async fn save_answer(state: &AppState, me: Id, space: Id, ritual: Id, b: &Answer) -> ApiResult<Ritual> {
    let a = check_answer(b)?;
    let input = RitualInput { step: a.step, body: &a.body, proposal: a.proposal.as_deref(), rating: a.rating };
    Ok(state.store.save_ritual_answer(me, space, ritual, input).await?)
}

/// Validates and saves the partner's answer, typed on this device while the
/// two answer together on one screen (only where they have not answered).
pub async fn save_partner_answer_here(
    state: &AppState,
    me: Id,
    space: Id,
    ritual: Id,
    b: &Answer,
) -> ApiResult<Ritual> {
    let a = check_answer(b)?;
    let input = RitualInput { step: a.step, body: &a.body, proposal: a.proposal.as_deref(), rating: a.rating };
    Ok(state.store.save_partner_answer_here(me, space, ritual, input).await?)
}

/// Whose turn a device is writing: the member's own, or the partner's at
/// the same screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Turn {
    #[default]
    Mine,
    PartnersHere,
}

/// Keeps what was typed in a step as a private draft: only bounded, not
/// checked (half a sentence is a fine draft).
pub async fn save_draft(state: &AppState, me: Id, space: Id, ritual: Id, b: &Answer, turn: Turn) -> ApiResult<()> {
    let step: AgendaStep = b.step.parse()?;
    if step == AgendaStep::Done {
        return Err(FieldError::new("step", "there is nothing to write in this step").into());
    }
    let body = draft_text("body", &b.body)?;
    let proposal = b.proposal.as_deref().map(|p| draft_text("proposal", p)).transpose()?;
    // A rating far outside 0 to 10 is not worth keeping as typed.
    let rating = b.rating.filter(|r| (-100..=100).contains(r));
    let for_partner = turn == Turn::PartnersHere;
    let input = DraftInput { step, body: &body, proposal: proposal.as_deref(), rating, for_partner };
    Ok(state.store.save_ritual_draft(me, space, ritual, input).await?)
}

/// Skips a step: in a step both answer, the partner's answer then shows.
pub async fn skip(state: &AppState, me: Id, space: Id, ritual: Id, step: &str, turn: Turn) -> ApiResult<Ritual> {
    let step: AgendaStep = step.parse()?;
    if step == AgendaStep::Done {
        return Err(FieldError::new("step", "finish the ritual instead").into());
    }
    Ok(state.store.skip_ritual_step(me, space, ritual, step, turn == Turn::PartnersHere).await?)
}

/// The promises either of you made while the ritual was open (from its
/// start to its finish, or until now): the summary's "promises made".
pub async fn promises_made_during(state: &AppState, me: Id, space: Id, r: &Ritual) -> ApiResult<Vec<Promise>> {
    let now = Timestamp::now();
    let until = r.finished_at.unwrap_or(now);
    let filter = PromiseFilter { limit: Some(1000), ..PromiseFilter::default() };
    let mut made: Vec<Promise> = state
        .store
        .promises(me, space, filter, now)
        .await?
        .into_iter()
        .filter(|p| p.created_at >= r.started_at && p.created_at <= until)
        .collect();
    made.sort_by_key(|p| p.created_at);
    Ok(made)
}

/// Finishes the ritual once each has appreciated and rated how heard they felt.
pub async fn finish(state: &AppState, me: Id, space: Id, ritual: Id) -> ApiResult<Ritual> {
    Ok(state.store.finish_ritual(me, space, ritual, Timestamp::now()).await?)
}
