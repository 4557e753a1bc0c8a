//! Spaces: make one, invite the other person, join, leave.

use jiff::Timestamp;
use serde::Serialize;
use troth_domain::fields::present;
use troth_domain::{Id, SpaceKind, SpaceName};
use troth_store::secret::{hash_secret, new_secret};
use troth_store::Space;
use utoipa::ToSchema;

use crate::http::error::ApiResult;
use crate::http::urls::base_url;
use crate::state::AppState;

/// A new space's name and kind as typed: a blank name becomes "Our space",
/// no kind means partners. Checked on its own so that a form making an
/// account and a space together can refuse before it writes anything.
pub fn space_fields(name: Option<&str>, kind: Option<&str>) -> ApiResult<(SpaceName, SpaceKind)> {
    let name = match present("name", name, SpaceName::MAX)? {
        None => SpaceName::parse("Our space")?,
        Some(n) => SpaceName::parse(n)?,
    };
    let kind: SpaceKind = kind.filter(|k| !k.is_empty()).unwrap_or("partners").parse()?;
    Ok((name, kind))
}

/// Shared by the API and the pages.
pub async fn create_space(state: &AppState, user: Id, name: Option<&str>, kind: Option<&str>) -> ApiResult<Space> {
    let (name, kind) = space_fields(name, kind)?;
    Ok(state.store.create_space(user, &name, kind).await?)
}

/// Where a signed-in person starts when nothing else was asked for: their
/// space when they have exactly one (the list would be an extra hop),
/// otherwise the list.
pub async fn landing(state: &AppState, user: Id) -> ApiResult<String> {
    let spaces = state.store.spaces_of(user).await?;
    Ok(match spaces.as_slice() {
        [only] => format!("/spaces/{}", only.id),
        _ => "/spaces".to_string(),
    })
}

#[derive(Serialize, ToSchema)]
pub struct NewInvite {
    pub id: Id,
    /// The one-time code; only its hash is stored, so it is shown once.
    pub code: String,
    pub url: String,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
}

pub async fn make_invite(state: &AppState, user: Id, space: Id) -> ApiResult<NewInvite> {
    let code = new_secret();
    let now = Timestamp::now();
    let expires = now + state.config.invite_ttl;
    let invite = state.store.create_invite(user, space, &hash_secret(&code), now, expires).await?;
    let url = format!("{}/join/{code}", base_url(state));
    Ok(NewInvite { id: invite.id, code, url, expires_at: invite.expires_at })
}
