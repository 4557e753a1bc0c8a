//! A synthetic library of any size, as TOML text, for the property tests and
//! the benchmark. Deterministic: the same sizes give the same library.

#![allow(dead_code)]

const TRUST: [&str; 6] = ["emotional", "instrumental", "informational", "self", "situational", "physical"];
const MODES: [&str; 3] = ["alone", "together", "sealed"];
const TRACKS: [&str; 3] = ["build", "rebuild", "both"];
const WORDS: [&str; 16] = [
    "listen", "promise", "evening", "walk", "honest", "letter", "memory", "garden", "kitchen", "repair", "morning",
    "question", "music", "apology", "plan", "quiet",
];

/// (name, text) sources: one seed item file, `exercises` exercises and
/// `prompts` prompts. Levels of prompts cycle 1..=5; every level-1 and
/// level-2 prompt whose number is even is marked `tonight`.
pub fn sources(exercises: usize, prompts: usize) -> Vec<(String, String)> {
    let items = "[[item]]\nkey = \"000.exercises.1\"\nseed = \"000\"\nsection = \"Exercises\"\ntitle = \"An item\"\n";
    let mut out = vec![("synthetic/seed-items.toml".to_string(), items.to_string())];
    let mut text = String::new();
    for i in 0..exercises {
        let trust_a = TRUST[i % 6];
        let trust_b = TRUST[(i / 6 + 1 + i) % 6];
        let trust =
            if trust_a == trust_b { format!("[\"{trust_a}\"]") } else { format!("[\"{trust_a}\", \"{trust_b}\"]") };
        let mode = MODES[(i / 3) % 3];
        let title = format!("{} {} {i}", capitalise(WORDS[i % 16]), WORDS[(i * 7 + 3) % 16]);
        text.push_str(&format!(
            "[[exercise]]\nid = \"ex-{i:04}\"\ntitle = \"{title}\"\nsources = [{{ seed = \"000\", section = \"Exercises\" }}]\n\
             covers = [\"000.exercises.1\"]\nwhy = \"Because the {w1} and the {w2} matter to both of you.\"\n\
             trust = {trust}\nmode = \"{mode}\"\ntrack = \"{track}\"\nlevel = {level}\nminutes = {minutes}\n\
             tags = [\"{w3}\"]\n\n[[exercise.steps]]\ntitle = \"Begin\"\ntext = \"Think of a {w2} you share.\"\n\
             prompts = [\"What does the {w1} mean to you?\"]\n\n[[exercise.steps]]\ntitle = \"Respond\"\n\
             text = \"Read what your partner wrote and say back what you heard.\"\nprompts = [\"What did you hear?\"]\n\n",
            w1 = WORDS[(i * 3) % 16],
            w2 = WORDS[(i * 5 + 1) % 16],
            w3 = WORDS[(i * 11 + 2) % 16],
            track = TRACKS[(i / 9) % 3],
            level = 1 + (i * 7 / 3) % 5,
            minutes = 5 + (i * 13) % 60,
        ));
    }
    out.push(("synthetic/exercises.toml".to_string(), text));
    let mut text = String::new();
    for i in 0..prompts {
        let level = 1 + i % 5;
        let tonight = level <= 2 && i % 2 == 0;
        text.push_str(&format!(
            "[[prompt]]\nid = \"p-{i:04}\"\ntext = \"Question number {i} about the {w}?\"\ntrust = [\"{t}\"]\nlevel = {level}\ntonight = {tonight}\n\n",
            w = WORDS[i % 16],
            t = TRUST[(i / 5) % 6],
        ));
    }
    out.push(("synthetic/prompts.toml".to_string(), text));
    out
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
