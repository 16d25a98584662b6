//! The web pages' language: the `gotong_lang` cookie (`id` or `en`), Bahasa Indonesia without
//! one. `/bahasa/{lang}` sets it and goes back to the page it was asked from, so no link needs a
//! language parameter and the switch works without JavaScript.

use crate::http::HttpState;
use crate::i18n::{Texts, DEFAULT_LANG};
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;
use std::convert::Infallible;
use std::sync::Arc;

/// The cookie holding the chosen language.
pub const COOKIE: &str = "gotong_lang";
/// The languages of the web pages.
pub const LANGS: [&str; 2] = ["id", "en"];

/// The page's texts in the visitor's language.
#[derive(Clone)]
pub struct Words {
    texts: Arc<Texts>,
    pub lang: &'static str,
}

impl Words {
    pub fn new(texts: Arc<Texts>, lang: &str) -> Words {
        let lang = LANGS
            .into_iter()
            .find(|l| *l == lang)
            .unwrap_or(DEFAULT_LANG);
        Words { texts, lang }
    }

    /// The text `id`.
    pub fn t(&self, id: &str) -> String {
        self.texts
            .render_with(self.lang, id, &Default::default(), &[])
    }

    /// The text `id` with `args`.
    pub fn ta(&self, id: &str, args: &[(&str, String)]) -> String {
        self.texts
            .render_with(self.lang, id, &Default::default(), args)
    }

    /// The other language, for the switch.
    pub fn other(&self) -> &'static str {
        if self.lang == "en" {
            "id"
        } else {
            "en"
        }
    }
}

impl FromRequestParts<HttpState> for Words {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &HttpState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let lang = jar.get(COOKIE).map(|c| c.value().to_string());
        Ok(Words::new(
            state.app.texts.clone(),
            lang.as_deref().unwrap_or(DEFAULT_LANG),
        ))
    }
}

#[derive(Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// A path of this site to go back to (`/…`, never `//host`), or `/`.
fn local_path(back: Option<&str>) -> &str {
    match back {
        Some(b) if b.starts_with('/') && !b.starts_with("//") && !b.contains('\\') => b,
        _ => "/",
    }
}

/// `GET /bahasa/{lang}?back=/usulan`: remembers the language for a year and goes back.
pub async fn switch(
    jar: CookieJar,
    Path(lang): Path<String>,
    Query(back): Query<Back>,
) -> Response {
    let to = local_path(back.back.as_deref()).to_string();
    let Some(lang) = LANGS.into_iter().find(|l| *l == lang) else {
        return Redirect::to(&to).into_response();
    };
    let cookie = Cookie::build((COOKIE, lang))
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::days(365))
        .build();
    (jar.add(cookie), Redirect::to(&to)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn going_back_stays_on_this_site() {
        assert_eq!(local_path(Some("/usulan/3")), "/usulan/3");
        assert_eq!(local_path(Some("//evil.example/")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(None), "/");
    }
}
