//! A read-only calendar feed (RFC 5545, iCalendar) for promise due times and
//! the weekly ritual, so they show up in the calendar people already use.
//!
//! One-off events are written in UTC (`DTSTART:20260105T120000Z`): an instant
//! is an instant, whatever zone the reader is in.
//!
//! The weekly ritual is written as local time with its zone name
//! (`DTSTART;TZID=Europe/Paris:20260111T193000` plus `RRULE:FREQ=WEEKLY`), so
//! "Sunday 19:30" stays 19:30 after the clocks change. Strictly, RFC 5545 wants
//! a `VTIMEZONE` block describing every `TZID` used; we leave it out on purpose
//! because the common calendar apps (Google, Apple, Outlook, Thunderbird)
//! resolve IANA names like `Europe/Paris` themselves, and a hand-built
//! `VTIMEZONE` with stale rules would be worse than none. Unknown zone names
//! fall back to UTC.
//!
//! Output: CRLF line endings, text escaped, lines folded at 75 octets on UTF-8
//! character boundaries.

use jiff::tz::TimeZone;
use jiff::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalEvent {
    /// Stable across feed refreshes, e.g. "promise-42@troth".
    pub uid: String,
    pub summary: String,
    pub description: Option<String>,
    pub start: Timestamp,
    pub duration_minutes: u32,
    /// Repeat every week (the ritual).
    pub weekly_rrule: bool,
    /// IANA zone to anchor the local time in; needed for a DST-proof weekly event.
    pub tz: Option<String>,
}

pub const PRODID: &str = "-//troth//troth calendar feed//EN";

/// Escape a TEXT value: backslash, semicolon, comma, and line breaks as `\n`.
/// Other control characters are not allowed in TEXT and are dropped.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Append one content line, folded so no physical line exceeds 75 octets
/// (continuation lines start with a space, which counts), ending in CRLF.
pub fn push_folded(out: &mut String, line: &str) {
    const LIMIT: usize = 75;
    let mut used = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if used + len > LIMIT {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += len;
    }
    out.push_str("\r\n");
}

fn utc_stamp(ts: Timestamp) -> String {
    ts.strftime("%Y%m%dT%H%M%SZ").to_string()
}

fn duration(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("PT{m}M"),
        (h, 0) => format!("PT{h}H"),
        (h, m) => format!("PT{h}H{m}M"),
    }
}

/// The whole feed as one string.
pub fn calendar(name: &str, events: &[CalEvent], now: Timestamp) -> String {
    let mut out = String::with_capacity(256 + events.len() * 320);
    let mut line = |l: &str| push_folded(&mut out, l);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line(&format!("PRODID:{PRODID}"));
    line("CALSCALE:GREGORIAN");
    line("METHOD:PUBLISH");
    line(&format!("X-WR-CALNAME:{}", escape_text(name)));
    // Hints for subscribing apps on how often to refresh.
    line("REFRESH-INTERVAL;VALUE=DURATION:PT6H");
    line("X-PUBLISHED-TTL:PT6H");
    let dtstamp = utc_stamp(now);
    for e in events {
        line("BEGIN:VEVENT");
        line(&format!("UID:{}", escape_text(&e.uid)));
        line(&format!("DTSTAMP:{dtstamp}"));
        let zone = e.tz.as_deref().and_then(|name| TimeZone::get(name).ok().map(|tz| (name, tz)));
        match zone {
            Some((name, tz)) if name != "UTC" => {
                let local = e.start.to_zoned(tz).strftime("%Y%m%dT%H%M%S").to_string();
                line(&format!("DTSTART;TZID={name}:{local}"));
            }
            _ => line(&format!("DTSTART:{}", utc_stamp(e.start))),
        }
        line(&format!("DURATION:{}", duration(e.duration_minutes)));
        if e.weekly_rrule {
            line("RRULE:FREQ=WEEKLY");
        }
        line(&format!("SUMMARY:{}", escape_text(&e.summary)));
        if let Some(d) = &e.description {
            line(&format!("DESCRIPTION:{}", escape_text(d)));
        }
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn promise() -> CalEvent {
        CalEvent {
            uid: "promise-42@troth".into(),
            summary: "Fix the bike, then call Sam; bring tea".into(),
            description: Some("Line one\nLine two, with a \\ backslash".into()),
            start: ts("2026-01-05T12:00:00Z"),
            duration_minutes: 30,
            weekly_rrule: false,
            tz: None,
        }
    }

    fn ritual() -> CalEvent {
        CalEvent {
            uid: "ritual-7@troth".into(),
            summary: "Our weekly ritual".into(),
            description: None,
            start: ts("2026-01-11T18:30:00Z"),
            duration_minutes: 90,
            weekly_rrule: true,
            tz: Some("Europe/Paris".into()),
        }
    }

    fn unfold(s: &str) -> String {
        s.replace("\r\n ", "")
    }

    #[test]
    fn escaping_follows_rfc_5545() {
        assert_eq!(escape_text("a,b;c\\d"), "a\\,b\\;c\\\\d");
        assert_eq!(escape_text("one\ntwo\r\nthree\rfour"), "one\\ntwo\\nthree\\nfour");
        assert_eq!(escape_text("bell\u{7}tab\t"), "belltab\t");
        let cal = calendar("Ana, Ben; us", &[promise()], ts("2026-01-01T00:00:00Z"));
        let cal = unfold(&cal);
        assert!(cal.contains("X-WR-CALNAME:Ana\\, Ben\\; us\r\n"));
        assert!(cal.contains("SUMMARY:Fix the bike\\, then call Sam\\; bring tea\r\n"));
        assert!(cal.contains("DESCRIPTION:Line one\\nLine two\\, with a \\\\ backslash\r\n"));
    }

    #[test]
    fn structure_is_balanced_and_crlf_everywhere() {
        let cal = calendar("Us", &[promise(), ritual()], ts("2026-01-01T00:00:00Z"));
        assert!(cal.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:"));
        assert!(cal.ends_with("END:VCALENDAR\r\n"));
        for must in ["CALSCALE:GREGORIAN\r\n", "METHOD:PUBLISH\r\n", "X-WR-CALNAME:Us\r\n"] {
            assert!(cal.contains(must), "{must}");
        }
        assert_eq!(cal.matches("BEGIN:VEVENT").count(), 2);
        assert_eq!(cal.matches("END:VEVENT").count(), 2);
        // Every \n is part of a \r\n and every \r is followed by \n.
        assert_eq!(cal.matches('\n').count(), cal.matches("\r\n").count());
        assert_eq!(cal.matches('\r').count(), cal.matches("\r\n").count());
        let mut depth = 0i32;
        for l in cal.split("\r\n").filter(|l| !l.is_empty()) {
            if l.starts_with("BEGIN:") {
                depth += 1;
            } else if l.starts_with("END:") {
                depth -= 1;
            }
            assert!(depth >= 0);
        }
        assert_eq!(depth, 0);
        assert!(calendar("Empty", &[], ts("2026-01-01T00:00:00Z")).contains("X-WR-CALNAME:Empty\r\nREFRESH"));
    }

    #[test]
    fn one_off_events_are_utc_and_rituals_are_local_and_weekly() {
        let cal = calendar("Us", &[promise(), ritual()], ts("2026-01-01T09:15:00Z"));
        assert!(cal.contains("UID:promise-42@troth\r\nDTSTAMP:20260101T091500Z\r\nDTSTART:20260105T120000Z\r\nDURATION:PT30M\r\nSUMMARY:"));
        assert!(cal.contains("DTSTART;TZID=Europe/Paris:20260111T193000\r\nDURATION:PT1H30M\r\nRRULE:FREQ=WEEKLY\r\n"));
        assert_eq!(cal.matches("RRULE:").count(), 1);
        // An unknown zone falls back to UTC rather than emitting a bad TZID.
        let odd = CalEvent { tz: Some("Not/AZone".into()), ..ritual() };
        let cal = calendar("Us", &[odd], ts("2026-01-01T00:00:00Z"));
        assert!(cal.contains("DTSTART:20260111T183000Z\r\n"));
        assert_eq!(duration(60), "PT1H");
        assert_eq!(duration(0), "PT0M");
    }

    #[test]
    fn folding_respects_75_octets_and_utf8() {
        let long = "Prendre le thé ensemble 🍵 et se dire merci, vraiment — ".repeat(12);
        let e = CalEvent { summary: long.clone(), description: Some("ü".repeat(200)), ..promise() };
        let cal = calendar(&"名前".repeat(50), &[e], ts("2026-01-01T00:00:00Z"));
        for physical in cal.split("\r\n") {
            assert!(physical.len() <= 75, "{} octets: {physical}", physical.len());
        }
        // Splitting on CRLF yields valid &str pieces, so no char was cut; and
        // unfolding restores the original text exactly.
        let unfolded = unfold(&cal);
        assert!(unfolded.contains(&format!("SUMMARY:{}\r\n", escape_text(&long))));
        assert!(unfolded.contains(&format!("DESCRIPTION:{}\r\n", "ü".repeat(200))));
        assert!(unfolded.contains(&format!("X-WR-CALNAME:{}\r\n", "名前".repeat(50))));
        // Exactly 75 octets is not folded; 76 is.
        let mut out = String::new();
        push_folded(&mut out, &"a".repeat(75));
        assert_eq!(out, format!("{}\r\n", "a".repeat(75)));
        out.clear();
        push_folded(&mut out, &"a".repeat(76));
        assert_eq!(out, format!("{}\r\n a\r\n", "a".repeat(75)));
    }
}
