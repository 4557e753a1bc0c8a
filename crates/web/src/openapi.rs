//! The OpenAPI 3 document, generated from the handlers' annotations.

use std::sync::OnceLock;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api;

#[derive(OpenApi)]
#[openapi(
    info(title = "troth API", description = "A private space for two people to build and rebuild trust. \
        Errors are `{\"error\": {\"code\", \"message\"}}`. Authenticate with the session cookie (browsers) \
        or `Authorization: Bearer <token>` (scripts and apps)."),
    paths(
        api::healthz,
        api::register, api::login, api::logout, api::change_password, api::list_sessions, api::end_session,
        api::create_token, api::list_tokens, api::delete_token,
        api::me, api::update_me, api::delete_me, api::export_me,
        api::create_pair, api::list_pairs, api::get_pair, api::rename_pair,
        api::create_invite, api::list_invites, api::revoke_invite, api::preview_invite, api::accept_invite, api::leave_pair,
        api::create_note, api::list_notes, api::get_note, api::update_note, api::delete_note, api::write_note_part,
        api::coach_check, api::coach_apology,
        api::create_promise, api::list_promises, api::check_commitment, api::get_promise, api::act_on_promise,
        api::get_slot, api::put_slot, api::start_ritual, api::list_rituals, api::get_ritual, api::put_answer, api::finish_ritual,
        api::create_appreciation, api::list_appreciations, api::heart_appreciation, api::favourite_appreciation, api::delete_appreciation,
        api::create_pulse, api::list_pulses, api::partner_pulse, api::get_pulse, api::share_pulse,
        api::get_insights,
        api::list_notifications, api::read_notifications, api::get_settings, api::put_settings, api::get_calendar_link, api::rotate_calendar_link,
    ),
    modifiers(&Security),
    security(("bearer" = []), ("cookie" = []))
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::auth::SESSION_COOKIE))),
        );
    }
}

/// The document as JSON, built once.
pub fn openapi_json() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| ApiDoc::openapi().to_pretty_json().expect("the OpenAPI document serialises"))
}
