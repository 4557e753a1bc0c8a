//! Prints precision, recall and macro-F1 per task on the development set.
//!
//! `cargo run --release -p troth-coach --example evaluate [PATH] [--errors]`
//! PATH defaults to `$TROTH_COACH_DEV` or `<repo>/../shared/coach/dev.jsonl`.

use std::path::PathBuf;

use troth_coach::evaluate::{evaluate, parse_line, table};
use troth_coach::Coach;

fn default_path() -> PathBuf {
    if let Some(p) = std::env::var_os("TROTH_COACH_DEV") {
        return PathBuf::from(p);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/coach/dev.jsonl")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_errors = args.iter().any(|a| a == "--errors");
    let path = args.iter().find(|a| !a.starts_with("--")).map(PathBuf::from).unwrap_or_else(default_path);
    let data = match std::fs::read_to_string(&path) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cannot read {}: {e}", path.display());
            std::process::exit(2);
        }
    };
    let items: Vec<_> = data.lines().filter_map(parse_line).collect();
    let coach = Coach::english();
    let scores = evaluate(&coach, &items);
    println!("{} labelled messages from {}\n", items.len(), path.display());
    print!("{}", table(&scores));
    println!("\n(apology: \"incomplete\" counts as genuine; precision/recall are for the problem label)");
    if show_errors {
        for s in &scores {
            for (label, got, text) in &s.errors {
                println!("[{}] label={label} got={got}: {text}", s.task);
            }
        }
    }
}
