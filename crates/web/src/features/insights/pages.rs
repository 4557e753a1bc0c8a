//! Insights: reliability for both (with "why is it 72?"), the ratio of warm
//! to hard moments, ritual consistency and the viewer's own pulse trends.

use crate::http::page::Pages;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use jiff::Timestamp;
use maud::{html, Markup};
use serde::Deserialize;
use troth_store::Space;

use super::service::{insights, set_score_sharing, Insights};
use crate::auth::{Identity, MaybeUser};
use crate::features::pulse::service::TREND_WEEKS;
use crate::http::error::ApiError;
use crate::http::extract::SpaceCtx;
use crate::http::flash::{see_other_with, Flash};
use crate::http::forms::CsrfForm;
use crate::http::page::{render, PageResult};
use crate::state::AppState;
use crate::ui::charts::{data_table, ratio_bar, score_gauge, small_multiples, Series};
use crate::ui::layout::{csrf_field, page, Frame};

pub fn routes() -> Pages {
    Pages::new()
        .route("/spaces/{space_id}/insights", get(show))
        .route("/spaces/{space_id}/insights/sharing", post(save_sharing))
        .route("/help/reliability", get(reliability_help))
}

const CLASSES: [&str; 6] = ["series-1", "series-2", "series-3", "series-4", "series-5", "series-6"];

pub async fn show(State(state): State<AppState>, SpaceCtx { who, space }: SpaceCtx) -> PageResult {
    let data = insights(state.store.as_ref(), who.user.id, &who.user.time_zone, &space, Timestamp::now()).await?;
    let sid_text = space.id.to_string();
    let series: Vec<Series> = data
        .pulse
        .iter()
        .zip(CLASSES)
        .map(|(t, c)| Series { name: t.label.clone(), points: t.weekly.clone(), class: c })
        .collect();
    let rows: Vec<(String, Vec<Option<f64>>)> =
        data.pulse.iter().map(|t| (t.label.clone(), t.weekly.clone())).collect();
    let has_pulse = data.pulse.iter().any(|t| t.latest.is_some());
    let body = html! {
        h1 { "Insights" }
        p class="lead" { "A mirror, not a grade. Numbers move with small things done again and again." }
        section class="card" aria-labelledby="rel-h" {
            h2 id="rel-h" { "Keeping your word" }
            @for r in &data.reliability {
                div class="reliability" {
                    h3 { @if r.user_id == who.user.id { "You" } @else { (r.name) } }
                    (score_gauge(&r.name, r.score))
                    details {
                        summary { "Why is it " (r.score) "?" }
                        p { (r.summary) }
                        ul class="plain" {
                            li { "Everyone starts from 70." }
                            @for e in r.effects.iter().filter(|e| e.count > 0) {
                                li { (e.count) " " (e.kind.replace('_', " ")) ": " (format!("{:+.0}", e.points)) " points" }
                            }
                        }
                        p class="help" { a href="/help/reliability" { "How the score works" } }
                    }
                }
            }
            (sharing_form(&who, &space, &data))
        }
        section class="card" aria-labelledby="ratio-h" {
            h2 id="ratio-h" { "Warm moments and missed promises (last 13 weeks)" }
            (ratio_bar(data.positive, data.negative))
            p { (data.ratio_explanation) }
            p class="help" { "Warm: thanks, kept promises, finished rituals. Missed: promises not kept." }
            h3 { "Brave moments" }
            p {
                @match data.concerns_raised {
                    0 => "No concerns raised in these weeks.",
                    1 => "One concern raised in a ritual.",
                    n => { (n) " concerns raised in rituals." }
                }
                " Saying what hurt takes courage and opens the way to repair, so a concern counts as brave, never as a hard moment."
            }
        }
        section class="card" aria-labelledby="ritual-h" {
            h2 id="ritual-h" { "Showing up" }
            p { "Rituals finished in the last " (TREND_WEEKS) " weeks: " strong { (data.rituals_finished_12w) } "." }
            p class="help" { "No streaks here: any week you meet counts, and a missed week is just a week." }
        }
        section class="card" aria-labelledby="pulse-h" {
            h2 id="pulse-h" { "Your trust pulse" }
            @if has_pulse {
                (small_multiples(": your weekly average", &series, &data.week_labels, 10.0))
                details { summary { "The same as a table" } (data_table("Weekly average per kind of trust", &data.week_labels, &rows)) }
            } @else {
                p class="muted" { "Take a " a href={"/spaces/" (space.id) "/pulse"} { "trust pulse" } " to see how each kind of trust moves." }
            }
            p class="help" { "Only your own pulses are shown here." }
        }
    };
    Ok(render(page(Frame::new("Insights", Some(&who)).in_space(&sid_text, &space.name), body)))
}

/// "Show each other's scores": each member's own yes or no. The partner's
/// score shows only while both said yes, so no one is scored without agreeing.
fn sharing_form(who: &Identity, space: &Space, data: &Insights) -> Markup {
    let partner = space.kind.other_member_word();
    html! {
        form id="sharing" method="post" action={"/spaces/" (space.id) "/insights/sharing"} class="stack" {
            (csrf_field(who))
            h3 { "Each other's scores" }
            @if data.scores_shared {
                p { "You both chose to show each other's scores." }
            } @else if data.shows_scores {
                p { "You said yes. Your " (partner) "'s score shows here once they say yes too, and yours shows to them." }
            } @else {
                p { "Only you see your score. To avoid keeping score on each other, your " (partner) "'s shows only if you both say yes." }
            }
            input type="hidden" name="show" value=(if data.shows_scores { "no" } else { "yes" });
            button type="submit" {
                @if data.shows_scores { "Stop showing each other's scores" } @else { "Show each other's scores" }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct SharingForm {
    #[serde(default)]
    pub show: String,
}

pub async fn save_sharing(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    CsrfForm(form): CsrfForm<SharingForm>,
) -> PageResult {
    let on = match form.show.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(ApiError::bad_request("bad_choice", "Please choose yes or no.").into()),
    };
    set_score_sharing(state.store.as_ref(), who.user.id, &space, on).await?;
    Ok(see_other_with(&format!("/spaces/{}/insights#sharing", space.id), Flash::Saved))
}

pub async fn reliability_help(MaybeUser(who): MaybeUser) -> Response {
    render(page(
        Frame::new("How reliability works", who.as_ref()),
        html! {
            section class="card narrow" {
                h1 { "How the reliability score works" }
                p { "The score (0 to 100) shows how dependable promises have been lately. It is meant to be explainable, line by line." }
                ul {
                    li { "Everyone starts from a neutral 70, which counts as much as two fresh kept promises, so one early outcome cannot swing it to 0 or 100." }
                    li { "A kept promise (confirmed by the other person) counts fully." }
                    li { "Saying early that you cannot keep a promise, and setting new terms before it is due, counts 0.8: honesty costs little." }
                    li { "A missed promise weighs as much as three kept ones: a few broken promises undo many kept ones." }
                    li { "Being let off a promise counts neither way." }
                    li { "Recent outcomes count most: an outcome a month old counts half, three months old an eighth. Every promise since you began is in the score, but after a year one weighs less than a thousandth of a fresh one." }
                }
                p { "In one line: score = 100 × (2 × 0.7 + Σ weight × value × fade) ÷ (2 + Σ weight × fade)." }
                p { "From a low score, one kept promise lifts more than one miss drops, so climbing back is always possible." }
            }
        },
    ))
}
