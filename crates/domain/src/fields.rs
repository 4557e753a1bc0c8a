//! Validated input fields. Each type can only be built through `parse`, so a
//! value that exists is a value that passed its rules (length limits on all).

use serde::Serialize;
use std::fmt;

/// A rejected field: which one, and a message fit to show the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        FieldError { field, message: message.into() }
    }
}

fn has_control_chars(s: &str) -> bool {
    s.chars().any(|c| c.is_control())
}

/// Multi-line text may hold newlines and tabs, nothing else invisible.
fn has_bad_control_chars(s: &str) -> bool {
    s.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
}

/// `as_str`, `into_inner`, `Display` and `AsRef<str>` for a `struct X(String)`.
macro_rules! text_newtype {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn into_inner(self) -> String {
                self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

pub(crate) use text_newtype;

/// The length rule every text field shares, counted in characters.
fn check_len(field: &'static str, value: &str, min: usize, max: usize) -> Result<(), FieldError> {
    let chars = value.chars().count();
    if chars < min {
        return Err(FieldError::new(
            field,
            if min == 1 { "cannot be empty".to_string() } else { format!("needs at least {min} characters") },
        ));
    }
    if chars > max {
        return Err(FieldError::new(field, format!("can be at most {max} characters (this is {chars})")));
    }
    Ok(())
}

/// Checks a one-line text field: trimmed, between `min` and `max` characters.
pub(crate) fn one_line(field: &'static str, raw: &str, min: usize, max: usize) -> Result<String, FieldError> {
    let value = raw.trim();
    check_len(field, value, min, max)?;
    if has_control_chars(value) {
        return Err(FieldError::new(field, "cannot contain line breaks or control characters"));
    }
    Ok(value.to_string())
}

/// Trimmed multi-line text (newlines and tabs kept, `\r\n` normalised).
pub(crate) fn multi_line(field: &'static str, raw: &str, min: usize, max: usize) -> Result<String, FieldError> {
    let value = raw.trim().replace("\r\n", "\n");
    check_len(field, &value, min, max)?;
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(FieldError::new(field, "contains invisible control characters"));
    }
    Ok(value)
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);
text_newtype!(Email);

impl Email {
    pub const MAX: usize = 254;

    /// Deliberately loose: one `@`, something on each side, a dot in the
    /// domain. Real verification is a mail round-trip, not a regex.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = one_line("email", raw, 1, Self::MAX)?.to_lowercase();
        let Some((local, domain)) = value.split_once('@') else {
            return Err(FieldError::new("email", "needs an @, like name@example.org"));
        };
        let domain_ok = !domain.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.');
        if local.is_empty() || !domain_ok || value.chars().any(char::is_whitespace) {
            return Err(FieldError::new("email", "does not look like an email address"));
        }
        Ok(Email(value))
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    pub const MIN: usize = 8;
    pub const MAX: usize = 128;

    /// Length is the only rule (NIST SP 800-63B): composition rules make
    /// passwords harder to remember, not harder to guess. Not trimmed:
    /// spaces are part of a passphrase.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let chars = raw.chars().count();
        if chars < Self::MIN {
            return Err(FieldError::new("password", format!("needs at least {} characters", Self::MIN)));
        }
        if chars > Self::MAX {
            return Err(FieldError::new("password", format!("can be at most {} characters", Self::MAX)));
        }
        Ok(Password(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);
text_newtype!(DisplayName);

impl DisplayName {
    pub const MAX: usize = 60;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        one_line("display_name", raw, 1, Self::MAX).map(DisplayName)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceName(String);
text_newtype!(SpaceName);

impl SpaceName {
    pub const MAX: usize = 80;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        one_line("name", raw, 1, Self::MAX).map(SpaceName)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenName(String);
text_newtype!(TokenName);

impl TokenName {
    pub const MAX: usize = 60;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        one_line("name", raw, 1, Self::MAX).map(TokenName)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryTitle(String);
text_newtype!(EntryTitle);

impl EntryTitle {
    pub const MAX: usize = 120;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        one_line("title", raw, 1, Self::MAX).map(EntryTitle)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryBody(String);
text_newtype!(EntryBody);

impl EntryBody {
    pub const MAX: usize = 20_000;
    /// Keeps inner whitespace and newlines (people format what they write);
    /// trims only the ends.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim();
        let chars = value.chars().count();
        if chars == 0 {
            return Err(FieldError::new("body", "cannot be empty"));
        }
        if chars > Self::MAX {
            return Err(FieldError::new("body", format!("can be at most {} characters (this is {chars})", Self::MAX)));
        }
        if has_bad_control_chars(value) {
            return Err(FieldError::new("body", "contains invisible control characters"));
        }
        Ok(EntryBody(value.replace("\r\n", "\n")))
    }
}

/// One line of thanks: short on purpose, so it is quick to write anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppreciationText(String);
text_newtype!(AppreciationText);

impl AppreciationText {
    pub const MAX: usize = 280;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        one_line("text", raw, 1, Self::MAX).map(AppreciationText)
    }
}

/// An IANA time zone name that this machine's time zone database knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeZoneName(String);
text_newtype!(TimeZoneName);

impl TimeZoneName {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = one_line("time_zone", raw, 1, 64)?;
        match jiff::tz::TimeZone::get(&value) {
            Ok(_) => Ok(TimeZoneName(value)),
            Err(_) => Err(FieldError::new(
                "time_zone",
                format!("unknown time zone \"{value}\" (use a name like Europe/Paris)"),
            )),
        }
    }

    pub fn utc() -> Self {
        TimeZoneName("UTC".to_string())
    }

    pub fn tz(&self) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get(&self.0).unwrap_or(jiff::tz::TimeZone::UTC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_normalised_and_checked() {
        assert_eq!(Email::parse("  Ana@Example.ORG ").unwrap().as_str(), "ana@example.org");
        for bad in ["", "ana", "ana@", "@example.org", "ana@example", "a b@example.org", "ana@@example.org", "ana@.org"]
        {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert_eq!(Email::parse(&long).unwrap_err().field, "email");
    }

    #[test]
    fn password_length_is_the_only_rule() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("eightchr").is_ok());
        assert!(Password::parse("all lowercase words are fine").is_ok());
        assert!(Password::parse(&"x".repeat(128)).is_ok());
        assert!(Password::parse(&"x".repeat(129)).is_err());
        // Characters, not bytes: eight accented letters are eight characters.
        assert!(Password::parse("éééééééé").is_ok());
        assert!(!format!("{:?}", Password::parse("secret-pass").unwrap()).contains("secret"));
    }

    #[test]
    fn one_line_fields_reject_empty_long_and_control() {
        assert!(DisplayName::parse("   ").is_err());
        assert_eq!(DisplayName::parse(" Sam ").unwrap().as_str(), "Sam");
        assert!(DisplayName::parse(&"n".repeat(61)).is_err());
        assert!(SpaceName::parse("us\nthem").is_err());
        assert!(EntryTitle::parse(&"t".repeat(121)).is_err());
    }

    #[test]
    fn body_keeps_newlines_and_limits_size() {
        let body = EntryBody::parse("  line one\r\nline two  ").unwrap();
        assert_eq!(body.as_str(), "line one\nline two");
        assert!(EntryBody::parse(&"b".repeat(EntryBody::MAX + 1)).is_err());
        assert!(EntryBody::parse("bell\u{7}").is_err());
        assert!(EntryBody::parse(" \n ").is_err());
    }

    #[test]
    fn time_zones_must_exist() {
        assert!(TimeZoneName::parse("Europe/Paris").is_ok());
        assert!(TimeZoneName::parse("UTC").is_ok());
        assert!(TimeZoneName::parse("Mars/Olympus").is_err());
    }
}
