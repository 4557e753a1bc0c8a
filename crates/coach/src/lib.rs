//! troth-coach: a pure, offline writing coach for partners.
//!
//! It reads a message someone is about to send and says, kindly, how it may
//! land: a harsh or gentle start-up, a genuine or non-apology, a defensive or
//! accepting reply, contempt or respect. Every finding points at the words
//! it is about, and a better version is proposed. No network, no model, no
//! I/O: rules and word lists are data (`rules/en.rules`), compiled once.
//!
//! ```
//! use troth_coach::Coach;
//! let coach = Coach::english();
//! let a = coach.check("You never listen to me.").unwrap();
//! assert_eq!(a.verdict.as_str(), "harsh");
//! ```

mod analysis;
mod apology;
mod batch;
mod contempt;
mod error;
pub mod evaluate;
mod json;
pub mod learn;
mod lexicon;
mod matcher;
mod response;
mod startup;
mod suggest;
mod tally;
mod tokenize;

use std::cell::RefCell;
use std::sync::OnceLock;

pub use analysis::{
    ApologyAnalysis, ApologyVerdict, CheckAnalysis, ContemptAnalysis, ContemptVerdict, Finding, Horseman, Part,
    ResponseAnalysis, ResponseVerdict, StartupAnalysis, StartupVerdict,
};
pub use batch::{run_jsonl, BatchStats, Mode};
pub use error::{CoachError, MAX_CHARS};
pub use lexicon::RulesError;

use analysis::{merge_findings, Scan};
use learn::{FeatureHashes, Features, Model};
use lexicon::Lexicon;
use matcher::{EngineClasses, Hit, Scratch};
use tokenize::Token;

/// The English rules, embedded at build time.
pub const ENGLISH_RULES: &str = include_str!("../rules/en.rules");

/// The English model's weights (see `learn.rs`), embedded at build time.
/// Written by `cargo run --release -p troth-coach --example train`.
pub const ENGLISH_WEIGHTS: &str = include_str!("../model/en.weights");

/// A compiled coach for one language. Build it once and share it (`&'static`
/// via [`Coach::shared_english`], or in an `Arc`): it is immutable, `Send` and
/// `Sync`. Per-call buffers live in a thread-local, so analyses allocate
/// little beyond their results.
#[derive(Debug)]
pub struct Coach {
    lex: Lexicon,
    cls: EngineClasses,
    hashes: FeatureHashes,
    /// The learned layer; without it the rules alone decide.
    model: Option<Model>,
    /// The rules file's fixed texts, escaped once for the batch output.
    json: json::JsonCache,
}

impl Default for Coach {
    fn default() -> Self {
        Coach::english()
    }
}

#[derive(Default)]
struct Buffers {
    toks: Vec<Token>,
    word: String,
    scratch: Scratch,
    hits: Vec<Hit>,
    feats: Features,
}

thread_local! {
    static BUFFERS: RefCell<Buffers> = RefCell::new(Buffers::default());
}

impl Coach {
    /// The English coach. The embedded rules are checked by the tests, so
    /// this cannot fail in a released build.
    pub fn english() -> Coach {
        let model = (!ENGLISH_WEIGHTS.trim().is_empty())
            .then(|| Model::parse(ENGLISH_WEIGHTS).expect("embedded English weights are valid"));
        Coach::from_rules(ENGLISH_RULES).expect("embedded English rules are valid").with_model(model)
    }

    /// A process-wide English coach, compiled on first use.
    pub fn shared_english() -> &'static Coach {
        static COACH: OnceLock<Coach> = OnceLock::new();
        COACH.get_or_init(Coach::english)
    }

    /// A coach for another language's rules file (same format as
    /// `rules/en.rules`).
    pub fn from_rules(source: &'static str) -> Result<Coach, RulesError> {
        let lex = Lexicon::parse(source)?;
        let cls = EngineClasses::new(&lex);
        let hashes = FeatureHashes::new(&lex);
        let json = json::JsonCache::new(&lex, &suggest::feeling_choices(&lex));
        Ok(Coach { lex, cls, hashes, model: None, json })
    }

    /// The same rules with a learned layer (`None`: the rules alone decide).
    /// Weights are tied to the rules they were trained with.
    pub fn with_model(mut self, model: impl Into<Option<Model>>) -> Coach {
        self.model = model.into();
        self
    }

    /// The learned layer's log-odds of a problem per situation (start-up,
    /// apology, reply, contempt), or `None` without a model.
    pub fn model_scores(&self, text: &str) -> Result<Option<[f32; 4]>, CoachError> {
        use lexicon::Task;
        self.scan(text, |s| {
            let (m, f) = (s.model?, s.feats?);
            Some([Task::Startup, Task::Apology, Task::Response, Task::Contempt].map(|t| m.score(t, f)))
        })
    }

    /// The features the learned layer reads for `text` (for training and
    /// cross-validation).
    pub fn features(&self, text: &str) -> Result<Features, CoachError> {
        self.scan_with(text, true, |s| s.feats.cloned().unwrap_or_default())
    }

    /// Fixed texts escaped once, for `run_jsonl`.
    pub(crate) fn json(&self) -> &json::JsonCache {
        &self.json
    }

    /// The feeling words this language offers for "I feel ...".
    pub fn feeling_words(&self) -> &[&'static str] {
        self.lex.feelings()
    }

    #[cfg(test)]
    pub(crate) fn lexicon(&self) -> &Lexicon {
        &self.lex
    }

    /// Validates, tokenizes and matches `text`, then hands the scan to `f`.
    fn scan<R>(&self, text: &str, f: impl FnOnce(&Scan) -> R) -> Result<R, CoachError> {
        self.scan_with(text, self.model.is_some(), f)
    }

    fn scan_with<R>(&self, text: &str, features: bool, f: impl FnOnce(&Scan) -> R) -> Result<R, CoachError> {
        error::validate(text)?;
        let run = |b: &mut Buffers| {
            tokenize::tokenize(&self.lex, text, &mut b.toks, &mut b.word);
            matcher::find_hits(&self.lex, &self.cls, &b.toks, &mut b.scratch, &mut b.hits);
            let mut scan = Scan {
                text,
                lex: &self.lex,
                toks: &b.toks,
                hits: &b.hits,
                ascii: text.is_ascii(),
                feats: None,
                model: self.model.as_ref(),
                scores: std::cell::Cell::new(None),
            };
            if features {
                learn::extract(&scan, &self.hashes, &mut b.feats);
                scan.feats = Some(&b.feats);
            }
            f(&scan)
        };
        // `try_borrow_mut` keeps us correct even if `f` ever re-entered.
        Ok(BUFFERS.with(|cell| match cell.try_borrow_mut() {
            Ok(mut b) => run(&mut b),
            Err(_) => run(&mut Buffers::default()),
        }))
    }

    /// Start-up, reply and contempt together: what a partner's draft would
    /// show. `verdict` is "harsh" when any horseman was found.
    pub fn check(&self, text: &str) -> Result<CheckAnalysis, CoachError> {
        self.scan(text, |s| {
            let st = startup::analyse(s);
            let re = response::analyse_as(s, true);
            let co = contempt::analyse(s);
            let mut horsemen = Vec::new();
            if st.verdict == StartupVerdict::Harsh {
                horsemen.push(Horseman::Criticism);
            }
            if co.verdict == ContemptVerdict::Contemptuous {
                horsemen.push(Horseman::Contempt);
            }
            // A harsh start-up is read as a start-up: its advice is about
            // raising a concern, never about answering one ("this turns the
            // complaint back on your partner" does not fit a first message).
            let as_reply = re.verdict == ResponseVerdict::Defensive && st.verdict == StartupVerdict::Gentle;
            if as_reply {
                horsemen.push(Horseman::Defensiveness);
            }
            let harsh = !horsemen.is_empty();
            let reply_findings = if as_reply { re.findings } else { Vec::new() };
            // Missing-part notes only make sense next to a real problem.
            let mut findings = merge_findings([st.findings, co.findings, reply_findings]);
            if !harsh {
                findings.retain(|f| !f.code.starts_with("missing_"));
            }
            let (suggestion, feeling_words) = match (harsh, st.suggestion) {
                (true, Some(s)) => (Some(s), st.feeling_words),
                (true, None) => (Some(suggest::i_statement(s)), suggest::feeling_choices(s.lex)),
                (false, _) => (None, Vec::new()),
            };
            CheckAnalysis {
                verdict: if harsh { StartupVerdict::Harsh } else { StartupVerdict::Gentle },
                findings,
                horsemen,
                startup: st.verdict,
                response: if as_reply { ResponseVerdict::Defensive } else { ResponseVerdict::Accepting },
                contempt: co.verdict,
                missing: st.missing,
                suggestion,
                feeling_words,
            }
        })
    }

    /// Raising a concern: harsh or gentle, with an I-statement when harsh.
    pub fn startup(&self, text: &str) -> Result<StartupAnalysis, CoachError> {
        self.scan(text, startup::analyse)
    }

    /// A reply to a complaint: defensive or accepting.
    pub fn response(&self, text: &str) -> Result<ResponseAnalysis, CoachError> {
        self.scan(text, response::analyse)
    }

    /// Contempt: contemptuous or respectful.
    pub fn contempt(&self, text: &str) -> Result<ContemptAnalysis, CoachError> {
        self.scan(text, contempt::analyse)
    }

    /// An apology: genuine, incomplete (with what is missing), or non_apology.
    pub fn apology(&self, text: &str) -> Result<ApologyAnalysis, CoachError> {
        self.scan(text, apology::analyse)
    }
}

/// The English feeling words offered for "I feel ...".
pub fn feeling_words() -> &'static [&'static str] {
    Coach::shared_english().feeling_words()
}
