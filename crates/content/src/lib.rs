//! The trust-building content library: the numbered items of the five seeds,
//! the exercises that put them into practice, and the conversation prompt
//! bank. Pure: the data is compiled in (`content/` at the repository root,
//! see `build.rs`) or handed in as text; the only I/O is [`dir::read_sources`],
//! which reads an operator's extra directory.
//!
//! Loading checks everything and reports every problem with its file and
//! line, so the program can refuse to start on a broken library.

mod error;
mod load;
mod model;
mod tree;

pub mod dir;
pub mod prompts;
pub mod query;
pub mod suggest;

use std::collections::HashMap;
use std::path::Path;

pub use error::{ContentError, ContentErrors, ErrorKind};
pub use model::{
    Exercise, ExerciseId, ItemKey, Level, Mode, Origin, Prompt, PromptId, Seed, SeedItem, SourceRef, Step, Track,
    TrustType, UnknownName,
};
pub use prompts::{next_prompt, tonight_prompt, PairSeed, PromptHistory};
pub use query::Query;
pub use suggest::{suggest_next, Suggestion, SuggestionReason, SuggestionRequest};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// The whole library, checked. Exercises are kept in browsing order (level,
/// then title, then id); prompts in id order.
#[derive(Debug, Clone)]
pub struct Library {
    items: Vec<SeedItem>,
    exercises: Vec<Exercise>,
    /// Lowercased title, why, tags and steps of each exercise, same order.
    search_text: Vec<String>,
    exercise_index: HashMap<ExerciseId, usize>,
    prompts: Vec<Prompt>,
    prompt_index: HashMap<PromptId, usize>,
}

impl Library {
    /// Reads and checks `(name, text)` sources; `name` is what error messages
    /// show. Returns every problem found, not just the first.
    pub fn from_sources<N, T>(sources: impl IntoIterator<Item = (N, T)>) -> Result<Library, ContentErrors>
    where
        N: AsRef<str>,
        T: AsRef<str>,
    {
        let mut parsed = load::Parsed::default();
        for (name, text) in sources {
            load::parse_file(&mut parsed, name.as_ref(), text.as_ref());
        }
        load::check_library(&mut parsed);
        if !parsed.errors.is_empty() {
            return Err(ContentErrors(parsed.errors));
        }
        Ok(Library::build(parsed))
    }

    /// The library compiled into the binary from `content/`.
    pub fn embedded() -> Result<Library, ContentErrors> {
        Library::from_sources(embedded::EMBEDDED.iter().copied())
    }

    /// The names of the embedded data files (`content/...`), in path order.
    pub fn embedded_files() -> impl Iterator<Item = &'static str> {
        embedded::EMBEDDED.iter().map(|(name, _)| *name)
    }

    /// The embedded library plus every `*.toml` under an operator's
    /// directory (from configuration), checked together: an operator's
    /// prompt may not reuse an embedded id, their exercise may cover any
    /// seed item, and their own `[[item]]`s too.
    pub fn with_dir(dir: &Path) -> Result<Library, ContentErrors> {
        let extra = dir::read_sources(dir)?;
        let embedded = embedded::EMBEDDED.iter().map(|(name, text)| (name.to_string(), text.to_string()));
        Library::from_sources(embedded.chain(extra))
    }

    fn build(parsed: load::Parsed) -> Library {
        let mut exercises: Vec<Exercise> = parsed.exercises.into_iter().map(|(exercise, _)| exercise).collect();
        exercises.sort_by_cached_key(|e| (e.level, e.title.to_lowercase(), e.id.clone()));
        let search_text = exercises.iter().map(query::search_text).collect();
        let exercise_index = exercises.iter().enumerate().map(|(i, e)| (e.id.clone(), i)).collect();
        let mut prompts = parsed.prompts;
        prompts.sort_by(|a, b| a.id.cmp(&b.id));
        let prompt_index = prompts.iter().enumerate().map(|(i, p)| (p.id.clone(), i)).collect();
        let mut items = parsed.items;
        items.sort_by_key(|item| (item.seed, item.key.group().to_owned(), item.key.number()));
        Library { items, exercises, search_text, exercise_index, prompts, prompt_index }
    }

    /// The numbered items of the seeds, by seed, group and number.
    pub fn items(&self) -> &[SeedItem] {
        &self.items
    }

    /// Every exercise, in browsing order.
    pub fn exercises(&self) -> &[Exercise] {
        &self.exercises
    }

    /// The prompt bank, by id.
    pub fn prompts(&self) -> &[Prompt] {
        &self.prompts
    }

    pub fn exercise(&self, id: &str) -> Option<&Exercise> {
        self.exercise_index.get(id).map(|&i| &self.exercises[i])
    }

    pub fn prompt(&self, id: &str) -> Option<&Prompt> {
        self.prompt_index.get(id).map(|&i| &self.prompts[i])
    }

    /// The exercises that put a seed item into practice.
    pub fn covering(&self, key: &str) -> impl Iterator<Item = &Exercise> + '_ {
        let key = key.to_owned();
        self.exercises.iter().filter(move |e| e.covers.iter().any(|k| k.as_str() == key))
    }
}
