//! The timeline's use cases: validate (a date between 1900 and the
//! member's own today), store, tell the partner.

use jiff::civil::Date;
use troth_domain::notifications::NotificationKind;
use troth_domain::timeline::MomentDraft;
use troth_domain::Id;
use troth_store::{Space, TimelineMoment, User};

use crate::features::notifications::service::tell_partner;
use crate::http::error::ApiResult;
use crate::http::openapi::{choice, day, text};
use crate::state::AppState;
use troth_domain::timeline::MomentKind;

/// A moment as typed.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct MomentInput {
    /// The day it happened, YYYY-MM-DD (from 1900 to today).
    #[schema(schema_with = day)]
    pub date: String,
    /// `built` or `challenged`.
    #[schema(schema_with = choice::<MomentKind>)]
    pub kind: String,
    #[schema(schema_with = text::<1, { MomentDraft::TITLE_MAX }>)]
    pub title: String,
    #[serde(default)]
    #[schema(schema_with = text::<0, { MomentDraft::LEARNED_MAX }>)]
    pub learned: String,
}

/// The member's own date: a moment marked late in the evening in Auckland
/// is not "in the future" because the server runs on UTC.
pub fn today_for(user: &User) -> Date {
    let zone = jiff::tz::TimeZone::get(user.time_zone.as_str()).unwrap_or(jiff::tz::TimeZone::UTC);
    jiff::Timestamp::now().to_zoned(zone).date()
}

fn draft(me: &User, input: &MomentInput) -> ApiResult<MomentDraft> {
    Ok(MomentDraft::parse(&input.date, &input.kind, &input.title, &input.learned, today_for(me))?)
}

pub async fn add_moment(state: &AppState, me: &User, space: &Space, input: &MomentInput) -> ApiResult<TimelineMoment> {
    let draft = draft(me, input)?;
    let m = state.store.add_moment(me.id, space.id, &draft).await?;
    tell_partner(
        state,
        space,
        me.id,
        NotificationKind::Journal,
        // A fixed nudge: the moment's title stays on the timeline.
        &format!("{} marked a moment on your timeline", me.display_name),
        &format!("/spaces/{}/timeline", space.id),
    )
    .await;
    Ok(m)
}

/// Rewords a moment (either member), from the revision the member saw: the
/// version it replaces is kept, and an edit made while the partner saved
/// theirs is refused (409 `edited_meanwhile`). The partner hears of a real
/// change with a fixed nudge.
pub async fn edit_moment(
    state: &AppState,
    me: &User,
    space: &Space,
    moment: Id,
    input: &MomentInput,
    expected_revision: Option<i64>,
) -> ApiResult<TimelineMoment> {
    let draft = draft(me, input)?;
    let (m, changed) = state.store.edit_moment(me.id, space.id, moment, &draft, expected_revision).await?;
    if changed {
        tell_partner(
            state,
            space,
            me.id,
            NotificationKind::Journal,
            // A fixed nudge, like the one for a new moment: no title.
            &format!("{} reworded a moment on your timeline", me.display_name),
            &format!("/spaces/{}/timeline/{}", space.id, m.id),
        )
        .await;
    }
    Ok(m)
}

pub async fn delete_moment(state: &AppState, me: &User, space: &Space, moment: Id) -> ApiResult<()> {
    Ok(state.store.delete_moment(me.id, space.id, moment).await?)
}
