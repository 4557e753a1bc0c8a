//! Trains the learned layer on the development part of both sets and writes
//! `crates/coach/model/en.weights`. Deterministic: the same sets give the
//! same file. The held-out fifth (see `learn::is_held_out`) is never read.
//!
//! `cargo run --release -p troth-coach --example train [DIR]`
//! DIR defaults to `$TROTH_COACH_SETS` or `<repo>/../shared/coach`.

use std::path::PathBuf;

use troth_coach::evaluate::{development, parse_line, repository_training_set, rules_only, train};
use troth_coach::learn::TrainOptions;

fn sets_dir() -> PathBuf {
    if let Some(p) = std::env::args().nth(1).or_else(|| std::env::var("TROTH_COACH_SETS").ok()) {
        return PathBuf::from(p);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/coach")
}

fn main() {
    let dir = sets_dir();
    let mut items = Vec::new();
    for name in ["dev.jsonl", "dev-v2.jsonl"] {
        let path = dir.join(name);
        let data = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            eprintln!("cannot read {}: {e}", path.display());
            std::process::exit(2);
        });
        items.extend(data.lines().filter_map(parse_line));
    }
    let dev = development(&items);
    let mut training = dev.clone();
    training.extend(repository_training_set());
    let opts = TrainOptions::default();
    let model = train(&rules_only(), &training, &opts);
    let header = format!(
        "troth-coach English weights: logistic regression per situation (startup apology response contempt).\n\
         Trained on the development part of dev.jsonl + dev-v2.jsonl ({} of {} messages; the held-out fifth is never read)\n\
         and the repository's own sentences and everyday messages ({} items).\n\
         Written by `cargo run --release -p troth-coach --example train`; do not edit by hand.\n\
         Options: {opts:?}",
        dev.len(),
        items.len(),
        training.len() - dev.len()
    );
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("model/en.weights");
    std::fs::write(&out, model.to_text(&header)).expect("write weights");
    println!("wrote {} (trained on {} messages)", out.display(), dev.len());
}
