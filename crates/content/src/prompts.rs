//! The prompt bank that never repeats: which prompt a pair gets next.
//!
//! The choice depends only on the pair's state (what they have been given,
//! their level, a seed made from the pair's id and a turn or day number), never
//! on which partner asks, so both always get the same prompt. A prompt comes
//! round again only once every eligible prompt has been given as many times:
//! the pair works through the whole bank before anything repeats.

use std::collections::HashMap;

use crate::model::{Level, Prompt, PromptId, TrustType};

/// How many times each prompt has been given to one pair.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PromptHistory {
    given: HashMap<PromptId, u32>,
}

impl PromptHistory {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn record(&mut self, id: PromptId) {
        *self.given.entry(id).or_default() += 1;
    }

    pub fn times_given(&self, id: &str) -> u32 {
        self.given.get(id).copied().unwrap_or(0)
    }
}

/// From the log of prompts given to the pair, repeats included.
impl FromIterator<PromptId> for PromptHistory {
    fn from_iter<I: IntoIterator<Item = PromptId>>(iter: I) -> Self {
        let mut history = PromptHistory::new();
        for id in iter {
            history.record(id);
        }
        history
    }
}

/// From stored ids as text; an id without the prompt-id shape cannot match
/// any prompt in the bank, so it is skipped.
impl<'a> FromIterator<&'a str> for PromptHistory {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Self {
        iter.into_iter().filter_map(|s| PromptId::parse(s).ok()).collect()
    }
}

/// A stable per-pair seed for the choice among equally fresh prompts. Built
/// from the pair's id (any stable bytes, e.g. its hex id), so different pairs
/// walk the bank in different orders while one pair's order never changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairSeed(u64);

impl PairSeed {
    pub fn new(pair_key: impl AsRef<[u8]>) -> Self {
        PairSeed(fnv1a(FNV_OFFSET, pair_key.as_ref()))
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a: tiny, and unlike `std`'s hasher guaranteed stable across Rust
/// versions, so a pair's order survives an upgrade.
fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// A well-mixed rank of a prompt for this pair and turn (splitmix64 finish,
/// so neighbouring turns do not pick neighbouring prompts).
fn rank(seed: PairSeed, turn: u64, id: &PromptId) -> u64 {
    let mut z = fnv1a(seed.0 ^ turn.wrapping_mul(0x9e37_79b9_7f4a_7c15), id.as_str().as_bytes());
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Among `eligible`, the least-given prompts; of those, the ones serving
/// `preferred` when there are any; of those, the one ranked first for this
/// pair and turn.
fn choose<'a>(
    eligible: impl Iterator<Item = &'a Prompt>,
    history: &PromptHistory,
    preferred: Option<TrustType>,
    seed: PairSeed,
    turn: u64,
) -> Option<&'a Prompt> {
    // (times given, does not serve the preferred kind, rank): smallest wins.
    eligible
        .map(|p| {
            let off_preference = preferred.is_some_and(|kind| !p.trust.contains(&kind));
            ((history.times_given(p.id.as_str()), off_preference, rank(seed, turn, &p.id)), p)
        })
        .min_by_key(|(key, _)| *key)
        .map(|(_, p)| p)
}

/// The next prompt for a pair, e.g. for a sealed exchange: one at or below
/// `level_cap`, never one already given while an eligible one has not been
/// (then the next round begins), serving `preferred` when a fresh one does.
/// `turn` (e.g. the day number, or how many prompts the pair has had) varies
/// the pick between calls with the same history. `None` only when no prompt
/// is at or below the cap.
pub fn next_prompt<'a>(
    bank: &'a [Prompt],
    history: &PromptHistory,
    level_cap: Level,
    preferred: Option<TrustType>,
    seed: PairSeed,
    turn: u64,
) -> Option<&'a Prompt> {
    choose(bank.iter().filter(|p| p.level <= level_cap), history, preferred, seed, turn)
}

/// "For tonight": one prompt a day per pair, from the `tonight` prompts at or
/// below `level_cap`. `log` is the pair's tonight log as (day number, prompt
/// id), in any order. If a prompt is already logged for `day` it is returned
/// again, so the answer holds all day whoever asks; otherwise the pick counts
/// only earlier days, so recording today's prompt does not change it.
pub fn tonight_prompt<'a, 'l>(
    bank: &'a [Prompt],
    log: impl IntoIterator<Item = (i64, &'l PromptId)>,
    level_cap: Level,
    seed: PairSeed,
    day: i64,
) -> Option<&'a Prompt> {
    let mut history = PromptHistory::new();
    let mut today = None;
    for (on, id) in log {
        if on == day {
            today = Some(id);
        } else if on < day {
            history.record(id.clone());
        }
    }
    let eligible = |p: &&Prompt| p.tonight && p.level <= level_cap;
    if let Some(id) = today {
        if let Some(prompt) = bank.iter().filter(eligible).find(|p| &p.id == id) {
            return Some(prompt);
        }
    }
    choose(bank.iter().filter(eligible), &history, None, seed, day as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_pinned_so_orders_survive_upgrades() {
        // Published FNV-1a test vectors; a change here would reshuffle every pair's order.
        assert_eq!(fnv1a(FNV_OFFSET, b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(FNV_OFFSET, b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(FNV_OFFSET, b"foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(PairSeed::new("foobar"), PairSeed(0x8594_4171_f739_67e8));
    }

    #[test]
    fn history_counts_repeats() {
        let id = PromptId::parse("p-one").unwrap();
        let history: PromptHistory = [id.clone(), id.clone()].into_iter().collect();
        assert_eq!(history.times_given("p-one"), 2);
        assert_eq!(history.times_given("p-two"), 0);
        let from_text: PromptHistory = ["p-one", "p-two", "p-one", "not an id"].into_iter().collect();
        assert_eq!((from_text.times_given("p-one"), from_text.times_given("p-two")), (2, 1));
        assert_eq!(from_text.times_given("not an id"), 0);
    }

    #[test]
    fn rank_varies_with_turn_and_pair() {
        let id = PromptId::parse("p-one").unwrap();
        let seed = PairSeed::new("pair");
        assert_eq!(rank(seed, 3, &id), rank(seed, 3, &id));
        assert_ne!(rank(seed, 3, &id), rank(seed, 4, &id));
        assert_ne!(rank(seed, 3, &id), rank(PairSeed::new("other"), 3, &id));
    }
}
