//! The writing coach on pages: gentle feedback while writing (htmx) and a
//! practice page. Drafts are analysed in memory and never stored or logged.

use axum::extract::State;
use maud::{html, Markup};
use serde::Deserialize;
use troth_coach::{ApologyAnalysis, ApologyVerdict, CheckAnalysis, StartupVerdict};

use crate::http::page::Pages;
use axum::routing::{get, post};

use crate::auth::{Identity, PageUser};
use crate::http::forms::{CsrfForm, NoTokenNeeded, OpenForm};
use crate::http::page::{render, render_status, PageResult};
use crate::state::AppState;
use crate::ui::layout::{alert, csrf_field, page, Frame};

pub fn routes() -> Pages {
    Pages::new().route("/coach", get(practice).post(practice_submit)).route("/coach/feedback", post(feedback))
}

/// The live feedback changes nothing and stores nothing: it reads the
/// draft and answers with a fragment, so it needs no token.
impl NoTokenNeeded for FeedbackForm {}

fn findings_list(findings: &[troth_coach::Finding]) -> Markup {
    html! {
        ul class="findings" {
            @for f in findings {
                li {
                    @if !f.excerpt.is_empty() { q { (f.excerpt) } " — " }
                    (f.message)
                }
            }
        }
    }
}

pub fn check_markup(a: &CheckAnalysis) -> Markup {
    html! {
        @if a.verdict == StartupVerdict::Gentle && a.findings.is_empty() {
            p class="coach-ok" { "This reads kindly." }
        } @else {
            div class="coach-box" {
                p { strong { @if a.verdict == StartupVerdict::Harsh { "This may land harder than you mean." } @else { "A few thoughts, if you like:" } } }
                (findings_list(&a.findings))
                @if let Some(s) = &a.suggestion {
                    p { "You could try: " q class="suggestion" { (s) } }
                }
                @if !a.feeling_words.is_empty() {
                    p class="help" { "Feeling words: " (a.feeling_words.join(", ")) }
                }
            }
        }
    }
}

pub fn apology_markup(a: &ApologyAnalysis) -> Markup {
    html! {
        div class="coach-box" {
            p { strong { @match a.verdict {
                ApologyVerdict::Genuine => { "This is a full apology: it owns what happened and offers repair." }
                ApologyVerdict::Incomplete => { "A good start. Some parts are missing." }
                ApologyVerdict::NonApology => { "This may not be heard as an apology." }
            } } }
            (findings_list(&a.findings))
            @if let Some(s) = &a.suggestion { p { "You could add: " q class="suggestion" { (s) } } }
        }
    }
}

#[derive(Deserialize, Default)]
pub struct FeedbackForm {
    /// The practice page's own field.
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub mode: String,
    /// Whatever else was sent: the live coach is asked by one textarea
    /// (`hx-include="this"`) named as its own form names it (`body`, `part`,
    /// `happened`, `competence_note`, ...), so a new place that writes to
    /// the partner gets the coach without this form learning its name.
    #[serde(flatten)]
    pub asked: std::collections::BTreeMap<String, String>,
}

impl FeedbackForm {
    /// The text to read: the practice field, else the one textarea that
    /// asked (never a hidden field such as `_csrf`).
    fn text_to_read(&self) -> &str {
        if !self.text.is_empty() {
            return &self.text;
        }
        self.asked.iter().find(|(name, value)| !name.starts_with('_') && !value.is_empty()).map_or("", |(_, v)| v)
    }
}

/// The htmx partial: whatever textarea asked, answered with a small fragment.
pub async fn feedback(
    State(state): State<AppState>,
    PageUser(_who): PageUser,
    OpenForm(form): OpenForm<FeedbackForm>,
) -> PageResult {
    let text = form.text_to_read();
    if text.trim().chars().count() < 12 {
        return Ok(render(html! {}));
    }
    let markup = if form.mode == "apology" {
        match state.coach.apology(text) {
            Ok(a) => apology_markup(&a),
            Err(e) => html! { p class="help" { (e.to_string()) } },
        }
    } else {
        match state.coach.check(text) {
            Ok(a) => check_markup(&a),
            Err(e) => html! { p class="help" { (e.to_string()) } },
        }
    };
    Ok(render(markup))
}

fn practice_page(who: &Identity, form: &FeedbackForm, result: Option<Markup>, error: Option<&str>) -> Markup {
    page(
        Frame::new("Practice with the coach", Some(who)),
        html! {
            h1 { "Practice saying it well" }
            p class="lead" { "Paste something you want to say to your partner. The coach points out blame, absolutes and contempt, and suggests a gentler way. Nothing you type here is saved." }
            (alert(error))
            form method="post" action="/coach" class="stack" {
                (csrf_field(who))
                fieldset {
                    legend { "What are you writing?" }
                    label class="choice" { input type="radio" name="mode" value="check" checked[form.mode != "apology"]; " Raising a concern or replying" }
                    label class="choice" { input type="radio" name="mode" value="apology" checked[form.mode == "apology"]; " An apology" }
                }
                label for="text" { "Your message" }
                textarea id="text" name="text" rows="6" maxlength="10000" required
                    hx-post="/coach/feedback" hx-trigger="input changed delay:700ms" hx-target="#coach-feedback" hx-include="closest form" { (form.text) }
                button type="submit" class="primary" { "Check it" }
            }
            div id="coach-feedback" class="coach-feedback" aria-live="polite" { @if let Some(r) = result { (r) } }
        },
    )
}

pub async fn practice(PageUser(who): PageUser) -> PageResult {
    Ok(render(practice_page(&who, &FeedbackForm::default(), None, None)))
}

#[derive(Deserialize)]
pub struct PracticeForm {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub mode: String,
}

pub async fn practice_submit(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    CsrfForm(form): CsrfForm<PracticeForm>,
) -> PageResult {
    let echo = FeedbackForm { text: form.text.clone(), mode: form.mode.clone(), ..FeedbackForm::default() };
    let outcome = if form.mode == "apology" {
        state.coach.apology(&form.text).map(|a| apology_markup(&a))
    } else {
        state.coach.check(&form.text).map(|a| check_markup(&a))
    };
    Ok(match outcome {
        Ok(markup) => render(practice_page(&who, &echo, Some(markup), None)),
        Err(e) => render_status(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            practice_page(&who, &echo, None, Some(&e.to_string())),
        ),
    })
}
