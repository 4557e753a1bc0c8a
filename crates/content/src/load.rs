//! Reading and checking data files. Each file may hold any of `[[item]]`,
//! `[[exercise]]` and `[[prompt]]` tables (the writers keep them in separate
//! files, operators may mix them). Every problem is collected, with its file
//! and line; checks that need the whole library (duplicate ids, `covers`
//! keys) run once all files are read.

use std::collections::HashMap;
use std::sync::Arc;

use toml::Spanned;

use crate::error::{ContentError, ErrorKind};
use crate::model::*;
use crate::tree::{as_array, as_bool, as_int, as_str, as_str_list, Fields, FileCtx, Node};

pub(crate) const MAX_TITLE: usize = 80;
pub(crate) const MAX_WHY: usize = 400;
pub(crate) const MAX_STEP_TEXT: usize = 600;
pub(crate) const MAX_STEP_PROMPT: usize = 300;
pub(crate) const MAX_STEP_PROMPTS: usize = 5;
pub(crate) const MAX_PROMPT_TEXT: usize = 240;
pub(crate) const MAX_CAUTION: usize = 300;
/// "For tonight" is five low-stakes minutes: nothing above this level.
pub(crate) const MAX_TONIGHT_LEVEL: u8 = 2;

const TOP_KEYS: &[&str] = &["item", "exercise", "prompt"];
const ITEM_KEYS: &[&str] = &["key", "seed", "section", "title"];
const EXERCISE_KEYS: &[&str] = &[
    "id", "title", "sources", "covers", "why", "trust", "mode", "track", "level", "minutes", "cautions", "tags",
    "steps",
];
const SOURCE_KEYS: &[&str] = &["seed", "section"];
const STEP_KEYS: &[&str] = &["title", "text", "prompts"];
const PROMPT_KEYS: &[&str] = &["id", "text", "trust", "level", "tonight"];

/// Everything read from all files, before the whole-library checks.
#[derive(Default)]
pub(crate) struct Parsed {
    pub items: Vec<SeedItem>,
    /// Each exercise with the line of each of its `covers` keys.
    pub exercises: Vec<(Exercise, Vec<usize>)>,
    pub prompts: Vec<Prompt>,
    pub errors: Vec<ContentError>,
}

pub(crate) fn parse_file(parsed: &mut Parsed, name: &str, text: &str) {
    let root: Node = match toml::from_str(text) {
        Ok(root) => root,
        Err(e) => {
            let mut ctx = FileCtx::new(name, text, &mut parsed.errors);
            let offset = e.span().map_or(0, |s| s.start);
            ctx.error(offset, ErrorKind::Syntax, format!("not valid TOML: {}", e.message().trim()));
            return;
        }
    };
    let file: Arc<str> = name.into();
    let mut items = Vec::new();
    let mut exercises = Vec::new();
    let mut prompts = Vec::new();
    {
        let mut ctx = FileCtx::new(name, text, &mut parsed.errors);
        let Node::Table(top) = &root else { unreachable!("a TOML document is a table") };
        for (key, value) in top {
            let kind = key.get_ref().as_str();
            if !TOP_KEYS.contains(&kind) {
                ctx.error(
                    key.span().start,
                    ErrorKind::UnknownField,
                    format!("unknown table `{kind}` (expected [[item]], [[exercise]] or [[prompt]])"),
                );
                continue;
            }
            let Some(entries) = as_array(&mut ctx, kind, value) else { continue };
            for entry in entries {
                match kind {
                    "item" => items.extend(read_item(&mut ctx, &file, entry)),
                    "exercise" => exercises.extend(read_exercise(&mut ctx, &file, entry)),
                    _ => prompts.extend(read_prompt(&mut ctx, &file, entry)),
                }
            }
        }
    }
    parsed.items.extend(items);
    parsed.exercises.extend(exercises);
    parsed.prompts.extend(prompts);
}

fn origin(ctx: &FileCtx, file: &Arc<str>, offset: usize) -> Origin {
    Origin { file: file.clone(), line: ctx.line(offset) }
}

/// Non-empty text of at most `max` characters.
fn text(ctx: &mut FileCtx, fields: &mut Fields, field: &str, max: usize) -> Option<String> {
    let node = fields.required(ctx, field)?;
    checked_text(ctx, field, node, max)
}

fn checked_text(ctx: &mut FileCtx, field: &str, node: &Spanned<Node>, max: usize) -> Option<String> {
    let s = as_str(ctx, field, node)?;
    check_len(ctx, field, node.span().start, s, max).then(|| s.trim().to_owned())
}

fn check_len(ctx: &mut FileCtx, field: &str, at: usize, s: &str, max: usize) -> bool {
    let chars = s.trim().chars().count();
    if chars == 0 {
        ctx.error(at, ErrorKind::EmptyText, format!("`{field}` is empty"));
        false
    } else if chars > max {
        ctx.error(at, ErrorKind::TooLong, format!("`{field}` is {chars} characters long (at most {max})"));
        false
    } else {
        true
    }
}

fn level(ctx: &mut FileCtx, fields: &mut Fields) -> Option<Level> {
    let node = fields.required(ctx, "level")?;
    let raw = as_int(ctx, "level", node)?;
    match Level::new(raw) {
        Ok(level) => Some(level),
        Err(_) => {
            ctx.error(node.span().start, ErrorKind::BadLevel, format!("level {raw} is out of range (expected 1 to 5)"));
            None
        }
    }
}

/// `min..=max` distinct kinds of trust.
fn trust_kinds(ctx: &mut FileCtx, fields: &mut Fields, min: usize, max: usize) -> Option<Vec<TrustType>> {
    let node = fields.required(ctx, "trust")?;
    let names = as_str_list(ctx, "trust", node)?;
    let mut kinds = Vec::new();
    let mut ok = true;
    for name in &names {
        match name.get_ref().parse::<TrustType>() {
            Ok(kind) if kinds.contains(&kind) => {
                ctx.error(name.span().start, ErrorKind::BadCount, format!("kind of trust {kind:?} is listed twice"));
                ok = false;
            }
            Ok(kind) => kinds.push(kind),
            Err(_) => {
                let expected: Vec<&str> = TrustType::ALL.iter().map(|t| t.as_str()).collect();
                ctx.error(
                    name.span().start,
                    ErrorKind::UnknownTrust,
                    format!("unknown kind of trust {:?} (expected one of: {})", name.get_ref(), expected.join(", ")),
                );
                ok = false;
            }
        }
    }
    if ok && !(min..=max).contains(&kinds.len()) {
        ctx.error(
            node.span().start,
            ErrorKind::BadCount,
            format!("`trust` lists {} kinds (expected {min} to {max})", kinds.len()),
        );
        ok = false;
    }
    ok.then_some(kinds)
}

fn read_item(ctx: &mut FileCtx, file: &Arc<str>, node: &Spanned<Node>) -> Option<SeedItem> {
    let mut f = Fields::of(ctx, "item", node)?;
    let key_node = f.required(ctx, "key");
    let key = key_node.and_then(|n| {
        let s = as_str(ctx, "key", n)?;
        ItemKey::parse(s).map_err(|m| ctx.error(n.span().start, ErrorKind::BadId, m)).ok()
    });
    let seed = f.required(ctx, "seed").and_then(|n| {
        let s = as_str(ctx, "seed", n)?;
        Seed::parse(s).map_err(|m| ctx.error(n.span().start, ErrorKind::BadId, m)).ok()
    });
    let section = text(ctx, &mut f, "section", MAX_TITLE * 2);
    let title = text(ctx, &mut f, "title", MAX_TITLE);
    let at = f.at();
    f.finish(ctx, ITEM_KEYS);
    let (key, seed) = (key?, seed?);
    if key.seed() != seed {
        let at = key_node.map_or(at, |n| n.span().start);
        ctx.error(at, ErrorKind::BadId, format!("key {key} does not start with its seed {seed}"));
        return None;
    }
    Some(SeedItem { key, seed, section: section?, title: title?, origin: origin(ctx, file, at) })
}

fn read_prompt(ctx: &mut FileCtx, file: &Arc<str>, node: &Spanned<Node>) -> Option<Prompt> {
    let mut f = Fields::of(ctx, "prompt", node)?;
    let id = f.required(ctx, "id").and_then(|n| {
        let s = as_str(ctx, "id", n)?;
        PromptId::parse(s).map_err(|m| ctx.error(n.span().start, ErrorKind::BadId, m)).ok()
    });
    let text = text(ctx, &mut f, "text", MAX_PROMPT_TEXT);
    let trust = trust_kinds(ctx, &mut f, 1, 2);
    let level = level(ctx, &mut f);
    let tonight_node = f.optional("tonight");
    let tonight = match tonight_node {
        Some(n) => as_bool(ctx, "tonight", n),
        None => Some(false),
    };
    let at = f.at();
    f.finish(ctx, PROMPT_KEYS);
    let (level, tonight) = (level?, tonight?);
    if tonight && level.get() > MAX_TONIGHT_LEVEL {
        let at = tonight_node.map_or(at, |n| n.span().start);
        ctx.error(
            at,
            ErrorKind::TonightTooDeep,
            format!("a `tonight` prompt must be level 1 or 2, this one is level {level}"),
        );
        return None;
    }
    Some(Prompt { id: id?, text: text?, trust: trust?, level, tonight, origin: origin(ctx, file, at) })
}

fn read_exercise(ctx: &mut FileCtx, file: &Arc<str>, node: &Spanned<Node>) -> Option<(Exercise, Vec<usize>)> {
    let mut f = Fields::of(ctx, "exercise", node)?;
    let at = f.at();
    let id = f.required(ctx, "id").and_then(|n| {
        let s = as_str(ctx, "id", n)?;
        ExerciseId::parse(s).map_err(|m| ctx.error(n.span().start, ErrorKind::BadId, m)).ok()
    });
    let title = text(ctx, &mut f, "title", MAX_TITLE);
    let sources = f.required(ctx, "sources").and_then(|n| read_sources(ctx, n));
    let covers = f.required(ctx, "covers").and_then(|n| read_covers(ctx, n));
    let why = text(ctx, &mut f, "why", MAX_WHY);
    let trust = trust_kinds(ctx, &mut f, 1, 3);
    let mode = f.required(ctx, "mode").and_then(|n| {
        let s = as_str(ctx, "mode", n)?;
        s.parse::<Mode>().map_err(|e| ctx.error(n.span().start, ErrorKind::UnknownMode, e.to_string())).ok()
    });
    let track = f.required(ctx, "track").and_then(|n| {
        let s = as_str(ctx, "track", n)?;
        s.parse::<Track>().map_err(|e| ctx.error(n.span().start, ErrorKind::UnknownTrack, e.to_string())).ok()
    });
    let level = level(ctx, &mut f);
    let minutes = f.required(ctx, "minutes").and_then(|n| {
        let raw = as_int(ctx, "minutes", n)?;
        if (1..=120).contains(&raw) {
            Some(raw as u16)
        } else {
            ctx.error(
                n.span().start,
                ErrorKind::BadMinutes,
                format!("minutes {raw} is out of range (expected 1 to 120)"),
            );
            None
        }
    });
    let cautions = match f.optional("cautions") {
        Some(n) => read_text_list(ctx, "cautions", n, MAX_CAUTION),
        None => Some(Vec::new()),
    };
    let tags = match f.optional("tags") {
        Some(n) => read_tags(ctx, n),
        None => Some(Vec::new()),
    };
    let steps = match f.required(ctx, "steps") {
        Some(n) => read_steps(ctx, n, mode),
        None => None,
    };
    f.finish(ctx, EXERCISE_KEYS);
    let (covers, cover_lines) = covers?;
    let exercise = Exercise {
        id: id?,
        title: title?,
        sources: sources?,
        covers,
        why: why?,
        trust: trust?,
        mode: mode?,
        track: track?,
        level: level?,
        minutes: minutes?,
        cautions: cautions?,
        tags: tags?,
        steps: steps?,
        origin: origin(ctx, file, at),
    };
    Some((exercise, cover_lines))
}

fn read_sources(ctx: &mut FileCtx, node: &Spanned<Node>) -> Option<Vec<SourceRef>> {
    let entries = as_array(ctx, "sources", node)?;
    if entries.is_empty() {
        ctx.error(node.span().start, ErrorKind::BadCount, "`sources` is empty (name at least one seed section)");
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for entry in entries {
        let Some(mut f) = Fields::of(ctx, "source", entry) else {
            ok = false;
            continue;
        };
        let seed = f.required(ctx, "seed").and_then(|n| {
            let s = as_str(ctx, "seed", n)?;
            Seed::parse(s).map_err(|m| ctx.error(n.span().start, ErrorKind::BadId, m)).ok()
        });
        let section = text(ctx, &mut f, "section", MAX_TITLE * 2);
        f.finish(ctx, SOURCE_KEYS);
        match (seed, section) {
            (Some(seed), Some(section)) => out.push(SourceRef { seed, section }),
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

fn read_covers(ctx: &mut FileCtx, node: &Spanned<Node>) -> Option<(Vec<ItemKey>, Vec<usize>)> {
    let keys = as_str_list(ctx, "covers", node)?;
    if keys.is_empty() {
        ctx.error(node.span().start, ErrorKind::BadCount, "`covers` is empty (name at least one seed item key)");
        return None;
    }
    let mut out = Vec::new();
    let mut lines = Vec::new();
    let mut ok = true;
    for key in keys {
        match ItemKey::parse(key.get_ref()) {
            Ok(parsed) => {
                out.push(parsed);
                lines.push(ctx.line(key.span().start));
            }
            Err(m) => {
                ctx.error(key.span().start, ErrorKind::BadId, m);
                ok = false;
            }
        }
    }
    ok.then_some((out, lines))
}

fn read_text_list(ctx: &mut FileCtx, field: &str, node: &Spanned<Node>, max: usize) -> Option<Vec<String>> {
    let items = as_str_list(ctx, field, node)?;
    let mut ok = true;
    let mut out = Vec::new();
    for item in items {
        if check_len(ctx, field, item.span().start, item.get_ref(), max) {
            out.push(item.get_ref().trim().to_owned());
        } else {
            ok = false;
        }
    }
    ok.then_some(out)
}

fn read_tags(ctx: &mut FileCtx, node: &Spanned<Node>) -> Option<Vec<String>> {
    let items = as_str_list(ctx, "tags", node)?;
    let mut ok = true;
    for tag in &items {
        let s = tag.get_ref();
        if s.is_empty() || s.len() > 40 || s.chars().any(|c| c.is_uppercase()) {
            ctx.error(tag.span().start, ErrorKind::BadId, format!("tag {s:?} should be a short lowercase word"));
            ok = false;
        }
    }
    ok.then(|| items.iter().map(|t| t.get_ref().to_string()).collect())
}

fn read_steps(ctx: &mut FileCtx, node: &Spanned<Node>, mode: Option<Mode>) -> Option<Vec<Step>> {
    let entries = as_array(ctx, "steps", node)?;
    if entries.is_empty() {
        ctx.error(node.span().start, ErrorKind::EmptySteps, "exercise has no steps (at least one is needed)");
        return None;
    }
    let mut steps = Vec::new();
    let mut ok = true;
    for entry in entries {
        let Some(mut f) = Fields::of(ctx, "step", entry) else {
            ok = false;
            continue;
        };
        let title = text(ctx, &mut f, "title", MAX_TITLE);
        let text = text(ctx, &mut f, "text", MAX_STEP_TEXT);
        let prompts = match f.optional("prompts") {
            Some(n) => read_text_list(ctx, "prompts", n, MAX_STEP_PROMPT).and_then(|list| {
                if list.len() > MAX_STEP_PROMPTS {
                    ctx.error(
                        n.span().start,
                        ErrorKind::BadCount,
                        format!("a step has {} prompts (at most {MAX_STEP_PROMPTS})", list.len()),
                    );
                    None
                } else {
                    Some(list)
                }
            }),
            None => Some(Vec::new()),
        };
        f.finish(ctx, STEP_KEYS);
        match (title, text, prompts) {
            (Some(title), Some(text), Some(prompts)) => steps.push(Step { title, text, prompts }),
            _ => ok = false,
        }
    }
    if !ok {
        return None;
    }
    let at = node.span().start;
    if steps.iter().all(|s| s.prompts.is_empty()) {
        ctx.error(at, ErrorKind::EmptySteps, "no step asks anything (at least one step needs a prompt)");
        return None;
    }
    if mode == Some(Mode::Sealed) && (steps.len() < 2 || steps[0].prompts.is_empty()) {
        ctx.error(
            at,
            ErrorKind::EmptySteps,
            "a sealed exercise needs private writing in its first step (with a prompt) and a response step after it",
        );
        return None;
    }
    Some(steps)
}

/// Whole-library checks: duplicate keys and ids (naming both places) and
/// `covers` keys that no seed item has.
pub(crate) fn check_library(parsed: &mut Parsed) {
    let mut errors = Vec::new();
    let mut item_at: HashMap<&ItemKey, &Origin> = HashMap::new();
    for item in &parsed.items {
        if let Some(first) = item_at.insert(&item.key, &item.origin) {
            errors.push(duplicate("seed item key", item.key.as_str(), &item.origin, first));
            item_at.insert(&item.key, first);
        }
    }
    let mut exercise_at: HashMap<&ExerciseId, &Origin> = HashMap::new();
    for (exercise, cover_lines) in &parsed.exercises {
        if let Some(first) = exercise_at.insert(&exercise.id, &exercise.origin) {
            errors.push(duplicate("exercise id", exercise.id.as_str(), &exercise.origin, first));
            exercise_at.insert(&exercise.id, first);
        }
        for (key, &line) in exercise.covers.iter().zip(cover_lines) {
            if !item_at.contains_key(key) {
                errors.push(ContentError {
                    file: exercise.origin.file.to_string(),
                    line: Some(line),
                    kind: ErrorKind::UnknownCover,
                    message: format!("`covers` names {key}, which is not in the seed items"),
                });
            }
        }
    }
    let mut prompt_at: HashMap<&PromptId, &Origin> = HashMap::new();
    for prompt in &parsed.prompts {
        if let Some(first) = prompt_at.insert(&prompt.id, &prompt.origin) {
            errors.push(duplicate("prompt id", prompt.id.as_str(), &prompt.origin, first));
            prompt_at.insert(&prompt.id, first);
        }
    }
    parsed.errors.extend(errors);
}

fn duplicate(what: &str, id: &str, here: &Origin, first: &Origin) -> ContentError {
    ContentError {
        file: here.file.to_string(),
        line: Some(here.line),
        kind: ErrorKind::DuplicateId,
        message: format!("duplicate {what} {id:?} (first defined at {first})"),
    }
}
