//! Account actions shared by the pages and the API, so both follow the same
//! rules (validation, throttling, session handling).

use axum::http::StatusCode;
use jiff::Timestamp;
use troth_domain::throttle::FREE_FAILURES;
use troth_domain::{DisplayName, Email, Password, TimeZoneName};
use troth_store::{NewUser, User};

use crate::auth::{blocking, hash_password, verify_password, Verified};
use crate::error::ApiError;
use crate::state::AppState;

/// More free failures per address than per account: a household or an
/// office shares one address.
const FREE_FAILURES_PER_IP: i64 = 20;

pub struct Registration {
    pub email: String,
    pub password: String,
    pub display_name: String,
    pub time_zone: Option<String>,
}

pub async fn register(state: &AppState, r: Registration) -> Result<User, ApiError> {
    let email = Email::parse(&r.email)?;
    let password = Password::parse(&r.password)?;
    let display_name = DisplayName::parse(&r.display_name)?;
    let time_zone = match r.time_zone.as_deref().map(str::trim) {
        None | Some("") => TimeZoneName::utc(),
        Some(tz) => TimeZoneName::parse(tz)?,
    };
    let params = state.config.password;
    let password_hash =
        blocking(move || hash_password(password.expose(), &params)).await?.map_err(|_| ApiError::internal())?;
    Ok(state.store.create_user(NewUser { email, password_hash, display_name, time_zone }).await?)
}

/// Checks email and password with per-account and per-address backoff.
pub async fn authenticate(state: &AppState, email: &str, password: &str, ip: &str) -> Result<User, ApiError> {
    // Only a well-formed address (at most 254 bytes) gets an account key:
    // the key is stored, so arbitrary input must not become one. Malformed
    // attempts still count against the address they come from.
    let parsed = Email::parse(email).ok();
    let email_key = parsed.as_ref().map(|e| format!("acct:{}", e.as_str()));
    let ip_key = format!("ip:{ip}");
    let now = Timestamp::now();
    for key in email_key.iter().chain([&ip_key]) {
        if let Some(until) = state.store.throttle_locked_until(key).await? {
            let secs = (until.as_second() - now.as_second()).max(1) as u64;
            let mut e = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                format!("too many failed attempts; try again in {}", human_wait(secs)),
            );
            e.retry_after = Some(secs);
            return Err(e);
        }
    }
    let wrong =
        || ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "that email and password do not match");
    let creds = match &parsed {
        Some(e) => state.store.credentials_by_email(e).await?,
        None => None,
    };
    let stored = creds.as_ref().map_or_else(|| state.dummy_hash.as_str().to_string(), |c| c.password_hash.clone());
    let params = state.config.password;
    let attempt = password.to_string();
    let verified = blocking(move || verify_password(&attempt, &stored, &params)).await?;
    match (creds, verified) {
        (Some(c), Verified::Yes { rehash }) => {
            if let Some(new_hash) = rehash {
                state.store.set_password_hash(c.user_id, &new_hash).await?;
            }
            if let Some(key) = &email_key {
                state.store.throttle_clear(key).await?;
            }
            Ok(state.store.user(c.user_id).await?)
        }
        _ => {
            if let Some(key) = &email_key {
                state.store.throttle_failure(key, FREE_FAILURES, now).await?;
            }
            state.store.throttle_failure(&ip_key, FREE_FAILURES_PER_IP, now).await?;
            Err(wrong())
        }
    }
}

fn human_wait(secs: u64) -> String {
    if secs < 90 {
        format!("{secs} seconds")
    } else {
        format!("{} minutes", secs.div_ceil(60))
    }
}

/// Checks the current password without throttling side effects beyond the
/// account key (used before sensitive changes).
pub async fn confirm_password(state: &AppState, user: &User, password: &str) -> Result<(), ApiError> {
    let email = Email::parse(&user.email)?;
    let creds = state.store.credentials_by_email(&email).await?.ok_or_else(ApiError::not_found)?;
    let params = state.config.password;
    let attempt = password.to_string();
    match blocking(move || verify_password(&attempt, &creds.password_hash, &params)).await? {
        Verified::Yes { .. } => Ok(()),
        Verified::No => Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "wrong_password",
            message: "the current password is not right".to_string(),
            field: Some("current_password"),
            retry_after: None,
        }),
    }
}

/// Changes the password and ends every other session.
pub async fn change_password(
    state: &AppState,
    user: &User,
    keep_session: Option<troth_domain::Id>,
    current: &str,
    new: &str,
) -> Result<u64, ApiError> {
    let new = Password::parse(new).map_err(|mut e| {
        e.field = "new_password";
        e
    })?;
    confirm_password(state, user, current).await?;
    let params = state.config.password;
    let hash = blocking(move || hash_password(new.expose(), &params)).await?.map_err(|_| ApiError::internal())?;
    state.store.set_password_hash(user.id, &hash).await?;
    Ok(state.store.end_sessions_except(user.id, keep_session).await?)
}
