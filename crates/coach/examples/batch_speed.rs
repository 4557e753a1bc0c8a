//! Times `run_jsonl` on 100,000 messages of about 200 characters, in memory
//! (no disk I/O in the timing), and reports messages per second.
//! `cargo run --release -p troth-coach --example batch_speed [N]`

use std::time::Instant;

use troth_coach::{run_jsonl, Coach, Mode};

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let samples = [
        "You never put the laundry away and I'm tired of asking. Why is it always me who notices the basket is full?",
        "I feel worried when you drive home late at night. Could you text me when you leave the office, please?",
        "I'm sorry if you were upset, but you were overreacting and everyone does this anyway. Let's move on.",
        "You're right, I forgot to call your mum. I'm sorry, that wasn't fair to you. I'll ring her tonight.",
        "Wow, what a brilliant idea. Really. As if anyone expected anything better from you after last time.",
    ];
    let mut input = String::with_capacity(n * 240);
    for i in 0..n {
        let mut text = samples[i % samples.len()].to_string();
        while text.len() < 200 {
            text.push_str(" Could we talk?");
        }
        text.truncate(200);
        input.push_str(&serde_json::json!({ "text": text }).to_string());
        input.push('\n');
    }
    let coach = Coach::english();
    // The analysis alone, without JSON parsing and writing.
    let texts: Vec<String> = input
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json")["text"].as_str().unwrap_or("").to_string())
        .collect();
    let start = Instant::now();
    let cpu0 = thread_cpu_secs();
    let mut harsh = 0usize;
    for t in &texts {
        harsh += usize::from(coach.check(t).is_ok_and(|a| a.verdict.as_str() == "harsh"));
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "check() alone: {} messages in {secs:.3} s = {:.0} messages/s ({harsh} harsh)",
        texts.len(),
        texts.len() as f64 / secs
    );
    if let (Some(a), Some(b)) = (cpu0, thread_cpu_secs()) {
        println!("  CPU time of this thread: {:.3} s = {:.0} messages/s per core", b - a, texts.len() as f64 / (b - a));
    }
    // The scan alone (tokenize + match), through the cheapest analysis.
    let start = Instant::now();
    let mut n_contempt = 0usize;
    for t in &texts {
        n_contempt += usize::from(coach.contempt(t).is_ok_and(|a| !a.findings.is_empty()));
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "contempt() alone (tokenize + match, little else): {:.0} messages/s ({n_contempt} flagged)",
        texts.len() as f64 / secs
    );
    for mode in [Mode::Check, Mode::Apology] {
        let start = Instant::now();
        let proc0 = process_cpu_secs();
        let stats = run_jsonl(&coach, mode, input.as_bytes(), std::io::sink()).expect("sink");
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{mode:?}: {} lines ({} ok) in {secs:.3} s = {:.0} messages/s",
            stats.lines,
            stats.ok,
            stats.lines as f64 / secs
        );
        // run_jsonl analyses on worker threads, so the process's CPU time
        // (all threads) is what the batch cost.
        if let (Some(a), Some(b)) = (proc0, process_cpu_secs()) {
            println!(
                "  CPU time of the process (all threads): {:.3} s = {:.0} messages/s per core",
                b - a,
                stats.lines as f64 / (b - a)
            );
        }
    }
}

/// CPU time this thread has spent running, in seconds (Linux schedstat), so
/// the rate is per core even when other processes share the machine.
pub fn thread_cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

/// CPU time of the whole process (user + system, all threads), in seconds.
pub fn process_cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at ')'.
    let rest = s.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}
