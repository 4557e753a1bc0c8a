//! Contempt: mockery, sarcasm, insults, disgust, eye-roll words, superiority.
//! Gottman found it the strongest predictor of a relationship ending, so a
//! single clear marker is enough for the verdict.

use crate::analysis::{ContemptAnalysis, ContemptVerdict, Scan};
use crate::lexicon::Task;

pub fn analyse(scan: &Scan) -> ContemptAnalysis {
    let t = scan.tally(&[Task::Contempt]);
    let verdict = if scan.decide(Task::Contempt, t.problem >= 1.0) {
        ContemptVerdict::Contemptuous
    } else {
        ContemptVerdict::Respectful
    };
    // Findings explain a verdict; under the threshold they would only nag.
    let mut findings =
        if verdict == ContemptVerdict::Contemptuous { scan.findings(&[Task::Contempt]) } else { Vec::new() };
    if verdict == ContemptVerdict::Contemptuous && findings.is_empty() {
        findings.push(scan.model_finding(Task::Contempt, "scornful_tone"));
    }
    ContemptAnalysis { verdict, findings }
}
