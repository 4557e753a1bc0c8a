//! The typed entries of the library, as the rest of troth sees them once
//! the data files have been read and checked.

use std::borrow::Borrow;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
pub use troth_domain::program::Level;
pub use troth_domain::pulse::TrustType;

/// How an exercise is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// One person, on their own; answers stay private unless shared.
    Alone,
    /// Both together, on one screen or two.
    Together,
    /// Each writes privately; both parts open together once both are written.
    Sealed,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Alone, Mode::Together, Mode::Sealed];
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Alone => "alone",
            Mode::Together => "together",
            Mode::Sealed => "sealed",
        }
    }
}

/// Which of the pair's two paths an exercise belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Track {
    /// Building trust that is new or steady.
    Build,
    /// Rebuilding trust after it was broken.
    Rebuild,
    /// Fits either path.
    Both,
}

impl Track {
    pub const ALL: [Track; 3] = [Track::Build, Track::Rebuild, Track::Both];
    pub fn as_str(self) -> &'static str {
        match self {
            Track::Build => "build",
            Track::Rebuild => "rebuild",
            Track::Both => "both",
        }
    }

    /// Whether an entry marked `self` suits a pair (or a filter) on `wanted`:
    /// `both` entries suit either path; a `both` filter asks for those only.
    pub fn serves(self, wanted: Track) -> bool {
        self == wanted || self == Track::Both
    }
}

macro_rules! str_enum_impls {
    ($ty:ident, $what:literal) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl FromStr for $ty {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $ty::ALL.into_iter().find(|v| v.as_str() == s).ok_or_else(|| UnknownName {
                    what: $what,
                    given: s.to_owned(),
                    expected: $ty::ALL.iter().map(|v| v.as_str()).collect(),
                })
            }
        }
    };
}
str_enum_impls!(Mode, "mode");
str_enum_impls!(Track, "track");

/// A name that is not one of the allowed ones; displays as the message the
/// data-file checks use, so web forms can reuse it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    pub what: &'static str,
    pub given: String,
    pub expected: Vec<&'static str>,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} {:?} (expected one of: {})", self.what, self.given, self.expected.join(", "))
    }
}

impl std::error::Error for UnknownName {}

macro_rules! id_newtype {
    ($(#[$doc:meta])* $ty:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $ty(Arc<str>);

        impl Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl $ty {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl Borrow<str> for $ty {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

id_newtype!(
    /// An exercise id: `[a-z0-9-]`, 3..=48 characters, unique in the library.
    ExerciseId
);
id_newtype!(
    /// A prompt id: `p-` then `[a-z0-9-]`, at most 48 characters in all.
    PromptId
);
id_newtype!(
    /// A seed item key: `<seed>.<group>.<n>`, e.g. `001.behaviours.3`.
    ItemKey
);

fn id_chars_ok(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl ExerciseId {
    pub fn parse(s: &str) -> Result<Self, String> {
        if (3..=48).contains(&s.len()) && id_chars_ok(s) {
            Ok(ExerciseId(s.into()))
        } else {
            Err(format!("bad exercise id {s:?} (use 3 to 48 of a-z, 0-9 and -)"))
        }
    }
}

impl PromptId {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.strip_prefix("p-") {
            Some(rest) if !rest.is_empty() && s.len() <= 48 && id_chars_ok(rest) => Ok(PromptId(s.into())),
            _ => Err(format!("bad prompt id {s:?} (use p- then a-z, 0-9 and -, at most 48 characters)")),
        }
    }
}

impl ItemKey {
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("bad seed item key {s:?} (expected <seed>.<group>.<n>, e.g. 001.behaviours.3)");
        let mut parts = s.split('.');
        let (Some(seed), Some(group), Some(n), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        let group_ok = !group.is_empty() && group.bytes().all(|b| b.is_ascii_lowercase());
        let n_ok = n.parse::<u32>().is_ok_and(|n| n >= 1) && !n.starts_with('0');
        if Seed::parse(seed).is_ok() && group_ok && n_ok {
            Ok(ItemKey(s.into()))
        } else {
            Err(bad())
        }
    }
    /// The seed part, e.g. `001`.
    pub fn seed(&self) -> Seed {
        Seed::parse(&self.0[..3]).expect("checked when parsed")
    }
    /// The group part, e.g. `behaviours`.
    pub fn group(&self) -> &str {
        self.0.split('.').nth(1).expect("checked when parsed")
    }
    /// The position in the seed's list, from 1.
    pub fn number(&self) -> u32 {
        self.0.rsplit('.').next().and_then(|n| n.parse().ok()).expect("checked when parsed")
    }
}

/// One of the five source articles, `000` to `004`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Seed(u8);

impl Seed {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "000" | "001" | "002" | "003" | "004" => Ok(Seed(s.as_bytes()[2] - b'0')),
            _ => Err(format!("unknown seed {s:?} (expected one of: 000, 001, 002, 003, 004)")),
        }
    }
    pub fn number(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03}", self.0)
    }
}

impl Serialize for Seed {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Where an entry was defined, for messages such as duplicate ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    #[serde(serialize_with = "serialize_arc_str")]
    pub file: Arc<str>,
    pub line: usize,
}

fn serialize_arc_str<S: serde::Serializer>(value: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(value)
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A numbered item of a seed (an exercise, behaviour, method...).
#[derive(Debug, Clone, Serialize)]
pub struct SeedItem {
    pub key: ItemKey,
    pub seed: Seed,
    pub section: String,
    pub title: String,
    pub origin: Origin,
}

/// The seed section an exercise comes from.
#[derive(Debug, Clone, Serialize)]
pub struct SourceRef {
    pub seed: Seed,
    pub section: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub title: String,
    pub text: String,
    /// Questions each person answers in writing in this step (0..=5).
    pub prompts: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Exercise {
    pub id: ExerciseId,
    pub title: String,
    pub sources: Vec<SourceRef>,
    pub covers: Vec<ItemKey>,
    pub why: String,
    /// 1..=3 kinds of trust, no duplicates, in the order written.
    pub trust: Vec<TrustType>,
    pub mode: Mode,
    pub track: Track,
    pub level: Level,
    pub minutes: u16,
    pub cautions: Vec<String>,
    pub tags: Vec<String>,
    pub steps: Vec<Step>,
    pub origin: Origin,
}

impl Exercise {
    pub fn serves_trust(&self, kind: TrustType) -> bool {
        self.trust.contains(&kind)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Prompt {
    pub id: PromptId,
    pub text: String,
    /// 1..=2 kinds of trust.
    pub trust: Vec<TrustType>,
    pub level: Level,
    /// Fits "for tonight": five minutes together, low stakes, level 1-2.
    pub tonight: bool,
    pub origin: Origin,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_agreed_shape() {
        assert!(ExerciseId::parse("honest-small-preference").is_ok());
        assert!(ExerciseId::parse("ab").is_err());
        assert!(ExerciseId::parse("Has-Capitals").is_err());
        assert!(ExerciseId::parse(&"a".repeat(49)).is_err());
        assert!(PromptId::parse("p-first-concert").is_ok());
        assert!(PromptId::parse("first-concert").is_err());
        assert!(PromptId::parse("p-").is_err());
        assert!(PromptId::parse(&format!("p-{}", "a".repeat(47))).is_err());
    }

    #[test]
    fn item_keys_split_into_seed_group_and_number() {
        let key = ItemKey::parse("001.behaviours.9").unwrap();
        assert_eq!(key.seed().to_string(), "001");
        assert_eq!(key.group(), "behaviours");
        assert_eq!(key.number(), 9);
        for bad in ["005.ways.1", "001.Behaviours.1", "001.behaviours.0", "001.behaviours", "1.ways.1", "001.ways.01"] {
            assert!(ItemKey::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn enums_round_trip_and_explain_unknown_names() {
        for mode in Mode::ALL {
            assert_eq!(mode.as_str().parse::<Mode>().unwrap(), mode);
        }
        let err = "solo".parse::<Mode>().unwrap_err().to_string();
        assert_eq!(err, "unknown mode \"solo\" (expected one of: alone, together, sealed)");
        assert!(Track::Both.serves(Track::Build) && Track::Both.serves(Track::Rebuild));
        assert!(!Track::Build.serves(Track::Rebuild));
        assert!(!Track::Build.serves(Track::Both));
    }
}
