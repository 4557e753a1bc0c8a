//! Insights: reliability for both (with "why is it 72?"), the ratio of warm
//! to hard moments, ritual consistency and the viewer's own pulse trends.

use axum::extract::{Path, State};
use jiff::Timestamp;
use maud::html;

use super::spaces::{page_id, with_who};
use super::{page, render, Frame, PageResult};
use crate::auth::PageUser;
use crate::charts::{data_table, line_chart, ratio_bar, score_gauge, Series};
use crate::everyday::{insights, TREND_WEEKS};
use crate::state::AppState;

const CLASSES: [&str; 6] = ["series-1", "series-2", "series-3", "series-4", "series-5", "series-6"];

pub async fn show(State(state): State<AppState>, PageUser(who): PageUser, Path(space_id): Path<String>) -> PageResult {
    let sid = page_id(&space_id, &who)?;
    let space = with_who(state.store.space_for(who.user.id, sid).await, &who)?;
    let data = with_who(
        insights(state.store.as_ref(), who.user.id, &who.user.time_zone, &space, Timestamp::now()).await,
        &who,
    )?;
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
                    h3 { (r.name) }
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
        }
        section class="card" aria-labelledby="ratio-h" {
            h2 id="ratio-h" { "Warm and hard moments (last 13 weeks)" }
            (ratio_bar(data.positive, data.negative))
            p { (data.ratio_explanation) }
            p class="help" { "Warm: appreciations, kept promises, finished rituals. Hard: missed promises and concerns raised." }
        }
        section class="card" aria-labelledby="ritual-h" {
            h2 id="ritual-h" { "Showing up" }
            p { "Rituals finished in the last " (TREND_WEEKS) " weeks: " strong { (data.rituals_finished_12w) } "." }
            p class="help" { "No streaks here: any week you meet counts, and a missed week is just a week." }
        }
        section class="card" aria-labelledby="pulse-h" {
            h2 id="pulse-h" { "Your trust pulse" }
            @if has_pulse {
                (line_chart("Your trust pulse by week", &series, &data.week_labels, 10.0))
                details { summary { "The same as a table" } (data_table("Weekly average per kind of trust", &data.week_labels, &rows)) }
            } @else {
                p class="muted" { "Take a " a href={"/spaces/" (space.id) "/pulse"} { "trust pulse" } " to see how each kind of trust moves." }
            }
            p class="help" { "Only your own pulses are shown here." }
        }
    };
    Ok(render(page(Frame::new("Insights", Some(&who)).in_space(&sid_text, &space.name), body)))
}

pub async fn reliability_help(crate::auth::MaybeUser(who): crate::auth::MaybeUser) -> axum::response::Response {
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
