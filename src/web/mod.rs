//! The web pages served by `gotong serve` (issue 15, DESIGN §3): public transparency pages at `/`
//! (no login, no personal data) and the officers' back-office at `/admin`.
//!
//! HTML is built with `maud` (checked at compile time, escaped by default, nothing to ship
//! beside the binary); the stylesheet is embedded; charts are inline SVG drawn here
//! ([`chart`]); no page needs JavaScript. Texts come from the same Fluent files as the bot's
//! (`locales/<lang>/web.ftl`), Bahasa Indonesia by default, English by `/bahasa/en`.
//!
//! | route | module |
//! | --- | --- |
//! | `GET /`, `GET /usulan`, `GET /usulan/{n}` | [`public_home`], [`public_proposals`] |
//! | `GET /kegiatan`, `GET /pasar[?cari=…]` | [`public_events`], [`public_market`]: upcoming events, the market's listings |
//! | `GET /bahasa/{id\|en}` | [`lang`]: the language cookie, back to the page |
//! | `GET /static/gotong.css` | [`page`] |
//! | `GET`/`POST /admin/login`, `POST /admin/login/code`, `POST /admin/logout` | [`admin_login`] |
//! | `GET /admin` | [`admin_home`]: the dashboard |
//! | `GET /admin/peta`, `POST /admin/peta/batas` | [`admin_map`]: the problem map, one tile per RW, and a map once the RW boundaries (GeoJSON) are uploaded |
//! | `GET /admin/perubahan`, `POST /admin/perubahan/{id}` | [`admin_changes`]: change requests |
//! | `GET /admin/usulan`, `POST /admin/usulan/{n}/status` | [`admin_proposals`]: proposal status |
//! | `GET /admin/usulan/{n}`, `POST /admin/usulan/{n}/{galang\|dana\|tutup}` | [`admin_campaigns`]: one proposal, its swadaya campaign opened, its spends recorded, closed |
//! | `GET`/`POST /admin/siaran`, `GET /admin/siaran/{id}`, `POST /admin/siaran/{id}/batal` | [`admin_broadcasts`]: compose, check, send once, watch, cancel |
//! | `GET`/`POST /admin/pin` | [`admin_pins`]: locked PINs, a PIN reset at the office |
//! | `GET /admin/tanya`, `POST /admin/tanya/{n}` | [`admin_tickets`]: answer or close a `TANYA`/`ADUAN` ticket |
//! | `GET /admin/surat`, `POST /admin/surat/{n}` | [`admin_letters`]: move a `SURAT` request forward, or refuse it |
//! | `GET /admin/data`, `GET /admin/data/ekspor/{induk\|mutasi\|bulanan\|temuan}.csv` | [`admin_data`]: completeness, data-quality findings, the books as CSV |
//! | `POST /admin/data/impor`, `GET`/`POST /admin/data/impor/{key}` | [`admin_import`]: upload a registry file, its dry run, confirm it once |
//! | `GET`/`POST /admin/kegiatan`, `GET /admin/kegiatan/{n}`, `POST /admin/kegiatan/{n}/{hadir\|batal}` | [`admin_events`]: post a `KEGIATAN` once, its sign-ups, attendance, cancel |
//!
//! Officers' pages take a [`session::SignedIn`] (the session cookie; without one, the login
//! page) and check the form's CSRF token ([`session::SignedIn::check_csrf`]). Errors become a
//! page once, in [`error`]; a rule's refusal becomes its text once, in [`refusal`].

pub mod admin_broadcasts;
pub mod admin_campaigns;
pub mod admin_changes;
pub mod admin_data;
pub mod admin_events;
pub mod admin_home;
pub mod admin_import;
pub mod admin_letters;
pub mod admin_login;
pub mod admin_map;
pub mod admin_pins;
pub mod admin_proposals;
pub mod admin_tickets;
pub mod chart;
pub mod error;
pub mod figures;
pub mod lang;
pub mod map_svg;
pub mod page;
pub mod public_events;
pub mod public_home;
pub mod public_market;
pub mod public_proposals;
pub mod refusal;
pub mod session;

use crate::http::HttpState;
use axum::routing::{get, post};
use axum::Router;
use tower_http::limit::RequestBodyLimitLayer;

pub fn router(state: HttpState) -> Router<HttpState> {
    Router::new()
        .route("/", get(public_home::show))
        .route("/usulan", get(public_proposals::list))
        .route("/usulan/{n}", get(public_proposals::show))
        .route("/kegiatan", get(public_events::list))
        .route("/pasar", get(public_market::list))
        .route("/bahasa/{lang}", get(lang::switch))
        .route("/static/gotong.css", get(page::stylesheet))
        .route("/admin", get(admin_home::show))
        .route(
            "/admin/login",
            get(admin_login::phone_form).post(admin_login::send_code),
        )
        .route("/admin/login/code", post(admin_login::enter_code))
        .route("/admin/logout", post(admin_login::logout))
        .route("/admin/peta", get(admin_map::show))
        .route("/admin/peta/batas", post(admin_map::upload_boundaries))
        .route("/admin/perubahan", get(admin_changes::list))
        .route("/admin/perubahan/{id}", post(admin_changes::decide))
        .route("/admin/usulan", get(admin_proposals::list))
        .route("/admin/usulan/{n}/status", post(admin_proposals::set))
        .route("/admin/usulan/{n}", get(admin_campaigns::show))
        .route("/admin/usulan/{n}/{form}", post(admin_campaigns::submit))
        .route(
            "/admin/siaran",
            get(admin_broadcasts::show).post(admin_broadcasts::submit),
        )
        .route("/admin/siaran/{id}", get(admin_broadcasts::show_one))
        .route("/admin/siaran/{id}/batal", post(admin_broadcasts::cancel))
        .route("/admin/pin", get(admin_pins::show).post(admin_pins::reset))
        .route("/admin/tanya", get(admin_tickets::list))
        .route("/admin/tanya/{n}", post(admin_tickets::act))
        .route("/admin/surat", get(admin_letters::list))
        .route("/admin/surat/{n}", post(admin_letters::set))
        .route(
            "/admin/kegiatan",
            get(admin_events::list).post(admin_events::create),
        )
        .route("/admin/kegiatan/{n}", get(admin_events::show))
        .route("/admin/kegiatan/{n}/{act}", post(admin_events::act))
        .route("/admin/data", get(admin_data::show))
        .route("/admin/data/ekspor/{file}", get(admin_data::export))
        .route(
            "/admin/data/impor/{key}",
            get(admin_import::show).post(admin_import::confirm),
        )
        // Every form is small; only the registry upload, routed after this layer, is larger.
        .layer(RequestBodyLimitLayer::new(crate::http::MAX_BODY_BYTES))
        .route(
            "/admin/data/impor",
            post(admin_import::upload)
                .layer(RequestBodyLimitLayer::new(admin_import::MAX_UPLOAD_BYTES)),
        )
        .layer(axum::middleware::from_fn_with_state(state, error::render))
}
