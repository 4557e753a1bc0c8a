//! JSON for the batch path, written by hand with the fixed texts escaped once.
//!
//! Why: in `troth coach check --jsonl` most of an answer's bytes are fixed
//! text (the kind explanations of the findings, the feeling words), and
//! escaping them again on every line through serde was about a tenth of the
//! instructions per line. Here those texts are escaped once per [`Coach`]
//! and copied; only what comes from the message (excerpts, the suggestion)
//! is escaped per line. The output is byte for byte what
//! `serde_json::to_writer` writes for the same analysis (a test compares
//! them), so the two paths can never disagree.

use crate::analysis::{ApologyAnalysis, CheckAnalysis, Finding, Part};
use crate::lexicon::Lexicon;

/// Fixed texts of one language, escaped once.
#[derive(Debug, Default)]
pub struct JsonCache {
    /// Per message text (by address and length, as the lexicon hands out
    /// the same `&'static str` every time), its quoted, escaped form.
    /// Sorted by address for a binary search.
    messages: Vec<(usize, usize, Box<str>)>,
    /// The feeling words offered with a suggestion, by address, and the
    /// whole JSON array they make.
    feelings: Vec<usize>,
    feelings_json: Box<str>,
}

impl JsonCache {
    pub fn new(lex: &Lexicon, feeling_choices: &[&'static str]) -> Self {
        let mut messages: Vec<(usize, usize, Box<str>)> = lex
            .messages()
            .map(|m| {
                let mut out = Vec::with_capacity(m.len() + 8);
                string(&mut out, m);
                (m.as_ptr() as usize, m.len(), String::from_utf8(out).expect("escaped UTF-8").into_boxed_str())
            })
            .collect();
        messages.sort_unstable_by_key(|&(a, n, _)| (a, n));
        let mut arr = Vec::new();
        str_array(&mut arr, feeling_choices.iter().copied());
        JsonCache {
            messages,
            feelings: feeling_choices.iter().map(|w| w.as_ptr() as usize).collect(),
            feelings_json: String::from_utf8(arr).expect("escaped UTF-8").into_boxed_str(),
        }
    }

    fn message(&self, out: &mut Vec<u8>, m: &str) {
        let key = (m.as_ptr() as usize, m.len());
        match self.messages.binary_search_by_key(&key, |&(a, n, _)| (a, n)) {
            Ok(i) => out.extend_from_slice(self.messages[i].2.as_bytes()),
            Err(_) => string(out, m),
        }
    }

    fn feeling_words(&self, out: &mut Vec<u8>, words: &[&'static str]) {
        let same = words.len() == self.feelings.len()
            && words.iter().zip(&self.feelings).all(|(w, &p)| w.as_ptr() as usize == p);
        if same {
            out.extend_from_slice(self.feelings_json.as_bytes());
        } else {
            str_array(out, words.iter().copied());
        }
    }
}

/// What each byte becomes after a backslash (0: written as is), as in
/// serde_json: `"`, `\`, the short forms \b \t \n \f \r, and `u` for the
/// other control characters.
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = b'u';
        b += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0A] = b'n';
    t[0x0C] = b'f';
    t[0x0D] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// Appends `s` as a JSON string, escaped exactly as serde_json does: `"`,
/// `\` and control characters (short forms for \b \t \n \f \r, else
/// `\u00xx` in lower-case hex); everything else, non-ASCII included, as is.
pub fn string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short = ESCAPE[b as usize];
        if short == 0 {
            continue;
        }
        out.extend_from_slice(&bytes[run..i]);
        run = i + 1;
        if short == b'u' {
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[(b >> 4) as usize], HEX[(b & 0xF) as usize]]);
        } else {
            out.extend_from_slice(&[b'\\', short]);
        }
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

fn number(out: &mut Vec<u8>, mut n: usize) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

fn str_array<'a>(out: &mut Vec<u8>, items: impl Iterator<Item = &'a str>) {
    out.push(b'[');
    for (i, s) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, s);
    }
    out.push(b']');
}

fn findings(out: &mut Vec<u8>, cache: &JsonCache, list: &[Finding]) {
    out.push(b'[');
    for (i, f) in list.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"code\":");
        string(out, f.code);
        out.extend_from_slice(b",\"message\":");
        cache.message(out, f.message);
        out.extend_from_slice(b",\"start\":");
        number(out, f.start);
        out.extend_from_slice(b",\"end\":");
        number(out, f.end);
        out.extend_from_slice(b",\"char_start\":");
        number(out, f.char_start);
        out.extend_from_slice(b",\"char_end\":");
        number(out, f.char_end);
        out.extend_from_slice(b",\"excerpt\":");
        string(out, &f.excerpt);
        out.push(b'}');
    }
    out.push(b']');
}

fn parts(out: &mut Vec<u8>, list: &[Part]) {
    str_array(out, list.iter().map(|p| p.as_str()));
}

fn optional(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// Appends a check analysis as one JSON object (no newline).
pub fn check(out: &mut Vec<u8>, cache: &JsonCache, a: &CheckAnalysis) {
    out.extend_from_slice(b"{\"verdict\":");
    string(out, a.verdict.as_str());
    out.extend_from_slice(b",\"findings\":");
    findings(out, cache, &a.findings);
    out.extend_from_slice(b",\"horsemen\":");
    str_array(out, a.horsemen.iter().map(|h| h.as_str()));
    out.extend_from_slice(b",\"startup\":");
    string(out, a.startup.as_str());
    out.extend_from_slice(b",\"response\":");
    string(out, a.response.as_str());
    out.extend_from_slice(b",\"contempt\":");
    string(out, a.contempt.as_str());
    out.extend_from_slice(b",\"missing\":");
    parts(out, &a.missing);
    out.extend_from_slice(b",\"suggestion\":");
    optional(out, a.suggestion.as_deref());
    out.extend_from_slice(b",\"feeling_words\":");
    cache.feeling_words(out, &a.feeling_words);
    out.push(b'}');
}

/// Appends an apology analysis as one JSON object (no newline).
pub fn apology(out: &mut Vec<u8>, cache: &JsonCache, a: &ApologyAnalysis) {
    out.extend_from_slice(b"{\"verdict\":");
    string(out, a.verdict.as_str());
    out.extend_from_slice(b",\"findings\":");
    findings(out, cache, &a.findings);
    out.extend_from_slice(b",\"missing\":");
    parts(out, &a.missing);
    out.extend_from_slice(b",\"suggestion\":");
    optional(out, a.suggestion.as_deref());
    out.extend_from_slice(b",\"feeling_words\":");
    cache.feeling_words(out, &a.feeling_words);
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Coach;

    /// Byte for byte what serde_json writes, on messages that exercise every
    /// part: findings, suggestions, missing parts, quotes, backslashes,
    /// control characters, non-ASCII and emoji.
    #[test]
    fn same_bytes_as_serde_json() {
        let coach = Coach::english();
        let texts = [
            "You never help with anything around the house.",
            "I feel worried when you drive late. Could you text me?",
            "Wow, great job forgetting the \"tickets\" again \\ sigh 🙄",
            "I'm sorry if you were upset, but you were overreacting.",
            "Sorry.",
            "You're right, I forgot. I'm sorry, I'll ring her tonight.",
            "tab\there, bell\u{7}, nul\u{0}, form\u{c}feed, cr\r, back\u{8}space, unit\u{1f}",
            "Thanks for nothing, genius. Café, naïve, 日本語, \u{2028}.",
            "Your little 'side hustle' lost money again, as always!",
        ];
        for t in texts {
            let a = coach.check(t).unwrap();
            let mut mine = Vec::new();
            check(&mut mine, coach.json(), &a);
            assert_eq!(String::from_utf8(mine).unwrap(), serde_json::to_string(&a).unwrap(), "check: {t:?}");
            let a = coach.apology(t).unwrap();
            let mut mine = Vec::new();
            apology(&mut mine, coach.json(), &a);
            assert_eq!(String::from_utf8(mine).unwrap(), serde_json::to_string(&a).unwrap(), "apology: {t:?}");
        }
    }

    proptest::proptest! {
        /// Any text, control characters and all: the same bytes as serde_json.
        #[test]
        fn any_text_gives_the_same_bytes_as_serde_json(t in proptest::prelude::any::<String>()) {
            let coach = Coach::shared_english();
            if let Ok(a) = coach.check(&t) {
                let mut mine = Vec::new();
                check(&mut mine, coach.json(), &a);
                proptest::prop_assert_eq!(String::from_utf8(mine).unwrap(), serde_json::to_string(&a).unwrap());
            }
            if let Ok(a) = coach.apology(&t) {
                let mut mine = Vec::new();
                apology(&mut mine, coach.json(), &a);
                proptest::prop_assert_eq!(String::from_utf8(mine).unwrap(), serde_json::to_string(&a).unwrap());
            }
        }
    }

    #[test]
    fn strings_and_numbers_escape_like_serde_json() {
        for s in ["", "plain", "\"q\"", "a\\b", "\u{0}\u{1}\u{1f}\u{7f}", "é\u{2028}😀", "\n\r\t\u{8}\u{c}"] {
            let mut mine = Vec::new();
            string(&mut mine, s);
            assert_eq!(String::from_utf8(mine).unwrap(), serde_json::to_string(s).unwrap());
        }
        for n in [0usize, 7, 10, 99, 12345, usize::MAX] {
            let mut mine = Vec::new();
            number(&mut mine, n);
            assert_eq!(String::from_utf8(mine).unwrap(), n.to_string());
        }
    }
}
