//! A refused form field, drawn the same way everywhere: the sentence right
//! under the field, tied to it (`aria-invalid`, `aria-describedby`), and the
//! first one focused when the page loads (app.js).

use std::sync::LazyLock;

use maud::{html, Markup, PreEscaped};

/// Which field a refusal is about, and the sentence to show under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

impl FieldProblem {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldProblem { field: field.into(), message: message.into() }
    }
}

/// Why a form came back: sentences under their fields, and at most one
/// sentence for the form as a whole.
#[derive(Debug, Clone, Default)]
pub struct Refusal {
    pub problems: Problems,
    pub general: Option<String>,
}

impl Refusal {
    /// What goes above the form: the general sentence, or else the
    /// summary that points at the marked fields.
    pub fn above(&self) -> Markup {
        html! {
            @if let Some(g) = &self.general { div class="alert" role="alert" { (g) } }
            @else { (self.problems.summary()) }
        }
    }
}

/// The problems of one form, looked up by field name.
#[derive(Debug, Clone, Default)]
pub struct Problems(pub Vec<FieldProblem>);

impl Problems {
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Self {
        Problems(vec![FieldProblem::new(field, message)])
    }
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldProblem::new(field, message));
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn of(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|p| p.field == field).map(|p| p.message.as_str())
    }
    /// `aria-invalid` for the input named `field`.
    pub fn invalid(&self, field: &str) -> Option<&'static str> {
        self.of(field).map(|_| "true")
    }
    /// `aria-describedby` for the input with element id `id` (named
    /// `field`): its help text, if any, and its error, if any.
    pub fn described_by(&self, id: &str, field: &str, help: Option<&str>) -> Option<String> {
        let error = self.of(field).map(|_| format!("{id}-error"));
        match (help, error) {
            (Some(h), Some(e)) => Some(format!("{h} {e}")),
            (Some(h), None) => Some(h.to_string()),
            (None, e) => e,
        }
    }
    /// Above the form: that nothing was saved and where to look (the
    /// sentences themselves sit under their fields).
    pub fn summary(&self) -> Markup {
        html! {
            @if !self.is_empty() {
                div class="alert" role="alert" {
                    @if self.0.len() == 1 { "Nothing was saved yet: please look at the marked field." }
                    @else { "Nothing was saved yet: please look at the marked fields." }
                }
            }
        }
    }

    /// The sentence under the input with element id `id`, if `field` was refused.
    pub fn under(&self, id: &str, field: &str) -> Markup {
        html! {
            @if let Some(m) = self.of(field) {
                p id={(id) "-error"} class="field-error" { (m) }
            }
        }
    }
}

/// The time zone field: typed or picked from the list of zone names (the
/// browser's own zone fills an empty one), with its error if refused.
pub fn time_zone_field(id: &str, value: &str, p: &Problems, optional: bool) -> Markup {
    let help = format!("{id}-help");
    html! {
        label for=(id) { "Time zone" }
        input id=(id) name="time_zone" type="text" maxlength="64" placeholder="Europe/Paris" value=(value)
            required[!optional] list="time-zones" autocomplete="off" data-detect-tz
            aria-invalid=[p.invalid("time_zone")] aria-describedby=[p.described_by(id, "time_zone", Some(&help))];
        p id=(help) class="help" {
            "Used for reminders and dates. Start typing a city or region to pick from the list."
            @if optional { " Leave empty for UTC." }
        }
        (p.under(id, "time_zone"))
        (time_zone_list())
    }
}

/// Every IANA time zone name this server knows, as a `<datalist>` the time
/// zone fields search as one types. Built once: the list only changes with
/// the time zone database.
pub fn time_zone_list() -> Markup {
    static LIST: LazyLock<String> = LazyLock::new(|| {
        let mut names: Vec<String> = jiff::tz::db().available().map(|n| n.as_str().to_string()).collect();
        names.sort();
        names.dedup();
        html! { datalist id="time-zones" { @for n in &names { option value=(n) {} } } }.into_string()
    });
    PreEscaped(LIST.clone())
}

/// A delete behind a second step: the first press opens a short question
/// (what goes, and that it cannot be brought back), the second deletes. A
/// slip of the thumb on a phone at night costs nothing. The form itself is
/// the same POST as before, so the server's rules do not change.
pub fn delete_with_confirmation(csrf: Markup, action: &str, label: &str, question: &str) -> Markup {
    html! {
        details class="confirm-delete" {
            summary { (label) }
            form method="post" action=(action) class="confirm-delete-form" {
                (csrf)
                p { (question) }
                button type="submit" class="danger" { "Yes, delete" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_is_tied_to_its_field_only() {
        let p = Problems::one("time_zone", "We do not know that time zone.");
        assert_eq!(p.invalid("time_zone"), Some("true"));
        assert_eq!(p.invalid("email"), None);
        assert_eq!(p.described_by("tz", "time_zone", Some("tz-help")).as_deref(), Some("tz-help tz-error"));
        assert_eq!(p.described_by("email", "email", None), None);
        let html = p.under("tz", "time_zone").into_string();
        assert_eq!(html, "<p id=\"tz-error\" class=\"field-error\">We do not know that time zone.</p>");
        assert!(p.under("email", "email").into_string().is_empty());
    }

    #[test]
    fn the_time_zone_list_holds_real_zone_names() {
        let list = time_zone_list().into_string();
        assert!(list.starts_with("<datalist id=\"time-zones\">"));
        for zone in ["Europe/Paris", "America/New_York", "Asia/Kolkata", "UTC"] {
            assert!(list.contains(&format!("<option value=\"{zone}\">")), "{zone}");
        }
    }
}
