//! `/reflection`: the member's own page. The form (four qualities, a
//! rating and a note each), then their answers over time: a small chart
//! per quality and the same numbers as a table, then each reflection with
//! its notes. Outside every space, and linked from the main navigation,
//! so nothing on a space's pages hints at it.

use crate::http::page::Pages;
use axum::extract::State;
use axum::routing::{get, post};
use maud::{html, Markup};
use serde::Deserialize;
use troth_domain::reflection::{Quality, ReflectionNote};
use troth_store::Reflection;

use super::service;
use super::ReflectionId;
use crate::auth::{Identity, PageUser};
use crate::http::error::ApiError;
use crate::http::flash::{see_other_with, Flash};
use crate::http::forms::{Button, CsrfForm};
use crate::http::page::{render, render_status, PageResult};
use crate::http::urls::see_other;
use crate::state::AppState;
use crate::ui::charts::{data_table, line_chart, Series};
use crate::ui::layout::{alert, csrf_field, page, when, Frame};

/// The charts and the table show at most this many of the newest.
const CHART_POINTS: usize = 26;

pub fn routes() -> Pages {
    Pages::new().route("/reflection", get(show).post(add)).route("/reflection/{reflection_id}/delete", post(delete))
}

#[derive(Deserialize, Default)]
pub struct ReflectionForm {
    #[serde(default)]
    pub competence: String,
    #[serde(default)]
    pub competence_note: String,
    #[serde(default)]
    pub consistency: String,
    #[serde(default)]
    pub consistency_note: String,
    #[serde(default)]
    pub integrity: String,
    #[serde(default)]
    pub integrity_note: String,
    #[serde(default)]
    pub compassion: String,
    #[serde(default)]
    pub compassion_note: String,
}

impl ReflectionForm {
    fn fields(&self, q: Quality) -> (&str, &str) {
        match q {
            Quality::Competence => (&self.competence, &self.competence_note),
            Quality::Consistency => (&self.consistency, &self.consistency_note),
            Quality::Integrity => (&self.integrity, &self.integrity_note),
            Quality::Compassion => (&self.compassion, &self.compassion_note),
        }
    }
}

fn short_day(r: &Reflection, tz: &str) -> String {
    day(r, tz, "%-d %b %Y")
}

/// Under a small chart the year would make neighbouring labels collide;
/// the table below keeps it.
fn chart_day(r: &Reflection, tz: &str) -> String {
    day(r, tz, "%-d %b")
}

fn day(r: &Reflection, tz: &str, format: &str) -> String {
    let zone = jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC);
    r.created_at.to_zoned(zone).strftime(format).to_string()
}

fn field_error(error: Option<&ApiError>, field: &str) -> Markup {
    html! {
        @if let Some(e) = error.filter(|e| e.field == Some(field)) {
            p class="field-error" id={(field) "-error"} role="alert" { (e.sentence()) }
        }
    }
}

fn described_by(error: Option<&ApiError>, field: &str) -> Option<String> {
    error.filter(|e| e.field == Some(field)).map(|_| format!("{field}-error"))
}

fn over_time(who: &Identity, items: &[Reflection]) -> Markup {
    let tz = &who.user.time_zone;
    // Oldest first, the newest `CHART_POINTS`.
    let shown: Vec<&Reflection> = items.iter().take(CHART_POINTS).rev().collect();
    let labels: Vec<String> = shown.iter().map(|r| short_day(r, tz)).collect();
    let chart_labels: Vec<String> = shown.iter().map(|r| chart_day(r, tz)).collect();
    let points = |q: Quality| shown.iter().map(|r| r.rating(q).map(f64::from)).collect::<Vec<_>>();
    let rows: Vec<(String, Vec<Option<f64>>)> =
        Quality::ALL.iter().map(|q| (q.label().to_string(), points(*q))).collect();
    html! {
        section aria-labelledby="over-time" {
            h2 id="over-time" { "Over time" }
            div class="chart-grid" {
                @for (i, q) in Quality::ALL.iter().enumerate() {
                    @let series = [Series { name: q.label().to_string(), points: points(*q), class: ["series-1", "series-2", "series-3", "series-4"][i] }];
                    (line_chart(&format!("{}: your own ratings", q.label()), &series, &chart_labels, 10.0))
                }
            }
            details {
                summary { "The same as a table" }
                (data_table("Your ratings, 0 to 10", &labels, &rows))
            }
        }
    }
}

fn reflection_page(who: &Identity, items: &[Reflection], form: &ReflectionForm, error: Option<&ApiError>) -> Markup {
    let tz = &who.user.time_zone;
    page(
        Frame::new("Reflection", Some(who)),
        html! {
            h1 { "Reflecting on your trustworthiness" }
            p class="lead" {
                "Four qualities people weigh when they decide whether to trust someone. Rate yourself honestly, "
                "from 0 to 10, as often as you like, and watch how it moves."
            }
            p class="muted" { "Only you can ever see this page: not your partner, not how many times you came here, not when." }
            section class="card" {
                h2 { "A new reflection" }
                (alert(error.filter(|e| e.field.is_none()).map(|e| e.sentence()).as_deref()))
                form method="post" action="/reflection" class="stack" {
                    (csrf_field(who))
                    @for q in Quality::ALL {
                        @let (rating, note) = form.fields(q);
                        fieldset {
                            legend { (q.label()) }
                            p class="muted" { (q.question()) }
                            label for=(q.field()) { "Your rating, 0 to 10" }
                            input id=(q.field()) name=(q.field()) type="number" min="0" max="10" step="1" inputmode="numeric"
                                required value=(rating) aria-describedby=[described_by(error, q.field())];
                            (field_error(error, q.field()))
                            label for=(q.note_field()) { "A note (optional)" }
                            // The coach reads the note as it is typed (debounced, never stored).
                            textarea id=(q.note_field()) name=(q.note_field()) rows="2" maxlength=(ReflectionNote::MAX)
                                aria-describedby=[described_by(error, q.note_field())]
                                hx-post="/coach/feedback" hx-trigger="input changed delay:700ms"
                                hx-target={"#coach-" (q.note_field())} hx-include="this" { (note) }
                            (field_error(error, q.note_field()))
                            div id={"coach-" (q.note_field())} class="coach-feedback" aria-live="polite" {}
                        }
                    }
                    button type="submit" class="primary" { "Keep this reflection" }
                }
            }
            @if items.is_empty() {
                p class="muted" { "Your answers will show here over time." }
            } @else {
                (over_time(who, items))
                section aria-labelledby="past" {
                    h2 id="past" { "Each reflection" }
                    ul class="entries" {
                        @for r in items {
                            li class="entry" id={"reflection-" (r.id)} {
                                strong { (when(r.created_at, tz)) }
                                ul class="plain" {
                                    @for a in &r.answers {
                                        li { (a.quality.label()) ": " (a.rating) " of 10"
                                            @if let Some(n) = &a.note { span class="muted" { " · " (n) } } }
                                    }
                                }
                                (crate::ui::forms::delete_with_confirmation(
                                    csrf_field(who),
                                    &format!("/reflection/{}/delete", r.id),
                                    "Delete",
                                    "Delete this reflection? It cannot be brought back.",
                                ))
                            }
                        }
                    }
                }
            }
        },
    )
}

pub async fn show(State(state): State<AppState>, PageUser(who): PageUser) -> PageResult {
    let items = service::list(&state, who.user.id).await?;
    Ok(render(reflection_page(&who, &items, &ReflectionForm::default(), None)))
}

pub async fn add(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    CsrfForm(form): CsrfForm<ReflectionForm>,
) -> PageResult {
    // A rating that is not a number is refused as one out of range is,
    // with its own sentence; the form's text is kept either way.
    let parsed = Quality::ALL.map(|q| {
        let (rating, _) = form.fields(q);
        troth_domain::reflection::SelfRating::parse_text(q.field(), rating).map(|r| i64::from(r.get()))
    });
    let result = match parsed.iter().find_map(|p| p.as_ref().err()) {
        Some(e) => Err(ApiError::from(e.clone())),
        None => {
            service::add(&state, who.user.id, |q| {
                let i = Quality::ALL.iter().position(|x| *x == q).unwrap_or(0);
                let (_, note) = form.fields(q);
                (parsed[i].as_ref().ok().copied(), Some(note.to_string()))
            })
            .await
        }
    };
    match result {
        Ok(r) => Ok(see_other(&format!("/reflection#reflection-{}", r.id))),
        Err(e) if e.is_fixable() => {
            let items = service::list(&state, who.user.id).await?;
            Ok(render_status(e.status, reflection_page(&who, &items, &form, Some(&e))))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    ReflectionId(id): ReflectionId,
    CsrfForm(_): CsrfForm<Button>,
) -> PageResult {
    service::delete(&state, who.user.id, id).await?;
    Ok(see_other_with("/reflection", Flash::Deleted))
}
