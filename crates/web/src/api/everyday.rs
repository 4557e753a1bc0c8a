//! The everyday loop over JSON: promises, the weekly ritual, appreciations,
//! the trust pulse, insights, notifications and the calendar feed.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use troth_domain::promise::{
    self, commitment_check, validate_due, CommitmentCheck, Note, PromiseCategory, PromiseText,
};
use troth_domain::pulse::{needs_safety_resources, PulseNote, Rating, TrustType};
use troth_domain::ritual::{AgendaStep, Concern, HeardRating, RitualText, WeeklySlot};
use troth_domain::{AppreciationText, FieldError, Id};
use troth_store::{
    Appreciation, AppreciationFilter, CommitmentLoad, MemberSettings, NewPromise, Notification, Promise, PromiseFilter,
    Pulse, Ritual, RitualInput, RitualSlot,
};
use utoipa::{IntoParams, ToSchema};

use super::pairs::base_url;
use super::path_id;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::everyday::{self, parse_due, tell_partner, Insights};
use crate::forms::ApiJson;
use crate::state::AppState;

// ---------------------------------------------------------------- promises --

#[derive(Deserialize, ToSchema)]
pub struct PromiseBody {
    pub text: String,
    pub category: Option<String>,
    /// RFC 3339, or `YYYY-MM-DDTHH:MM` in your time zone.
    pub due: Option<String>,
    /// Set when "think before you commit" asked for a confirmation.
    #[serde(default)]
    pub confirm_overcommit: bool,
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

/// Makes a promise; the shared rules for page and API.
pub async fn make_promise(
    state: &AppState,
    me: &troth_store::User,
    space: Id,
    text: &str,
    category: Option<&str>,
    due: Option<&str>,
    confirm_overcommit: bool,
) -> ApiResult<Promise> {
    let now = Timestamp::now();
    let text = PromiseText::parse(text)?;
    let category = PromiseCategory::parse_optional(category.unwrap_or(""))?;
    let due = parse_due(due.unwrap_or(""), &me.time_zone)?;
    if let Some(d) = due {
        validate_due(d, now).map_err(troth_store::StoreError::from)?;
    }
    let view = commitment(state, me.id, space, now).await?;
    if view.check.needs_confirmation && !confirm_overcommit {
        return Err(ApiError::new(StatusCode::CONFLICT, "needs_confirmation", view.check.message));
    }
    let promise = state.store.make_promise(me.id, space, NewPromise { text, category, due, at: None }).await?;
    let sp = state.store.space_for(me.id, space).await?;
    tell_partner(
        state.store.as_ref(),
        &sp,
        me.id,
        "promise",
        &format!("{} made you a promise: {}", me.display_name, promise.text),
        &format!("/spaces/{space}/promises/{}", promise.id),
    )
    .await;
    Ok(promise)
}

/// Makes a promise to the partner. With many open this week, it first asks
/// for a confirmation (409 `needs_confirmation`).
#[utoipa::path(post, path = "/api/v1/pairs/{pair_id}/promises", tag = "promises", params(("pair_id" = String, Path)), request_body = PromiseBody,
    responses((status = 201, body = Promise), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_promise(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(pair_id): Path<String>,
    ApiJson(b): ApiJson<PromiseBody>,
) -> ApiResult<Response> {
    let p = make_promise(
        &state,
        &me.user,
        path_id(&pair_id)?,
        &b.text,
        b.category.as_deref(),
        b.due.as_deref(),
        b.confirm_overcommit,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(p)).into_response())
}

#[derive(Deserialize, IntoParams)]
pub struct PromiseQuery {
    /// Only promises made by this member.
    pub member: Option<String>,
    /// open, claimed, kept, released or missed.
    pub status: Option<String>,
    pub limit: Option<i64>,
}

/// The space's promises: unsettled first, soonest due first.
#[utoipa::path(get, path = "/api/v1/pairs/{pair_id}/promises", tag = "promises", params(("pair_id" = String, Path), PromiseQuery),
    responses((status = 200, body = Vec<Promise>), (status = 404, body = ErrorBody)))]
pub async fn list_promises(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(pair_id): Path<String>,
    Query(q): Query<PromiseQuery>,
) -> ApiResult<Json<Vec<Promise>>> {
    let filter = PromiseFilter {
        promiser: q.member.as_deref().map(path_id).transpose()?,
        status: q.status.as_deref().map(str::parse).transpose()?,
        unsettled_only: false,
        limit: q.limit,
    };
    Ok(Json(state.store.promises(me.user.id, path_id(&pair_id)?, filter, Timestamp::now()).await?))
}

/// How many promises the caller has open this week, their recent keep rate,
/// and whether a new one would need a confirmation.
#[utoipa::path(get, path = "/api/v1/pairs/{pair_id}/promises/check", tag = "promises", params(("pair_id" = String, Path)),
    responses((status = 200, body = CommitmentView)))]
pub async fn check_commitment(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(pair_id): Path<String>,
) -> ApiResult<Json<CommitmentView>> {
    Ok(Json(commitment(&state, me.user.id, path_id(&pair_id)?, Timestamp::now()).await?))
}

/// One promise with its history.
#[utoipa::path(get, path = "/api/v1/pairs/{pair_id}/promises/{promise_id}", tag = "promises", params(("pair_id" = String, Path), ("promise_id" = String, Path)),
    responses((status = 200, body = Promise), (status = 404, body = ErrorBody)))]
pub async fn get_promise(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path((pair_id, promise_id)): Path<(String, String)>,
) -> ApiResult<Json<Promise>> {
    Ok(Json(state.store.promise(me.user.id, path_id(&pair_id)?, path_id(&promise_id)?, Timestamp::now()).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct PromiseActionBody {
    /// claim (promiser: it is done), confirm (partner: it was kept), renegotiate
    /// (promiser, before due), release (partner), missed, apologise (promiser, after a miss).
    pub action: String,
    pub note: Option<String>,
    /// For renegotiate: the new due time (empty removes it).
    pub new_due: Option<String>,
}

/// Applies an action with the shared rules and tells the partner.
pub async fn promise_action(
    state: &AppState,
    me: &troth_store::User,
    space: Id,
    promise: Id,
    action: &str,
    note: Option<&str>,
    new_due: Option<&str>,
) -> ApiResult<Promise> {
    let now = Timestamp::now();
    let action = match action {
        "claim" => promise::Action::ClaimKept,
        "confirm" => promise::Action::ConfirmKept,
        "renegotiate" => promise::Action::Renegotiate { new_due: parse_due(new_due.unwrap_or(""), &me.time_zone)? },
        "release" => promise::Action::Release,
        "missed" => promise::Action::MarkMissed,
        "apologise" => promise::Action::Apologise,
        _ => {
            return Err(
                FieldError::new("action", "must be claim, confirm, renegotiate, release, missed or apologise").into()
            )
        }
    };
    let note = match note.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => Some(Note::parse(n)?),
        None => None,
    };
    if matches!(action, promise::Action::Renegotiate { .. } | promise::Action::Apologise) && note.is_none() {
        return Err(FieldError::new("note", "a few words help your partner understand").into());
    }
    let p = state.store.act_on_promise(me.id, space, promise, action, note.as_ref(), now).await?;
    let sp = state.store.space_for(me.id, space).await?;
    let (kind, text) = match action {
        promise::Action::ConfirmKept => {
            ("confirmed", format!("{} confirmed you kept your promise: {}", me.display_name, p.text))
        }
        promise::Action::ClaimKept => {
            ("promise", format!("{} says this promise is done; can you confirm? {}", me.display_name, p.text))
        }
        promise::Action::Renegotiate { .. } => {
            ("promise", format!("{} asked for new terms on: {}", me.display_name, p.text))
        }
        promise::Action::Release => ("promise", format!("{} let you off: {}", me.display_name, p.text)),
        promise::Action::Apologise => ("promise", format!("{} apologised about: {}", me.display_name, p.text)),
        promise::Action::MarkMissed => ("promise", format!("A promise was marked as not kept: {}", p.text)),
    };
    tell_partner(state.store.as_ref(), &sp, me.id, kind, &text, &format!("/spaces/{space}/promises/{promise}")).await;
    if kind == "confirmed" {
        if let Some(partner) = sp.partner_of(me.id) {
            let link = format!("/spaces/{space}/promises/{promise}");
            crate::reminders::email_if_wanted(state, partner.user_id, "confirmed", &link).await;
        }
    }
    Ok(p)
}

/// Moves a promise along: claim, confirm, renegotiate, release, missed, apologise.
#[utoipa::path(post, path = "/api/v1/pairs/{pair_id}/promises/{promise_id}/actions", tag = "promises", params(("pair_id" = String, Path), ("promise_id" = String, Path)), request_body = PromiseActionBody,
    responses((status = 200, body = Promise), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn act_on_promise(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path((pair_id, promise_id)): Path<(String, String)>,
    ApiJson(b): ApiJson<PromiseActionBody>,
) -> ApiResult<Json<Promise>> {
    Ok(Json(
        promise_action(
            &state,
            &me.user,
            path_id(&pair_id)?,
            path_id(&promise_id)?,
            &b.action,
            b.note.as_deref(),
            b.new_due.as_deref(),
        )
        .await?,
    ))
}

// ----------------------------------------------------------------- rituals --

#[derive(Deserialize, ToSchema)]
pub struct SlotBody {
    /// monday … sunday
    pub weekday: String,
    /// HH:MM
    pub time: String,
    pub time_zone: String,
}

/// The weekly slot (null until one is chosen).
#[utoipa::path(get, path = "/api/v1/pairs/{pair_id}/ritual/slot", tag = "ritual", params(("pair_id" = String, Path)), responses((status = 200, body = Option<RitualSlot>)))]
pub async fn get_slot(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(pair_id): Path<String>,
) -> ApiResult<Json<Option<RitualSlot>>> {
    Ok(Json(state.store.ritual_slot(me.user.id, path_id(&pair_id)?, Timestamp::now()).await?))
}

/// Sets or moves the weekly slot (either member may).
#[utoipa::path(put, path = "/api/v1/pairs/{pair_id}/ritual/slot", tag = "ritual", params(("pair_id" = String, Path)), request_body = SlotBody,
    responses((status = 200, body = RitualSlot), (status = 422, body = ErrorBody)))]
pub async fn put_slot(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(pair_id): Path<String>,
    ApiJson(b): ApiJson<SlotBody>,
) -> ApiResult<Json<RitualSlot>> {
    let slot = WeeklySlot::parse(&b.weekday, &b.time, &b.time_zone)?;
    Ok(Json(state.store.set_ritual_slot(me.user.id, path_id(&pair_id)?, &slot, Timestamp::now()).await?))
}

/// Starts this week's ritual, or joins it when the partner already started it.
pub async fn start_this_week(state: &AppState, me: &troth_store::User, space: Id) -> ApiResult<Ritual> {
    let now = Timestamp::now();
    let week = everyday::this_week(now, &me.time_zone);
    // Only the call that started it tells the partner, even when both
    // press start at the same moment.
    let (ritual, created) = state.store.start_ritual(me.id, space, &week, now).await?;
    if created {
        let sp = state.store.space_for(me.id, space).await?;
        tell_partner(
            state.store.as_ref(),
            &sp,
            me.id,
            "ritual",
            &format!("{} started this week's ritual", me.display_name),
            &format!("/spaces/{space}/rituals/{}", ritual.id),
        )
        .await;
    }
    Ok(ritual)
}

/// Starts (or joins) this week's ritual. Both starting at once get one ritual.
#[utoipa::path(post, path = "/api/v1/pairs/{pair_id}/rituals", tag = "ritual", params(("pair_id" = String, Path)), responses((status = 200, body = Ritual)))]
pub async fn start_ritual(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(pair_id): Path<String>,
) -> ApiResult<Json<Ritual>> {
    Ok(Json(start_this_week(&state, &me.user, path_id(&pair_id)?).await?))
}

/// Past rituals, newest first.
#[utoipa::path(get, path = "/api/v1/pairs/{pair_id}/rituals", tag = "ritual", params(("pair_id" = String, Path)), responses((status = 200, body = Vec<Ritual>)))]
pub async fn list_rituals(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(pair_id): Path<String>,
) -> ApiResult<Json<Vec<Ritual>>> {
    Ok(Json(state.store.rituals(me.user.id, path_id(&pair_id)?, 52).await?))
}

/// One ritual with every answer so far.
#[utoipa::path(get, path = "/api/v1/pairs/{pair_id}/rituals/{ritual_id}", tag = "ritual", params(("pair_id" = String, Path), ("ritual_id" = String, Path)), responses((status = 200, body = Ritual), (status = 404, body = ErrorBody)))]
pub async fn get_ritual(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path((pair_id, ritual_id)): Path<(String, String)>,
) -> ApiResult<Json<Ritual>> {
    Ok(Json(state.store.ritual(me.user.id, path_id(&pair_id)?, path_id(&ritual_id)?).await?))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct AnswerBody {
    /// appreciations, went_well, promises, concerns, boundaries, can_i_do, heard
    pub step: String,
    #[serde(default)]
    pub body: String,
    /// For concerns: what would help.
    pub proposal: Option<String>,
    /// For heard: 0 to 10.
    pub rating: Option<i64>,
}

/// Validates one agenda answer; the shared rules for page and API.
pub async fn save_answer(state: &AppState, me: Id, space: Id, ritual: Id, b: &AnswerBody) -> ApiResult<Ritual> {
    let step: AgendaStep = b.step.parse()?;
    let (body, proposal, rating) = match step {
        AgendaStep::Done => return Err(FieldError::new("step", "finish the ritual instead").into()),
        AgendaStep::Concerns => {
            let c = Concern::parse(&b.body, b.proposal.as_deref().unwrap_or(""))?;
            (c.feeling.as_str().to_string(), Some(c.proposal.as_str().to_string()), None)
        }
        AgendaStep::Heard => {
            let r =
                HeardRating::parse(b.rating.ok_or_else(|| FieldError::new("rating", "pick a number from 0 to 10"))?)?;
            let text =
                if b.body.trim().is_empty() { String::new() } else { RitualText::parse(&b.body)?.as_str().to_string() };
            (text, None, Some(r))
        }
        _ => (RitualText::parse(&b.body)?.as_str().to_string(), None, None),
    };
    Ok(state
        .store
        .save_ritual_answer(me, space, ritual, RitualInput { step, body: &body, proposal: proposal.as_deref(), rating })
        .await?)
}

/// Saves the caller's answer to one agenda step (saved as they go).
#[utoipa::path(put, path = "/api/v1/pairs/{pair_id}/rituals/{ritual_id}/answers", tag = "ritual", params(("pair_id" = String, Path), ("ritual_id" = String, Path)), request_body = AnswerBody,
    responses((status = 200, body = Ritual), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_answer(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path((pair_id, ritual_id)): Path<(String, String)>,
    ApiJson(b): ApiJson<AnswerBody>,
) -> ApiResult<Json<Ritual>> {
    Ok(Json(save_answer(&state, me.user.id, path_id(&pair_id)?, path_id(&ritual_id)?, &b).await?))
}

/// Finishes the ritual once each has appreciated and rated how heard they felt.
#[utoipa::path(post, path = "/api/v1/pairs/{pair_id}/rituals/{ritual_id}/finish", tag = "ritual", params(("pair_id" = String, Path), ("ritual_id" = String, Path)),
    responses((status = 200, body = Ritual), (status = 409, body = ErrorBody)))]
pub async fn finish_ritual(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path((pair_id, ritual_id)): Path<(String, String)>,
) -> ApiResult<Json<Ritual>> {
    Ok(Json(state.store.finish_ritual(me.user.id, path_id(&pair_id)?, path_id(&ritual_id)?, Timestamp::now()).await?))
}

// ----------------------------------------------------------- appreciations --

#[derive(Deserialize, ToSchema)]
pub struct AppreciationBody {
    pub text: String,
}

/// Adds one line of thanks (both see it).
#[utoipa::path(post, path = "/api/v1/pairs/{pair_id}/appreciations", tag = "appreciations", params(("pair_id" = String, Path)), request_body = AppreciationBody,
    responses((status = 201, body = Appreciation), (status = 422, body = ErrorBody)))]
pub async fn create_appreciation(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(pair_id): Path<String>,
    ApiJson(b): ApiJson<AppreciationBody>,
) -> ApiResult<Response> {
    let space = path_id(&pair_id)?;
    let a = add_appreciation(&state, &me.user, space, &b.text).await?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

pub async fn add_appreciation(
    state: &AppState,
    me: &troth_store::User,
    space: Id,
    text: &str,
) -> ApiResult<Appreciation> {
    let text = AppreciationText::parse(text)?;
    let a = state.store.add_appreciation(me.id, space, &text, None).await?;
    let sp = state.store.space_for(me.id, space).await?;
    tell_partner(
        state.store.as_ref(),
        &sp,
        me.id,
        "appreciation",
        &format!("{} appreciated you: {}", me.display_name, a.text),
        &format!("/spaces/{space}/appreciations"),
    )
    .await;
    Ok(a)
}

#[derive(Deserialize, IntoParams)]
pub struct AppreciationQuery {
    /// Only the caller's favourites.
    #[serde(default)]
    pub favourites: bool,
    /// Only those written to the caller.
    #[serde(default)]
    pub received: bool,
    pub limit: Option<i64>,
}

/// The appreciation log, newest first.
#[utoipa::path(get, path = "/api/v1/pairs/{pair_id}/appreciations", tag = "appreciations", params(("pair_id" = String, Path), AppreciationQuery), responses((status = 200, body = Vec<Appreciation>)))]
pub async fn list_appreciations(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(pair_id): Path<String>,
    Query(q): Query<AppreciationQuery>,
) -> ApiResult<Json<Vec<Appreciation>>> {
    let f = AppreciationFilter { favourites_only: q.favourites, received_only: q.received, limit: q.limit };
    Ok(Json(state.store.appreciations(me.user.id, path_id(&pair_id)?, f).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ToggleBody {
    pub on: bool,
}

/// Answers an appreciation written to you with a heart.
#[utoipa::path(post, path = "/api/v1/pairs/{pair_id}/appreciations/{appreciation_id}/heart", tag = "appreciations", params(("pair_id" = String, Path), ("appreciation_id" = String, Path)), request_body = ToggleBody,
    responses((status = 200, body = Appreciation), (status = 409, body = ErrorBody)))]
pub async fn heart_appreciation(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path((pair_id, aid)): Path<(String, String)>,
    ApiJson(b): ApiJson<ToggleBody>,
) -> ApiResult<Json<Appreciation>> {
    Ok(Json(state.store.heart_appreciation(me.user.id, path_id(&pair_id)?, path_id(&aid)?, b.on).await?))
}

/// Keeps an appreciation among your favourites (for hard days).
#[utoipa::path(post, path = "/api/v1/pairs/{pair_id}/appreciations/{appreciation_id}/favourite", tag = "appreciations", params(("pair_id" = String, Path), ("appreciation_id" = String, Path)), request_body = ToggleBody,
    responses((status = 200, body = Appreciation)))]
pub async fn favourite_appreciation(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path((pair_id, aid)): Path<(String, String)>,
    ApiJson(b): ApiJson<ToggleBody>,
) -> ApiResult<Json<Appreciation>> {
    Ok(Json(state.store.favourite_appreciation(me.user.id, path_id(&pair_id)?, path_id(&aid)?, b.on).await?))
}

/// Takes back an appreciation you wrote.
#[utoipa::path(delete, path = "/api/v1/pairs/{pair_id}/appreciations/{appreciation_id}", tag = "appreciations", params(("pair_id" = String, Path), ("appreciation_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn delete_appreciation(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path((pair_id, aid)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state.store.delete_appreciation(me.user.id, path_id(&pair_id)?, path_id(&aid)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

// -------------------------------------------------------------------- pulse --

#[derive(Deserialize, ToSchema)]
pub struct PulseBody {
    pub emotional: i64,
    pub instrumental: i64,
    pub informational: i64,
    #[serde(rename = "self")]
    pub self_trust: i64,
    pub situational: i64,
    pub physical: i64,
    #[serde(default)]
    pub note: String,
    /// Private unless true.
    #[serde(default)]
    pub shared: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PulseSaved {
    pub pulse: Pulse,
    /// Shown to the member alone when physical safety is rated low.
    pub safety_resources: Option<String>,
}

pub fn parse_ratings(values: [i64; 6]) -> Result<[u8; 6], FieldError> {
    let mut out = [0u8; 6];
    for (i, (t, v)) in TrustType::ALL.iter().zip(values).enumerate() {
        out[i] = Rating::parse(v)
            .map_err(|_| FieldError::new(t.as_str(), format!("{}: pick a number from 0 to 10", t.label())))?
            .get();
    }
    Ok(out)
}

pub fn safety_note(ratings: &[u8; 6]) -> Option<String> {
    let pairs: Vec<(TrustType, Rating)> = TrustType::ALL
        .iter()
        .zip(ratings)
        .filter_map(|(t, r)| Rating::parse(*r as i64).ok().map(|r| (*t, r)))
        .collect();
    needs_safety_resources(&pairs).then(|| {
        "You rated feeling physically safe low. Your safety comes first: see /safety for where to turn. Only you see this.".to_string()
    })
}

/// Records the caller's trust pulse (private unless `shared`).
#[utoipa::path(post, path = "/api/v1/pairs/{pair_id}/pulses", tag = "pulse", params(("pair_id" = String, Path)), request_body = PulseBody,
    responses((status = 201, body = PulseSaved), (status = 422, body = ErrorBody)))]
pub async fn create_pulse(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(pair_id): Path<String>,
    ApiJson(b): ApiJson<PulseBody>,
) -> ApiResult<Response> {
    let ratings =
        parse_ratings([b.emotional, b.instrumental, b.informational, b.self_trust, b.situational, b.physical])?;
    let note = PulseNote::parse(&b.note)?;
    let pulse = state.store.add_pulse(me.user.id, path_id(&pair_id)?, ratings, note.as_str(), b.shared, None).await?;
    let safety_resources = safety_note(&ratings);
    Ok((StatusCode::CREATED, Json(PulseSaved { pulse, safety_resources })).into_response())
}

/// The caller's own pulses of the last twelve weeks (never the partner's private ones).
#[utoipa::path(get, path = "/api/v1/pairs/{pair_id}/pulses", tag = "pulse", params(("pair_id" = String, Path)), responses((status = 200, body = Vec<Pulse>)))]
pub async fn list_pulses(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(pair_id): Path<String>,
) -> ApiResult<Json<Vec<Pulse>>> {
    let since = Timestamp::now() - jiff::SignedDuration::from_hours(24 * 7 * everyday::TREND_WEEKS as i64);
    Ok(Json(state.store.my_pulses(me.user.id, path_id(&pair_id)?, since).await?))
}

/// The partner's latest pulse, if they chose to share it.
#[utoipa::path(get, path = "/api/v1/pairs/{pair_id}/pulses/partner", tag = "pulse", params(("pair_id" = String, Path)), responses((status = 200, body = Option<Pulse>)))]
pub async fn partner_pulse(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(pair_id): Path<String>,
) -> ApiResult<Json<Option<Pulse>>> {
    Ok(Json(state.store.partner_shared_pulse(me.user.id, path_id(&pair_id)?).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ShareBody {
    pub shared: bool,
}

/// Shares (or unshares) one of the caller's pulses with the partner.
#[utoipa::path(post, path = "/api/v1/pairs/{pair_id}/pulses/{pulse_id}/share", tag = "pulse", params(("pair_id" = String, Path), ("pulse_id" = String, Path)), request_body = ShareBody,
    responses((status = 200, body = Pulse), (status = 404, body = ErrorBody)))]
pub async fn share_pulse(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path((pair_id, pulse_id)): Path<(String, String)>,
    ApiJson(b): ApiJson<ShareBody>,
) -> ApiResult<Json<Pulse>> {
    Ok(Json(state.store.share_pulse(me.user.id, path_id(&pair_id)?, path_id(&pulse_id)?, b.shared).await?))
}

/// Reads a single pulse (the owner's, or a shared one).
#[utoipa::path(get, path = "/api/v1/pairs/{pair_id}/pulses/{pulse_id}", tag = "pulse", params(("pair_id" = String, Path), ("pulse_id" = String, Path)),
    responses((status = 200, body = Pulse), (status = 404, body = ErrorBody)))]
pub async fn get_pulse(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path((pair_id, pulse_id)): Path<(String, String)>,
) -> ApiResult<Json<Pulse>> {
    Ok(Json(state.store.pulse(me.user.id, path_id(&pair_id)?, path_id(&pulse_id)?).await?))
}

// ----------------------------------------------------------------- insights --

/// Reliability of both, the positive-to-negative ratio, ritual consistency
/// and the caller's own pulse trends.
#[utoipa::path(get, path = "/api/v1/pairs/{pair_id}/insights", tag = "insights", params(("pair_id" = String, Path)), responses((status = 200, body = Insights)))]
pub async fn get_insights(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(pair_id): Path<String>,
) -> ApiResult<Json<Insights>> {
    let space = state.store.space_for(me.user.id, path_id(&pair_id)?).await?;
    Ok(Json(everyday::insights(state.store.as_ref(), me.user.id, &me.user.time_zone, &space, Timestamp::now()).await?))
}

// ---------------------------------------------- notifications and calendar --

/// The caller's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "account", responses((status = 200, body = Vec<Notification>)))]
pub async fn list_notifications(
    State(state): State<AppState>,
    Authed(me): Authed,
) -> ApiResult<Json<Vec<Notification>>> {
    Ok(Json(state.store.notifications(me.user.id, 100).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ReadBody {
    /// One notification; all when absent.
    pub id: Option<String>,
}

/// Marks one or all notifications read.
#[utoipa::path(post, path = "/api/v1/me/notifications/read", tag = "account", request_body = ReadBody, responses((status = 204)))]
pub async fn read_notifications(
    State(state): State<AppState>,
    Authed(me): Authed,
    ApiJson(b): ApiJson<ReadBody>,
) -> ApiResult<StatusCode> {
    state.store.mark_read(me.user.id, b.id.as_deref().map(path_id).transpose()?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reminder choices and the "think before you commit" threshold.
#[utoipa::path(get, path = "/api/v1/me/settings", tag = "account", responses((status = 200, body = MemberSettings)))]
pub async fn get_settings(State(state): State<AppState>, Authed(me): Authed) -> ApiResult<Json<MemberSettings>> {
    Ok(Json(state.store.settings(me.user.id).await?))
}

/// Saves reminder choices.
#[utoipa::path(put, path = "/api/v1/me/settings", tag = "account", request_body = MemberSettings, responses((status = 200, body = MemberSettings), (status = 422, body = ErrorBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    Authed(me): Authed,
    ApiJson(b): ApiJson<MemberSettings>,
) -> ApiResult<Json<MemberSettings>> {
    if !(1..=50).contains(&b.commitment_threshold) {
        return Err(FieldError::new("commitment_threshold", "pick a number from 1 to 50").into());
    }
    state.store.save_settings(me.user.id, &b).await?;
    Ok(Json(state.store.settings(me.user.id).await?))
}

#[derive(Serialize, ToSchema)]
pub struct CalendarLink {
    /// A secret address: anyone with it can read your calendar. Rotate it if it leaks.
    pub url: String,
}

/// The caller's secret calendar address (ICS).
#[utoipa::path(get, path = "/api/v1/me/calendar", tag = "account", responses((status = 200, body = CalendarLink)))]
pub async fn get_calendar_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    Authed(me): Authed,
) -> ApiResult<Json<CalendarLink>> {
    let secret = state.store.calendar_secret(me.user.id).await?;
    Ok(Json(CalendarLink { url: format!("{}/calendar/{secret}.ics", base_url(&state, &headers)) }))
}

/// Makes a new secret address; the old one stops working at once.
#[utoipa::path(post, path = "/api/v1/me/calendar/rotate", tag = "account", responses((status = 200, body = CalendarLink)))]
pub async fn rotate_calendar_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    Authed(me): Authed,
) -> ApiResult<Json<CalendarLink>> {
    let secret = state.store.rotate_calendar_secret(me.user.id).await?;
    Ok(Json(CalendarLink { url: format!("{}/calendar/{secret}.ics", base_url(&state, &headers)) }))
}

/// `GET /calendar/{secret}.ics`: the ritual slot (weekly) and promise due
/// times of every space the member is in, as an RFC 5545 calendar.
pub async fn calendar_feed(State(state): State<AppState>, Path(file): Path<String>) -> ApiResult<Response> {
    let secret = file.strip_suffix(".ics").unwrap_or(&file);
    let user = state.store.user_by_calendar_secret(secret).await?.ok_or_else(ApiError::not_found)?;
    let now = Timestamp::now();
    let mut events = Vec::new();
    for space in state.store.spaces_of(user.id).await? {
        if let Some(slot) = state.store.ritual_slot(user.id, space.id, now).await? {
            events.push(troth_domain::ics::CalEvent {
                uid: format!("ritual-{}@troth", space.id),
                summary: format!("Weekly ritual · {}", space.name),
                description: Some("Your weekly time of connection.".into()),
                start: slot.next_at,
                duration_minutes: 45,
                weekly_rrule: true,
                tz: Some(slot.time_zone.clone()),
            });
        }
        let filter = PromiseFilter { unsettled_only: true, limit: Some(500), ..Default::default() };
        for p in state.store.promises(user.id, space.id, filter, now).await? {
            if let Some(due) = p.due_at {
                let who = if p.mine {
                    "You promised".to_string()
                } else {
                    format!("{} promised", p.promiser_name.as_deref().unwrap_or("Your partner"))
                };
                events.push(troth_domain::ics::CalEvent {
                    uid: format!("promise-{}@troth", p.id),
                    summary: format!("{who}: {}", p.text),
                    description: None,
                    start: due,
                    duration_minutes: 15,
                    weekly_rrule: false,
                    tz: None,
                });
            }
        }
    }
    let body = troth_domain::ics::calendar("troth", &events, now);
    Ok((
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8"), (header::CACHE_CONTROL, "private, max-age=300")],
        body,
    )
        .into_response())
}
