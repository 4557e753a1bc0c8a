//! Reminders: promise due soon and ritual time, as in-app notifications and
//! (when a member chose it and SMTP is configured) email. `tick` runs every
//! minute in `troth serve`; the `reminders_sent` ledger makes each reminder
//! go out once, even with several instances.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use troth_domain::notifications::{Channel, NotificationKind};
use troth_domain::Id;
use troth_store::Store;

use crate::WebConfig;

/// How long before the due time "due soon" fires.
pub const DUE_SOON: SignedDuration = SignedDuration::from_hours(24);
/// A ritual reminder fires within this window after the slot starts.
pub const RITUAL_WINDOW: SignedDuration = SignedDuration::from_mins(30);

/// The words of each email. They are fixed on purpose: mail crosses relays
/// and sits in inboxes that others may read, so it carries a nudge and a
/// link, never what anyone wrote in troth.
fn email_words(kind: NotificationKind) -> (&'static str, &'static str) {
    match kind {
        NotificationKind::PromiseMade => ("A new promise", "Your partner made you a promise in troth."),
        NotificationKind::PromiseDueSoon => ("A promise is due soon", "One of your promises in troth is due soon."),
        NotificationKind::PromiseClaimed => {
            ("A promise to confirm", "Your partner says they kept a promise and asks you to confirm it.")
        }
        NotificationKind::PromiseConfirmed => {
            ("A promise of yours was confirmed", "Your partner confirmed that you kept a promise.")
        }
        NotificationKind::PromiseChanged => ("A promise changed", "Something changed on one of your promises."),
        NotificationKind::Appreciation => ("A thank-you", "Your partner thanked you for something."),
        NotificationKind::Ritual => {
            ("Time for your weekly ritual", "It's time for your weekly ritual. Either of you can start it.")
        }
        NotificationKind::ExchangeWaiting => {
            ("Your partner wrote their part", "Your partner wrote their part of an exchange; yours is waiting.")
        }
        NotificationKind::ExchangeRevealed => ("An exchange opened", "Both parts of an exchange are open now."),
        NotificationKind::Program => {
            ("An exercise for you both", "Your partner started an exercise for you both, or shared one with you.")
        }
        NotificationKind::Goals => {
            ("Your shared goals", "Your partner added or finished a shared goal or a new experience in troth.")
        }
        NotificationKind::Journal => (
            "Your journal and timeline",
            "Your partner added a moment to your journal or timeline, or commented on one.",
        ),
    }
}

/// Sends the fixed nudge for `kind` to `user`, if SMTP is set up and they
/// chose this kind by email.
pub(crate) async fn email(store: &dyn Store, config: &WebConfig, user: Id, kind: NotificationKind, link: &str) {
    let Some(smtp) = &config.smtp else { return };
    let Ok(prefs) = store.preferences(user).await else { return };
    if !prefs.wants(kind, Channel::Email) {
        return;
    }
    let (subject, line) = email_words(kind);
    let Ok(u) = store.user(user).await else { return };
    let url = format!("{}{link}", config.public_url.trim_end_matches('/'));
    let body = format!("{line}\n\n{url}\n\n(You can turn these emails off under Notifications in troth.)\n");
    if let Err(e) = smtp.send(&u.email, subject, &body).await {
        // The error only: never the address's mail or any text.
        tracing::warn!(error = %e, "reminder email not sent");
    }
}

/// Whether `user` wants this kind in the app (no when their choices
/// cannot be read: a reminder is not worth an error).
async fn wants(store: &dyn Store, user: Id, kind: NotificationKind) -> bool {
    store.preferences(user).await.is_ok_and(|p| p.wants(kind, Channel::App))
}

/// One pass: everything due now. Returns how many reminders went out.
pub async fn tick(store: &Arc<dyn Store>, config: &WebConfig, now: Timestamp) -> usize {
    let mut sent = 0;
    match store.promises_due_between(now, now + DUE_SOON).await {
        Ok(list) => {
            for (p, members) in list {
                let Some(due) = p.due_at else { continue };
                for m in members {
                    // Each member once per due time (a renegotiated promise may remind again).
                    match store.claim_reminder("due", p.id, m, &due.to_string()).await {
                        Ok(true) => {}
                        _ => continue,
                    }
                    let whose = if Some(m) == p.promiser_id {
                        "Your promise".to_string()
                    } else {
                        format!("{}'s promise to you", p.promiser_name.as_deref().unwrap_or("Your partner"))
                    };
                    let text = format!("{whose} is due soon: {}", p.text);
                    let link = format!("/spaces/{}/promises/{}", p.space_id, p.id);
                    if wants(store.as_ref(), m, NotificationKind::PromiseDueSoon).await {
                        let _ = store.notify(m, Some(p.space_id), NotificationKind::PromiseDueSoon, &text, &link).await;
                    }
                    email(store.as_ref(), config, m, NotificationKind::PromiseDueSoon, &link).await;
                    sent += 1;
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "reminders: could not read due promises"),
    }
    match store.all_ritual_slots().await {
        Ok(slots) => {
            for (space, slot, members) in slots {
                let Some(start) = slot.last_at_or_before(now) else { continue };
                if now.duration_since(start) > RITUAL_WINDOW {
                    continue;
                }
                for m in members {
                    match store.claim_reminder("ritual", space, m, &start.to_string()).await {
                        Ok(true) => {}
                        _ => continue,
                    }
                    let text = "It's time for your weekly ritual. Either of you can start it.";
                    let link = format!("/spaces/{space}/ritual");
                    if wants(store.as_ref(), m, NotificationKind::Ritual).await {
                        let _ = store.notify(m, Some(space), NotificationKind::Ritual, text, &link).await;
                    }
                    email(store.as_ref(), config, m, NotificationKind::Ritual, &link).await;
                    sent += 1;
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "reminders: could not read ritual slots"),
    }
    // Promises that went past due meanwhile become misses in the tallies,
    // so the insights page never has many to count live. Bounded per pass;
    // the next minute takes the rest.
    if let Err(e) = store.fold_overdue_misses(now, FOLD_PER_TICK).await {
        tracing::warn!(error = %e, "reminders: could not fold overdue promises");
    }
    sent
}

/// Overdue promises folded into the reliability tallies per tick.
pub const FOLD_PER_TICK: i64 = 2_000;

/// Runs `tick` every minute until the process ends.
pub fn spawn(store: Arc<dyn Store>, config: WebConfig) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            every.tick().await;
            let n = tick(&store, &config, Timestamp::now()).await;
            if n > 0 {
                tracing::info!(reminders = n, "reminders sent");
            }
        }
    });
}
