//! The program in the demo: a handful of exercises done at levels 1 and 2
//! (one of them alone and shared afterwards), a sealed exchange opened and
//! answered by both, and one that waits for Bo's part. Exercise ids come
//! from the embedded library; `every_planned_exercise_exists` fails if one
//! is renamed. All text is our own.

use troth_domain::exchanges::{ContentRef, ExchangePrompt, Listening, PartText};
use troth_domain::program::{Level, PairTrack, Reflection, SessionMode};
use troth_store::{ExchangeStore, NewExchange, NewSession, ProgramStore, SqlStore};

use super::plan::{Clock, Who};
use super::{field_err, store_err, Couple};

/// One finished exercise: who answered what, and how it felt.
struct Done {
    exercise: &'static str,
    level: u8,
    /// `Some(who)`: done alone by `who` (and shared); `None`: together.
    alone: Option<Who>,
    days_ago: i64,
    /// (who, step, prompt within the step, answer)
    answers: &'static [(Who, u32, u32, &'static str)],
    /// Written by whoever finishes: what was learned, how it felt, 0–10.
    reflection: (Who, &'static str, &'static str, u8),
}

const DONE: &[Done] = &[
    Done {
        exercise: "choose-our-pace",
        level: 1,
        alone: None,
        days_ago: 150,
        answers: &[
            (Who::Ana, 0, 0, "Once a week feels right, on Sunday after the ritual."),
            (Who::Ana, 0, 1, "Two heavy ones in a row. I need light ones in between."),
            (Who::Bo, 0, 0, "Every other week to start. I would rather keep it than drop it."),
            (Who::Bo, 0, 1, "If it starts to feel like homework."),
            (Who::Ana, 1, 0, "We both look forward to Sundays instead of bracing for them."),
            (Who::Bo, 1, 0, "Fewer evenings where we go to bed without talking."),
        ],
        reflection: (Who::Ana, "We want the same thing at a slightly different speed.", "Relieved, a bit shy.", 7),
    },
    Done {
        exercise: "what-we-count-on",
        level: 1,
        alone: None,
        days_ago: 136,
        answers: &[
            (Who::Ana, 0, 0, "Cooking on weekdays, calling my mum when I can't face it, fixing anything with a screw."),
            (Who::Bo, 0, 0, "Remembering birthdays, calm when I panic, money paperwork."),
            (Who::Ana, 1, 0, "Saying when I'll be late before I am late."),
            (Who::Ana, 1, 1, "A message as soon as I know the meeting runs over."),
            (Who::Bo, 1, 0, "Finishing the small jobs I start in the flat."),
            (Who::Bo, 1, 1, "The bathroom shelf, by Saturday."),
        ],
        reflection: (Who::Bo, "We lean on each other more than we say out loud.", "Warm.", 8),
    },
    Done {
        exercise: "promise-check",
        level: 1,
        alone: Some(Who::Bo),
        days_ago: 120,
        answers: &[
            (Who::Bo, 0, 0, "The shelf, picking Ana up on Thursday, booking the train for her sister's visit."),
            (Who::Bo, 0, 1, "Thursday: the late shift might move."),
            (Who::Bo, 1, 0, "Tell her tonight that Thursday is shaky, and ask if a taxi would do."),
        ],
        reflection: (Who::Bo, "I say yes before I check my week.", "A bit caught out, then lighter.", 6),
    },
    Done {
        exercise: "listening-with-your-whole-body",
        level: 1,
        alone: None,
        days_ago: 98,
        answers: &[
            (Who::Ana, 2, 0, "You put your phone face down and kept looking at me."),
            (Who::Ana, 2, 1, "A sigh near the end, though you said it was tiredness."),
            (Who::Bo, 2, 0, "You nodded and waited when I stopped, instead of filling the gap."),
            (Who::Bo, 2, 1, "Nothing this time."),
        ],
        reflection: (Who::Ana, "Being listened to is something you can see.", "Calm.", 8),
    },
    Done {
        exercise: "own-a-small-slip",
        level: 2,
        alone: None,
        days_ago: 40,
        answers: &[
            (Who::Bo, 0, 0, "I forgot the dinner with your friends and made other plans."),
            (Who::Bo, 1, 0, "Like your plans come second to mine."),
            (Who::Bo, 1, 1, "Put shared plans in the calendar the moment we make them."),
            (Who::Ana, 2, 0, "That you didn't explain it away. You just said it."),
        ],
        reflection: (
            Who::Bo,
            "Owning it plainly ends the argument sooner than defending it.",
            "Uncomfortable, then close.",
            7,
        ),
    },
];

/// The revealed exchange: a question from the bank, both parts, both
/// listening answers, and Ana marked it as one to remember.
const REVEALED_QUESTION: &str = "What is a small thing I do that makes you feel looked after?";
const REVEALED_ANA: &str = "When you warm my side of the bed with the hot-water bottle before I come up. You never mention it; I notice every time.";
const REVEALED_BO: &str =
    "The note in my lunch box on days you know will be hard for me. I keep them in my desk drawer.";

/// The exchange that waits: Ana has written, Bo has not yet.
const WAITING_QUESTION: &str = "What is something you would like us to do more of this winter?";
const WAITING_ANA: &str = "Long walks on Sunday mornings, before the day gets busy, with no plan for where we end up.";

/// Writes the program part of the demo; returns (exercises done, exchanges).
pub(super) async fn write_program(store: &SqlStore, couple: &Couple, clock: &Clock) -> Result<(usize, usize), String> {
    let space = couple.space;
    store
        .set_program_track(couple.id(Who::Ana), space, PairTrack::Build, clock.at(152, 20, 0))
        .await
        .map_err(store_err)?;
    for done in DONE {
        let at = clock.at(done.days_ago, 20, 30);
        let level = Level::new(i64::from(done.level)).map_err(field_err)?;
        let (starter, mode) = match done.alone {
            Some(who) => (who, SessionMode::Alone),
            None => (Who::Ana, SessionMode::Together),
        };
        let new = NewSession { exercise_id: done.exercise, level, mode };
        let session = store.start_session(couple.id(starter), space, new, at).await.map_err(store_err)?;
        for who in [Who::Ana, Who::Bo] {
            let mut steps: Vec<u32> = done.answers.iter().filter(|a| a.0 == who).map(|a| a.1).collect();
            steps.dedup();
            for step in steps {
                let answers: Vec<(u32, String)> =
                    done.answers.iter().filter(|a| a.0 == who && a.1 == step).map(|a| (a.2, a.3.to_string())).collect();
                let when = at + jiff::SignedDuration::from_mins(i64::from(step) * 4 + 2);
                store
                    .save_step_answers(couple.id(who), space, session.id, step, &answers, when)
                    .await
                    .map_err(store_err)?;
            }
        }
        let (by, learned, felt, rating) = done.reflection;
        let reflection = Reflection::parse(learned, felt, Some(i64::from(rating))).map_err(field_err)?;
        let end = at + jiff::SignedDuration::from_mins(25);
        store.finish_session(couple.id(by), space, session.id, &reflection, end).await.map_err(store_err)?;
        if let Some(who) = done.alone {
            store.share_session(couple.id(who), space, session.id).await.map_err(store_err)?;
        }
    }

    let revealed = new_exchange(REVEALED_QUESTION, Some(REVEALED_ANA))?;
    let exchange = store.create_exchange(couple.id(Who::Ana), space, revealed).await.map_err(store_err)?;
    let bo_part = PartText::parse(REVEALED_BO).map_err(field_err)?;
    store.write_exchange_part(couple.id(Who::Bo), space, exchange.id, &bo_part).await.map_err(store_err)?;
    let heard = Listening::parse(
        Some("The lunch-box notes matter more than I knew."),
        Some("You feel looked after by small, quiet things."),
    )
    .map_err(field_err)?;
    store.respond_to_exchange(couple.id(Who::Ana), space, exchange.id, &heard).await.map_err(store_err)?;
    let heard = Listening::parse(
        Some("You notice the hot-water bottle every time."),
        Some("Being thought of before you ask feels like care to you."),
    )
    .map_err(field_err)?;
    store.respond_to_exchange(couple.id(Who::Bo), space, exchange.id, &heard).await.map_err(store_err)?;
    store.remember_exchange(couple.id(Who::Ana), space, exchange.id, true).await.map_err(store_err)?;

    let waiting = new_exchange(WAITING_QUESTION, Some(WAITING_ANA))?;
    store.create_exchange(couple.id(Who::Ana), space, waiting).await.map_err(store_err)?;
    Ok((DONE.len(), 2))
}

fn new_exchange(question: &str, part: Option<&str>) -> Result<NewExchange, String> {
    Ok(NewExchange {
        prompt: ExchangePrompt::parse(question).map_err(field_err)?,
        prompt_id: ContentRef::parse_optional("prompt_id", None).map_err(field_err)?,
        exercise_id: None,
        part: part.map(PartText::parse).transpose().map_err(field_err)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_planned_exercise_exists_with_its_level_and_mode() {
        let library = troth_content::Library::embedded().expect("the embedded library loads");
        for done in DONE {
            let exercise =
                library.exercise(done.exercise).unwrap_or_else(|| panic!("{} is in the library", done.exercise));
            assert_eq!(exercise.level.get(), done.level, "{}", done.exercise);
            let alone = exercise.mode == troth_content::Mode::Alone;
            assert_eq!(alone, done.alone.is_some(), "{}", done.exercise);
            for (_, step, prompt, _) in done.answers {
                let step =
                    exercise.steps.get(*step as usize).unwrap_or_else(|| panic!("{} has step {step}", done.exercise));
                assert!((*prompt as usize) < step.prompts.len(), "{}: step has prompt {prompt}", done.exercise);
            }
        }
    }
}
