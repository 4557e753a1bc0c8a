//! The program's use cases, shared by the JSON API and the pages: reading
//! the library, the pair's state with "next for you" and "for tonight",
//! and guided sessions (start, answer a step, finish, share).
//!
//! The member's own pulse feeds "next for you" here and goes no further:
//! what leaves this module is an exercise and a reason made of public facts.

use axum::http::StatusCode;
use jiff::Timestamp;
use serde::Serialize;
use troth_content::{
    next_prompt, suggest_next, tonight_prompt, Exercise, ExerciseId, Level, Library, Mode, PairSeed, Prompt,
    PromptHistory, Query, Suggestion, SuggestionRequest, Track, TrustType,
};
use troth_domain::fields::present;
use troth_domain::program::{AnswerText, LevelProgress, Pace, PairTrack, Reflection, SessionMode, MAX_ANSWER_CHARS};
use troth_domain::{FieldError, Id};
use troth_store::{utc_day, DigestProgram, NewSession, ProgramOverview, ProgramSession, Space, TonightLog};
use utoipa::ToSchema;

use crate::features::notifications::service::tell_partner;
use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;
use troth_domain::notifications::NotificationKind;

/// How many of the member's lowest kinds of trust steer "next for you".
const LOWEST_KINDS: usize = 2;

/// The browse and search form, as typed (every field optional).
#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LibraryFilter {
    /// A kind of trust: emotional, instrumental, informational, self, situational, physical.
    pub trust: Option<String>,
    /// alone, together or sealed.
    pub mode: Option<String>,
    /// build, rebuild or both.
    pub track: Option<String>,
    /// 1 to 5.
    pub level: Option<String>,
    /// At most this many minutes.
    pub minutes: Option<String>,
    /// Words to find in the title, why, tags and steps.
    pub q: Option<String>,
}

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl LibraryFilter {
    /// The checked query; an unknown word is an error naming its field.
    pub fn query(&self) -> Result<Query, FieldError> {
        // Named after the form's field, so the page can put the sentence by it.
        let trust = blank(&self.trust)
            .map(|t| t.parse::<TrustType>().map_err(|e| FieldError::new("trust", e.message)))
            .transpose()?;
        let mode = blank(&self.mode)
            .map(|m| m.parse::<Mode>().map_err(|e| FieldError::new("mode", e.to_string())))
            .transpose()?;
        let track = blank(&self.track)
            .map(|t| t.parse::<Track>().map_err(|e| FieldError::new("track", e.to_string())))
            .transpose()?;
        let level = blank(&self.level).map(str::parse::<Level>).transpose()?;
        let max_minutes = blank(&self.minutes)
            .map(|m| {
                m.parse::<u16>()
                    .ok()
                    .filter(|m| (1..=600).contains(m))
                    .ok_or_else(|| FieldError::new("minutes", "give a number of minutes from 1 to 600"))
            })
            .transpose()?;
        let text = blank(&self.q).map(|q| q.chars().take(200).collect::<String>());
        Ok(Query { trust, mode, track, level, max_minutes, text })
    }
}

/// The exercises matching a filter, in browsing order.
pub fn find<'l>(library: &'l Library, filter: &LibraryFilter) -> Result<Vec<&'l Exercise>, ApiError> {
    Ok(library.find(&filter.query()?))
}

pub fn unknown_exercise() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "unknown_exercise", "there is no exercise with that id in the library")
}

pub fn exercise<'l>(library: &'l Library, id: &str) -> ApiResult<&'l Exercise> {
    library.exercise(id).ok_or_else(unknown_exercise)
}

/// One step of an exercise, for the API.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StepView {
    pub title: String,
    pub text: String,
    pub prompts: Vec<String>,
}

/// Where an exercise comes from in the seeds.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SourceView {
    /// The seed article's number, e.g. "001".
    pub seed: String,
    pub section: String,
}

/// An exercise as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExerciseView {
    pub id: String,
    pub title: String,
    pub why: String,
    pub trust: Vec<TrustType>,
    /// alone, together or sealed.
    pub mode: String,
    /// build, rebuild or both.
    pub track: String,
    #[schema(value_type = u8)]
    pub level: Level,
    pub minutes: u16,
    pub sources: Vec<SourceView>,
    pub cautions: Vec<String>,
    pub tags: Vec<String>,
    /// Present on the single-exercise view only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<StepView>>,
}

pub fn seed_name(seed: troth_content::Seed) -> String {
    format!("{:03}", seed.number())
}

impl ExerciseView {
    pub fn of(e: &Exercise, with_steps: bool) -> ExerciseView {
        ExerciseView {
            id: e.id.as_str().to_owned(),
            title: e.title.clone(),
            why: e.why.clone(),
            trust: e.trust.clone(),
            mode: e.mode.as_str().to_owned(),
            track: e.track.as_str().to_owned(),
            level: e.level,
            minutes: e.minutes,
            sources: e
                .sources
                .iter()
                .map(|s| SourceView { seed: seed_name(s.seed), section: s.section.clone() })
                .collect(),
            cautions: e.cautions.clone(),
            tags: e.tags.clone(),
            steps: with_steps.then(|| {
                e.steps
                    .iter()
                    .map(|s| StepView { title: s.title.clone(), text: s.text.clone(), prompts: s.prompts.clone() })
                    .collect()
            }),
        }
    }
}

/// The pair's program as one member sees it.
pub struct ProgramView<'l> {
    pub track: PairTrack,
    pub my_pace: Pace,
    pub pair_pace: Pace,
    pub open_level: Level,
    /// What is still needed for the next level (`None`: the last is open,
    /// or the pair has paused).
    pub remaining: Option<LevelProgress>,
    pub next: Option<Suggestion<'l>>,
    pub tonight: Option<&'l Prompt>,
}

fn content_track(track: PairTrack) -> Track {
    match track {
        PairTrack::Build => Track::Build,
        PairTrack::Rebuild => Track::Rebuild,
    }
}

/// The member's own lowest kinds of trust from their newest pulse, lowest
/// first; ties keep the pulse's order. Only ever used inside this module.
fn lowest_kinds(ratings: Option<[u8; 6]>) -> Vec<TrustType> {
    let Some(ratings) = ratings else { return Vec::new() };
    let mut kinds: Vec<(u8, usize)> = ratings.iter().copied().zip(0..).collect();
    kinds.sort();
    kinds.into_iter().take(LOWEST_KINDS).map(|(_, i)| TrustType::ALL[i]).collect()
}

fn partner_present(space: &Space, me: Id) -> bool {
    space.partner_of(me).is_some()
}

/// Days since 1970-01-01 in UTC: one "tonight" for both, wherever they are.
pub fn day_number(now: Timestamp) -> i64 {
    now.as_second().div_euclid(86_400)
}

/// "Next for you": one exercise on the pair's track at or below the open
/// level, leaning to the member's own lowest kinds of trust.
fn next_for<'l>(library: &'l Library, overview: &ProgramOverview, partner: bool) -> Option<Suggestion<'l>> {
    let done = overview.done.iter().filter_map(|(id, n)| ExerciseId::parse(id).ok().map(|id| (id, *n))).collect();
    let lowest = lowest_kinds(overview.my_ratings);
    suggest_next(
        library,
        &SuggestionRequest {
            track: content_track(overview.track),
            open_level: overview.state.open_level,
            done: &done,
            lowest_trust: &lowest,
            partner_present: partner,
        },
    )
}

/// "For tonight": the pair's prompt for today, recorded the first time
/// either of them is shown it, so it never comes round again before the
/// rest of the bank has.
async fn tonight_for<'l>(
    state: &'l AppState,
    me: Id,
    space: Id,
    overview: &ProgramOverview,
    now: Timestamp,
) -> ApiResult<Option<&'l Prompt>> {
    let library = state.library.as_ref();
    let day = day_number(now);
    let log: Vec<(i64, troth_content::PromptId)> = overview
        .tonight_log
        .iter()
        .filter_map(|(d, id)| troth_content::PromptId::parse(id).ok().map(|id| (*d, id)))
        .collect();
    let logged_today = log.iter().any(|(d, _)| *d == day);
    let seed = PairSeed::new(space.to_string());
    let pick =
        tonight_prompt(library.prompts(), log.iter().map(|(d, id)| (*d, id)), overview.state.open_level, seed, day);
    let Some(pick) = pick else { return Ok(None) };
    if logged_today {
        return Ok(Some(pick));
    }
    // Both asking at once: the first write wins and both show that one.
    let kept = state.store.record_tonight(me, space, day, pick.id.as_str()).await?;
    Ok(library.prompt(&kept).or(Some(pick)))
}

/// How many times "Another question" can step on (the bank's size is far
/// beyond what anyone clicks through; this bounds the work per request).
const MAX_SKIP: u64 = 50;

/// A question from the prompt bank for a sealed exchange: at or below the
/// pair's open level, and never one the pair has already had (in an
/// exchange, `used`, or as "for tonight") while one they have not had is
/// left. The same history gives the same question, so a page reload does
/// not shuffle it; `skip` steps to the next one when they want another.
pub async fn question_for_exchange<'l>(
    state: &'l AppState,
    me: Id,
    space: Id,
    used: &[&str],
    skip: u64,
) -> ApiResult<Option<&'l Prompt>> {
    let overview = state.store.program_overview(me, space, TonightLog::Whole).await?;
    let mut history: PromptHistory =
        used.iter().copied().chain(overview.tonight_log.iter().map(|(_, id)| id.as_str())).collect();
    let turn = (used.len() + overview.tonight_log.len()) as u64;
    // "Another question" must be another one: the questions offered before
    // this one count as given, so each step lands on a fresh one (while the
    // bank has any), and the same `skip` gives the same question again.
    let mut pick = None;
    for _ in 0..=skip.min(MAX_SKIP) {
        pick = next_prompt(
            state.library.prompts(),
            &history,
            overview.state.open_level,
            None,
            PairSeed::new(space.to_string()),
            turn,
        );
        match pick {
            Some(p) => history.record(p.id.clone()),
            None => break,
        }
    }
    Ok(pick)
}

/// The program page's and API's view: state, next and tonight.
pub async fn program<'l>(state: &'l AppState, me: Id, space: &Space) -> ApiResult<ProgramView<'l>> {
    let now = Timestamp::now();
    let overview = overview_for_tonight(state, me, space.id, now).await?;
    let practice = state.store.program_practice(me, space.id).await?;
    let library = state.library.as_ref();
    let next = next_for(library, &overview, partner_present(space, me));
    let tonight = tonight_for(state, me, space.id, &overview, now).await?;
    Ok(ProgramView {
        track: overview.track,
        my_pace: overview.my_pace,
        pair_pace: overview.pair_pace,
        open_level: overview.state.open_level,
        remaining: overview.state.remaining(&practice, overview.pair_pace),
        next,
        tonight,
    })
}

/// The program's card on the space's home page: tonight's question and
/// where the pair stands. "Next for you" (which reads the member's pulse
/// and history) lives on the program page, one tap away, so the home page
/// costs no statement of the program's own on most views.
pub struct HomeCard<'l> {
    pub tonight: Option<&'l Prompt>,
    pub open_level: Level,
    pub track: PairTrack,
}

/// From what the home digest read: today's prompt if already chosen (every
/// view but the day's first); otherwise it is chosen and recorded here.
pub async fn home_card<'l>(
    state: &'l AppState,
    me: Id,
    space: &Space,
    read: &DigestProgram,
    now: Timestamp,
) -> ApiResult<HomeCard<'l>> {
    let open_level = Level::new(read.open_level).unwrap_or_default();
    let track = read.track.as_deref().and_then(|t| t.parse().ok()).unwrap_or_default();
    let chosen = read.tonight.as_deref().and_then(|id| state.library.prompt(id));
    let tonight = match chosen {
        Some(prompt) => Some(prompt),
        None => {
            let overview = state.store.program_overview(me, space.id, TonightLog::Whole).await?;
            tonight_for(state, me, space.id, &overview, now).await?
        }
    };
    Ok(HomeCard { tonight, open_level, track })
}

/// The overview with as much of the tonight log as `tonight_for` needs:
/// only today's entry once the day's prompt is chosen (every view but the
/// day's first), the whole log to choose it. Reading the whole log on every
/// view would cost a row per day the pair has used troth.
async fn overview_for_tonight(state: &AppState, me: Id, space: Id, now: Timestamp) -> ApiResult<ProgramOverview> {
    let today = day_number(now);
    let overview = state.store.program_overview(me, space, TonightLog::Today(today)).await?;
    if overview.tonight_log.iter().any(|(day, _)| *day == today) {
        return Ok(overview);
    }
    Ok(state.store.program_overview(me, space, TonightLog::Whole).await?)
}

pub async fn set_track(state: &AppState, me: Id, space: Id, raw: &str) -> ApiResult<()> {
    let track: PairTrack = raw.parse()?;
    Ok(state.store.set_program_track(me, space, track, Timestamp::now()).await?)
}

pub async fn set_pace(state: &AppState, me: Id, space: Id, raw: &str) -> ApiResult<()> {
    let pace: Pace = raw.parse().map_err(|_| FieldError::new("pace", "choose steady, gentle or paused"))?;
    Ok(state.store.set_program_pace(me, space, pace, Timestamp::now()).await?)
}

/// Starts a guided session of an exercise. Sealed exercises are done as
/// sealed exchanges (their own feature), not here; a together exercise
/// needs the partner in the space; only open levels can be started.
pub async fn start(state: &AppState, me: Id, space: &Space, exercise_id: &str) -> ApiResult<ProgramSession> {
    let library = state.library.as_ref();
    let exercise = exercise(library, exercise_id.trim())?;
    let mode = match exercise.mode {
        Mode::Alone => SessionMode::Alone,
        Mode::Together => SessionMode::Together,
        Mode::Sealed => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "sealed_exercise",
                "this exercise is done as a sealed exchange: each of you writes, and both parts open together",
            ))
        }
    };
    if mode == SessionMode::Together && !partner_present(space, me) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "partner_needed",
            "this one is done together; until your partner joins, try one you can do on your own",
        ));
    }
    let overview = state.store.program_overview(me, space.id, TonightLog::Today(day_number(Timestamp::now()))).await?;
    if exercise.level > overview.state.open_level {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "level_not_open",
            format!(
                "level {} opens after some practice at level {}; there is no hurry",
                exercise.level, overview.state.open_level
            ),
        ));
    }
    let new = NewSession { exercise_id: exercise.id.as_str(), level: exercise.level, mode };
    let session = state.store.start_session(me, space.id, new, Timestamp::now()).await?;
    // Only a together session is news for the partner; one begun alone
    // stays unknown to them, even that it exists.
    if mode == SessionMode::Together {
        tell_partner(
            state,
            space,
            me,
            NotificationKind::Program,
            &format!("{} started an exercise for you both: {}", member_name(space, me), exercise.title),
            &format!("/spaces/{}/program/sessions/{}", space.id, session.id),
        )
        .await;
    }
    Ok(session)
}

fn member_name(space: &Space, me: Id) -> &str {
    space.members.iter().find(|m| m.user_id == me).map_or("Your partner", |m| m.display_name.as_str())
}

/// A session with its exercise from the library (an exercise an operator
/// removed since is simply missing: 404 like any unknown id).
pub async fn session(state: &AppState, me: Id, space: Id, session: Id) -> ApiResult<(ProgramSession, &Exercise)> {
    let s = state.store.program_session(me, space, session).await?;
    let e = exercise(state.library.as_ref(), &s.exercise_id)?;
    Ok((s, e))
}

pub fn no_such_step(steps: usize) -> ApiError {
    ApiError {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code: "no_such_step",
        message: format!("this exercise has steps 1 to {steps}"),
        field: Some("step"),
        retry_after: None,
    }
}

/// Saves the member's answers to one step (`step` from 0), all or nothing:
/// each answer given is checked, at least one must be written, and there
/// are no more answers than the step has questions (one when it has none).
pub async fn answer_step(
    state: &AppState,
    me: Id,
    space: Id,
    session_id: Id,
    step: usize,
    answers: &[String],
) -> ApiResult<ProgramSession> {
    let (_, exercise) = session(state, me, space, session_id).await?;
    let Some(the_step) = exercise.steps.get(step) else { return Err(no_such_step(exercise.steps.len())) };
    let slots = the_step.prompts.len().max(1);
    if answers.len() > slots {
        return Err(FieldError::new("answers", format!("this step has {slots} question(s)")).into());
    }
    let mut checked = Vec::new();
    for (i, raw) in answers.iter().enumerate() {
        let Some(raw) = present("answers", Some(raw), MAX_ANSWER_CHARS)? else { continue };
        checked.push((i as u32, AnswerText::parse("answers", raw)?.as_str().to_owned()));
    }
    if checked.is_empty() {
        return Err(FieldError::new("answers", "write a few words for at least one question").into());
    }
    Ok(state.store.save_step_answers(me, space, session_id, step as u32, &checked, Timestamp::now()).await?)
}

pub async fn finish(
    state: &AppState,
    me: Id,
    space: Id,
    session_id: Id,
    learned: &str,
    felt: &str,
    rating: Option<i64>,
) -> ApiResult<ProgramSession> {
    let reflection = Reflection::parse(learned, felt, rating)?;
    // The exercise must still be in the library (as for reading).
    session(state, me, space, session_id).await?;
    Ok(state.store.finish_session(me, space, session_id, &reflection, Timestamp::now()).await?)
}

pub async fn share(state: &AppState, me: Id, space: &Space, session_id: Id) -> ApiResult<ProgramSession> {
    let session = state.store.share_session(me, space.id, session_id).await?;
    let title = state.library.exercise(&session.exercise_id).map_or("an exercise", |e| e.title.as_str());
    tell_partner(
        state,
        space,
        me,
        NotificationKind::Program,
        &format!("{} shared what they wrote in {title}", member_name(space, me)),
        &format!("/spaces/{}/program/sessions/{}", space.id, session.id),
    )
    .await;
    Ok(session)
}

/// The most sessions one choice can share (the form lists at most the
/// history's 200).
pub const MAX_SHARE: usize = 200;

/// Shares the chosen alone-mode sessions at once, all or none, with one
/// word to the partner rather than one per exercise.
pub async fn share_chosen(state: &AppState, me: Id, space: &Space, chosen: &[Id]) -> ApiResult<Vec<ProgramSession>> {
    if chosen.is_empty() {
        return Err(FieldError::new("sessions", "tick at least one exercise to share").into());
    }
    if chosen.len() > MAX_SHARE {
        return Err(FieldError::new("sessions", "choose at most 200 at a time").into());
    }
    let mut unique = chosen.to_vec();
    unique.sort_unstable_by_key(|id| id.get());
    unique.dedup();
    let shared = state.store.share_sessions(me, space.id, &unique).await?;
    let what = match shared.len() {
        1 => "one exercise".to_string(),
        n => format!("{n} exercises"),
    };
    tell_partner(
        state,
        space,
        me,
        NotificationKind::Program,
        &format!("{} shared what they wrote in {what} they did on their own", member_name(space, me)),
        &format!("/spaces/{}/program", space.id),
    )
    .await;
    Ok(shared)
}

/// The member's own alone-mode sessions the partner cannot see yet, when
/// there is a partner to show them to.
pub fn unshared_alone<'s>(history: &'s [ProgramSession], space: &Space, me: Id) -> Vec<&'s ProgramSession> {
    if !partner_present(space, me) {
        return Vec::new();
    }
    history.iter().filter(|s| s.mine && s.mode == SessionMode::Alone && !s.shared).collect()
}

pub async fn history(state: &AppState, me: Id, space: Id) -> ApiResult<Vec<ProgramSession>> {
    Ok(state.store.program_sessions(me, space, 200).await?)
}

/// The practice day of a time (UTC), for showing the history.
pub fn practice_day(at: Timestamp) -> String {
    // Written as people say it ("22 Oct 2026"), like every other date on the pages.
    utc_day(at).strftime("%-d %b %Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowest_kinds_are_the_two_lowest_ratings() {
        assert!(lowest_kinds(None).is_empty());
        assert_eq!(lowest_kinds(Some([7, 2, 9, 1, 5, 5])), vec![TrustType::SelfTrust, TrustType::Instrumental]);
    }

    #[test]
    fn filters_reject_unknown_words_by_field() {
        let bad = LibraryFilter { trust: Some("cosmic".into()), ..Default::default() };
        assert_eq!(bad.query().unwrap_err().field, "trust");
        let bad = LibraryFilter { minutes: Some("0".into()), ..Default::default() };
        assert_eq!(bad.query().unwrap_err().field, "minutes");
        let ok = LibraryFilter { level: Some("2".into()), mode: Some("alone".into()), ..Default::default() };
        let q = ok.query().unwrap();
        assert_eq!((q.level.map(Level::get), q.mode), (Some(2), Some(Mode::Alone)));
    }
}
