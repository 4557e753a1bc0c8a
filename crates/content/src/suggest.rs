//! The next exercise to suggest to one member.
//!
//! It leans towards the kinds of trust the member's own private pulse shows
//! lowest, but the result carries only the exercise and a reason built from
//! public facts (new or not, which level, alone or together): nothing in it
//! names or hints at the pulse, so it is safe to show wherever the exercise is.

use std::collections::HashMap;

use crate::model::{Exercise, ExerciseId, Level, Mode, Track, TrustType};
use crate::Library;

/// What the suggestion is based on; all of it is the pair's state except
/// `lowest_trust`, which is the asking member's own and stays inside.
#[derive(Debug, Clone, Copy)]
pub struct SuggestionRequest<'a> {
    /// The pair's chosen track (`build` or `rebuild`).
    pub track: Track,
    /// The highest level the pair has open.
    pub open_level: Level,
    /// How many times the pair has finished each exercise.
    pub done: &'a HashMap<ExerciseId, u32>,
    /// The member's own lowest kinds of trust, lowest first (may be empty).
    pub lowest_trust: &'a [TrustType],
    /// Whether the partner has joined and is taking part; if not, only
    /// alone-mode exercises are suggested.
    pub partner_present: bool,
}

/// Why this exercise, in words safe to show to either partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuggestionReason {
    /// Not done yet, at the level the pair has reached.
    NewAtYourLevel,
    /// Not done yet, from a level the pair has already passed.
    NewEarlierLevel,
    /// Everything suitable has been done; this one is worth another go.
    WorthRepeating,
}

impl SuggestionReason {
    pub fn text(self) -> &'static str {
        match self {
            SuggestionReason::NewAtYourLevel => "Something new, at the level you have reached.",
            SuggestionReason::NewEarlierLevel => "Something new, and a gentle one.",
            SuggestionReason::WorthRepeating => "You have tried them all; this one is worth another go.",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Suggestion<'a> {
    pub exercise: &'a Exercise,
    pub reason: SuggestionReason,
    /// True when only alone-mode exercises were considered (the partner is
    /// not there yet), so the page can say it counts for both of you.
    pub alone_only: bool,
}

impl Suggestion<'_> {
    /// The reason as one short sentence.
    pub fn reason_text(&self) -> String {
        if self.alone_only {
            format!("{} You can do it on your own, and it counts for you both.", self.reason.text())
        } else {
            self.reason.text().to_owned()
        }
    }
}

/// How well an exercise meets the member's lowest kinds of trust: higher for
/// the lowest kind, summed over the kinds it serves.
fn trust_fit(exercise: &Exercise, lowest: &[TrustType]) -> u32 {
    let count = lowest.len() as u32;
    lowest.iter().enumerate().filter(|(_, kind)| exercise.serves_trust(**kind)).map(|(i, _)| count - i as u32).sum()
}

/// Suggests one exercise: on the pair's track, at or below the open level,
/// alone-mode only when the partner is away. Prefers, in order: one not done
/// yet (then the least done); at the open level or just below it; serving the
/// member's lowest kinds of trust; then the higher level and browsing order.
/// `None` only when no exercise fits at all.
pub fn suggest_next<'a>(library: &'a Library, request: &SuggestionRequest) -> Option<Suggestion<'a>> {
    let open = request.open_level.get();
    let best = library
        .exercises()
        .iter()
        .enumerate()
        .filter(|(_, e)| e.track.serves(request.track) && e.level <= request.open_level)
        .filter(|(_, e)| request.partner_present || e.mode == Mode::Alone)
        .min_by_key(|(order, e)| {
            let times_done = request.done.get(&e.id).copied().unwrap_or(0);
            // Open level and the one below are equally good; further down, less so.
            let distance = open - e.level.get();
            let level_tier = distance.saturating_sub(1);
            let fit = trust_fit(e, request.lowest_trust);
            (times_done, level_tier, std::cmp::Reverse(fit), distance, *order)
        })
        .map(|(_, e)| e)?;
    let done_before = request.done.get(&best.id).copied().unwrap_or(0) > 0;
    let reason = if done_before {
        SuggestionReason::WorthRepeating
    } else if best.level == request.open_level {
        SuggestionReason::NewAtYourLevel
    } else {
        SuggestionReason::NewEarlierLevel
    };
    Some(Suggestion { exercise: best, reason, alone_only: !request.partner_present })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn library() -> Library {
        let items = "[[item]]\nkey = \"000.exercises.1\"\nseed = \"000\"\nsection = \"S\"\ntitle = \"T\"\n";
        let exercise = |id: &str, trust: &str, level: u8, mode: &str| {
            format!(
                "[[exercise]]\nid = \"{id}\"\ntitle = \"{id}\"\nsources = [{{ seed = \"000\", section = \"S\" }}]\n\
                 covers = [\"000.exercises.1\"]\nwhy = \"W.\"\ntrust = {trust}\nmode = \"{mode}\"\ntrack = \"build\"\n\
                 level = {level}\nminutes = 5\n[[exercise.steps]]\ntitle = \"T\"\ntext = \"X.\"\nprompts = [\"Q?\"]\n\
                 [[exercise.steps]]\ntitle = \"R\"\ntext = \"Y.\"\n"
            )
        };
        let text = [
            exercise("feel-one", "[\"emotional\"]", 3, "together"),
            exercise("feel-and-body", "[\"emotional\", \"physical\"]", 3, "together"),
            exercise("body-only", "[\"physical\"]", 3, "together"),
            exercise("far-below", "[\"physical\"]", 1, "together"),
        ]
        .concat();
        Library::from_sources([("items.toml", items), ("x.toml", text.as_str())]).unwrap()
    }

    #[test]
    fn the_lowest_kind_weighs_most() {
        let library = library();
        let get = |id: &str| library.exercise(id).unwrap();
        let lowest = [TrustType::Physical, TrustType::Emotional];
        assert_eq!(trust_fit(get("body-only"), &lowest), 2);
        assert_eq!(trust_fit(get("feel-one"), &lowest), 1);
        assert_eq!(trust_fit(get("feel-and-body"), &lowest), 3);
        assert_eq!(trust_fit(get("feel-one"), &[]), 0);
    }

    #[test]
    fn far_below_the_open_level_loses_to_close_ones_even_when_it_fits_better() {
        let library = library();
        let done = HashMap::new();
        let request = SuggestionRequest {
            track: Track::Build,
            open_level: Level::new(3).unwrap(),
            done: &done,
            lowest_trust: &[TrustType::Physical],
            partner_present: true,
        };
        let first = suggest_next(&library, &request).unwrap();
        assert_eq!(first.exercise.id.as_str(), "body-only");
        assert_eq!(first.reason, SuggestionReason::NewAtYourLevel);
        let done: HashMap<ExerciseId, u32> =
            ["body-only", "feel-and-body", "feel-one"].iter().map(|id| (ExerciseId::parse(id).unwrap(), 1)).collect();
        let request = SuggestionRequest { done: &done, ..request };
        let next = suggest_next(&library, &request).unwrap();
        assert_eq!((next.exercise.id.as_str(), next.reason), ("far-below", SuggestionReason::NewEarlierLevel));
        // Nobody to do it with and nothing alone-mode: no suggestion rather than a wrong one.
        let request = SuggestionRequest { partner_present: false, ..request };
        assert!(suggest_next(&library, &request).is_none());
    }
}
