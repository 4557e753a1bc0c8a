//! The calendar feed: a secret address per member, and the ICS body.

use jiff::Timestamp;
use troth_domain::Id;
use troth_store::PromiseFilter;

use crate::http::error::{ApiError, ApiResult};
use crate::http::urls::base_url;
use crate::state::AppState;

/// The member's secret calendar address.
pub async fn feed_url(state: &AppState, user: Id) -> ApiResult<String> {
    let secret = state.store.calendar_secret(user).await?;
    Ok(format!("{}/calendar/{secret}.ics", base_url(state)))
}

/// A new secret address; the old one stops working at once.
pub async fn rotate(state: &AppState, user: Id) -> ApiResult<String> {
    let secret = state.store.rotate_calendar_secret(user).await?;
    Ok(format!("{}/calendar/{secret}.ics", base_url(state)))
}

/// The ritual slot (weekly) and promise due times of every space the
/// member with this secret is in, as an RFC 5545 calendar.
pub async fn feed(state: &AppState, secret: &str) -> ApiResult<String> {
    let user = state.store.user_by_calendar_secret(secret).await?.ok_or_else(ApiError::not_found)?;
    let now = Timestamp::now();
    let mut events = Vec::new();
    for space in state.store.spaces_of(user.id).await? {
        if let Some(slot) = state.store.ritual_slot(user.id, space.id, now).await? {
            events.push(troth_domain::calendar::CalEvent {
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
                events.push(troth_domain::calendar::CalEvent {
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
    Ok(troth_domain::calendar::calendar("troth", &events, now))
}
