//! Replies to a complaint: defensive (denial, excuses, counter-attack, playing
//! the victim) or accepting (taking some responsibility, asking, validating).

use crate::analysis::{ResponseAnalysis, ResponseVerdict, Scan};
use crate::lexicon::Task;

pub fn analyse(scan: &Scan) -> ResponseAnalysis {
    let t = scan.tally(&[Task::Response]);
    // Accepting words soften a weak defensive signal ("you're right, I was
    // tired") but a clear counter-attack stays defensive.
    let net = t.problem - 0.5 * t.good;
    let verdict = if t.problem >= 1.0 && net >= 0.75 { ResponseVerdict::Defensive } else { ResponseVerdict::Accepting };
    ResponseAnalysis { verdict, findings: t.findings }
}
