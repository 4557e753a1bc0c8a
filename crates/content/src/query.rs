//! Browsing and searching the exercises.

use crate::model::{Exercise, Level, Mode, Track, TrustType};
use crate::Library;

/// A filter over the exercises; every field left `None` matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// Exercises that serve this kind of trust.
    pub trust: Option<TrustType>,
    pub mode: Option<Mode>,
    /// Exercises for a pair on this track: `build` also finds entries marked
    /// `both`; `both` finds only those (see [`Track::serves`]).
    pub track: Option<Track>,
    pub level: Option<Level>,
    /// Exercises that take at most this many minutes.
    pub max_minutes: Option<u16>,
    /// Words that must all appear (case-insensitive) in the title, why,
    /// tags, or the steps' titles, texts and prompts.
    pub text: Option<String>,
}

/// The lowercase text a search runs over, built once when the library loads.
pub(crate) fn search_text(exercise: &Exercise) -> String {
    let mut text = String::new();
    let mut push = |s: &str| {
        text.push_str(&s.to_lowercase());
        text.push('\n');
    };
    push(&exercise.title);
    push(&exercise.why);
    for tag in &exercise.tags {
        push(tag);
    }
    for step in &exercise.steps {
        push(&step.title);
        push(&step.text);
        for prompt in &step.prompts {
            push(prompt);
        }
    }
    text
}

impl Library {
    /// The exercises matching `query`, in browsing order: level, then title
    /// (case-insensitive), then id, so the same query always lists the same way.
    pub fn find(&self, query: &Query) -> Vec<&Exercise> {
        let lowered = query.text.as_deref().map(str::to_lowercase).unwrap_or_default();
        let words: Vec<&str> = lowered.split_whitespace().collect();
        self.exercises
            .iter()
            .zip(&self.search_text)
            .filter(|(e, haystack)| {
                query.trust.is_none_or(|t| e.serves_trust(t))
                    && query.mode.is_none_or(|m| e.mode == m)
                    && query.track.is_none_or(|t| e.track.serves(t))
                    && query.level.is_none_or(|l| e.level == l)
                    && query.max_minutes.is_none_or(|m| e.minutes <= m)
                    && words.iter().all(|w| haystack.contains(w))
            })
            .map(|(e, _)| e)
            .collect()
    }
}
