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

/// Context of one token, computed in one pass over the message.
#[derive(Debug, Clone, Copy, Default)]
struct Ctx {
    /// Index of the first token of the clause the token belongs to.
    clause_begin: u32,
    /// Index one past the last token of that clause.
    clause_end: u32,
    /// Index of the sentence-ending token (or len) of the token's sentence.
    sentence_end: u32,
    /// Number of negation words before the token within its clause.
    neg_before: u16,
    /// Token starts a clause (after any discourse words such as "honestly").
    at_clause_start: bool,
    /// Token lies in reported speech.
    reported: bool,
    /// Token lies in a sentence that is a polite request question.
    request: bool,
}

/// Per-message scratch, reused across messages.
#[derive(Default)]
pub struct Scratch {
    /// Per-token context (one array, so one resize per message).
    ctx: Vec<Ctx>,
    /// Which vocabulary words occur in the text (bit set), a 64-bit filter
    /// of the same words (`word_bit`), and the union of their classes: lets
    /// whole patterns be skipped up front.
    present: Vec<u64>,
    present_bloom: u64,
    present_classes: u128,
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

    /// Whether pattern `p` can match in this text at all: all its required
    /// words are present, and some word of each required class.
    #[inline]
    fn active(&self, lex: &Lexicon, p: usize) -> bool {
        let bloom = lex.req_bloom[p];
        if bloom & self.present_bloom != bloom {
            return false;
        }
        let need = lex.req_classes[p];
        if need & self.present_classes != need {
            return false;
        }
        let (a, b) = lex.req_range[p];
        lex.req_words[a as usize..b as usize].iter().all(|&w| self.present[w as usize / 64] & (1u64 << (w % 64)) != 0)
    }

    fn prepare(&mut self, lex: &Lexicon, cls: &EngineClasses, toks: &[Token]) {
        let n = toks.len();
        self.ctx.clear();
        self.ctx.resize(n, Ctx::default());
        self.pos_prefix.clear();
        self.pos_prefix.resize(n + 1, 0);
        self.neg_prefix.clear();
        self.neg_prefix.resize(n + 1, 0);

        let words = lex.vocab_len().div_ceil(64);
        if self.present.len() != words {
            self.present.clear();
            self.present.resize(words, 0);
        }
        self.present_classes = 0;
        self.present_bloom = 0;
        for t in toks {
            let i = t.id.0 as usize;
            if let Some(w) = self.present.get_mut(i / 64) {
                let bit = 1u64 << (i % 64);
                if *w & bit == 0 {
                    // First time this word is seen.
                    *w |= bit;
                    self.present_classes |= t.classes;
                    self.present_bloom |= crate::lexicon::word_bit(t.id);
                }
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
                self.ctx[i].clause_begin = begin;
                self.ctx[i].neg_before = negs;
                self.ctx[i].reported = reported;
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
            self.ctx[i].clause_begin = begin;
            self.ctx[i].neg_before = negs;
            self.ctx[i].at_clause_start = opening;
            if opening && !has(t, cls.discourse) {
                opening = false;
            }
            if has(t, cls.reporting) && said_by_other(cls, toks, i) {
                // "she said ..." / "my mum always tells me ...": what follows
                // is another person's claim, not the writer's.
                self.ctx[i].reported = reported;
                reported = true;
            } else {
                self.ctx[i].reported = reported;
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
            self.ctx[i].clause_end = cend;
            self.ctx[i].sentence_end = send;
        }
        // Requests: a sentence that opens with "could/would/can/will" + "you/we"
        // and ends with a question mark.
        let mut s = 0usize;
        while s < n {
            let e = self.ctx[s].sentence_end as usize;
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
                for c in &mut self.ctx[s..e] {
                    c.request = true;
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
        Elem::Quoted => t.kind == Kind::Word && t.quoted,
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
            let (anchored, rest) = lex.first[w].split_at(lex.first_mid[w] as usize);
            for &pi in anchored {
                if scratch.active(lex, pi as usize) {
                    scratch.cand.push(pi);
                }
            }
            let mid = scratch.cand.len() as u32;
            for &pi in rest {
                if scratch.active(lex, pi as usize) {
                    scratch.cand.push(pi);
                }
            }
            scratch.cand_at[w] = (start, mid, scratch.cand.len() as u32);
            scratch.cand_touched.push(w as u32);
        }
        let (start, mid, end) = scratch.cand_at[w];
        let cx = scratch.ctx[i];
        let from = if cx.at_clause_start { start } else { mid };
        if from == end {
            continue;
        }
        // A pattern may run up to and including the sentence's end mark.
        let limit = (cx.sentence_end as usize + 1).min(toks.len());
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
            if !f.quoted_ok && (t.quoted || cx.reported) {
                continue;
            }
            if f.negation && cx.neg_before > 0 {
                continue;
            }
            if f.request && cx.request {
                continue;
            }
            if f.positive {
                let b = cx.clause_begin as usize;
                let e = cx.clause_end as usize;
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
