//! Insights over JSON.

use axum::extract::State;
use axum::Json;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::{insights, set_score_sharing, Insights};
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::SpaceCtx;
use crate::http::forms::ApiJson;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_insights)).routes(routes!(put_score_sharing))
}

/// The caller's own reliability (and the partner's, only while both chose
/// to show each other's scores), the ratio of warm moments to missed
/// promises, concerns raised, ritual consistency and the caller's own
/// pulse trends.
#[utoipa::path(get, path = "/pairs/{pair_id}/insights", tag = "insights", params(("pair_id" = String, Path)), responses((status = 200, body = Insights)))]
pub async fn get_insights(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
) -> ApiResult<Json<Insights>> {
    Ok(Json(insights(state.store.as_ref(), me.user.id, &me.user.time_zone, &space, Timestamp::now()).await?))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct ScoreSharingBody {
    /// The caller's own answer to "show each other's scores".
    pub show_each_others_scores: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ScoreSharingState {
    /// The caller's own answer.
    pub show_each_others_scores: bool,
    /// Both said yes: each sees the other's reliability in insights.
    pub scores_shared: bool,
}

/// Sets the caller's answer to "show each other's scores". The partner's
/// score shows only while both said yes; a "no" from either hides both at once.
#[utoipa::path(put, path = "/pairs/{pair_id}/insights/sharing", tag = "insights", params(("pair_id" = String, Path)),
    request_body = ScoreSharingBody, responses((status = 200, body = ScoreSharingState), (status = 400, body = ErrorBody)))]
pub async fn put_score_sharing(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    ApiJson(body): ApiJson<ScoreSharingBody>,
) -> ApiResult<Json<ScoreSharingState>> {
    let now = set_score_sharing(state.store.as_ref(), me.user.id, &space, body.show_each_others_scores).await?;
    Ok(Json(ScoreSharingState { show_each_others_scores: now.mine, scores_shared: now.both() }))
}
