//! Better versions: an I-statement shaped from the message itself, or the
//! missing parts of an apology. The sentence frames come from the language's
//! rules file (`[templates]`), so they are data like the rules.

use crate::analysis::{Part, Scan};
use crate::lexicon::{Lexicon, Task};
use crate::tokenize::{Kind, Token};

/// How many feeling words to offer with a suggestion.
const CHOICES: usize = 8;

pub fn feeling_choices(lex: &Lexicon) -> Vec<&'static str> {
    lex.feelings().iter().take(CHOICES).copied().collect()
}

fn word<'a>(scan: &Scan<'a>, t: &Token) -> &'a str {
    scan.lex.word_text(t.id).unwrap_or("")
}

/// The writer's own feeling word if they used one, else the default.
fn feeling(scan: &Scan) -> String {
    let class = scan.lex.class("feeling");
    for t in scan.toks {
        if !scan.lex.in_class(t.id, class) {
            continue;
        }
        let w = word(scan, t);
        if scan.lex.feelings().contains(&w) {
            return w.to_string();
        }
    }
    scan.lex.template("feeling_default").to_string()
}

/// Clauses as token ranges: split at clause marks, sentence ends and joiners.
fn clauses(scan: &Scan) -> Vec<(usize, usize)> {
    let joiner = scan.lex.class("clause_joiner");
    let mut out = Vec::new();
    let mut begin = 0;
    for (i, t) in scan.toks.iter().enumerate() {
        if t.kind != Kind::Word || scan.lex.in_class(t.id, joiner) {
            if i > begin {
                out.push((begin, i));
            }
            begin = i + 1;
        }
    }
    if begin < scan.toks.len() {
        out.push((begin, scan.toks.len()));
    }
    out
}

/// Builds "I feel <feeling> when <situation>. <request>".
pub fn i_statement(scan: &Scan) -> String {
    let lex = scan.lex;
    let drop = lex.class("suggest_drop");
    let discourse = lex.class("discourse");
    let doable = lex.class("doable");
    let never = lex.word_id("never");
    let not = lex.word_id("not");
    let you = lex.word_id("you");
    let labels: Vec<(usize, usize)> = scan
        .hits
        .iter()
        .filter(|h| {
            let r = lex.rule(h.rule);
            r.task == Task::Contempt || r.code == "character_label"
        })
        .map(|h| (h.start as usize, h.end as usize))
        .collect();
    let problem_in = |a: usize, b: usize| {
        scan.hits.iter().any(|h| {
            let r = lex.rule(h.rule);
            r.task == Task::Startup && !r.is_good_sign() && (h.start as usize) < b && a < h.end as usize
        })
    };

    let mut situation = None;
    let mut request = None;
    for (a, b) in clauses(scan) {
        // Skip leading discourse words ("honestly", "of course", "well").
        let mut s = a;
        while s < b && lex.in_class(scan.toks[s].id, discourse) {
            s += 1;
        }
        if s >= b || scan.toks[s].id != you || !problem_in(a, b) {
            continue;
        }
        if labels.iter().any(|&(x, y)| x < b && a < y) {
            continue;
        }
        // "you are ..." describes the person, not the situation.
        if s + 1 < b && word(scan, &scan.toks[s + 1]) == "are" {
            continue;
        }
        let mut words: Vec<String> = Vec::new();
        let mut last_span = (u32::MAX, u32::MAX);
        let mut after_neg: Option<usize> = None;
        for (k, t) in scan.toks[s..b].iter().enumerate() {
            if (t.start, t.end) == last_span {
                if t.id == not {
                    after_neg = Some(words.len());
                }
                continue;
            }
            last_span = (t.start, t.end);
            let orig = &scan.text[t.start as usize..t.end as usize];
            if t.id == never {
                words.push("don't".to_string());
                after_neg = Some(words.len());
                continue;
            }
            if t.id == not {
                after_neg = Some(words.len() + 1);
            }
            if lex.in_class(t.id, drop) {
                continue;
            }
            if k == 0 {
                words.push(orig.to_lowercase());
            } else {
                words.push(orig.to_string());
            }
        }
        if words.len() < 2 {
            continue;
        }
        if let Some(n) = after_neg {
            if n < words.len() {
                let first = lex.word_id(&words[n].to_lowercase());
                if lex.in_class(first, doable) {
                    let vp = words[n..].join(" ");
                    request = Some(lex.template("request_do").replace("{action}", &vp));
                }
            }
        }
        situation = Some(words.join(" "));
        break;
    }
    let situation = situation.unwrap_or_else(|| lex.template("situation_placeholder").to_string());
    let request = request.unwrap_or_else(|| lex.template("request_default").to_string());
    lex.template("i_statement")
        .replace("{feeling}", &feeling(scan))
        .replace("{situation}", &situation)
        .replace("{request}", &request)
}

/// The writer's own sentence that owns the act, then frames for what is
/// missing.
pub fn apology(scan: &Scan, missing: &[Part]) -> String {
    let lex = scan.lex;
    let mut parts: Vec<String> = Vec::new();
    let owned = scan.hits.iter().find(|h| {
        let r = lex.rule(h.rule);
        r.task == Task::Apology && r.code == "+responsibility"
    });
    match owned {
        Some(h) if !missing.contains(&Part::Responsibility) => {
            // The whole sentence around the owning words.
            let mut a = h.start as usize;
            while a > 0 && scan.toks[a - 1].kind != Kind::SentenceEnd {
                a -= 1;
            }
            let mut b = h.end as usize;
            while b < scan.toks.len() && scan.toks[b - 1].kind != Kind::SentenceEnd {
                b += 1;
            }
            let (x, y) = scan.span(a as u32, b as u32);
            parts.push(scan.text[x..y].trim().to_string());
        }
        _ => parts.push(lex.template("apology_responsibility").to_string()),
    }
    if missing.contains(&Part::Impact) {
        parts.push(lex.template("apology_impact").replace("{feeling}", &feeling(scan)));
    }
    if missing.contains(&Part::Repair) {
        parts.push(lex.template("apology_repair").to_string());
    }
    parts.join(" ")
}
