//! The trust pulse: six gentle questions, private unless shared, with
//! trends over time. Low physical safety shows resources to this member
//! alone: never to the partner, never as a notification.

use crate::http::page::Pages;
use axum::extract::State;
use axum::routing::{get, post};
use jiff::{SignedDuration, Timestamp};
use maud::{html, Markup};
use serde::Deserialize;
use troth_domain::pulse::{PulseNote, TrustType};
use troth_store::{Pulse, Space};

use super::service::{out_of_range, parse_ratings, pulse_trends, safety_note, PulseTrends, TREND_WEEKS};
use super::PulseId;
use crate::auth::Identity;
use crate::http::error::ApiError;
use crate::http::extract::SpaceCtx;
use crate::http::flash::{see_other_with, Flash};
use crate::http::forms::CsrfForm;
use crate::http::page::{render_status, PageResult};
use crate::http::urls::see_other;
use crate::state::AppState;
use crate::ui::charts::{data_table, small_multiples, Series};
use crate::ui::forms::Problems;
use crate::ui::layout::{csrf_field, page, when, Frame};

pub fn routes() -> Pages {
    Pages::new()
        .route("/spaces/{space_id}/pulse", get(show).post(save))
        .route("/spaces/{space_id}/pulse/{pulse_id}/share", post(share))
}

const CLASSES: [&str; 6] = ["series-1", "series-2", "series-3", "series-4", "series-5", "series-6"];

fn pulse_page(
    who: &Identity,
    space: &Space,
    mine: &[Pulse],
    partner: Option<&Pulse>,
    trends: &PulseTrends,
    safety: Option<&str>,
    refused: Option<(&PulseForm, &Problems)>,
) -> Markup {
    let none = Problems::default();
    let (typed, problems) = match refused {
        Some((form, problems)) => (Some(form), problems),
        None => (None, &none),
    };
    let sid = space.id.to_string();
    let tz = &who.user.time_zone;
    let series: Vec<Series> = trends
        .pulse
        .iter()
        .zip(CLASSES)
        .map(|(t, c)| Series { name: t.label.clone(), points: t.weekly.clone(), class: c })
        .collect();
    let rows: Vec<(String, Vec<Option<f64>>)> =
        trends.pulse.iter().map(|t| (t.label.clone(), t.weekly.clone())).collect();
    let latest = mine.last();
    page(
        Frame::new("Trust pulse", Some(who)).in_space(&sid, &space.name),
        html! {
            h1 { "Your trust pulse" }
            p class="lead" { "How is each kind of trust doing for you right now? Only you see this, unless you choose to share one." }
            @if let Some(s) = safety {
                section class="card safety" role="alert" {
                    h2 { "Your safety comes first" }
                    p { (s) }
                    p { a class="button" href="/safety" { "Where to turn" } }
                }
            }
            (problems.summary())
            section class="card" {
                h2 { "Take a pulse" }
                form method="post" action={"/spaces/" (space.id) "/pulse"} class="stack" {
                    (csrf_field(who))
                    @for (i, t) in TrustType::ALL.iter().enumerate() {
                        @let checked = match typed {
                            // What they picked stays picked; a value off the scale
                            // picks nothing and is named in the sentence below.
                            Some(f) => f.rating(i).trim().parse::<u8>().ok().filter(|v| *v <= 10),
                            None => Some(latest.map_or(5, |p| p.ratings[i])),
                        };
                        (rating_scale(*t, checked, problems))
                    }
                    label for="note" { "A note for yourself (optional)" }
                    textarea id="note" name="note" rows="2" maxlength="500"
                        aria-invalid=[problems.invalid("note")] aria-describedby=[problems.described_by("note", "note", None)] {
                        (typed.map_or("", |f| f.note.as_str()))
                    }
                    (problems.under("note", "note"))
                    label class="choice" {
                        input type="checkbox" name="shared" value="yes" checked[typed.is_some_and(|f| f.shared.as_deref() == Some("yes"))];
                        " Share this pulse with your " (space.kind.other_member_word())
                    }
                    button type="submit" class="primary" { "Save" }
                }
            }
            section class="card" {
                h2 { "The last " (TREND_WEEKS) " weeks" }
                @if mine.is_empty() { p class="muted" { "Your first pulse starts the chart." } }
                @else {
                    (small_multiples(": your weekly average", &series, &trends.week_labels, 10.0))
                    details { summary { "The same as a table" } (data_table("Weekly average per kind of trust", &trends.week_labels, &rows)) }
                }
            }
            @if let Some(p) = latest {
                section class="card" {
                    h2 { "Your latest (" (when(p.created_at, tz)) ")" }
                    p { @if p.shared { "Shared with your " (space.kind.other_member_word()) "." } @else { "Private." } }
                    form method="post" action={"/spaces/" (space.id) "/pulse/" (p.id) "/share"} {
                        (csrf_field(who))
                        input type="hidden" name="shared" value=(if p.shared { "false" } else { "true" });
                        button type="submit" { @if p.shared { "Make it private again" } @else { "Share it" } }
                    }
                }
            }
            @if let Some(p) = partner {
                section class="card" {
                    h2 { "What your " (space.kind.other_member_word()) " shared (" (when(p.created_at, tz)) ")" }
                    ul class="plain" { @for (i, t) in TrustType::ALL.iter().enumerate() { li { (t.label()) ": " (p.ratings[i]) "/10" } } }
                    @if !p.note.is_empty() { p { em { (p.note) } } }
                }
            }
        },
    )
}

/// Plain words for each end of a kind of trust's 0–10 scale, and one line
/// on what that kind of trust is.
fn scale_words(t: TrustType) -> (&'static str, &'static str, &'static str) {
    match t {
        TrustType::Emotional => (
            "Trusting that your feelings are safe with them: heard, and never used against you.",
            "Not safe at all",
            "Completely safe",
        ),
        TrustType::Instrumental => {
            ("Trusting that they do what they said they would.", "I can't count on it", "I can always count on it")
        }
        TrustType::Informational => (
            "Trusting that what they tell you is true and nothing big is left out.",
            "Not sure at all",
            "Completely sure",
        ),
        TrustType::SelfTrust => {
            ("Trusting your own sense of what is right for you.", "I doubt myself", "I trust myself fully")
        }
        TrustType::Situational => {
            ("Trusting them in the particular things you rely on them for.", "It doesn't hold", "It holds completely")
        }
        TrustType::Physical => {
            ("Feeling safe in your body around them, and in your home.", "Not safe at all", "Completely safe")
        }
    }
}

/// One kind of trust as a row of eleven radio buttons (0 to 10), the ends
/// named in words. A radio group is one tab stop; the arrow keys move
/// along it. A refused value marks the whole group and its sentence.
fn rating_scale(t: TrustType, checked: Option<u8>, problems: &Problems) -> Markup {
    let name = t.as_str();
    let id = format!("r-{name}");
    let (meaning, low, high) = scale_words(t);
    let legend = format!("{id}-legend");
    let help = format!("{id}-help");
    html! {
        fieldset class="scale" id=(id) role="radiogroup" aria-labelledby=(legend)
            aria-invalid=[problems.invalid(name)] aria-describedby=[problems.described_by(&id, name, Some(&help))] {
            legend id=(legend) { (t.label()) }
            p id=(help) class="help" { (meaning) " " (t.question()) }
            div class="scale-points" {
                @for v in 0..=10u8 {
                    label class="scale-point" for={(id) "-" (v)} {
                        input type="radio" id={(id) "-" (v)} name=(name) value=(v) required checked[checked == Some(v)];
                        span { (v) }
                        @if v == 0 { span class="visually-hidden" { " (" (low) ")" } }
                        @if v == 10 { span class="visually-hidden" { " (" (high) ")" } }
                    }
                }
            }
            p class="scale-ends" aria-hidden="true" { span { "0: " (low) } span { "10: " (high) } }
            (problems.under(&id, name))
        }
    }
}

async fn render_page(
    state: &AppState,
    who: &Identity,
    space: &Space,
    safety: Option<&str>,
    refused: Option<(&PulseForm, &Problems)>,
    status: axum::http::StatusCode,
) -> PageResult {
    let now = Timestamp::now();
    let since = now - SignedDuration::from_hours(24 * 7 * TREND_WEEKS as i64);
    let mine = state.store.my_pulses(who.user.id, space.id, since).await?;
    let partner = state.store.partner_shared_pulse(who.user.id, space.id).await?;
    // The chart comes from the pulses just read, not a second query.
    let points: Vec<_> = mine.iter().map(|p| (p.created_at, p.ratings)).collect();
    let trends = pulse_trends(&points, &who.user.time_zone, now);
    Ok(render_status(status, pulse_page(who, space, &mine, partner.as_ref(), &trends, safety, refused)))
}

pub async fn show(State(state): State<AppState>, SpaceCtx { who, space }: SpaceCtx) -> PageResult {
    render_page(&state, &who, &space, None, None, axum::http::StatusCode::OK).await
}

/// The sentence under a refused rating: the radios cannot show a value off
/// the scale, so the sentence names what came in.
fn off_the_scale(typed: &str) -> String {
    match typed.trim() {
        "" => "Please pick a number from 0 to 10.".to_string(),
        v => format!(
            "\u{201c}{}\u{201d} is not on the scale: please pick a number from 0 to 10.",
            v.chars().take(20).collect::<String>()
        ),
    }
}

#[derive(Deserialize)]
pub struct PulseForm {
    #[serde(default)]
    pub emotional: String,
    #[serde(default)]
    pub instrumental: String,
    #[serde(default)]
    pub informational: String,
    #[serde(default, rename = "self")]
    pub self_trust: String,
    #[serde(default)]
    pub situational: String,
    #[serde(default)]
    pub physical: String,
    #[serde(default)]
    pub note: String,
    pub shared: Option<String>,
}

impl PulseForm {
    /// The rating typed for the `i`-th kind of trust (in `TrustType::ALL` order).
    fn rating(&self, i: usize) -> &str {
        [&self.emotional, &self.instrumental, &self.informational, &self.self_trust, &self.situational, &self.physical]
            [i]
            .as_str()
    }
}

pub async fn save(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    CsrfForm(form): CsrfForm<PulseForm>,
) -> PageResult {
    // Every answer at fault is named at once, and nothing typed is lost.
    let mut problems = Problems::default();
    let refused = out_of_range(std::array::from_fn(|i| form.rating(i)));
    for (i, t) in TrustType::ALL.iter().enumerate() {
        if refused.contains(t) {
            problems.push(t.as_str(), off_the_scale(form.rating(i)));
        }
    }
    let note = PulseNote::parse(&form.note);
    if let Err(e) = &note {
        problems.push("note", ApiError::from(e.clone()).sentence());
    }
    let values: [i64; 6] = std::array::from_fn(|i| form.rating(i).trim().parse::<i64>().unwrap_or(-1));
    match (problems.is_empty(), parse_ratings(values), note) {
        (true, Ok(ratings), Ok(note)) => {
            state
                .store
                .add_pulse(who.user.id, space.id, ratings, note.as_str(), form.shared.as_deref() == Some("yes"), None)
                .await?;
            match safety_note(&ratings) {
                // Shown right here, to this member only; nothing is stored or sent.
                Some(s) => render_page(&state, &who, &space, Some(&s), None, axum::http::StatusCode::OK).await,
                None => Ok(see_other(&format!("/spaces/{}/pulse", space.id))),
            }
        }
        _ => {
            render_page(
                &state,
                &who,
                &space,
                None,
                Some((&form, &problems)),
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct ShareForm {
    #[serde(default)]
    pub shared: String,
}

pub async fn share(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    PulseId(pid): PulseId,
    CsrfForm(form): CsrfForm<ShareForm>,
) -> PageResult {
    state.store.share_pulse(who.user.id, space.id, pid, form.shared == "true").await?;
    Ok(see_other_with(&format!("/spaces/{}/pulse", space.id), Flash::Saved))
}
