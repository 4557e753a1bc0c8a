//! The exchange use cases, shared by the API and the pages: raw input in,
//! validated by the domain types, stored (where the rules are applied inside
//! one locked transaction), and the partner told.
//!
//! Notifications never carry entry text, nor the prompt: only that a part
//! is waiting, or that both are open. Edits never notify (a notification's
//! time would tell the partner when a hidden part changed).

use troth_domain::exchanges::{ContentRef, ExchangePrompt, Listening, PartText, WriteOutcome};
use troth_domain::notifications::NotificationKind;
use troth_domain::Id;
use troth_store::{Exchange, NewExchange, PartWritten, Space};

use crate::features::notifications::service::notify_member;
use crate::http::error::ApiResult;
use crate::state::AppState;

/// The kinds of notification an exchange sends (each with its own choice
/// in the member's settings).
pub const KIND_WAITING: NotificationKind = NotificationKind::ExchangeWaiting;
pub const KIND_REVEALED: NotificationKind = NotificationKind::ExchangeRevealed;

/// How many exchanges a list shows.
pub const LIST_LIMIT: i64 = 200;

pub struct CreateInput<'a> {
    pub prompt: &'a str,
    pub prompt_id: Option<&'a str>,
    pub exercise_id: Option<&'a str>,
    /// The creator's part, if they write it now.
    pub part: Option<&'a str>,
}

pub fn link(space: Id, exchange: Id) -> String {
    format!("/spaces/{space}/exchanges/{exchange}")
}

pub async fn list(state: &AppState, me: Id, space: Id) -> ApiResult<Vec<Exchange>> {
    Ok(state.store.exchanges(me, space, LIST_LIMIT).await?)
}

pub async fn get(state: &AppState, me: Id, space: Id, exchange: Id) -> ApiResult<Exchange> {
    Ok(state.store.exchange(me, space, exchange).await?)
}

pub async fn create(state: &AppState, me: Id, space: &Space, input: CreateInput<'_>) -> ApiResult<Exchange> {
    let new = NewExchange {
        prompt: ExchangePrompt::parse(input.prompt)?,
        prompt_id: ContentRef::parse_optional("prompt_id", input.prompt_id)?,
        exercise_id: ContentRef::parse_optional("exercise_id", input.exercise_id)?,
        part: input.part.map(PartText::parse).transpose()?,
    };
    let exchange = state.store.create_exchange(me, space.id, new).await?;
    if exchange.my_part.is_some() {
        tell_part_waiting(state, me, space, exchange.id).await;
    }
    Ok(exchange)
}

/// The caller's first part. The write that completes the pair reveals both
/// (exactly one write per exchange does) and tells both members.
pub async fn write_part(state: &AppState, me: Id, space: &Space, exchange: Id, text: &str) -> ApiResult<PartWritten> {
    let text = PartText::parse(text)?;
    let written = state.store.write_exchange_part(me, space.id, exchange, &text).await?;
    match written.outcome {
        WriteOutcome::Waits => tell_part_waiting(state, me, space, exchange).await,
        WriteOutcome::Reveals => tell_revealed(state, space, exchange).await,
    }
    Ok(written)
}

pub async fn edit_part(state: &AppState, me: Id, space: Id, exchange: Id, text: &str) -> ApiResult<Exchange> {
    let text = PartText::parse(text)?;
    Ok(state.store.edit_exchange_part(me, space, exchange, &text).await?)
}

pub async fn withdraw(state: &AppState, me: Id, space: Id, exchange: Id) -> ApiResult<Exchange> {
    Ok(state.store.withdraw_exchange(me, space, exchange).await?)
}

pub async fn respond(
    state: &AppState,
    me: Id,
    space: Id,
    exchange: Id,
    heard: Option<&str>,
    understood: Option<&str>,
) -> ApiResult<Exchange> {
    let listening = Listening::parse(heard, understood)?;
    Ok(state.store.respond_to_exchange(me, space, exchange, &listening).await?)
}

pub async fn remember(state: &AppState, me: Id, space: Id, exchange: Id, on: bool) -> ApiResult<Exchange> {
    Ok(state.store.remember_exchange(me, space, exchange, on).await?)
}

async fn notify(state: &AppState, to: Id, space: Id, kind: NotificationKind, text: &str, link: &str) {
    // As the member chose for this kind; a failure is logged, never passed
    // on, so it cannot undo the write that caused it.
    notify_member(state, to, Some(space), kind, text, link).await;
}

async fn tell_part_waiting(state: &AppState, me: Id, space: &Space, exchange: Id) {
    let Some(partner) = space.partner_of(me) else { return };
    let text = format!(
        "Your {} has written their part of a sealed exchange. It stays closed until yours is in too.",
        space.kind.other_member_word()
    );
    notify(state, partner.user_id, space.id, KIND_WAITING, &text, &link(space.id, exchange)).await;
}

/// Both members hear of the reveal once: it may have happened while either
/// of them was looking at a "waiting" page (both can submit in one instant).
async fn tell_revealed(state: &AppState, space: &Space, exchange: Id) {
    for member in &space.members {
        notify(
            state,
            member.user_id,
            space.id,
            KIND_REVEALED,
            "Both parts of a sealed exchange are in: they are open to you both now.",
            &link(space.id, exchange),
        )
        .await;
    }
}
