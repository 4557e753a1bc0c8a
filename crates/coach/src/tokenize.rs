//! A small hand-written tokenizer.
//!
//! Why not a regex or a general NLP tokenizer: the coach must read hundreds of
//! thousands of messages per second, and the rules only need three things from
//! the text: lower-cased words (with English contractions split into their
//! parts, so "you're" and "you are" look the same to a rule), the punctuation
//! that ends clauses and sentences, and whether a word sits inside quotation
//! marks (quoted words are someone else's, not the writer's).
//!
//! Every token keeps the byte span of the original word, so findings can point
//! back into the text. Spans always start and end on char boundaries because
//! they are taken from `char_indices`.

use crate::lexicon::{Lexicon, WordId};

/// What a token is, for the matcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Word,
    /// `,` `;` `:` or a dash: ends a clause.
    ClauseMark,
    /// `.` `!` `?` or a line break: ends a sentence.
    SentenceEnd,
}

#[derive(Debug, Clone, Copy)]
pub struct Token {
    /// Byte offsets into the original text (always on char boundaries).
    pub start: u32,
    pub end: u32,
    /// Vocabulary id of the normalised form, or `WordId::UNKNOWN`.
    pub id: WordId,
    pub kind: Kind,
    /// Inside quotation marks.
    pub quoted: bool,
    /// The word's classes as a bit mask (looked up once, tested often).
    pub classes: u128,
    /// For `SentenceEnd`: the character that ended the sentence ('?' for a
    /// question); for other tokens 0.
    pub mark: u8,
}

/// Apostrophe-like characters that join contractions.
fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}' || c == '\u{2018}' || c == '`'
}

#[inline]
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        c.is_alphanumeric()
    }
}

/// The char starting at byte `i` (a char boundary) and its length; a fast
/// path for ASCII, which is nearly all of English text.
#[inline]
fn char_at(text: &str, i: usize) -> (char, usize) {
    let b = text.as_bytes()[i];
    if b < 0x80 {
        (b as char, 1)
    } else {
        let c = text[i..].chars().next().unwrap_or('\u{FFFD}');
        (c, c.len_utf8())
    }
}

/// Pronoun-like words whose `'s` means "is" (or "has"), not a possessive.
const S_IS: &[&str] = &[
    "it",
    "that",
    "what",
    "there",
    "here",
    "he",
    "she",
    "who",
    "where",
    "how",
    "everything",
    "nothing",
    "something",
    "this",
    "let",
    "everyone",
    "everybody",
    "anyone",
    "nobody",
];

/// Tokenizes `text` into `out` (cleared first). `scratch` is a reusable buffer
/// for the lower-cased word so that tokenizing allocates nothing per word.
pub fn tokenize(lex: &Lexicon, text: &str, out: &mut Vec<Token>, scratch: &mut String) {
    out.clear();
    let bytes = text.as_bytes();
    let mut quoted_double = false;
    let mut quoted_single = false;
    let mut prev_char: Option<char> = None;
    let mut i = 0usize;

    while i < bytes.len() {
        let (c, len) = char_at(text, i);
        if is_word_char(c) {
            // Read a word: alphanumerics, with inner apostrophes and hyphens.
            let start = i;
            let mut end = i + len;
            let mut last = c;
            // Fast path: a run of ASCII letters and digits, byte by byte.
            while end < bytes.len() && bytes[end].is_ascii_alphanumeric() {
                end += 1;
            }
            if end > i + len {
                last = bytes[end - 1] as char;
            }
            // Only ASCII letters and digits so far: no apostrophe, no hyphen.
            let mut plain = c.is_ascii();
            while end < bytes.len() {
                let (d, dl) = char_at(text, end);
                if is_word_char(d) {
                    plain &= d.is_ascii();
                    end += dl;
                    last = d;
                } else if (is_apostrophe(d) || d == '-')
                    && end + dl < bytes.len()
                    && char_at(text, end + dl).0.is_alphabetic()
                {
                    // Only joins when a letter follows ("don't", "phone-free").
                    plain = false;
                    end += dl;
                    last = d;
                } else {
                    break;
                }
            }
            let quoted = quoted_double || quoted_single;
            if plain && end - start <= PLAIN_MAX {
                push_plain(lex, &bytes[start..end], start, end, quoted, out);
            } else {
                push_word(lex, text, start, end, quoted, out, scratch);
            }
            prev_char = Some(last);
            i = end;
            continue;
        }
        let pos = i;
        i += len;

        let quoted = quoted_double || quoted_single;
        match c {
            '"' => {
                quoted_double = !quoted_double;
            }
            '\u{201C}' | '\u{00AB}' => quoted_double = true,
            '\u{201D}' | '\u{00BB}' => quoted_double = false,
            c if is_apostrophe(c) => {
                // A quote mark opens when it stands before a word and closes
                // after one; inside a word it was consumed as an apostrophe.
                let before_word = prev_char.is_some_and(is_word_char);
                let after_word = text[pos + c.len_utf8()..].chars().next().is_some_and(is_word_char);
                if !before_word && after_word && !quoted_single {
                    quoted_single = true;
                } else if before_word && quoted_single {
                    quoted_single = false;
                }
            }
            ',' | ';' | ':' | '\u{2014}' | '\u{2013}' | '(' | ')' => {
                push_mark(lex, pos, c, Kind::ClauseMark, quoted, out);
            }
            '-' if bytes.get(pos + 1) == Some(&b'-') || prev_char == Some(' ') => {
                push_mark(lex, pos, c, Kind::ClauseMark, quoted, out);
            }
            '.' | '!' | '?' | '\u{2026}' => {
                // Runs like "?!" or "..." are one sentence end; a '?' anywhere
                // in the run makes it a question.
                if let Some(last) = out.last_mut() {
                    if last.kind == Kind::SentenceEnd && last.end as usize == pos {
                        last.end = (pos + c.len_utf8()) as u32;
                        if c == '?' {
                            last.mark = b'?';
                            last.id = lex.punct_id('?');
                        }
                        prev_char = Some(c);
                        continue;
                    }
                }
                push_mark(lex, pos, c, Kind::SentenceEnd, quoted, out);
            }
            '\n' | '\r' => {
                // A line break ends a sentence unless one already ended.
                if !matches!(out.last(), Some(t) if t.kind == Kind::SentenceEnd) && !out.is_empty() {
                    push_mark(lex, pos, '\n', Kind::SentenceEnd, quoted, out);
                }
                // Quotes never run across paragraphs: an unbalanced mark
                // should not silence the rest of the message.
                quoted_single = false;
                quoted_double = false;
            }
            _ => {}
        }
        prev_char = Some(c);
    }
}

fn push_mark(lex: &Lexicon, i: usize, c: char, kind: Kind, quoted: bool, out: &mut Vec<Token>) {
    let mark = match c {
        '?' => b'?',
        '!' => b'!',
        '.' | '\u{2026}' => b'.',
        '\n' => b'\n',
        ',' => b',',
        _ => b';',
    };
    let id = lex.punct_id(c);
    out.push(Token {
        start: i as u32,
        end: (i + c.len_utf8()) as u32,
        id,
        kind,
        quoted,
        classes: lex.classes_of(id),
        mark,
    });
}

/// Longest plain word lower-cased on the stack; longer ones take the general
/// path.
const PLAIN_MAX: usize = 32;

/// Texting spellings and contractions typed without an apostrophe, read as
/// the words they stand for, so "u never text back" meets the same rules as
/// "you never text back". Every part keeps the span of the written word.
fn texting_alias(lower: &[u8]) -> Option<&'static [&'static str]> {
    Some(match lower {
        b"u" | b"ya" | b"yu" => &["you"],
        b"ur" | b"yr" => &["your"],
        b"r" => &["are"],
        b"youre" | b"ure" => &["you", "are"],
        b"im" => &["i", "am"],
        b"ive" => &["i", "have"],
        b"dont" => &["do", "not"],
        b"didnt" => &["did", "not"],
        b"doesnt" => &["does", "not"],
        b"cant" => &["can", "not"],
        b"isnt" => &["is", "not"],
        b"wasnt" => &["was", "not"],
        b"havent" => &["have", "not"],
        b"wouldnt" => &["would", "not"],
        b"couldnt" => &["could", "not"],
        b"shouldnt" => &["should", "not"],
        b"pls" | b"plz" | b"pleeease" => &["please"],
        b"thx" | b"thnx" | b"ty" => &["thanks"],
        b"srsly" => &["seriously"],
        b"idk" => &["i", "do", "not", "know"],
        b"cuz" | b"coz" | b"bc" | b"cos" => &["because"],
        b"rn" => &["right", "now"],
        b"tho" => &["though"],
        b"abt" => &["about"],
        b"bf" => &["boyfriend"],
        b"gf" => &["girlfriend"],
        _ => return None,
    })
}

/// Pushes a word of ASCII letters and digits only (most words): lower-cased
/// on the stack, no contraction to split. Same result as `push_word`.
#[inline]
fn push_plain(lex: &Lexicon, word: &[u8], start: usize, end: usize, quoted: bool, out: &mut Vec<Token>) {
    let mut buf = [0u8; PLAIN_MAX];
    let lower = &mut buf[..word.len()];
    for (d, &b) in lower.iter_mut().zip(word) {
        *d = b.to_ascii_lowercase();
    }
    if lower.len() <= 8 {
        if let Some(parts) = texting_alias(lower) {
            for part in parts {
                let id = lex.word_id(part);
                let classes = lex.token_classes(id, part.as_bytes());
                out.push(Token {
                    start: start as u32,
                    end: end as u32,
                    id,
                    kind: Kind::Word,
                    quoted,
                    classes,
                    mark: 0,
                });
            }
            return;
        }
    }
    let id = lex.word_id_bytes(lower);
    let classes = lex.token_classes(id, lower);
    out.push(Token { start: start as u32, end: end as u32, id, kind: Kind::Word, quoted, classes, mark: 0 });
}

/// Lower-cases one word into `scratch`, with apostrophes made plain.
fn normalise(word: &str, scratch: &mut String) {
    scratch.clear();
    if word.is_ascii() && !word.contains('`') {
        // Fast path for plain English.
        scratch.push_str(word);
        scratch.make_ascii_lowercase();
        return;
    }
    for c in word.chars() {
        if is_apostrophe(c) {
            scratch.push('\'');
        } else if c.is_ascii() {
            scratch.push(c.to_ascii_lowercase());
        } else {
            scratch.extend(c.to_lowercase());
        }
    }
}

/// Pushes a word, splitting English contractions into their parts. Both parts
/// keep the span of the whole written word.
fn push_word(
    lex: &Lexicon,
    text: &str,
    start: usize,
    end: usize,
    quoted: bool,
    out: &mut Vec<Token>,
    scratch: &mut String,
) {
    normalise(&text[start..end], scratch);
    let w = scratch.as_str();
    let mut push = |part: &str| {
        let id = lex.word_id(part);
        let classes = lex.token_classes(id, part.as_bytes());
        out.push(Token { start: start as u32, end: end as u32, id, kind: Kind::Word, quoted, classes, mark: 0 })
    };
    if let Some(pos) = w.find('\'') {
        let (head, tail) = (&w[..pos], &w[pos..]);
        let expanded: Option<(&str, &str)> = match tail {
            // "don't": the apostrophe sits after the n, so the head is "don".
            "'t" if head.len() > 1 && head.ends_with('n') => Some(match &head[..head.len() - 1] {
                "ca" => ("can", "not"),
                "wo" => ("will", "not"),
                "sha" => ("shall", "not"),
                "ai" => ("is", "not"),
                h => (h, "not"),
            }),
            "'re" => Some((head, "are")),
            "'ve" => Some((head, "have")),
            "'ll" => Some((head, "will")),
            "'d" => Some((head, "would")),
            "'m" => Some((head, "am")),
            "'s" if head == "let" => Some(("let", "us")),
            "'s" if S_IS.contains(&head) => Some((head, "is")),
            _ => None,
        };
        if let Some((a, b)) = expanded {
            push(a);
            push(b);
            return;
        }
    }
    push(w);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Coach;

    fn words(text: &str) -> Vec<(String, bool)> {
        let coach = Coach::english();
        let lex = coach.lexicon();
        let mut out = Vec::new();
        let mut s = String::new();
        tokenize(lex, text, &mut out, &mut s);
        out.iter()
            .map(|t| (lex.word_text(t.id).unwrap_or(&text[t.start as usize..t.end as usize]).to_string(), t.quoted))
            .collect()
    }

    #[test]
    fn splits_contractions() {
        let w: Vec<String> = words("You're late, don't worry. I can't!").into_iter().map(|x| x.0).collect();
        assert_eq!(w, ["you", "are", "late", ",", "do", "not", "worry", ".", "i", "can", "not", "!"]);
    }

    #[test]
    fn texting_spellings_read_as_words() {
        let w: Vec<String> = words("u never listen, dont you").into_iter().map(|x| x.0).collect();
        assert_eq!(w, ["you", "never", "listen", ",", "do", "not", "you"]);
    }

    #[test]
    fn curly_apostrophes_are_apostrophes() {
        let w: Vec<String> = words("you\u{2019}re").into_iter().map(|x| x.0).collect();
        assert_eq!(w, ["you", "are"]);
    }

    #[test]
    fn marks_quoted_words() {
        let w = words("she said 'you never listen' to me");
        let quoted: Vec<&str> = w.iter().filter(|x| x.1).map(|x| x.0.as_str()).collect();
        assert_eq!(quoted, ["you", "never", "listen"]);
        let w = words("he said \u{201C}you always\u{201D} twice");
        assert!(w.iter().any(|x| x.0 == "always" && x.1));
        assert!(w.iter().any(|x| x.0 == "twice" && !x.1));
    }
}
