//! The page shell every web page shares (header, language switch, footer), the embedded
//! stylesheet, and how pages write amounts and dates.

use super::lang::Words;
use crate::officer_login::Officer;
use crate::parse::nik::mask_nik;
use axum::http::header;
use axum::response::IntoResponse;
use maud::{html, Markup, DOCTYPE};

/// The stylesheet, embedded in the binary.
const CSS: &str = include_str!("gotong.css");

/// `GET /static/gotong.css`.
pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
}

/// A navigation link of the header: path and text id.
pub type NavLink = (&'static str, &'static str);

/// The public pages' navigation.
pub const PUBLIC_NAV: [NavLink; 5] = [
    ("/", "web-nav-home"),
    ("/usulan", "web-nav-proposals"),
    ("/kegiatan", "web-nav-events"),
    ("/pasar", "web-nav-market"),
    ("/admin", "web-nav-admin"),
];

/// A whole page: `title`, the navigation `nav`, the page's own `path` (for the language switch
/// to come back to) and its `body`.
pub fn page(w: &Words, title: &str, nav: &[NavLink], path: &str, body: Markup) -> Markup {
    page_refreshing(w, title, nav, path, None, body)
}

/// [`page`] that the browser reloads every `refresh` seconds (no script needed), if given.
pub fn page_refreshing(
    w: &Words,
    title: &str,
    nav: &[NavLink],
    path: &str,
    refresh: Option<u32>,
    body: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(w.lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if let Some(s) = refresh { meta http-equiv="refresh" content=(s); }
                title { (title) " - " (w.t("web-site-title")) }
                link rel="stylesheet" href="/static/gotong.css";
            }
            body {
                header {
                    nav {
                        @for (href, id) in nav {
                            a href=(href) { (w.t(id)) }
                        }
                        a.lang href={ "/bahasa/" (w.other()) "?back=" (path) } { (w.t("web-lang-other")) }
                    }
                }
                main { (body) }
                footer { (w.t("web-footer")) }
            }
        }
    }
}

/// The officers' pages' navigation.
pub const OFFICER_NAV: [NavLink; 11] = [
    ("/admin", "web-admin-nav-dashboard"),
    ("/admin/peta", "web-admin-nav-map"),
    ("/admin/perubahan", "web-admin-nav-changes"),
    ("/admin/usulan", "web-admin-nav-proposals"),
    ("/admin/siaran", "web-admin-nav-broadcasts"),
    ("/admin/tanya", "web-admin-nav-tickets"),
    ("/admin/surat", "web-admin-nav-letters"),
    ("/admin/kegiatan", "web-admin-nav-events"),
    ("/admin/data", "web-admin-nav-data"),
    ("/admin/pin", "web-admin-nav-pins"),
    ("/", "web-nav-home"),
];

/// An officer's page: who is signed in, where they act, the logout button, then `body`.
pub fn officer_page(w: &Words, officer: &Officer, title: &str, path: &str, body: Markup) -> Markup {
    officer_page_refreshing(w, officer, title, path, None, body)
}

/// [`officer_page`] reloaded every `refresh` seconds, if given ([`page_refreshing`]).
pub fn officer_page_refreshing(
    w: &Words,
    officer: &Officer,
    title: &str,
    path: &str,
    refresh: Option<u32>,
    body: Markup,
) -> Markup {
    let who = w.ta(
        "web-admin-who",
        &[
            ("nik", mask_nik(&officer.nik)),
            (
                "scope",
                format!("{} ({})", officer.scope.label(), officer.kelurahan.title()),
            ),
        ],
    );
    page_refreshing(
        w,
        title,
        &OFFICER_NAV,
        path,
        refresh,
        html! {
            form.inline.who method="post" action="/admin/logout" {
                span { (who) }
                input type="hidden" name="csrf" value=(officer.csrf);
                button type="submit" { (w.t("web-logout")) }
            }
            (body)
        },
    )
}

/// The hidden CSRF field of an officer's form.
pub fn csrf_field(officer: &Officer) -> Markup {
    html! { input type="hidden" name="csrf" value=(officer.csrf); }
}

/// `Rp12.500`, as the bot writes amounts.
pub fn rupiah(amount: i64) -> String {
    crate::text::money::format_rupiah(amount)
}

/// The Jakarta date of epoch ms `ms`, `YYYY-MM-DD`.
pub fn date(ms: i64) -> String {
    crate::calendar::jakarta_date(ms)
        .format("%Y-%m-%d")
        .to_string()
}

/// A percentage of `part` in `whole`, `0%` when `whole` is 0.
pub fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "0%".into();
    }
    format!("{}%", (part * 100 + whole / 2) / whole)
}

/// A message box: `ok` for done, otherwise a refusal.
pub fn notice(text: &str, ok: bool) -> Markup {
    html! {
        p.notice.ok[ok].error[!ok] role="status" { (text) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_and_never_divide_by_zero() {
        assert_eq!(percent(1, 3), "33%");
        assert_eq!(percent(2, 3), "67%");
        assert_eq!(percent(0, 0), "0%");
        assert_eq!(percent(5, 5), "100%");
    }
}
