//! The crate's one integration test binary: quality on the development set,
//! behaviour on our own held-out sentences, the English edge cases (negation,
//! quotes, requests, praise), the batch mode, and property tests.

use troth_coach::{
    ApologyVerdict, Coach, CoachError, ContemptVerdict, Mode, ResponseVerdict, StartupVerdict, MAX_CHARS,
};

fn coach() -> &'static Coach {
    Coach::shared_english()
}

fn harsh(text: &str) -> bool {
    coach().startup(text).unwrap().verdict == StartupVerdict::Harsh
}

fn defensive(text: &str) -> bool {
    coach().response(text).unwrap().verdict == ResponseVerdict::Defensive
}

fn contemptuous(text: &str) -> bool {
    coach().contempt(text).unwrap().verdict == ContemptVerdict::Contemptuous
}

fn apology(text: &str) -> ApologyVerdict {
    coach().apology(text).unwrap().verdict
}

mod dev_set {
    use std::path::PathBuf;

    use troth_coach::evaluate::{evaluate, parse_line, table};

    /// Macro-F1 the coach must reach on each task.
    const TARGET: f64 = 0.90;

    fn path() -> PathBuf {
        if let Some(p) = std::env::var_os("TROTH_COACH_DEV") {
            return PathBuf::from(p);
        }
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/coach/dev.jsonl")
    }

    #[test]
    fn macro_f1_reaches_target_on_every_task() {
        let path = path();
        let data = match std::fs::read_to_string(&path) {
            Ok(d) => d,
            Err(e) => {
                if std::env::var_os("CI").is_some() {
                    panic!("development set {} is missing in CI: {e}", path.display());
                }
                eprintln!("SKIP: development set {} not found ({e})", path.display());
                return;
            }
        };
        let items: Vec<_> = data.lines().filter_map(parse_line).collect();
        assert!(items.len() >= 100, "expected the full development set");
        let scores = evaluate(super::coach(), &items);
        eprintln!("{}", table(&scores));
        for s in &scores {
            assert!(s.n > 0, "no items for task {}", s.task);
            assert!(
                s.macro_f1() >= TARGET,
                "{}: macro-F1 {:.3} < {TARGET}; errors: {:#?}",
                s.task,
                s.macro_f1(),
                s.errors
            );
        }
    }
}

/// The held-out fifth of both development sets (chosen by a hash of the
/// text, see `learn::is_held_out`): never trained on, and its errors never
/// read while developing. The floors sit a little under what was measured,
/// so a regression fails.
mod held_out_sets {
    use std::path::PathBuf;

    use troth_coach::evaluate::{evaluate, held_out, parse_line, table};

    /// Measured macro-F1 on the held-out fifth, minus a small margin.
    const FLOORS: [(&str, f64); 4] = [
        ("startup", HELD_OUT_FLOOR_STARTUP),
        ("apology", HELD_OUT_FLOOR_APOLOGY),
        ("response", HELD_OUT_FLOOR_RESPONSE),
        ("contempt", HELD_OUT_FLOOR_CONTEMPT),
    ];
    // Measured: 0.86, 0.90, 0.87, 0.76 (issue 12, second round); the
    // third round raised contempt (floor 0.73 -> 0.76). The reply floor stays
    // at 0.84: a floor is never lowered to make a change pass.
    const HELD_OUT_FLOOR_STARTUP: f64 = 0.83;
    const HELD_OUT_FLOOR_APOLOGY: f64 = 0.87;
    const HELD_OUT_FLOOR_RESPONSE: f64 = 0.84;
    const HELD_OUT_FLOOR_CONTEMPT: f64 = 0.76;

    fn dir() -> PathBuf {
        if let Some(p) = std::env::var_os("TROTH_COACH_SETS") {
            return PathBuf::from(p);
        }
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/coach")
    }

    #[test]
    fn held_out_macro_f1_stays_above_the_measured_floor() {
        let mut items = Vec::new();
        for name in ["dev.jsonl", "dev-v2.jsonl"] {
            let path = dir().join(name);
            match std::fs::read_to_string(&path) {
                Ok(d) => items.extend(d.lines().filter_map(parse_line)),
                Err(e) => {
                    if std::env::var_os("CI").is_some() {
                        panic!("development set {} is missing in CI: {e}", path.display());
                    }
                    eprintln!("SKIP: development set {} not found ({e})", path.display());
                    return;
                }
            }
        }
        let held = held_out(&items);
        assert!(held.len() >= 120, "expected about a fifth of 849 messages, got {}", held.len());
        let scores = evaluate(super::coach(), &held);
        eprintln!("{}", table(&scores));
        for (s, (task, floor)) in scores.iter().zip(FLOORS) {
            assert_eq!(s.task, task);
            assert!(s.n > 0, "no held-out items for {task}");
            // Only the score is printed on failure: the held-out errors stay unread.
            assert!(s.macro_f1() >= floor, "{task}: held-out macro-F1 {:.3} < floor {floor}", s.macro_f1());
        }
    }
}

/// Advice that fits the situation, one finding per stretch of text, and
/// suggestions without sweeping words.
mod findings_fit {
    use super::*;

    /// Reply advice (codes only a reply can earn) never lands on a draft
    /// that reads as a harsh start-up.
    #[test]
    fn start_ups_get_no_reply_advice() {
        const REPLY_ONLY: [&str; 6] = ["denial", "excuse", "blame_shift", "yes_but", "victim_stance", "defensive_tone"];
        for t in [
            "You never help with anything around the house.",
            "Why do you always leave me to plan everything? It's all on you.",
            "You're so lazy. You never do what you say.",
            "You are always on your phone and you never listen to me.",
            "How many times do I need to ask you to lock the gate?",
        ] {
            let a = coach().check(t).unwrap();
            assert_eq!(a.startup, StartupVerdict::Harsh, "{t}");
            for f in &a.findings {
                assert!(!REPLY_ONLY.contains(&f.code), "{t}: reply advice {:?} on a start-up", f.code);
            }
            assert!(!a.horsemen.iter().any(|h| h.as_str() == "defensiveness"), "{t}");
        }
        // A reply that only defends itself still gets reply advice.
        let a = coach().check("That's not true, I did nothing wrong.").unwrap();
        assert!(a.findings.iter().any(|f| f.code == "denial"), "{:?}", a.findings);
    }

    #[test]
    fn one_finding_per_span() {
        for t in [
            "You always forget, you never listen, and it's all on you. Why do you always do this?",
            "Wow, what a brilliant idea, genius. Typical you.",
            "I'm sorry if you were upset, but you were overreacting.",
            "That's not true, you made me do it, you never told me.",
            "Oh, and you're perfect? You never listen to me either.",
        ] {
            let a = coach().check(t).unwrap();
            // The reply analysis too: a counter-attack's words are named once.
            let r = coach().response(t).unwrap();
            for findings in [&a.findings, &r.findings] {
                let spans: Vec<(usize, usize)> =
                    findings.iter().filter(|f| f.start < f.end).map(|f| (f.start, f.end)).collect();
                for (i, x) in spans.iter().enumerate() {
                    for y in &spans[i + 1..] {
                        assert!(!(x.0 < y.1 && y.0 < x.1), "{t}: overlapping findings {x:?} {y:?}: {findings:?}");
                    }
                }
            }
            let ap = coach().apology(t).unwrap();
            let mut excerpts: Vec<&str> =
                ap.findings.iter().filter(|f| !f.excerpt.is_empty()).map(|f| f.excerpt.as_str()).collect();
            let n = excerpts.len();
            excerpts.dedup();
            assert_eq!(n, excerpts.len(), "{t}: repeated excerpt in {:?}", ap.findings);
        }
    }

    #[test]
    fn suggestions_lose_the_absolute() {
        let a = coach().check("You never help with anything.").unwrap();
        let s = a.suggestion.unwrap();
        assert!(s.starts_with("I feel hurt when you don't help"), "{s}");
        for word in ["never", "always", "anything", "everything", "all the time"] {
            assert!(!s.contains(word), "{s} still says {word}");
        }
        let a = coach().check("You leave your dishes everywhere all the time.").unwrap();
        let s = a.suggestion.unwrap();
        assert!(!s.contains("all the time") && !s.contains("everywhere"), "{s}");
        // A sweeping object is said smaller, not cut out mid-phrase.
        let s = coach().check("You always leave everything to me.").unwrap().suggestion.unwrap();
        assert!(s.contains("you leave so much to me"), "{s}");
        let s = coach().check("You never listen to me either.").unwrap().suggestion.unwrap();
        assert!(!s.contains("either"), "{s}");
    }

    /// A verdict of the learned layer that no rule explains still points at
    /// words of the message, with a kind explanation.
    #[test]
    fn every_problem_verdict_names_its_words() {
        for t in [
            "Alert the media, he emptied the dishwasher.",
            "Must be nice to sleep till noon while I run the house.",
            "I cleaned the bathroom Monday, hoovered Wednesday and did the shop. So no.",
        ] {
            let c = coach().contempt(t).unwrap();
            if c.verdict == ContemptVerdict::Contemptuous {
                assert!(c.findings.iter().any(|f| f.start < f.end && !f.message.is_empty()), "{t}: {:?}", c.findings);
            }
            let r = coach().response(t).unwrap();
            if r.verdict == ResponseVerdict::Defensive {
                assert!(r.findings.iter().any(|f| f.start < f.end && !f.message.is_empty()), "{t}: {:?}", r.findings);
            }
        }
    }
}

/// Sentences written for these tests (not from the development set), to see
/// whether the rules generalise beyond the examples they were written with.
mod held_out {
    use super::*;

    #[test]
    fn harsh_startups() {
        for t in [
            "You never take my side when your brother teases me.",
            "You always leave your wet towels on the bed.",
            "Why do you always interrupt me in front of your friends?",
            "You're so inconsiderate about my sleep.",
            "You're such a slob, the car is full of wrappers.",
            "How many times do I need to ask you to lock the gate?",
            "Honestly, you are the most careless driver I've ever met.",
            "You ignored me the whole evening.",
            "What's wrong with you? You shouted at the waiter.",
            "You should have told me your ex was coming.",
            "Every single time we visit your parents you vanish.",
            "You don't listen to a word I say.",
            "Why can't you just put the dishes away for once?",
            "You keep making plans without me.",
        ] {
            assert!(harsh(t), "should be harsh: {t}");
        }
    }

    #[test]
    fn gentle_startups() {
        for t in [
            "I feel anxious when the bills pile up. Could we sit down together on Friday?",
            "I was hurt that nobody asked me about the holiday plans. I'd like to be part of deciding.",
            "I'd really like some help with the laundry this week.",
            "When the music is loud late at night I struggle to sleep. Can we agree on a quiet time?",
            "I miss our Sunday walks. Would you come with me this weekend?",
            "I feel a bit lonely in the evenings lately. Could we have dinner together more often?",
            "It would help me a lot if we planned the holidays early this year.",
            "I'm nervous about the move. Can we talk about it tonight?",
        ] {
            assert!(!harsh(t), "should be gentle: {t}");
        }
    }

    #[test]
    fn apologies() {
        use ApologyVerdict::*;
        for t in [
            "I'm sorry I snapped at you in the car. You didn't deserve that, and next time I'll ask for a minute to calm down.",
            "I apologise for forgetting to book the table. I know you were looking forward to it. I'll book another place for Saturday.",
            "I was wrong to tease you about your cooking. It was hurtful and I won't do it again.",
        ] {
            assert_eq!(apology(t), Genuine, "{t}");
        }
        for t in [
            "I'm sorry if you were hurt.",
            "Sorry, but you were the one who started shouting.",
            "I'm sorry you think I was rude.",
            "Fine, sorry, it's really not a big deal though.",
            "I apologise if my comment upset anyone.",
            "Sorry you got so upset over nothing.",
        ] {
            assert_eq!(apology(t), NonApology, "{t}");
        }
        // Well meant but not yet complete: owns the act, nothing more.
        assert_eq!(apology("I'm sorry I forgot the milk."), Incomplete);
    }

    #[test]
    fn replies() {
        for t in [
            "That's not what happened and you know it.",
            "Well, you never do the dishes either.",
            "I was exhausted, what did you want me to do?",
            "You're overreacting again.",
            "Yeah, but you were late too.",
            "Don't blame me, I wasn't even there.",
            // Counter-attack and whataboutism without a keyword of blame.
            "Oh, and you're perfect?",
            "Look who's talking.",
            "What about when you forgot my birthday?",
            "At least I don't spend every evening on my phone.",
        ] {
            assert!(defensive(t), "should be defensive: {t}");
        }
        for t in [
            "You're right, I should have called. I'm sorry.",
            "I can see how that made you feel ignored. What would help?",
            "Thanks for telling me. I'll be more careful with the car.",
            "I hadn't realised it bothered you so much. Let's find a fix together.",
        ] {
            assert!(!defensive(t), "should be accepting: {t}");
        }
    }

    #[test]
    fn contempt() {
        for t in [
            "Oh please, you couldn't organise a picnic.",
            "You're such an idiot sometimes.",
            "Yeah right, like you'd ever finish anything.",
            "Ugh, you're disgusting when you eat like that.",
            "Wow, great plan, genius.",
        ] {
            assert!(contemptuous(t), "should be contemptuous: {t}");
        }
        for t in [
            "I think we see this differently, and that's okay.",
            "You were so kind to my sister today.",
            "I'm annoyed, but I know you didn't mean it.",
            "Thanks for fixing the tap, it works perfectly.",
        ] {
            assert!(!contemptuous(t), "should be respectful: {t}");
        }
    }

    /// Scorn without insult words (issue 12), one device a line: the rules
    /// about language find each on their own (not only the learned layer),
    /// and the finding names the words and says kindly why they hurt.
    #[test]
    fn scorn_without_insult_words_is_named() {
        let rules = troth_coach::evaluate::rules_only();
        for (t, code) in [
            ("Wow, great job forgetting the tickets again.", "sarcasm"),
            ("Nice work losing the keys.", "sarcasm"),
            ("Great, just great.", "sarcasm"),
            ("I love how you ignored my texts all day.", "sarcasm"),
            ("Is it really that difficult to text me back?", "sneering_question"),
            ("What part of \"no\" don't you understand?", "sneering_question"),
            ("Let me explain this slowly so even you can follow.", "condescension"),
            ("Boo hoo, poor you.", "contempt_marker"),
            ("Get over it, nobody asked.", "dismissal"),
            ("Your little \"side hustle\" lost money again.", "scare_quotes"),
            ("You were \"working late\", sure.", "scare_quotes"),
            ("Normal adults manage to pay a bill on time.", "comparison"),
            ("Even a five-year-old could load the dishwasher.", "comparison"),
            ("My husband can't cook to save his life, bless him.", "third_party_mockery"),
            ("Look what I married.", "third_party_mockery"),
            ("smh, you never learn.", "contempt_marker"),
            ("You absolute muppet.", "insult"),
            ("Oh wait, there wasn't one.", "mock_gratitude"),
            ("So kind of you to finally show up.", "mock_gratitude"),
            ("Thanks for bothering to reply.", "mock_gratitude"),
        ] {
            let a = rules.contempt(t).unwrap();
            assert_eq!(a.verdict, ContemptVerdict::Contemptuous, "rules alone should find scorn in: {t}");
            let f = a
                .findings
                .iter()
                .find(|f| f.code == code)
                .unwrap_or_else(|| panic!("expected a {code} finding in {t:?}, got {:?}", a.findings));
            assert_eq!(&t[f.start..f.end], f.excerpt, "{t}");
            assert!(!f.excerpt.trim().is_empty(), "{code} must name its words: {t}");
            assert!(f.message.len() > 40, "{code} needs a kind explanation");
            assert!(contemptuous(t), "the shipped coach should agree: {t}");
        }
    }

    /// Look-alikes of those devices that carry no scorn: sincere questions,
    /// praise, self-teasing, sympathy. Neither the rules nor the shipped
    /// coach may call them contempt.
    #[test]
    fn kindness_that_looks_like_scorn_is_not_flagged() {
        let rules = troth_coach::evaluate::rules_only();
        for t in [
            "How hard was it for you to tell your mum?",
            "Is it too hard to get tickets for Saturday?",
            "Big deal for me: I got the job!",
            "So what should we do about the car?",
            "I love how you always make me laugh.",
            "I love the way you left me a note this morning.",
            "It's hard for you to hear this, I know.",
            "The doctors tried to save her life.",
            "Even the kids noticed you were tired, are you okay?",
            "My 5 year old can read now!",
            "There's no way to leave before five.",
            "Thanks for remembering my birthday, it meant a lot.",
            "Glad you could come to dinner.",
            "That was so thoughtful, thank you.",
            "Silly me, I left my phone at home.",
            "Oh that's right, I forgot to tell you about Sam.",
        ] {
            assert_eq!(rules.contempt(t).unwrap().verdict, ContemptVerdict::Respectful, "rules: {t}");
            assert!(!contemptuous(t), "shipped coach: {t}");
        }
    }
}

/// Our own labelled sentences (tests/data/own_sentences_en.jsonl): three
/// sets written in our own words while developing. The first two were used to
/// widen the rules, so they are a regression guard rather than a clean
/// held-out measure; README.md gives the scores each set had before the rules
/// saw it.
mod own_sentences {
    use troth_coach::evaluate::{evaluate, parse_line, table};

    #[test]
    fn macro_f1_on_own_sentences() {
        let data = include_str!("data/own_sentences_en.jsonl");
        let items: Vec<_> = data.lines().filter_map(parse_line).collect();
        assert!(items.len() >= 200);
        let scores = evaluate(super::coach(), &items);
        eprintln!("{}", table(&scores));
        for s in &scores {
            assert!(s.macro_f1() >= 0.9, "{}: {:.3} {:#?}", s.task, s.macro_f1(), s.errors);
        }
    }

    /// Everyday, conflict-free messages: the coach must stay quiet.
    #[test]
    fn everyday_messages_are_not_flagged() {
        for t in [
            "Can you pick up milk on the way home?",
            "Dinner is at 7, see you then!",
            "Running late, be there in 10.",
            "Did you see the game last night?",
            "You always look great in that jacket.",
            "Why don't we go to the beach this weekend?",
            "You never know, it might rain.",
            "I never thought I'd be this happy.",
            "You left your keys on the table, I put them in your bag.",
            "Whatever you decide is fine with me.",
            "Are you serious? That's amazing news!",
            "You forgot your lunch, want me to bring it?",
            "Wow, you look amazing tonight.",
            "I was so tired yesterday, sorry I fell asleep early.",
            "Where were you planning to go this weekend?",
            "Do you ever think about moving to the coast?",
            "It's not your fault, the train was late.",
            "Poor you, that sounds like a rough day. Want a hug?",
            "You'll never guess who I ran into today.",
            "I'd rather stay in tonight instead of going out.",
        ] {
            let a = super::coach().check(t).unwrap();
            assert_eq!(a.verdict.as_str(), "gentle", "{t}: {:?}", a.findings);
            assert!(a.findings.is_empty(), "{t}: {:?}", a.findings);
        }
    }
}

/// English that must NOT be flagged.
mod language_edges {
    use super::*;

    #[test]
    fn negations_are_not_accusations() {
        for t in [
            "I don't think you never help. I just need more help this week.",
            "It's not that you always forget, it's that I worry when plans change.",
            "I'm not saying you're lazy; I'm tired and need a hand.",
            "I don't believe you always put work first.",
        ] {
            let a = coach().check(t).unwrap();
            assert_eq!(a.startup, StartupVerdict::Gentle, "{t}: {:?}", a.findings);
        }
    }

    #[test]
    fn quotes_and_reported_speech_are_not_the_writer() {
        for t in [
            "She said 'you never listen' and I laughed.",
            "My sister told me \"you always win\" about the game.",
            "The song goes \u{201C}you never call, you never write\u{201D}.",
            "My mum always says you never forget your first love.",
        ] {
            let a = coach().check(t).unwrap();
            assert_eq!(a.startup, StartupVerdict::Gentle, "{t}: {:?}", a.findings);
        }
    }

    #[test]
    fn requests_are_not_accusatory_questions() {
        for t in [
            "Could you text me when you leave work?",
            "Would you mind taking the bins out tonight?",
            "Can we talk about the weekend after dinner?",
            "Could you always let me know if you'll be late?",
            "Would you be willing to try a new routine with me?",
        ] {
            let a = coach().check(t).unwrap();
            assert_eq!(a.verdict, StartupVerdict::Gentle, "{t}: {:?}", a.findings);
        }
    }

    #[test]
    fn positive_always_is_praise() {
        for t in [
            "I always love it when you sing in the kitchen.",
            "You always make me laugh.",
            "You always know how to cheer me up.",
            "You never fail to make me smile.",
            "I always feel safe with you.",
        ] {
            let a = coach().check(t).unwrap();
            assert_eq!(a.verdict, StartupVerdict::Gentle, "{t}: {:?}", a.findings);
        }
        // ...but a negated warm word is still a complaint.
        assert!(harsh("You never make me laugh anymore."));
    }
}

mod api {
    use super::*;

    #[test]
    fn check_serialises_the_documented_shape() {
        let a = coach().check("You never listen to me.").unwrap();
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["verdict"], "harsh");
        assert_eq!(v["startup"], "harsh");
        assert!(v["horsemen"].as_array().unwrap().contains(&"criticism".into()));
        let f = &v["findings"][0];
        for key in ["code", "message", "start", "end", "excerpt"] {
            assert!(!f[key].is_null(), "finding lacks {key}");
        }
        assert_eq!(f["code"], "absolute_words");
        assert_eq!(f["excerpt"], "You never");
        let s = v["suggestion"].as_str().unwrap();
        assert!(s.starts_with("I feel "), "{s}");
        assert!(s.contains("when you don't listen to me"), "{s}");
        assert!(!v["feeling_words"].as_array().unwrap().is_empty());
    }

    #[test]
    fn gentle_check_has_no_suggestion() {
        let a = coach().check("I feel lonely at dinner. Could we put our phones away?").unwrap();
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["verdict"], "gentle");
        assert!(v["suggestion"].is_null());
        assert!(v["horsemen"].as_array().unwrap().is_empty());
    }

    #[test]
    fn apology_lists_missing_parts() {
        let a = coach().apology("I'm sorry you feel that way.").unwrap();
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["verdict"], "non_apology");
        let codes: Vec<&str> = a.findings.iter().map(|f| f.code).collect();
        assert!(codes.contains(&"conditional_apology"), "{codes:?}");
        assert!(codes.contains(&"missing_responsibility"), "{codes:?}");
        assert!(v["missing"].as_array().unwrap().contains(&"repair".into()));
        assert!(v["suggestion"].as_str().unwrap().contains("I'm sorry I"));

        let g = coach()
            .apology("I'm sorry I forgot your recital. I know how much it mattered. I'll put the next one in my calendar today.")
            .unwrap();
        assert_eq!(g.verdict, ApologyVerdict::Genuine);
        assert!(g.suggestion.is_none());
    }

    #[test]
    fn errors() {
        assert_eq!(coach().check("   \n\t"), Err(CoachError::Empty));
        assert_eq!(coach().apology(""), Err(CoachError::Empty));
        let long = "é".repeat(MAX_CHARS + 1);
        assert_eq!(coach().check(&long), Err(CoachError::TooLong { chars: MAX_CHARS + 1, max: MAX_CHARS }));
        // Exactly at the limit is fine, counted in chars not bytes.
        assert!(coach().check(&"é".repeat(MAX_CHARS)).is_ok());
        let v = serde_json::to_value(CoachError::Empty).unwrap();
        assert_eq!(v["code"], "empty");
        assert!(CoachError::Empty.to_string().len() > 3);
    }

    #[test]
    fn feeling_words_are_offered() {
        let w = troth_coach::feeling_words();
        assert!(w.len() >= 8);
        assert!(w.contains(&"hurt"));
    }

    #[test]
    fn coach_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Coach>();
        let c = std::sync::Arc::new(Coach::default());
        let h = std::thread::spawn({
            let c = c.clone();
            move || c.check("You never call.").unwrap().verdict
        });
        assert_eq!(h.join().unwrap(), StartupVerdict::Harsh);
    }
}

mod batch {
    use super::*;

    #[test]
    fn one_output_line_per_input_line_and_errors_inline() {
        let input = concat!(
            "{\"text\": \"You never listen.\"}\n",
            "not json\n",
            "\n",
            "{\"text\": \"   \"}\n",
            "{\"other\": 1}\n",
            "{\"text\": \"I feel tired. Could we rest?\", \"id\": 7}\n",
        );
        let mut out = Vec::new();
        let stats = troth_coach::run_jsonl(coach(), Mode::Check, input.as_bytes(), &mut out).unwrap();
        assert_eq!((stats.lines, stats.ok, stats.errors), (5, 2, 3));
        let lines: Vec<serde_json::Value> =
            String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 5);
        assert_eq!(lines[0]["verdict"], "harsh");
        assert_eq!(lines[1]["error"]["code"], "bad_line");
        assert_eq!(lines[2]["error"]["code"], "empty");
        assert_eq!(lines[3]["error"]["code"], "bad_line");
        assert_eq!(lines[4]["verdict"], "gentle");
    }

    #[test]
    fn apology_mode() {
        let input = "{\"text\": \"Sorry if you were upset.\"}\n";
        let mut out = Vec::new();
        troth_coach::run_jsonl(coach(), Mode::Apology, input.as_bytes(), &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["verdict"], "non_apology");
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn check_spans(text: &str, findings: &[troth_coach::Finding]) {
        for f in findings {
            assert!(f.start <= f.end && f.end <= text.len(), "{f:?}");
            assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
            assert_eq!(&text[f.start..f.end], f.excerpt);
            assert_eq!(text[..f.start].chars().count(), f.char_start);
            assert_eq!(text[..f.end].chars().count(), f.char_end);
        }
    }

    fn words() -> impl Strategy<Value = String> {
        // Mix English words the rules care about with quotes, apostrophes
        // (straight and curly), punctuation and arbitrary Unicode.
        let vocab = prop::sample::select(vec![
            "you",
            "You're",
            "don\u{2019}t",
            "never",
            "always",
            "sorry",
            "if",
            "but",
            "I",
            "feel",
            "'",
            "\"",
            "\u{201C}",
            "\u{201D}",
            ",",
            ".",
            "?",
            "!",
            "\n",
            "why",
            "could",
            "not",
            "idiot",
            "oh",
            "please",
            "n't",
            "'s",
            "é",
            "日本",
            "\u{0301}",
            "😀",
            "-",
        ]);
        prop::collection::vec(prop_oneof![vocab.prop_map(String::from), any::<String>()], 0..40)
            .prop_map(|v| v.join(" "))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn never_panics_spans_valid_and_deterministic(text in words()) {
            match coach().check(&text) {
                Ok(a) => {
                    check_spans(&text, &a.findings);
                    prop_assert_eq!(Ok(a), coach().check(&text));
                }
                Err(e) => {
                    let known = matches!(e, CoachError::Empty | CoachError::TooLong { .. });
                    prop_assert!(known);
                }
            }
            if let Ok(a) = coach().apology(&text) {
                check_spans(&text, &a.findings);
                prop_assert_eq!(Ok(a), coach().apology(&text));
            }
            let per_task = [coach().startup(&text).map(|a| a.findings),
                      coach().response(&text).map(|a| a.findings),
                      coach().contempt(&text).map(|a| a.findings)];
            for f in per_task.into_iter().flatten() {
                check_spans(&text, &f);
            }
        }

        #[test]
        fn arbitrary_unicode_never_panics(text in any::<String>()) {
            if let Ok(a) = coach().check(&text) { check_spans(&text, &a.findings); }
            if let Ok(a) = coach().apology(&text) { check_spans(&text, &a.findings); }
        }
    }

    #[test]
    fn long_inputs_near_the_limit() {
        let unit = "You never listen, \u{201C}you always\u{201D} — sorry if I'm late! ";
        let mut text = String::new();
        while text.chars().count() + unit.chars().count() <= MAX_CHARS {
            text.push_str(unit);
        }
        let a = coach().check(&text).unwrap();
        check_spans(&text, &a.findings);
        let b = coach().apology(&text).unwrap();
        check_spans(&text, &b.findings);
    }
}
