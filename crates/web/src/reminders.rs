//! Reminders: promise due soon and ritual time, as in-app notifications and
//! (when a member chose it and SMTP is configured) email. `tick` runs every
//! minute in `troth serve`; the `reminders_sent` ledger makes each reminder
//! go out once, even with several instances.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use troth_domain::Id;
use troth_store::Store;

use crate::state::AppState;
use crate::WebConfig;

/// How long before the due time "due soon" fires.
pub const DUE_SOON: SignedDuration = SignedDuration::from_hours(24);
/// A ritual reminder fires within this window after the slot starts.
pub const RITUAL_WINDOW: SignedDuration = SignedDuration::from_mins(30);

/// Sends an email to `user` if they asked for this kind by email.
pub async fn email_if_wanted(state: &AppState, user: Id, kind: &str, link: &str) {
    email(state.store.as_ref(), &state.config, user, kind, link).await;
}

/// The words of each email. They are fixed on purpose: mail crosses relays
/// and sits in inboxes that others may read, so it carries a nudge and a
/// link, never what anyone wrote in troth.
fn email_words(kind: &str) -> Option<(&'static str, &'static str)> {
    match kind {
        "due" => Some(("A promise is due soon", "One of your promises in troth is due soon.")),
        "confirmed" => Some(("A promise of yours was confirmed", "Your partner confirmed that you kept a promise.")),
        "ritual" => {
            Some(("Time for your weekly ritual", "It's time for your weekly ritual. Either of you can start it."))
        }
        _ => None,
    }
}

async fn email(store: &dyn Store, config: &WebConfig, user: Id, kind: &str, link: &str) {
    let Some(smtp) = &config.smtp else { return };
    let Some((subject, line)) = email_words(kind) else { return };
    let Ok(settings) = store.settings(user).await else { return };
    let wanted = match kind {
        "due" => settings.notify_due_email,
        "confirmed" => settings.notify_confirmed_email,
        _ => settings.notify_ritual_email,
    };
    if !wanted {
        return;
    }
    let Ok(u) = store.user(user).await else { return };
    let url = format!("{}{link}", config.public_url.trim_end_matches('/'));
    let body = format!("{line}\n\n{url}\n\n(You can turn these emails off under Notifications in troth.)\n");
    if let Err(e) = crate::mail::send(smtp, &u.email, subject, &body).await {
        // The error only: never the address's mail or any text.
        tracing::warn!(error = %e, "reminder email not sent");
    }
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
                    if store.settings(m).await.map(|s| s.notify_due_app).unwrap_or(false) {
                        let _ = store
                            .notify(
                                m,
                                Some(p.space_id),
                                "due",
                                &text,
                                &format!("/spaces/{}/promises/{}", p.space_id, p.id),
                            )
                            .await;
                    }
                    email(store.as_ref(), config, m, "due", &format!("/spaces/{}/promises/{}", p.space_id, p.id)).await;
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
                    if store.settings(m).await.map(|s| s.notify_ritual_app).unwrap_or(false) {
                        let _ = store.notify(m, Some(space), "ritual", text, &format!("/spaces/{space}/ritual")).await;
                    }
                    email(store.as_ref(), config, m, "ritual", &format!("/spaces/{space}/ritual")).await;
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
