//! Throughput of the coach on ~200-character messages, and of the JSON-lines
//! batch. `CARGO_TARGET_DIR=/work/target-coach cargo bench -p troth-coach`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use troth_coach::{run_jsonl, Coach, Mode};

/// Our own sample sentences (harsh, gentle, apologies, replies), padded to
/// about 200 characters each.
fn messages() -> Vec<String> {
    let parts = [
        "You never put the laundry away and I'm tired of asking.",
        "I feel worried when you drive home late. Could you text me when you leave?",
        "I'm sorry if you were upset, but you were overreacting.",
        "You're right, I forgot. I'm sorry, let me fix it tonight.",
        "Wow, what a brilliant idea. Really.",
        "Why do you always leave me to plan everything for the holidays?",
        "Thank you for cooking dinner, it meant a lot after my long day.",
        "That's not true, I always help with the kids on weekends.",
    ];
    (0..parts.len())
        .map(|i| {
            let mut m = String::new();
            let mut k = i;
            while m.len() < 200 {
                m.push_str(parts[k % parts.len()]);
                m.push(' ');
                k += 3;
            }
            // The samples are ASCII, so any byte index is a char boundary.
            m.truncate(200);
            m
        })
        .collect()
}

/// A realistic mix (the same as `examples/batch_speed.rs`): one harsh
/// start-up, one gentle, one non-apology, one accepting reply, one sneer,
/// each padded to 200 characters.
fn realistic() -> Vec<String> {
    [
        "You never put the laundry away and I'm tired of asking. Why is it always me who notices the basket is full?",
        "I feel worried when you drive home late at night. Could you text me when you leave the office, please?",
        "I'm sorry if you were upset, but you were overreacting and everyone does this anyway. Let's move on.",
        "You're right, I forgot to call your mum. I'm sorry, that wasn't fair to you. I'll ring her tonight.",
        "Wow, what a brilliant idea. Really. As if anyone expected anything better from you after last time.",
    ]
    .iter()
    .map(|s| {
        let mut text = s.to_string();
        while text.len() < 200 {
            text.push_str(" Could we talk?");
        }
        text.truncate(200);
        text
    })
    .collect()
}

fn bench(c: &mut Criterion) {
    let coach = Coach::english();
    let mix = realistic();
    let mut g = c.benchmark_group("coach_realistic");
    g.throughput(Throughput::Elements(mix.len() as u64));
    g.bench_function("check_200_chars", |b| {
        b.iter(|| {
            for m in &mix {
                black_box(coach.check(black_box(m)).ok());
            }
        })
    });
    g.finish();

    let msgs = messages();
    let mut g = c.benchmark_group("coach");
    g.throughput(Throughput::Elements(msgs.len() as u64));
    g.bench_function("check_200_chars", |b| {
        b.iter(|| {
            for m in &msgs {
                black_box(coach.check(black_box(m)).ok());
            }
        })
    });
    g.bench_function("apology_200_chars", |b| {
        b.iter(|| {
            for m in &msgs {
                black_box(coach.apology(black_box(m)).ok());
            }
        })
    });
    g.finish();

    let n = 10_000;
    let mut input = String::new();
    for i in 0..n {
        let line = serde_json::json!({ "text": msgs[i % msgs.len()] });
        input.push_str(&line.to_string());
        input.push('\n');
    }
    let mut g = c.benchmark_group("batch");
    g.throughput(Throughput::Elements(n as u64));
    g.sample_size(10);
    g.bench_function("run_jsonl_check_10k", |b| {
        b.iter(|| run_jsonl(&coach, Mode::Check, input.as_bytes(), std::io::sink()).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
