//! Scoring the coach against labelled messages (precision, recall, macro-F1
//! per task). Pure: the caller reads the file and passes the lines in.
//!
//! Label mapping: the development set is binary per task. For apologies an
//! "incomplete" verdict counts as **genuine**: it means the writer owned the
//! act but left out a part (impact or repair); it is not a non-apology, which
//! deflects (conditional, "sorry, but", blame, minimising).

use serde::{Deserialize, Serialize};

use crate::learn::{self, Example, Features, Model, TrainOptions};
use crate::{ApologyVerdict, Coach, ContemptVerdict, ResponseVerdict, StartupVerdict, ENGLISH_RULES};

#[derive(Debug, Clone, Deserialize)]
pub struct Labelled {
    pub text: String,
    pub task: String,
    pub label: String,
    /// The main device in the message (`sarcasm`, `owns_act`, ...), in
    /// `dev-v2.jsonl`; empty elsewhere.
    #[serde(default)]
    pub phenomenon: String,
}

/// Parses one line of the development set; `None` for blank or bad lines.
pub fn parse_line(line: &str) -> Option<Labelled> {
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    serde_json::from_str(line).ok()
}

/// The tasks, each with its problem label first.
pub const TASKS: [(&str, &str, &str); 4] = [
    ("startup", "harsh", "gentle"),
    ("apology", "non_apology", "genuine"),
    ("response", "defensive", "accepting"),
    ("contempt", "contemptuous", "respectful"),
];

/// The coach's label for `text` in the set's vocabulary, or `None` for an
/// unknown task or a text the coach refuses (empty/too long).
pub fn predict(coach: &Coach, task: &str, text: &str) -> Option<&'static str> {
    Some(match task {
        "startup" => match coach.startup(text).ok()?.verdict {
            StartupVerdict::Harsh => "harsh",
            StartupVerdict::Gentle => "gentle",
        },
        "apology" => match coach.apology(text).ok()?.verdict {
            ApologyVerdict::NonApology => "non_apology",
            ApologyVerdict::Genuine | ApologyVerdict::Incomplete => "genuine",
        },
        "response" => match coach.response(text).ok()?.verdict {
            ResponseVerdict::Defensive => "defensive",
            ResponseVerdict::Accepting => "accepting",
        },
        "contempt" => match coach.contempt(text).ok()?.verdict {
            ContemptVerdict::Contemptuous => "contemptuous",
            ContemptVerdict::Respectful => "respectful",
        },
        _ => return None,
    })
}

/// Confusion counts and scores for one task (the problem label is positive).
#[derive(Debug, Clone, Default, Serialize)]
pub struct TaskScore {
    pub task: &'static str,
    pub n: usize,
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
    pub tn: usize,
    /// Messages whose label the coach got wrong: (label, predicted, text).
    pub errors: Vec<(String, String, String)>,
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

impl TaskScore {
    /// Precision of the problem label.
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    /// Recall of the problem label.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    /// Mean of the F1 of both labels.
    pub fn macro_f1(&self) -> f64 {
        let f_problem = f1(self.precision(), self.recall());
        let p_ok = ratio(self.tn, self.tn + self.fn_);
        let r_ok = ratio(self.tn, self.tn + self.fp);
        (f_problem + f1(p_ok, r_ok)) / 2.0
    }
    pub fn accuracy(&self) -> f64 {
        ratio(self.tp + self.tn, self.n)
    }
}

/// Scores every task on the labelled items.
pub fn evaluate<'a>(coach: &Coach, items: impl IntoIterator<Item = &'a Labelled>) -> Vec<TaskScore> {
    let mut scores: Vec<TaskScore> =
        TASKS.iter().map(|(t, _, _)| TaskScore { task: t, ..TaskScore::default() }).collect();
    for item in items {
        let Some(k) = TASKS.iter().position(|(t, _, _)| *t == item.task) else {
            continue;
        };
        let problem = TASKS[k].1;
        let predicted = predict(coach, &item.task, &item.text).unwrap_or("");
        let s = &mut scores[k];
        s.n += 1;
        match (item.label == problem, predicted == problem) {
            (true, true) => s.tp += 1,
            (false, true) => s.fp += 1,
            (true, false) => s.fn_ += 1,
            (false, false) => s.tn += 1,
        }
        if (item.label == problem) != (predicted == problem) {
            s.errors.push((item.label.clone(), predicted.to_string(), item.text.clone()));
        }
    }
    scores
}

/// A plain-text table of the scores.
pub fn table(scores: &[TaskScore]) -> String {
    let mut s = String::from("| task | n | precision | recall | macro-F1 | accuracy |\n|---|---|---|---|---|---|\n");
    for t in scores {
        s.push_str(&format!(
            "| {} | {} | {:.2} | {:.2} | {:.2} | {:.2} |\n",
            t.task,
            t.n,
            t.precision(),
            t.recall(),
            t.macro_f1(),
            t.accuracy()
        ));
    }
    s
}

/// The development part of a set: everything but the held-out fifth.
pub fn development(items: &[Labelled]) -> Vec<Labelled> {
    items.iter().filter(|i| !learn::is_held_out(&i.text)).cloned().collect()
}

/// The held-out fifth of a set (see [`learn::is_held_out`]).
pub fn held_out(items: &[Labelled]) -> Vec<Labelled> {
    items.iter().filter(|i| learn::is_held_out(&i.text)).cloned().collect()
}

/// Labelled messages kept in the repository that the learned layer always
/// trains on, besides the development sets: everyday, conflict-free
/// messages (`data/everyday_en.txt`), which count as gentle, accepting and
/// respectful; and look-alikes of scorn (`data/respectful_en.txt`: sincere
/// praise, self-teasing, sympathy), which count as respectful only. Without
/// them a model trained only on conflicts reads every "you" as a reproach. (Our own rule-test sentences are left out: the rules
/// were widened until they scored 1.00 on them, so they would teach the
/// model to trust the rules more than they deserve on new text.)
pub fn repository_training_set() -> Vec<Labelled> {
    let mut items = Vec::new();
    for line in include_str!("../data/everyday_en.txt").lines() {
        let text = line.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        for (task, label) in [("startup", "gentle"), ("response", "accepting"), ("contempt", "respectful")] {
            items.push(Labelled {
                text: text.to_string(),
                task: task.to_string(),
                label: label.to_string(),
                phenomenon: "everyday".to_string(),
            });
        }
    }
    // Look-alikes of scorn: respectful, and about nothing else.
    for line in include_str!("../data/respectful_en.txt").lines() {
        let text = line.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        items.push(Labelled {
            text: text.to_string(),
            task: "contempt".to_string(),
            label: "respectful".to_string(),
            phenomenon: "everyday".to_string(),
        });
    }
    items
}

/// The English rules without a learned layer: the base the model is trained
/// on, and the reference it is compared with.
pub fn rules_only() -> Coach {
    Coach::from_rules(ENGLISH_RULES).expect("embedded English rules are valid")
}

fn problem_label(task: &str) -> Option<&'static str> {
    TASKS.iter().find(|(t, _, _)| *t == task).map(|(_, p, _)| *p)
}

/// Trains the learned layer on labelled items (features from `base`'s rules).
pub fn train(base: &Coach, items: &[Labelled], opts: &TrainOptions) -> Model {
    let feats: Vec<Option<Features>> = items.iter().map(|i| base.features(&i.text).ok()).collect();
    train_features(items, &feats, opts)
}

fn train_features(items: &[Labelled], feats: &[Option<Features>], opts: &TrainOptions) -> Model {
    let blind: Vec<Option<Features>> = if opts.rule_blind_weight > 0.0 {
        feats.iter().map(|f| f.as_ref().map(Features::rule_blind)).collect()
    } else {
        Vec::new()
    };
    let mut examples: Vec<Example> = items
        .iter()
        .zip(feats)
        .filter_map(|(i, f)| {
            Some(Example {
                task: learn::task_named(&i.task)?,
                problem: Some(i.label.as_str()) == problem_label(&i.task),
                features: f.as_ref()?,
                // Everyday messages only remind the model what ordinary
                // talk looks like; the labelled conflicts lead.
                weight: if i.phenomenon == "everyday" { opts.everyday_weight } else { 1.0 },
            })
        })
        .collect();
    for (i, f) in items.iter().zip(&blind) {
        let (Some(task), Some(f)) = (learn::task_named(&i.task), f.as_ref()) else { continue };
        let base = if i.phenomenon == "everyday" { opts.everyday_weight } else { 1.0 };
        examples.push(Example {
            task,
            problem: Some(i.label.as_str()) == problem_label(&i.task),
            features: f,
            weight: base * opts.rule_blind_weight,
        });
    }
    learn::train(&examples, opts)
}

/// K-fold cross-validation of rules + learned layer: each fold is scored by
/// a model trained on the other folds. Folds come from a hash of the text,
/// so the split is the same on every run.
/// `always` (e.g. [`repository_training_set`]) is added to every fold's
/// training data and never scored.
pub fn cross_validate(items: &[Labelled], always: &[Labelled], k: u64, opts: &TrainOptions) -> Vec<TaskScore> {
    let base = rules_only();
    let feats: Vec<Option<Features>> = items.iter().map(|i| base.features(&i.text).ok()).collect();
    let always_feats: Vec<Option<Features>> = always.iter().map(|i| base.features(&i.text).ok()).collect();
    let folds: Vec<usize> = items.iter().map(|i| learn::fold_of(&i.text, k)).collect();
    let mut total: Vec<TaskScore> =
        TASKS.iter().map(|(t, _, _)| TaskScore { task: t, ..TaskScore::default() }).collect();
    for fold in 0..k as usize {
        let (mut train_items, mut train_feats, mut test) = (always.to_vec(), always_feats.clone(), Vec::new());
        for ((item, f), &g) in items.iter().zip(&feats).zip(&folds) {
            if g == fold {
                test.push(item.clone());
            } else {
                train_items.push(item.clone());
                train_feats.push(f.clone());
            }
        }
        let model = train_features(&train_items, &train_feats, opts);
        let coach = rules_only().with_model(model);
        for (t, s) in total.iter_mut().zip(evaluate(&coach, &test)) {
            t.n += s.n;
            t.tp += s.tp;
            t.fp += s.fp;
            t.fn_ += s.fn_;
            t.tn += s.tn;
            t.errors.extend(s.errors);
        }
    }
    total
}

/// One development message scored out of fold: what the rules alone said
/// and the learned layer's log-odds from a model that never trained on it.
#[derive(Debug, Clone)]
pub struct OutOfFold {
    pub task: &'static str,
    /// The label is the task's problem label.
    pub problem: bool,
    /// The rules alone call the problem.
    pub rules: bool,
    /// The fold model's log-odds of the problem.
    pub score: f32,
    /// The same model's log-odds without the rules' contribution
    /// ([`Features::rule_blind`]): how it may do on wording no rule lists.
    pub blind_score: f32,
}

/// Out-of-fold scores of every development message (same folds as
/// [`cross_validate`]): lets margins and options be chosen by
/// cross-validation, and shows how the learned layer does on its own (the
/// rules were written while reading these messages; the model of a fold was
/// not).
pub fn out_of_fold(items: &[Labelled], always: &[Labelled], k: u64, opts: &TrainOptions) -> Vec<OutOfFold> {
    let base = rules_only();
    let feats: Vec<Option<Features>> = items.iter().map(|i| base.features(&i.text).ok()).collect();
    let always_feats: Vec<Option<Features>> = always.iter().map(|i| base.features(&i.text).ok()).collect();
    let folds: Vec<usize> = items.iter().map(|i| learn::fold_of(&i.text, k)).collect();
    let mut out = Vec::new();
    for fold in 0..k as usize {
        let (mut train_items, mut train_feats) = (always.to_vec(), always_feats.clone());
        for ((item, f), &g) in items.iter().zip(&feats).zip(&folds) {
            if g != fold {
                train_items.push(item.clone());
                train_feats.push(f.clone());
            }
        }
        let model = train_features(&train_items, &train_feats, opts);
        for ((item, f), &g) in items.iter().zip(&feats).zip(&folds) {
            let (Some(f), Some(task)) = (f, learn::task_named(&item.task)) else { continue };
            if g != fold {
                continue;
            }
            let Some(k) = TASKS.iter().position(|(t, _, _)| *t == item.task) else { continue };
            let (name, problem, _) = TASKS[k];
            out.push(OutOfFold {
                task: name,
                problem: item.label == problem,
                rules: predict(&base, &item.task, &item.text) == Some(problem),
                score: model.score(task, f),
                blind_score: model.score(task, &f.rule_blind()),
            });
        }
    }
    out
}

/// Scores out-of-fold predictions per task: a problem when `call` says so.
pub fn score_out_of_fold(oof: &[OutOfFold], call: impl Fn(&OutOfFold) -> bool) -> Vec<TaskScore> {
    let mut scores: Vec<TaskScore> =
        TASKS.iter().map(|(t, _, _)| TaskScore { task: t, ..TaskScore::default() }).collect();
    for o in oof {
        let Some(s) = scores.iter_mut().find(|s| s.task == o.task) else { continue };
        s.n += 1;
        match (o.problem, call(o)) {
            (true, true) => s.tp += 1,
            (false, true) => s.fp += 1,
            (true, false) => s.fn_ += 1,
            (false, false) => s.tn += 1,
        }
    }
    scores
}
