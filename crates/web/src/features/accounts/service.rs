//! Account actions shared by the pages and the API, so both follow the same
//! rules (validation, throttling, session handling).

use axum::http::StatusCode;
use jiff::Timestamp;
use troth_domain::accounts::{account_delay_ms, FREE_FAILURES, MAX_ACCOUNT_DELAY_MS};
use troth_domain::{DisplayName, Email, Id, Password, TimeZoneName, TokenName};
use troth_store::secret::{hash_secret, new_secret};
use troth_store::{EmailLink, EmailLinkPurpose, NewUser, StoreError, ThrottleAttempt, TokenInfo, User};

use crate::auth::passwords::{hash_password_with, verify_password, Verified};
use crate::http::error::ApiError;
use crate::state::AppState;

/// More free failures per address than per account: a household or an
/// office shares one address.
const FREE_FAILURES_PER_IP: i64 = 20;

pub struct Registration {
    pub email: String,
    pub password: String,
    pub display_name: String,
    pub time_zone: Option<String>,
    /// The first space (name, kind) made with the account, from the form.
    pub first_space: Option<(String, String)>,
    /// Where to go once in (an invite), from the form.
    pub next: Option<String>,
}

/// What a registration did.
pub enum Registered {
    /// Mail is not set up: the account exists now (log it in).
    Now(User),
    /// Mail is set up: the same answer whether or not the address has an
    /// account; a link or a notice went to the address.
    CheckEmail,
}

/// A registration waiting for its link: what the form said, the password
/// only as its hash. Kept as the link's payload (JSON).
#[derive(serde::Serialize, serde::Deserialize)]
struct PendingRegistration {
    password_hash: String,
    display_name: String,
    time_zone: String,
    first_space: Option<(String, String)>,
    next: Option<String>,
}

/// A registration finished by its link: the account, logged in by the
/// caller, and what the form asked for next.
pub struct Confirmed {
    pub user: User,
    pub next: Option<String>,
}

/// The one answer to a registration when mail is set up.
pub const CHECK_EMAIL: &str = "Check your email to finish. We sent a message to the address you gave.";

/// How long a confirmation link works.
pub const CONFIRM_LINK_TTL: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);
/// Registration emails one client address may ask for before it waits
/// (the same count whether the addresses have accounts or not).
const FREE_REGISTER_MAILS_PER_IP: i64 = 10;
/// Registration emails to one address before it waits, so nobody can fill
/// someone's inbox; over it the answer stays the same and nothing is sent.
const FREE_REGISTER_MAILS_PER_ADDRESS: i64 = 3;
/// Wrong passwords on one confirmation link before it waits.
const FREE_CONFIRM_LINK_FAILURES: i64 = 5;

/// Registrations refused (the email has an account) per client address
/// before a wait.
const FREE_REGISTER_REFUSALS: i64 = 5;

/// Creates an account. A refusal says the email has an account, so the
/// refusals are throttled per client address like failed logins: one
/// address can test only a few emails before it waits, doubling.
pub async fn register(state: &AppState, r: Registration, ip: &str) -> Result<Registered, ApiError> {
    if state.config.smtp.is_some() {
        return register_by_mail(state, r, ip).await;
    }
    register_now(state, r, ip).await.map(Registered::Now)
}

/// Without mail: the account at once; a refusal says the email has an
/// account, so refusals are throttled per client address.
async fn register_now(state: &AppState, r: Registration, ip: &str) -> Result<User, ApiError> {
    let email = Email::parse(&r.email)?;
    let password = Password::parse(&r.password)?;
    let display_name = DisplayName::parse(&r.display_name)?;
    let time_zone = match r.time_zone.as_deref().map(str::trim) {
        None | Some("") => TimeZoneName::utc(),
        Some(tz) => TimeZoneName::parse(tz)?,
    };
    let key = format!("register:{ip}");
    let now = Timestamp::now();
    if let ThrottleAttempt::Locked { until } = state.store.throttle_reserve(&key, FREE_REGISTER_REFUSALS, now).await? {
        return Err(too_many_attempts(until, now));
    }
    let params = state.config.password;
    let hashed =
        state.config.password_gate.run(move |blocks| hash_password_with(password.expose(), &params, blocks)).await;
    let created = match hashed {
        Ok(Ok(password_hash)) => {
            state.store.create_user(NewUser { email, password_hash, display_name, time_zone }).await
        }
        Ok(Err(_)) => return release_then(state, &key, ApiError::internal()).await,
        Err(busy) => return release_then(state, &key, busy.into()).await,
    };
    match created {
        Ok(user) => {
            state.store.throttle_release(&key, FREE_REGISTER_REFUSALS).await?;
            Ok(user)
        }
        // The one refusal that tells something (the email has an account)
        // stays counted.
        Err(e @ StoreError::Conflict { .. }) => Err(e.into()),
        Err(e) => release_then(state, &key, e.into()).await,
    }
}

/// With mail: the answer is "check your email" whether or not the address
/// has an account, and takes the same steps either way (the password is
/// hashed in both cases, the mail goes out in the background): a new
/// address gets a link that finishes the registration; an address with an
/// account gets a notice saying someone tried, so its owner knows.
/// Nothing is made until the link is followed (see [`confirm_registration`]).
async fn register_by_mail(state: &AppState, r: Registration, ip: &str) -> Result<Registered, ApiError> {
    let email = Email::parse(&r.email)?;
    let password = Password::parse(&r.password)?;
    let display_name = DisplayName::parse(&r.display_name)?;
    let time_zone = match r.time_zone.as_deref().map(str::trim) {
        None | Some("") => TimeZoneName::utc(),
        Some(tz) => TimeZoneName::parse(tz)?,
    };
    let now = Timestamp::now();
    let ip_key = format!("register_mail:{ip}");
    if let ThrottleAttempt::Locked { until } =
        state.store.throttle_reserve(&ip_key, FREE_REGISTER_MAILS_PER_IP, now).await?
    {
        return Err(too_many_attempts(until, now));
    }
    let params = state.config.password;
    let hashed =
        state.config.password_gate.run(move |blocks| hash_password_with(password.expose(), &params, blocks)).await;
    let password_hash = match hashed {
        Ok(Ok(h)) => h,
        Ok(Err(_)) => {
            state.store.throttle_release(&ip_key, FREE_REGISTER_MAILS_PER_IP).await?;
            return Err(ApiError::internal());
        }
        Err(busy) => {
            state.store.throttle_release(&ip_key, FREE_REGISTER_MAILS_PER_IP).await?;
            return Err(busy.into());
        }
    };
    // Past a few emails to one address, the same answer and no email.
    let address_key = format!("register_to:{}", email.as_str());
    if let ThrottleAttempt::Locked { .. } =
        state.store.throttle_reserve(&address_key, FREE_REGISTER_MAILS_PER_ADDRESS, now).await?
    {
        return Ok(Registered::CheckEmail);
    }
    let has_account = state.store.credentials_by_email(&email).await?.is_some();
    let payload = serde_json::to_string(&PendingRegistration {
        password_hash,
        display_name: display_name.as_str().to_string(),
        time_zone: time_zone.as_str().to_string(),
        first_space: r.first_space,
        next: r.next,
    })
    .map_err(|_| ApiError::internal())?;
    // Everything that differs between the two cases (keeping a link, the
    // email) happens after the answer, so its timing tells nothing either.
    let base = state.config.public_url.trim_end_matches('/').to_string();
    let (store, to) = (state.store.clone(), email.as_str().to_string());
    in_background(state, async move {
        if has_account {
            let body = format!(
                "Someone just tried to create a troth account with this email address. It already has one, \
                 so nothing was made and nothing in your account changed.\n\n\
                 If it was you, log in here:\n\n{base}/login\n\n\
                 If you forgot your password, you can set a new one here:\n\n{base}/password-reset\n\n\
                 If it was not you, you need not do anything. Your password was not asked for and is still yours.\n"
            );
            return Some((to, "Someone tried to register with your address", body));
        }
        let token = new_secret();
        let link = EmailLink {
            purpose: EmailLinkPurpose::ConfirmRegistration,
            email: to.clone(),
            payload,
            created_at: now,
            expires_at: now + CONFIRM_LINK_TTL,
        };
        if let Err(e) = store.create_email_link(&link, &hash_secret(&token)).await {
            tracing::warn!(error = %e, "registration link not kept; no email sent");
            return None;
        }
        let body = format!(
            "Someone, we hope you, asked to create a troth account with this email address.\n\n\
             To finish, open this link within 24 hours and enter the password you chose:\n\n\
             {base}/register/confirm/{token}\n\n\
             If it was not you, ignore this email: no account is made without the link.\n"
        );
        Some((to, "Finish creating your troth account", body))
    });
    Ok(Registered::CheckEmail)
}

/// Runs `job` after the answer and sends the message it makes, if any:
/// the answer waits neither for the relay nor for the job (and so does not
/// tell, by its timing, which message it was); a failure is logged without
/// the address.
fn in_background(
    state: &AppState,
    job: impl std::future::Future<Output = Option<(String, &'static str, String)>> + Send + 'static,
) {
    let Some(mailer) = state.config.smtp.clone() else { return };
    tokio::spawn(async move {
        let Some((to, subject, body)) = job.await else { return };
        if let Err(e) = mailer.send(&to, subject, &body).await {
            tracing::warn!(error = %e, "account email not sent");
        }
    });
}

/// Follows a confirmation link: checks the password chosen at registration
/// (so that a link forwarded or followed by someone else makes nothing),
/// then uses the link up and makes the account. Wrong passwords on one link
/// wait after a few; the link works once and for [`CONFIRM_LINK_TTL`].
pub async fn confirm_registration(state: &AppState, token: &str, password: &str) -> Result<Confirmed, ApiError> {
    let token_hash = hash_secret(token.trim());
    let now = Timestamp::now();
    let link =
        state.store.email_link(EmailLinkPurpose::ConfirmRegistration, &token_hash, now).await.map_err(link_error)?;
    let pending: PendingRegistration = serde_json::from_str(&link.payload).map_err(|_| ApiError::internal())?;
    let key = format!("confirm_link:{token_hash}");
    if let ThrottleAttempt::Locked { until } =
        state.store.throttle_reserve(&key, FREE_CONFIRM_LINK_FAILURES, now).await?
    {
        return Err(too_many_attempts(until, now));
    }
    let params = state.config.password;
    let (attempt, stored) = (password.to_string(), pending.password_hash.clone());
    match state.config.password_gate.run(move |blocks| verify_password(&attempt, &stored, &params, blocks)).await {
        Ok(Verified::Yes { .. }) => {}
        Ok(Verified::No) => {
            return Err(ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "wrong_password",
                message: "that is not the password chosen when registering".to_string(),
                field: Some("password"),
                retry_after: None,
            })
        }
        Err(busy) => {
            state.store.throttle_release(&key, FREE_CONFIRM_LINK_FAILURES).await?;
            return Err(busy.into());
        }
    }
    state.store.throttle_clear(&key).await?;
    // Used up here: of two clicks at once, one gets the link.
    let link = state
        .store
        .claim_email_link(EmailLinkPurpose::ConfirmRegistration, &token_hash, now)
        .await
        .map_err(link_error)?;
    let user = state
        .store
        .create_user(NewUser {
            email: Email::parse(&link.email)?,
            password_hash: pending.password_hash,
            display_name: DisplayName::parse(&pending.display_name)?,
            time_zone: TimeZoneName::parse(&pending.time_zone).unwrap_or_else(|_| TimeZoneName::utc()),
        })
        .await
        .map_err(|e| match e {
            // Another link to the same address was followed first.
            StoreError::Conflict { .. } => ApiError::new(
                StatusCode::CONFLICT,
                "email_taken",
                "this address has an account already; log in instead",
            ),
            e => e.into(),
        })?;
    // The first space the form asked for (checked when the form was sent).
    if let Some((name, kind)) = &pending.first_space {
        crate::features::spaces::service::create_space(state, user.id, Some(name), Some(kind)).await?;
    }
    Ok(Confirmed { user, next: pending.next })
}

/// The refusal for a link that does not work, saying what to do.
fn link_error(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound => ApiError::new(
            StatusCode::NOT_FOUND,
            "link_unknown",
            "this link was used already or is not complete; start again to get a new one",
        ),
        StoreError::Gone { .. } => {
            ApiError::new(StatusCode::GONE, "link_expired", "this link has expired; start again to get a new one")
        }
        e => e.into(),
    }
}

/// The one answer to a password reset request, whoever's the address.
pub const RESET_SENT: &str =
    "If an account uses that address, we sent it a link to set a new password. Check your email.";
/// How long a password reset link works.
pub const RESET_LINK_TTL: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);
/// Reset emails one client address may ask for before it waits.
const FREE_RESET_MAILS_PER_IP: i64 = 10;
/// Reset emails to one account before it waits (over it: the same answer,
/// nothing sent).
const FREE_RESET_MAILS_PER_ACCOUNT: i64 = 3;

/// What a reset link finishes.
#[derive(serde::Serialize, serde::Deserialize)]
struct PendingReset {
    user_id: Id,
}

/// Asks for a password reset link. The answer is the same whether or not
/// the address has an account ([`RESET_SENT`]); only an account gets mail.
/// Throttled per client address (429) and per account (silently).
pub async fn request_password_reset(state: &AppState, email: &str, ip: &str) -> Result<(), ApiError> {
    if state.config.smtp.is_none() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "mail_not_set_up",
            "this server does not send email, so a password cannot be reset by email; ask whoever runs it",
        ));
    }
    let email = Email::parse(email)?;
    let now = Timestamp::now();
    let ip_key = format!("reset_mail:{ip}");
    if let ThrottleAttempt::Locked { until } =
        state.store.throttle_reserve(&ip_key, FREE_RESET_MAILS_PER_IP, now).await?
    {
        return Err(too_many_attempts(until, now));
    }
    let Some(creds) = state.store.credentials_by_email(&email).await? else { return Ok(()) };
    // The rest after the answer, as for registration: its timing tells
    // nothing about the account.
    let (store, to, user) = (state.store.clone(), email.as_str().to_string(), creds.user_id);
    let base = state.config.public_url.trim_end_matches('/').to_string();
    in_background(state, async move {
        let account_key = format!("reset_to:{user}");
        match store.throttle_reserve(&account_key, FREE_RESET_MAILS_PER_ACCOUNT, now).await {
            Ok(ThrottleAttempt::Reserved { .. }) => {}
            Ok(ThrottleAttempt::Locked { .. }) => return None,
            Err(e) => {
                tracing::warn!(error = %e, "reset link not kept; no email sent");
                return None;
            }
        }
        let token = new_secret();
        let link = EmailLink {
            purpose: EmailLinkPurpose::ResetPassword,
            email: to.clone(),
            payload: serde_json::to_string(&PendingReset { user_id: user }).ok()?,
            created_at: now,
            expires_at: now + RESET_LINK_TTL,
        };
        if let Err(e) = store.create_email_link(&link, &hash_secret(&token)).await {
            tracing::warn!(error = %e, "reset link not kept; no email sent");
            return None;
        }
        let body = format!(
            "Someone, we hope you, asked to set a new password for the troth account at this address.\n\n\
             To choose one, open this link within an hour:\n\n{base}/password-reset/{token}\n\n\
             If it was not you, ignore this email: your password stays as it is.\n"
        );
        Some((to, "Set a new password for troth", body))
    });
    Ok(())
}

/// Follows a reset link: sets the new password, ends every session, access
/// token and other link of the account (whoever was in is out), forgives
/// the account's failed logins, and returns the account to log in.
pub async fn reset_password(state: &AppState, token: &str, new_password: &str) -> Result<User, ApiError> {
    let new = Password::parse(new_password)?;
    let token_hash = hash_secret(token.trim());
    let now = Timestamp::now();
    // Checked before the hash, used up after it: a busy server keeps the link.
    state.store.email_link(EmailLinkPurpose::ResetPassword, &token_hash, now).await.map_err(link_error)?;
    let params = state.config.password;
    let hash = state
        .config
        .password_gate
        .run(move |blocks| hash_password_with(new.expose(), &params, blocks))
        .await?
        .map_err(|_| ApiError::internal())?;
    let link =
        state.store.claim_email_link(EmailLinkPurpose::ResetPassword, &token_hash, now).await.map_err(link_error)?;
    let pending: PendingReset = serde_json::from_str(&link.payload).map_err(|_| ApiError::internal())?;
    let user = match state.store.user(pending.user_id).await {
        // The account changed its address since: the link was for the old one.
        Ok(u) if u.email == link.email => u,
        Ok(_) | Err(StoreError::NotFound) => return Err(link_error(StoreError::NotFound)),
        Err(e) => return Err(e.into()),
    };
    state.store.set_password_hash(user.id, &hash).await?;
    end_other_access(state, &user, None).await?;
    state.store.end_email_links(&user.email).await?;
    state.store.throttle_clear(&format!("acct:{}", user.email)).await?;
    Ok(user)
}

/// Gives back a registration reservation that told nothing, then fails.
async fn release_then(state: &AppState, key: &str, e: ApiError) -> Result<User, ApiError> {
    state.store.throttle_release(key, FREE_REGISTER_REFUSALS).await?;
    Err(e)
}

/// Checks email and password. Three throttle keys, each attempt reserved
/// before the hash runs:
/// - the account from this address locks after [`FREE_FAILURES`] (the
///   partner guessing locks out only their own address);
/// - the address alone locks after [`FREE_FAILURES_PER_IP`] (one address
///   spraying many accounts);
/// - the account from everywhere never locks, it only slows down
///   ([`account_delay_ms`]), so the owner from a clean address always gets in.
pub async fn authenticate(state: &AppState, email: &str, password: &str, ip: &str) -> Result<User, ApiError> {
    // Only a well-formed address (at most 254 bytes) gets an account key:
    // the key is stored, so arbitrary input must not become one. Malformed
    // attempts still count against the address they come from.
    let parsed = Email::parse(email).ok();
    let now = Timestamp::now();
    let ip_key = format!("ip:{ip}");
    if let ThrottleAttempt::Locked { until } = state.store.throttle_reserve(&ip_key, FREE_FAILURES_PER_IP, now).await? {
        return Err(too_many_attempts(until, now));
    }
    let keys = parsed.as_ref().map(|e| (format!("acct_ip:{} {ip}", e.as_str()), format!("acct:{}", e.as_str())));
    if let Some((pair_key, account_key)) = &keys {
        if let ThrottleAttempt::Locked { until } = state.store.throttle_reserve(pair_key, FREE_FAILURES, now).await? {
            // Refused before any check: not a failure of this address.
            state.store.throttle_release(&ip_key, FREE_FAILURES_PER_IP).await?;
            return Err(too_many_attempts(until, now));
        }
        let delay = match state.store.throttle_reserve(account_key, NEVER_LOCKS, now).await? {
            ThrottleAttempt::Reserved { attempts } => account_delay_ms(attempts - 1),
            ThrottleAttempt::Locked { .. } => MAX_ACCOUNT_DELAY_MS,
        };
        if delay > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
        }
    }
    let creds = match &parsed {
        Some(e) => state.store.credentials_by_email(e).await?,
        None => None,
    };
    let stored = creds.as_ref().map_or_else(|| state.dummy_hash.as_str().to_string(), |c| c.password_hash.clone());
    let params = state.config.password;
    let attempt = password.to_string();
    let verified =
        state.config.password_gate.run(move |blocks| verify_password(&attempt, &stored, &params, blocks)).await;
    let verified = match verified {
        Ok(v) => v,
        Err(busy) => {
            // Not checked at all: give the reservations back.
            release_all(state, &ip_key, keys.as_ref()).await?;
            return Err(busy.into());
        }
    };
    match (creds, verified) {
        (Some(c), Verified::Yes { rehash }) => {
            if let Some(new_hash) = rehash {
                state.store.set_password_hash(c.user_id, &new_hash).await?;
            }
            state.store.throttle_release(&ip_key, FREE_FAILURES_PER_IP).await?;
            if let Some((pair_key, account_key)) = &keys {
                state.store.throttle_clear(pair_key).await?;
                state.store.throttle_clear(account_key).await?;
            }
            Ok(state.store.user(c.user_id).await?)
        }
        // The reservations stand as the failures they are.
        _ => {
            Err(ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "that email and password do not match"))
        }
    }
}

/// The per-account key counts but never locks.
const NEVER_LOCKS: i64 = i64::MAX;

async fn release_all(state: &AppState, ip_key: &str, keys: Option<&(String, String)>) -> Result<(), ApiError> {
    state.store.throttle_release(ip_key, FREE_FAILURES_PER_IP).await?;
    if let Some((pair_key, account_key)) = keys {
        state.store.throttle_release(pair_key, FREE_FAILURES).await?;
        state.store.throttle_release(account_key, NEVER_LOCKS).await?;
    }
    Ok(())
}

/// 429 with `Retry-After`, saying how long in words.
fn too_many_attempts(until: Timestamp, now: Timestamp) -> ApiError {
    let secs = wait_secs(until, now);
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        format!("too many failed attempts; try again in {}", human_wait(secs)),
    );
    e.retry_after = Some(secs);
    e
}

/// Whole seconds from `now` until `until`, at least one.
fn wait_secs(until: Timestamp, now: Timestamp) -> u64 {
    (until.as_second() - now.as_second()).max(1) as u64
}

fn human_wait(secs: u64) -> String {
    if secs < 90 {
        format!("{secs} seconds")
    } else {
        format!("{} minutes", secs.div_ceil(60))
    }
}

/// Wrong confirmations of the current password allowed before a wait.
const FREE_CONFIRM_FAILURES: i64 = 5;

/// Checks the current password before a sensitive change (a new password,
/// deleting the account). Throttled per account like a login, because
/// whoever holds an open session (a partner at an unlocked phone) could
/// otherwise guess the password there as fast as the server hashes: each
/// attempt is reserved before the hash, and after a few wrong ones the
/// account waits, from every session and token alike.
pub async fn confirm_password(state: &AppState, user: &User, password: &str) -> Result<(), ApiError> {
    let email = Email::parse(&user.email)?;
    let key = format!("confirm:{}", user.id);
    let now = Timestamp::now();
    if let ThrottleAttempt::Locked { until } = state.store.throttle_reserve(&key, FREE_CONFIRM_FAILURES, now).await? {
        let secs = wait_secs(until, now);
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!(
                "That password was not right several times in a row, so we are pausing here for a little while. \
                 You can try again in {}.",
                human_wait(secs)
            ),
        );
        e.retry_after = Some(secs);
        return Err(e);
    }
    let creds = state.store.credentials_by_email(&email).await?.ok_or_else(ApiError::not_found)?;
    let params = state.config.password;
    let attempt = password.to_string();
    let verified = state
        .config
        .password_gate
        .run(move |blocks| verify_password(&attempt, &creds.password_hash, &params, blocks))
        .await;
    match verified {
        Ok(Verified::Yes { .. }) => {
            state.store.throttle_clear(&key).await?;
            Ok(())
        }
        Ok(Verified::No) => Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "wrong_password",
            message: "the current password is not right".to_string(),
            field: Some("current_password"),
            retry_after: None,
        }),
        Err(busy) => {
            // Not checked at all: give the reservation back.
            state.store.throttle_release(&key, FREE_CONFIRM_FAILURES).await?;
            Err(busy.into())
        }
    }
}

/// What ending the other ways in did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessEnded {
    pub sessions: u64,
    pub tokens: u64,
}

/// Logs out everywhere but `keep` (the caller's own session, if any) and
/// ends every access token: whoever had a way in besides this device has
/// none any more.
pub async fn end_other_access(
    state: &AppState,
    user: &User,
    keep: Option<troth_domain::Id>,
) -> Result<AccessEnded, ApiError> {
    let sessions = state.store.end_sessions_except(user.id, keep).await?;
    let tokens = state.store.end_tokens(user.id).await?;
    Ok(AccessEnded { sessions, tokens })
}

/// Changes the password and ends every other session and every access token.
pub async fn change_password(
    state: &AppState,
    user: &User,
    keep_session: Option<troth_domain::Id>,
    current: &str,
    new: &str,
) -> Result<AccessEnded, ApiError> {
    let new = Password::parse(new).map_err(|mut e| {
        e.field = "new_password";
        e
    })?;
    confirm_password(state, user, current).await?;
    let params = state.config.password;
    let hash = state
        .config
        .password_gate
        .run(move |blocks| hash_password_with(new.expose(), &params, blocks))
        .await?
        .map_err(|_| ApiError::internal())?;
    state.store.set_password_hash(user.id, &hash).await?;
    // A reset link asked for earlier would undo the change: it ends too.
    state.store.end_email_links(&user.email).await?;
    end_other_access(state, user, keep_session).await
}

/// A new personal access token for `user`: the secret (shown once; only its
/// hash is kept) and what is listed afterwards.
pub async fn create_token(state: &AppState, user: Id, name: &str) -> Result<(String, TokenInfo), ApiError> {
    let name = TokenName::parse(name)?;
    let token = format!("troth_{}", new_secret());
    let info = state.store.create_token(user, name.as_str(), &hash_secret(&token), Timestamp::now()).await?;
    Ok((token, info))
}
