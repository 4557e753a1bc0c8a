//! Quality in one command: 5-fold cross-validation over the development part
//! of both sets, then the held-out fifth scored once with the shipped
//! weights; the rules alone are shown next to each for reference.
//!
//! `cargo run --release -p troth-coach --example cv [DIR] [--errors]`
//! `--errors` prints the cross-validation errors (never the held-out ones:
//! those stay unseen while developing).

use std::path::PathBuf;

use troth_coach::evaluate::{
    cross_validate, development, evaluate, held_out, out_of_fold, parse_line, repository_training_set, rules_only,
    score_out_of_fold, table,
};
use troth_coach::learn::TrainOptions;
use troth_coach::Coach;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_errors = args.iter().any(|a| a == "--errors");
    // While developing, `--cv-only` keeps even the held-out scores unseen.
    let cv_only = args.iter().any(|a| a == "--cv-only");
    let dir = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("TROTH_COACH_SETS").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/coach"));
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
    let held = held_out(&items);
    println!("{} messages: {} for development, {} held out\n", items.len(), dev.len(), held.len());

    let mut opts = TrainOptions::default();
    // Overrides for trying regularisation while developing.
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<f32>().ok());
    if let Some(v) = env("TROTH_L2_HASHED") {
        opts.l2_hashed = v;
    }
    if let Some(v) = env("TROTH_L2_DENSE") {
        opts.l2_dense = v;
    }
    if let Some(v) = env("TROTH_L2_NEGATIVE") {
        opts.l2_negative = v;
    }
    if let Some(v) = env("TROTH_EVERYDAY") {
        opts.everyday_weight = v;
    }
    if let Some(v) = env("TROTH_BLIND") {
        opts.rule_blind_weight = v;
    }
    if let Ok(v) = std::env::var("TROTH_MARGIN") {
        // Four comma-separated log-odds: startup, apology, response, contempt.
        for (m, x) in opts.margin.iter_mut().zip(v.split(',')) {
            *m = x.trim().parse().expect("a number");
        }
    }
    let cv = cross_validate(&dev, &repository_training_set(), 5, &opts);
    println!("5-fold cross-validation, rules + learned layer (development part):\n{}", table(&cv));
    // The learned layer on its own, out of fold: the rules were written
    // while reading the development part, the fold models were not, so this
    // is the better guide to text nobody has read.
    let oof = out_of_fold(&dev, &repository_training_set(), 5, &opts);
    println!(
        "5-fold cross-validation, learned layer alone (log-odds >= 0):\n{}",
        table(&score_out_of_fold(&oof, |o| o.score >= 0.0))
    );
    println!(
        "5-fold cross-validation, learned layer alone without the rules' features (log-odds >= 0):\n{}",
        table(&score_out_of_fold(&oof, |o| o.blind_score >= 0.0))
    );
    if args.iter().any(|a| a == "--margins") {
        for (k, (task, _, _)) in troth_coach::evaluate::TASKS.iter().enumerate() {
            let line: Vec<String> = [-2.0f32, -1.5, -1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0]
                .iter()
                .map(|&m| {
                    let s = score_out_of_fold(&oof, |o| o.rules || o.score >= m);
                    format!("{m}:{:.3}", s[k].macro_f1())
                })
                .collect();
            println!("margin sweep {task}: {}", line.join(" "));
        }
    }
    println!("Rules alone on the development part (reference):\n{}", table(&evaluate(&rules_only(), &dev)));
    if !cv_only {
        println!(
            "Held-out fifth, shipped weights (rules + learned layer):\n{}",
            table(&evaluate(&Coach::english(), &held))
        );
        println!("Held-out fifth, rules alone (reference):\n{}", table(&evaluate(&rules_only(), &held)));
    }
    println!("(apology: \"incomplete\" counts as genuine; precision/recall are for the problem label)");
    if show_errors {
        for s in &cv {
            for (label, got, text) in &s.errors {
                println!("[{}] label={label} got={got}: {text}", s.task);
            }
        }
    }
}
