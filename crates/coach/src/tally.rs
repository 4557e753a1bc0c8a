//! The rule totals of one situation, shared by the rules' analysis and the
//! learned layer's features (a module of its own, so neither imports the other).

/// Scores and findings of one situation.
#[derive(Debug, Default)]
pub struct Tally {
    /// Sum of problem weights.
    pub problem: f32,
    /// Sum of good-sign weights (as positive numbers).
    pub good: f32,
    /// Good-sign codes seen (without the '+'), e.g. "feeling".
    pub signs: Vec<&'static str>,
}

impl Tally {
    pub fn has(&self, sign: &str) -> bool {
        self.signs.contains(&sign)
    }
}
