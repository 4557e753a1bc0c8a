//! JSON-lines batch mode, so the CLI stays a thin wrapper.
//!
//! Lines are read in chunks on the calling thread, analysed on worker
//! threads (one per core), and written back on the calling thread in input
//! order. Why: one message takes a few microseconds to analyse, so a batch
//! of 100,000 is bound by analysis on one core; the other cores can share
//! it while the output stays exactly what the sequential loop writes.
//! Memory stays flat however many messages come through: at most a fixed
//! number of chunks is in flight, and their buffers are reused.

use std::collections::VecDeque;
use std::io::{BufRead, Write};
use std::sync::mpsc;
use std::sync::Mutex;

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

impl BatchStats {
    fn add(&mut self, o: BatchStats) {
        self.lines += o.lines;
        self.ok += o.ok;
        self.errors += o.errors;
    }
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

fn write_error(out: &mut Vec<u8>, code: &str, message: &str) {
    // Writing into a Vec cannot fail, and these structs always serialise.
    let _ = serde_json::to_writer(&mut *out, &ErrorLine { error: ErrorBody { code, message } });
    out.push(b'\n');
}

/// Analyses one input line (with or without its `\n`) and appends the
/// answer line to `out`; blank lines write nothing.
fn process_line(coach: &Coach, mode: Mode, line: &[u8], out: &mut Vec<u8>, stats: &mut BatchStats) {
    let trimmed = line.trim_ascii();
    if trimmed.is_empty() {
        return;
    }
    stats.lines += 1;
    let text = match serde_json::from_slice::<Input>(trimmed) {
        Ok(i) => i.text,
        Err(e) => {
            stats.errors += 1;
            let msg = format!("each line must be a JSON object with a \"text\" string: {e}");
            write_error(out, "bad_line", &msg);
            return;
        }
    };
    // Hand-written JSON with the fixed texts escaped once (`json.rs`): the
    // same bytes serde_json would write, in fewer instructions.
    let result = match mode {
        Mode::Check => coach.check(&text).map(|a| crate::json::check(out, coach.json(), &a)),
        Mode::Apology => coach.apology(&text).map(|a| crate::json::apology(out, coach.json(), &a)),
    };
    match result {
        Ok(_) => {
            out.push(b'\n');
            stats.ok += 1;
        }
        Err(e @ (CoachError::Empty | CoachError::TooLong { .. })) => {
            stats.errors += 1;
            write_error(out, e.code(), &e.to_string());
        }
    }
}

/// Analyses every line of a chunk (lines joined by `\n`).
fn process_chunk(coach: &Coach, mode: Mode, chunk: &[u8], out: &mut Vec<u8>) -> BatchStats {
    let mut stats = BatchStats::default();
    for line in chunk.split(|&b| b == b'\n') {
        process_line(coach, mode, line, out, &mut stats);
    }
    stats
}

/// Lines per chunk and bytes after which a chunk is closed early: large
/// enough that handing a chunk to a worker costs little next to analysing
/// it, small enough that the chunks in flight stay a few megabytes at most.
const CHUNK_LINES: usize = 512;
const CHUNK_BYTES: usize = 256 * 1024;

/// Reads up to one chunk of whole lines into `buf` (cleared first).
/// Returns false at the end of the input with nothing read.
fn read_chunk<R: BufRead>(input: &mut R, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    buf.clear();
    let mut lines = 0;
    while lines < CHUNK_LINES && buf.len() < CHUNK_BYTES {
        if input.read_until(b'\n', buf)? == 0 {
            break;
        }
        lines += 1;
    }
    Ok(lines > 0)
}

/// A chunk analysed by a worker: its place in the input, the input buffer
/// (handed back for reuse) and the answers.
struct Done {
    seq: u64,
    input: Vec<u8>,
    output: Vec<u8>,
    stats: BatchStats,
}

/// Worker threads for a batch: one per core, and none on a single core
/// (there the calling thread does everything, without hand-offs).
fn worker_count() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(8)
}

/// Reads one JSON object with a `text` field per line and writes one JSON
/// analysis per line, in input order. A bad line (not JSON, no `text`,
/// empty, too long) gets `{"error":{"code":..,"message":..}}` on its own
/// line and the batch goes on. Blank lines are skipped. Only I/O errors stop
/// the batch.
pub fn run_jsonl<R: BufRead, W: Write>(coach: &Coach, mode: Mode, input: R, output: W) -> std::io::Result<BatchStats> {
    let workers = worker_count();
    if workers <= 1 {
        run_sequential(coach, mode, input, output)
    } else {
        run_parallel(coach, mode, input, output, workers)
    }
}

/// The one-thread loop: read a chunk, analyse it, write it.
fn run_sequential<R: BufRead, W: Write>(
    coach: &Coach,
    mode: Mode,
    mut input: R,
    output: W,
) -> std::io::Result<BatchStats> {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, output);
    let mut stats = BatchStats::default();
    let (mut chunk, mut answers) = (Vec::with_capacity(CHUNK_BYTES), Vec::with_capacity(CHUNK_BYTES));
    while read_chunk(&mut input, &mut chunk)? {
        answers.clear();
        stats.add(process_chunk(coach, mode, &chunk, &mut answers));
        out.write_all(&answers)?;
    }
    out.flush()?;
    Ok(stats)
}

/// The pipeline: the calling thread reads chunks and writes answers (the
/// reader and writer need not be `Send`), `workers` threads analyse. At
/// most `2 * workers` chunks are in flight; answers that arrive early wait
/// in a small queue until the ones before them are written.
fn run_parallel<R: BufRead, W: Write>(
    coach: &Coach,
    mode: Mode,
    mut input: R,
    output: W,
    workers: usize,
) -> std::io::Result<BatchStats> {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, output);
    let mut stats = BatchStats::default();
    let max_in_flight = 2 * workers;
    let (job_tx, job_rx) = mpsc::channel::<(u64, Vec<u8>, Vec<u8>)>();
    let job_rx = Mutex::new(job_rx);
    let (done_tx, done_rx) = mpsc::channel::<Done>();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let (job_rx, done_tx) = (&job_rx, done_tx.clone());
            scope.spawn(move || loop {
                // The lock is held only to take the next chunk.
                let job = job_rx.lock().map(|rx| rx.recv());
                let Ok(Ok((seq, chunk, mut output))) = job else { return };
                output.clear();
                let stats = process_chunk(coach, mode, &chunk, &mut output);
                if done_tx.send(Done { seq, input: chunk, output, stats }).is_err() {
                    return;
                }
            });
        }
        drop(done_tx);
        // Buffers come back with the answers and are reused.
        let mut spare: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        // Answers by `seq - next_write`, waiting for their turn.
        let mut waiting: VecDeque<Option<Done>> = VecDeque::new();
        let (mut next_read, mut next_write) = (0u64, 0u64);
        let mut at_end = false;
        let result = (|| -> std::io::Result<()> {
            loop {
                while !at_end && next_read - next_write < max_in_flight as u64 {
                    let (mut chunk, answers) = spare
                        .pop()
                        .unwrap_or_else(|| (Vec::with_capacity(CHUNK_BYTES), Vec::with_capacity(CHUNK_BYTES)));
                    if !read_chunk(&mut input, &mut chunk)? {
                        at_end = true;
                        break;
                    }
                    // Workers only stop when the queue is closed, below.
                    let _ = job_tx.send((next_read, chunk, answers));
                    next_read += 1;
                }
                if next_write == next_read {
                    return Ok(());
                }
                let Ok(done) = done_rx.recv() else {
                    return Err(std::io::Error::other("a coach worker stopped"));
                };
                let slot = (done.seq - next_write) as usize;
                if waiting.len() <= slot {
                    waiting.resize_with(slot + 1, || None);
                }
                waiting[slot] = Some(done);
                while let Some(Some(_)) = waiting.front() {
                    let Some(Some(d)) = waiting.pop_front() else { break };
                    out.write_all(&d.output)?;
                    stats.add(d.stats);
                    spare.push((d.input, d.output));
                    next_write += 1;
                }
            }
        })();
        // Closing the queue lets the workers finish; the scope joins them.
        drop(job_tx);
        result
    })?;
    out.flush()?;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(n: usize) -> String {
        let mut s = String::new();
        for i in 0..n {
            match i % 7 {
                0 => s.push_str("not json\n"),
                1 => s.push('\n'),
                2 => s.push_str("{\"text\":\"\"}\n"),
                _ => s.push_str(&format!("{{\"text\":\"You never call me back, message {i}.\"}}\n")),
            }
        }
        s
    }

    #[test]
    fn parallel_output_equals_sequential_output_in_order() {
        let coach = Coach::shared_english();
        // Several chunks, a last line without a newline, blank lines.
        let mut text = input(CHUNK_LINES * 5 + 3);
        text.push_str("{\"text\":\"I'm sorry I was late.\"}");
        for mode in [Mode::Check, Mode::Apology] {
            let (mut seq, mut par) = (Vec::new(), Vec::new());
            let a = run_sequential(coach, mode, text.as_bytes(), &mut seq).unwrap();
            let b = run_parallel(coach, mode, text.as_bytes(), &mut par, 3).unwrap();
            assert_eq!(a, b);
            assert!(seq == par, "parallel output differs from sequential output");
            assert_eq!(a.lines, String::from_utf8(seq).unwrap().lines().count() as u64);
            assert!(a.errors > 0 && a.ok > 0);
        }
    }

    #[test]
    fn empty_input_writes_nothing() {
        let mut out = Vec::new();
        let s = run_parallel(Coach::shared_english(), Mode::Check, &b""[..], &mut out, 2).unwrap();
        assert_eq!(s, BatchStats::default());
        assert!(out.is_empty());
    }
}
