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
    let class = scan.lex.common.feeling;
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

/// Calls `f` with each clause as a token range `[a, b)`, split at clause
/// marks, sentence ends and joiners ("and", "but"), until `f` returns true.
fn for_each_clause(scan: &Scan, joiner: u8, mut f: impl FnMut(usize, usize) -> bool) {
    let mut begin = 0;
    for (i, t) in scan.toks.iter().enumerate() {
        if t.kind != Kind::Word || scan.lex.in_class(t.id, joiner) {
            if i > begin && f(begin, i) {
                return;
            }
            begin = i + 1;
        }
    }
    if begin < scan.toks.len() {
        f(begin, scan.toks.len());
    }
}

/// Rewrites a complaint about the partner into something that can follow
/// "when": drops the generalising words and turns "never" into "don't".
/// Returns the text and the byte offset where the denied action starts
/// ("you don't |ask how my day was"), if there is one.
fn situation_text(scan: &Scan, s: usize, b: usize) -> (String, Option<usize>) {
    let lex = scan.lex;
    let drop = lex.common.suggest_drop;
    let never = lex.common.never;
    let not = lex.common.not;
    let mut out = String::with_capacity(64);
    let mut last_span = (u32::MAX, u32::MAX);
    let mut action = None;
    let mut pending_action = false;
    for (k, t) in scan.toks[s..b].iter().enumerate() {
        if (t.start, t.end) == last_span {
            // Second half of a contraction ("don't" = do + not).
            if t.id == not {
                pending_action = true;
            }
            continue;
        }
        last_span = (t.start, t.end);
        let word = if t.id == never {
            pending_action = true;
            "don't"
        } else if lex.in_class(t.id, drop) {
            continue;
        } else {
            &scan.text[t.start as usize..t.end as usize]
        };
        if t.id == not {
            pending_action = true;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        let at = out.len();
        if k == 0 {
            out.extend(word.chars().flat_map(char::to_lowercase));
        } else {
            out.push_str(word);
        }
        if pending_action && t.id != never && t.id != not && (t.start, t.end) != (scan.toks[s].start, scan.toks[s].end)
        {
            // The first word after the negation is where the action starts,
            // unless this very word carried the negation ("don't").
            let contracted =
                scan.toks.get(s + k + 1).is_some_and(|n| (n.start, n.end) == (t.start, t.end) && n.id == not);
            if !contracted {
                action.get_or_insert(at);
                pending_action = false;
            }
        }
    }
    (out, action)
}

/// Takes the sweeping words out of a situation, so the suggestion is about
/// this time: "you don't help with anything" becomes "you don't help",
/// "you do nothing all the time" becomes "you do little". (Generalising
/// adverbs such as "always" are already dropped word by word.)
pub fn soften_absolutes(text: &str) -> String {
    const SWEEPING: &[&str] = &["anything", "everything", "everywhere", "anyone", "everyone", "anybody", "everybody"];
    const BEFORE: &[&str] = &["with", "about", "for", "around", "of", "in", "on", "to", "at"];
    const PHRASES: &[&[&str]] = &[
        &["all", "the", "time"],
        &["every", "single", "time"],
        &["every", "time"],
        &["every", "single", "day"],
        &["every", "day"],
        &["every", "night"],
        &["every", "week"],
        &["at", "all"],
        &["ever"],
        &["whatsoever"],
    ];
    let words: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let mut out: Vec<&str> = Vec::with_capacity(words.len());
    let mut i = 0;
    'words: while i < words.len() {
        for p in PHRASES {
            if lower.len() >= i + p.len() && lower[i..i + p.len()].iter().zip(p.iter()).all(|(a, b)| a == b) {
                i += p.len();
                continue 'words;
            }
        }
        let w = lower[i].as_str();
        if SWEEPING.contains(&w) {
            // Drop a preposition that only led to the sweeping word.
            if out.last().is_some_and(|p| BEFORE.contains(&p.to_lowercase().as_str())) && out.len() > 2 {
                out.pop();
            } else if let Some(softer) = object_of(w) {
                // The object of the verb: dropping it would leave "you
                // leave to me" or "you don't do", so say it smaller.
                out.push(softer);
            }
            i += 1;
            continue;
        }
        // "you don't listen to me either": without the other complaint it
        // answered, a closing "either" reads as a second accusation.
        if w == "either" && i + 1 == words.len() && out.len() > 2 {
            i += 1;
            continue;
        }
        out.push(match w {
            "nothing" => "little",
            "nobody" | "no-one" => "hardly anyone",
            _ => words[i],
        });
        i += 1;
    }
    if out.len() < 2 {
        // Too little left to stand on its own: keep the writer's words.
        return text.to_string();
    }
    out.join(" ")
}

/// A smaller word for a sweeping object ("everything" -> "so much").
fn object_of(sweeping: &str) -> Option<&'static str> {
    match sweeping {
        "everything" => Some("so much"),
        "anything" => Some("much"),
        "everyone" | "everybody" | "anyone" | "anybody" => Some("people"),
        _ => None,
    }
}

/// Builds "I feel <feeling> when <situation>. <request>".
pub fn i_statement(scan: &Scan) -> String {
    let lex = scan.lex;
    let discourse = lex.common.discourse;
    let doable = lex.common.doable;
    let joiner = lex.common.clause_joiner;
    let you = lex.common.you;
    let are = lex.common.are;
    let overlaps = |a: usize, b: usize, pred: &dyn Fn(&crate::lexicon::Rule) -> bool| {
        scan.hits.iter().any(|h| (h.start as usize) < b && a < h.end as usize && pred(lex.rule(h.rule)))
    };

    let mut situation = None;
    let mut request = None;
    for_each_clause(scan, joiner, |a, b| {
        // The clause must be about the partner ("you ..."), carry a problem,
        // and not be a label ("you are lazy") or a question.
        let Some(s) = (a..b).find(|&k| scan.toks[k].id == you) else {
            return false;
        };
        if scan.toks[a..s].iter().any(|t| !lex.in_class(t.id, discourse)) && s > a + 3 {
            return false;
        }
        let is_question = scan.toks[b..].iter().find(|t| t.kind == Kind::SentenceEnd).is_some_and(|t| t.mark == b'?');
        if is_question || scan.toks.get(s + 1).is_some_and(|t| t.id == are) {
            return false;
        }
        if !overlaps(a, b, &|r| r.task == Task::Startup && !r.is_good_sign()) {
            return false;
        }
        if overlaps(a, b, &|r| r.task == Task::Contempt || r.code == "character_label") {
            return false;
        }
        let (text, action) = situation_text(scan, s, b);
        if text.split(' ').count() < 2 {
            return false;
        }
        if let Some(at) = action {
            let first = text[at..].split(' ').next().unwrap_or("");
            if lex.in_class(lex.word_id(&first.to_lowercase()), doable) {
                // "you don't help with anything" -> "help with something".
                let vp: Vec<&str> = text[at..]
                    .split(' ')
                    .map(|w| match w {
                        "anything" => "something",
                        "anyone" => "someone",
                        "any" => "some",
                        w => w,
                    })
                    .filter(|w| *w != "either")
                    .collect();
                request = Some(fill(lex.template("request_do"), &[("action", &vp.join(" "))]));
            }
        }
        situation = Some(soften_absolutes(&text));
        true
    });
    let situation = situation.unwrap_or_else(|| lex.template("situation_placeholder").to_string());
    let request = request.unwrap_or_else(|| lex.template("request_default").to_string());
    fill(lex.template("i_statement"), &[("feeling", &feeling(scan)), ("situation", &situation), ("request", &request)])
}

/// Fills the `{name}` slots of a template in one pass. Why not chained
/// `replace`: one pass is cheaper (this runs for every harsh message), and
/// text put into a slot is never read again as a template, so a message
/// that itself contains "{request}" comes back as written.
fn fill(template: &str, slots: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + slots.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let slot = after.find('}').and_then(|close| {
            let name = &after[..close];
            slots.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v, close))
        });
        match slot {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
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
        parts.push(fill(lex.template("apology_impact"), &[("feeling", &feeling(scan))]));
    }
    if missing.contains(&Part::Repair) {
        parts.push(lex.template("apology_repair").to_string());
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::{fill, soften_absolutes};

    #[test]
    fn fill_puts_each_slot_once_and_never_rereads_what_it_put() {
        let slots = [("feeling", "hurt"), ("situation", "you say {request}"), ("request", "Could we talk?")];
        assert_eq!(
            fill("I feel {feeling} when {situation}. {request}", &slots),
            "I feel hurt when you say {request}. Could we talk?"
        );
        assert_eq!(fill("{unknown} and {", &slots), "{unknown} and {");
        assert_eq!(fill("", &[]), "");
    }

    #[test]
    fn sweeping_words_leave_the_situation() {
        assert_eq!(soften_absolutes("you don't help with anything"), "you don't help");
        assert_eq!(soften_absolutes("you leave dishes everywhere all the time"), "you leave dishes");
        assert_eq!(soften_absolutes("you do nothing"), "you do little");
        assert_eq!(soften_absolutes("you don't ask me every single time"), "you don't ask me");
        assert_eq!(soften_absolutes("you ignore me"), "you ignore me");
        // A sweeping object is said smaller rather than dropped mid-phrase.
        assert_eq!(soften_absolutes("you leave everything to me"), "you leave so much to me");
        assert_eq!(soften_absolutes("you don't do anything"), "you don't do much");
        assert_eq!(soften_absolutes("you don't listen to me either"), "you don't listen to me");
    }
}
