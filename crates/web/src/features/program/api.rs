//! The program over JSON: the library (no space needed), and per pair the
//! program's state, guided sessions and their history.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use troth_domain::program::{Pace, PairTrack};
use troth_store::ProgramSession;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::{self, ExerciseView, LibraryFilter};
use super::SessionId;
use crate::auth::Authed;
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::{ApiPath, ApiQuery, SpaceCtx};
use crate::http::forms::ApiJson;
use crate::http::openapi::{choice, maybe_whole, text, texts};
use crate::state::AppState;
use troth_domain::program::{Reflection, MAX_ANSWER_CHARS};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_exercises))
        .routes(routes!(get_exercise))
        .routes(routes!(get_program))
        .routes(routes!(put_track))
        .routes(routes!(put_pace))
        .routes(routes!(start_session, list_sessions))
        .routes(routes!(get_session))
        .routes(routes!(put_step))
        .routes(routes!(finish_session))
        .routes(routes!(share_session))
        .routes(routes!(share_chosen))
}

/// The library, filtered (every filter optional), in browsing order.
#[utoipa::path(get, path = "/library/exercises", tag = "program", params(LibraryFilter),
    responses((status = 200, body = Vec<ExerciseView>), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_exercises(
    State(state): State<AppState>,
    Authed(_): Authed,
    ApiQuery(filter): ApiQuery<LibraryFilter>,
) -> ApiResult<Json<Vec<ExerciseView>>> {
    let found = service::find(&state.library, &filter)?;
    Ok(Json(found.into_iter().map(|e| ExerciseView::of(e, false)).collect()))
}

/// One exercise with its steps; an unknown id is `unknown_exercise` (404).
#[utoipa::path(get, path = "/library/exercises/{exercise_id}", tag = "program", params(("exercise_id" = String, Path)),
    responses((status = 200, body = ExerciseView), (status = 404, body = ErrorBody)))]
pub async fn get_exercise(
    State(state): State<AppState>,
    Authed(_): Authed,
    ApiPath(exercise_id): ApiPath<String>,
) -> ApiResult<Json<ExerciseView>> {
    Ok(Json(ExerciseView::of(service::exercise(&state.library, &exercise_id)?, true)))
}

/// A prompt from the bank.
#[derive(Serialize, ToSchema)]
pub struct PromptView {
    pub id: String,
    pub text: String,
}

/// The next exercise suggested to the caller, with a reason safe to show anyone.
#[derive(Serialize, ToSchema)]
pub struct NextView {
    pub exercise: ExerciseView,
    pub reason: String,
}

/// What is still needed before the next level opens.
#[derive(Serialize, ToSchema)]
pub struct Remaining {
    pub exercises: u32,
    pub days: u32,
}

/// The pair's program as the caller sees it. `pair_pace` is the slower of
/// the two; whose it is, is not said.
#[derive(Serialize, ToSchema)]
pub struct ProgramBody {
    pub track: PairTrack,
    pub my_pace: Pace,
    pub pair_pace: Pace,
    #[schema(value_type = u8)]
    pub open_level: troth_content::Level,
    pub remaining: Option<Remaining>,
    pub next: Option<NextView>,
    pub tonight: Option<PromptView>,
}

/// The pair's track, paces, open level, "next for you" and "for tonight".
#[utoipa::path(get, path = "/pairs/{pair_id}/program", tag = "program", params(("pair_id" = String, Path)),
    responses((status = 200, body = ProgramBody)))]
pub async fn get_program(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
) -> ApiResult<Json<ProgramBody>> {
    let view = service::program(&state, who.user.id, &space).await?;
    Ok(Json(ProgramBody {
        track: view.track,
        my_pace: view.my_pace,
        pair_pace: view.pair_pace,
        open_level: view.open_level,
        remaining: view.remaining.map(|r| Remaining { exercises: r.exercises_finished, days: r.practice_days }),
        next: view.next.map(|s| NextView { exercise: ExerciseView::of(s.exercise, false), reason: s.reason_text() }),
        tonight: view.tonight.map(|p| PromptView { id: p.id.as_str().to_owned(), text: p.text.clone() }),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct TrackBody {
    /// build or rebuild
    #[schema(schema_with = choice::<PairTrack>)]
    pub track: String,
}

/// Chooses the pair's track (either member, any time).
#[utoipa::path(put, path = "/pairs/{pair_id}/program/track", tag = "program", params(("pair_id" = String, Path)), request_body = TrackBody,
    responses((status = 204), (status = 422, body = ErrorBody)))]
pub async fn put_track(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    ApiJson(b): ApiJson<TrackBody>,
) -> ApiResult<StatusCode> {
    service::set_track(&state, who.user.id, space.id, &b.track).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct PaceBody {
    /// steady, gentle or paused
    #[schema(schema_with = choice::<Pace>)]
    pub pace: String,
}

/// Sets the caller's own pace; the pair goes at the slower of the two.
#[utoipa::path(put, path = "/pairs/{pair_id}/program/pace", tag = "program", params(("pair_id" = String, Path)), request_body = PaceBody,
    responses((status = 204), (status = 422, body = ErrorBody)))]
pub async fn put_pace(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    ApiJson(b): ApiJson<PaceBody>,
) -> ApiResult<StatusCode> {
    service::set_pace(&state, who.user.id, space.id, &b.pace).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct StartBody {
    pub exercise_id: String,
}

/// Starts a guided session (alone or together, as the exercise says).
#[utoipa::path(post, path = "/pairs/{pair_id}/program/sessions", tag = "program", params(("pair_id" = String, Path)), request_body = StartBody,
    responses((status = 201, body = ProgramSession), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn start_session(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    ApiJson(b): ApiJson<StartBody>,
) -> ApiResult<(StatusCode, Json<ProgramSession>)> {
    Ok((StatusCode::CREATED, Json(service::start(&state, who.user.id, &space, &b.exercise_id).await?)))
}

/// Every session the caller may read, newest first (without answers).
#[utoipa::path(get, path = "/pairs/{pair_id}/program/sessions", tag = "program", params(("pair_id" = String, Path)),
    responses((status = 200, body = Vec<ProgramSession>)))]
pub async fn list_sessions(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
) -> ApiResult<Json<Vec<ProgramSession>>> {
    Ok(Json(service::history(&state, who.user.id, space.id).await?))
}

/// One session with its answers and reflections.
#[utoipa::path(get, path = "/pairs/{pair_id}/program/sessions/{session_id}", tag = "program",
    params(("pair_id" = String, Path), ("session_id" = String, Path)),
    responses((status = 200, body = ProgramSession), (status = 404, body = ErrorBody)))]
pub async fn get_session(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    SessionId(session): SessionId,
) -> ApiResult<Json<ProgramSession>> {
    Ok(Json(service::session(&state, who.user.id, space.id, session).await?.0))
}

#[derive(Deserialize, ToSchema)]
pub struct StepBody {
    /// One answer per question of the step, in order (empty strings skip one).
    #[schema(schema_with = texts::<0, MAX_ANSWER_CHARS, { usize::MAX }>)]
    pub answers: Vec<String>,
}

/// Saves the caller's answers to one step (numbered from 1), all or nothing.
#[utoipa::path(put, path = "/pairs/{pair_id}/program/sessions/{session_id}/steps/{step}", tag = "program",
    params(("pair_id" = String, Path), ("session_id" = String, Path), ("step" = u32, Path)), request_body = StepBody,
    responses((status = 200, body = ProgramSession), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_step(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    SessionId(session): SessionId,
    ApiPath((_, _, step)): ApiPath<(String, String, String)>,
    ApiJson(b): ApiJson<StepBody>,
) -> ApiResult<Json<ProgramSession>> {
    let step = step.parse::<usize>().ok().and_then(|s| s.checked_sub(1)).unwrap_or(usize::MAX);
    Ok(Json(service::answer_step(&state, who.user.id, space.id, session, step, &b.answers).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct FinishBody {
    /// What did we learn?
    #[serde(default)]
    #[schema(schema_with = text::<1, MAX_ANSWER_CHARS>)]
    pub learned: String,
    /// How did it feel?
    #[serde(default)]
    #[schema(schema_with = text::<1, MAX_ANSWER_CHARS>)]
    pub felt: String,
    #[schema(schema_with = maybe_whole::<{ Reflection::RATING_MIN }, { Reflection::RATING_MAX }>)]
    pub rating: Option<i64>,
}

/// Finishes the session with the caller's reflection (the partner may add
/// theirs after); may open the next level.
#[utoipa::path(post, path = "/pairs/{pair_id}/program/sessions/{session_id}/finish", tag = "program",
    params(("pair_id" = String, Path), ("session_id" = String, Path)), request_body = FinishBody,
    responses((status = 200, body = ProgramSession), (status = 422, body = ErrorBody)))]
pub async fn finish_session(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    SessionId(session): SessionId,
    ApiJson(b): ApiJson<FinishBody>,
) -> ApiResult<Json<ProgramSession>> {
    Ok(Json(service::finish(&state, who.user.id, space.id, session, &b.learned, &b.felt, b.rating).await?))
}

/// Shows one of the caller's own alone-mode sessions to the partner.
#[utoipa::path(post, path = "/pairs/{pair_id}/program/sessions/{session_id}/share", tag = "program",
    params(("pair_id" = String, Path), ("session_id" = String, Path)),
    responses((status = 200, body = ProgramSession), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn share_session(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    SessionId(session): SessionId,
) -> ApiResult<Json<ProgramSession>> {
    Ok(Json(service::share(&state, who.user.id, &space, session).await?))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = ProgramShareBody)]
pub struct ShareBody {
    /// The caller's own alone-mode sessions to show the partner (1 to 200).
    #[schema(min_items = 1, max_items = 200)]
    pub sessions: Vec<troth_domain::Id>,
}

/// Shows several of the caller's own alone-mode sessions to the partner at
/// once, all or none (for a partner who has joined or come back).
#[utoipa::path(post, path = "/pairs/{pair_id}/program/share", tag = "program",
    params(("pair_id" = String, Path)), request_body = ShareBody,
    responses((status = 200, body = Vec<ProgramSession>), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn share_chosen(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    ApiJson(b): ApiJson<ShareBody>,
) -> ApiResult<Json<Vec<ProgramSession>>> {
    Ok(Json(service::share_chosen(&state, who.user.id, &space, &b.sessions).await?))
}
