//! What a member can be told about, and how they choose to hear of it.
//!
//! Every notification has a [`NotificationKind`]; every member has one
//! on/off choice per kind and [`Channel`]. Kinds are an enum rather than
//! strings so that a new kind cannot silently fall under another kind's
//! choice (it once did: turning off "due soon" also silenced thanks).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Something that happened that a member may want to hear about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// The partner made you a promise.
    PromiseMade,
    /// A promise (yours or to you) is due soon.
    PromiseDueSoon,
    /// The partner says they kept a promise and asks you to confirm.
    PromiseClaimed,
    /// The partner confirmed a promise you kept.
    PromiseConfirmed,
    /// Anything else that changed on a promise: a renegotiation, an
    /// apology, a release, a promise marked as not kept.
    PromiseChanged,
    /// The partner thanked you.
    Appreciation,
    /// The weekly ritual's time has come, or the partner started it.
    Ritual,
    /// The partner wrote their part of a sealed exchange (never what).
    ExchangeWaiting,
    /// Both parts of a sealed exchange are open.
    ExchangeRevealed,
    /// The partner started an exercise for you both, or shared one they
    /// did alone (never anything about a private one).
    Program,
    /// The partner added a shared goal or a new experience, or one was
    /// finished.
    Goals,
    /// The partner added a moment to the shared journal or the timeline, or
    /// commented on a journal entry.
    Journal,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 12] = [
        NotificationKind::PromiseMade,
        NotificationKind::PromiseDueSoon,
        NotificationKind::PromiseClaimed,
        NotificationKind::PromiseConfirmed,
        NotificationKind::PromiseChanged,
        NotificationKind::Appreciation,
        NotificationKind::Ritual,
        NotificationKind::ExchangeWaiting,
        NotificationKind::ExchangeRevealed,
        NotificationKind::Program,
        NotificationKind::Goals,
        NotificationKind::Journal,
    ];

    /// The stable name stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::PromiseMade => "promise_made",
            NotificationKind::PromiseDueSoon => "promise_due_soon",
            NotificationKind::PromiseClaimed => "promise_claimed",
            NotificationKind::PromiseConfirmed => "promise_confirmed",
            NotificationKind::PromiseChanged => "promise_changed",
            NotificationKind::Appreciation => "appreciation",
            NotificationKind::Ritual => "ritual",
            NotificationKind::ExchangeWaiting => "exchange_waiting",
            NotificationKind::ExchangeRevealed => "exchange_revealed",
            NotificationKind::Program => "program",
            NotificationKind::Goals => "goals",
            NotificationKind::Journal => "journal",
        }
    }

    /// How the settings page names the kind.
    pub fn label(self) -> &'static str {
        match self {
            NotificationKind::PromiseMade => "A promise made to you",
            NotificationKind::PromiseDueSoon => "A promise due soon",
            NotificationKind::PromiseClaimed => "A promise your partner says is done",
            NotificationKind::PromiseConfirmed => "Your kept promise confirmed",
            NotificationKind::PromiseChanged => "Other changes to a promise",
            NotificationKind::Appreciation => "Thanks from your partner",
            NotificationKind::Ritual => "The weekly ritual",
            NotificationKind::ExchangeWaiting => "Your partner wrote their part of an exchange",
            NotificationKind::ExchangeRevealed => "An exchange opened for you both",
            NotificationKind::Program => "An exercise your partner started or shared",
            NotificationKind::Goals => "A shared goal or new experience added or finished",
            NotificationKind::Journal => "Your partner added to your journal or timeline",
        }
    }

    /// What a member gets before they choose: everything in the app, no
    /// email (an email can be seen by someone else in the household).
    pub fn default_on(self, channel: Channel) -> bool {
        match channel {
            Channel::App => true,
            Channel::Email => false,
        }
    }
}

impl fmt::Display for NotificationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown notification kind {0:?}")]
pub struct UnknownKind(pub String);

impl FromStr for NotificationKind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NotificationKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| UnknownKind(s.to_string()))
    }
}

/// Where a notification goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The notifications page inside troth.
    App,
    /// An email with a nudge and a link, never the entry's text.
    Email,
}

impl Channel {
    pub const ALL: [Channel; 2] = [Channel::App, Channel::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::App => "app",
            Channel::Email => "email",
        }
    }
}

impl FromStr for Channel {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s).ok_or_else(|| UnknownKind(s.to_string()))
    }
}

/// One member's choices: one bit per kind and channel. What was never
/// chosen falls back to [`NotificationKind::default_on`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Preferences {
    chosen: u32,
    on: u32,
}

impl Preferences {
    fn bit(kind: NotificationKind, channel: Channel) -> u32 {
        let k = NotificationKind::ALL.iter().position(|x| *x == kind).unwrap_or(0) as u32;
        let c = Channel::ALL.iter().position(|x| *x == channel).unwrap_or(0) as u32;
        1 << (k * Channel::ALL.len() as u32 + c)
    }

    pub fn wants(&self, kind: NotificationKind, channel: Channel) -> bool {
        let bit = Self::bit(kind, channel);
        if self.chosen & bit != 0 {
            self.on & bit != 0
        } else {
            kind.default_on(channel)
        }
    }

    pub fn set(&mut self, kind: NotificationKind, channel: Channel, on: bool) {
        let bit = Self::bit(kind, channel);
        self.chosen |= bit;
        if on {
            self.on |= bit;
        } else {
            self.on &= !bit;
        }
    }

    /// Every (kind, channel, on) triple, in a stable order (for storage
    /// and the settings page).
    pub fn all(&self) -> impl Iterator<Item = (NotificationKind, Channel, bool)> + '_ {
        NotificationKind::ALL
            .into_iter()
            .flat_map(|k| Channel::ALL.into_iter().map(move |c| (k, c)))
            .map(|(k, c)| (k, c, self.wants(k, c)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for k in NotificationKind::ALL {
            assert!(seen.insert(k.as_str()), "{k} twice");
            assert_eq!(k.as_str().parse::<NotificationKind>().unwrap(), k);
        }
        assert!("confirmed".parse::<NotificationKind>().is_err());
        for c in Channel::ALL {
            assert_eq!(c.as_str().parse::<Channel>().unwrap(), c);
        }
    }

    #[test]
    fn defaults_are_in_app_only() {
        let p = Preferences::default();
        for k in NotificationKind::ALL {
            assert!(p.wants(k, Channel::App));
            assert!(!p.wants(k, Channel::Email));
        }
    }

    #[test]
    fn turning_one_kind_off_silences_that_kind_only() {
        for off in NotificationKind::ALL {
            for channel in Channel::ALL {
                let mut p = Preferences::default();
                p.set(off, channel, false);
                for k in NotificationKind::ALL {
                    for c in Channel::ALL {
                        let expected = if (k, c) == (off, channel) { false } else { k.default_on(c) };
                        assert_eq!(p.wants(k, c), expected, "turned off {off} by {channel:?}, asked {k} by {c:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_choice_can_be_taken_back() {
        let mut p = Preferences::default();
        p.set(NotificationKind::Ritual, Channel::Email, true);
        assert!(p.wants(NotificationKind::Ritual, Channel::Email));
        p.set(NotificationKind::Ritual, Channel::Email, false);
        assert!(!p.wants(NotificationKind::Ritual, Channel::Email));
        assert_eq!(p.all().count(), NotificationKind::ALL.len() * Channel::ALL.len());
    }
}
