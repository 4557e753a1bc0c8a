//! Notifications: telling the partner in the app, and by email for those
//! who asked. Every notification has a [`NotificationKind`], and every
//! member one choice per kind and channel. The reminders tick lives in
//! [`super::reminders`].

use serde::{Deserialize, Serialize};
use troth_domain::notifications::{Channel, NotificationKind, Preferences};
use troth_domain::Id;
use troth_store::Space;
use utoipa::ToSchema;

use crate::http::error::ApiResult;
use crate::state::AppState;

/// Tells the other member about something, in the app and by email, as
/// far as they want to hear of this kind.
pub async fn tell_partner(state: &AppState, space: &Space, me: Id, kind: NotificationKind, text: &str, link: &str) {
    let Some(partner) = space.partner_of(me) else { return };
    notify_member(state, partner.user_id, Some(space.id), kind, text, link).await;
}

/// Notifies one member in the app and by email, each if they want this
/// kind there. A failure is logged, never passed on: a notification that
/// could not be stored must not undo the action that caused it.
pub async fn notify_member(
    state: &AppState,
    user: Id,
    space: Option<Id>,
    kind: NotificationKind,
    text: &str,
    link: &str,
) {
    let prefs = match state.store.preferences(user).await {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "could not read notification choices");
            return;
        }
    };
    if prefs.wants(kind, Channel::App) {
        if let Err(e) = state.store.notify(user, space, kind, text, link).await {
            tracing::warn!(error = %e, "could not store a notification");
        }
    }
    if prefs.wants(kind, Channel::Email) && state.config.smtp.is_some() {
        // In the background: the action is done whatever the relay does,
        // and a slow or silent relay must not hold the request open.
        let (store, config, link) = (state.store.clone(), state.config.clone(), link.to_string());
        tokio::spawn(async move { super::reminders::email(store.as_ref(), &config, user, kind, &link).await });
    }
}

/// One kind of notification and whether the member hears of it in the
/// app and by email.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct KindChoice {
    pub kind: NotificationKind,
    pub app: bool,
    pub email: bool,
}

/// Every kind with the member's choices, in a stable order.
pub async fn choices(state: &AppState, user: Id) -> ApiResult<Vec<KindChoice>> {
    let prefs = state.store.preferences(user).await?;
    Ok(to_choices(&prefs))
}

pub fn to_choices(prefs: &Preferences) -> Vec<KindChoice> {
    NotificationKind::ALL
        .into_iter()
        .map(|kind| KindChoice { kind, app: prefs.wants(kind, Channel::App), email: prefs.wants(kind, Channel::Email) })
        .collect()
}

/// Saves the given choices; kinds not listed keep what they were.
pub async fn save_choices(state: &AppState, user: Id, given: &[KindChoice]) -> ApiResult<Vec<KindChoice>> {
    let mut prefs = state.store.preferences(user).await?;
    for c in given {
        prefs.set(c.kind, Channel::App, c.app);
        prefs.set(c.kind, Channel::Email, c.email);
    }
    state.store.set_preferences(user, &prefs).await?;
    Ok(to_choices(&prefs))
}
