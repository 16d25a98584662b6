//! An officer of the kelurahan at work: the admin API over HTTP (the bearer token), and the
//! residents they serve chatting on the same database (`chat::say`).

use super::{FakeProvider, Setup, TestServer, ADMIN_TOKEN};
use gotong::app::App;
use gotong::chat::say;
use gotong::engine::Engine;
use gotong::message::{Channel, Content};
use gotong::store::Db;
use serde_json::Value;
use std::sync::Arc;

/// The registry every officer test starts from (the transcripts' own).
pub fn fixture_csv() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/transcripts/fixtures/kelurahan.csv"
    ))
    .unwrap()
}

pub struct Officer {
    pub server: TestServer,
    pub app: App,
}

impl Officer {
    pub async fn start(db: &Db) -> Officer {
        let provider = FakeProvider::start().await;
        // The officer's residents chat through `chat::say` on the same database: the server must
        // not answer or send their SMS itself, so SMS is off and the recovery sweep waits.
        let mut setup = Setup {
            sms: false,
            ..Setup::default()
        };
        setup.options.sweep_every = std::time::Duration::from_secs(3600);
        let config = super::config(&setup, &provider);
        let engine = Arc::new(Engine::load_default(Arc::new(config.clone())).unwrap());
        let app = App::new(config, db.clone(), engine.texts().clone(), engine.clone());
        let server = TestServer::start_conversing(db, setup, provider, engine).await;
        Officer { server, app }
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .server
            .http
            .request(method, format!("{}/api{path}", self.server.base))
            .bearer_auth(ADMIN_TOKEN);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn import(&self, csv: Vec<u8>, dry_run: bool) -> (u16, Value) {
        self.import_into(csv, dry_run, "").await
    }

    /// Imports into the kelurahan `code` (`""`: the default one).
    pub async fn import_into(&self, csv: Vec<u8>, dry_run: bool, code: &str) -> (u16, Value) {
        let r = self
            .server
            .http
            .post(format!(
                "{}/api/registry/import?dry_run={dry_run}&kelurahan={code}",
                self.server.base
            ))
            .bearer_auth(ADMIN_TOKEN)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    pub async fn chat(&self, phone: &str, text: &str) -> String {
        let replies = say(
            &self.app,
            Channel::Sms,
            phone,
            Content::Text { text: text.into() },
        )
        .await
        .unwrap();
        replies
            .iter()
            .map(|b| b.main_text().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }
}
