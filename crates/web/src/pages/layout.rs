//! The page frame: header with the quick exit, main content, footer.

use maud::{html, Markup, DOCTYPE};

use crate::auth::Identity;

pub struct Frame<'a> {
    pub title: &'a str,
    pub who: Option<&'a Identity>,
    /// The space the page belongs to, for the header's links.
    pub space: Option<(&'a str, &'a str)>,
}

impl<'a> Frame<'a> {
    pub fn new(title: &'a str, who: Option<&'a Identity>) -> Self {
        Frame { title, who, space: None }
    }
    pub fn in_space(mut self, id: &'a str, name: &'a str) -> Self {
        self.space = Some((id, name));
        self
    }
}

pub fn csrf_field(who: &Identity) -> Markup {
    html! { input type="hidden" name="_csrf" value=(who.session.as_ref().map(|s| s.csrf_token.as_str()).unwrap_or("")); }
}

pub fn page(frame: Frame<'_>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                meta name="robots" content="noindex, nofollow";
                // htmx must not inject its own <style>: our CSP forbids inline styles.
                meta name="htmx-config" content=r#"{"includeIndicatorStyles":false,"allowEval":false}"#;
                title { (frame.title) " · troth" }
                link rel="stylesheet" href="/static/style.css";
                link rel="icon" href="/static/icon.svg" type="image/svg+xml";
                script src="/static/htmx.min.js" defer {}
                script src="/static/app.js" defer {}
            }
            body {
                a class="skip-link" href="#main" { "Skip to content" }
                header class="topbar" {
                    a class="brand" href="/" { "troth" }
                    @if let Some(who) = frame.who {
                        nav aria-label="Main" {
                            @if let Some((id, name)) = frame.space {
                                a href={"/spaces/" (id)} { (name) }
                                a href={"/spaces/" (id) "/promises"} { "Promises" }
                                a href={"/spaces/" (id) "/ritual"} { "Ritual" }
                                a href={"/spaces/" (id) "/appreciations"} { "Thanks" }
                                a href={"/spaces/" (id) "/pulse"} { "Pulse" }
                                a href={"/spaces/" (id) "/insights"} { "Insights" }
                                a href={"/spaces/" (id) "/notes"} { "Notes" }
                            }
                            a href="/spaces" { "Spaces" }
                            a href="/coach" { "Coach" }
                            a href="/notifications" { "Notifications" }
                            a href="/account" { "Account" }
                            form method="post" action="/logout" class="inline" {
                                (csrf_field(who))
                                button type="submit" class="link" { "Log out" }
                            }
                        }
                    }
                    a id="quick-exit" class="quick-exit" href="/exit" rel="noreferrer" title="Leave at once (or press Shift three times)" { "Quick exit" }
                }
                main id="main" tabindex="-1" { (body) }
                footer class="footer" {
                    p { "Press " kbd { "Shift" } " three times, or Quick exit, to leave at once. "
                        a href="/safety" { "Feeling unsafe?" } }
                }
            }
        }
    }
}

/// A message box for errors, with `role="alert"` so screen readers announce it.
pub fn alert(message: Option<&str>) -> Markup {
    html! {
        @if let Some(m) = message {
            div class="alert" role="alert" { (m) }
        }
    }
}

pub fn notice(message: &str) -> Markup {
    html! { div class="notice" role="status" { (message) } }
}

/// Short human date in the viewer's time zone.
pub fn when(ts: jiff::Timestamp, tz: &str) -> String {
    let zone = jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC);
    ts.to_zoned(zone).strftime("%-d %b %Y, %H:%M").to_string()
}
