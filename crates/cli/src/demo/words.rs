//! The demo couple's words: small hand-written parts that `plan` combines,
//! so six months of thanks, rituals and promises read like two real people
//! and never like one sentence pasted fifty times. All of it is our own.
//!
//! Ana works shifts on a hospital ward, swims, has a sister (Marta) and a
//! bad knee. Bo is a freelance sound engineer who says yes too fast, plays
//! football on Thursdays and has a mum in Utrecht. They share a cat, Miso.
//! After a rough spring they started this space; about two months ago Bo took
//! a gig on Marta's birthday and told Ana an hour before. The weeks after
//! are the dip in their pulses, and the slow climb back is the rest.

/// Something the partner did, as a gerund phrase ("waiting up with tea"),
/// and the story week (0 = six months ago, 25 = this week) from which it
/// can have happened.
pub type Act = (&'static str, usize);

/// What Bo did that Ana thanks him for.
pub const ANA_THANKS_BO: &[Act] = &[
    ("waiting up with tea after my late shift", 0),
    ("warming up the car before my early start", 0),
    ("texting when you left the studio, right when you said you would", 0),
    ("making soup for Marta when she had the flu", 0),
    ("asking how the talk with my manager went, and remembering which talk it was", 0),
    ("taking Miso to the vet so I didn't have to swap shifts", 0),
    ("putting your phone in the drawer at dinner without me asking", 0),
    ("listening to the whole story about the ward without trying to fix it", 0),
    ("ironing my shirt for the interview", 0),
    ("booking the Ethiopian place for no reason at all", 0),
    ("telling me straight away that the soundcheck ran late", 0),
    ("carrying the new lemon tree up four flights of stairs", 0),
    ("leaving the last of the good coffee for me", 0),
    ("checking the calendar with me before saying yes to Saturday", 18),
    ("picking me up from the station in the rain", 0),
    ("changing the sheets while I slept off a night shift", 0),
    ("saying sorry about Marta's dinner without a single 'but'", 17),
    ("fixing the chair leg I kept complaining about", 0),
    ("reading the article I sent you and wanting to talk about it", 0),
    ("calling your mum back the moment I reminded you", 0),
    ("doing the washing up every evening this week", 0),
    ("remembering my swimming bag on Tuesday", 0),
    ("telling me about the van bill yourself", 13),
    ("giving me my slow Sunday morning without any questions", 19),
    ("walking the long way round the park with me", 0),
    ("asking what I needed instead of guessing", 0),
    ("buying oat milk even though you think it's strange", 0),
    ("coming to the physio with me and writing down the exercises", 0),
    ("saying you were tired instead of going quiet", 0),
    ("putting every gig in the shared calendar the day it came in", 18),
    ("laughing at yourself when the bread didn't rise", 0),
    ("cleaning the bathroom before my parents came", 0),
    ("finishing my bike light, even a week late", 9),
    ("turning down the Friday gig so we could have our evening", 18),
    ("holding my hand in the waiting room", 0),
    ("sending me the photo of the sunrise from the ferry", 0),
    ("remembering the names of all my colleagues", 0),
    ("turning the music down when I came home with a headache", 0),
    ("planning Ghent down to the waffle place", 19),
    ("noticing I was quiet and asking gently", 0),
    ("defrosting the freezer, the job nobody wants", 0),
    ("driving to the furniture shop and not saying a word about my list", 0),
    ("leaving the little drawing on the fridge", 0),
    ("staying calm when I snapped at you about the keys", 0),
    ("letting me talk about my dad for as long as I needed", 0),
    ("booking the Christmas train before the prices went up", 22),
    ("taking the bins down every Thursday of my night shifts", 0),
    ("making a playlist for my long drive to the training day", 0),
    ("keeping Friday breakfast for us, even after a late gig", 19),
    ("asking 'what happened' instead of 'why didn't you'", 21),
    ("getting up with me at five for the early shift, just to make coffee", 0),
    ("telling Marta the truth about Friday yourself", 18),
    ("fixing the shelf and not mentioning that I'd hung it crooked", 0),
    ("finding my lost earring in the sofa", 0),
    ("remembering that Tuesdays are hard and ordering in", 0),
    ("running me a bath after the review", 0),
    ("saying 'I don't know yet, I'll tell you tonight' and then telling me", 18),
    ("clearing two boxes from the spare room before I even asked", 24),
    ("singing badly in the kitchen until I laughed", 0),
    ("sitting through my sister's wedding photos, all four hundred", 0),
    ("keeping your phone face up on the table, so I didn't wonder", 0),
];

/// What Ana did that Bo thanks her for.
pub const BO_THANKS_ANA: &[Act] = &[
    ("leaving a note in my lunch box", 0),
    ("coming to the gig on Saturday after a long week", 0),
    ("asking before making plans for our weekend", 0),
    ("telling me early that your shift ran over", 0),
    ("planning the day at the lake for my birthday", 0),
    ("making the call to the landlord I was dreading", 0),
    ("cutting my hair on the balcony", 0),
    ("trusting me with the car for the long drive", 0),
    ("letting me sleep all Saturday after the festival", 0),
    ("learning my mum's pea soup and making it for her", 0),
    ("saying what was bothering you instead of waiting for me to guess", 0),
    ("putting up with drum samples at midnight", 0),
    ("helping with my tax return without a single sigh", 0),
    ("remembering the name of the band I was mixing", 0),
    ("doing Miso's pills all week", 0),
    ("bringing me coffee in the van at the festival", 0),
    ("telling me you were hurt instead of going cold", 0),
    ("being patient with me after Marta's birthday", 18),
    ("letting me off the concert tickets", 6),
    ("buying the good bread on your way home from nights", 0),
    ("fixing the leaking tap with a video and pure stubbornness", 0),
    ("sending me a picture of the heron by the canal", 0),
    ("saying 'let me check and tell you tonight' back to me, like we agreed", 18),
    ("hearing me out about going freelance full time", 0),
    ("keeping the Sunday calendar check going when I forgot", 19),
    ("making the spare room nice for my mum", 0),
    ("driving on the way back so I could sleep", 0),
    ("reminding me to stretch my back, kindly", 0),
    ("holding on for a long hug at the door after my awful Monday", 0),
    ("laughing at my football stories although you hate football", 0),
    ("swapping a shift so we could go to Ghent", 19),
    ("noticing out loud that I kept my word on the bike light", 9),
    ("telling me about the scratch on the car straight away", 0),
    ("ordering pizza when my cooking plan fell apart", 0),
    ("asking how heard I felt and meaning it", 0),
    ("writing your part of the sealed note first", 0),
    ("being the first to say sorry on Wednesday", 0),
    ("carrying the Christmas boxes down from the attic", 23),
    ("humming along to the mix I was stuck on", 0),
    ("reading the contract with me at the kitchen table", 0),
    ("booking the dentist for both of us", 0),
    ("leaving my phone alone when it buzzed, when I know that's hard for you", 0),
    ("putting a blanket over me when I fell asleep on the sofa", 0),
    ("taking my side when my brother was rude at lunch", 0),
    ("answering my 'are we okay?' with 'we're okay' before anything else", 19),
    ("coming to Thursday football to watch, in the cold", 0),
    ("giving me a second chance on Sundays with the calendar", 18),
    ("telling me the pulse numbers you were comfortable sharing", 0),
    ("packing snacks for the long drive to my mum's", 0),
    ("saying my mixing room looked nice, even though it doesn't", 0),
    ("making the call to my brother easier by sitting next to me", 0),
    ("trusting me again with the Friday plans", 20),
    ("saying 'we're okay' first after Thursday", 21),
    ("bringing soup to the studio when I was stuck late", 0),
    ("finding a cheaper insurance than the one I had", 0),
    ("laughing at the bad waffle instead of being annoyed", 20),
    ("giving me the window seat", 0),
    ("explaining the ward rota to me until I finally got it", 0),
    ("letting me win at cards, or at least pretending convincingly", 0),
];

/// How a quick thank-you starts and ends; `{}` is the act.
pub const THANKS_FORMS: &[&str] =
    &["Thank you for {}.", "Thanks for {}.", "Thank you for {}.", "Thanks for {}!", "Thank you, truly, for {}."];

pub const THANKS_TAILS: &[&str] = &[
    "",
    "",
    "",
    " It made my week.",
    " I noticed, and it mattered.",
    " You didn't have to.",
    " Small thing, big difference.",
    " I slept better for it.",
    " Exactly what I needed.",
    " Still smiling about it.",
    " It felt like being on the same team.",
    " That's the kind of thing I'll remember.",
    " It took the edge off a hard day.",
    " I felt looked after.",
    " I know it wasn't convenient.",
    " You're good at this, you know.",
    " It made coming home easy.",
];

/// How an appreciation in the ritual starts; `{}` is the act.
pub const RITUAL_APPRECIATIONS: &[&str] = &[
    "I appreciated you {}.",
    "This week I was glad about you {}.",
    "What stayed with me: you {}.",
    "I noticed you {}, and it made a difference.",
    "Thank you for {}. I didn't say it enough at the time.",
    "I want to name one thing: you {}. It helped more than it looked.",
    "My favourite moment: you {}.",
    "I keep thinking about you {}.",
];

/// "What went well": something the two did (and the story week from which
/// it can have happened, 0 for any), then how it felt.
pub const WENT_WELL: &[Act] = &[
    ("We cooked together on Tuesday", 0),
    ("We did the calendar check in ten minutes flat", 19),
    ("We argued about the holidays and came out of it still friends", 0),
    ("We went to bed at the same time three nights running", 0),
    ("We took the ferry to Noord just to walk", 0),
    ("We told each other about our days before looking at our phones", 0),
    ("We planned Ghent together, both with the laptop open", 19),
    ("We kept every promise we made this week", 0),
    ("We had Marta over and it was easy", 0),
    ("We said 'let me check and tell you tonight' and then actually did", 5),
    ("We made it to the market before it closed", 0),
    ("We split the chores without a list", 0),
    ("We got through your mum's visit without one tense moment", 0),
    ("We talked about money without anyone getting defensive", 0),
    ("We went swimming together for the first time in ages", 0),
    ("We laughed a lot, mostly at the cat", 0),
    ("We had a whole evening without screens", 0),
    ("We asked before deciding, both of us, every time", 21),
    ("We noticed a bad mood early and said so", 0),
    ("We finally put up the hallway shelves", 0),
    ("We stayed up talking on Friday", 0),
    ("We had a slow breakfast on Saturday", 0),
    ("We texted the moment plans changed", 0),
    ("We both kept Wednesday evening free and used it", 0),
    ("We sorted out the insurance together in the end", 9),
    ("We walked along the dyke at sunset", 0),
    ("We shared hard news from work instead of carrying it alone", 0),
    ("We didn't let the thing with the keys turn into a big thing", 0),
    ("We tried the new bakery and ranked every pastry", 0),
    ("We went to Jonas's party and left at a sensible time", 0),
    ("We fixed the bike together instead of me sulking at it", 0),
    ("We were honest about being tired instead of pretending", 0),
    ("We picked a film in under five minutes, a record", 0),
    ("We said goodnight properly every night", 0),
    ("We both said sorry quickly on Wednesday", 0),
    ("We made a plan for Christmas that nobody resents", 24),
];

pub const WENT_WELL_TAILS: &[&str] = &[
    ". It felt easy.",
    ". I'd like more weeks like this.",
    ". That felt like us.",
    ", and I felt we were on the same side.",
    ". Small, but it counted.",
    ". I noticed how calm I felt afterwards.",
    ". More of that, please.",
    ". It didn't need a plan to be good.",
    ". That's what trust looks like to me right now.",
    ". It reminded me why we're doing this.",
    ".",
    ". Honestly the best part of the week.",
    ", and nobody kept score.",
];

/// One concern: how it felt (from "I") and one proposal.
pub type ConcernText = (&'static str, &'static str);

pub const ANA_CONCERNS: &[ConcernText] = &[
    (
        "I felt anxious on Tuesday when I didn't hear from you until eleven.",
        "Could you send one line when plans change, even just 'running late'?",
    ),
    (
        "I feel stretched when the washing up waits until morning after my late shifts.",
        "Could whoever is home in the evening do it, and we swap at weekends?",
    ),
    (
        "I felt left out when you told your friends about the new client before telling me.",
        "Could I hear the big news first, even if it's a two-minute call?",
    ),
    ("I notice I get tense when money comes up at bedtime.", "Can we talk about money on Saturday mornings instead?"),
    (
        "I felt rushed when we decided about Christmas in the hallway with our coats on.",
        "Could we bring bigger decisions to Sunday evening?",
    ),
    (
        "I'm tired of being the one who remembers all the birthdays.",
        "Could you take your side of the family, with reminders in the calendar?",
    ),
];

pub const BO_CONCERNS: &[ConcernText] = &[
    (
        "I felt checked on when you asked twice where I'd been.",
        "If I text when I leave, could that be enough, and you tell me when it isn't?",
    ),
    (
        "I felt a bit lonely on the weekends you worked nights.",
        "Could we keep Friday breakfast as ours, even after a night shift?",
    ),
    ("I feel pressure when visits to my mum are planned for me.", "Can I be the one who calls her about dates?"),
    (
        "I get defensive when a question starts with 'why didn't you'.",
        "Could you try 'what happened', and I'll try to answer without excuses?",
    ),
    (
        "I felt unsure where I stood after Thursday's argument.",
        "Could we say 'we're okay' out loud at the end of a fight, even if it isn't finished?",
    ),
    ("I feel worn out being the one who plans our weekends.", "Could we take turns, one weekend each?"),
];

/// The hard week's two concerns (Ana's, then Bo's).
pub const HARD_WEEK_CONCERNS: [ConcernText; 2] = [
    (
        "I felt hurt, and a bit foolish, sitting at Marta's table explaining where you were.",
        "I'd like family dates in the shared calendar the day we hear about them, and gigs checked against it before you say yes.",
    ),
    (
        "I felt ashamed and went quiet, and I know the quiet made it worse.",
        "Could we take twenty minutes on Sunday to talk it through properly, phones in the other room?",
    ),
];

/// The hard week's ritual is short: what still went right, and what each asks for.
pub const HARD_WEEK_WENT_WELL: &str =
    "Not much, honestly. But we were still kind to each other on Saturday morning, and we both came tonight.";
pub const HARD_WEEK_APPRECIATIONS: [&str; 2] = [
    "Even this week: you didn't make excuses on Saturday, and you stayed in the room when I was angry.",
    "Thank you for coming tonight at all. I know it would have been easier not to.",
];
pub const HARD_WEEK_ASKS: [&str; 2] = [
    "Give me a few days. I'll tell you when I'm ready to talk more, and I won't make you guess.",
    "Tell me when you're ready. Until then I'll keep doing the small things, on time.",
];

pub const ANA_BOUNDARIES: &[&str] = &[
    "After a night shift I need two hours before any serious conversation.",
    "I'd rather you didn't read my messages out to friends, even the funny ones.",
    "One Sunday morning a month is mine, alone, no explanation needed.",
    "I don't want to talk about Marta's choices with your friends.",
];

pub const BO_BOUNDARIES: &[&str] = &[
    "When I'm mixing with headphones on, a tap on the shoulder is fine; a shout from the hallway isn't.",
    "Thursday football stays, even in busy weeks.",
    "Please ask before inviting people over on a weeknight.",
    "I'll tell you everything that matters; I'd like my phone to stay mine.",
];

/// "What can I do for you?", as Ana answers it.
pub const ANA_ASKS: &[&str] = &[
    "Take the bins down on Thursday? I'm on lates.",
    "A hug when I come in, before any questions.",
    "Could you call the plumber this time?",
    "Remind me to book the eye test, I keep forgetting.",
    "Plan one evening out, anything, as long as you plan it.",
    "Help me practise the talk for the ward meeting.",
    "Make the Sunday soup?",
    "Text when you leave the studio on Friday.",
    "Come swimming with me on Saturday.",
    "Ask me about my dad sometime. I don't bring it up, but I'd like to.",
    "Let me sleep on Wednesday morning, no matter what.",
    "Sit with me while I call the insurance people.",
    "Keep Sunday evening free for us.",
    "Tell me one good thing about your day, every day, even the boring days.",
    "Water the lemon tree while I'm on nights.",
    "Walk with me to the physio on Monday.",
    "Nothing big: just be home for dinner twice.",
    "Pick the film on Friday, and no complaining from me.",
    "Help me choose a present for Marta.",
    "Read the letter from the council with me.",
    "Check in with me on Tuesday, I'm nervous about the review.",
];

/// "What can I do for you?", as Bo answers it.
pub const BO_ASKS: &[&str] = &[
    "Come to the gig on Saturday, even for half an hour.",
    "Give me a quiet hour after I get back from Utrecht.",
    "Look at the invoice with me; I keep putting it off.",
    "Be patient with me on Thursday, it's a long session.",
    "Tell me when I'm talking over you. I mean it.",
    "Keep Friday breakfast.",
    "Help me sort the cables in the spare room before your mum comes.",
    "Remind me, kindly, about the calendar on Sunday.",
    "Come for a walk on Sunday morning, no phones.",
    "Tell me the real number on the pulse when you're ready, not the polite one.",
    "Ask how the new client went. I'm proud of it.",
    "Let me cook on Wednesday and don't rescue me.",
    "Say so when you need space, so I don't guess.",
    "Help me write the message to my brother.",
    "A lie-in on Sunday, and I'll take the cat.",
    "Just keep telling me when something's off. It helps.",
    "Tell me if the gig on the 12th is too much.",
    "Sit with me while I do the tax forms.",
    "Watch one football match with me, just one.",
    "Hold me to the bedtime promise.",
    "Come with me to buy the winter tyres.",
];

/// Promise texts that were simply kept, with a category and the story week
/// from which they make sense.
pub type PromiseIdea = (&'static str, &'static str, usize);

pub const ANA_PROMISES: &[PromiseIdea] = &[
    ("Pick up the parcel from the post office", "home", 0),
    ("Call Marta about Sunday lunch", "family", 0),
    ("Book the physio for my knee", "health", 0),
    ("Be home by seven on Thursday", "time together", 0),
    ("Make the lasagne for your football lot", "friends", 0),
    ("Transfer my half of the rent by the 1st", "money", 0),
    ("Water the balcony plants while you're away", "home", 0),
    ("Plan something for your birthday morning", "time together", 0),
    ("Ring the gas company about the bill", "money", 0),
    ("Bring the ladder back from Marta's", "home", 0),
    ("Tell you by Wednesday which weekend I'm on call", "work", 0),
    ("Go to bed before midnight after lates, three nights this week", "health", 0),
    ("Phone your mum on her birthday", "family", 0),
    ("Buy the present for Jonas's baby", "friends", 0),
    ("Sort the summer photos into one album", "home", 0),
    ("Leave my phone in the hallway during dinner all week", "time together", 0),
    ("Take Miso for her booster", "home", 0),
    ("Ask the ward for Christmas Eve off", "work", 18),
    ("Swap the winter duvet in", "home", 18),
    ("Cook on Tuesday and Thursday", "home", 0),
    ("Come to your gig at the Paradiso", "time together", 0),
    ("Put my share for Ghent in the shared pot", "money", 18),
    ("Fix the hem on your good trousers", "home", 0),
    ("Look over your freelance contract with you", "work", 0),
];

pub const BO_PROMISES: &[PromiseIdea] = &[
    ("Text when I leave the studio", "time together", 0),
    ("Sort the recycling on Sunday", "home", 0),
    ("Call my mum back before the weekend", "family", 0),
    ("Check the calendar with you before I accept any gig", "work", 18),
    ("Cook on Wednesday", "home", 0),
    ("Fix the wobbly chair", "home", 0),
    ("Send the photos to your mum", "family", 0),
    ("Get the van serviced before the festival", "work", 0),
    ("Be home for dinner on Friday, no gig", "time together", 0),
    ("Book the table for our anniversary", "time together", 0),
    ("Pay back the twenty from the market", "money", 0),
    ("Take the bins down on Thursdays this month", "home", 0),
    ("Come to the physio with you", "health", 0),
    ("Clean the bathroom before your parents visit", "home", 0),
    ("Put every gig in the shared calendar the day I get it", "work", 18),
    ("Bring Marta the soup", "family", 0),
    ("Drive you to the early shift on Monday", "time together", 0),
    ("Go for a walk with you on Sunday, no phones", "time together", 0),
    ("Sort out the bike shed", "home", 0),
    ("Tell you the real cost of anything over fifty euros", "money", 13),
    ("Call the plumber about the tap", "home", 0),
    ("Plan our Saturday, start to finish", "time together", 0),
    ("Pick up the cake for Marta's housewarming", "family", 0),
    ("Go to bed with you instead of editing till two, twice this week", "time together", 0),
];

/// How the "our promises" step sums up someone's week; `{}` is a list of
/// promise texts.
pub const PROMISES_ALL_KEPT: &[&str] = &[
    "All kept on my side: {}.",
    "Done and confirmed: {}. Feels good to say it.",
    "From me this week: {}. All done.",
    "I kept {}. Nothing left hanging.",
    "Kept: {}.",
];
pub const PROMISES_NONE: &[&str] = &[
    "Nothing was due from me this week; I kept it light on purpose.",
    "I made no promises this week. Next week I'd like to take one small one.",
    "No promises due from me. I'm checking before I take new ones.",
];

/// Private notes to oneself on some pulses.
pub const ANA_PULSE_NOTES: &[&str] = &[
    "Tired from nights, not about us.",
    "Better than last month, if I'm honest.",
    "Still sore about Friday.",
    "A bit lower than I'd like; I want to believe him and can't quite yet.",
    "Follow-through is coming back first.",
    "Good week. Easy to rate.",
    "Felt close on Sunday.",
];
pub const BO_PULSE_NOTES: &[&str] = &[
    "I trust her more than I trust myself right now.",
    "Work is loud; home is calm.",
    "Mostly disappointed in me this week.",
    "Calendar habit is holding. My own number is creeping up.",
    "Good weekend.",
    "Felt heard on Sunday.",
];

/// A note in the space: who wrote it, when, how visible, and for sealed
/// notes the other person's part, if written.
pub struct DemoNote {
    pub days_ago: i64,
    pub by_ana: bool,
    pub visibility: troth_domain::Visibility,
    pub title: &'static str,
    pub body: &'static str,
    pub answer: Option<&'static str>,
}

use troth_domain::Visibility::{Private, Sealed, Shared};

pub const NOTES: &[DemoNote] = &[
    DemoNote { days_ago: 179, by_ana: true, visibility: Shared, title: "Why we are doing this",
        body: "After the spring we both said we wanted to feel on the same side again. This space is for the small steps.", answer: None },
    DemoNote { days_ago: 173, by_ana: false, visibility: Shared, title: "Curry over chilli",
        body: "Small honesty to start with: I like your curry a lot more than your chilli. There, I said it.", answer: None },
    DemoNote { days_ago: 166, by_ana: true, visibility: Private, title: "What sets me off",
        body: "When a message goes unanswered for hours I start writing a story in my head. Notice it, check the evidence, wait.", answer: None },
    DemoNote { days_ago: 159, by_ana: true, visibility: Sealed, title: "A worry I have not said out loud",
        body: "I worry that I keep testing you instead of letting myself trust again.",
        answer: Some("I worry that one slip from me will undo everything we have rebuilt.") },
    DemoNote { days_ago: 151, by_ana: true, visibility: Shared, title: "House rules, first draft",
        body: "Text when plans change. Ask before saying yes for both of us. One concern each on Sundays, no more. Anything else can wait until we're both rested.\n\nAdd yours underneath, or tell me on Sunday.", answer: None },
    DemoNote { days_ago: 145, by_ana: false, visibility: Private, title: "Promises I make too fast",
        body: "I say yes before checking the calendar. Try: 'let me check and tell you tonight'.", answer: None },
    DemoNote { days_ago: 138, by_ana: true, visibility: Shared, title: "Thank you for Tuesday",
        body: "You called when you said you would, even from the airport. It mattered more than you know.", answer: None },
    DemoNote { days_ago: 131, by_ana: false, visibility: Shared, title: "What I'm good and bad at remembering",
        body: "Good: your coffee, your shift pattern, Miso's pills. Bad: anything I agree to while someone is talking to me about something else. So if I say yes in the hallway, ask me again at dinner.", answer: None },
    DemoNote { days_ago: 123, by_ana: true, visibility: Private, title: "Small win",
        body: "Bo was late and I didn't spiral. I checked: he had texted at 21:04. The story in my head was wrong again.", answer: None },
    DemoNote { days_ago: 116, by_ana: false, visibility: Shared, title: "The hike where we got lost",
        body: "We took the wrong fork, ran out of water and still laughed. I trusted you to keep calm, and you did.", answer: None },
    DemoNote { days_ago: 109, by_ana: true, visibility: Sealed, title: "Something that shaped how I trust",
        body: "Growing up, plans changed without warning. Being told early matters a lot to me.",
        answer: Some("In my last relationship questions were treated as attacks. I am learning that yours are not.") },
    DemoNote { days_ago: 102, by_ana: false, visibility: Private, title: "Money, honestly",
        body: "I told Ana the van repair was 400. It was 900. Tell her this week. It's only a big deal if I make it one.", answer: None },
    DemoNote { days_ago: 96, by_ana: true, visibility: Shared, title: "Heard on the ward",
        body: "An old man on the ward said the trick, after fifty years, was 'saying the boring things out loud'. I laughed, then thought about it all shift.", answer: None },
    DemoNote { days_ago: 89, by_ana: false, visibility: Shared, title: "About the van",
        body: "I told you it was 400. It was 900. I rounded down because I was embarrassed, which is exactly the habit I'm trying to drop. I'm sorry. The receipts are in the blue folder if you want them.", answer: None },
    DemoNote { days_ago: 88, by_ana: true, visibility: Private, title: "Noticing",
        body: "He told me about the van himself. Annoyed for ten minutes, then mostly relieved. This is what I asked for.", answer: None },
    DemoNote { days_ago: 59, by_ana: false, visibility: Shared, title: "Marta's dinner",
        body: "I said yes to the Friday gig without checking, and told you an hour before. You sat at your sister's table explaining where I was. That's on me, no excuses.\n\nNo gigs on family dates from now on, and I'd like us to go through the calendar together every Sunday so I can't do it by accident.", answer: None },
    DemoNote { days_ago: 58, by_ana: true, visibility: Private, title: "After Friday",
        body: "Angry, then sad, then tired. I don't want to punish him. I want to believe him and right now I can't quite. Both can be true for a while.", answer: None },
    DemoNote { days_ago: 54, by_ana: true, visibility: Shared, title: "What would help me now",
        body: "Not big gestures. Small things, on time, for a few weeks. Tell me when plans change. I'll try to say when I'm okay again instead of making you guess.", answer: None },
    DemoNote { days_ago: 47, by_ana: true, visibility: Sealed, title: "What I find hard to ask for",
        body: "To hear 'I'm here' when I go quiet, instead of questions.",
        answer: Some("Reassurance that one bad week doesn't define me.") },
    DemoNote { days_ago: 40, by_ana: false, visibility: Private, title: "Calendar first",
        body: "Three gig offers this month. Checked the calendar every time before answering. It's boring. It works.", answer: None },
    DemoNote { days_ago: 43, by_ana: true, visibility: Shared, title: "Space on Sunday mornings",
        body: "I would love one slow Sunday morning a month on my own. It is not about us; it helps me come back softer.", answer: None },
    DemoNote { days_ago: 34, by_ana: false, visibility: Shared, title: "Ghent",
        body: "Best weekend in a long time. Writing it down so we remember it on a grey Tuesday: the canal boat, the bad waffle, the good waffle, you asleep on the train home.", answer: None },
    DemoNote { days_ago: 27, by_ana: true, visibility: Private, title: "Pulse, three months on",
        body: "My numbers are back where they were in the summer. Follow-through came back first; feelings took longer. Interesting.", answer: None },
    DemoNote { days_ago: 13, by_ana: false, visibility: Shared, title: "Checking in",
        body: "This week felt lighter. I noticed you asked before deciding about the weekend. Thank you.", answer: None },
    DemoNote { days_ago: 9, by_ana: true, visibility: Sealed, title: "Next month: what I need, what I can give",
        body: "I need one evening a week that is just ours. I can give you quiet Saturdays when you've had a long gig.", answer: None },
    DemoNote { days_ago: 6, by_ana: true, visibility: Shared, title: "Christmas, draft",
        body: "Christmas Eve at your mum's, Boxing Day with Marta, the 27th is ours. Tell me what doesn't work before Sunday and we'll settle it then.", answer: None },
    DemoNote { days_ago: 4, by_ana: false, visibility: Shared, title: "The spare room",
        body: "Cleared two boxes and found our first cinema tickets. Keeping those. The rest goes this week, as promised (new date, I know).", answer: None },
    DemoNote { days_ago: 2, by_ana: false, visibility: Sealed, title: "What I need more of",
        body: "More unplanned evenings where we just cook and talk.", answer: None },
];

/// A moment in the shared journal: what happened, how the two held each
/// other up, what it taught them.
pub struct DemoMoment {
    pub days_ago: i64,
    pub by_ana: bool,
    pub title: &'static str,
    pub happened: &'static str,
    pub supported: &'static str,
    pub learned: &'static str,
    /// A comment from the other partner.
    pub comment: Option<&'static str>,
    /// Carries the demo's generated photo.
    pub photo: bool,
}

pub const JOURNAL: &[DemoMoment] = &[
    DemoMoment { days_ago: 150, by_ana: false, title: "The flooded kitchen",
        happened: "A pipe burst under the sink on a Tuesday night. Water everywhere, the landlord not answering, both of us in socks with every towel we owned.",
        supported: "Ana found the stopcock while I kept calling. Then we sat on the wet floor and ate cereal at midnight because there was nothing else to do.",
        learned: "We are good in a crisis when we split the work without arguing about who does what.",
        comment: Some("I still have the towel with the bleach stain. Keeping it."), photo: false },
    DemoMoment { days_ago: 52, by_ana: true, title: "The Sunday after Marta's dinner",
        happened: "The first calendar Sunday after the missed dinner. I expected it to feel like a test. It felt more like planning a trip.",
        supported: "Bo brought the gig offers to the table before saying yes to any of them. I said out loud when something worried me instead of going quiet.",
        learned: "Repair is mostly boring, repeated, small. That is why it works.",
        comment: Some("Thank you for giving it a chance that week."), photo: false },
    DemoMoment { days_ago: 33, by_ana: false, title: "Ghent, the canal boat",
        happened: "Our first weekend away in over a year. Rain in the morning, sun on the boat, two waffles of very different quality.",
        supported: "Ana planned the trip; I left my phone in the room on Saturday. We talked about the autumn without it turning into a negotiation.",
        learned: "We still like each other's company when nothing needs fixing.",
        comment: None, photo: true },
];

/// A moment on the trust timeline, `days_ago` from today.
pub struct DemoMark {
    pub days_ago: i64,
    pub by_ana: bool,
    pub built: bool,
    pub title: &'static str,
    pub learned: &'static str,
}

pub const TIMELINE: &[DemoMark] = &[
    DemoMark {
        days_ago: 2400,
        by_ana: true,
        built: true,
        title: "We met at the choir",
        learned:
            "Bo walked me to the station three weeks running before asking for my number. Patience reads as respect.",
    },
    DemoMark {
        days_ago: 1900,
        by_ana: false,
        built: true,
        title: "Moved in together",
        learned: "Sharing keys was the easy part; sharing the calendar took us years.",
    },
    DemoMark {
        days_ago: 1100,
        by_ana: true,
        built: false,
        title: "The tour summer",
        learned: "Long silences hurt more than the distance did. Short messages would have been enough.",
    },
    DemoMark {
        days_ago: 700,
        by_ana: false,
        built: true,
        title: "Ana's father in hospital",
        learned: "Showing up every evening, even tired, mattered more than anything I said.",
    },
    DemoMark {
        days_ago: 59,
        by_ana: true,
        built: false,
        title: "Marta's dinner",
        learned: "A broken promise is smaller than hiding it; Bo told me himself, and that kept the door open.",
    },
    DemoMark {
        days_ago: 33,
        by_ana: false,
        built: true,
        title: "Ghent weekend",
        learned: "Rest together is part of the repair, not a reward after it.",
    },
];
