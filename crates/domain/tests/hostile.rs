//! Property tests over hostile text: every field parser and the calendar
//! builder, fed arbitrary Unicode, control and format characters, markup
//! and very long strings. Nothing panics, whatever is accepted keeps the
//! field's promises, and the calendar cannot be made to say more than it
//! should.
//!
//! `cargo test` runs a bounded number of cases per property; set
//! `PROPTEST_CASES` for a longer run (`scripts/fuzz-long.sh`).

use jiff::civil::date;
use jiff::Timestamp;
use proptest::prelude::*;
use troth_domain::calendar::{calendar, escape_text, CalEvent};
use troth_domain::fields::is_invisible_format_char;
use troth_domain::{
    exchanges, goals, journal, program, promises, ritual, timeline, AppreciationText, DisplayName, Email, EntryBody,
    EntryTitle, FieldError, Password, SpaceName, TimeZoneName, TokenName,
};

/// The CI budget per property unless `PROPTEST_CASES` says otherwise.
fn config(ci_cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = ci_cases;
    }
    config.failure_persistence = None;
    config
}

/// Pieces chosen to break text handling: line breaks of every kind, bidi
/// and zero-width characters, tags, combining marks, emoji sequences,
/// iCalendar syntax, markup, NUL and the ends of the Unicode range.
const ODD: &[&str] = &[
    "\r",
    "\n",
    "\r\n",
    "\t",
    "\u{0}",
    "\u{7}",
    "\u{1B}[31m",
    "\u{7F}",
    "\u{85}",
    "\u{2028}",
    "\u{2029}",
    "\u{202E}",
    "\u{2066}",
    "\u{200B}",
    "\u{200D}",
    "\u{FEFF}",
    "\u{E0041}",
    "\u{0301}",
    "\u{FE0F}",
    "\u{AD}",
    "👩\u{200D}❤\u{FE0F}\u{200D}👨",
    "🏳\u{FE0F}\u{200D}🌈",
    "\u{10FFFF}",
    "\u{FFFD}",
    "é",
    "日本語",
    "سارا",
    " ",
    "  ",
    "\\",
    ";",
    ",",
    ":",
    "\\n",
    "BEGIN:VEVENT",
    "END:VCALENDAR",
    "ATTACH:http://x",
    "<script>window.__pwned=1</script>",
    "<img src=x onerror=alert(1)>",
    "\"",
    "'",
    "&amp;",
    "%0d%0a",
    "a",
    "I",
    "Sam",
];

fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::collection::vec(prop::sample::select(ODD), 0..24).prop_map(|v| v.concat()),
        3 => any::<String>(),
        1 => (prop::sample::select(ODD), 1usize..3000).prop_map(|(piece, n)| piece.repeat(n)),
        1 => "[ -~]{0,300}",
    ]
}

/// What every accepted one-line field promises.
fn one_line_ok(value: &str, max: usize) {
    assert_eq!(value, value.trim(), "trimmed");
    let n = value.chars().count();
    assert!(n >= 1 && n <= max, "{n} chars, max {max}");
    assert!(!value.chars().any(char::is_control), "no control characters: {value:?}");
    assert!(!value.chars().any(is_invisible_format_char), "no invisible format characters: {value:?}");
    assert!(value.chars().any(|c| !c.is_whitespace() && !c.is_control()), "something visible: {value:?}");
}

/// What every accepted multi-line field promises.
fn multi_line_ok(value: &str, max: usize) {
    assert_eq!(value, value.trim(), "trimmed");
    assert!(value.chars().count() <= max);
    assert!(!value.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{value:?}");
}

fn field_is(err: FieldError, fields: &[&str]) {
    assert!(fields.contains(&err.field), "error names {:?}, expected one of {fields:?}", err.field);
    assert!(!err.message.is_empty());
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn one_line_fields_never_panic_and_keep_their_rules(raw in hostile_text()) {
        match DisplayName::parse(&raw) { Ok(v) => one_line_ok(v.as_str(), DisplayName::MAX), Err(e) => field_is(e, &["display_name"]) }
        match SpaceName::parse(&raw) { Ok(v) => one_line_ok(v.as_str(), SpaceName::MAX), Err(e) => field_is(e, &["name"]) }
        match TokenName::parse(&raw) { Ok(v) => one_line_ok(v.as_str(), TokenName::MAX), Err(e) => field_is(e, &["name"]) }
        match EntryTitle::parse(&raw) { Ok(v) => one_line_ok(v.as_str(), EntryTitle::MAX), Err(e) => field_is(e, &["title"]) }
        match AppreciationText::parse(&raw) { Ok(v) => one_line_ok(v.as_str(), AppreciationText::MAX), Err(e) => field_is(e, &["text"]) }
        match goals::GoalTitle::parse(&raw) { Ok(v) => one_line_ok(v.as_str(), goals::GoalTitle::MAX), Err(e) => field_is(e, &["title"]) }
        match goals::MilestoneTitle::parse(&raw) { Ok(v) => one_line_ok(v.as_str(), goals::MilestoneTitle::MAX), Err(e) => field_is(e, &["milestone"]) }
        match goals::ExperienceTitle::parse(&raw) { Ok(v) => one_line_ok(v.as_str(), goals::ExperienceTitle::MAX), Err(e) => field_is(e, &["title"]) }
        match promises::PromiseText::parse(&raw) { Ok(v) => one_line_ok(v.as_str(), promises::PromiseText::MAX), Err(e) => field_is(e, &["text"]) }
        match promises::PromiseCategory::parse_optional(&raw) {
            Ok(Some(v)) => one_line_ok(v.as_str(), promises::PromiseCategory::MAX),
            Ok(None) => prop_assert!(raw.trim().is_empty()),
            Err(e) => field_is(e, &["category"]),
        }
        if let Ok(Some(r)) = exchanges::ContentRef::parse_optional("ref", Some(&raw)) {
            prop_assert!(r.as_str().chars().all(|c| c.is_ascii_alphanumeric() || "-_.:/".contains(c)));
        }
        match Email::parse(&raw) {
            Ok(e) => {
                one_line_ok(e.as_str(), Email::MAX);
                prop_assert_eq!(e.as_str().matches('@').count(), 1);
                prop_assert!(!e.as_str().chars().any(char::is_whitespace));
            }
            Err(e) => field_is(e, &["email"]),
        }
        if let Ok(p) = Password::parse(&raw) {
            let n = p.expose().chars().count();
            prop_assert!((Password::MIN..=Password::MAX).contains(&n));
        }
    }

    #[test]
    fn multi_line_fields_never_panic_and_keep_their_rules(raw in hostile_text(), other in hostile_text()) {
        match EntryBody::parse(&raw) {
            Ok(v) => { prop_assert!(!v.as_str().contains('\r'), "{:?}", v.as_str()); prop_assert!(v.as_str().chars().count() <= EntryBody::MAX) }
            Err(e) => field_is(e, &["body"]),
        }
        match journal::CommentText::parse(&raw) { Ok(v) => multi_line_ok(v.as_str(), journal::CommentText::MAX), Err(e) => field_is(e, &["comment"]) }
        match journal::JournalDraft::parse(&raw, &other, &raw, &other) {
            Ok(d) => {
                one_line_ok(&d.title, journal::JournalDraft::TITLE_MAX);
                for text in [&d.happened, &d.supported, &d.learned] { multi_line_ok(text, journal::JournalDraft::TEXT_MAX) }
            }
            Err(e) => field_is(e, &["title", "happened", "supported", "learned"]),
        }
        match exchanges::PartText::parse(&raw) { Ok(v) => multi_line_ok(v.as_str(), exchanges::PartText::MAX), Err(e) => field_is(e, &["part"]) }
        match exchanges::ExchangePrompt::parse(&raw) { Ok(v) => multi_line_ok(v.as_str(), exchanges::ExchangePrompt::MAX), Err(e) => field_is(e, &["prompt"]) }
        match exchanges::Listening::parse(Some(&raw), Some(&other)) {
            Ok(l) => prop_assert!(l.heard.is_some() || l.understood.is_some()),
            Err(e) => field_is(e, &["heard", "understood"]),
        }
        match goals::Notes::parse_optional("why", Some(&raw)) {
            Ok(Some(v)) => multi_line_ok(v.as_str(), goals::Notes::MAX),
            Ok(None) => prop_assert!(raw.trim().is_empty()),
            Err(e) => field_is(e, &["why"]),
        }
        match promises::Note::parse(&raw) { Ok(v) => multi_line_ok(v.as_str(), promises::Note::MAX), Err(e) => field_is(e, &["note"]) }
        match ritual::RitualText::parse(&raw) { Ok(v) => multi_line_ok(v.as_str(), ritual::RitualText::MAX), Err(e) => field_is(e, &["text"]) }
        if let Err(e) = ritual::Concern::parse(&raw, &other) { field_is(e, &["feeling", "proposal"]) }
        match program::AnswerText::parse("answer", &raw) {
            Ok(a) => prop_assert!(a.as_str().chars().count() <= program::MAX_ANSWER_CHARS && !a.as_str().is_empty()),
            Err(e) => field_is(e, &["answer"]),
        }
        if let Err(e) = program::Reflection::parse(&raw, &other, Some(5)) { field_is(e, &["learned", "felt"]) }
    }

    #[test]
    fn dates_times_and_zones_never_panic(raw in hostile_text(), day in "[0-9]{1,6}-[0-9]{1,3}-[0-9]{1,3}", hm in "[0-9]{0,3}:[0-9]{0,3}") {
        let today = date(2026, 12, 1);
        for input in [raw.as_str(), day.as_str()] {
            match timeline::MomentDraft::parse(input, "built", "A title", "", today) {
                Ok(m) => prop_assert!(m.happened_on <= today && m.happened_on >= date(1900, 1, 1)),
                Err(e) => field_is(e, &["date"]),
            }
            match goals::PlanDate::parse_optional("target", Some(input)) {
                Ok(Some(d)) => prop_assert!((goals::PlanDate::EARLIEST_YEAR..=goals::PlanDate::LATEST_YEAR).contains(&d.date().year())),
                Ok(None) => prop_assert!(input.trim().is_empty()),
                Err(e) => field_is(e, &["target"]),
            }
            if let Ok(tz) = TimeZoneName::parse(input) {
                one_line_ok(tz.as_str(), 64);
                let _ = tz.tz();
            }
        }
        for (weekday, time, tz) in [(raw.as_str(), hm.as_str(), "UTC"), ("sun", hm.as_str(), raw.as_str()), ("Mon", raw.as_str(), "Europe/Paris")] {
            match ritual::WeeklySlot::parse(weekday, time, tz) {
                Ok(slot) => {
                    let now: Timestamp = "2026-03-29T00:30:00Z".parse().unwrap();
                    prop_assert!(slot.next_after(now) > now);
                    prop_assert_eq!(slot.time_str().len(), 5);
                }
                Err(e) => field_is(e, &["weekday", "time", "time_zone"]),
            }
        }
    }
}

/// Splits a feed into its logical lines, checking the physical rules on the way:
/// CRLF only, at most 75 octets, continuation lines begin with one space.
fn logical_lines(feed: &str) -> Vec<String> {
    assert!(feed.ends_with("\r\n"));
    assert_eq!(feed.matches('\n').count(), feed.matches("\r\n").count(), "bare LF");
    assert_eq!(feed.matches('\r').count(), feed.matches("\r\n").count(), "bare CR");
    let mut lines: Vec<String> = Vec::new();
    for physical in feed[..feed.len() - 2].split("\r\n") {
        assert!(physical.len() <= 75, "{} octets: {physical:?}", physical.len());
        match physical.strip_prefix(' ') {
            Some(rest) => lines.last_mut().expect("a continuation follows a line").push_str(rest),
            None => lines.push(physical.to_string()),
        }
    }
    lines
}

/// Undoes `escape_text` on a value that came out of it.
fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => panic!("dangling backslash in {value:?}"),
            }
        } else {
            assert!(c != ',' && c != ';', "unescaped {c:?} in {value:?}");
            out.push(c);
        }
    }
    out
}

fn expected_text(raw: &str) -> String {
    // What a reader gets back: line breaks as \n, other controls dropped.
    let mut out = String::new();
    let normal = raw.replace("\r\n", "\n").replace('\r', "\n");
    for c in normal.chars() {
        if c == '\n' || c == '\t' || !c.is_control() {
            out.push(c);
        }
    }
    out
}

proptest! {
    #![proptest_config(config(200))]

    #[test]
    fn calendar_feed_is_well_formed_whatever_the_titles(
        name in hostile_text(),
        summaries in prop::collection::vec((hostile_text(), prop::option::of(hostile_text()), any::<bool>()), 0..4),
        tz in prop_oneof![Just(None), Just(Some("Europe/Paris".to_string())), hostile_text().prop_map(Some)],
        start in 0i64..4_000_000_000,
    ) {
        let events: Vec<CalEvent> = summaries
            .iter()
            .enumerate()
            .map(|(i, (summary, description, weekly))| CalEvent {
                uid: format!("promise-{i}@troth"),
                summary: summary.clone(),
                description: description.clone(),
                start: Timestamp::from_second(start).unwrap(),
                duration_minutes: 30,
                weekly_rrule: *weekly,
                tz: tz.clone(),
            })
            .collect();
        let feed = calendar(&name, &events, Timestamp::from_second(1_700_000_000).unwrap());
        let lines = logical_lines(&feed);
        // Only the properties we write, in our order: text can never start one.
        let names: Vec<&str> = lines.iter().map(|l| l.split([':', ';']).next().unwrap()).collect();
        let mut expected = vec!["BEGIN", "VERSION", "PRODID", "CALSCALE", "METHOD", "X-WR-CALNAME", "REFRESH-INTERVAL", "X-PUBLISHED-TTL"];
        for (_, description, weekly) in &summaries {
            expected.extend(["BEGIN", "UID", "DTSTAMP", "DTSTART", "DURATION"]);
            if *weekly { expected.push("RRULE"); }
            expected.push("SUMMARY");
            if description.is_some() { expected.push("DESCRIPTION"); }
            expected.push("END");
        }
        expected.push("END");
        prop_assert_eq!(names, expected);
        // And each text comes back exactly, escapes undone.
        let value = |prefix: &str, nth: usize| lines.iter().filter_map(|l| l.strip_prefix(prefix)).nth(nth).map(unescape);
        prop_assert_eq!(value("X-WR-CALNAME:", 0), Some(expected_text(&name)));
        let mut descriptions = 0;
        for (i, (summary, description, _)) in summaries.iter().enumerate() {
            prop_assert_eq!(value("SUMMARY:", i), Some(expected_text(summary)));
            if let Some(d) = description {
                prop_assert_eq!(value("DESCRIPTION:", descriptions), Some(expected_text(d)));
                descriptions += 1;
            }
        }
        prop_assert!(escape_text(&name).chars().all(|c| !c.is_control() || c == '\t'));
    }
}
