//! Replies to a complaint: defensive (denial, excuses, counter-attack, playing
//! the victim) or accepting (taking some responsibility, asking, validating).

use crate::analysis::{merge_findings, ResponseAnalysis, ResponseVerdict, Scan};
use crate::lexicon::Task;

pub fn analyse(scan: &Scan) -> ResponseAnalysis {
    analyse_as(scan, false)
}

/// `in_any_draft`: the message may not be a reply at all (the combined
/// check of a draft), so the learned layer must be sure on its own (log-odds
/// at least 0) before a plain message is read as defensive.
pub fn analyse_as(scan: &Scan, in_any_draft: bool) -> ResponseAnalysis {
    let mut t = scan.tally(&[Task::Response]);
    // Criticism or contempt inside a reply is a counter-attack, which is
    // defensiveness: count the start-up and contempt problems too (not their
    // good signs, which describe a gentle start-up, not an accepting reply).
    const COUNTER: [Task; 2] = [Task::Startup, Task::Contempt];
    t.problem += scan.tally(&COUNTER).problem;
    // Accepting words soften a weak defensive signal ("you're right, I was
    // tired") but a clear counter-attack stays defensive.
    let net = t.problem - 0.5 * t.good;
    let rules_defensive = t.problem >= 1.0 && net >= 0.75;
    let verdict = if scan.decide_with(Task::Response, rules_defensive, in_any_draft) {
        ResponseVerdict::Defensive
    } else {
        ResponseVerdict::Accepting
    };
    // Findings explain a verdict; under the threshold they would only nag.
    let mut findings = Vec::new();
    if verdict == ResponseVerdict::Defensive {
        // One finding per stretch of text: "You never" is a counter-attack
        // once, not also a sweeping word with other advice on the same words.
        findings = merge_findings([scan.findings(&[Task::Response]), scan.findings(&COUNTER)]);
    }
    if verdict == ResponseVerdict::Defensive && findings.is_empty() {
        findings.push(scan.model_finding(Task::Response, "defensive_tone"));
    }
    ResponseAnalysis { verdict, findings }
}
