//! The space home page's read model: recent entries (titles only) and the
//! open promises in one round trip, each row still passed through the one
//! visibility rule.

use async_trait::async_trait;
use jiff::Timestamp;
use troth_domain::promises::{effective_status, PromiseState, PromiseStatus};
use troth_domain::{authorize, Action, EntryFacts, Id, Visibility};

use crate::db::{ms, ts, SqlStore};
use crate::{Result, StoreError};

#[derive(Debug, Clone)]
pub struct DigestEntry {
    pub id: Id,
    pub title: String,
    pub mine: bool,
    pub visibility: Visibility,
    pub updated_at: Timestamp,
    /// Sealed and not yet open, the other has written, the viewer has not.
    pub waiting_for_me: bool,
}

#[derive(Debug, Clone)]
pub struct DigestPromise {
    pub id: Id,
    pub text: String,
    pub mine: bool,
    pub status: PromiseStatus,
    pub due_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Default)]
pub struct SpaceDigest {
    pub entries: Vec<DigestEntry>,
    pub promises: Vec<DigestPromise>,
    /// The viewer's first steps in the space (the "start here" card).
    pub first_steps: FirstStepsDone,
    /// The pair's place in the program, for the home's program card.
    pub program: DigestProgram,
}

/// What the home page shows of the program, read with the digest: the
/// open level, the track (absent until the pair first chose one) and the
/// day's "for tonight" prompt if it has been chosen already.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigestProgram {
    pub open_level: i64,
    pub track: Option<String>,
    pub tonight: Option<String>,
}

/// What a member has done so far in a space, for the "start here" card
/// (the partner and the ritual time come with the space itself).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FirstStepsDone {
    pub thanked: bool,
    pub promised: bool,
    pub pulsed: bool,
    pub dismissed: bool,
}

#[async_trait]
pub trait DigestStore: Send + Sync {
    /// What `user` has done yet in `space`, in one query (NotFound for a
    /// non-member).
    async fn first_steps(&self, user: Id, space: Id) -> Result<FirstStepsDone>;
    /// Puts the "start here" card away for `user` in `space`.
    async fn dismiss_first_steps(&self, user: Id, space: Id, now: Timestamp) -> Result<()>;
    /// The newest `entries` entries and up to `promises` unsettled promises.
    async fn space_digest(&self, user: Id, space: Id, ask: DigestAsk) -> Result<SpaceDigest>;
}

/// What a digest reads: how many entries and unsettled promises, what counts
/// as new (`since`), the time now, and the day whose "for tonight" prompt
/// to look up.
#[derive(Debug, Clone, Copy)]
pub struct DigestAsk {
    pub entries: i64,
    pub promises: i64,
    pub since: Timestamp,
    pub now: Timestamp,
    pub tonight_day: i64,
}

/// One row of the digest query: an entry (`k = 'e'`), an open promise
/// (`'p'`) or the viewer's membership (`'m'`), in shared columns.
#[derive(sqlx::FromRow)]
struct DigestRow {
    k: String,
    id: i64,
    text: String,
    who: Option<i64>,
    state: String,
    at: i64,
    due: Option<i64>,
    created: i64,
    mine_parts: i64,
    other_parts: i64,
}

#[derive(sqlx::FromRow)]
struct FirstStepsRow {
    dismissed_at: Option<i64>,
    thanked: i64,
    promised: i64,
    pulsed: i64,
}

#[async_trait]
impl DigestStore for SqlStore {
    async fn first_steps(&self, user: Id, space: Id) -> Result<FirstStepsDone> {
        // Each count stops at the first row: only "at least one" matters.
        let row = sqlx::query_as::<_, FirstStepsRow>(
            "SELECT m.first_steps_dismissed_at AS dismissed_at, \
             (SELECT COUNT(*) FROM (SELECT 1 FROM appreciations a WHERE a.space_id = $1 AND a.author_id = $2 LIMIT 1) t) AS thanked, \
             (SELECT COUNT(*) FROM (SELECT 1 FROM promises p WHERE p.space_id = $1 AND p.promiser_id = $2 LIMIT 1) t) AS promised, \
             (SELECT COUNT(*) FROM (SELECT 1 FROM pulses u WHERE u.user_id = $2 AND u.space_id = $1 LIMIT 1) t) AS pulsed \
             FROM memberships m WHERE m.space_id = $1 AND m.user_id = $2",
        )
        .bind(space.get())
        .bind(user.get())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(FirstStepsDone {
            thanked: row.thanked > 0,
            promised: row.promised > 0,
            pulsed: row.pulsed > 0,
            dismissed: row.dismissed_at.is_some(),
        })
    }

    async fn dismiss_first_steps(&self, user: Id, space: Id, now: Timestamp) -> Result<()> {
        let done = sqlx::query(
            "UPDATE memberships SET first_steps_dismissed_at = $3 \
             WHERE space_id = $1 AND user_id = $2 AND first_steps_dismissed_at IS NULL",
        )
        .bind(space.get())
        .bind(user.get())
        .bind(ms(now))
        .execute(&self.pool)
        .await
        .map_err(StoreError::from);
        self.note_write(&done);
        if done?.rows_affected() == 0 {
            // Already put away, or not a member: tell them apart.
            self.first_steps(user, space).await?;
        }
        Ok(())
    }

    async fn space_digest(&self, user: Id, space: Id, ask: DigestAsk) -> Result<SpaceDigest> {
        let DigestAsk { entries, promises, since, now, tonight_day } = ask;
        // The membership row ('m') carries the first steps (dismissed at in
        // `at`, then whether a thank-you, a promise and a pulse exist in
        // `mine_parts`, `other_parts` and `created`); the program row ('t')
        // the open level in `id`, the track in `state` and today's prompt
        // in `text`. One statement for the whole page: the home page is
        // the most visited page.
        let rows = sqlx::query_as::<_, DigestRow>(
            "SELECT * FROM (SELECT 'e' AS k, e.id, e.title AS text, e.author_id AS who, e.visibility AS state, \
               e.updated_at AS at, CAST(NULL AS BIGINT) AS due, e.created_at AS created, \
               (SELECT COUNT(*) FROM entry_parts p WHERE p.entry_id = e.id AND p.author_id = $2) AS mine_parts, \
               (SELECT COUNT(*) FROM entry_parts p WHERE p.entry_id = e.id AND p.author_id <> $2) AS other_parts \
               FROM entries e WHERE e.space_id = $1 AND (e.visibility <> 'private' OR e.author_id = $2) \
               AND ((e.updated_at >= $5 AND (e.author_id IS NULL OR e.author_id <> $2)) OR (e.visibility = 'sealed' \
                 AND e.created_at >= $6 AND NOT EXISTS (SELECT 1 FROM entry_parts q WHERE q.entry_id = e.id AND q.author_id = $2))) \
               ORDER BY e.created_at DESC LIMIT $3) AS recent \
             UNION ALL SELECT * FROM (SELECT 'p', p.id, p.text, p.promiser_id, p.status, p.updated_at, p.due_at, p.created_at, 0, 0 \
               FROM promises p WHERE p.space_id = $1 AND p.status IN ('open', 'claimed') \
               AND (p.due_at >= $6 OR (p.due_at IS NULL AND p.created_at >= $6)) \
               ORDER BY CASE WHEN p.due_at IS NULL THEN 1 ELSE 0 END, p.due_at LIMIT $4) AS open_promises \
             UNION ALL SELECT 'm', 0, '', CAST(NULL AS BIGINT), '', COALESCE(m.first_steps_dismissed_at, 0), CAST(NULL AS BIGINT), \
               (SELECT COUNT(*) FROM (SELECT 1 FROM pulses u WHERE u.user_id = $2 AND u.space_id = $1 LIMIT 1) t), \
               (SELECT COUNT(*) FROM (SELECT 1 FROM appreciations a WHERE a.space_id = $1 AND a.author_id = $2 LIMIT 1) t), \
               (SELECT COUNT(*) FROM (SELECT 1 FROM promises q WHERE q.space_id = $1 AND q.promiser_id = $2 LIMIT 1) t) \
               FROM memberships m WHERE m.space_id = $1 AND m.user_id = $2 \
             UNION ALL SELECT 't', COALESCE(pp.open_level, 1), COALESCE(l.prompt_id, ''), CAST(NULL AS BIGINT), \
               COALESCE(pp.track, ''), 0, CAST(NULL AS BIGINT), 0, 0, 0 \
               FROM spaces s LEFT JOIN program_pairs pp ON pp.space_id = s.id \
               LEFT JOIN program_prompt_log l ON l.space_id = s.id AND l.day = $7 WHERE s.id = $1",
        )
        .bind(space.get())
        .bind(user.get())
        .bind(entries.clamp(1, 200))
        .bind(promises.clamp(1, 200))
        .bind(ms(since))
        // Older loose ends live on the promises and notes pages; bounding the
        // home page by time keeps its cost independent of the history.
        .bind(ms(now - jiff::SignedDuration::from_hours(24 * 30)))
        .bind(tonight_day)
        .fetch_all(&self.pool)
        .await?;
        let mut digest = SpaceDigest::default();
        let mut member = false;
        for r in rows {
            let who = r.who.map(Id::from_db);
            match r.k.as_str() {
                "m" => {
                    member = true;
                    digest.first_steps = FirstStepsDone {
                        thanked: r.mine_parts > 0,
                        promised: r.other_parts > 0,
                        pulsed: r.created > 0,
                        dismissed: r.at != 0,
                    };
                }
                "t" => {
                    digest.program = DigestProgram {
                        open_level: r.id,
                        track: Some(r.state).filter(|t| !t.is_empty()),
                        tonight: Some(r.text).filter(|t| !t.is_empty()),
                    };
                }
                "e" => {
                    let Ok(visibility) = r.state.parse::<Visibility>() else { continue };
                    let (mine_parts, other_parts) = (r.mine_parts, r.other_parts);
                    let mut parts_by = Vec::new();
                    if mine_parts > 0 {
                        parts_by.push(user);
                    }
                    if other_parts > 0 {
                        // Who exactly does not matter to the rule, only that it is someone else.
                        parts_by.push(Id::from_db(-1));
                    }
                    let facts = EntryFacts { space_id: space, author: who, visibility, parts_by };
                    if authorize(Some(user), true, &facts, Action::Read).is_err() {
                        continue;
                    }
                    digest.entries.push(DigestEntry {
                        id: Id::from_db(r.id),
                        title: r.text,
                        mine: who == Some(user),
                        visibility,
                        updated_at: ts(r.at),
                        waiting_for_me: visibility == Visibility::Sealed && other_parts > 0 && mine_parts == 0,
                    });
                }
                _ => {
                    let Ok(status) = r.state.parse::<PromiseStatus>() else { continue };
                    let due_at = r.due.map(ts);
                    let facts = EntryFacts {
                        space_id: space,
                        author: who,
                        visibility: Visibility::Shared,
                        parts_by: Vec::new(),
                    };
                    if authorize(Some(user), true, &facts, Action::Read).is_err() {
                        continue;
                    }
                    let st = PromiseState {
                        status,
                        due: due_at,
                        created_at: ts(r.created),
                        renegotiations: 0,
                        proposed: None,
                    };
                    digest.promises.push(DigestPromise {
                        id: Id::from_db(r.id),
                        text: r.text,
                        mine: who == Some(user),
                        status: effective_status(&st, now),
                        due_at,
                    });
                }
            }
        }
        if !member {
            return Err(StoreError::NotFound);
        }
        Ok(digest)
    }
}
