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
const RIGHT: f64 = 14.0;
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
    let last = n.saturating_sub(1);
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
                        text x=(LEFT - 6.0) y=(Num(f.y(v) + 4.0)) text-anchor="end" font-size="12" fill=(INK) {
                            (Num(v))
                        }
                    }
                }
                g class="chart-x-labels" {
                    @for i in label_indices(n) {
                        @if let Some(label) = x_labels.get(i) {
                            @let anchor = if n > 1 && i == 0 { "start" } else if n > 1 && i == last { "end" } else { "middle" };
                            text x=(Num(f.x(i))) y=(Num(H - 10.0)) text-anchor=(anchor) font-size="12" fill=(INK) {
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

/// Good moments against hard ones, as one split bar with the counts below.
pub fn ratio_bar(positive: u32, negative: u32) -> Markup {
    let total = u64::from(positive) + u64::from(negative);
    let width = 200.0;
    let pos_w = if total == 0 { 0.0 } else { width * positive as f64 / total as f64 };
    let alt = match (positive, negative) {
        (0, 0) => "No moments recorded yet".to_string(),
        (p, 0) => format!("{p} good moments, no hard ones"),
        (p, n) => format!("{p} good moments and {n} hard ones, about {} to 1", fmt_num(p as f64 / n as f64)),
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
            text class="bar-negative" x="200" y="36" text-anchor="end" font-size="12" fill=(NEGATIVE) { (negative) " hard" }
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
        // Clamped to the plot: bottom y = 220 - 30 = 190, top y = 12.
        assert!(out.contains("d=\"M34 190 L386 12\""), "{out}");
        let hundred = line_chart("t", &[], &weeks(3), 100.0).into_string();
        assert!(hundred.contains(">50<") && hundred.contains(">100<"));
        assert!(!hundred.contains("chart-legend"));
        assert!(line_chart("t", &[], &[], 0.0).into_string().contains("<svg"));
        let single = line_chart("t", &[s("a", "series-1", vec![Some(5.0)])], &weeks(1), 10.0).into_string();
        assert!(single.contains("cx=\"210\""));
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
        assert!(ratio_bar(4, 0).into_string().contains("no hard ones"));
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
