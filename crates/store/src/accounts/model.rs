//! What accounts hand out: the person, their sessions and tokens.

use jiff::Timestamp;
use serde::Serialize;
use troth_domain::{DisplayName, Email, Id, TimeZoneName};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub id: Id,
    pub email: String,
    pub display_name: String,
    pub time_zone: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

/// Only for logging in: the stored hash never leaves the server.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user_id: Id,
    pub password_hash: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionInfo {
    pub id: Id,
    #[serde(skip)]
    pub csrf_token: String,
    pub user_agent: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub last_seen_at: Timestamp,
}

/// A live session as every request reads it: the session, its person, and
/// how many of their notifications are unread (for the pages' navigation),
/// all from one query.
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub info: SessionInfo,
    pub user: User,
    pub unread_notifications: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: Id,
    pub name: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<Timestamp>,
}

pub struct NewUser {
    pub email: Email,
    pub password_hash: String,
    pub display_name: DisplayName,
    pub time_zone: TimeZoneName,
}

/// Timeouts that decide whether a session is still alive.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub idle: jiff::SignedDuration,
    pub absolute: jiff::SignedDuration,
}

/// The answer to asking for one more login attempt under a throttle key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleAttempt {
    /// The attempt is reserved (counted as a failure until it succeeds):
    /// `attempts` recent ones under this key, this one included.
    Reserved { attempts: i64 },
    /// The key waits until then; nothing was counted.
    Locked { until: Timestamp },
}

/// What a link sent by email is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailLinkPurpose {
    /// Confirms the address of a registration and makes the account.
    ConfirmRegistration,
    /// Sets a new password for the account at the address.
    ResetPassword,
}

impl EmailLinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailLinkPurpose::ConfirmRegistration => "confirm_registration",
            EmailLinkPurpose::ResetPassword => "reset_password",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "confirm_registration" => Some(EmailLinkPurpose::ConfirmRegistration),
            "reset_password" => Some(EmailLinkPurpose::ResetPassword),
            _ => None,
        }
    }
}

/// A link sent by email, as kept (its secret only as a hash, elsewhere).
#[derive(Debug, Clone)]
pub struct EmailLink {
    pub purpose: EmailLinkPurpose,
    /// The address it was sent to (normalised).
    pub email: String,
    /// What following it finishes, written and read by the caller.
    pub payload: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}
