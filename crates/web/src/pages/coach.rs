//! The writing coach on pages: gentle feedback while writing (htmx) and a
//! practice page. Drafts are analysed in memory and never stored or logged.

use axum::extract::State;
use maud::{html, Markup};
use serde::Deserialize;
use troth_coach::{ApologyAnalysis, ApologyVerdict, CheckAnalysis, StartupVerdict};

use super::layout::{alert, csrf_field};
use super::{page, render, Frame, PageResult};
use crate::auth::PageUser;
use crate::forms::FormBody;
use crate::state::AppState;

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
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub mode: String,
}

/// The htmx partial: whatever textarea asked, answered with a small fragment.
pub async fn feedback(
    State(state): State<AppState>,
    PageUser(_who): PageUser,
    FormBody(form): FormBody<FeedbackForm>,
) -> PageResult {
    let text = if form.text.is_empty() { &form.body } else { &form.text };
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

fn practice_page(
    who: &crate::auth::Identity,
    form: &FeedbackForm,
    result: Option<Markup>,
    error: Option<&str>,
) -> Markup {
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
    #[serde(rename = "_csrf")]
    pub csrf: Option<String>,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub mode: String,
}

pub async fn practice_submit(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    FormBody(form): FormBody<PracticeForm>,
) -> PageResult {
    super::check_csrf(&who, form.csrf.as_deref())?;
    let echo = FeedbackForm { text: form.text.clone(), mode: form.mode.clone(), body: String::new() };
    let outcome = if form.mode == "apology" {
        state.coach.apology(&form.text).map(|a| apology_markup(&a))
    } else {
        state.coach.check(&form.text).map(|a| check_markup(&a))
    };
    Ok(match outcome {
        Ok(markup) => render(practice_page(&who, &echo, Some(markup), None)),
        Err(e) => super::render_status(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            practice_page(&who, &echo, None, Some(&e.to_string())),
        ),
    })
}
