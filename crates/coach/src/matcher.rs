//! Runs every compiled pattern over a token stream and applies the context
//! filters that keep the rules honest about English:
//!
//! * quotes and reported speech ("she said you never ...") are someone
//!   else's words, so they are skipped unless a rule says otherwise;
//! * a negation earlier in the clause ("I don't think you never ...",
//!   "it's not that you always ...") turns an accusation around;
//! * warm words in the same clause ("you always make me laugh") show that an
//!   absolute word is praise, not blame;
//! * a polite question that opens with "could you / would you / can we" is a
//!   request, the very thing a gentle start-up should contain.

use crate::lexicon::{Elem, Lexicon, Step};
use crate::tokenize::{Kind, Token};

/// One pattern match: rule index and token range `[start, end)`.
#[derive(Debug, Clone, Copy)]
pub struct Hit {
    pub rule: u16,
    pub start: u32,
    pub end: u32,
}

/// Class ids the filters use, looked up once per Coach.
#[derive(Debug, Clone, Copy)]
pub struct EngineClasses {
    negation: u8,
    positive: u8,
    reporting: u8,
    third_party: u8,
    adverb: u8,
    request_open: u8,
    request_subject: u8,
    clause_joiner: u8,
    discourse: u8,
}

impl EngineClasses {
    pub fn new(lex: &Lexicon) -> Self {
        EngineClasses {
            negation: lex.class("negation"),
            positive: lex.class("positive"),
            reporting: lex.class("reporting"),
            third_party: lex.class("third_party"),
            adverb: lex.class("adverb"),
            request_open: lex.class("request_open"),
            request_subject: lex.class("request_subject"),
            clause_joiner: lex.class("clause_joiner"),
            discourse: lex.class("discourse"),
        }
    }
}

/// Per-token context computed in one pass, reused across messages.
#[derive(Default)]
pub struct Scratch {
    /// Index of the first token of the clause each token belongs to.
    clause_begin: Vec<u32>,
    /// Index one past the last token of that clause.
    clause_end: Vec<u32>,
    /// Index of the sentence-ending token (or len) of each token's sentence.
    sentence_end: Vec<u32>,
    /// Token starts a clause (after any discourse words such as "honestly").
    at_clause_start: Vec<bool>,
    /// Token lies in reported speech.
    reported: Vec<bool>,
    /// Token lies in a sentence that is a polite request question.
    request: Vec<bool>,
    /// Number of negation words before each token within its clause.
    neg_before: Vec<u16>,
    /// Which vocabulary words occur in the text (bit set), and the union of
    /// their classes: lets whole patterns be skipped up front.
    present: Vec<u64>,
    present_classes: u128,
    /// Per pattern: how many of its required words are present, and whether
    /// it can match at all in this text (bit set).
    req_seen: Vec<u8>,
    active: Vec<u64>,
    /// Patterns whose required words are all present.
    complete: Vec<u32>,
    /// Per word id: (start, end of anchored, end) of its active candidate
    /// patterns in `cand`, or u32::MAX when not yet computed for this text.
    cand_at: Vec<(u32, u32, u32)>,
    cand: Vec<u32>,
    cand_touched: Vec<u32>,
    /// Running counts of positive and negation words, for clause lookups.
    pos_prefix: Vec<u16>,
    neg_prefix: Vec<u16>,
}

#[inline]
fn has(t: &Token, class: u8) -> bool {
    class < 128 && t.classes & (1u128 << class) != 0
}

fn is_boundary(t: &Token) -> bool {
    t.kind != Kind::Word
}

impl Scratch {
    /// Clears only the words this text set, so the cost follows the text.
    fn clear_present(&mut self, toks: &[Token]) {
        for t in toks {
            if let Some(w) = self.present.get_mut(t.id.0 as usize / 64) {
                *w = 0;
            }
        }
    }

    fn prepare(&mut self, lex: &Lexicon, cls: &EngineClasses, toks: &[Token]) {
        let n = toks.len();
        for v in [&mut self.clause_begin, &mut self.clause_end, &mut self.sentence_end] {
            v.clear();
            v.resize(n, 0);
        }
        for v in [&mut self.at_clause_start, &mut self.reported, &mut self.request] {
            v.clear();
            v.resize(n, false);
        }
        self.neg_before.clear();
        self.neg_before.resize(n, 0);
        self.pos_prefix.clear();
        self.pos_prefix.resize(n + 1, 0);
        self.neg_prefix.clear();
        self.neg_prefix.resize(n + 1, 0);

        let words = lex.vocab_len().div_ceil(64);
        if self.present.len() != words {
            self.present.clear();
            self.present.resize(words, 0);
        }
        let np = lex.patterns.len();
        self.req_seen.clear();
        self.req_seen.resize(np, 0);
        self.active.clear();
        self.active.resize(np.div_ceil(64), 0);
        self.present_classes = 0;
        // Patterns whose required words have all been seen.
        self.complete.clear();
        for t in toks {
            let i = t.id.0 as usize;
            if let Some(w) = self.present.get_mut(i / 64) {
                let bit = 1u64 << (i % 64);
                if *w & bit == 0 {
                    // First time this word is seen: count it for every
                    // pattern that requires it.
                    *w |= bit;
                    self.present_classes |= t.classes;
                    for &p in lex.required_by[i].iter() {
                        let seen = &mut self.req_seen[p as usize];
                        *seen += 1;
                        if *seen == lex.req_len[p as usize] {
                            self.complete.push(p);
                        }
                    }
                }
            }
        }
        // Active: all words present, and some word of each required class.
        let classes = self.present_classes;
        for &p in lex.no_required.iter().chain(self.complete.iter()) {
            let need = lex.req_classes[p as usize];
            if need & classes == need {
                self.active[p as usize / 64] |= 1u64 << (p % 64);
            }
        }

        // Forward pass: clause starts, negation counts, reported speech.
        let mut begin = 0u32;
        let mut negs = 0u16;
        let mut opening = true; // still inside leading discourse words
        let mut reported = false;
        for (i, t) in toks.iter().enumerate() {
            let joiner = t.kind == Kind::Word && has(t, cls.clause_joiner);
            if is_boundary(t) || joiner {
                // The boundary token belongs to the clause it closes.
                self.clause_begin[i] = begin;
                self.neg_before[i] = negs;
                self.reported[i] = reported;
                begin = i as u32 + 1;
                negs = 0;
                opening = true;
                if t.kind == Kind::SentenceEnd {
                    reported = false;
                }
                self.pos_prefix[i + 1] = self.pos_prefix[i];
                self.neg_prefix[i + 1] = self.neg_prefix[i];
                continue;
            }
            self.clause_begin[i] = begin;
            self.neg_before[i] = negs;
            self.at_clause_start[i] = opening;
            if opening && !has(t, cls.discourse) {
                opening = false;
            }
            if has(t, cls.reporting) && said_by_other(cls, toks, i) {
                // "she said ..." / "my mum always tells me ...": what follows
                // is another person's claim, not the writer's.
                self.reported[i] = reported;
                reported = true;
            } else {
                self.reported[i] = reported;
            }
            let is_neg = has(t, cls.negation);
            if is_neg {
                negs = negs.saturating_add(1);
            }
            self.neg_prefix[i + 1] = self.neg_prefix[i] + u16::from(is_neg);
            self.pos_prefix[i + 1] = self.pos_prefix[i] + u16::from(has(t, cls.positive));
        }
        // Backward pass: clause ends and sentence ends.
        let mut cend = n as u32;
        let mut send = n as u32;
        for i in (0..n).rev() {
            let t = &toks[i];
            if t.kind == Kind::SentenceEnd {
                send = i as u32;
            }
            let joiner = t.kind == Kind::Word && has(t, cls.clause_joiner);
            if is_boundary(t) || joiner {
                cend = i as u32;
            }
            self.clause_end[i] = cend;
            self.sentence_end[i] = send;
        }
        // Requests: a sentence that opens with "could/would/can/will" + "you/we"
        // and ends with a question mark.
        let mut s = 0usize;
        while s < n {
            let e = self.sentence_end[s] as usize;
            let mut k = s;
            while k < e && toks[k].kind == Kind::Word && has(&toks[k], cls.discourse) {
                k += 1;
            }
            let is_req = k + 1 < e
                && has(&toks[k], cls.request_open)
                && has(&toks[k + 1], cls.request_subject)
                && e < n
                && toks[e].mark == b'?';
            if is_req {
                for r in &mut self.request[s..e] {
                    *r = true;
                }
            }
            s = e + 1;
        }
    }
}

/// Whether the reporting verb at `i` has someone else as its subject:
/// "she said", "my mum always says", "Sam told me" (an unknown word is most
/// often a name). "you said" and "I said" are the writer's own exchange.
fn said_by_other(cls: &EngineClasses, toks: &[Token], i: usize) -> bool {
    let mut k = i;
    while k > 0 {
        k -= 1;
        let t = &toks[k];
        if t.kind != Kind::Word {
            return false;
        }
        if has(t, cls.adverb) {
            continue;
        }
        return t.id == crate::lexicon::WordId::UNKNOWN || has(t, cls.third_party);
    }
    false
}

#[inline]
fn elem_matches(lex: &Lexicon, elem: Elem, t: &Token) -> bool {
    match elem {
        Elem::Word(w) => t.id == w,
        Elem::Alt(a, b) => lex.alts[a as usize..b as usize].contains(&t.id),
        Elem::Class(c) => t.classes & (1u128 << c) != 0,
        Elem::Any => t.kind == Kind::Word,
    }
}

/// Backtracking match of `steps` from `pos`; returns the end index.
fn match_steps(lex: &Lexicon, steps: &[Step], toks: &[Token], pos: usize, limit: usize) -> Option<usize> {
    let Some((s, rest)) = steps.split_first() else {
        return Some(pos);
    };
    let mut n = 0usize;
    while n < s.max as usize && pos + n < limit && elem_matches(lex, s.elem, &toks[pos + n]) {
        n += 1;
    }
    if n < s.min as usize {
        return None;
    }
    let mut c = n;
    loop {
        if let Some(e) = match_steps(lex, rest, toks, pos + c, limit) {
            return Some(e);
        }
        if c == s.min as usize {
            return None;
        }
        c -= 1;
    }
}

/// Finds all rule hits in `toks`, filtered by context, into `hits`.
pub fn find_hits(lex: &Lexicon, cls: &EngineClasses, toks: &[Token], scratch: &mut Scratch, hits: &mut Vec<Hit>) {
    hits.clear();
    scratch.prepare(lex, cls, toks);
    let vocab = lex.first.len();
    if scratch.cand_at.len() != vocab {
        scratch.cand_at = vec![(u32::MAX, 0, 0); vocab];
    }
    scratch.cand.clear();
    scratch.cand_touched.clear();
    for i in 0..toks.len() {
        let t = &toks[i];
        let w = t.id.0 as usize;
        if w >= vocab {
            continue;
        }
        // The active candidates of a word are filtered once per message and
        // reused for its other occurrences: clause-anchored ones first, so a
        // word in mid-clause skips them all at once.
        if scratch.cand_at[w].0 == u32::MAX {
            let start = scratch.cand.len() as u32;
            for anchored in [true, false] {
                for &pi in lex.first[w].iter() {
                    if scratch.active[pi as usize / 64] & (1u64 << (pi % 64)) != 0
                        && lex.patterns[pi as usize].clause_start == anchored
                    {
                        scratch.cand.push(pi);
                    }
                }
                if anchored {
                    scratch.cand_at[w].1 = scratch.cand.len() as u32;
                }
            }
            scratch.cand_at[w].0 = start;
            scratch.cand_at[w].2 = scratch.cand.len() as u32;
            scratch.cand_touched.push(w as u32);
        }
        let (start, mid, end) = scratch.cand_at[w];
        let from = if scratch.at_clause_start[i] { start } else { mid };
        if from == end {
            continue;
        }
        // A pattern may run up to and including the sentence's end mark.
        let limit = (scratch.sentence_end[i] as usize + 1).min(toks.len());
        for c in from..end {
            let pi = scratch.cand[c as usize];
            let p = &lex.patterns[pi as usize];

            let end = if p.simple {
                let n = p.steps.len();
                if i + n > limit || !p.steps.iter().zip(&toks[i..i + n]).all(|(st, t)| elem_matches(lex, st.elem, t)) {
                    continue;
                }
                i + n
            } else {
                match match_steps(lex, &p.steps, toks, i, limit) {
                    Some(e) => e,
                    None => continue,
                }
            };
            let rule = lex.rule(p.rule);
            let f = rule.filters;
            if !f.quoted_ok && (t.quoted || scratch.reported[i]) {
                continue;
            }
            if f.negation && scratch.neg_before[i] > 0 {
                continue;
            }
            if f.request && scratch.request[i] {
                continue;
            }
            if f.positive {
                let b = scratch.clause_begin[i] as usize;
                let e = scratch.clause_end[i] as usize;
                let e = e.max(end).min(toks.len());
                // Warm words count only in a clause without negation:
                // "you never make me laugh" is still a complaint.
                if scratch.pos_prefix[e] > scratch.pos_prefix[b] && scratch.neg_prefix[e] == scratch.neg_prefix[b] {
                    continue;
                }
            }
            hits.push(Hit { rule: p.rule, start: i as u32, end: end as u32 });
        }
    }
    // Keep one hit per rule per place: drop a hit that overlaps an earlier,
    // kept hit of the same code.
    hits.sort_by_key(|h| (h.start, u32::MAX - h.end));
    let mut kept = 0;
    for k in 0..hits.len() {
        let h = hits[k];
        let code = lex.rule(h.rule).code_id;
        let dup = hits[..kept].iter().any(|o| lex.rule(o.rule).code_id == code && o.end > h.start);
        if !dup {
            hits[kept] = h;
            kept += 1;
        }
    }
    hits.truncate(kept);
    scratch.clear_present(toks);
    for &w in &scratch.cand_touched {
        scratch.cand_at[w as usize] = (u32::MAX, 0, 0);
    }
}
