//! The coach against hostile text: any Unicode (combining marks, bidi and
//! zero-width characters, emoji sequences, lone surrogate look-alikes,
//! NUL), huge inputs and long runs of one character. It never panics, every
//! finding's span lies inside the text on character boundaries, each answer
//! comes in bounded time, and the JSON-lines batch survives arbitrary bytes.
//!
//! `cargo test` runs a bounded number of cases; set `PROPTEST_CASES` for
//! a longer run (`scripts/fuzz-long.sh`).

use std::time::{Duration, Instant};

use proptest::prelude::*;
use troth_coach::{Coach, CoachError, Finding, Mode, MAX_CHARS};

fn coach() -> &'static Coach {
    Coach::shared_english()
}

fn config(ci_cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = ci_cases;
    }
    config.failure_persistence = None;
    config
}

/// The most one analysis of a text at the length limit may take in a test
/// build on a busy 2-core machine: generous, but it fails on anything
/// quadratic (10,000 characters squared is 10^8 steps).
const BOUND: Duration = Duration::from_secs(3);

fn check_spans(text: &str, findings: &[Finding]) -> Result<(), TestCaseError> {
    for f in findings {
        prop_assert!(f.start <= f.end && f.end <= text.len(), "{f:?} outside {} bytes", text.len());
        prop_assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end), "{f:?} splits a character");
        prop_assert_eq!(&text[f.start..f.end], f.excerpt.as_str());
        prop_assert_eq!(text[..f.start].chars().count(), f.char_start);
        prop_assert_eq!(text[..f.end].chars().count(), f.char_end);
    }
    Ok(())
}

/// Every analysis of `text`: no panic, spans valid, each within `BOUND`,
/// and only the two documented refusals.
fn analyse_all(text: &str) -> Result<(), TestCaseError> {
    let timed = |what: &str, started: Instant| -> Result<(), TestCaseError> {
        let took = started.elapsed();
        prop_assert!(took < BOUND, "{what} took {took:?} on {} chars", text.chars().count());
        Ok(())
    };
    let refusal_ok = |e: &CoachError| matches!(e, CoachError::Empty | CoachError::TooLong { .. });
    let started = Instant::now();
    match coach().check(text) {
        Ok(a) => check_spans(text, &a.findings)?,
        Err(e) => prop_assert!(refusal_ok(&e), "{e:?}"),
    }
    timed("check", started)?;
    let started = Instant::now();
    match coach().apology(text) {
        Ok(a) => check_spans(text, &a.findings)?,
        Err(e) => prop_assert!(refusal_ok(&e), "{e:?}"),
    }
    timed("apology", started)?;
    let started = Instant::now();
    for findings in [
        coach().startup(text).map(|a| a.findings),
        coach().response(text).map(|a| a.findings),
        coach().contempt(text).map(|a| a.findings),
    ] {
        match findings {
            Ok(f) => check_spans(text, &f)?,
            Err(e) => prop_assert!(refusal_ok(&e), "{e:?}"),
        }
    }
    timed("startup, response and contempt", started)
}

/// Odd pieces: combining marks stacked, bidi overrides and isolates,
/// zero-width characters, tags, variation selectors, emoji built with
/// joiners, curly and straight quotes and apostrophes, NUL, line and
/// paragraph separators, scripts of other languages, and the words the
/// rules look for.
const ODD: &[&str] = &[
    "\u{0301}",
    "\u{0301}\u{0308}\u{0327}",
    "\u{202E}",
    "\u{2066}",
    "\u{2069}",
    "\u{200B}",
    "\u{200D}",
    "\u{FEFF}",
    "\u{E0041}",
    "\u{FE0F}",
    "👩\u{200D}❤\u{FE0F}\u{200D}👨",
    "🏳\u{FE0F}\u{200D}🌈",
    "\u{2019}",
    "\u{2018}",
    "\u{201C}",
    "\u{201D}",
    "'",
    "\"",
    "\u{0}",
    "\u{2028}",
    "\u{2029}",
    "\r\n",
    "\n",
    "\t",
    "İ",
    "ß",
    "ﬁ",
    "Ⅻ",
    "ǅ",
    "日本語",
    "مرحبا",
    "עברית",
    "\u{10FFFF}",
    "\u{FFFD}",
    "you",
    "You",
    "YOU",
    "never",
    "always",
    "sorry",
    "if",
    "but",
    "I",
    "feel",
    "n't",
    "don\u{2019}t",
    "why",
    "whatever",
    "…",
    ".",
    "?",
    "!",
    ",",
    " ",
    "-",
    "—",
];

fn odd_text(max_pieces: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(ODD), 0..max_pieces).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(config(200))]

    #[test]
    fn odd_unicode_never_panics_and_spans_hold(text in prop_oneof![odd_text(60), any::<String>()]) {
        analyse_all(&text)?;
    }

    #[test]
    fn long_texts_stay_bounded(piece in prop::sample::select(ODD), filler in odd_text(12), n in 1usize..2_000) {
        // Up to the limit and past it, one character repeated or a phrase.
        let mut text = format!("{filler}{}", piece.repeat(n));
        while text.chars().count() > MAX_CHARS + 50 {
            text.pop();
        }
        analyse_all(&text)?;
    }

    #[test]
    fn batch_lines_of_any_bytes_never_stop_the_batch(lines in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..200), 1..20)) {
        let mut input = Vec::new();
        for line in &lines {
            input.extend(line.iter().map(|&b| if b == b'\n' { b' ' } else { b }));
            input.push(b'\n');
        }
        let mut out = Vec::new();
        let stats = troth_coach::run_jsonl(coach(), Mode::Check, &input[..], &mut out);
        prop_assert!(stats.is_ok(), "{:?}", stats.err());
        for answer in String::from_utf8_lossy(&out).lines() {
            let value: serde_json::Value = serde_json::from_str(answer).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(value.is_object(), "{answer}");
        }
    }
}

#[test]
fn the_worst_shapes_at_the_limit_answer_in_time() {
    // One character repeated to the limit, one word, no spaces, all quotes,
    // all combining marks, alternating rule words: each within the bound.
    let at_limit = |unit: &str| {
        let mut text = String::new();
        while text.chars().count() + unit.chars().count() <= MAX_CHARS {
            text.push_str(unit);
        }
        text
    };
    for unit in
        ["a", "you ", "\u{201C}", "\u{0301}", "'", "never always ", "sorry if but ", "I feel ", "😀", "\u{200D}", "\n"]
    {
        let text = at_limit(unit);
        analyse_all(&text).unwrap_or_else(|e| panic!("{unit:?}: {e}"));
    }
    // Far past the limit: refused at once, not analysed.
    let huge = "you never listen ".repeat(100_000);
    let started = Instant::now();
    assert!(matches!(coach().check(&huge), Err(CoachError::TooLong { .. })));
    assert!(started.elapsed() < Duration::from_millis(500), "{:?}", started.elapsed());
}
