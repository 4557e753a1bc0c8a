//! The page frame: header with the quick exit, main content, footer.

use std::sync::OnceLock;

use maud::{html, Markup, Render, DOCTYPE};

use crate::auth::Identity;
use crate::ui::assets;

/// The header's links. The features list them (`features::NAVIGATION`);
/// the frame only draws them, so it names no feature.
pub struct Navigation {
    /// Inside a space, after its home: the places on the phone's bottom bar
    /// (label, path after `/spaces/{id}`).
    pub space_bar: &'static [(&'static str, &'static str)],
    /// Inside a space: the other places, under "More" on a phone.
    pub space: &'static [(&'static str, &'static str)],
    /// How many of `space` the wide top bar shows in its row; the rest, and
    /// every place of `main` but notifications, go under its "More" menu so
    /// the row fits a laptop's width.
    pub space_wide: usize,
    /// Everywhere for a signed-in visitor: (label, path).
    pub main: &'static [(&'static str, &'static str)],
    /// The entry of `main` that carries the unread count.
    pub notifications: &'static str,
}

static NAVIGATION: OnceLock<&'static Navigation> = OnceLock::new();

/// Installs the header's links; the first call wins (every app in a process
/// has the same features).
pub fn set_navigation(nav: &'static Navigation) {
    let _ = NAVIGATION.set(nav);
}

fn navigation() -> &'static Navigation {
    static NONE: Navigation = Navigation { space_bar: &[], space: &[], space_wide: 0, main: &[], notifications: "" };
    NAVIGATION.get().copied().unwrap_or(&NONE)
}

/// What the frame knows about the request it draws: the path (to mark the
/// current place) and how many notifications are unread. A layer sets it
/// for each page request, so no handler has to pass it along.
#[derive(Clone, Default)]
pub struct PageContext {
    pub path: String,
    /// The query string, without `?` (empty when there is none).
    pub query: String,
    pub unread: i64,
    /// A one-time confirmation to show at the top of this page ("Saved.").
    pub flash: Option<&'static str>,
}

tokio::task_local! {
    static PAGE_CONTEXT: PageContext;
}

/// Runs `f` (a page handler) with `ctx` available to the frame.
pub async fn with_page_context<F: std::future::Future>(ctx: PageContext, f: F) -> F::Output {
    PAGE_CONTEXT.scope(ctx, f).await
}

/// A place in the navigation, by where it sits in [`Navigation`], so that
/// finding the current one builds no URL.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Place {
    /// `main[i]`.
    Main(usize),
    /// The space's own home.
    SpaceHome,
    /// `space_bar.chain(space)[i]`, under the space.
    InSpace(usize),
}

/// Is `href` the place `path` is in? A space's home only for itself; any
/// other place also for the pages under it, and under its plural (the
/// weekly ritual, `/ritual`, holds each week's `/rituals/{id}`).
fn is_within(path: &str, href: &str, exact: bool) -> bool {
    path == href
        || (!exact && path.strip_prefix(href).is_some_and(|rest| rest.starts_with('/') || rest.starts_with("s/")))
}

/// The one place to mark as current: of all the places `path` is within,
/// the most specific (a promise is under Promises, not under Spaces).
/// Compared piece by piece (`/spaces/`, the id, the place's path), so no
/// URL is built to find it.
fn current_place(path: &str, space: Option<&str>, links: &Navigation) -> Option<Place> {
    let mut best: Option<(usize, Place)> = None;
    let mut consider = |len: usize, place: Place| {
        if best.is_none_or(|(l, _)| len >= l) {
            best = Some((len, place));
        }
    };
    for (i, (_, href)) in links.main.iter().enumerate() {
        if is_within(path, href, false) {
            consider(href.len(), Place::Main(i));
        }
    }
    if let Some(id) = space {
        if let Some(rest) = path.strip_prefix(SPACES).and_then(|p| p.strip_prefix(id)) {
            let home = SPACES.len() + id.len();
            if rest.is_empty() {
                consider(home, Place::SpaceHome);
            }
            for (i, (_, p)) in links.space_bar.iter().chain(links.space).enumerate() {
                if is_within(rest, p, false) {
                    consider(home + p.len(), Place::InSpace(i));
                }
            }
        }
    }
    best.map(|(_, place)| place)
}

const SPACES: &str = "/spaces/";

/// The header's and the bottom bar's links for one page, written straight
/// into the page (maud's [`Render`]): the most visited pages draw about
/// forty links, so each is a few `push_str`s, not a `format!` and a
/// `Markup` of its own.
struct NavLinks<'a> {
    ctx: &'a PageContext,
    links: &'static Navigation,
    /// The space's id and name.
    space: Option<(&'a str, &'a str)>,
    current: Option<Place>,
}

impl NavLinks<'_> {
    /// `<a href=…>label</a>`, marked when current, with the unread count
    /// on Notifications.
    fn link(&self, out: &mut String, label: &str, place: Place) {
        out.push_str("<a href=\"");
        match place {
            Place::Main(i) => escape(out, self.links.main[i].1),
            Place::SpaceHome | Place::InSpace(_) => {
                let id = self.space.map_or("", |(id, _)| id);
                out.push_str(SPACES);
                escape(out, id);
                if let Place::InSpace(i) = place {
                    let (_, p) =
                        self.links.space_bar.iter().chain(self.links.space).nth(i).expect("a place of the space");
                    escape(out, p);
                }
            }
        }
        out.push('"');
        if self.current == Some(place) {
            out.push_str(" aria-current=\"page\"");
        }
        out.push('>');
        escape(out, label);
        if label == self.links.notifications && self.ctx.unread > 0 {
            out.push(' ');
            unread_badge(out, self.ctx.unread);
        }
        out.push_str("</a>");
    }

    /// How many of the space's places (bottom bar's first) the wide row shows.
    fn wide_row(&self) -> usize {
        self.links.space_bar.len() + self.links.space_wide.min(self.links.space.len())
    }

    fn space_places(&self) -> impl Iterator<Item = (usize, &'static str)> + '_ {
        self.links.space_bar.iter().chain(self.links.space).map(|(label, _)| *label).enumerate()
    }
}

/// `<span class="count">3<span class="visually-hidden"> unread</span></span>`
fn unread_badge(out: &mut String, n: i64) {
    out.push_str("<span class=\"count\">");
    out.push_str(&unread_text(n));
    out.push_str("<span class=\"visually-hidden\"> unread</span></span>");
}

fn escape(out: &mut String, text: &str) {
    use std::fmt::Write;
    let _ = maud::Escaper::new(out).write_str(text);
}

/// The wide header's row inside a space: its home, the bottom bar's places
/// and the first `space_wide` others, then Notifications.
struct WideRow<'a>(&'a NavLinks<'a>);

impl Render for WideRow<'_> {
    fn render_to(&self, out: &mut String) {
        let nav = self.0;
        if let Some((_, name)) = nav.space {
            nav.link(out, name, Place::SpaceHome);
        }
        for (i, label) in nav.space_places().take(nav.wide_row()) {
            nav.link(out, label, Place::InSpace(i));
        }
        for (i, (label, _)) in nav.links.main.iter().enumerate().filter(|(_, (l, _))| *l == nav.links.notifications) {
            nav.link(out, label, Place::Main(i));
        }
    }
}

/// The wide header's "More" menu inside a space: the space's other places,
/// then everything of `main` but Notifications.
struct WideMore<'a>(&'a NavLinks<'a>);

impl Render for WideMore<'_> {
    fn render_to(&self, out: &mut String) {
        let nav = self.0;
        for (i, label) in nav.space_places().skip(nav.wide_row()) {
            nav.link(out, label, Place::InSpace(i));
        }
        for (i, (label, _)) in nav.links.main.iter().enumerate().filter(|(_, (l, _))| *l != nav.links.notifications) {
            nav.link(out, label, Place::Main(i));
        }
    }
}

/// The wide header's links outside a space: all of `main`.
struct MainLinks<'a>(&'a NavLinks<'a>);

impl Render for MainLinks<'_> {
    fn render_to(&self, out: &mut String) {
        let nav = self.0;
        for (i, (label, _)) in nav.links.main.iter().enumerate() {
            nav.link(out, label, Place::Main(i));
        }
    }
}

/// The bottom bar's links: a space's most used places (or the first four
/// everywhere else).
struct BarLinks<'a>(&'a NavLinks<'a>);

impl Render for BarLinks<'_> {
    fn render_to(&self, out: &mut String) {
        let nav = self.0;
        if nav.space.is_some() {
            nav.link(out, "Home", Place::SpaceHome);
            for (i, label) in nav.space_places().take(nav.links.space_bar.len()) {
                nav.link(out, label, Place::InSpace(i));
            }
        } else {
            for (i, (label, _)) in nav.links.main.iter().enumerate().take(4) {
                nav.link(out, label, Place::Main(i));
            }
        }
    }
}

/// The "More" menu's links: the space's other places, then the rest.
struct MoreLinks<'a>(&'a NavLinks<'a>);

impl Render for MoreLinks<'_> {
    fn render_to(&self, out: &mut String) {
        let nav = self.0;
        if nav.space.is_some() {
            for (i, label) in nav.space_places().skip(nav.links.space_bar.len()) {
                nav.link(out, label, Place::InSpace(i));
            }
        }
        let skip = if nav.space.is_some() { 0 } else { 4 };
        for (i, (label, _)) in nav.links.main.iter().enumerate().skip(skip) {
            nav.link(out, label, Place::Main(i));
        }
    }
}

pub struct Frame<'a> {
    pub title: &'a str,
    pub who: Option<&'a Identity>,
    /// The space the page belongs to, for the header's links.
    pub space: Option<(&'a str, &'a str)>,
}

impl<'a> Frame<'a> {
    pub fn new(title: &'a str, who: Option<&'a Identity>) -> Self {
        Frame { title, who, space: None }
    }
    pub fn in_space(mut self, id: &'a str, name: &'a str) -> Self {
        self.space = Some((id, name));
        self
    }
}

pub fn csrf_field(who: &Identity) -> Markup {
    html! { input type="hidden" name="_csrf" value=(who.session.as_ref().map(|s| s.csrf_token.as_str()).unwrap_or("")); }
}

fn logout(who: &Identity) -> Markup {
    html! {
        form method="post" action="/logout" class="inline" {
            (csrf_field(who))
            button type="submit" class="link" { "Log out" }
        }
    }
}

pub fn page(frame: Frame<'_>, body: Markup) -> Markup {
    // Drawn inside the context's scope: borrowed, not cloned per page.
    PAGE_CONTEXT
        .try_with(|ctx| page_for(ctx, &frame, &body))
        .unwrap_or_else(|_| page_for(&PageContext::default(), &frame, &body))
}

fn page_for(ctx: &PageContext, frame: &Frame<'_>, body: &Markup) -> Markup {
    let links = navigation();
    let nav = NavLinks {
        ctx,
        links,
        space: frame.space,
        current: current_place(&ctx.path, frame.space.map(|(id, _)| id), links),
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                meta name="robots" content="noindex, nofollow";
                // htmx must not inject its own <style>: our CSP forbids inline styles.
                meta name="htmx-config" content=r#"{"includeIndicatorStyles":false,"allowEval":false}"#;
                title { (frame.title) " · troth" }
                link rel="stylesheet" href=(assets::url("style.css"));
                link rel="icon" href=(assets::url("icon.svg")) type="image/svg+xml";
                script src=(assets::url("htmx.min.js")) defer {}
                script src=(assets::url("app.js")) defer {}
            }
            body class=[frame.who.map(|_| "with-nav-bar")] {
                a class="skip-link" href="#main" { "Skip to content" }
                header class="topbar" {
                    a class="brand" href="/" { "troth" }
                    @if let Some(who) = frame.who {
                        nav class="nav-wide" aria-label="Main" {
                            @if frame.space.is_some() {
                                (WideRow(&nav))
                                details class="more" {
                                    summary { "More" }
                                    div class="more-menu" {
                                        (WideMore(&nav))
                                        (logout(who))
                                    }
                                }
                            } @else {
                                (MainLinks(&nav))
                                (logout(who))
                            }
                        }
                    }
                    a id="quick-exit" class="quick-exit" href="/exit" rel="noreferrer" title="Leave at once (or press Shift three times)" { "Quick exit" }
                }
                main id="main" tabindex="-1" {
                    @if let Some(f) = ctx.flash { div class="notice flash" role="status" { (f) } }
                    (body)
                }
                @if let Some(who) = frame.who {
                    // On a phone: the most used places at the thumb, the rest under "More".
                    nav class="nav-bar" aria-label="Main on a phone" {
                        (BarLinks(&nav))
                        details class="more" {
                            summary {
                                "More"
                                @if ctx.unread > 0 { " " span class="count" { (unread_text(ctx.unread)) span class="visually-hidden" { " unread" } } }
                            }
                            div class="more-menu" {
                                (MoreLinks(&nav))
                                (logout(who))
                            }
                        }
                    }
                }
                footer class="footer" {
                    p { "Press " kbd { "Shift" } " three times, or Quick exit, to leave at once. "
                        a href="/safety" { "Feeling unsafe?" } }
                }
            }
        }
    }
}

/// A row of filter links over a list, the one in use marked
/// (`aria-current`, and drawn as pressed): the one whose address is this
/// page's path and query exactly.
pub fn filters(label: &str, links: &[(String, String)]) -> Markup {
    let here = PAGE_CONTEXT
        .try_with(|ctx| if ctx.query.is_empty() { ctx.path.clone() } else { format!("{}?{}", ctx.path, ctx.query) })
        .unwrap_or_default();
    html! {
        nav class="filters" aria-label=(label) {
            @for (text, href) in links {
                a href=(href) aria-current=[(*href == here).then_some("true")] { (text) }
            }
        }
    }
}

/// A message box for errors, with `role="alert"` so screen readers announce it.
pub fn alert(message: Option<&str>) -> Markup {
    html! {
        @if let Some(m) = message {
            div class="alert" role="alert" { (m) }
        }
    }
}

pub fn notice(message: &str) -> Markup {
    html! { div class="notice" role="status" { (message) } }
}

/// Short human date in the viewer's time zone.
pub fn when(ts: jiff::Timestamp, tz: &str) -> String {
    let zone = jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC);
    ts.to_zoned(zone).strftime("%-d %b %Y, %H:%M").to_string()
}

/// A stored word as a label starts ("sunday" as "Sunday", "private" as
/// "Private"), so lists read like the rest of the page.
pub fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The unread count as shown: the store counts up to 100, shown as "99+".
fn unread_text(n: i64) -> String {
    if n > 99 {
        "99+".to_string()
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod unread_tests {
    #[test]
    fn counts_past_99_read_99_plus() {
        assert_eq!(super::unread_text(3), "3");
        assert_eq!(super::unread_text(99), "99");
        assert_eq!(super::unread_text(100), "99+");
    }
}

#[cfg(test)]
mod tests {
    use super::is_within;

    #[test]
    fn a_place_holds_the_pages_under_it_and_under_its_plural() {
        assert!(is_within("/spaces/1/promises/2", "/spaces/1/promises", false));
        assert!(is_within("/spaces/1/rituals/2", "/spaces/1/ritual", false));
        assert!(!is_within("/spaces/1/rituals/2", "/spaces/1/rit", false));
        assert!(!is_within("/spaces/1/promisesx", "/spaces/1/promises", false));
        assert!(!is_within("/spaces/1/notes", "/spaces/1", true), "a space's home only for itself");
    }
}
