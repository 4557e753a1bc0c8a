//! Browsing, searching and suggesting over a synthetic library of 1,000
//! exercises (target: well under 2 ms at p50 each), plus loading it.

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use troth_content::*;

#[path = "../tests/support/synthetic.rs"]
mod synthetic;

fn library_benches(c: &mut Criterion) {
    let sources = synthetic::sources(1000, 400);
    let library = Library::from_sources(sources.clone()).expect("synthetic library loads");
    assert_eq!(library.exercises().len(), 1000);

    let queries = [
        ("all", Query::default()),
        ("trust+mode", Query { trust: Some(TrustType::Emotional), mode: Some(Mode::Sealed), ..Query::default() }),
        (
            "track+level+minutes",
            Query {
                track: Some(Track::Rebuild),
                level: Some(Level::new(3).unwrap()),
                max_minutes: Some(30),
                ..Query::default()
            },
        ),
        ("text one word", Query { text: Some("Garden".into()), ..Query::default() }),
        ("text two words, no match", Query { text: Some("kitchen zebra".into()), ..Query::default() }),
        ("text+filters", Query { text: Some("honest partner".into()), track: Some(Track::Build), ..Query::default() }),
    ];
    for (name, query) in &queries {
        c.bench_function(&format!("find/{name}"), |b| b.iter(|| black_box(library.find(black_box(query))).len()));
    }

    // Half the library done, some several times.
    let done: HashMap<ExerciseId, u32> = library
        .exercises()
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(i, e)| (e.id.clone(), 1 + (i % 3) as u32))
        .collect();
    let lowest = [TrustType::Physical, TrustType::SelfTrust];
    for (name, present) in [("together", true), ("alone", false)] {
        let request = SuggestionRequest {
            track: Track::Rebuild,
            open_level: Level::new(4).unwrap(),
            done: &done,
            lowest_trust: &lowest,
            partner_present: present,
        };
        c.bench_function(&format!("suggest_next/{name}"), |b| {
            b.iter(|| black_box(suggest_next(&library, black_box(&request))).map(|s| s.exercise.minutes))
        });
    }

    let history: PromptHistory = library.prompts().iter().take(150).map(|p| p.id.clone()).collect();
    let seed = PairSeed::new("0123456789abcdef");
    c.bench_function("next_prompt/400 prompts", |b| {
        b.iter(|| black_box(next_prompt(library.prompts(), &history, Level::MAX, Some(TrustType::Emotional), seed, 7)))
    });

    let mut group = c.benchmark_group("load");
    group.sample_size(20);
    group.bench_function("from_sources/1000 exercises + 400 prompts", |b| {
        b.iter(|| Library::from_sources(black_box(&sources).iter().map(|(n, t)| (n, t))).unwrap().exercises().len())
    });
    group.finish();
}

criterion_group!(benches, library_benches);
criterion_main!(benches);
