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
/// `value` between `min` and `max` characters. The maximum is also checked
/// on the text as sent, spaces at its ends included (see `one_line`): the
/// API document states it as `maxLength`, and a client must not meet a
/// different rule than the one written down.
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

/// An optional text field as sent: `None` when absent or only white space,
/// else the text itself, untrimmed, for its own `parse` to check. The limit
/// is checked here first on the text as sent, so that a blank value longer
/// than `max` is refused like any other (the API document's `maxLength`
/// holds for blanks too), and no caller trims before the length is known.
pub fn present<'a>(field: &'static str, raw: Option<&'a str>, max: usize) -> Result<Option<&'a str>, FieldError> {
    let Some(raw) = raw else { return Ok(None) };
    check_len(field, raw, 0, max)?;
    Ok(Some(raw).filter(|r| !r.trim().is_empty()))
}

/// Invisible characters that change how text around them is shown: bidi
/// embeddings, overrides and isolates (which can make a name read backwards),
/// zero-width spaces and joiners used to fake a look-alike, word joiners, the
/// byte-order mark, interlinear annotations and Unicode tag characters. Almost
/// all of Unicode's "format" category (Cf); the zero-width joiner is left out
/// because emoji sequences (a family, a rainbow flag) are built with it.
pub fn is_invisible_format_char(c: char) -> bool {
    matches!(c,
        '\u{00AD}'                       // soft hyphen
        | '\u{061C}'                     // Arabic letter mark
        | '\u{180E}'                     // Mongolian vowel separator
        | '\u{200B}'..='\u{200C}'        // zero-width space, non-joiner
        | '\u{200E}'..='\u{200F}'        // left-to-right / right-to-left marks
        | '\u{202A}'..='\u{202E}'        // bidi embeddings and overrides
        | '\u{2060}'..='\u{2064}'        // word joiner, invisible operators
        | '\u{2066}'..='\u{206F}'        // bidi isolates, deprecated format chars
        | '\u{FEFF}'                     // byte-order mark / zero-width no-break space
        | '\u{FFF9}'..='\u{FFFB}'        // interlinear annotation
        | '\u{1BCA0}'..='\u{1BCA3}'      // shorthand format controls
        | '\u{1D173}'..='\u{1D17A}'      // musical symbol format controls
        | '\u{E0000}'..='\u{E007F}'      // tag characters
    )
}

/// A character someone can see: not white space, not a control or format
/// character, not a joiner or variation selector on its own.
fn is_visible(c: char) -> bool {
    !(c.is_whitespace()
        || c.is_control()
        || is_invisible_format_char(c)
        || c == '\u{200D}'
        || ('\u{FE00}'..='\u{FE0F}').contains(&c)
        || ('\u{0300}'..='\u{036F}').contains(&c))
}

/// Checks a one-line text field: trimmed, between `min` and `max` characters,
/// with at least one visible character and no invisible ones that could make
/// a name or title pass for another (names are shown to the partner, and a
/// right-to-left override can turn "Sam" into something else on screen).
pub(crate) fn one_line(field: &'static str, raw: &str, min: usize, max: usize) -> Result<String, FieldError> {
    check_len(field, raw, 0, max)?;
    let value = raw.trim();
    check_len(field, value, min, max)?;
    if has_control_chars(value) {
        return Err(FieldError::new(field, "cannot contain line breaks or control characters"));
    }
    if value.chars().any(is_invisible_format_char) {
        return Err(FieldError::new(field, "cannot contain invisible formatting characters"));
    }
    if min > 0 && !value.chars().any(is_visible) {
        return Err(FieldError::new(field, "needs at least one visible character"));
    }
    Ok(value.to_string())
}

/// Every line break as `\n`: Windows' `\r\n` and a lone `\r` (old Macs,
/// and what is left of `\r\r\n` once `\r\n` alone is replaced) alike.
fn normalise_line_breaks(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// Trimmed multi-line text (newlines and tabs kept, line breaks normalised).
pub(crate) fn multi_line(field: &'static str, raw: &str, min: usize, max: usize) -> Result<String, FieldError> {
    check_len(field, raw, 0, max)?;
    let value = normalise_line_breaks(raw.trim());
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
        check_len("body", raw, 0, Self::MAX)?;
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
        Ok(EntryBody(normalise_line_breaks(value)))
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
    /// The longest IANA names are about 30 characters; this leaves room.
    pub const MAX: usize = 64;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = one_line("time_zone", raw, 1, Self::MAX)?;
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
    fn the_limit_counts_what_was_sent_spaces_included() {
        let full = "t".repeat(EntryTitle::MAX);
        assert!(EntryTitle::parse(&full).is_ok());
        assert!(EntryTitle::parse(&format!(" {full}")).is_err(), "one space over the limit");
        assert!(EntryTitle::parse(&format!("  {}  ", "t".repeat(EntryTitle::MAX - 4))).is_ok());
        let body = "b".repeat(EntryBody::MAX);
        assert!(EntryBody::parse(&body).is_ok());
        assert!(EntryBody::parse(&format!("{body}\n")).is_err());
    }

    #[test]
    fn optional_fields_check_the_limit_before_deciding_they_are_blank() {
        assert_eq!(present("note", None, 5), Ok(None));
        assert_eq!(present("note", Some(""), 5), Ok(None));
        assert_eq!(present("note", Some(" \r\n\t "), 5), Ok(None));
        assert_eq!(present("note", Some(" hi "), 5), Ok(Some(" hi ")), "untrimmed, for parse to check");
        let blank = present("note", Some("      "), 5).unwrap_err();
        assert_eq!(blank.field, "note", "six spaces are over five even though blank");
        assert!(present("note", Some("\rabcde"), 5).is_err(), "a carriage return counts like any character");
    }

    #[test]
    fn one_line_fields_refuse_invisible_and_direction_changing_characters() {
        for bad in [
            "Sam\u{202E}ylno",     // right-to-left override
            "\u{2066}Sam\u{2069}", // isolate
            "Sa\u{200B}m",         // zero-width space
            "Sam\u{E0041}",        // tag character
            "\u{FEFF}Sam",         // byte-order mark
            "Sam\u{200F}",         // right-to-left mark
        ] {
            let err = DisplayName::parse(bad).unwrap_err();
            assert_eq!(err.field, "display_name", "{bad:?}");
            assert!(err.message.contains("invisible"), "{bad:?}: {}", err.message);
            assert!(EntryTitle::parse(bad).is_err(), "{bad:?}");
        }
        // Nothing visible at all: combining marks, joiners, variation selectors.
        for empty_looking in ["\u{0301}\u{0301}", "\u{200D}", "\u{FE0F}\u{200D}"] {
            let err = DisplayName::parse(empty_looking).unwrap_err();
            assert!(err.message.contains("visible"), "{empty_looking:?}: {}", err.message);
        }
        // Real names and emoji sequences built with the zero-width joiner pass.
        for good in ["Zoë", "سارا", "李小龙", "Ana 👩\u{200D}❤\u{FE0F}\u{200D}👨", "José"] {
            assert_eq!(DisplayName::parse(good).unwrap().as_str(), good);
        }
    }

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
    fn every_line_break_becomes_one_newline() {
        // Found by the property tests: "\r\r\n" kept a "\r\n" in a body.
        assert_eq!(EntryBody::parse("a\r\r\nb").unwrap().as_str(), "a\n\nb");
        assert_eq!(EntryBody::parse("old\rmac\r\nwin").unwrap().as_str(), "old\nmac\nwin");
        assert_eq!(multi_line("text", "one\rtwo\r\r\nthree", 1, 100).unwrap(), "one\ntwo\n\nthree");
    }

    #[test]
    fn time_zones_must_exist() {
        assert!(TimeZoneName::parse("Europe/Paris").is_ok());
        assert!(TimeZoneName::parse("UTC").is_ok());
        assert!(TimeZoneName::parse("Mars/Olympus").is_err());
    }
}
