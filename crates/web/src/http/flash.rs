//! A one-time confirmation after an action that shows no result of its
//! own ("Saved.", "Deleted."): the handler redirects (post-redirect-get)
//! with a short-lived cookie naming what happened, and the next page shows
//! the sentence once and clears the cookie. The cookie holds a code from a
//! fixed list, never text, so nothing outside can put words on a page.

use axum::http::{header, HeaderValue};
use axum::response::Response;

use crate::http::urls::see_other;

pub const FLASH_COOKIE: &str = "troth_flash";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flash {
    Saved,
    Deleted,
    LoggedOutThere,
    LoggedOutElsewhere,
    PasswordChanged,
    TokenRevoked,
    InviteWithdrawn,
}

impl Flash {
    const ALL: [Flash; 7] = [
        Flash::Saved,
        Flash::Deleted,
        Flash::LoggedOutThere,
        Flash::LoggedOutElsewhere,
        Flash::PasswordChanged,
        Flash::TokenRevoked,
        Flash::InviteWithdrawn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Flash::Saved => "saved",
            Flash::Deleted => "deleted",
            Flash::LoggedOutThere => "logged_out_there",
            Flash::LoggedOutElsewhere => "logged_out_elsewhere",
            Flash::PasswordChanged => "password_changed",
            Flash::TokenRevoked => "token_revoked",
            Flash::InviteWithdrawn => "invite_withdrawn",
        }
    }

    pub fn parse(code: &str) -> Option<Flash> {
        Flash::ALL.into_iter().find(|f| f.code() == code)
    }

    pub fn sentence(self) -> &'static str {
        match self {
            Flash::Saved => "Saved.",
            Flash::Deleted => "Deleted.",
            Flash::LoggedOutThere => "Logged out on that device.",
            Flash::LoggedOutElsewhere => "Logged out everywhere else. Your access tokens ended too.",
            Flash::PasswordChanged => {
                "Password changed. You are logged out on every other device, and your access tokens ended."
            }
            Flash::TokenRevoked => "Token revoked: it no longer works.",
            Flash::InviteWithdrawn => "Invite withdrawn: the link no longer works.",
        }
    }
}

/// Redirects to `to` (303) and leaves `flash` for the page there.
pub fn see_other_with(to: &str, flash: Flash) -> Response {
    let mut res = see_other(to);
    let cookie = format!("{FLASH_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60", flash.code());
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// The confirmation waiting in the request's cookies, if any.
pub fn waiting(headers: &axum::http::HeaderMap) -> Option<Flash> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == FLASH_COOKIE)
        .and_then(|(_, v)| Flash::parse(v))
}

/// Clears the cookie once a page has shown the confirmation.
pub fn clear(res: &mut Response) {
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("troth_flash=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_and_nothing_else_does() {
        for f in Flash::ALL {
            assert_eq!(Flash::parse(f.code()), Some(f));
            assert!(f.sentence().ends_with('.'));
        }
        assert_eq!(Flash::parse("<b>hi</b>"), None);
        assert_eq!(Flash::parse(""), None);
    }

    #[test]
    fn the_redirect_carries_the_cookie() {
        let res = see_other_with("/account", Flash::Saved);
        assert_eq!(res.status(), axum::http::StatusCode::SEE_OTHER);
        let cookie = res.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap();
        assert_eq!(cookie, "troth_flash=saved; Path=/; HttpOnly; SameSite=Lax; Max-Age=60");
    }
}
