//! The reflection use cases: validate all four answers before anything is
//! stored, store under the person alone, and tell nobody (no notification:
//! its time alone would tell the partner when one was written).

use troth_domain::reflection::{NewReflection, Quality};
use troth_domain::Id;
use troth_store::Reflection;

use crate::http::error::ApiResult;
use crate::state::AppState;

/// One quality's raw input: a rating (missing is refused) and a note.
pub type RawAnswer = (Option<i64>, Option<String>);

pub async fn list(state: &AppState, me: Id) -> ApiResult<Vec<Reflection>> {
    Ok(state.store.reflections(me).await?)
}

pub async fn get(state: &AppState, me: Id, reflection: Id) -> ApiResult<Reflection> {
    Ok(state.store.reflection(me, reflection).await?)
}

pub async fn add(state: &AppState, me: Id, raw: impl Fn(Quality) -> RawAnswer) -> ApiResult<Reflection> {
    let new = NewReflection::parse(raw)?;
    Ok(state.store.add_reflection(me, &new).await?)
}

pub async fn delete(state: &AppState, me: Id, reflection: Id) -> ApiResult<()> {
    Ok(state.store.delete_reflection(me, reflection).await?)
}
