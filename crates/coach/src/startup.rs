//! Raising a concern. A harsh start-up attacks the person (criticism, blame,
//! "you always/never", accusing questions, contempt); a gentle one says how I
//! feel about a specific situation and what I need.

use crate::analysis::{Part, Scan, StartupAnalysis, StartupVerdict, Tally};
use crate::lexicon::Task;
use crate::suggest;

/// A harsh start-up can be critical or contemptuous.
const TASKS: [Task; 2] = [Task::Startup, Task::Contempt];

pub fn analyse(scan: &Scan) -> StartupAnalysis {
    let t = scan.tally(&TASKS);
    let rules_harsh = verdict(&t) == StartupVerdict::Harsh;
    let verdict = if scan.decide(Task::Startup, rules_harsh) { StartupVerdict::Harsh } else { StartupVerdict::Gentle };
    let mut missing = Vec::new();
    if !t.has("feeling") {
        missing.push(Part::Feeling);
    }
    if !t.has("situation") {
        missing.push(Part::Situation);
    }
    if !t.has("request") {
        missing.push(Part::Request);
    }
    // Findings explain a verdict; under the threshold they would only nag.
    let mut findings = if verdict == StartupVerdict::Harsh { scan.findings(&TASKS) } else { Vec::new() };
    if verdict == StartupVerdict::Harsh && findings.is_empty() {
        findings.push(scan.model_finding(Task::Startup, "harsh_tone"));
    }
    let (suggestion, feeling_words) = if verdict == StartupVerdict::Harsh {
        for part in &missing {
            findings.push(scan.missing(match part {
                Part::Feeling => "missing_feeling",
                Part::Situation => "missing_situation",
                _ => "missing_request",
            }));
        }
        (Some(suggest::i_statement(scan)), suggest::feeling_choices(scan.lex))
    } else {
        (None, Vec::new())
    };
    StartupAnalysis { verdict, findings, missing, suggestion, feeling_words }
}

fn verdict(t: &Tally) -> StartupVerdict {
    // One clear sign of criticism is enough; a message built around a feeling
    // and a request earns a little slack for one weak sign (e.g. "again").
    let slack = if t.has("feeling") && t.has("request") { 0.5 } else { 0.0 };
    if t.problem >= 1.0 + slack {
        StartupVerdict::Harsh
    } else {
        StartupVerdict::Gentle
    }
}
