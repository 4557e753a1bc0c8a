//! The trust pulse: six gentle questions, private unless shared, with
//! trends over time. Low physical safety shows resources to this member
//! alone: never to the partner, never as a notification.

use axum::extract::{Path, State};
use jiff::{SignedDuration, Timestamp};
use maud::{html, Markup};
use serde::Deserialize;
use troth_domain::pulse::{PulseNote, TrustType};
use troth_store::{Pulse, Space};

use super::layout::{alert, csrf_field, when};
use super::spaces::{page_id, with_who};
use super::{check_csrf, page, render_status, see_other, Frame, PageResult};
use crate::api::{parse_ratings, safety_note};
use crate::auth::{Identity, PageUser};
use crate::charts::{data_table, line_chart, Series};
use crate::everyday::{pulse_trends, TREND_WEEKS};
use crate::forms::FormBody;
use crate::state::AppState;

const CLASSES: [&str; 6] = ["series-1", "series-2", "series-3", "series-4", "series-5", "series-6"];

fn pulse_page(
    who: &Identity,
    space: &Space,
    mine: &[Pulse],
    partner: Option<&Pulse>,
    trends: &crate::everyday::PulseTrends,
    safety: Option<&str>,
    error: Option<&str>,
) -> Markup {
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
            (alert(error))
            section class="card" {
                h2 { "Take a pulse" }
                form method="post" action={"/spaces/" (space.id) "/pulse"} class="stack" {
                    (csrf_field(who))
                    @for (i, t) in TrustType::ALL.iter().enumerate() {
                        label for={"r-" (t.as_str())} { (t.label()) ": " span class="help" { (t.question()) } }
                        input id={"r-" (t.as_str())} name=(t.as_str()) type="number" min="0" max="10" required
                            value=(latest.map(|p| p.ratings[i].to_string()).unwrap_or_else(|| "5".into()));
                    }
                    label for="note" { "A note for yourself (optional)" }
                    textarea id="note" name="note" rows="2" maxlength="500" {}
                    label class="choice" { input type="checkbox" name="shared" value="yes"; " Share this pulse with your " (space.kind.other_member_word()) }
                    button type="submit" class="primary" { "Save" }
                }
            }
            section class="card" {
                h2 { "The last " (TREND_WEEKS) " weeks" }
                @if mine.is_empty() { p class="muted" { "Your first pulse starts the chart." } }
                @else {
                    (line_chart("Trust pulse by week", &series, &trends.week_labels, 10.0))
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

async fn render_page(
    state: &AppState,
    who: &Identity,
    sid: troth_domain::Id,
    safety: Option<&str>,
    error: Option<&str>,
    status: axum::http::StatusCode,
) -> PageResult {
    let now = Timestamp::now();
    let space = with_who(state.store.space_for(who.user.id, sid).await, who)?;
    let since = now - SignedDuration::from_hours(24 * 7 * TREND_WEEKS as i64);
    let mine = with_who(state.store.my_pulses(who.user.id, sid, since).await, who)?;
    let partner = with_who(state.store.partner_shared_pulse(who.user.id, sid).await, who)?;
    // The chart comes from the pulses just read, not a second query.
    let points: Vec<_> = mine.iter().map(|p| (p.created_at, p.ratings)).collect();
    let trends = pulse_trends(&points, &who.user.time_zone, now);
    Ok(render_status(status, pulse_page(who, &space, &mine, partner.as_ref(), &trends, safety, error)))
}

pub async fn show(State(state): State<AppState>, PageUser(who): PageUser, Path(space_id): Path<String>) -> PageResult {
    let sid = page_id(&space_id, &who)?;
    render_page(&state, &who, sid, None, None, axum::http::StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct PulseForm {
    #[serde(rename = "_csrf")]
    pub csrf: Option<String>,
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

pub async fn save(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path(space_id): Path<String>,
    FormBody(form): FormBody<PulseForm>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    let sid = page_id(&space_id, &who)?;
    let num = |s: &str| s.trim().parse::<i64>().unwrap_or(-1);
    let values = [
        num(&form.emotional),
        num(&form.instrumental),
        num(&form.informational),
        num(&form.self_trust),
        num(&form.situational),
        num(&form.physical),
    ];
    let parsed = parse_ratings(values).and_then(|r| Ok((r, PulseNote::parse(&form.note)?)));
    match parsed {
        Ok((ratings, note)) => {
            with_who(
                state
                    .store
                    .add_pulse(who.user.id, sid, ratings, note.as_str(), form.shared.as_deref() == Some("yes"), None)
                    .await,
                &who,
            )?;
            match safety_note(&ratings) {
                // Shown right here, to this member only; nothing is stored or sent.
                Some(s) => render_page(&state, &who, sid, Some(&s), None, axum::http::StatusCode::OK).await,
                None => Ok(see_other(&format!("/spaces/{sid}/pulse"))),
            }
        }
        Err(e) => {
            render_page(&state, &who, sid, None, Some(&e.message), axum::http::StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Deserialize)]
pub struct ShareForm {
    #[serde(rename = "_csrf")]
    pub csrf: Option<String>,
    #[serde(default)]
    pub shared: String,
}

pub async fn share(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path((space_id, pulse_id)): Path<(String, String)>,
    FormBody(form): FormBody<ShareForm>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    let sid = page_id(&space_id, &who)?;
    let pid = page_id(&pulse_id, &who)?;
    with_who(state.store.share_pulse(who.user.id, sid, pid, form.shared == "true").await, &who)?;
    Ok(see_other(&format!("/spaces/{sid}/pulse")))
}
