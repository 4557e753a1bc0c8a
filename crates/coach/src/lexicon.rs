//! Rules and word lists as data.
//!
//! A language is one plain-text file (English: `rules/en.rules`), embedded with
//! `include_str!` and compiled once when the [`Coach`](crate::Coach) is built.
//! Adding a language means writing a new file, not new code. The format is
//! line-based so it needs no parser crate:
//!
//! ```text
//! # comment
//! [class you]                          a word class: one word a line
//! you
//! [rule startup absolute_words 1 neg,pos]   rule: task, code, weight, filters
//! ^ you @adverb* always|never          one pattern a line
//! [messages]                           code = our own kind explanation
//! absolute_words = ...
//! [feelings]                           words offered for "I feel ..."
//! [templates]                          key = text used by the suggestions
//! ```
//!
//! Pattern elements (separated by spaces): a literal word; `a|b|c` one of
//! several words; `@class` a word of a class; `_` any word; a trailing `?`
//! makes an element optional and `*` lets it repeat (a few times at most, so
//! a pattern never reaches far across a clause); `^` first means "only at the
//! start of a clause"; `"_` any word inside quotation marks (scare quotes);
//! `,` `.` `?` `!` `;` match punctuation. Contractions are
//! written expanded ("do not", "you are") because the tokenizer splits them.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Index of a word in the vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WordId(pub u32);

impl WordId {
    pub const UNKNOWN: WordId = WordId(u32::MAX);
}

/// The four situations the coach knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Task {
    Startup,
    Apology,
    Response,
    Contempt,
}

impl Task {
    fn parse(s: &str) -> Option<Task> {
        Some(match s {
            "startup" => Task::Startup,
            "apology" => Task::Apology,
            "response" => Task::Response,
            "contempt" => Task::Contempt,
            _ => return None,
        })
    }
}

/// Which context filters a rule obeys (see `matcher.rs` for why each exists).
#[derive(Debug, Clone, Copy, Default)]
pub struct Filters {
    /// Skip when a negation comes earlier in the same clause.
    pub negation: bool,
    /// Skip when the clause also holds a warm, positive word.
    pub positive: bool,
    /// Skip inside a polite request question ("could you ...?").
    pub request: bool,
    /// Also match inside quotation marks / reported speech (default: skip).
    pub quoted_ok: bool,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub task: Task,
    /// Small id shared by all rules of the same task and code.
    pub code_id: u16,
    /// Finding code; codes starting with `+` are good signs (parts of a
    /// gentle message), not problems.
    pub code: &'static str,
    pub weight: f32,
    pub filters: Filters,
}

impl Rule {
    pub fn is_good_sign(&self) -> bool {
        self.code.starts_with('+') || self.code.starts_with('~')
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Elem {
    Word(WordId),
    Alt(u32, u32), // range into `alts`
    Class(u8),
    Any,
    /// Any word inside quotation marks: `"_` in a pattern, for scare quotes
    /// ("your \"side hustle\"").
    Quoted,
}

#[derive(Debug, Clone, Copy)]
pub struct Step {
    pub elem: Elem,
    pub min: u8,
    pub max: u8,
}

#[derive(Debug, Clone)]
pub struct Pattern {
    pub steps: Box<[Step]>,
    /// Every step matches exactly one token: no backtracking needed.
    pub simple: bool,
    pub clause_start: bool,
    pub rule: u16,
    /// Words the pattern cannot match without (a cheap pre-check: most
    /// phrases are skipped because one of their words is not in the text).
    pub req_words: Box<[WordId]>,
    /// Classes of which some word must be in the text.
    pub req_classes: u128,
}

/// A tiny FxHash: the vocabulary is looked up once per word, and std's
/// SipHash would be a noticeable share of the time. No HashDoS concern: keys
/// come from our own data file, lookups only read.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let v = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            h = (h.rotate_left(5) ^ v).wrapping_mul(FX_K);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            // Most words are shorter than 8 bytes: one round, not one per byte.
            h = (h.rotate_left(5) ^ prefix8(rest) ^ ((rest.len() as u64) << 59)).wrapping_mul(FX_K);
        }
        self.0 = h;
    }
    fn write_u8(&mut self, i: u8) {
        self.0 = (self.0.rotate_left(5) ^ i as u64).wrapping_mul(FX_K);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

const FX_K: u64 = 0x517c_c1b7_2722_0a95;

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// The first (up to) 8 bytes of a word as a number, for cheap comparisons.
/// A byte loop, because a variable-length copy would call `memcpy`.
#[inline]
fn prefix8(w: &[u8]) -> u64 {
    let mut v = 0u64;
    for (i, &b) in w.iter().take(8).enumerate() {
        v |= (b as u64) << (8 * i);
    }
    v
}

#[inline]
fn hash_word(w: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(w);
    h.finish()
}

/// The bit of a word in a 64-bit word filter (see `Lexicon::req_bloom`).
#[inline]
pub fn word_bit(w: WordId) -> u64 {
    1u64 << (w.0.wrapping_mul(0x9E37_79B9) >> 26)
}

/// Open-addressing word table used for the per-word lookups at analysis
/// time. Most English words fit in 8 bytes, so a lookup is usually one hash,
/// one probe and one integer comparison, with no call to `memcmp`.
#[derive(Debug, Default)]
struct WordTable {
    slots: Vec<u32>,
    keys: Vec<(u64, u32)>,
    mask: usize,
    /// 64 - log2(slots): the index comes from the hash's high bits, which a
    /// multiplicative hash mixes well (its low bits follow the first letter).
    shift: u32,
}

impl WordTable {
    fn build(words: &[Box<str>]) -> WordTable {
        let size = (words.len() * 4).next_power_of_two().max(16);
        let mut t = WordTable {
            slots: vec![u32::MAX; size],
            keys: Vec::with_capacity(words.len()),
            mask: size - 1,
            shift: 64 - size.trailing_zeros(),
        };
        for (id, w) in words.iter().enumerate() {
            let b = w.as_bytes();
            t.keys.push((prefix8(b), b.len() as u32));
            let mut i = (hash_word(b) >> t.shift) as usize;
            while t.slots[i] != u32::MAX {
                i = (i + 1) & t.mask;
            }
            t.slots[i] = id as u32;
        }
        t
    }

    #[inline]
    fn get(&self, words: &[Box<str>], b: &[u8]) -> WordId {
        if self.slots.is_empty() {
            return WordId::UNKNOWN;
        }
        let pre = prefix8(b);
        let mut i = (hash_word(b) >> self.shift) as usize;
        loop {
            let id = self.slots[i];
            if id == u32::MAX {
                return WordId::UNKNOWN;
            }
            let (p, len) = self.keys[id as usize];
            if p == pre && len as usize == b.len() && (b.len() <= 8 || words[id as usize].as_bytes() == b) {
                return WordId(id);
            }
            i = (i + 1) & self.mask;
        }
    }
}

/// Ids the suggestion builder uses on every harsh message, looked up once.
#[derive(Debug, Clone, Copy)]
pub struct Common {
    pub feeling: u8,
    pub suggest_drop: u8,
    pub discourse: u8,
    pub doable: u8,
    pub clause_joiner: u8,
    pub you: WordId,
    pub are: WordId,
    pub never: WordId,
    pub not: WordId,
}

/// Class names the engine itself relies on (the data file must define them).
pub const ENGINE_CLASSES: &[&str] = &[
    "negation",
    "positive",
    "reporting",
    "third_party",
    "adverb",
    "request_open",
    "request_subject",
    "clause_joiner",
    "discourse",
];

/// One language's compiled rules.
#[derive(Debug)]
pub struct Lexicon {
    vocab: FxMap<Box<str>, WordId>,
    table: WordTable,
    words: Vec<Box<str>>,
    classes: Vec<u128>,
    /// Per word id, the classes a token of that word gets: its own classes
    /// plus those its ending gives (`[suffix ...]`), computed once here so
    /// the tokenizer only tests endings of unknown words.
    token_classes: Vec<u128>,
    class_names: Vec<Box<str>>,
    pub(crate) alts: Vec<WordId>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) patterns: Vec<Pattern>,
    /// For each word id, the patterns whose first step can match it:
    /// clause-anchored ones first (in file order), then the others.
    pub(crate) first: Vec<Box<[u32]>>,
    /// For each word id, where the anchored patterns end in `first`.
    pub(crate) first_mid: Box<[u32]>,
    /// Per pattern, what it cannot match without (see `Pattern`), in dense
    /// arrays: a 64-bit filter of its required words (one bit per word, by
    /// `word_bit`), the words themselves as a range into `req_words`, and the
    /// classes of which some word must be present.
    pub(crate) req_bloom: Box<[u64]>,
    pub(crate) req_range: Box<[(u32, u32)]>,
    pub(crate) req_words: Box<[u32]>,
    pub(crate) req_classes: Box<[u128]>,
    messages: FxMap<&'static str, &'static str>,
    templates: FxMap<&'static str, &'static str>,
    feelings: Vec<&'static str>,
    punct: [WordId; 6],
    pub(crate) common: Common,
    /// Word endings that give unknown words a class ("-ly" adverbs).
    suffixes: Vec<(&'static str, u128)>,
}

/// Something wrong in a rules file; reported with its line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesError {
    pub line: usize,
    pub reason: String,
}

impl std::fmt::Display for RulesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "rules line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for RulesError {}

enum Section {
    None,
    Class(u8),
    Suffix(u8),
    Rule(u16),
    Messages,
    Feelings,
    Templates,
}

const PUNCT: [char; 6] = [',', '.', '?', '!', ';', '\n'];

impl Lexicon {
    /// Parses and compiles a rules file. `source` is `'static` because rule
    /// files are embedded in the binary; the feeling words borrow from it.
    pub fn parse(source: &'static str) -> Result<Lexicon, RulesError> {
        let mut lex = Lexicon {
            vocab: FxMap::default(),
            table: WordTable::default(),
            words: Vec::new(),
            classes: Vec::new(),
            token_classes: Vec::new(),
            class_names: Vec::new(),
            alts: Vec::new(),
            rules: Vec::new(),
            patterns: Vec::new(),
            first: Vec::new(),
            first_mid: Box::new([]),
            req_bloom: Box::new([]),
            req_range: Box::new([]),
            req_words: Box::new([]),
            req_classes: Box::new([]),
            messages: FxMap::default(),
            templates: FxMap::default(),
            feelings: Vec::new(),
            punct: [WordId::UNKNOWN; 6],
            suffixes: Vec::new(),
            common: Common {
                feeling: u8::MAX,
                suggest_drop: u8::MAX,
                discourse: u8::MAX,
                doable: u8::MAX,
                clause_joiner: u8::MAX,
                you: WordId::UNKNOWN,
                are: WordId::UNKNOWN,
                never: WordId::UNKNOWN,
                not: WordId::UNKNOWN,
            },
        };
        for (i, p) in PUNCT.iter().enumerate() {
            let mut b = [0u8; 4];
            lex.punct[i] = lex.intern(p.encode_utf8(&mut b));
        }
        // Classes first (a pattern may name a class defined later in the file).
        let mut section = Section::None;
        for (n, raw) in source.lines().enumerate() {
            let line = strip_comment(raw);
            if line.is_empty() {
                continue;
            }
            if let Some(header) = header(line) {
                section = Section::None;
                let mut parts = header.split_whitespace();
                match parts.next() {
                    Some("class") => {
                        let name = parts.next().ok_or_else(|| err(n, "class needs a name"))?;
                        section = Section::Class(lex.class_id_or_new(name, n)?);
                    }
                    Some("suffix") => {
                        let name = parts.next().ok_or_else(|| err(n, "suffix needs a class"))?;
                        section = Section::Suffix(lex.class_id_or_new(name, n)?);
                    }
                    _ => {}
                }
                continue;
            }
            if let Section::Suffix(c) = section {
                for w in line.split_whitespace() {
                    check_word(w, n)?;
                    lex.suffixes.push((w, 1u128 << c));
                }
            }
            if let Section::Class(c) = section {
                for w in line.split_whitespace() {
                    check_word(w, n)?;
                    let id = lex.intern(w);
                    lex.classes[id.0 as usize] |= 1u128 << c;
                }
            }
        }
        for name in ENGINE_CLASSES {
            if !lex.class_names.iter().any(|c| &**c == *name) {
                return Err(err(0, &format!("missing engine class @{name}")));
            }
        }
        // Then everything else.
        let mut section = Section::None;
        for (n, raw) in source.lines().enumerate() {
            let line = strip_comment(raw);
            if line.is_empty() {
                continue;
            }
            if let Some(header) = header(line) {
                let mut parts = header.split_whitespace();
                section = match parts.next() {
                    Some("class") | Some("suffix") => Section::None,
                    Some("messages") => Section::Messages,
                    Some("feelings") => Section::Feelings,
                    Some("templates") => Section::Templates,
                    Some("meta") => Section::None,
                    Some("rule") => {
                        let task = parts.next().and_then(Task::parse).ok_or_else(|| err(n, "rule needs a task"))?;
                        let code = parts.next().ok_or_else(|| err(n, "rule needs a code"))?;
                        let weight: f32 = parts
                            .next()
                            .and_then(|w| w.parse().ok())
                            .ok_or_else(|| err(n, "rule needs a numeric weight"))?;
                        let mut filters = Filters::default();
                        if let Some(fl) = parts.next() {
                            for f in fl.split(',') {
                                match f {
                                    "neg" => filters.negation = true,
                                    "pos" => filters.positive = true,
                                    "req" => filters.request = true,
                                    "quoted" => filters.quoted_ok = true,
                                    other => return Err(err(n, &format!("unknown filter {other}"))),
                                }
                            }
                        }
                        if lex.rules.len() >= u16::MAX as usize {
                            return Err(err(n, "too many rules"));
                        }
                        let code_id = lex
                            .rules
                            .iter()
                            .find(|r| r.task == task && r.code == code)
                            .map(|r| r.code_id)
                            .unwrap_or(lex.rules.len() as u16);
                        lex.rules.push(Rule { task, code_id, code, weight, filters });
                        Section::Rule((lex.rules.len() - 1) as u16)
                    }
                    _ => return Err(err(n, "unknown section")),
                };
                continue;
            }
            match section {
                Section::None | Section::Class(_) | Section::Suffix(_) => {}
                Section::Rule(r) => lex.add_pattern(line, r, n)?,
                Section::Messages | Section::Templates => {
                    let (k, v) = line.split_once('=').ok_or_else(|| err(n, "expected key = text"))?;
                    let map = if matches!(section, Section::Messages) { &mut lex.messages } else { &mut lex.templates };
                    map.insert(k.trim(), v.trim());
                }
                Section::Feelings => {
                    // Borrow from the 'static source: no allocation per word.
                    let trimmed = raw.split('#').next().unwrap_or("");
                    for w in trimmed.split_whitespace() {
                        lex.feelings.push(w);
                    }
                }
            }
        }
        for rule in &lex.rules {
            let code = rule.code;
            if !rule.is_good_sign() && !lex.messages.contains_key(code) {
                return Err(err(0, &format!("no message for code {code}")));
            }
        }
        lex.build_index();
        lex.common = Common {
            feeling: lex.class("feeling"),
            suggest_drop: lex.class("suggest_drop"),
            discourse: lex.class("discourse"),
            doable: lex.class("doable"),
            clause_joiner: lex.class("clause_joiner"),
            you: lex.word_id("you"),
            are: lex.word_id("are"),
            never: lex.word_id("never"),
            not: lex.word_id("not"),
        };
        Ok(lex)
    }

    fn class_id_or_new(&mut self, name: &str, n: usize) -> Result<u8, RulesError> {
        if let Some(i) = self.class_names.iter().position(|c| &**c == name) {
            return Ok(i as u8);
        }
        if self.class_names.len() >= 128 {
            return Err(err(n, "more than 128 classes"));
        }
        self.class_names.push(name.into());
        Ok((self.class_names.len() - 1) as u8)
    }

    fn intern(&mut self, w: &str) -> WordId {
        if let Some(&id) = self.vocab.get(w) {
            return id;
        }
        let id = WordId(self.words.len() as u32);
        self.words.push(w.into());
        self.vocab.insert(w.into(), id);
        self.classes.push(0);
        id
    }

    fn add_pattern(&mut self, line: &str, rule: u16, n: usize) -> Result<(), RulesError> {
        let mut steps = Vec::new();
        let mut clause_start = false;
        for (k, tok) in line.split_whitespace().enumerate() {
            if tok == "^" && k == 0 {
                clause_start = true;
                continue;
            }
            let (body, min, max) = if tok.len() > 1 && tok.ends_with('?') {
                (&tok[..tok.len() - 1], 0, 1)
            } else if tok.len() > 1 && tok.ends_with('*') {
                (&tok[..tok.len() - 1], 0, 3)
            } else {
                (tok, 1, 1)
            };
            let elem = if body == "_" {
                Elem::Any
            } else if body == "\"_" {
                Elem::Quoted
            } else if let Some(name) = body.strip_prefix('@') {
                let c = self
                    .class_names
                    .iter()
                    .position(|c| &**c == name)
                    .ok_or_else(|| err(n, &format!("unknown class @{name}")))?;
                Elem::Class(c as u8)
            } else if body.contains('|') {
                let from = self.alts.len() as u32;
                for w in body.split('|') {
                    check_word(w, n)?;
                    let id = self.intern(w);
                    self.alts.push(id);
                }
                Elem::Alt(from, self.alts.len() as u32)
            } else {
                check_word(body, n)?;
                Elem::Word(self.intern(body))
            };
            steps.push(Step { elem, min, max });
        }
        if steps.is_empty() {
            return Err(err(n, "empty pattern"));
        }
        // The index needs a concrete first step: expand optional leading steps.
        let mut variants = vec![steps];
        while let Some(v) = variants.iter().position(|s| s[0].min == 0) {
            let mut s = variants.swap_remove(v);
            let mut must = s.clone();
            must[0].min = 1;
            s.remove(0);
            if s.is_empty() {
                return Err(err(n, "pattern can match nothing"));
            }
            variants.push(must);
            variants.push(s);
        }
        for s in variants {
            if matches!(s[0].elem, Elem::Any | Elem::Quoted) {
                return Err(err(n, "a pattern may not start with _ or \"_"));
            }
            let mut req_words = Vec::new();
            let mut req_classes = 0u128;
            for st in s.iter().filter(|st| st.min > 0) {
                match st.elem {
                    Elem::Word(w) if !req_words.contains(&w) => req_words.push(w),
                    Elem::Class(c) => req_classes |= 1u128 << c,
                    _ => {}
                }
            }
            let simple = s.iter().all(|st| st.min == 1 && st.max == 1);
            self.patterns.push(Pattern {
                simple,
                steps: s.into_boxed_slice(),
                clause_start,
                rule,
                req_words: req_words.into_boxed_slice(),
                req_classes,
            });
        }
        Ok(())
    }

    fn build_index(&mut self) {
        self.table = WordTable::build(&self.words);
        self.token_classes = self.words.iter().zip(&self.classes).map(|(w, &c)| c | self.suffix_classes(w)).collect();
        let mut first: Vec<Vec<u32>> = vec![Vec::new(); self.words.len()];
        for (pi, p) in self.patterns.iter().enumerate() {
            match p.steps[0].elem {
                Elem::Word(w) => first[w.0 as usize].push(pi as u32),
                Elem::Alt(a, b) => {
                    for w in &self.alts[a as usize..b as usize] {
                        first[w.0 as usize].push(pi as u32);
                    }
                }
                Elem::Class(c) => {
                    for (wi, mask) in self.classes.iter().enumerate() {
                        if mask & (1u128 << c) != 0 {
                            first[wi].push(pi as u32);
                        }
                    }
                }
                Elem::Any | Elem::Quoted => {}
            }
        }
        for f in &mut first {
            f.dedup();
        }
        // Anchored patterns first, each group in file order (the order hits
        // are found in, which decides ties later, stays as it was).
        let mut mids = Vec::with_capacity(first.len());
        for f in &mut first {
            let (mut anchored, rest): (Vec<u32>, Vec<u32>) =
                f.iter().partition(|&&pi| self.patterns[pi as usize].clause_start);
            mids.push(anchored.len() as u32);
            anchored.extend(rest);
            *f = anchored;
        }
        self.first = first.into_iter().map(Vec::into_boxed_slice).collect();
        self.first_mid = mids.into_boxed_slice();
        let mut words = Vec::new();
        let mut ranges = Vec::with_capacity(self.patterns.len());
        for p in &self.patterns {
            let from = words.len() as u32;
            words.extend(p.req_words.iter().map(|w| w.0));
            ranges.push((from, words.len() as u32));
        }
        self.req_bloom = self.patterns.iter().map(|p| p.req_words.iter().fold(0, |m, w| m | word_bit(*w))).collect();
        self.req_range = ranges.into_boxed_slice();
        self.req_words = words.into_boxed_slice();
        self.req_classes = self.patterns.iter().map(|p| p.req_classes).collect();
    }

    pub fn word_id(&self, w: &str) -> WordId {
        self.table.get(&self.words, w.as_bytes())
    }

    /// `word_id` for a word already lower-cased into bytes (valid UTF-8).
    #[inline]
    pub fn word_id_bytes(&self, w: &[u8]) -> WordId {
        self.table.get(&self.words, w)
    }

    /// The classes a token of word `w` (with id `id`) carries: the word's
    /// classes plus those of its ending. Equal to
    /// `classes_of(id) | suffix_classes(w)`.
    #[inline]
    pub fn token_classes(&self, id: WordId, w: &[u8]) -> u128 {
        match self.token_classes.get(id.0 as usize) {
            Some(&c) => c,
            None => self.suffix_classes_bytes(w),
        }
    }

    pub fn word_text(&self, id: WordId) -> Option<&str> {
        self.words.get(id.0 as usize).map(|w| &**w)
    }

    pub fn punct_id(&self, c: char) -> WordId {
        match c {
            ',' => self.punct[0],
            '.' | '\u{2026}' => self.punct[1],
            '?' => self.punct[2],
            '!' => self.punct[3],
            '\n' => self.punct[5],
            _ => self.punct[4],
        }
    }

    pub fn class(&self, name: &str) -> u8 {
        self.class_names.iter().position(|c| &**c == name).map(|p| p as u8).unwrap_or(u8::MAX)
    }

    /// The name of class `i` (a bit of a token's class mask), if defined.
    pub fn class_name(&self, i: usize) -> Option<&str> {
        self.class_names.get(i).map(|c| &**c)
    }

    pub fn vocab_len(&self) -> usize {
        self.words.len()
    }

    /// Classes an unknown word gets from its ending (see `[suffix ...]`).
    pub fn suffix_classes(&self, word: &str) -> u128 {
        self.suffix_classes_bytes(word.as_bytes())
    }

    fn suffix_classes_bytes(&self, word: &[u8]) -> u128 {
        let mut m = 0;
        for (suf, mask) in &self.suffixes {
            // At least four letters before the ending: "only", "fly" are not
            // what the rule is about.
            if word.len() >= suf.len() + 4 && word.ends_with(suf.as_bytes()) {
                m |= mask;
            }
        }
        m
    }

    /// All classes of a word as a bit mask.
    #[inline]
    pub fn classes_of(&self, id: WordId) -> u128 {
        self.classes.get(id.0 as usize).copied().unwrap_or(0)
    }

    #[inline]
    pub fn in_class(&self, id: WordId, class: u8) -> bool {
        class < 128 && self.classes.get(id.0 as usize).is_some_and(|m| m & (1u128 << class) != 0)
    }

    /// Every kind explanation of the rules file.
    pub fn messages(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.messages.values().copied()
    }

    pub fn message(&self, code: &str) -> &'static str {
        self.messages.get(code).copied().unwrap_or("")
    }

    pub fn template(&self, key: &str) -> &str {
        self.templates.get(key).copied().unwrap_or("")
    }

    pub fn feelings(&self) -> &[&'static str] {
        &self.feelings
    }

    pub fn rule(&self, i: u16) -> &Rule {
        &self.rules[i as usize]
    }
}

fn strip_comment(raw: &str) -> &str {
    // '#' starts a comment, except in message/template text where it is rare;
    // we keep it simple: everything after " #" or a leading '#' is a comment.
    let s = raw.trim();
    if s.starts_with('#') {
        return "";
    }
    match s.find(" #") {
        Some(p) => s[..p].trim_end(),
        None => s,
    }
}

fn header(line: &str) -> Option<&str> {
    line.strip_prefix('[')?.strip_suffix(']')
}

fn check_word(w: &str, n: usize) -> Result<(), RulesError> {
    let ok = !w.is_empty()
        && (PUNCT.iter().any(|p| w.len() == 1 && w.starts_with(*p))
            || w.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '\''));
    let lower = w.chars().all(|c| !c.is_uppercase());
    if !ok || !lower {
        return Err(err(n, &format!("bad word {w:?} (lower-case, no spaces)")));
    }
    if w.ends_with("n't") || w.ends_with("'re") || w.ends_with("'m") || w.ends_with("'ll") {
        return Err(err(n, &format!("write {w:?} expanded: the tokenizer splits it")));
    }
    Ok(())
}

fn err(n: usize, reason: &str) -> RulesError {
    RulesError { line: n + 1, reason: reason.to_string() }
}
