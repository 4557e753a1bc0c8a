//! Prints every analysis of the messages given as arguments, as JSON, and the
//! learned layer's log-odds per situation.
//! `cargo run -p troth-coach --example explain -- "You never listen."`

use troth_coach::Coach;

fn main() {
    let coach = Coach::english();
    for text in std::env::args().skip(1) {
        println!("== {text}");
        let show = |name: &str, v: Result<String, troth_coach::CoachError>| match v {
            Ok(j) => println!("{name}: {j}"),
            Err(e) => println!("{name}: error: {e}"),
        };
        let j = |r: Result<serde_json::Value, _>| r;
        show("check", j(coach.check(&text).map(|a| serde_json::to_value(a).unwrap())).map(|v| v.to_string()));
        show("apology", coach.apology(&text).map(|a| serde_json::to_string(&a).unwrap()));
        show("response", coach.response(&text).map(|a| serde_json::to_string(&a).unwrap()));
        if let Ok(Some(s)) = coach.model_scores(&text) {
            println!("log-odds (startup apology response contempt): {s:.2?}");
        }
    }
}
