//! The web pages under test: a kelurahan with an officer (RW 01), a resident of RW 02 with a
//! proposal and a reported change, served by `gotong serve` against the fake provider; and a
//! visitor that keeps cookies and reads the forms' CSRF tokens.

use super::{Setup, TestServer};
use gotong::config::Config;
use gotong::proposals::proposal::{submit, support, Submission};
use gotong::registry::change::Kind;
use gotong::store::{AdminRow, Db, KelurahanId, NewChangeRequest};
use gotong::testing::kelurahan::{household, link, nik_for, person};
use gotong::testing::transcript::START_MS;
use std::collections::BTreeMap;
use std::time::Duration;

/// The kelurahan officer's phone (scope: the whole kelurahan).
pub const OFFICER: &str = "+6281300000001";
/// The RW 01 officer's phone.
pub const RW_OFFICER: &str = "+6281300000002";
/// A resident of RW 02 (no admin).
pub const RESIDENT: &str = "+6281300000003";
/// The resident's proposal's title and its secret-ish description.
pub const TITLE: &str = "Lampu jalan gang 5";

pub struct Kelurahan {
    pub server: TestServer,
    pub proposal: i64,
    pub change: i64,
    pub ticket: i64,
    pub resident_name: String,
    pub resident_nik: String,
}

/// Seeds the kelurahan and starts the server.
pub async fn kelurahan(db: &Db) -> Kelurahan {
    let kk1 = "3201010101000101";
    let kk2 = "3201010101000202";
    let officer = nik_for("1975-01-01", false, 11);
    let rw_officer = nik_for("1978-02-02", true, 12);
    let resident = nik_for("1950-03-03", true, 13);
    household(
        db,
        kk1,
        &[
            person(kk1, &officer, "Pak Lurah", "1975-01-01", "KEPALA KELUARGA"),
            person(kk1, &rw_officer, "Bu RW", "1978-02-02", "ISTRI"),
        ],
    )
    .await
    .unwrap();
    let elder = person(
        kk2,
        &resident,
        "Mbah Sri Rahayu",
        "1950-03-03",
        "KEPALA KELUARGA",
    );
    db.seed_registry(
        KelurahanId::DEFAULT,
        &[(kk2.to_string(), "003".to_string(), "02".to_string())],
        &[elder],
        0,
    )
    .await
    .unwrap();
    let config = Config::for_database("sqlite::memory:");
    for (phone, nik) in [
        (OFFICER, &officer),
        (RW_OFFICER, &rw_officer),
        (RESIDENT, &resident),
    ] {
        link(db, &config, phone, nik, "482915").await.unwrap();
    }
    let mut tx = db.begin(KelurahanId::DEFAULT).await.unwrap();
    for (nik, scope, rw) in [
        (&officer, "kelurahan", None),
        (&rw_officer, "rw", Some("01")),
    ] {
        let row = AdminRow {
            nik: nik.to_string(),
            scope: scope.into(),
            rw: rw.map(String::from),
            rt: None,
        };
        tx.upsert_admin(&row, "test", START_MS).await.unwrap();
    }
    let who = tx.person(&resident).await.unwrap().unwrap();
    let p = submit(
        &mut tx,
        &who,
        &Submission {
            kind: gotong::proposals::Kind::Fisik,
            title: TITLE,
            description: "Gang 5 gelap setiap malam",
            photo: None,
        },
        START_MS,
    )
    .await
    .unwrap();
    support(&mut tx, &who, p.number, START_MS).await.unwrap();
    let change = tx
        .insert_change_request(
            &NewChangeRequest {
                no_kk: kk2,
                nik: Some(&resident),
                kind: Kind::Correction,
                details: "tanggal lahir 1950-03-04",
                reported_by: &resident,
            },
            START_MS,
        )
        .await
        .unwrap();
    let ticket = gotong::tickets::open(
        &mut tx,
        RESIDENT,
        gotong::tickets::Kind::Question,
        "Kapan posyandu RW 02 buka?",
        START_MS,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let server = TestServer::start(db, Setup::default()).await;
    Kelurahan {
        server,
        proposal: p.number,
        change,
        ticket,
        resident_name: "Mbah Sri Rahayu".into(),
        resident_nik: resident,
    }
}

/// The last login code the fake provider received for `phone`.
pub async fn login_code(k: &Kelurahan, phone: &str, after: usize) -> String {
    let re = regex::Regex::new(r"(\d{6})").unwrap();
    for _ in 0..100 {
        let sent: Vec<String> = k
            .server
            .provider
            .accepted()
            .iter()
            .filter(|r| r.to() == phone)
            .map(|r| r.text())
            .collect();
        if sent.len() > after {
            let text = sent.last().unwrap();
            return re.captures(text).unwrap()[1].to_string();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no login code reached {phone}");
}

/// What the provider received for `phone` so far.
pub fn sent_to(k: &Kelurahan, phone: &str) -> usize {
    k.server
        .provider
        .accepted()
        .iter()
        .filter(|r| r.to() == phone)
        .count()
}

/// A browser without a browser: keeps cookies, follows nothing by itself.
pub struct Visitor {
    base: String,
    http: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
}

/// An answer: status, body, where it redirects to.
pub struct Page {
    pub status: u16,
    pub html: String,
    pub location: Option<String>,
}

impl Page {
    /// The CSRF token of the page's first form.
    pub fn csrf(&self) -> String {
        self.hidden("csrf")
    }

    /// The value of the page's first hidden hex field `name` (a token, a form's one-time key).
    pub fn hidden(&self, name: &str) -> String {
        let re = regex::Regex::new(&format!(r#"name="{name}" value="([0-9a-f]+)""#)).unwrap();
        re.captures(&self.html)
            .map(|c| c[1].to_string())
            .unwrap_or_default()
    }
}

impl Visitor {
    pub fn new(server: &TestServer) -> Visitor {
        Visitor {
            base: server.base.clone(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
        }
    }

    fn keep(&mut self, r: &reqwest::Response) {
        for v in r.headers().get_all(reqwest::header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let pair = v.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || v.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.into(), value.into());
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn read(&mut self, r: reqwest::Response) -> Page {
        self.keep(&r);
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|l| l.to_str().unwrap().to_string());
        Page {
            status,
            html: r.text().await.unwrap(),
            location,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.read(r).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.read(r).await
    }

    /// Posts a form with a file field `file` (as a browser sends an upload) and the `fields`.
    pub async fn post_file(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Page {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string());
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, self.cookie_header())
            .multipart(form.part("file", part))
            .send()
            .await
            .unwrap();
        self.read(r).await
    }

    /// Logs in as `phone` with the code the provider received; answers the dashboard.
    pub async fn log_in(&mut self, k: &Kelurahan, phone: &str) -> Page {
        let form = self.get("/admin/login").await;
        let csrf = form.csrf();
        let before = sent_to(k, phone);
        let asked = self
            .post("/admin/login", &[("phone", phone), ("csrf", &csrf)])
            .await;
        assert_eq!(asked.status, 200, "{}", asked.html);
        let code = login_code(k, phone, before).await;
        let done = self
            .post(
                "/admin/login/code",
                &[("phone", phone), ("code", &code), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.html);
        assert_eq!(done.location.as_deref(), Some("/admin"));
        self.get("/admin").await
    }
}
