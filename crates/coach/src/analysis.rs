//! Result types and the shared step every situation uses: turn rule hits into
//! scored findings with spans.

use serde::{Serialize, Serializer};

use crate::learn::{Features, Model};
use crate::lexicon::{Lexicon, Task};
use crate::matcher::Hit;
use crate::tokenize::Token;

/// One thing the coach noticed, with the part of the text it refers to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// snake_case code, e.g. `absolute_words`.
    pub code: &'static str,
    /// A short, kind explanation.
    pub message: &'static str,
    /// Byte offsets into the input; always on char boundaries.
    pub start: usize,
    pub end: usize,
    /// The same span in chars (for JavaScript-style string indexing).
    pub char_start: usize,
    pub char_end: usize,
    /// The text of the span (empty for a missing part, which points to the
    /// end of the message: where it could be added).
    pub excerpt: String,
}

macro_rules! verdict_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }
        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }
        }
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

verdict_enum!(
    /// How a concern is raised.
    StartupVerdict { Harsh => "harsh", Gentle => "gentle" }
);
verdict_enum!(
    /// How a reply to a complaint lands.
    ResponseVerdict { Defensive => "defensive", Accepting => "accepting" }
);
verdict_enum!(
    /// Whether a message carries contempt.
    ContemptVerdict { Contemptuous => "contemptuous", Respectful => "respectful" }
);
verdict_enum!(
    /// An apology is genuine, incomplete (well meant, parts missing), or not
    /// an apology at all (conditional, blaming, minimising).
    ApologyVerdict { Genuine => "genuine", Incomplete => "incomplete", NonApology => "non_apology" }
);
verdict_enum!(
    /// Gottman's "four horsemen" that can be read from text (stonewalling is
    /// silence, so it cannot).
    Horseman { Criticism => "criticism", Contempt => "contempt", Defensiveness => "defensiveness" }
);
verdict_enum!(
    /// Parts of a gentle start-up or a full apology.
    Part {
        Feeling => "feeling",
        Situation => "situation",
        Request => "request",
        Responsibility => "responsibility",
        Impact => "impact",
        Repair => "repair",
    }
);

/// Start-up (raising a concern).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StartupAnalysis {
    pub verdict: StartupVerdict,
    pub findings: Vec<Finding>,
    /// Parts of a gentle start-up the message does not have yet.
    pub missing: Vec<Part>,
    /// An I-statement shaped from the message, or null when it is gentle.
    pub suggestion: Option<String>,
    /// Words to choose from for "I feel ..." (empty when gentle).
    pub feeling_words: Vec<&'static str>,
}

/// Reply to a complaint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseAnalysis {
    pub verdict: ResponseVerdict,
    pub findings: Vec<Finding>,
}

/// Contempt check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContemptAnalysis {
    pub verdict: ContemptVerdict,
    pub findings: Vec<Finding>,
}

/// Start-up, reply and contempt together: what the web form shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckAnalysis {
    /// "harsh" when any horseman was found, else "gentle".
    pub verdict: StartupVerdict,
    pub findings: Vec<Finding>,
    pub horsemen: Vec<Horseman>,
    pub startup: StartupVerdict,
    pub response: ResponseVerdict,
    pub contempt: ContemptVerdict,
    pub missing: Vec<Part>,
    pub suggestion: Option<String>,
    pub feeling_words: Vec<&'static str>,
}

/// Apology check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApologyAnalysis {
    pub verdict: ApologyVerdict,
    pub findings: Vec<Finding>,
    /// Parts of a full apology that are missing (responsibility, impact,
    /// repair).
    pub missing: Vec<Part>,
    /// The missing parts as sentences to complete, or null when genuine.
    pub suggestion: Option<String>,
    pub feeling_words: Vec<&'static str>,
}

/// A tokenized, matched message, borrowed while one analysis is built.
pub struct Scan<'a> {
    pub text: &'a str,
    pub lex: &'a Lexicon,
    pub toks: &'a [Token],
    pub hits: &'a [Hit],
    /// The text is ASCII, so char offsets equal byte offsets.
    pub ascii: bool,
    /// The learned layer's features, when there is a model.
    pub feats: Option<&'a Features>,
    pub model: Option<&'a Model>,
    /// The model's log-odds for all situations, computed on first use:
    /// `check()` asks for three of them, and one pass serves all.
    pub scores: std::cell::Cell<Option<[f32; 4]>>,
}

pub use crate::tally::Tally;

/// What the learned layer reads of a scanned message.
impl crate::learn::Scanned for Scan<'_> {
    fn text(&self) -> &str {
        self.text
    }
    fn toks(&self) -> &[Token] {
        self.toks
    }
    fn hits(&self) -> &[Hit] {
        self.hits
    }
    fn lex(&self) -> &Lexicon {
        self.lex
    }
    fn ascii(&self) -> bool {
        self.ascii
    }
    fn tally(&self, tasks: &[Task]) -> Tally {
        Scan::tally(self, tasks)
    }
}

impl<'a> Scan<'a> {
    /// Byte span of hit tokens `[start, end)`.
    pub fn span(&self, start: u32, end: u32) -> (usize, usize) {
        let a = self.toks[start as usize].start as usize;
        let b = self.toks[(end as usize).max(start as usize + 1) - 1].end as usize;
        (a, b.max(a))
    }

    pub fn finding(&self, code: &'static str, start: usize, end: usize) -> Finding {
        // Plain ASCII (most messages): chars and bytes are the same offsets.
        let (char_start, char_end) = if self.ascii {
            (start, end)
        } else {
            let a = self.text[..start].chars().count();
            (a, a + self.text[start..end].chars().count())
        };
        Finding {
            code,
            message: self.lex.message(code),
            start,
            end,
            char_start,
            char_end,
            excerpt: self.text[start..end].to_string(),
        }
    }

    /// Whether the message shows `task`'s problem. A rule that fires is
    /// enough (the rules are precise, about 0.95 on the development sets);
    /// when none does, the learned layer can still call it, but only when
    /// it is fairly sure (log-odds at least the model's margin), because a
    /// false alarm on an ordinary message costs more trust than a miss.
    pub fn decide(&self, task: Task, rules_say_problem: bool) -> bool {
        self.decide_with(task, rules_say_problem, false)
    }

    /// `decide`, where `strict` asks the learned layer for even odds at
    /// least (used when the situation is only a guess).
    pub fn decide_with(&self, task: Task, rules_say_problem: bool, strict: bool) -> bool {
        self.decide_above(task, rules_say_problem, strict, 0.0)
    }

    /// `decide_with`, where the learned layer needs `extra` log-odds more
    /// than its margin (used when the rules found a good sign that speaks
    /// against the problem).
    pub fn decide_above(&self, task: Task, rules_say_problem: bool, strict: bool, extra: f32) -> bool {
        if rules_say_problem {
            return true;
        }
        match (self.model, self.feats) {
            (Some(m), Some(f)) => {
                let scores = self.scores.get().unwrap_or_else(|| {
                    let s = m.scores(f);
                    self.scores.set(Some(s));
                    s
                });
                let k = crate::learn::task_index(task);
                scores[k] >= extra + if strict { m.margin[k].max(0.0) } else { m.margin[k] }
            }
            _ => false,
        }
    }

    /// A finding for a verdict of the learned layer that no rule explains:
    /// it points at the sentence whose words weighed most towards it.
    pub fn model_finding(&self, task: Task, code: &'static str) -> Finding {
        let (Some(m), Some(f)) = (self.model, self.feats) else {
            return self.missing(code);
        };
        // Sentence index of every token.
        let mut sentence = Vec::with_capacity(self.toks.len());
        let mut n = 0usize;
        for t in self.toks {
            sentence.push(n);
            if t.kind == crate::tokenize::Kind::SentenceEnd {
                n += 1;
            }
        }
        let mut weight = vec![0.0f32; n + 1];
        for h in &f.hashed {
            let w = m.weight(task, h);
            // Message-wide features (shape) say nothing about where.
            if w > 0.0 && h.to > h.from && h.to - h.from <= 4 {
                weight[sentence[h.from as usize]] += w;
            }
        }
        let best = (0..weight.len()).fold(0, |b, i| if weight[i] > weight[b] { i } else { b });
        let words: Vec<&Token> = self
            .toks
            .iter()
            .zip(&sentence)
            .filter(|(t, s)| **s == best && t.kind == crate::tokenize::Kind::Word)
            .map(|(t, _)| t)
            .collect();
        match (words.first(), words.last()) {
            (Some(a), Some(b)) => self.finding(code, a.start as usize, b.end as usize),
            _ => self.missing(code),
        }
    }

    /// A "missing part" finding points at the end of the text.
    pub fn missing(&self, code: &'static str) -> Finding {
        let end = self.text.trim_end().len();
        self.finding(code, end, end)
    }

    /// Scores the hits of the given tasks. Cheap: no allocation, so a
    /// message that turns out fine costs nothing more.
    pub fn tally(&self, tasks: &[Task]) -> Tally {
        let mut t = Tally::default();
        for h in self.hits {
            let rule = self.lex.rule(h.rule);
            if !tasks.contains(&rule.task) {
                continue;
            }
            if rule.code.starts_with('~') {
                // A cancelling pattern ("you never fail to ...") takes back
                // what a problem rule gave, and is not a finding itself.
                t.problem -= rule.weight;
            } else if let Some(sign) = rule.code.strip_prefix('+') {
                t.good += rule.weight.abs();
                if let Some(s) = GOOD_SIGNS.iter().find(|s| **s == sign) {
                    if !t.signs.contains(s) {
                        t.signs.push(s);
                    }
                }
            } else {
                t.problem += rule.weight;
            }
        }
        t.problem = t.problem.max(0.0);
        t
    }

    /// The problem findings of the given tasks, with spans; findings inside
    /// a cancelled stretch ("you never know") are left out.
    pub fn findings(&self, tasks: &[Task]) -> Vec<Finding> {
        let mut out: Vec<Finding> = Vec::new();
        // Spans of cancelling patterns, gathered once.
        let mut cancels: Vec<(usize, usize)> = Vec::new();
        for h in self.hits {
            let r = self.lex.rule(h.rule);
            if tasks.contains(&r.task) && r.code.starts_with('~') {
                cancels.push(self.span(h.start, h.end));
            }
        }
        let cancelled = |a: usize, b: usize| cancels.iter().any(|&(x, y)| x < b && a < y);
        for h in self.hits {
            let rule = self.lex.rule(h.rule);
            if !tasks.contains(&rule.task) || rule.is_good_sign() {
                continue;
            }
            let (a, b) = self.span(h.start, h.end);
            // One finding per stretch of text: a second rule on the same
            // words would only repeat the excerpt with other advice.
            if out.iter().any(|f| f.start < b && a < f.end) || cancelled(a, b) {
                continue;
            }
            out.push(self.finding(rule.code, a, b));
        }
        out
    }
}

/// Names of the good signs the verdict logic reads. Rules may use others;
/// those only add to the score.
pub const GOOD_SIGNS: &[&str] = &[
    "feeling",
    "situation",
    "request",
    "appreciation",
    "apology",
    "responsibility",
    "impact",
    "repair",
    "accepting",
    "owns_excuse",
];

/// Merges finding lists, ordered by position. Lists come in order of
/// priority: a finding whose words overlap one already kept is dropped (one
/// finding per stretch of text), and so is a repeated missing-part note.
pub fn merge_findings(lists: impl IntoIterator<Item = Vec<Finding>>) -> Vec<Finding> {
    let mut all: Vec<Finding> = Vec::new();
    for list in lists {
        for f in list {
            let clash = |g: &Finding| {
                if f.start == f.end || g.start == g.end {
                    g.code == f.code && g.start == f.start
                } else {
                    g.start < f.end && f.start < g.end
                }
            };
            if !all.iter().any(clash) {
                all.push(f);
            }
        }
    }
    all.sort_by(|a, b| (a.start, a.end, &a.code).cmp(&(b.start, b.end, &b.code)));
    all
}
