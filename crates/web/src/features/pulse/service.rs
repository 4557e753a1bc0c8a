//! The trust pulse: ratings, the safety note, and trends over the weeks.

use jiff::Timestamp;
use serde::Serialize;
use troth_domain::pulse::{needs_safety_resources, trend, week_slots, weekly_averages, Direction, Rating, TrustType};
use troth_domain::FieldError;
use troth_store::Ratings;
use utoipa::ToSchema;

/// Weeks shown in trend charts (this one and the eleven before).
pub const TREND_WEEKS: usize = 12;

pub fn parse_ratings(values: [i64; 6]) -> Result<[u8; 6], FieldError> {
    let mut out = [0u8; 6];
    for (i, (t, v)) in TrustType::ALL.iter().zip(values).enumerate() {
        out[i] = Rating::parse(v)
            .map_err(|_| FieldError::new(t.as_str(), format!("{}: pick a number from 0 to 10", t.label())))?
            .get();
    }
    Ok(out)
}

/// Each kind of trust whose typed rating is not a whole number from 0 to
/// 10, so a form can say so under every one of them at once.
pub fn out_of_range(typed: [&str; 6]) -> Vec<TrustType> {
    TrustType::ALL
        .iter()
        .zip(typed)
        .filter(|(_, raw)| raw.trim().parse::<i64>().map_or(true, |v| Rating::parse(v).is_err()))
        .map(|(t, _)| *t)
        .collect()
}

pub fn safety_note(ratings: &[u8; 6]) -> Option<String> {
    let pairs: Vec<(TrustType, Rating)> = TrustType::ALL
        .iter()
        .zip(ratings)
        .filter_map(|(t, r)| Rating::parse(*r as i64).ok().map(|r| (*t, r)))
        .collect();
    needs_safety_resources(&pairs).then(|| {
        "You rated feeling physically safe low. Your safety comes first: see /safety for where to turn. Only you see this.".to_string()
    })
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
