//! What happens to a member's data when they export it, leave a space or
//! delete their account: one hook per feature, each naming the tables it
//! answers for.
//!
//! [`HOOKS`] is the list. [`leave_space`], [`delete_user`] and
//! [`export_user`] run through it, so a feature's rule lives next to its
//! table names and nowhere else. A test reads the live schema and fails
//! when a table that holds a person's or a space's rows is named by no hook
//! ([`covered_tables`]): a new private feature cannot be forgotten here and
//! survive its author leaving, or be missing from their export.
//!
//! Deleting an account leaves every space first (each feature's leave
//! hook), then deletes the `users` row; the database cascades what hung off
//! it and unlinks authorship of what stays with the partner. The hooks
//! below say which is which, table by table.

use jiff::Timestamp;
use serde::Serialize;
use sqlx::AnyConnection;
use troth_domain::Id;
use utoipa::ToSchema;

use crate::db::SqlStore;
use crate::{
    accounts, exchanges, goals, journal, notes, notifications, program, pulse, reflection, ritual, spaces, timeline,
    AppreciationFilter, EntryView, PromiseFilter, PromiseStore, PulseStore, Result, RitualStore, Space, Store, User,
};

/// Everything one person may take with them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Export {
    pub format: String,
    #[schema(value_type = String, format = DateTime)]
    pub exported_at: Timestamp,
    pub user: User,
    pub spaces: Vec<ExportedSpace>,
    /// Their private reflections on their own trustworthiness: the
    /// person's, not a space's, so here and in no one else's export.
    pub reflections: Vec<crate::Reflection>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportedSpace {
    pub space: Space,
    pub entries: Vec<EntryView>,
    pub promises: Vec<crate::Promise>,
    pub appreciations: Vec<crate::Appreciation>,
    /// The person's own pulses only (shared or not).
    pub pulses: Vec<crate::Pulse>,
    pub rituals: Vec<crate::Ritual>,
    /// Exchanges as the person sees them: their own parts, the other's only once revealed.
    pub exchanges: Vec<crate::Exchange>,
    /// The guided sessions they may read (their own alone-mode ones, those
    /// shared with them, and those done together), with answers and reflections.
    pub program_sessions: Vec<crate::ProgramSession>,
    /// The shared goals (with milestones) and new experiences of the space.
    pub goals: Vec<crate::Goal>,
    pub experiences: Vec<crate::Experience>,
    /// The shared memory journal: every entry with its earlier versions,
    /// comments and photo descriptions.
    pub journal: Vec<crate::JournalEntry>,
    /// The journal's photos with their bytes (base64).
    pub journal_photos: Vec<crate::ExportedPhoto>,
    /// The trust timeline, oldest moment first.
    pub timeline: Vec<crate::TimelineMoment>,
}

/// The features that keep rows about people or spaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    Accounts,
    Spaces,
    Notes,
    Exchanges,
    Promises,
    Appreciations,
    Pulse,
    Ritual,
    Insights,
    Notifications,
    Program,
    Goals,
    Reflection,
    Journal,
    Timeline,
}

/// One feature's answer to the three moments, in words for the reader and
/// as the tables it answers for (the code runs in [`leave_space`],
/// [`delete_user`] and [`export_user`], dispatched on `feature`).
#[derive(Debug)]
pub struct Hook {
    pub feature: Feature,
    pub tables: &'static [&'static str],
    /// What the member takes with them in their export.
    pub exported: &'static str,
    /// What of theirs is deleted when they leave a space.
    pub on_leave: &'static str,
    /// What is deleted when they delete their account.
    pub on_delete: &'static str,
    /// What stays with the partner.
    pub stays: &'static str,
}

/// In the order the leave hooks run: `Spaces` last, because it may delete
/// the space (and with it everything left in it).
pub const HOOKS: &[Hook] = &[
    Hook {
        feature: Feature::Accounts,
        tables: &["users", "sessions", "access_tokens", "login_throttle", "email_links"],
        exported: "their profile (name, email, time zone, when they joined)",
        on_leave: "nothing: an account is not in a space",
        on_delete: "the user row, and by cascade every session and access token; every link emailed to their \
                    address; login throttle rows (keyed by email address or network address, not by user) are \
                    left to lapse as before",
        stays: "nothing",
    },
    Hook {
        feature: Feature::Notes,
        tables: &["entries", "entry_parts"],
        exported: "every note they can read in each space, with sealed parts as they may see them",
        on_leave: "their private notes; their sealed parts not yet revealed, and sealed notes left with no part",
        on_delete: "as on leaving; their revealed sealed parts go with the user row (cascade)",
        stays: "shared notes (author unlinked on deletion)",
    },
    Hook {
        feature: Feature::Exchanges,
        tables: &["exchanges", "exchange_parts", "exchange_responses", "exchange_marks"],
        exported: "every exchange in each space: their own parts and responses, the partner's part only once both \
                   are revealed (never an unrevealed one)",
        on_leave: "their parts not yet revealed (the exchange's count follows) and their private marks",
        on_delete: "as on leaving; their marks (cascade); author and creator unlinked from what was revealed",
        stays: "the exchanges, revealed parts and listening responses, with the partner",
    },
    Hook {
        feature: Feature::Promises,
        tables: &["promises", "promise_events", "reliability_tallies"],
        exported: "every promise in each space, with its history",
        on_leave: "nothing: promises were made to the partner",
        on_delete: "their reliability tallies (cascade); promiser and actor unlinked",
        stays: "the promises and their history",
    },
    Hook {
        feature: Feature::Appreciations,
        tables: &["appreciations", "appreciation_favourites"],
        exported: "every appreciation in each space",
        on_leave: "nothing: appreciations were given to the partner",
        on_delete: "their favourite marks (cascade); author unlinked",
        stays: "the appreciations",
    },
    Hook {
        feature: Feature::Pulse,
        tables: &["pulses"],
        exported: "their own pulses",
        on_leave: "the pulses they kept to themselves",
        on_delete: "all their pulses (cascade)",
        stays: "pulses they shared, until they delete their account",
    },
    Hook {
        feature: Feature::Ritual,
        tables: &["ritual_slots", "rituals", "ritual_answers", "ritual_drafts"],
        exported: "every weekly ritual in each space, with the answers they may read and their own unsaved drafts",
        on_leave: "their unsaved drafts and skip marks (the rituals were held together: answers stay)",
        on_delete: "their answers and drafts (cascade); who started a ritual or set its slot unlinked",
        stays: "the rituals, the slot and the partner's answers",
    },
    Hook {
        feature: Feature::Program,
        tables: &[
            "program_pairs",
            "program_paces",
            "program_sessions",
            "program_answers",
            "program_reflections",
            "program_prompt_log",
        ],
        exported: "every guided session they may read (their own alone ones, shared ones, those done together), \
                   with answers and reflections",
        on_leave: "their alone-mode sessions they never shared (with answers and reflections), and their pace",
        on_delete: "as on leaving; their answers, reflections and pace (cascade); who started a session unlinked",
        stays: "sessions done together or shared, the pair's track, level and tonight log",
    },
    Hook {
        feature: Feature::Goals,
        tables: &["goals", "goal_milestones", "goal_agreements", "experiences"],
        exported: "every shared goal of each space with its milestones, and every new experience with how it went",
        on_leave: "nothing: goals and experiences were taken on together and stay with the partner (the leaver's \
                   \"we are done\" no longer counts, since only current members' agreement does)",
        on_delete: "their \"we are done\" marks (cascade); who made, ticked or finished something is unlinked",
        stays: "the goals, milestones and experiences",
    },
    Hook {
        feature: Feature::Reflection,
        tables: &["reflections"],
        exported: "all their reflections, at the top of their own export (never in the partner's)",
        on_leave: "nothing: reflections belong to the person, not to a space (keyed by user only), and go with \
                   them wherever they are",
        on_delete: "all their reflections (cascade)",
        stays: "nothing: the partner never saw them, nor how many there were",
    },
    Hook {
        feature: Feature::Journal,
        tables: &["journal_entries", "journal_revisions", "journal_comments", "journal_photos"],
        exported: "the whole shared journal of each space: entries with their earlier versions, comments and \
                   photos (bytes included)",
        on_leave: "nothing: the journal was written together and stays with the partner",
        on_delete: "nothing more; author, editor, commenter and who added a photo are unlinked",
        stays: "the journal, its history, comments and photos",
    },
    Hook {
        feature: Feature::Timeline,
        tables: &["timeline_moments", "timeline_revisions"],
        exported: "the whole trust timeline of each space, each moment with its earlier versions",
        on_leave: "nothing: the timeline was marked together and stays with the partner",
        on_delete: "nothing more; who marked, edited or wrote an earlier version of each moment is unlinked",
        stays: "the timeline and its history",
    },
    Hook {
        feature: Feature::Insights,
        tables: &["space_weeks"],
        exported: "nothing: counts derived from the rows above",
        on_leave: "nothing",
        on_delete: "the weekly counts of their spaces are recounted without their answers",
        stays: "the recounted weeks",
    },
    Hook {
        feature: Feature::Notifications,
        tables: &["notifications", "reminders_sent", "member_settings", "notification_preferences"],
        exported: "nothing: notices and settings about the app, not their words",
        on_leave: "their notifications about that space",
        on_delete: "all their notifications, reminder records and settings, with the calendar secret (cascade)",
        stays: "nothing",
    },
    Hook {
        feature: Feature::Spaces,
        tables: &["spaces", "memberships", "invites"],
        exported: "each space they are in, with its members",
        on_leave: "their membership; their open invites are withdrawn; a space left empty is deleted",
        on_delete: "as on leaving, in every space",
        stays: "the space, closed to newcomers, with what the two wrote there",
    },
];

/// Tables that hold no person's or space's rows, so no hook answers for
/// them (the migration ledger).
pub const UNOWNED_TABLES: &[&str] = &["schema_migrations"];

/// Every table some hook answers for.
pub fn covered_tables() -> Vec<&'static str> {
    HOOKS.iter().flat_map(|h| h.tables.iter().copied()).collect()
}

/// Runs one feature's leave hook inside the leaving transaction.
async fn leave_hook(feature: Feature, conn: &mut AnyConnection, user: Id, space: Id) -> Result<()> {
    match feature {
        Feature::Notes => notes::on_leave(conn, user, space).await,
        Feature::Exchanges => exchanges::on_leave(conn, user, space).await,
        Feature::Pulse => pulse::on_leave(conn, user, space).await,
        Feature::Ritual => ritual::on_leave(conn, user, space).await,
        Feature::Program => program::on_leave(conn, user, space).await,
        Feature::Notifications => notifications::on_leave(conn, user, space).await,
        Feature::Spaces => spaces::on_leave(conn, user, space).await,
        // What these keep was made with or for the partner: it stays.
        Feature::Accounts
        | Feature::Promises
        | Feature::Appreciations
        | Feature::Goals
        | Feature::Journal
        | Feature::Timeline
        | Feature::Insights => Ok(()),
        // Keyed by the person, not the space: leaving one changes nothing.
        Feature::Reflection => Ok(()),
    }
}

/// Leaves a space: the membership goes first (`NotFound` for a
/// non-member), then every hook in order, in one transaction.
pub(crate) async fn leave_space(db: &SqlStore, user: Id, space: Id) -> Result<()> {
    let mut tx = db.pool.begin().await?;
    spaces::remove_membership(&mut tx, user, space).await?;
    for hook in HOOKS {
        leave_hook(hook.feature, &mut tx, user, space).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Deletes an account: leaves every space through the leave hooks, then
/// runs the deletion hooks in one transaction.
pub(crate) async fn delete_user(db: &SqlStore, user: Id) -> Result<()> {
    let spaces = db.spaces_of(user).await?;
    for space in &spaces {
        leave_space(db, user, space.id).await?;
    }
    let space_ids: Vec<Id> = spaces.iter().map(|s| s.id).collect();
    let mut tx = db.pool.begin().await?;
    for hook in HOOKS {
        match hook.feature {
            Feature::Accounts => accounts::delete_row(&mut tx, user).await?,
            // Their ritual answers went with the user row; recount the
            // weeks of the spaces they shared (a bounded, rare rewrite).
            Feature::Insights => {
                for space in &space_ids {
                    crate::insights::weeks::rebuild(&mut tx, Some(*space)).await?;
                }
            }
            // The rest follows from the user row by cascade (or went when
            // they left each space).
            Feature::Spaces
            | Feature::Notes
            | Feature::Exchanges
            | Feature::Promises
            | Feature::Appreciations
            | Feature::Pulse
            | Feature::Ritual
            | Feature::Program
            | Feature::Goals
            | Feature::Reflection
            | Feature::Journal
            | Feature::Timeline
            | Feature::Notifications => {}
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Everything a member may take with them: per space, what each feature
/// exports, through the same visibility rules as every page (an export
/// shows no more than the person could read on screen).
pub(crate) async fn export_user(db: &SqlStore, user: Id) -> Result<Export> {
    let me = db.user(user).await?;
    let mut spaces = Vec::new();
    for space in db.spaces_of(user).await? {
        let mut out = ExportedSpace {
            space,
            entries: Vec::new(),
            promises: Vec::new(),
            appreciations: Vec::new(),
            pulses: Vec::new(),
            rituals: Vec::new(),
            exchanges: Vec::new(),
            program_sessions: Vec::new(),
            goals: Vec::new(),
            experiences: Vec::new(),
            journal: Vec::new(),
            journal_photos: Vec::new(),
            timeline: Vec::new(),
        };
        for hook in HOOKS {
            export_hook(hook.feature, db, user, &mut out).await?;
        }
        spaces.push(out);
    }
    let reflections = reflection::export(db, user).await?;
    Ok(Export { format: "troth-export-1".to_string(), exported_at: Timestamp::now(), user: me, spaces, reflections })
}

async fn export_hook(feature: Feature, db: &SqlStore, user: Id, out: &mut ExportedSpace) -> Result<()> {
    let space = out.space.id;
    match feature {
        Feature::Notes => out.entries = notes::export(db, user, space).await?,
        Feature::Exchanges => out.exchanges = exchanges::export(db, user, space).await?,
        Feature::Promises => {
            let now = Timestamp::now();
            // All of them: an export that stops at a page size loses data
            // without saying so.
            for p in db.list_promises(user, space, &PromiseFilter::default(), now, i64::MAX).await? {
                // With its history, as on the promise's own page.
                out.promises.push(db.promise(user, space, p.id, now).await?);
            }
        }
        Feature::Appreciations => {
            out.appreciations = db.list_appreciations(user, space, &AppreciationFilter::default(), i64::MAX).await?
        }
        Feature::Pulse => out.pulses = db.my_pulses(user, space, Timestamp::UNIX_EPOCH).await?,
        Feature::Program => out.program_sessions = program::export(db, user, space).await?,
        Feature::Goals => (out.goals, out.experiences) = goals::export(db, user, space).await?,
        Feature::Journal => (out.journal, out.journal_photos) = journal::export(db, user, space).await?,
        Feature::Timeline => out.timeline = timeline::export(db, user, space).await?,
        Feature::Ritual => {
            for r in db.list_rituals(user, space, i64::MAX).await? {
                out.rituals.push(db.ritual(user, space, r.id).await?);
            }
        }
        // The profile is the export's head and the space its heading; the
        // rest is derived or not the member's words.
        // Reflections are exported once, at the top, not per space.
        Feature::Accounts | Feature::Spaces | Feature::Insights | Feature::Notifications | Feature::Reflection => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_table_has_two_owners() {
        let mut tables = covered_tables();
        tables.extend(UNOWNED_TABLES);
        let mut sorted = tables.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), tables.len(), "a table is named twice: {tables:?}");
    }

    #[test]
    fn spaces_run_last_on_leave() {
        assert_eq!(HOOKS.last().map(|h| h.feature), Some(Feature::Spaces));
    }
}
