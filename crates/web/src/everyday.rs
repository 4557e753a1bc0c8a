//! What the pages and the API share for the everyday features: parsing of
//! due times in a member's time zone, notifications on events, and the
//! insights a member sees (computed from store counts and domain maths).

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use troth_domain::pulse::{trend, week_slots, weekly_averages, Direction, TrustType};
use troth_domain::ratio::{ratio, Moments, RatioReading};
use troth_domain::reliability::Reliability;
use troth_domain::ritual::week_key;
use troth_domain::{FieldError, Id};
use troth_store::{Ratings, Space, Store};
use utoipa::ToSchema;

use crate::error::ApiError;

/// Weeks shown in trend charts (this one and the eleven before).
pub const TREND_WEEKS: usize = 12;
/// Weeks the ratio of warm to hard moments looks back (about three months).
pub const RATIO_WEEKS: u32 = 13;

/// A due time from a form: `YYYY-MM-DDTHH:MM` in the member's zone, or
/// RFC 3339 with an offset (API clients).
pub fn parse_due(raw: &str, tz: &str) -> Result<Option<Timestamp>, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    if raw.len() > 40 {
        return Err(FieldError::new("due", "that date is too long to be a date"));
    }
    if let Ok(ts) = raw.parse::<Timestamp>() {
        return Ok(Some(ts));
    }
    let zone = jiff::tz::TimeZone::get(tz).map_err(|_| FieldError::new("time_zone", "unknown time zone"))?;
    let civil: jiff::civil::DateTime =
        raw.parse().map_err(|_| FieldError::new("due", "use a date and time like 2026-12-24T18:00"))?;
    let zoned =
        civil.to_zoned(zone).map_err(|_| FieldError::new("due", "that time does not exist in your time zone"))?;
    Ok(Some(zoned.timestamp()))
}

pub fn this_week(now: Timestamp, tz: &str) -> String {
    week_key(now, &jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC))
}

/// Tells the other member about something, if they want to hear of it.
pub async fn tell_partner(store: &dyn Store, space: &Space, me: Id, kind: &str, text: &str, link: &str) {
    let Some(partner) = space.partner_of(me) else { return };
    let wants = match store.settings(partner.user_id).await {
        Ok(s) => match kind {
            "confirmed" => s.notify_confirmed_app,
            "ritual" => s.notify_ritual_app,
            _ => s.notify_due_app,
        },
        Err(_) => false,
    };
    if wants {
        // A failed notification must not undo the action that caused it.
        if let Err(e) = store.notify(partner.user_id, Some(space.id), kind, text, link).await {
            tracing::warn!(error = %e, "could not store a notification");
        }
    }
}

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
pub struct PulseTrend {
    pub trust_type: String,
    pub label: String,
    pub latest: Option<u8>,
    pub direction: String,
    /// One value per week, oldest first (`null` for weeks without a pulse).
    pub weekly: Vec<Option<f64>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Insights {
    /// Each member's score over all their promises, recent ones weighing most.
    pub reliability: Vec<MemberReliability>,
    /// Warm moments in the last 13 weeks (this one included): appreciations,
    /// kept promises, finished rituals.
    pub positive: u32,
    /// Hard moments in the same weeks: missed promises, concerns raised.
    pub negative: u32,
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

/// Trend charts' data: per kind of trust, the latest rating, its direction
/// and weekly averages for the last [`TREND_WEEKS`] weeks in the member's
/// zone, with each week labelled by its Monday. Pure: the pulse page and
/// insights feed it the pulses they already read.
pub struct PulseTrends {
    pub pulse: Vec<PulseTrend>,
    pub week_labels: Vec<String>,
}

pub fn pulse_trends(pulses: &[(Timestamp, Ratings)], tz: &str, now: Timestamp) -> PulseTrends {
    let zone = jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC);
    let slots = week_slots(pulses.iter().map(|p| p.0), &zone, TREND_WEEKS, now);
    let pulse = TrustType::ALL
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let points: Vec<(Timestamp, u8)> = pulses.iter().map(|(at, r)| (*at, r[i])).collect();
            let tr = trend(&points);
            PulseTrend {
                trust_type: t.as_str().to_string(),
                label: t.label().to_string(),
                latest: tr.latest,
                direction: match tr.direction {
                    Direction::Up => "up",
                    Direction::Down => "down",
                    Direction::Flat => "flat",
                    Direction::NotEnough => "not_enough",
                }
                .to_string(),
                weekly: weekly_averages(&slots, pulses.iter().map(|p| p.1[i]), TREND_WEEKS),
            }
        })
        .collect();
    // Label each week by its Monday, as the weekly series groups them.
    let today = now.to_zoned(zone).date();
    let monday = today - jiff::Span::new().days(today.weekday().to_monday_zero_offset() as i64);
    let week_labels = (0..TREND_WEEKS as i64)
        .rev()
        .map(|k| (monday - jiff::Span::new().weeks(k)).strftime("%-d %b").to_string())
        .collect();
    PulseTrends { pulse, week_labels }
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
    let rel = space
        .members
        .iter()
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
        disappointments: counts.disappointments,
    });
    let twelve_weeks = now - SignedDuration::from_hours(24 * 7 * TREND_WEEKS as i64);
    let pulses = store.my_pulse_ratings(me, space.id, twelve_weeks).await?;
    let PulseTrends { pulse, week_labels } = pulse_trends(&pulses, tz, now);
    Ok(Insights {
        reliability: rel,
        positive: reading.positive,
        negative: reading.negative,
        ratio: reading.ratio,
        ratio_band: band_name(&reading),
        ratio_explanation: reading.explanation.clone(),
        rituals_finished_12w: ritual_counts.finished_rituals,
        week_labels,
        pulse,
    })
}
