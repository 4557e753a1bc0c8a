//! The "start here" card on a space's home: five small first steps, each
//! ticked off by what the member has really done, never by a checkbox.

/// One first step, in the order the card lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstStep {
    InvitePartner,
    RitualTime,
    FirstThanks,
    SmallPromise,
    FirstPulse,
}

impl FirstStep {
    pub const ALL: [FirstStep; 5] = [
        FirstStep::InvitePartner,
        FirstStep::RitualTime,
        FirstStep::FirstThanks,
        FirstStep::SmallPromise,
        FirstStep::FirstPulse,
    ];

    /// A stable name, for element ids and tests.
    pub fn as_str(self) -> &'static str {
        match self {
            FirstStep::InvitePartner => "invite",
            FirstStep::RitualTime => "ritual",
            FirstStep::FirstThanks => "thanks",
            FirstStep::SmallPromise => "promise",
            FirstStep::FirstPulse => "pulse",
        }
    }
}

/// What the member and the space show so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FirstStepFacts {
    pub partner_joined: bool,
    pub ritual_time_set: bool,
    pub thanked: bool,
    pub promised: bool,
    pub pulsed: bool,
    pub dismissed: bool,
}

impl FirstStepFacts {
    pub fn done(&self, step: FirstStep) -> bool {
        match step {
            FirstStep::InvitePartner => self.partner_joined,
            FirstStep::RitualTime => self.ritual_time_set,
            FirstStep::FirstThanks => self.thanked,
            FirstStep::SmallPromise => self.promised,
            FirstStep::FirstPulse => self.pulsed,
        }
    }

    /// The card shows until every step is done or the member put it away.
    pub fn show_card(&self) -> bool {
        !self.dismissed && !FirstStep::ALL.iter().all(|s| self.done(*s))
    }

    /// How many of the five are done, for "2 of 5 done".
    pub fn done_count(&self) -> usize {
        FirstStep::ALL.iter().filter(|s| self.done(**s)).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_step_ticks_from_its_own_fact() {
        let none = FirstStepFacts::default();
        assert!(none.show_card());
        assert_eq!(none.done_count(), 0);
        let some = FirstStepFacts { thanked: true, pulsed: true, ..none };
        assert!(some.done(FirstStep::FirstThanks) && some.done(FirstStep::FirstPulse));
        assert!(!some.done(FirstStep::SmallPromise) && !some.done(FirstStep::InvitePartner));
        assert_eq!(some.done_count(), 2);
    }

    #[test]
    fn the_card_goes_when_all_are_done_or_it_is_dismissed() {
        let all = FirstStepFacts {
            partner_joined: true,
            ritual_time_set: true,
            thanked: true,
            promised: true,
            pulsed: true,
            dismissed: false,
        };
        assert!(!all.show_card());
        assert!(!FirstStepFacts { dismissed: true, ..Default::default() }.show_card());
    }
}
