//! The frame of the OpenAPI 3 document: title, description and security
//! schemes. The paths come from the features' routers (`utoipa-axum`), so
//! each route is registered with its documentation in one call.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "troth API", description = "A private space for two people to build and rebuild trust. \
        Errors are `{\"error\": {\"code\", \"message\"}}`. Authenticate with the session cookie (browsers) \
        or `Authorization: Bearer <token>` (scripts and apps). A change made with the session cookie must \
        say it comes from this server (`Origin` or `Sec-Fetch-Site`, as browsers send), or it is refused \
        with 403 `csrf_failed`."),
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

/// The document's frame, before any route adds its path.
pub fn frame() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// What a refusal answers with, per status, for every operation that can
/// give it. Added to the document once here rather than in each handler's
/// annotation, because the extractors that refuse are shared: every JSON
/// body is read by [`crate::http::forms::ApiJson`], every query by
/// [`crate::http::extract::ApiQuery`], every path id by `path_id!`, and
/// every operation that is not public sits behind the same identity check.
/// An annotation that already documents a status keeps its own wording.
pub fn describe_refusals(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    for (path, item) in doc.paths.paths.iter_mut() {
        let ops = [
            (false, item.get.as_mut()),
            (true, item.put.as_mut()),
            (true, item.post.as_mut()),
            (true, item.delete.as_mut()),
            (true, item.patch.as_mut()),
        ];
        for (writes, op) in ops {
            let Some(op) = op else { continue };
            let params = op.parameters.as_deref().unwrap_or_default();
            let in_path = params.iter().any(|p| p.parameter_in == ParameterIn::Path) || path.contains('{');
            let in_query = params.iter().any(|p| p.parameter_in == ParameterIn::Query);
            let public = is_public(op);
            let body = op.request_body.as_ref().map(|b| b.content.keys().cloned().collect::<Vec<_>>());
            let mut add = |status: &str, text: &str| {
                op.responses.responses.entry(status.to_string()).or_insert_with(|| error_response(text));
            };
            if body.is_some() || in_query {
                add("400", REFUSED_400);
            }
            if !public {
                add("401", REFUSED_401);
            }
            if writes && !public {
                add("403", REFUSED_403);
            }
            if in_path {
                add("404", REFUSED_404);
            }
            if body.is_some() {
                add("413", REFUSED_413);
                add("415", REFUSED_415);
            }
            if body.is_some() || in_query {
                add("422", REFUSED_422);
            }
        }
    }
}

const REFUSED_400: &str = "The request could not be read: `malformed_json` (the body is not a JSON object \
    of the documented shape: a field of the wrong type, a required one missing), `unreadable_body` (an upload \
    that is not well-formed `multipart/form-data`) or `invalid_query` (a query parameter that does not fit).";
const REFUSED_401: &str = "`unauthenticated`: no live session or token (logged out, revoked, expired).";
const REFUSED_403: &str = "`csrf_failed`: a change made with the session cookie that does not say it comes \
    from this server; or `forbidden` and others: understood, but not yours to do.";
const REFUSED_404: &str = "`not_found`: no such thing, or not yours to see (a space you are not a member of \
    answers exactly as one that does not exist); a malformed id is not found either.";
const REFUSED_413: &str = "`payload_too_large`: the body is larger than the server reads.";
const REFUSED_415: &str = "`unsupported_media_type`: the body is not sent as `application/json` (or, for \
    uploads, `multipart/form-data`).";
const REFUSED_422: &str = "`invalid_field` (with `field`: which one, in the body or the query; its rule is \
    in the schema) or another code for a rule about the whole request.";

/// An operation that needs no credentials says `security: [{}]`.
fn is_public(op: &utoipa::openapi::path::Operation) -> bool {
    op.security.as_ref().is_some_and(|reqs| {
        reqs.iter().any(|r| serde_json::to_value(r).is_ok_and(|v| v.as_object().is_some_and(|o| o.is_empty())))
    })
}

fn error_response(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build())
        .build()
        .into()
}

// ------------------------------------------------------------ field schemas
//
// The rules a field's parse enforces, stated in the document from the very
// constants the parse uses: a handler's body says
// `#[schema(schema_with = text::<1, { PromiseText::MAX }>)]`, so that
// changing a limit changes the document with it.

use utoipa::openapi::schema::{KnownFormat, Object, ObjectBuilder, SchemaFormat, SchemaType, Type};

fn string_or_null(nullable: bool) -> SchemaType {
    if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    }
}

fn text_schema(min: usize, max: usize, nullable: bool) -> Object {
    ObjectBuilder::new().schema_type(string_or_null(nullable)).min_length(Some(min)).max_length(Some(max)).build()
}

/// Text of `MIN` to `MAX` characters (Unicode scalar values, as JSON
/// Schema counts them), counted after trimming.
pub fn text<const MIN: usize, const MAX: usize>() -> Object {
    text_schema(MIN, MAX, false)
}

/// The same, or `null` (absent and `null` mean "not given").
pub fn maybe_text<const MIN: usize, const MAX: usize>() -> Object {
    text_schema(MIN, MAX, true)
}

/// A kind, state or action named by one of its fixed words.
pub trait Choices: Sized + 'static {
    fn names() -> Vec<&'static str>;
}

/// Implements [`Choices`] for enums with `ALL` and `as_str`.
#[macro_export]
macro_rules! choices {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::http::openapi::Choices for $t {
            fn names() -> Vec<&'static str> {
                <$t>::ALL.iter().map(|c| c.as_str()).collect()
            }
        }
    )*};
}

// The domain's kinds, named as the API reads them.
crate::choices!(
    troth_domain::SpaceKind,
    troth_domain::Visibility,
    troth_domain::timeline::MomentKind,
    troth_domain::pulse::TrustType,
    troth_domain::promises::PromiseStatus,
    troth_domain::notifications::NotificationKind,
    troth_domain::notifications::Channel,
    troth_domain::program::PairTrack,
    troth_domain::program::Pace,
    troth_domain::ritual::AgendaStep,
);

fn choice_schema(names: Vec<&'static str>, nullable: bool) -> Object {
    let mut values: Vec<serde_json::Value> = names.into_iter().map(Into::into).collect();
    if nullable {
        values.push(serde_json::Value::Null);
    }
    ObjectBuilder::new().schema_type(string_or_null(nullable)).enum_values(Some(values)).build()
}

pub fn choice<T: Choices>() -> Object {
    choice_schema(T::names(), false)
}

/// One of the words, or blank or `null` for the default.
pub fn blank_or_choice<T: Choices>() -> Object {
    let mut names = T::names();
    names.push("");
    choice_schema(names, true)
}

fn whole_schema(min: i64, max: i64, nullable: bool) -> Object {
    let ty =
        if nullable { SchemaType::from_iter([Type::Integer, Type::Null]) } else { SchemaType::Type(Type::Integer) };
    ObjectBuilder::new().schema_type(ty).minimum(Some(min as f64)).maximum(Some(max as f64)).build()
}

/// A whole number from `MIN` to `MAX` (a 0–10 rating).
pub fn whole<const MIN: i64, const MAX: i64>() -> Object {
    whole_schema(MIN, MAX, false)
}

pub fn maybe_whole<const MIN: i64, const MAX: i64>() -> Object {
    whole_schema(MIN, MAX, true)
}

/// A calendar day, `YYYY-MM-DD`.
pub fn day() -> Object {
    ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))).build()
}

/// A calendar day, or blank or `null` for none (a change: blank clears it).
pub fn maybe_day() -> utoipa::openapi::schema::Schema {
    utoipa::openapi::schema::Schema::OneOf(
        utoipa::openapi::schema::OneOfBuilder::new()
            .item(day())
            .item(ObjectBuilder::new().schema_type(Type::String).max_length(Some(0)).build())
            .item(ObjectBuilder::new().schema_type(Type::Null).build())
            .build(),
    )
}

/// A list of texts: each `MIN` to `MAX` characters, at most `ITEMS` of them.
pub fn texts<const MIN: usize, const MAX: usize, const ITEMS: usize>() -> utoipa::openapi::schema::Array {
    let items = text_schema(MIN, MAX, false);
    let list = utoipa::openapi::schema::ArrayBuilder::new().items(items);
    if ITEMS == usize::MAX {
        list.build()
    } else {
        list.max_items(Some(ITEMS)).build()
    }
}
