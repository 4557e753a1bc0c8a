//! The space home: what is new from the other member, what waits for the
//! viewer, and what is coming up, read in one round trip.

use jiff::{SignedDuration, Timestamp};
use troth_domain::home::FirstStepFacts;
use troth_domain::promises::PromiseStatus;
use troth_domain::Id;
use troth_store::{DigestAsk, DigestEntry, DigestProgram, DigestPromise, FirstStepsDone, Space};

use crate::http::error::ApiResult;
use crate::state::AppState;

/// Entries the digest reads (newest first) and unsettled promises.
const ENTRIES: i64 = 30;
const PROMISES: i64 = 12;

pub struct Home {
    /// Written or changed by the other member in the last seven days.
    pub new_from_partner: Vec<DigestEntry>,
    /// Sealed entries where the other member has written and the viewer not yet.
    pub waiting: Vec<DigestEntry>,
    /// The other member says done: the viewer can confirm.
    pub to_confirm: Vec<DigestPromise>,
    /// Due in the next three days, or missed and not settled.
    pub due: Vec<DigestPromise>,
    /// Where the viewer stands on the first steps (the "start here" card).
    pub first_steps: FirstStepFacts,
    /// The pair's program: level, track, and tonight's prompt once chosen.
    pub program: DigestProgram,
}

pub async fn home(state: &AppState, me: Id, space: &Space, now: Timestamp) -> ApiResult<Home> {
    // One round trip for the whole page body: the home page is the most
    // visited page, so it reads a digest, not the full lists.
    let week_ago = now - SignedDuration::from_hours(24 * 7);
    let today = crate::features::program::service::day_number(now);
    let ask = DigestAsk { entries: ENTRIES, promises: PROMISES, since: week_ago, now, tonight_day: today };
    let digest = state.store.space_digest(me, space.id, ask).await?;
    let soon = now + SignedDuration::from_hours(72);
    let first_steps = first_step_facts(me, space, digest.first_steps);
    let program = digest.program.clone();
    Ok(Home {
        first_steps,
        program,
        new_from_partner: digest.entries.iter().filter(|e| !e.mine && e.updated_at > week_ago).cloned().collect(),
        waiting: digest.entries.iter().filter(|e| e.waiting_for_me).cloned().collect(),
        to_confirm: digest.promises.iter().filter(|p| !p.mine && p.status == PromiseStatus::Claimed).cloned().collect(),
        due: digest
            .promises
            .into_iter()
            // Coming up means ahead: what is past due waits under "To settle" on the promises page.
            .filter(|p| p.status != PromiseStatus::Missed && p.due_at.is_some_and(|d| d > now && d <= soon))
            .collect(),
    })
}

/// Where `me` stands on the five first steps in `space`: the partner and
/// the ritual time from the space, the rest from what they wrote.
pub async fn first_steps(state: &AppState, me: Id, space: &Space) -> ApiResult<FirstStepFacts> {
    let done = state.store.first_steps(me, space.id).await?;
    Ok(first_step_facts(me, space, done))
}

fn first_step_facts(me: Id, space: &Space, done: FirstStepsDone) -> FirstStepFacts {
    FirstStepFacts {
        partner_joined: space.partner_of(me).is_some(),
        ritual_time_set: space.ritual_slot.is_some(),
        thanked: done.thanked,
        promised: done.promised,
        pulsed: done.pulsed,
        dismissed: done.dismissed,
    }
}

/// Puts the "start here" card away for `me` in `space`.
pub async fn dismiss_first_steps(state: &AppState, me: Id, space: Id) -> ApiResult<()> {
    Ok(state.store.dismiss_first_steps(me, space, Timestamp::now()).await?)
}
