//! The content library end to end: loading and every kind of error (with
//! file and line), browsing, the prompt rotation, the suggestion, and the
//! real embedded library (`content/` at the repository root).

#[path = "support/synthetic.rs"]
mod synthetic;

use std::collections::{BTreeMap, HashMap, HashSet};

use troth_content::*;

const VALID: [(&str, &str); 3] = [
    ("content/seed-items.toml", include_str!("fixtures/valid/seed-items.toml")),
    ("content/exercises/valid.toml", include_str!("fixtures/valid/exercises.toml")),
    ("content/prompts/valid.toml", include_str!("fixtures/valid/prompts.toml")),
];

fn valid() -> Library {
    Library::from_sources(VALID).expect("the valid fixtures load")
}

// ---------------------------------------------------------------- errors

/// An exercise that is valid against the fixtures; each error test changes
/// one line of it.
const GOOD_EXERCISE: &str = r#"# an extra exercise
[[exercise]]
id = "fresh-exercise"
title = "A fresh exercise"
sources = [{ seed = "000", section = "Exercises for couples" }]
covers = ["000.exercises.1"]
why = "A short reason."
trust = ["emotional"]
mode = "together"
track = "build"
level = 2
minutes = 10

[[exercise.steps]]
title = "Do it"
text = "Do the small thing together."
prompts = ["What did you notice?"]
"#;

const GOOD_PROMPT: &str = r#"
[[prompt]]
id = "p-fresh"
text = "What is a song you could listen to every day?"
trust = ["emotional"]
level = 2
"#;

const BROKEN: &str = "content/exercises/broken.toml";

/// `base` with the line starting `prefix` replaced by `replacement`.
fn with_line(base: &str, prefix: &str, replacement: &str) -> String {
    let mut found = false;
    let lines: Vec<String> = base
        .lines()
        .map(|line| {
            if !found && line.starts_with(prefix) {
                found = true;
                replacement.to_string()
            } else {
                line.to_string()
            }
        })
        .collect();
    assert!(found, "no line starts with {prefix:?}");
    lines.join("\n") + "\n"
}

/// The 1-based line carrying the `#!` marker in `text`.
fn marked_line(text: &str) -> usize {
    let lines: Vec<usize> = text.lines().enumerate().filter(|(_, l)| l.contains("#!")).map(|(i, _)| i + 1).collect();
    assert_eq!(lines.len(), 1, "exactly one #! marker in\n{text}");
    lines[0]
}

/// Loads the fixtures plus `broken` and expects exactly one error, of `kind`,
/// in the broken file, on the marked line. Returns its message.
fn expect_one_error(broken: &str, kind: ErrorKind) -> String {
    let mut sources: Vec<(String, String)> = VALID.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    sources.push((BROKEN.to_string(), broken.to_string()));
    let errors = Library::from_sources(sources).expect_err("the broken file is refused");
    assert_eq!(errors.len(), 1, "expected one error, got:\n{errors}");
    let error = &errors.0[0];
    assert_eq!(error.kind, kind, "{error}");
    assert_eq!(error.file, BROKEN);
    assert_eq!(error.line, Some(marked_line(broken)), "{error}\nin\n{broken}");
    let shown = error.to_string();
    assert!(shown.starts_with(&format!("{BROKEN}:{}: ", marked_line(broken))), "{shown}");
    shown
}

#[test]
fn the_good_templates_are_valid() {
    let mut sources: Vec<(String, String)> = VALID.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    sources.push((BROKEN.to_string(), format!("{GOOD_EXERCISE}{GOOD_PROMPT}")));
    let library = Library::from_sources(sources).unwrap();
    assert!(library.exercise("fresh-exercise").is_some());
    assert!(library.prompt("p-fresh").is_some());
}

#[test]
fn syntax_error_names_file_and_line() {
    let broken = with_line(GOOD_EXERCISE, "level =", "level = = 2 #!");
    let message = expect_one_error(&broken, ErrorKind::Syntax);
    assert!(message.contains("not valid TOML"), "{message}");
}

#[test]
fn missing_field_is_reported_at_its_table() {
    let broken = with_line(GOOD_EXERCISE, "why =", "");
    let broken = with_line(&broken, "[[exercise]]", "[[exercise]] #!");
    let message = expect_one_error(&broken, ErrorKind::MissingField);
    assert!(message.ends_with("exercise is missing the field `why`"), "{message}");
}

#[test]
fn missing_steps_is_a_missing_field() {
    let without_steps = GOOD_EXERCISE.split("[[exercise.steps]]").next().unwrap().to_string();
    let broken = with_line(&without_steps, "[[exercise]]", "[[exercise]] #!");
    let message = expect_one_error(&broken, ErrorKind::MissingField);
    assert!(message.contains("`steps`"), "{message}");
}

#[test]
fn unknown_field_is_reported_where_it_is() {
    let broken = with_line(GOOD_EXERCISE, "minutes =", "minutes = 10\ncolour = \"blue\" #!");
    let message = expect_one_error(&broken, ErrorKind::UnknownField);
    assert!(message.contains("unknown field `colour` in exercise (expected one of: id, title,"), "{message}");
}

#[test]
fn unknown_field_in_a_step_and_unknown_table() {
    let broken = with_line(GOOD_EXERCISE, "text =", "text = \"Do it.\"\nduration = 3 #!");
    expect_one_error(&broken, ErrorKind::UnknownField);
    let broken = format!("{GOOD_EXERCISE}\n[[exercises]] #!\nid = \"x\"\n");
    let message = expect_one_error(&broken, ErrorKind::UnknownField);
    assert!(message.contains("unknown table `exercises`"), "{message}");
}

#[test]
fn unknown_kind_of_trust_lists_the_six() {
    let broken = with_line(GOOD_EXERCISE, "trust =", "trust = [\"emotional\", \"emotinal\"] #!");
    let message = expect_one_error(&broken, ErrorKind::UnknownTrust);
    let line = marked_line(&broken);
    assert_eq!(
        message,
        format!(
            "{BROKEN}:{line}: unknown kind of trust \"emotinal\" (expected one of: emotional, instrumental, \
             informational, self, situational, physical)"
        )
    );
}

#[test]
fn too_many_or_repeated_kinds_of_trust() {
    let broken =
        with_line(GOOD_EXERCISE, "trust =", "trust = [\"self\", \"physical\", \"emotional\", \"situational\"] #!");
    expect_one_error(&broken, ErrorKind::BadCount);
    let broken = with_line(GOOD_EXERCISE, "trust =", "trust = [\"self\", \"self\"] #!");
    expect_one_error(&broken, ErrorKind::BadCount);
    let broken = with_line(GOOD_PROMPT, "trust =", "trust = [\"self\", \"physical\", \"emotional\"] #!");
    expect_one_error(&broken, ErrorKind::BadCount);
}

#[test]
fn unknown_mode_and_track() {
    let broken = with_line(GOOD_EXERCISE, "mode =", "mode = \"solo\" #!");
    let message = expect_one_error(&broken, ErrorKind::UnknownMode);
    assert!(message.ends_with("unknown mode \"solo\" (expected one of: alone, together, sealed)"), "{message}");
    let broken = with_line(GOOD_EXERCISE, "track =", "track = \"repair\" #!");
    let message = expect_one_error(&broken, ErrorKind::UnknownTrack);
    assert!(message.ends_with("(expected one of: build, rebuild, both)"), "{message}");
}

#[test]
fn duplicate_exercise_id_names_both_places() {
    let broken = with_line(GOOD_EXERCISE, "id =", "id = \"quiet-self-check\"");
    let broken = with_line(&broken, "[[exercise]]", "[[exercise]] #!");
    let message = expect_one_error(&broken, ErrorKind::DuplicateId);
    let first_line = include_str!("fixtures/valid/exercises.toml")
        .lines()
        .position(|l| l.contains("quiet-self-check"))
        .expect("fixture has the id")
        // the entry starts at its [[exercise]] header, one line above the id
        ;
    assert!(
        message.contains(&format!(
            "duplicate exercise id \"quiet-self-check\" (first defined at content/exercises/valid.toml:{first_line})"
        )),
        "{message}"
    );
}

#[test]
fn duplicate_prompt_id_and_item_key() {
    let broken = with_line(GOOD_PROMPT, "id =", "id = \"p-first-show\"");
    let broken = with_line(&broken, "[[prompt]]", "[[prompt]] #!");
    let message = expect_one_error(&broken, ErrorKind::DuplicateId);
    assert!(message.contains("first defined at content/prompts/valid.toml:1"), "{message}");
    let item = "[[item]] #!\nkey = \"000.exercises.2\"\nseed = \"000\"\nsection = \"S\"\ntitle = \"T\"\n";
    let message = expect_one_error(item, ErrorKind::DuplicateId);
    assert!(message.contains("content/seed-items.toml:"), "{message}");
}

#[test]
fn bad_level_and_minutes() {
    for bad in ["level = 0 #!", "level = 6 #!", "level = -1 #!"] {
        expect_one_error(&with_line(GOOD_EXERCISE, "level =", bad), ErrorKind::BadLevel);
    }
    let message = expect_one_error(&with_line(GOOD_PROMPT, "level =", "level = 9 #!"), ErrorKind::BadLevel);
    assert!(message.ends_with("level 9 is out of range (expected 1 to 5)"), "{message}");
    for bad in ["minutes = 0 #!", "minutes = 121 #!"] {
        expect_one_error(&with_line(GOOD_EXERCISE, "minutes =", bad), ErrorKind::BadMinutes);
    }
}

#[test]
fn wrong_type_names_what_was_expected() {
    let message = expect_one_error(&with_line(GOOD_EXERCISE, "level =", "level = \"two\" #!"), ErrorKind::WrongType);
    assert!(message.ends_with("`level` should be a whole number, found text"), "{message}");
    expect_one_error(&with_line(GOOD_EXERCISE, "title =", "title = 3 #!"), ErrorKind::WrongType);
}

#[test]
fn empty_steps_are_refused() {
    let without_steps = GOOD_EXERCISE.split("[[exercise.steps]]").next().unwrap().to_string();
    let broken = format!("{}\nsteps = [] #!\n", without_steps.trim_end_matches('\n'));
    expect_one_error(&broken, ErrorKind::EmptySteps);
    // A step that asks nothing, in an exercise where no step asks anything.
    let broken = with_line(GOOD_EXERCISE, "prompts =", "prompts = []");
    let broken = with_line(&broken, "[[exercise.steps]]", "[[exercise.steps]] #!");
    let message = expect_one_error(&broken, ErrorKind::EmptySteps);
    assert!(message.contains("no step asks anything"), "{message}");
}

#[test]
fn sealed_exercise_needs_a_response_step() {
    let broken = with_line(GOOD_EXERCISE, "mode =", "mode = \"sealed\"");
    let broken = with_line(&broken, "[[exercise.steps]]", "[[exercise.steps]] #!");
    expect_one_error(&broken, ErrorKind::EmptySteps);
}

#[test]
fn step_text_too_long() {
    let long = "x".repeat(601);
    let message =
        expect_one_error(&with_line(GOOD_EXERCISE, "text =", &format!("text = \"{long}\" #!")), ErrorKind::TooLong);
    assert!(message.ends_with("`text` is 601 characters long (at most 600)"), "{message}");
    let exactly = "é".repeat(600); // characters, not bytes
    let ok = with_line(GOOD_EXERCISE, "text =", &format!("text = \"{exactly}\""));
    let mut sources: Vec<(String, String)> = VALID.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    sources.push((BROKEN.to_string(), ok));
    assert!(Library::from_sources(sources).is_ok());
}

#[test]
fn covers_key_not_in_the_seed_items() {
    let broken = with_line(GOOD_EXERCISE, "covers =", "covers = [\"000.exercises.1\", \"000.exercises.9\"] #!");
    let message = expect_one_error(&broken, ErrorKind::UnknownCover);
    assert!(message.ends_with("`covers` names 000.exercises.9, which is not in the seed items"), "{message}");
    let broken = with_line(GOOD_EXERCISE, "covers =", "covers = [\"exercise one\"] #!");
    expect_one_error(&broken, ErrorKind::BadId);
}

#[test]
fn prompt_over_the_length_limit() {
    let long = "a".repeat(241);
    let message =
        expect_one_error(&with_line(GOOD_PROMPT, "text =", &format!("text = \"{long}\" #!")), ErrorKind::TooLong);
    assert!(message.contains("at most 240"), "{message}");
}

#[test]
fn tonight_prompt_above_level_two() {
    let broken = with_line(GOOD_PROMPT, "level =", "level = 3\ntonight = true #!");
    let message = expect_one_error(&broken, ErrorKind::TonightTooDeep);
    assert!(message.contains("level 1 or 2"), "{message}");
    let fine = with_line(GOOD_PROMPT, "level =", "level = 2\ntonight = true");
    let mut sources: Vec<(String, String)> = VALID.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    sources.push((BROKEN.to_string(), fine));
    assert!(Library::from_sources(sources).unwrap().prompt("p-fresh").unwrap().tonight);
}

#[test]
fn bad_ids_are_refused() {
    expect_one_error(&with_line(GOOD_EXERCISE, "id =", "id = \"Fresh Exercise\" #!"), ErrorKind::BadId);
    expect_one_error(&with_line(GOOD_PROMPT, "id =", "id = \"fresh\" #!"), ErrorKind::BadId);
}

#[test]
fn every_error_is_collected_across_files() {
    let first = with_line(GOOD_EXERCISE, "trust =", "trust = [\"emotinal\"]");
    let first = with_line(&first, "level =", "level = 8");
    let first = with_line(&first, "mode =", "mode = \"solo\"");
    let second = with_line(GOOD_PROMPT, "level =", "level = 4\ntonight = true");
    let third = "this is = = not toml";
    let errors = Library::from_sources([
        ("content/exercises/a.toml", first.as_str()),
        ("content/prompts/b.toml", second.as_str()),
        ("content/c.toml", third),
    ])
    .unwrap_err();
    let kinds: Vec<(&str, ErrorKind)> = errors.iter().map(|e| (e.file.as_str(), e.kind)).collect();
    assert!(kinds.contains(&("content/exercises/a.toml", ErrorKind::UnknownTrust)), "{errors}");
    assert!(kinds.contains(&("content/exercises/a.toml", ErrorKind::BadLevel)), "{errors}");
    assert!(kinds.contains(&("content/exercises/a.toml", ErrorKind::UnknownMode)), "{errors}");
    assert!(kinds.contains(&("content/prompts/b.toml", ErrorKind::TonightTooDeep)), "{errors}");
    assert!(kinds.contains(&("content/c.toml", ErrorKind::Syntax)), "{errors}");
    assert_eq!(errors.len(), 5, "{errors}");
    assert!(errors.to_string().starts_with("5 problems in the content library:\n"));
    // Whole-library checks run over every entry that did load, even when
    // other entries have errors.
    let bad_entry = with_line(GOOD_EXERCISE, "level =", "level = 8");
    let uncovered = with_line(GOOD_EXERCISE, "id =", "id = \"other-exercise\"");
    let errors = Library::from_sources([("a.toml", bad_entry.as_str()), ("b.toml", uncovered.as_str())]).unwrap_err();
    let kinds: Vec<(&str, ErrorKind)> = errors.iter().map(|e| (e.file.as_str(), e.kind)).collect();
    assert_eq!(kinds, [("a.toml", ErrorKind::BadLevel), ("b.toml", ErrorKind::UnknownCover)]);
}

#[test]
fn operator_directory_is_validated_with_the_embedded_library() {
    let dir = std::env::temp_dir().join(format!("troth-content-test-{}", std::process::id()));
    let nested = dir.join("more");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a data file, ignored").unwrap();
    std::fs::write(nested.join("mine.toml"), with_line(GOOD_PROMPT, "id =", "id = \"p-operator-own\"")).unwrap();
    let sources = dir::read_sources(&dir).unwrap();
    assert_eq!(sources.len(), 1);
    assert!(sources[0].0.ends_with("mine.toml"));

    std::fs::write(nested.join("bad.toml"), with_line(GOOD_PROMPT, "level =", "level = 7")).unwrap();
    let errors = Library::with_dir(&dir).unwrap_err();
    let bad: Vec<&ContentError> = errors.iter().filter(|e| e.file.ends_with("bad.toml")).collect();
    assert_eq!(bad.len(), 1, "{errors}");
    assert_eq!((bad[0].kind, bad[0].line), (ErrorKind::BadLevel, Some(6)));

    let missing = Library::with_dir(&dir.join("nowhere")).unwrap_err();
    assert_eq!(missing.0[0].kind, ErrorKind::Io);
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------------- browsing

fn ids(found: &[&Exercise]) -> Vec<String> {
    found.iter().map(|e| e.id.to_string()).collect()
}

#[test]
fn find_filters_and_orders_by_level_then_title() {
    let library = valid();
    let all = library.find(&Query::default());
    assert_eq!(
        ids(&all),
        [
            "quiet-self-check",
            "small-honest-preference",
            "talk-about-talking",
            "safe-space-walk",
            "keep-a-small-promise",
            "own-what-happened"
        ]
    );
    let alone = library.find(&Query { mode: Some(Mode::Alone), ..Query::default() });
    assert_eq!(ids(&alone), ["quiet-self-check", "keep-a-small-promise", "own-what-happened"]);
    let rebuild = library.find(&Query { track: Some(Track::Rebuild), ..Query::default() });
    assert_eq!(ids(&rebuild), ["quiet-self-check", "talk-about-talking", "safe-space-walk", "own-what-happened"]);
    let self_trust = library.find(&Query { trust: Some(TrustType::SelfTrust), ..Query::default() });
    assert_eq!(ids(&self_trust), ["quiet-self-check"]);
    let level2 = library.find(&Query { level: Some(Level::new(2).unwrap()), ..Query::default() });
    assert_eq!(ids(&level2), ["safe-space-walk", "keep-a-small-promise"]);
    let short = library.find(&Query { max_minutes: Some(10), ..Query::default() });
    assert_eq!(ids(&short), ["quiet-self-check", "small-honest-preference", "keep-a-small-promise"]);
}

#[test]
fn text_search_is_case_insensitive_over_title_why_tags_and_steps() {
    let library = valid();
    let q = |text: &str| ids(&library.find(&Query { text: Some(text.into()), ..Query::default() }));
    assert_eq!(q("PROMISE"), ["keep-a-small-promise"]); // title
    assert_eq!(q("repair starts"), ["own-what-happened"]); // why, both words
    assert_eq!(q("outdoors"), ["safe-space-walk"]); // tag
    assert_eq!(q("slow walk"), ["safe-space-walk"]); // step text
    assert_eq!(q("feel at ease"), ["safe-space-walk"]); // step prompt
    assert!(q("walk promise").is_empty()); // all words must match
    assert_eq!(q("  ").len(), 6);
    let combined = library.find(&Query { text: Some("partner".into()), mode: Some(Mode::Sealed), ..Query::default() });
    assert_eq!(ids(&combined), ["small-honest-preference"]);
}

// ---------------------------------------------------------------- prompts

fn level(n: i64) -> Level {
    Level::new(n).unwrap()
}

#[test]
fn rotation_never_repeats_until_all_are_seen_and_is_the_same_for_both() {
    let library = Library::from_sources(synthetic::sources(3, 47)).unwrap();
    let bank = library.prompts();
    for pair in 0..150u32 {
        let seed = PairSeed::new(format!("{pair:016x}"));
        let cap = level(1 + i64::from(pair % 5));
        let preferred = [None, Some(TrustType::Emotional), Some(TrustType::Physical)][pair as usize % 3];
        let eligible: HashSet<&str> = bank.iter().filter(|p| p.level <= cap).map(|p| p.id.as_str()).collect();
        assert!(!eligible.is_empty());
        // Each partner keeps their own copy of the shared log, and may read it in any order.
        let mut log_one: Vec<PromptId> = Vec::new();
        let mut seen_in_round: HashSet<String> = HashSet::new();
        for turn in 0..(eligible.len() as u64 * 3) {
            let history_one: PromptHistory = log_one.iter().cloned().collect();
            let history_two: PromptHistory = log_one.iter().rev().cloned().collect();
            let one = next_prompt(bank, &history_one, cap, preferred, seed, turn).unwrap();
            let two = next_prompt(bank, &history_two, cap, preferred, seed, turn).unwrap();
            assert_eq!(one.id, two.id, "both partners get the same prompt");
            assert!(one.level <= cap);
            assert!(seen_in_round.insert(one.id.to_string()), "pair {pair} got {} twice in one round", one.id);
            if seen_in_round.len() == eligible.len() {
                seen_in_round.clear();
            }
            log_one.push(one.id.clone());
        }
        // Three full rounds: every eligible prompt exactly three times.
        let history: PromptHistory = log_one.iter().cloned().collect();
        assert!(eligible.iter().all(|id| history.times_given(id) == 3), "pair {pair}");
    }
}

#[test]
fn rotation_prefers_the_asked_kind_while_fresh_ones_serve_it() {
    let library = Library::from_sources(synthetic::sources(3, 60)).unwrap();
    let bank = library.prompts();
    let seed = PairSeed::new("pair");
    let physical = bank.iter().filter(|p| p.trust.contains(&TrustType::Physical)).count();
    let mut log = Vec::new();
    for turn in 0..physical as u64 {
        let history: PromptHistory = log.iter().cloned().collect();
        let prompt = next_prompt(bank, &history, Level::MAX, Some(TrustType::Physical), seed, turn).unwrap();
        assert!(prompt.trust.contains(&TrustType::Physical));
        log.push(prompt.id.clone());
    }
    let history: PromptHistory = log.iter().cloned().collect();
    let next = next_prompt(bank, &history, Level::MAX, Some(TrustType::Physical), seed, 99).unwrap();
    assert!(!next.trust.contains(&TrustType::Physical), "then the rest of the bank, not a repeat");
}

#[test]
fn different_pairs_walk_the_bank_in_different_orders() {
    let library = Library::from_sources(synthetic::sources(3, 50)).unwrap();
    let firsts: HashSet<String> = (0..40)
        .map(|pair| {
            let seed = PairSeed::new(format!("pair-{pair}"));
            next_prompt(library.prompts(), &PromptHistory::new(), Level::MAX, None, seed, 0).unwrap().id.to_string()
        })
        .collect();
    assert!(firsts.len() > 10, "only {} distinct first prompts", firsts.len());
    assert!(next_prompt(library.prompts(), &PromptHistory::new(), Level::MIN, None, PairSeed::new("x"), 0).is_some());
    assert!(next_prompt(&[], &PromptHistory::new(), Level::MAX, None, PairSeed::new("x"), 0).is_none());
}

#[test]
fn tonight_is_one_prompt_a_day_and_cycles_through_all_tonight_prompts() {
    let library = Library::from_sources(synthetic::sources(3, 80)).unwrap();
    let bank = library.prompts();
    let tonight: HashSet<&str> = bank.iter().filter(|p| p.tonight).map(|p| p.id.as_str()).collect();
    assert!(tonight.len() >= 10);
    for pair in 0..30 {
        let seed = PairSeed::new(format!("pair-{pair}"));
        let mut log: Vec<(i64, PromptId)> = Vec::new();
        let mut round = HashSet::new();
        for day in 20_000..20_000 + 2 * tonight.len() as i64 {
            let first = tonight_prompt(bank, log.iter().map(|(d, id)| (*d, id)), Level::MAX, seed, day).unwrap();
            assert!(first.tonight && first.level <= level(2));
            log.push((day, first.id.clone()));
            // Asked again later that day, by either partner, after it was recorded.
            let again = tonight_prompt(bank, log.iter().rev().map(|(d, id)| (*d, id)), Level::MAX, seed, day).unwrap();
            assert_eq!(first.id, again.id);
            assert!(round.insert(first.id.clone()), "repeated {} before all were seen", first.id);
            if round.len() == tonight.len() {
                round.clear();
            }
        }
        assert!(round.is_empty(), "two full rounds in as many days");
    }
    let capped = tonight_prompt(bank, [], Level::MIN, PairSeed::new("p"), 1).unwrap();
    assert_eq!(capped.level, Level::MIN);
}

// ---------------------------------------------------------------- suggestion

/// A tiny deterministic generator for the property-style tests.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn suggestion_never_repeats_while_new_ones_fit_and_respects_alone_mode() {
    let library = Library::from_sources(synthetic::sources(120, 5)).unwrap();
    let mut rng = Lcg(7);
    for case in 0..400 {
        let track = if case % 2 == 0 { Track::Build } else { Track::Rebuild };
        let open_level = level(1 + (rng.next() % 5) as i64);
        let partner_present = rng.next() % 3 != 0;
        let lowest: Vec<TrustType> = (0..rng.next() % 3).map(|_| TrustType::ALL[(rng.next() % 6) as usize]).collect();
        let done: HashMap<ExerciseId, u32> = library
            .exercises()
            .iter()
            .filter_map(|e| {
                let roll = rng.next();
                // Most are done already, some several times.
                (roll % 4 != 0).then(|| (e.id.clone(), 1 + (roll / 4 % 3) as u32))
            })
            .collect();
        let fits =
            |e: &Exercise| e.track.serves(track) && e.level <= open_level && (partner_present || e.mode == Mode::Alone);
        let request = SuggestionRequest { track, open_level, done: &done, lowest_trust: &lowest, partner_present };
        let Some(suggestion) = suggest_next(&library, &request) else {
            assert!(!library.exercises().iter().any(fits), "case {case}: nothing suggested though some fit");
            continue;
        };
        let exercise = suggestion.exercise;
        assert!(fits(exercise), "case {case}: {} does not fit", exercise.id);
        if !partner_present {
            assert_eq!(exercise.mode, Mode::Alone);
            assert!(suggestion.alone_only);
        }
        let undone_exists = library.exercises().iter().any(|e| fits(e) && !done.contains_key(&e.id));
        if undone_exists {
            assert!(!done.contains_key(&exercise.id), "case {case}: suggested done {}", exercise.id);
            assert_ne!(suggestion.reason, SuggestionReason::WorthRepeating);
        } else {
            assert_eq!(suggestion.reason, SuggestionReason::WorthRepeating);
        }
        // The reason never speaks of trust kinds, so it cannot hint at the pulse.
        let reason = suggestion.reason_text().to_lowercase();
        for kind in TrustType::ALL {
            assert!(!reason.contains(kind.as_str()) && !reason.contains(&kind.label().to_lowercase()), "{reason}");
        }
        assert!(!reason.contains("pulse") && !reason.contains("trust"), "{reason}");
    }
}

#[test]
fn suggestion_leans_to_the_lowest_kinds_at_the_open_level() {
    let library = valid();
    let done = HashMap::new();
    let ask = |lowest: &[TrustType], open: i64, present: bool| {
        let request = SuggestionRequest {
            track: Track::Build,
            open_level: level(open),
            done: &done,
            lowest_trust: lowest,
            partner_present: present,
        };
        suggest_next(&library, &request).map(|s| (s.exercise.id.to_string(), s.reason))
    };
    let walk = ("safe-space-walk".to_string(), SuggestionReason::NewAtYourLevel);
    assert_eq!(ask(&[TrustType::Physical], 2, true), Some(walk));
    let promise = ("keep-a-small-promise".to_string(), SuggestionReason::NewAtYourLevel);
    assert_eq!(ask(&[TrustType::Instrumental], 2, true), Some(promise.clone()));
    // Just below the open level counts as close; the lowest kind decides.
    let check = ("quiet-self-check".to_string(), SuggestionReason::NewEarlierLevel);
    assert_eq!(ask(&[TrustType::SelfTrust], 2, true), Some(check.clone()));
    // Partner away: only alone-mode exercises.
    assert_eq!(ask(&[TrustType::Physical], 2, false), Some(promise));
    assert_eq!(
        ask(&[TrustType::SelfTrust], 1, false),
        Some(("quiet-self-check".into(), SuggestionReason::NewAtYourLevel))
    );
    // The rebuild-only exercise is never offered on the build track.
    for open in 1..=5 {
        assert_ne!(ask(&[TrustType::Informational], open, true).unwrap().0, "own-what-happened");
    }
}

// ---------------------------------------------------------------- the real library
//
// These read `content/` at the repository root. They pass once the writers'
// data files are merged; until then the embedded library is empty and they
// fail on purpose, naming what is missing.

fn embedded() -> Library {
    match Library::embedded() {
        Ok(library) => library,
        Err(errors) => panic!("the embedded library does not validate:\n{errors}"),
    }
}

#[test]
fn embedded_library_validates() {
    let library = embedded();
    let files: Vec<&str> = Library::embedded_files().collect();
    assert!(files.contains(&"content/seed-items.toml"), "files: {files:?}");
    assert!(files.iter().any(|f| f.starts_with("content/exercises/")), "files: {files:?}");
    assert!(files.iter().any(|f| f.starts_with("content/prompts/")), "files: {files:?}");
    assert!(!library.items().is_empty());
}

#[test]
fn embedded_seed_items_match_the_seeds_counts() {
    let library = embedded();
    let expected: BTreeMap<(&str, &str), u32> = [
        (("000", "exercises"), 8),
        (("001", "types"), 6),
        (("001", "qualities"), 4),
        (("001", "behaviours"), 9),
        (("001", "cbt"), 4),
        (("001", "betraying"), 3),
        (("001", "hurt"), 3),
        (("001", "couples"), 4),
        (("002", "methods"), 13),
        (("002", "therapist"), 1),
        (("003", "build"), 10),
        (("003", "past"), 5),
        (("003", "rebuild"), 5),
        (("004", "ways"), 5),
    ]
    .into_iter()
    .collect();
    let mut numbers: BTreeMap<(String, String), Vec<u32>> = BTreeMap::new();
    for item in library.items() {
        numbers.entry((item.seed.to_string(), item.key.group().to_string())).or_default().push(item.key.number());
    }
    let found: BTreeMap<(&str, &str), u32> =
        numbers.iter().map(|((s, g), n)| ((s.as_str(), g.as_str()), n.len() as u32)).collect();
    assert_eq!(found, expected);
    for ((seed, group), mut ns) in numbers {
        ns.sort_unstable();
        let want: Vec<u32> = (1..=ns.len() as u32).collect();
        assert_eq!(ns, want, "{seed}.{group} should be numbered 1..={}", ns.len());
    }
}

#[test]
fn embedded_every_seed_item_is_covered() {
    let library = embedded();
    let uncovered: Vec<String> = library
        .items()
        .iter()
        .filter(|item| library.covering(item.key.as_str()).next().is_none())
        .map(|item| format!("{} ({})", item.key, item.title))
        .collect();
    assert!(uncovered.is_empty(), "seed items with no exercise: {uncovered:#?}");
    assert_eq!(library.items().len(), 80);
}

#[test]
fn embedded_library_is_big_and_varied_enough() {
    let library = embedded();
    let exercises = library.exercises();
    assert!(exercises.len() >= 60, "{} exercises", exercises.len());
    assert!(library.prompts().len() >= 250, "{} prompts", library.prompts().len());
    let tonight = library.prompts().iter().filter(|p| p.tonight).count();
    assert!(tonight >= 60, "{tonight} tonight prompts");
    for mode in Mode::ALL {
        assert!(exercises.iter().any(|e| e.mode == mode), "no {mode} exercise");
    }
    assert!(exercises.iter().filter(|e| e.mode == Mode::Sealed).count() >= 8);
    for track in [Track::Build, Track::Rebuild] {
        assert!(exercises.iter().any(|e| e.track == track), "no {track} exercise");
    }
    for level in Level::ALL {
        assert!(exercises.iter().any(|e| e.level == level), "no exercise at level {level}");
        assert!(library.prompts().iter().any(|p| p.level == level), "no prompt at level {level}");
    }
    for kind in TrustType::ALL {
        let prompts = library.prompts().iter().filter(|p| p.trust.contains(&kind)).count();
        assert!(prompts >= 25, "{prompts} prompts for {kind}");
        assert!(exercises.iter().any(|e| e.serves_trust(kind)), "no exercise for {kind}");
    }
    // After a breach both partners have their own entries, with cautions.
    let rebuild_with_cautions =
        exercises.iter().filter(|e| e.track == Track::Rebuild && !e.cautions.is_empty()).count();
    assert!(rebuild_with_cautions >= 2, "{rebuild_with_cautions} rebuild entries with cautions");
}
