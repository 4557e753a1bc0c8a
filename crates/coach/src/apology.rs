//! Apologies. Research on apologies finds that acknowledging responsibility
//! and offering repair matter most; naming the impact shows the hurt was seen.
//! Conditionals ("if you were offended"), "sorry, but ...", blaming the
//! partner and minimising turn an apology into a non-apology.

use crate::analysis::{ApologyAnalysis, ApologyVerdict, Part, Scan};
use crate::lexicon::Task;
use crate::suggest;

pub fn analyse(scan: &Scan) -> ApologyAnalysis {
    let t = scan.tally(&[Task::Apology]);
    let owns = t.has("responsibility");
    let mut missing = Vec::new();
    if !owns {
        missing.push(Part::Responsibility);
    }
    if !t.has("impact") {
        missing.push(Part::Impact);
    }
    if !t.has("repair") {
        missing.push(Part::Repair);
    }
    // "that's no excuse" after an explanation takes the sting out of it.
    let problem = if t.has("owns_excuse") { (t.problem - 1.0).max(0.0) } else { t.problem };
    let verdict = if problem >= 1.0 || (!owns && !t.has("apology")) {
        ApologyVerdict::NonApology
    } else if owns && (t.has("impact") || t.has("repair")) {
        ApologyVerdict::Genuine
    } else {
        ApologyVerdict::Incomplete
    };
    let mut findings = scan.findings(&[Task::Apology]);
    if verdict == ApologyVerdict::Genuine {
        return ApologyAnalysis { verdict, findings, missing, suggestion: None, feeling_words: Vec::new() };
    }
    for part in &missing {
        findings.push(scan.missing(match part {
            Part::Responsibility => "missing_responsibility",
            Part::Impact => "missing_impact",
            _ => "missing_repair",
        }));
    }
    ApologyAnalysis {
        verdict,
        suggestion: Some(suggest::apology(scan, &missing)),
        feeling_words: suggest::feeling_choices(scan.lex),
        findings,
        missing,
    }
}
