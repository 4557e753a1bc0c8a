//! Scoring the coach against labelled messages (precision, recall, macro-F1
//! per task). Pure: the caller reads the file and passes the lines in.
//!
//! Label mapping: the development set is binary per task. For apologies an
//! "incomplete" verdict counts as **genuine**: it means the writer owned the
//! act but left out a part (impact or repair); it is not a non-apology, which
//! deflects (conditional, "sorry, but", blame, minimising).

use serde::{Deserialize, Serialize};

use crate::{ApologyVerdict, Coach, ContemptVerdict, ResponseVerdict, StartupVerdict};

#[derive(Debug, Clone, Deserialize)]
pub struct Labelled {
    pub text: String,
    pub task: String,
    pub label: String,
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
