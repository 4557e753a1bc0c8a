//! Insights: what a member sees of the space over time, computed from store
//! counts and domain maths (reliability, the ratio of warm to hard moments,
//! ritual consistency, their own pulse trends).

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use troth_domain::insights::{ratio, Moments, RatioReading};
use troth_domain::promises::reliability::Reliability;
use troth_domain::Id;
use troth_store::{ScoreSharing, Space, Store};
use utoipa::ToSchema;

use crate::features::pulse::service::{pulse_trends, PulseTrend, PulseTrends, TREND_WEEKS};
use crate::http::error::ApiError;

/// Weeks the ratio of warm to hard moments looks back (about three months).
pub const RATIO_WEEKS: u32 = 13;

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberReliability {
    pub user_id: Id,
    pub name: String,
    pub score: u8,
    pub summary: String,
    pub events_counted: usize,
    /// Points each kind of outcome adds or takes away from the neutral 70.
    pub effects: Vec<Effect>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Effect {
    pub kind: String,
    pub count: usize,
    pub points: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Insights {
    /// Scores over all one's promises, recent ones weighing most: the
    /// caller's own first, then the partner's only while both chose to
    /// show each other's scores (`scores_shared`).
    pub reliability: Vec<MemberReliability>,
    /// The caller's own answer to "show each other's scores".
    pub shows_scores: bool,
    /// Both said yes: the partner's score is in `reliability`.
    pub scores_shared: bool,
    /// Warm moments in the last 13 weeks (this one included): appreciations,
    /// kept promises, finished rituals.
    pub positive: u32,
    /// Missed promises in the same weeks.
    pub negative: u32,
    /// Concerns raised in rituals in the same weeks: brave acts, counted
    /// apart and never as hard moments.
    pub concerns_raised: u32,
    pub ratio: Option<f64>,
    pub ratio_band: String,
    pub ratio_explanation: String,
    /// Finished rituals in the last 12 weeks.
    pub rituals_finished_12w: u32,
    pub week_labels: Vec<String>,
    /// The viewer's own pulse trends (never the partner's private ones).
    pub pulse: Vec<PulseTrend>,
}

fn band_name(r: &RatioReading) -> String {
    format!("{:?}", r.band).to_lowercase()
}

fn reliability_view(user: Id, name: &str, r: &Reliability) -> MemberReliability {
    MemberReliability {
        user_id: user,
        name: name.to_string(),
        score: r.score,
        summary: r.summary.clone(),
        events_counted: r.events_counted,
        effects: r
            .contributions
            .iter()
            .map(|c| Effect { kind: c.kind.as_str().to_string(), count: c.count, points: c.effect_points })
            .collect(),
    }
}

pub async fn insights(
    store: &dyn Store,
    me: Id,
    tz: &str,
    space: &Space,
    now: Timestamp,
) -> Result<Insights, ApiError> {
    // Reliability reads each member's stored tally: a few numbers however
    // long the history (see `troth_store::tallies`).
    let tallies = store.reliability_tallies(me, space.id, now).await?;
    let sharing = store.score_sharing(me, space.id).await?;
    // One's own score first; the partner's only when both agreed to it.
    let mut members: Vec<_> = space.members.iter().filter(|m| m.user_id == me || sharing.both()).collect();
    members.sort_by_key(|m| m.user_id != me);
    let rel = members
        .into_iter()
        .map(|m| {
            let tally = tallies.iter().find(|(u, _)| *u == m.user_id).map(|(_, t)| *t).unwrap_or_default();
            reliability_view(m.user_id, &m.display_name, &tally.reliability(now))
        })
        .collect();
    let (counts, ritual_counts) = store.moment_counts(me, space.id, RATIO_WEEKS, TREND_WEEKS as u32, now).await?;
    let reading = ratio(&Moments {
        appreciations: counts.appreciations,
        kept_promises: counts.kept_promises,
        finished_rituals: counts.finished_rituals,
        finished_exercises: 0,
        missed_promises: counts.missed_promises,
        concerns_raised: counts.disappointments,
    });
    let twelve_weeks = now - SignedDuration::from_hours(24 * 7 * TREND_WEEKS as i64);
    let pulses = store.my_pulse_ratings(me, space.id, twelve_weeks).await?;
    let PulseTrends { pulse, week_labels } = pulse_trends(&pulses, tz, now);
    Ok(Insights {
        reliability: rel,
        shows_scores: sharing.mine,
        scores_shared: sharing.both(),
        positive: reading.positive,
        negative: reading.negative,
        concerns_raised: reading.brave,
        ratio: reading.ratio,
        ratio_band: band_name(&reading),
        ratio_explanation: reading.explanation.clone(),
        rituals_finished_12w: ritual_counts.finished_rituals,
        week_labels,
        pulse,
    })
}

/// The caller's own answer to "show each other's scores"; it holds from
/// the next page or call, for both members.
pub async fn set_score_sharing(store: &dyn Store, me: Id, space: &Space, on: bool) -> Result<ScoreSharing, ApiError> {
    Ok(store.set_score_sharing(me, space.id, on).await?)
}
