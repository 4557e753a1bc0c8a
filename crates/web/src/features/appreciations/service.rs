//! Appreciations: add one and tell the partner.

use troth_domain::{AppreciationText, Id};
use troth_store::{Appreciation, User};

use crate::features::notifications::service::tell_partner;
use crate::http::error::ApiResult;
use crate::state::AppState;
use troth_domain::notifications::NotificationKind;

pub async fn add_appreciation(state: &AppState, me: &User, space: Id, text: &str) -> ApiResult<Appreciation> {
    let text = AppreciationText::parse(text)?;
    let a = state.store.add_appreciation(me.id, space, &text, None).await?;
    let sp = state.store.space_for(me.id, space).await?;
    tell_partner(
        state,
        &sp,
        me.id,
        NotificationKind::Appreciation,
        &format!("{} appreciated you: {}", me.display_name, a.text),
        &format!("/spaces/{space}/appreciations"),
    )
    .await;
    Ok(a)
}
