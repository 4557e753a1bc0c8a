//! Server-rendered pages. They work without JavaScript; htmx only makes
//! some of them quicker. Every form re-renders with the person's text and a
//! clear message when something is wrong.

mod account;
mod appreciations;
mod auth_pages;
mod coach;
mod insights;
mod layout;
mod misc;
mod notes;
mod notices;
mod promises;
mod pulse;
mod ritual;
mod spaces;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::html;

use crate::auth::Identity;
use crate::error::ApiError;
use crate::state::AppState;

pub use layout::{page, Frame};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(misc::index))
        .route("/exit", get(misc::exit))
        .route("/safety", get(misc::safety))
        .route("/static/{file}", get(misc::static_file))
        .route("/register", get(auth_pages::register_form).post(auth_pages::register))
        .route("/login", get(auth_pages::login_form).post(auth_pages::login))
        .route("/logout", post(auth_pages::logout))
        .route("/spaces", get(spaces::list).post(spaces::create))
        .route("/spaces/{space_id}", get(spaces::home))
        .route("/spaces/{space_id}/invite", get(spaces::invite_page).post(spaces::invite_create))
        .route("/spaces/{space_id}/invites/{invite_id}/revoke", post(spaces::invite_revoke))
        .route("/spaces/{space_id}/leave", get(spaces::leave_form).post(spaces::leave))
        .route("/join/{code}", get(spaces::join_page).post(spaces::join))
        .route("/spaces/{space_id}/notes", get(notes::list).post(notes::create))
        .route("/spaces/{space_id}/notes/{note_id}", get(notes::show).post(notes::update))
        .route("/spaces/{space_id}/notes/{note_id}/delete", post(notes::delete))
        .route("/spaces/{space_id}/notes/{note_id}/part", post(notes::write_part))
        .route("/account", get(account::show))
        .route("/account/profile", post(account::profile))
        .route("/account/password", post(account::password))
        .route("/account/sessions/{session_id}/end", post(account::end_session))
        .route("/account/sessions/end-others", post(account::end_others))
        .route("/account/export", get(account::export))
        .route("/account/delete", post(account::delete))
        .route("/spaces/{space_id}/promises", get(promises::list).post(promises::create))
        .route("/spaces/{space_id}/promises/{promise_id}", get(promises::show))
        .route("/spaces/{space_id}/promises/{promise_id}/act", post(promises::act))
        .route("/spaces/{space_id}/ritual", get(ritual::show))
        .route("/spaces/{space_id}/ritual/slot", post(ritual::set_slot))
        .route("/spaces/{space_id}/ritual/start", post(ritual::start))
        .route("/spaces/{space_id}/rituals/{ritual_id}", get(ritual::show_ritual))
        .route("/spaces/{space_id}/rituals/{ritual_id}/answer", post(ritual::answer))
        .route("/spaces/{space_id}/rituals/{ritual_id}/finish", post(ritual::finish))
        .route("/spaces/{space_id}/appreciations", get(appreciations::list).post(appreciations::add))
        .route("/spaces/{space_id}/appreciations/{appreciation_id}/heart", post(appreciations::heart))
        .route("/spaces/{space_id}/appreciations/{appreciation_id}/favourite", post(appreciations::favourite))
        .route("/spaces/{space_id}/pulse", get(pulse::show).post(pulse::save))
        .route("/spaces/{space_id}/pulse/{pulse_id}/share", post(pulse::share))
        .route("/spaces/{space_id}/insights", get(insights::show))
        .route("/help/reliability", get(insights::reliability_help))
        .route("/notifications", get(notices::show))
        .route("/notifications/read", post(notices::read_all))
        .route("/notifications/settings", post(notices::save_settings))
        .route("/notifications/calendar/rotate", post(notices::rotate_calendar))
        .route("/coach", get(coach::practice).post(coach::practice_submit))
        .route("/coach/feedback", post(coach::feedback))
        .fallback(misc::not_found)
}

/// An error on a page: shown as a calm page with the message, right status.
pub struct PageError {
    pub error: ApiError,
    pub who: Option<Box<Identity>>,
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        PageError { error, who: None }
    }
}

impl From<troth_store::StoreError> for PageError {
    fn from(e: troth_store::StoreError) -> Self {
        PageError { error: e.into(), who: None }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.error.status;
        let (title, text) = match status {
            StatusCode::NOT_FOUND => ("Not found", "There is nothing here, or it is not yours to see.".to_string()),
            StatusCode::FORBIDDEN => ("Not allowed", self.error.message.clone()),
            s if s.is_server_error() => ("Something went wrong", self.error.message.clone()),
            _ => ("That did not work", self.error.message.clone()),
        };
        let body = html! {
            section class="card narrow" {
                h1 { (title) }
                p { (text) }
                p { a href="/" { "Back to the start" } }
            }
        };
        (status, Html(page(Frame::new(title, self.who.as_deref()), body).into_string())).into_response()
    }
}

pub type PageResult = Result<Response, PageError>;

pub fn render(markup: maud::Markup) -> Response {
    Html(markup.into_string()).into_response()
}

pub fn render_status(status: StatusCode, markup: maud::Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}

/// Pages check the form's CSRF token as well as the origin headers.
pub fn check_csrf(who: &Identity, token: Option<&str>) -> Result<(), PageError> {
    let expected = who.session.as_ref().map(|s| s.csrf_token.as_str()).unwrap_or("");
    match token {
        Some(t) if !expected.is_empty() && troth_store::secret::same_secret(t, expected) => Ok(()),
        _ => Err(PageError {
            error: ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf_failed",
                "This form is out of date. Go back, reload the page and try again.",
            ),
            who: Some(Box::new(who.clone())),
        }),
    }
}

pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Only local paths are followed after login, never another site.
pub fn safe_next(next: Option<&str>) -> String {
    // Visible ASCII only: browsers drop tabs and newlines from a Location,
    // so "/\t/evil.example" would become "//evil.example", and a control
    // character cannot go into a header at all.
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && n.len() < 512
                && n.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            n.to_string()
        }
        _ => "/spaces".to_string(),
    }
}

pub fn see_other(to: &str) -> Response {
    axum::response::Redirect::to(to).into_response()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/join/abc?x=1")), "/join/abc?x=1");
        for bad in ["//evil.example", "/\t/evil.example", "/\n/x", "/a b", "https://evil.example", "/\\evil", "/é"] {
            assert_eq!(safe_next(Some(bad)), "/spaces", "{bad:?}");
        }
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(600)))), "/spaces");
        assert_eq!(safe_next(None), "/spaces");
    }
}
