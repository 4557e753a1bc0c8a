//! JSON-lines batch mode, so the CLI stays a thin wrapper. Streams line by
//! line: memory stays flat however many messages come through.

use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};

use crate::{Coach, CoachError};

/// Which analysis each line gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Check,
    Apology,
}

/// Counts for a finished batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BatchStats {
    /// Non-blank input lines read.
    pub lines: u64,
    /// Lines analysed successfully.
    pub ok: u64,
    /// Lines answered with an error object.
    pub errors: u64,
}

#[derive(Deserialize)]
struct Input<'a> {
    #[serde(borrow)]
    text: std::borrow::Cow<'a, str>,
}

#[derive(Serialize)]
struct ErrorLine<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: &'a str,
}

fn write_error<W: Write>(out: &mut W, code: &str, message: &str) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, &ErrorLine { error: ErrorBody { code, message } })?;
    out.write_all(b"\n")
}

/// Reads one JSON object with a `text` field per line and writes one JSON
/// analysis per line. A bad line (not JSON, no `text`, empty, too long) gets
/// `{"error":{"code":..,"message":..}}` on its own line and the batch goes
/// on. Blank lines are skipped. Only I/O errors stop the batch.
pub fn run_jsonl<R: BufRead, W: Write>(
    coach: &Coach,
    mode: Mode,
    mut input: R,
    output: W,
) -> std::io::Result<BatchStats> {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, output);
    let mut stats = BatchStats::default();
    let mut line = Vec::with_capacity(1024);
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let trimmed = line.trim_ascii();
        if trimmed.is_empty() {
            continue;
        }
        stats.lines += 1;
        let parsed: Result<Input, _> = serde_json::from_slice(trimmed);
        let text = match parsed {
            Ok(i) => i.text,
            Err(e) => {
                stats.errors += 1;
                let msg = format!("each line must be a JSON object with a \"text\" string: {e}");
                write_error(&mut out, "bad_line", &msg)?;
                continue;
            }
        };
        let result = match mode {
            Mode::Check => coach.check(&text).map(|a| serde_json::to_writer(&mut out, &a)),
            Mode::Apology => coach.apology(&text).map(|a| serde_json::to_writer(&mut out, &a)),
        };
        match result {
            Ok(written) => {
                written.map_err(std::io::Error::other)?;
                out.write_all(b"\n")?;
                stats.ok += 1;
            }
            Err(e @ (CoachError::Empty | CoachError::TooLong { .. })) => {
                stats.errors += 1;
                write_error(&mut out, e.code(), &e.to_string())?;
            }
        }
    }
    out.flush()?;
    Ok(stats)
}
