//! Opaque identifiers.
//!
//! Ids are random 63-bit numbers, never sequential: a sequential id would let a
//! partner infer how many private entries the other wrote between two shared
//! ones. They are shown as 16 lowercase hex digits.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(i64);

impl Id {
    /// Builds an id from 8 random bytes; the sign bit is cleared so the value
    /// fits every database's signed 64-bit integer the same way.
    pub fn from_random(bytes: [u8; 8]) -> Self {
        let raw = i64::from_le_bytes(bytes) & i64::MAX;
        // Zero is reserved so a default value can never be mistaken for a real id.
        Id(if raw == 0 { 1 } else { raw })
    }

    pub fn from_db(raw: i64) -> Self {
        Id(raw)
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({self})")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid id")]
pub struct BadId;

impl FromStr for Id {
    type Err = BadId;
    fn from_str(s: &str) -> Result<Self, BadId> {
        if s.len() != 16 || !s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(BadId);
        }
        let raw = i64::from_str_radix(s, 16).map_err(|_| BadId)?;
        if raw <= 0 {
            return Err(BadId);
        }
        Ok(Id(raw))
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for Id {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[0-9a-f]{16}$"))
            .description(Some("An opaque id: 16 lowercase hex digits."))
            .into()
    }
}

impl utoipa::ToSchema for Id {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        let id = Id::from_random([1, 2, 3, 4, 5, 6, 7, 0xff]);
        assert!(id.get() > 0);
        let text = id.to_string();
        assert_eq!(text.len(), 16);
        assert_eq!(text.parse::<Id>().unwrap(), id);
    }

    #[test]
    fn rejects_malformed_text() {
        for bad in ["", "123", "zzzzzzzzzzzzzzzz", "0000000000000000", "FFFFFFFFFFFFFFFF", "8000000000000000"] {
            assert!(bad.parse::<Id>().is_err(), "{bad} parsed");
        }
    }

    #[test]
    fn zero_is_never_produced() {
        assert_eq!(Id::from_random([0; 8]).get(), 1);
        assert_eq!(Id::from_random([0, 0, 0, 0, 0, 0, 0, 0x80]).get(), 1);
    }
}
