//! Replies to a complaint: defensive (denial, excuses, counter-attack, playing
//! the victim) or accepting (taking some responsibility, asking, validating).

use crate::analysis::{ResponseAnalysis, ResponseVerdict, Scan};
use crate::lexicon::Task;

pub fn analyse(scan: &Scan) -> ResponseAnalysis {
    let mut t = scan.tally(&[Task::Response]);
    // Criticism or contempt inside a reply is a counter-attack, which is
    // defensiveness: count the start-up and contempt problems too (not their
    // good signs, which describe a gentle start-up, not an accepting reply).
    const COUNTER: [Task; 2] = [Task::Startup, Task::Contempt];
    t.problem += scan.tally(&COUNTER).problem;
    // Accepting words soften a weak defensive signal ("you're right, I was
    // tired") but a clear counter-attack stays defensive.
    let net = t.problem - 0.5 * t.good;
    let verdict = if t.problem >= 1.0 && net >= 0.75 { ResponseVerdict::Defensive } else { ResponseVerdict::Accepting };
    // Findings explain a verdict; under the threshold they would only nag.
    let mut findings = Vec::new();
    if verdict == ResponseVerdict::Defensive {
        findings = scan.findings(&[Task::Response]);
        for f in scan.findings(&COUNTER) {
            if !findings.iter().any(|g| g.code == f.code && g.start == f.start) {
                findings.push(f);
            }
        }
    }
    ResponseAnalysis { verdict, findings }
}
