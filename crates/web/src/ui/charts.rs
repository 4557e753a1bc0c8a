//! Server-rendered SVG charts: no JavaScript, and no inline `style`
//! attributes (the CSP forbids them). Colour comes from CSS classes
//! (`series-1`…`series-6`, `bar-positive`, `bar-negative`, `gauge-fill`) with
//! a `stroke`/`fill` presentation attribute as fallback; the fallbacks are
//! AA-contrast colours on white. Series also differ by dash pattern, so they
//! stay apart without colour.
//!
//! Every chart is `role="img"` with a text alternative; the numbers
//! themselves go in [`data_table`], which pages put in a `<details>` below.
//! Drawn in a 400×220 viewBox so text stays legible when scaled to a
//! 390px-wide phone.

use maud::{html, Markup};
use std::fmt::Write;

/// Fallback colours for `series-1`…`series-6` (AA on white).
pub const PALETTE: [&str; 6] = ["#8a4b3c", "#2f6b3a", "#1f5fbf", "#7a4510", "#4b3870", "#a3231c"];
/// Dash patterns per series position, so lines differ without colour too.
const DASHES: [Option<&str>; 6] = [None, Some("7 4"), Some("2 4"), Some("10 3 2 3"), Some("4 4"), Some("1 3")];
pub const POSITIVE: &str = "#2f6b3a";
pub const NEGATIVE: &str = "#a3231c";
pub const GAUGE: &str = "#1f5fbf";
const TRACK: &str = "#e8e3de";
const INK: &str = "#333333";
const GRID: &str = "#cfc8c1";

const W: f64 = 400.0;
const H: f64 = 220.0;
const LEFT: f64 = 34.0;
/// Room right of the newest point for half of its centred label ("30 Nov").
const RIGHT: f64 = 28.0;
/// Axis text size in viewBox units: on a phone the chart is drawn about
/// 300 px wide, so 14 comes out near 11 px, still readable.
const AXIS_FONT: &str = "14";
const TOP: f64 = 12.0;
const BOTTOM: f64 = 30.0;
/// At most this many x labels, so they don't collide on a phone.
pub const MAX_X_LABELS: usize = 6;

pub struct Series {
    pub name: String,
    /// One value per x label; `None` leaves a gap in the line.
    pub points: Vec<Option<f64>>,
    /// A CSS class, normally `series-1`…`series-6`.
    pub class: &'static str,
}

/// "7", "6.5": one decimal, no trailing ".0"; the same digits as `{:.1}`.
pub fn fmt_num(v: f64) -> String {
    Num(v).to_string()
}

/// A number written as [`fmt_num`] does, straight into the page: charts
/// hold a few hundred numbers, and neither they nor their digits need
/// escaping or a `String` each.
///
/// `{:.1}` takes std's exact (arbitrary-precision) path for every value,
/// which showed as a tenth of the insights page's time. Scaling by ten and
/// rounding gives the same digit whenever the value is not within a hair
/// of a tie (`x.x5`); only those, and values too large for the shortcut, go
/// through `{:.1}`.
#[derive(Debug, Clone, Copy)]
pub struct Num(pub f64);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = self.0;
        let scaled = v * 10.0;
        let tenths = scaled.round();
        if !(v.is_finite() && scaled.abs() < 1e15 && ((scaled - tenths).abs() - 0.5).abs() > 1e-6) {
            return f.write_str(&fmt_num_exact(v));
        }
        let tenths = tenths as i64;
        let (whole, digit) = (tenths.unsigned_abs() / 10, tenths.unsigned_abs() % 10);
        let sign = if tenths < 0 { "-" } else { "" };
        if digit == 0 {
            write!(f, "{sign}{whole}")
        } else {
            write!(f, "{sign}{whole}.{digit}")
        }
    }
}

impl maud::Render for Num {
    fn render_to(&self, buffer: &mut String) {
        // Digits, a dot and a minus sign: nothing to escape.
        let _ = write!(buffer, "{self}");
    }
}

fn fmt_num_exact(v: f64) -> String {
    let s = format!("{v:.1}");
    match s.strip_suffix(".0") {
        Some("-0") => "0".to_string(),
        Some(whole) => whole.to_string(),
        None => s,
    }
}

/// The fallback colour for a series: from its `series-N` class when it has
/// one, else by position.
fn colour_for(class: &str, index: usize) -> &'static str {
    class
        .strip_prefix("series-")
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| (1..=PALETTE.len()).contains(n))
        .map(|n| PALETTE[n - 1])
        .unwrap_or(PALETTE[index % PALETTE.len()])
}

/// A stable id prefix derived from the content (FNV-1a), so `aria-labelledby`
/// targets are unique per chart without any global counter.
fn chart_id(title: &str, series: &[Series]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |s: &str| {
        for b in s.bytes().chain([0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(title);
    for s in series {
        eat(&s.name);
    }
    format!("chart-{:08x}", h as u32)
}

/// Which x indices get a label: counted back from the newest, evenly spaced.
pub fn label_indices(n: usize) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    let step = n.div_ceil(MAX_X_LABELS).max(1);
    let mut v: Vec<usize> = (0..n).rev().step_by(step).collect();
    v.reverse();
    v
}

/// Runs of consecutive present values, as (index, value) pairs.
fn segments(points: &[Option<f64>]) -> Vec<Vec<(usize, f64)>> {
    let mut out = Vec::new();
    let mut run = Vec::new();
    for (i, p) in points.iter().enumerate() {
        match p.filter(|v| v.is_finite()) {
            Some(v) => run.push((i, v)),
            None if !run.is_empty() => out.push(std::mem::take(&mut run)),
            None => {}
        }
    }
    if !run.is_empty() {
        out.push(run);
    }
    out
}

struct Frame {
    n: usize,
    y_max: f64,
}

impl Frame {
    fn x(&self, i: usize) -> f64 {
        let plot = W - LEFT - RIGHT;
        if self.n <= 1 {
            LEFT + plot / 2.0
        } else {
            LEFT + plot * i as f64 / (self.n - 1) as f64
        }
    }
    fn y(&self, v: f64) -> f64 {
        let plot = H - TOP - BOTTOM;
        TOP + plot * (1.0 - (v / self.y_max).clamp(0.0, 1.0))
    }
}

fn describe(series: &[Series], x_labels: &[String], y_max: f64) -> String {
    let mut d = format!("Values from 0 to {}. ", Num(y_max));
    for s in series {
        let last = s.points.iter().enumerate().rev().find_map(|(i, p)| p.filter(|v| v.is_finite()).map(|v| (i, v)));
        let _ = match last {
            Some((i, v)) => match x_labels.get(i) {
                Some(label) => write!(d, "{}: latest {} ({}). ", s.name, Num(v), label),
                None => write!(d, "{}: latest {}. ", s.name, Num(v)),
            },
            None => write!(d, "{}: no data yet. ", s.name),
        };
    }
    d.push_str("The table below lists every value.");
    d
}

/// A responsive line chart. `y_max` is the top of the scale (10 for ratings);
/// gridlines at 0, half and the top. Each run of present values is one
/// `<path>` (a run of one is shown by its dot only); every present value gets
/// a `<circle>` with a tooltip.
pub fn line_chart(title: &str, series: &[Series], x_labels: &[String], y_max: f64) -> Markup {
    let y_max = if y_max.is_finite() && y_max > 0.0 { y_max } else { 1.0 };
    let n = series.iter().map(|s| s.points.len()).max().unwrap_or(0).max(x_labels.len());
    let f = Frame { n, y_max };
    let id = chart_id(title, series);
    let (title_id, desc_id) = (format!("{id}-t"), format!("{id}-d"));
    let labelled_by = format!("{title_id} {desc_id}");
    let view_box = format!("0 0 {W} {H}");
    html! {
        figure class="chart" {
            svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox=(view_box) width="100%"
                preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby=(labelled_by) {
                title id=(title_id) { (title) }
                desc id=(desc_id) { (describe(series, x_labels, y_max)) }
                g class="chart-grid" {
                    @for v in [0.0, y_max / 2.0, y_max] {
                        line x1=(LEFT) x2=(W - RIGHT) y1=(Num(f.y(v))) y2=(Num(f.y(v)))
                            stroke=(GRID) stroke-width="1" {}
                        text x=(LEFT - 6.0) y=(Num(f.y(v) + 5.0)) text-anchor="end" font-size=(AXIS_FONT) fill=(INK) {
                            (Num(v))
                        }
                    }
                }
                g class="chart-x-labels" {
                    @for i in label_indices(n) {
                        @if let Some(label) = x_labels.get(i) {
                            // Every label centred under its point: anchoring the newest at its
                            // end made it run into its neighbour ("16 Nov30 Nov").
                            text x=(Num(f.x(i))) y=(Num(H - 8.0)) text-anchor="middle" font-size=(AXIS_FONT) fill=(INK) {
                                (label)
                            }
                        }
                    }
                }
                @for (index, s) in series.iter().enumerate() {
                    @let colour = colour_for(s.class, index);
                    @let dash = DASHES[index % DASHES.len()];
                    g class={"chart-series " (s.class)} {
                        @for run in segments(&s.points).iter().filter(|r| r.len() > 1) {
                            path class="chart-line" d=(path_d(&f, run)) fill="none" stroke=(colour) stroke-width="2.5"
                                stroke-linejoin="round" stroke-linecap="round" stroke-dasharray=[dash] {}
                        }
                        @for run in segments(&s.points) {
                            @for (i, v) in run {
                                circle class="chart-dot" cx=(Num(f.x(i))) cy=(Num(f.y(v))) r="3.5" fill=(colour) {
                                    title {
                                        (s.name) ", " (x_labels.get(i).map(String::as_str).unwrap_or("")) ": " (Num(v))
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if !series.is_empty() {
                ul class="chart-legend" {
                    @for (index, s) in series.iter().enumerate() {
                        li class=(s.class) {
                            svg xmlns="http://www.w3.org/2000/svg" width="28" height="10" viewBox="0 0 28 10"
                                aria-hidden="true" focusable="false" {
                                line x1="1" y1="5" x2="27" y2="5" stroke=(colour_for(s.class, index)) stroke-width="3"
                                    stroke-dasharray=[DASHES[index % DASHES.len()]] {}
                            }
                            " " (s.name)
                        }
                    }
                }
            }
        }
    }
}

/// One small chart per series, side by side where the screen is wide and
/// one under the other on a phone: six lines in one chart tangle on a
/// small screen. Each chart is titled `"{name}{title_suffix}"`.
pub fn small_multiples(title_suffix: &str, series: &[Series], x_labels: &[String], y_max: f64) -> Markup {
    html! {
        div class="chart-grid" {
            @for s in series {
                @let one = [Series { name: s.name.clone(), points: s.points.clone(), class: s.class }];
                // Named above its chart, where the eye starts; the lone legend
                // entry below would only repeat the name.
                div class="small-chart" {
                    h3 { (s.name) }
                    (line_chart(&format!("{}{title_suffix}", s.name), &one, x_labels, y_max))
                }
            }
        }
    }
}

fn path_d(f: &Frame, run: &[(usize, f64)]) -> String {
    let mut d = String::with_capacity(run.len() * 14);
    for (k, &(i, v)) in run.iter().enumerate() {
        let _ = write!(d, "{}{} {}", if k == 0 { "M" } else { " L" }, Num(f.x(i)), Num(f.y(v)));
    }
    d
}

/// The numbers behind a chart. `columns` head the value columns (the
/// row-label column has an empty corner cell); each row is a label and its
/// values, `None` reading "no data" to screen readers.
pub fn data_table(caption: &str, columns: &[String], rows: &[(String, Vec<Option<f64>>)]) -> Markup {
    html! {
        table class="data-table" {
            caption { (caption) }
            thead {
                tr {
                    td {}
                    @for c in columns { th scope="col" { (c) } }
                }
            }
            tbody {
                @for (label, values) in rows {
                    tr {
                        th scope="row" { (label) }
                        @for i in 0..columns.len().max(values.len()) {
                            @match values.get(i).copied().flatten().filter(|v| v.is_finite()) {
                                Some(v) => td { (Num(v)) },
                                None => td class="no-data" {
                                    span aria-hidden="true" { "–" }
                                    span class="visually-hidden" { "no data" }
                                },
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A 0–100 bar with the number beside it.
pub fn score_gauge(label: &str, score: u8) -> Markup {
    let score = score.min(100);
    let track = 160.0;
    let filled = track * f64::from(score) / 100.0;
    let alt = format!("{label}: {score} out of 100");
    html! {
        svg xmlns="http://www.w3.org/2000/svg" class="gauge" viewBox="0 0 200 28" width="100%"
            preserveAspectRatio="xMinYMid meet" role="img" aria-label=(alt) {
            title { (alt) }
            rect class="gauge-track" x="0" y="4" width=(track) height="20" rx="4" fill=(TRACK) {}
            @if score > 0 {
                rect class="gauge-fill" x="0" y="4" width=(fmt_num(filled)) height="20" rx="4" fill=(GAUGE) {}
            }
            text x="196" y="20" text-anchor="end" font-size="16" font-weight="bold" fill=(INK) { (score) }
        }
    }
}

/// Good moments against missed promises, as one split bar with the counts below.
pub fn ratio_bar(positive: u32, negative: u32) -> Markup {
    let total = u64::from(positive) + u64::from(negative);
    let width = 200.0;
    let pos_w = if total == 0 { 0.0 } else { width * positive as f64 / total as f64 };
    let alt = match (positive, negative) {
        (0, 0) => "No moments recorded yet".to_string(),
        (p, 0) => format!("{p} good moments, no missed promises"),
        (p, n) => format!("{p} good moments and {n} missed promises, about {} to 1", fmt_num(p as f64 / n as f64)),
    };
    html! {
        svg xmlns="http://www.w3.org/2000/svg" class="ratio-bar" viewBox="0 0 200 40" width="100%"
            preserveAspectRatio="xMinYMid meet" role="img" aria-label=(alt) {
            title { (alt) }
            rect class="gauge-track" x="0" y="2" width=(width) height="16" rx="3" fill=(TRACK) {}
            @if positive > 0 {
                rect class="bar-positive" x="0" y="2" width=(fmt_num(pos_w)) height="16" fill=(POSITIVE) {}
            }
            @if negative > 0 {
                rect class="bar-negative" x=(fmt_num(pos_w)) y="2" width=(fmt_num(width - pos_w)) height="16" fill=(NEGATIVE) {}
            }
            text class="bar-positive" x="0" y="36" font-size="12" fill=(POSITIVE) { (positive) " good" }
            text class="bar-negative" x="200" y="36" text-anchor="end" font-size="12" fill=(NEGATIVE) { (negative) " missed" }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weeks(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("W{i:02}")).collect()
    }

    fn s(name: &str, class: &'static str, points: Vec<Option<f64>>) -> Series {
        Series { name: name.to_string(), points, class }
    }

    #[test]
    fn line_chart_is_an_accessible_responsive_svg() {
        let out =
            line_chart("Trust over time", &[s("Feelings", "series-1", vec![Some(4.0), Some(6.0)])], &weeks(2), 10.0)
                .into_string();
        for must in [
            "<svg",
            "role=\"img\"",
            "viewBox=\"0 0 400 220\"",
            "width=\"100%\"",
            "preserveAspectRatio",
            "<title id=\"chart-",
            "<desc id=\"chart-",
            "aria-labelledby=\"chart-",
            "class=\"chart-legend\"",
        ] {
            assert!(out.contains(must), "missing {must}");
        }
        assert!(!out.contains("style="));
        assert!(!out.contains("<script"));
        // aria-labelledby points at the title and desc ids.
        let id = out.split("<title id=\"").nth(1).unwrap().split('"').next().unwrap();
        assert!(out.contains(&format!("aria-labelledby=\"{id} {}\"", id.replace("-t", "-d"))));
        assert!(out.contains("Feelings: latest 6 (W02)"));
        // Gridlines at 0, 5 and 10.
        assert_eq!(out.matches("<line").count(), 3 + 1);
        for label in [">0<", ">5<", ">10<"] {
            assert!(out.contains(label));
        }
        assert!(out.contains("stroke=\"#8a4b3c\""));
    }

    /// Axis text never overlaps: for any number of weeks, neighbouring x
    /// labels ("30 Nov", the widest) sit further apart than one is wide,
    /// none runs off the viewBox, and the lowest y label stays above them.
    #[test]
    fn axis_labels_never_overlap() {
        let font: f64 = AXIS_FONT.parse().unwrap();
        // A generous width per character for a sans-serif face.
        let label_width = "30 Nov".len() as f64 * font * 0.62;
        for n in 1..=60 {
            let f = Frame { n, y_max: 10.0 };
            let xs: Vec<f64> = label_indices(n).into_iter().map(|i| f.x(i)).collect();
            for pair in xs.windows(2) {
                assert!(pair[1] - pair[0] > label_width + 4.0, "{n} weeks: labels {pair:?} collide");
            }
            for x in &xs {
                assert!(
                    x - label_width / 2.0 >= 0.0 && x + label_width / 2.0 <= W,
                    "{n} weeks: label at {x} leaves the chart"
                );
            }
        }
        let lowest_y_label_bottom = Frame { n: 12, y_max: 10.0 }.y(0.0) + 5.0;
        assert!(lowest_y_label_bottom + 2.0 < H - 8.0 - font, "the 0 label sits above the week labels");
    }

    #[test]
    fn small_multiples_draw_one_chart_per_series() {
        let series: Vec<Series> =
            (0..6).map(|i| s(&format!("Kind{i}"), "series-1", vec![Some(i as f64), Some(5.0)])).collect();
        let out = small_multiples(" by week", &series, &weeks(2), 10.0).into_string();
        assert!(out.starts_with("<div class=\"chart-grid\"><div class=\"small-chart\"><h3>Kind0</h3>"));
        assert_eq!(out.matches("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart-svg\"").count(), 6);
        for i in 0..6 {
            assert_eq!(out.matches(&format!(">Kind{i} by week</title>")).count(), 1, "chart {i} titled once");
        }
    }

    #[test]
    fn gaps_split_paths_and_every_value_gets_a_dot() {
        let pts = vec![Some(1.0), Some(2.0), None, Some(3.0), Some(4.0), Some(5.0), None, Some(6.0)];
        let out = line_chart("t", &[s("a", "series-2", pts)], &weeks(8), 10.0).into_string();
        // Two runs of 2+ points; the lone last value is a dot only.
        assert_eq!(out.matches("<path").count(), 2);
        assert_eq!(out.matches("<circle").count(), 6);
        assert!(out.contains("class=\"chart-series series-2\""));
        let none = line_chart("t", &[s("a", "series-1", vec![None, None])], &weeks(2), 10.0).into_string();
        assert_eq!((none.matches("<path").count(), none.matches("<circle").count()), (0, 0));
        assert!(none.contains("a: no data yet."));
        let nan = line_chart("t", &[s("a", "series-1", vec![Some(f64::NAN), Some(2.0), Some(3.0)])], &weeks(3), 10.0);
        assert_eq!(nan.into_string().matches("<circle").count(), 2);
    }

    #[test]
    fn several_series_get_distinct_looks() {
        let series: Vec<Series> = (0..6)
            .map(|i| {
                s(
                    &format!("S{i}"),
                    ["series-1", "series-2", "series-3", "series-4", "series-5", "series-6"][i],
                    vec![Some(i as f64), Some(1.0)],
                )
            })
            .collect();
        let out = line_chart("t", &series, &weeks(2), 10.0).into_string();
        for c in PALETTE {
            assert!(out.contains(c), "{c}");
        }
        assert_eq!(out.matches("<path").count(), 6);
        assert_eq!(out.matches("<li class=").count(), 6);
        assert_eq!(out.matches("stroke-dasharray").count(), 10); // 5 dashed series × (line + legend)
        assert_eq!(colour_for("custom", 7), PALETTE[1]);
    }

    #[test]
    fn titles_and_labels_are_escaped() {
        let out = line_chart(
            "<b>us</b> & \"them\"",
            &[s("<i>x</i>", "series-1", vec![Some(1.0), Some(2.0)])],
            &["<w1>".to_string(), "w2".to_string()],
            10.0,
        )
        .into_string();
        assert!(!out.contains("<b>") && !out.contains("<i>") && !out.contains("<w1>"));
        assert!(out.contains("&lt;b&gt;us&lt;/b&gt; &amp;"));
        let t = data_table("<cap>", &["<c>".to_string()], &[("<r>".to_string(), vec![Some(1.0)])]).into_string();
        assert!(!t.contains("<cap>") && !t.contains("<c>") && !t.contains("<r>"));
    }

    #[test]
    fn x_labels_are_thinned_for_small_screens() {
        assert_eq!(label_indices(0), Vec::<usize>::new());
        assert_eq!(label_indices(1), vec![0]);
        assert_eq!(label_indices(6), vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(label_indices(12), vec![1, 3, 5, 7, 9, 11]);
        for n in 1..60 {
            let idx = label_indices(n);
            assert!(idx.len() <= MAX_X_LABELS && idx.last() == Some(&(n - 1)), "n={n}");
        }
        let out = line_chart("t", &[s("a", "series-1", vec![Some(1.0); 26])], &weeks(26), 10.0).into_string();
        let shown = (1..=26).filter(|i| out.contains(&format!(">W{i:02}<"))).count();
        assert!(shown <= MAX_X_LABELS && out.contains(">W26<"));
    }

    #[test]
    fn scale_clamps_and_handles_odd_maxima() {
        let out = line_chart("t", &[s("a", "series-1", vec![Some(-5.0), Some(50.0)])], &weeks(2), 10.0).into_string();
        // Clamped to the plot: bottom y = 220 - 30 = 190, top y = 12; x from
        // the left edge (34) to the right one (400 - 28, room for a centred label).
        assert!(out.contains("d=\"M34 190 L372 12\""), "{out}");
        let hundred = line_chart("t", &[], &weeks(3), 100.0).into_string();
        assert!(hundred.contains(">50<") && hundred.contains(">100<"));
        assert!(!hundred.contains("chart-legend"));
        assert!(line_chart("t", &[], &[], 0.0).into_string().contains("<svg"));
        let single = line_chart("t", &[s("a", "series-1", vec![Some(5.0)])], &weeks(1), 10.0).into_string();
        // A single point sits in the middle of the plot: 34 + (372 - 34) / 2.
        assert!(single.contains("cx=\"203\""));
    }

    #[test]
    fn data_table_has_caption_and_scoped_headers() {
        let t = data_table(
            "Weekly averages",
            &weeks(3),
            &[("Feelings".to_string(), vec![Some(4.25), None, Some(7.0)]), ("Honesty".to_string(), vec![Some(5.0)])],
        )
        .into_string();
        assert!(t.starts_with("<table class=\"data-table\"><caption>Weekly averages</caption>"));
        assert_eq!(t.matches("<th scope=\"col\">").count(), 3);
        assert_eq!(t.matches("<th scope=\"row\">").count(), 2);
        assert_eq!(t.matches("<td").count(), 1 + 6);
        // {:.1} rounds the binary value of 4.25 (exactly a tie) to even.
        assert!(t.contains("<td>4.2</td>"));
        assert!(t.contains("<td>7</td>"));
        assert_eq!(t.matches("no data").count(), 3);
        assert!(!t.contains("style="));
    }

    #[test]
    fn gauge_and_ratio_bar() {
        let g = score_gauge("Reliability", 72).into_string();
        assert!(g.contains("<svg") && g.contains("role=\"img\"") && !g.contains("style="));
        assert!(g.contains("aria-label=\"Reliability: 72 out of 100\""));
        assert!(g.contains("width=\"115.2\"") && g.contains(">72</text>"));
        assert!(!score_gauge("x", 0).into_string().contains("gauge-fill"));
        assert!(score_gauge("x", 255).into_string().contains(">100</text>"));
        assert!(score_gauge("<x>", 5).into_string().contains("&lt;x&gt;"));

        let r = ratio_bar(12, 3).into_string();
        assert!(r.contains("role=\"img\"") && !r.contains("style="));
        assert!(r.contains("class=\"bar-positive\" x=\"0\" y=\"2\" width=\"160\""));
        assert!(r.contains("class=\"bar-negative\" x=\"160\""));
        assert!(r.contains("about 4 to 1"));
        assert!(r.contains(&format!("fill=\"{POSITIVE}\"")) && r.contains(&format!("fill=\"{NEGATIVE}\"")));
        let empty = ratio_bar(0, 0).into_string();
        assert!(!empty.contains("<rect class=\"bar-") && empty.contains("No moments recorded yet"));
        assert!(ratio_bar(4, 0).into_string().contains("no missed promises"));
        assert!(!ratio_bar(u32::MAX, u32::MAX).into_string().contains("NaN"));
    }

    #[test]
    fn numbers_format_compactly() {
        assert_eq!(fmt_num(7.0), "7");
        assert_eq!(fmt_num(6.55), "6.5");
        assert_eq!(fmt_num(-0.01), "0");
        assert_eq!(fmt_num(12.25), "12.2");
        assert_eq!(fmt_num(-0.5), "-0.5");
        assert_eq!(fmt_num(-3.0), "-3");
        assert_eq!(fmt_num(f64::NAN), "NaN");
    }

    #[test]
    fn the_fast_path_writes_what_the_exact_one_does() {
        // Chart coordinates, scores, ties and near-ties, both signs.
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut values = vec![0.05, 0.15, 0.25, 0.35, 2.675, 1e16, -1e16, 123_456.05, f64::INFINITY];
        for i in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = (x % 2_000_000) as f64 / 1000.0 - 1000.0;
            values.push(v);
            values.push(i as f64 / 100.0 + 0.05);
            values.push(-(i as f64) / 20.0);
        }
        for v in values {
            assert_eq!(fmt_num(v), fmt_num_exact(v), "{v:?}");
        }
    }
}

/// One moment on a [`timeline_chart`].
pub struct TimelineMark {
    pub day: jiff::civil::Date,
    pub title: String,
    /// Built trust (drawn above the line, a circle) or challenged it
    /// (below, a square): shape and side tell them apart without colour.
    pub built: bool,
}

const TIMELINE_AXIS_Y: f64 = 110.0;
/// The page's background (`--bg`), drawn around each name on the timeline.
const HALO: &str = "#fbf7f2";
const TIMELINE_SIDE: f64 = 20.0;
/// Longest label drawn on the chart; the list below has the whole title.
const TIMELINE_LABEL_CHARS: usize = 16;

/// How far the `i`th moment stands from the line: three heights in turn,
/// so neighbouring names rarely meet.
fn timeline_stem(i: usize) -> f64 {
    28.0 + 24.0 * (i % 3) as f64
}

fn day_number(d: jiff::civil::Date) -> i64 {
    d.to_zoned(jiff::tz::TimeZone::UTC).map(|z| z.timestamp().as_second() / 86_400).unwrap_or(0)
}

fn short_label(title: &str) -> String {
    if title.chars().count() <= TIMELINE_LABEL_CHARS {
        title.to_string()
    } else {
        let cut: String = title.chars().take(TIMELINE_LABEL_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// The years to mark under the line: the first and last, and evenly
/// spaced ones between, at most [`MAX_X_LABELS`].
fn timeline_years(first: i16, last: i16) -> Vec<i16> {
    let span = i32::from(last - first);
    if span <= 0 {
        return vec![first];
    }
    let step = (span as usize).div_ceil(MAX_X_LABELS - 1).max(1);
    let mut years: Vec<i16> = (0..=span as usize).step_by(step).map(|k| first + k as i16).collect();
    if years.last() != Some(&last) {
        years.push(last);
    }
    years
}

/// The relationship as a line in time: moments that built trust rise above
/// it, those that challenged it hang below, placed by date. `marks` must be
/// in date order. The accessible version is the list pages put beside it.
pub fn timeline_chart(title: &str, marks: &[TimelineMark]) -> Markup {
    let id = {
        let series: Vec<Series> = marks
            .iter()
            .map(|m| Series { name: format!("{}{}", m.day, m.title), points: Vec::new(), class: "" })
            .collect();
        chart_id(title, &series)
    };
    let (title_id, desc_id) = (format!("{id}-t"), format!("{id}-d"));
    let built = marks.iter().filter(|m| m.built).count();
    let desc = match (marks.first(), marks.last()) {
        (Some(first), Some(last)) => format!(
            "{} moments from {} to {}: {} built trust, {} challenged it. The list below names each one.",
            marks.len(),
            first.day,
            last.day,
            built,
            marks.len() - built
        ),
        _ => "No moments yet.".to_string(),
    };
    let (lo, hi) = match (marks.first(), marks.last()) {
        (Some(f), Some(l)) => (day_number(f.day), day_number(l.day)),
        _ => (0, 0),
    };
    let width = W - 2.0 * TIMELINE_SIDE;
    let x = |d: jiff::civil::Date| {
        if hi == lo {
            W / 2.0
        } else {
            TIMELINE_SIDE + (day_number(d) - lo) as f64 / (hi - lo) as f64 * width
        }
    };
    let years = match (marks.first(), marks.last()) {
        (Some(f), Some(l)) => timeline_years(f.day.year(), l.day.year()),
        _ => Vec::new(),
    };
    let year_x = |y: i16| {
        let d = jiff::civil::Date::new(y, 1, 1).unwrap_or_default();
        x(d).clamp(TIMELINE_SIDE, W - TIMELINE_SIDE)
    };
    let view_box = format!("0 0 {W} {H}");
    html! {
        figure class="chart timeline-chart" {
            svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox=(view_box) width="100%"
                preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby={(title_id) " " (desc_id)} {
                title id=(title_id) { (title) }
                desc id=(desc_id) { (desc) }
                line class="timeline-axis" x1=(TIMELINE_SIDE) x2=(W - TIMELINE_SIDE) y1=(TIMELINE_AXIS_Y)
                    y2=(TIMELINE_AXIS_Y) stroke=(INK) stroke-width="2" {}
                @if marks.len() > 1 {
                    g class="chart-x-labels" {
                        @for y in &years {
                            line x1=(Num(year_x(*y))) x2=(Num(year_x(*y))) y1=(TIMELINE_AXIS_Y - 4.0)
                                y2=(TIMELINE_AXIS_Y + 4.0) stroke=(INK) stroke-width="1" {}
                            text x=(Num(year_x(*y))) y=(Num(H - 6.0)) text-anchor="middle" font-size="11" fill=(INK) { (y) }
                        }
                    }
                }
                @for (i, m) in marks.iter().enumerate() {
                    @let cx = x(m.day);
                    @let stem = timeline_stem(i);
                    @let (y, class, colour) = if m.built {
                        (TIMELINE_AXIS_Y - stem, "timeline-built", POSITIVE)
                    } else {
                        (TIMELINE_AXIS_Y + stem, "timeline-challenged", NEGATIVE)
                    };
                    g class={"timeline-mark " (class)} {
                        title { (m.day) ", " (if m.built { "built trust" } else { "challenged trust" }) ": " (m.title) }
                        line x1=(Num(cx)) x2=(Num(cx)) y1=(TIMELINE_AXIS_Y) y2=(Num(y)) stroke=(colour) stroke-width="1.5" {}
                        @if m.built {
                            circle cx=(Num(cx)) cy=(Num(y)) r="5" fill=(colour) {}
                        } @else {
                            rect x=(Num(cx - 4.5)) y=(Num(y - 4.5)) width="9" height="9" fill=(colour) {}
                        }
                    }
                }
                // The names last, over every stem, each on a halo of the page's
                // colour: a taller neighbour's stem passes behind a name, not through it.
                g class="timeline-labels" {
                    @for (i, m) in marks.iter().enumerate() {
                        @let cx = x(m.day);
                        @let stem = timeline_stem(i);
                        @let label_y = if m.built { TIMELINE_AXIS_Y - stem - 8.0 } else { TIMELINE_AXIS_Y + stem + 16.0 };
                        @let anchor = if cx < 70.0 { "start" } else if cx > W - 70.0 { "end" } else { "middle" };
                        g class=(if m.built { "timeline-built" } else { "timeline-challenged" }) {
                            text x=(Num(cx)) y=(Num(label_y)) text-anchor=(anchor) font-size="11" fill=(INK)
                                stroke=(HALO) stroke-width="4" stroke-linejoin="round" paint-order="stroke" {
                                (short_label(&m.title))
                            }
                        }
                    }
                }
            }
            ul class="chart-legend" {
                li class="timeline-built" {
                    svg xmlns="http://www.w3.org/2000/svg" width="12" height="12" viewBox="0 0 12 12" aria-hidden="true" focusable="false" {
                        circle cx="6" cy="6" r="5" fill=(POSITIVE) {}
                    }
                    "Built trust (above the line)"
                }
                li class="timeline-challenged" {
                    svg xmlns="http://www.w3.org/2000/svg" width="12" height="12" viewBox="0 0 12 12" aria-hidden="true" focusable="false" {
                        rect x="1.5" y="1.5" width="9" height="9" fill=(NEGATIVE) {}
                    }
                    "Challenged trust (below)"
                }
            }
        }
    }
}

#[cfg(test)]
mod timeline_tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn years_under_the_line_stay_few_and_include_both_ends() {
        assert_eq!(timeline_years(2020, 2020), vec![2020]);
        assert_eq!(timeline_years(2018, 2021), vec![2018, 2019, 2020, 2021]);
        let many = timeline_years(1990, 2026);
        assert!(many.len() <= MAX_X_LABELS + 1, "{many:?}");
        assert_eq!((many.first(), many.last()), (Some(&1990), Some(&2026)));
    }

    #[test]
    fn moments_sit_on_their_side_in_date_order() {
        let marks = [
            TimelineMark { day: date(2015, 3, 1), title: "We met".into(), built: true },
            TimelineMark { day: date(2020, 1, 1), title: "A very long title for a hard winter".into(), built: false },
        ];
        let svg = timeline_chart("Our timeline", &marks).into_string();
        assert!(svg.contains("role=\"img\"") && svg.contains("2 moments from 2015-03-01 to 2020-01-01"));
        assert!(svg.contains("1 built trust, 1 challenged it"));
        assert!(svg.contains("<circle cx=\"20\"") && svg.contains("<rect x=\"375.5\""), "{svg}");
        assert!(svg.contains("A very long tit…"), "labels are cut; the list has the rest");
        assert!(!svg.contains("style="), "no inline styles under our CSP");
    }
}
