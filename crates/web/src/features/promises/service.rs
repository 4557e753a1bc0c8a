//! Promises: the use cases the API and the pages share: make one (with a
//! pause when you are taking on a lot), move it along, and tell the partner.

use jiff::Timestamp;
use serde::Serialize;
use troth_domain::fields::present;
use troth_domain::promises::{
    self, commitment_check, validate_due, CommitmentCheck, Note, PromiseCategory, PromiseText,
};
use troth_domain::{FieldError, Id};
use troth_store::{ActionWords, CommitmentLoad, NewPromise, Promise, User};
use utoipa::ToSchema;

use crate::features::notifications::service::tell_partner;
use crate::http::error::ApiResult;
use crate::state::AppState;
use troth_domain::notifications::NotificationKind;

/// A due time from a form: `YYYY-MM-DDTHH:MM` in the member's zone, or
/// RFC 3339 with an offset (API clients).
pub fn parse_due(raw: &str, tz: &str) -> Result<Option<Timestamp>, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    if raw.len() > 40 {
        return Err(FieldError::new("due", "that date is too long to be a date"));
    }
    if let Ok(ts) = raw.parse::<Timestamp>() {
        return Ok(Some(ts));
    }
    let zone = jiff::tz::TimeZone::get(tz).map_err(|_| FieldError::new("time_zone", "unknown time zone"))?;
    let civil: jiff::civil::DateTime =
        raw.parse().map_err(|_| FieldError::new("due", "use a date and time like 2026-12-24T18:00"))?;
    let zoned =
        civil.to_zoned(zone).map_err(|_| FieldError::new("due", "that time does not exist in your time zone"))?;
    Ok(Some(zoned.timestamp()))
}

#[derive(Serialize, ToSchema)]
pub struct CommitmentView {
    pub load: CommitmentLoad,
    pub threshold: u32,
    pub check: CommitmentCheck,
}

pub async fn commitment(state: &AppState, me: Id, space: Id, now: Timestamp) -> ApiResult<CommitmentView> {
    let load = state.store.commitment_load(me, space, now).await?;
    let threshold = state.store.settings(me).await?.commitment_threshold;
    let check = commitment_check(load.open_this_week, load.recent_keep_rate, threshold);
    Ok(CommitmentView { load, threshold, check })
}

/// What asking for a promise led to.
pub enum Made {
    Promised(Box<Promise>),
    /// Many promises are open this week: ask again with a confirmation.
    NeedsConfirmation {
        message: String,
    },
}

/// Makes a promise; the shared rules for page and API.
pub async fn make_promise(
    state: &AppState,
    me: &User,
    space: Id,
    text: &str,
    category: Option<&str>,
    due: Option<&str>,
    confirm_overcommit: bool,
) -> ApiResult<Made> {
    let now = Timestamp::now();
    let text = PromiseText::parse(text)?;
    let category = PromiseCategory::parse_optional(category.unwrap_or(""))?;
    let due = parse_due(due.unwrap_or(""), &me.time_zone)?;
    if let Some(d) = due {
        validate_due(d, now).map_err(troth_store::StoreError::from)?;
    }
    let view = commitment(state, me.id, space, now).await?;
    if view.check.needs_confirmation && !confirm_overcommit {
        return Ok(Made::NeedsConfirmation { message: view.check.message });
    }
    let promise = state.store.make_promise(me.id, space, NewPromise { text, category, due, at: None }).await?;
    let sp = state.store.space_for(me.id, space).await?;
    tell_partner(
        state,
        &sp,
        me.id,
        NotificationKind::PromiseMade,
        &format!("{} made you a promise: {}", me.display_name, promise.text),
        &format!("/spaces/{space}/promises/{}", promise.id),
    )
    .await;
    Ok(Made::Promised(Box::new(promise)))
}

/// The words the API and the forms use for a promise's actions; the
/// OpenAPI document lists the same (see `choice::<ActionName>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionName {
    Claim,
    Confirm,
    NotYet,
    /// Promiser, before the due time: ask for new terms (the partner answers).
    ProposeTerms,
    AcceptTerms,
    DeclineTerms,
    WithdrawTerms,
    Release,
    Missed,
    Apologise,
}

impl ActionName {
    pub const ALL: [ActionName; 10] = [
        ActionName::Claim,
        ActionName::Confirm,
        ActionName::NotYet,
        ActionName::ProposeTerms,
        ActionName::AcceptTerms,
        ActionName::DeclineTerms,
        ActionName::WithdrawTerms,
        ActionName::Release,
        ActionName::Missed,
        ActionName::Apologise,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionName::Claim => "claim",
            ActionName::Confirm => "confirm",
            ActionName::NotYet => "not_yet",
            ActionName::ProposeTerms => "propose_terms",
            ActionName::AcceptTerms => "accept_terms",
            ActionName::DeclineTerms => "decline_terms",
            ActionName::WithdrawTerms => "withdraw_terms",
            ActionName::Release => "release",
            ActionName::Missed => "missed",
            ActionName::Apologise => "apologise",
        }
    }
}

crate::choices!(ActionName);

/// An action as a form or an API body sends it, unparsed.
#[derive(Debug, Clone, Copy, Default)]
pub struct ActionRequest<'a> {
    pub action: &'a str,
    pub note: Option<&'a str>,
    /// With `propose_terms`: the due time asked for (empty: none).
    pub new_due: Option<&'a str>,
    /// With `propose_terms`: the wording asked for (empty: it stays).
    pub new_text: Option<&'a str>,
}

/// Applies an action with the shared rules and tells the partner.
pub async fn promise_action(
    state: &AppState,
    me: &User,
    space: Id,
    promise: Id,
    request: ActionRequest<'_>,
) -> ApiResult<Promise> {
    let ActionRequest { action, note, new_due, new_text } = request;
    let now = Timestamp::now();
    let Some(name) = ActionName::ALL.into_iter().find(|a| a.as_str() == action) else {
        let words: Vec<&str> = ActionName::ALL.iter().map(|a| a.as_str()).collect();
        return Err(FieldError::new("action", format!("must be one of {}", words.join(", "))).into());
    };
    let action = match name {
        ActionName::Claim => promises::Action::ClaimKept,
        ActionName::Confirm => promises::Action::ConfirmKept,
        ActionName::NotYet => promises::Action::NotYet,
        // `rewords` is settled by the store, which knows the current wording.
        ActionName::ProposeTerms => {
            // Named after the field it came in, so a page can put the sentence by it.
            let new_due = parse_due(new_due.unwrap_or(""), &me.time_zone).map_err(|e| {
                if e.field == "due" {
                    FieldError::new("new_due", e.message)
                } else {
                    e
                }
            })?;
            promises::Action::ProposeTerms { new_due, rewords: false }
        }
        ActionName::AcceptTerms => promises::Action::AcceptTerms,
        ActionName::DeclineTerms => promises::Action::DeclineTerms,
        ActionName::WithdrawTerms => promises::Action::WithdrawTerms,
        ActionName::Release => promises::Action::Release,
        ActionName::Missed => promises::Action::MarkMissed,
        ActionName::Apologise => promises::Action::Apologise,
    };
    let note = match present("note", note, Note::MAX)? {
        Some(n) => Some(Note::parse(n)?),
        None => None,
    };
    // New wording is checked whatever the action (nothing over its limit is
    // taken quietly), and kept only when new terms are proposed.
    let new_text = match present("new_text", new_text, PromiseText::MAX)? {
        Some(t) => Some(PromiseText::parse(t).map_err(|e| FieldError::new("new_text", e.message))?)
            .filter(|_| matches!(name, ActionName::ProposeTerms)),
        None => None,
    };
    // New terms, an apology and a "not yet" each owe the other a few words.
    if matches!(action, promises::Action::ProposeTerms { .. } | promises::Action::Apologise | promises::Action::NotYet)
        && note.is_none()
    {
        return Err(FieldError::new("note", "a few words help your partner understand").into());
    }
    let p = state
        .store
        .act_on_promise(
            me.id,
            space,
            promise,
            action,
            ActionWords { note: note.as_ref(), new_text: new_text.as_ref() },
            now,
        )
        .await?;
    let sp = state.store.space_for(me.id, space).await?;
    let (kind, text) = match action {
        promises::Action::ConfirmKept => (
            NotificationKind::PromiseConfirmed,
            format!("{} confirmed you kept your promise: {}", me.display_name, p.text),
        ),
        promises::Action::ClaimKept => (
            NotificationKind::PromiseClaimed,
            format!("{} says this promise is done; can you confirm? {}", me.display_name, p.text),
        ),
        promises::Action::NotYet => (
            NotificationKind::PromiseChanged,
            format!("{} says this is not done yet, and wrote why: {}", me.display_name, p.text),
        ),
        promises::Action::ProposeTerms { .. } => (
            NotificationKind::PromiseChanged,
            format!("{} asked for new terms; will you accept them? {}", me.display_name, p.text),
        ),
        promises::Action::AcceptTerms => {
            (NotificationKind::PromiseChanged, format!("{} accepted your new terms: {}", me.display_name, p.text))
        }
        promises::Action::DeclineTerms => (
            NotificationKind::PromiseChanged,
            format!("{} would rather keep the terms as they were: {}", me.display_name, p.text),
        ),
        promises::Action::WithdrawTerms => (
            NotificationKind::PromiseChanged,
            format!("{} took back their request for new terms: {}", me.display_name, p.text),
        ),
        promises::Action::Release => {
            (NotificationKind::PromiseChanged, format!("{} let you off: {}", me.display_name, p.text))
        }
        promises::Action::Apologise => {
            (NotificationKind::PromiseChanged, format!("{} apologised about: {}", me.display_name, p.text))
        }
        promises::Action::MarkMissed => {
            (NotificationKind::PromiseChanged, format!("A promise was marked as not kept: {}", p.text))
        }
    };
    tell_partner(state, &sp, me.id, kind, &text, &format!("/spaces/{space}/promises/{promise}")).await;
    Ok(p)
}
