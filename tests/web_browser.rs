//! The web back-office in a real browser (issue 15): headless Chromium through chromedriver
//! (Debian's `chromium` and `chromium-driver`, installed by `.ci/run`). An officer logs in with
//! the code the fake provider received, approves a change request, processes then rejects a
//! proposal with a reason, and the public page shows it; every page at 360 px wide has no
//! horizontal scroll. Without chromedriver on the machine the test says so and is skipped.
//!
//! `GOTONG_SCREENSHOTS=docs/screenshots cargo test --test web_browser` also saves the pages as
//! PNG (the README's pictures).

mod common;

use common::web::{kelurahan, login_code, sent_to, OFFICER, RESIDENT};
use fantoccini::{Client, ClientBuilder, Locator};
use gotong::backend_tests;
use gotong::store::Db;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The chromedriver binary, if installed.
fn chromedriver() -> Option<String> {
    let candidates = [
        std::env::var("CHROMEDRIVER").unwrap_or_default(),
        "/usr/bin/chromedriver".into(),
        "/usr/lib/chromium/chromedriver".into(),
    ];
    candidates
        .into_iter()
        .find(|p| !p.is_empty() && std::path::Path::new(p).exists())
}

/// chromedriver on a free port, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_driver(path: &str) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..100 {
        if reqwest::get(format!("{}/status", driver.url)).await.is_ok() {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not answer");
}

async fn browser(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    let mut chrome = serde_json::json!({
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--hide-scrollbars"],
        // A cheap Android phone's screen: 360 CSS px wide (a headless window cannot be narrower
        // than 500 px, the emulated device can).
        "mobileEmulation": { "deviceMetrics": { "width": 360, "height": 780, "pixelRatio": 2.0 } },
    });
    if std::path::Path::new("/usr/bin/chromium").exists() {
        chrome["binary"] = "/usr/bin/chromium".into();
    }
    caps.insert("goog:chromeOptions".into(), chrome);
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

/// The page has no horizontal scroll at the window's width (360 px).
/// Two RWs side by side, as a kelurahan traces them (the second a little irregular).
const RW_BOUNDARIES: &str = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"nama":"RW 01"},"geometry":{"type":"Polygon","coordinates":
  [[[106.800,-6.200],[106.806,-6.199],[106.807,-6.206],[106.801,-6.207],[106.800,-6.200]]]}},
 {"type":"Feature","properties":{"nama":"RW 02"},"geometry":{"type":"Polygon","coordinates":
  [[[106.806,-6.199],[106.813,-6.198],[106.815,-6.203],[106.812,-6.208],[106.807,-6.206],[106.806,-6.199]]]}}
]}"#;

async fn fits_the_phone(c: &Client, what: &str) {
    let v = c
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    let (scroll, inner) = (v[0].as_i64().unwrap(), v[1].as_i64().unwrap());
    assert!(inner <= 400, "the window is a phone's: {inner}px");
    assert!(
        scroll <= inner,
        "{what}: {scroll}px wide in a {inner}px window"
    );
}

async fn screenshot(c: &Client, name: &str) {
    let Ok(dir) = std::env::var("GOTONG_SCREENSHOTS") else {
        return;
    };
    std::fs::create_dir_all(&dir).unwrap();
    let png = c.screenshot().await.unwrap();
    std::fs::write(format!("{dir}/{name}.png"), png).unwrap();
}

/// Waits for the browser to reach `path` (a click's navigation ends after the click returns).
async fn wait_path(c: &Client, path: &str) {
    for _ in 0..100 {
        if c.current_url().await.unwrap().path() == path {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "never reached {path}: at {}",
        c.current_url().await.unwrap()
    );
}

/// The element `css`, once the page has it.
async fn element(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(5))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
}

/// Clicks the element `css`.
async fn click(c: &Client, css: &str) {
    element(c, css).await.click().await.unwrap();
}

/// Types `text` into the field `css`.
async fn type_into(c: &Client, css: &str, text: &str) {
    element(c, css).await.send_keys(text).await.unwrap();
}

async fn body_text(c: &Client) -> String {
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn an_officer_works_in_the_browser(db: &Db) {
    let Some(path) = chromedriver() else {
        eprintln!("chromedriver is not installed (Debian: chromium-driver): browser test skipped");
        return;
    };
    let k = kelurahan(db).await;
    let driver = start_driver(&path).await;
    let c = browser(&driver).await;
    let base = k.server.base.clone();

    // The public pages first.
    c.goto(&format!("{base}/")).await.unwrap();
    fits_the_phone(&c, "home").await;
    screenshot(&c, "home").await;

    // Log in: the phone, then the code the bot sent to it.
    c.goto(&format!("{base}/admin")).await.unwrap();
    assert!(c
        .current_url()
        .await
        .unwrap()
        .path()
        .ends_with("/admin/login"));
    fits_the_phone(&c, "login").await;
    let before = sent_to(&k, OFFICER);
    type_into(&c, "input[name=phone]", "0813 0000 0001").await;
    click(&c, "button[type=submit]").await;
    let code = login_code(&k, OFFICER, before).await;
    type_into(&c, "input[name=code]", &code).await;
    click(&c, "button[type=submit]").await;
    wait_path(&c, "/admin").await;
    assert!(body_text(&c).await.contains("Per RW"));
    fits_the_phone(&c, "dashboard").await;
    screenshot(&c, "dashboard").await;

    // Approve the change request.
    c.goto(&format!("{base}/admin/perubahan")).await.unwrap();
    fits_the_phone(&c, "change requests").await;
    screenshot(&c, "change-requests").await;
    click(&c, &format!("#cr-{} button[value=approve]", k.change)).await;
    element(&c, "p.notice").await;
    let text = body_text(&c).await;
    assert!(
        text.contains(&format!("Laporan #{} disetujui", k.change)),
        "{text}"
    );

    // Process, then reject the proposal with a reason.
    let reason = "Anggaran tahun ini sudah habis";
    for (status, why) in [("diproses", ""), ("ditolak", reason)] {
        c.goto(&format!("{base}/admin/usulan")).await.unwrap();
        let form = format!("form[action='/admin/usulan/{}/status']", k.proposal);
        click(&c, &format!("{form} option[value={status}]")).await;
        type_into(&c, &format!("{form} input[name=reason]"), why).await;
        click(&c, &format!("{form} button[type=submit]")).await;
        element(&c, "p.notice").await;
        assert!(body_text(&c)
            .await
            .contains(&format!("Usulan #{} sekarang", k.proposal)));
    }
    fits_the_phone(&c, "proposals queue").await;
    screenshot(&c, "proposal-status").await;

    // The public sees why.
    c.goto(&format!("{base}/usulan")).await.unwrap();
    assert!(body_text(&c).await.contains(reason));
    fits_the_phone(&c, "proposals").await;
    screenshot(&c, "proposals").await;
    c.goto(&format!("{base}/usulan/{}", k.proposal))
        .await
        .unwrap();
    let text = body_text(&c).await;
    assert!(text.contains(reason) && text.contains("Ditolak"), "{text}");
    fits_the_phone(&c, "proposal").await;
    screenshot(&c, "proposal").await;

    // Open a swadaya campaign for it, on its officer page.
    c.goto(&format!("{base}/admin/usulan/{}", k.proposal))
        .await
        .unwrap();
    fits_the_phone(&c, "proposal's officer page").await;
    type_into(&c, "input[name=target]", "1.000.000").await;
    click(&c, "form[action$='/galang'] button").await;
    element(&c, "p.notice").await;
    let text = body_text(&c).await;
    assert!(text.contains("Galang dana swadaya dibuka"), "{text}");
    assert!(text.contains("Target Rp1.000.000"), "{text}");

    // The problem map, then drawn from the RW boundaries uploaded from a file on the phone.
    c.goto(&format!("{base}/admin/peta")).await.unwrap();
    assert!(body_text(&c).await.contains("Lansia tinggal sendiri"));
    fits_the_phone(&c, "problem map").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("batas-rw.geojson");
    std::fs::write(&file, RW_BOUNDARIES).unwrap();
    element(&c, "input[name=file]")
        .await
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    click(&c, "form[action='/admin/peta/batas'] button").await;
    element(&c, "svg.map").await;
    assert!(body_text(&c).await.contains("Batas RW disimpan"));
    fits_the_phone(&c, "problem map drawn").await;
    c.execute(
        "document.querySelector('nav.indicators').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, "problem-map").await;

    // A broadcast checked before it is sent: recipients and SMS size.
    let now = chrono::Utc::now().timestamp_millis();
    gotong::testing::kelurahan::contacts(db, &[RESIDENT.to_string()], |_| {
        (gotong::message::Channel::Sms, now)
    })
    .await
    .unwrap();
    c.goto(&format!("{base}/admin/siaran")).await.unwrap();
    type_into(
        &c,
        "textarea[name=text]",
        "Kerja bakti Minggu pagi di balai RW.",
    )
    .await;
    click(&c, "button[value=preview]").await;
    element(&c, ".preview").await;
    let text = body_text(&c).await;
    assert!(
        text.contains("1 penerima: 0 lewat WhatsApp, 1 lewat SMS"),
        "{text}"
    );
    fits_the_phone(&c, "broadcast").await;
    screenshot(&c, "broadcast").await;

    // An event posted from the phone's date-and-time field, then the public list.
    c.goto(&format!("{base}/admin/kegiatan")).await.unwrap();
    type_into(&c, "input[name=title]", "Kerja bakti selokan").await;
    type_into(&c, "input[name=place]", "Balai kelurahan").await;
    c.execute(
        "document.querySelector('input[name=starts_at]').value = '2027-06-06T07:00';",
        vec![],
    )
    .await
    .unwrap();
    click(&c, "form[action='/admin/kegiatan'] button").await;
    element(&c, "form[action$='/hadir']").await;
    let text = body_text(&c).await;
    assert!(text.contains("0 dari 10 relawan mendaftar"), "{text}");
    fits_the_phone(&c, "event").await;
    c.goto(&format!("{base}/kegiatan")).await.unwrap();
    assert!(body_text(&c).await.contains("2027-06-06 07:00 WIB"));
    fits_the_phone(&c, "public events").await;

    // The letters queue, the registry page and the market fit the phone too.
    for (path, what) in [
        ("/admin/surat", "letters"),
        ("/admin/data", "registry"),
        ("/pasar", "market"),
    ] {
        c.goto(&format!("{base}{path}")).await.unwrap();
        fits_the_phone(&c, what).await;
    }
    c.goto(&format!("{base}/admin/data")).await.unwrap();
    screenshot(&c, "registry").await;

    c.close().await.unwrap();
    k.server.shutdown().await;
}

backend_tests!(an_officer_works_in_the_browser);
