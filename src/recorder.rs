//! Recording inbound messages durably before a webhook is answered, with group commit: the
//! messages of webhooks that arrive while a recording is under way are recorded together, in one
//! statement and one commit ([`Db::record_inbounds`]), and each webhook waits for its own
//! messages' commit before it answers.
//!
//! One task does the recording. A webhook hands it its messages and waits; when the task is
//! free it takes every request waiting (up to [`MAX_MESSAGES`] messages), records them, and
//! answers each. A failed group is recorded again one request at a time, so one webhook's bad
//! message never fails another's.

use crate::error::{StoreError, StoreResult};
use crate::message::Inbound;
use crate::store::Db;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// Most messages recorded with one commit.
pub const MAX_MESSAGES: usize = 256;

/// The ids of recorded messages, in order: `None` for a redelivery.
type Recorded = StoreResult<Vec<Option<i64>>>;

struct Request {
    msgs: Vec<Inbound>,
    now: i64,
    answer: oneshot::Sender<Recorded>,
}

/// Hands messages to the recording task. Cheap to clone; the task ends when every clone is gone.
#[derive(Clone, Debug)]
pub struct Recorder {
    requests: mpsc::UnboundedSender<Request>,
}

impl Recorder {
    pub fn start(db: Db) -> (Recorder, JoinHandle<()>) {
        let (requests, queue) = mpsc::unbounded_channel();
        (Recorder { requests }, tokio::spawn(record_all(db, queue)))
    }

    /// Records `msgs` (received at `now`) and returns once they are committed: each one's id,
    /// or `None` if the provider already delivered it.
    pub async fn record(&self, msgs: Vec<Inbound>, now: i64) -> Recorded {
        if msgs.is_empty() {
            return Ok(Vec::new());
        }
        let (answer, answered) = oneshot::channel();
        let gone = || StoreError::Unavailable("the recorder has stopped".into());
        self.requests
            .send(Request { msgs, now, answer })
            .map_err(|_| gone())?;
        answered.await.map_err(|_| gone())?
    }
}

async fn record_all(db: Db, mut queue: mpsc::UnboundedReceiver<Request>) {
    let mut group: Vec<Request> = Vec::new();
    while let Some(first) = queue.recv().await {
        let mut messages = first.msgs.len();
        group.push(first);
        while messages < MAX_MESSAGES {
            match queue.try_recv() {
                Ok(request) => {
                    messages += request.msgs.len();
                    group.push(request);
                }
                Err(_) => break,
            }
        }
        record_group(&db, std::mem::take(&mut group)).await;
    }
}

async fn record_group(db: &Db, group: Vec<Request>) {
    let rows: Vec<(&Inbound, i64)> = group
        .iter()
        .flat_map(|r| r.msgs.iter().map(move |m| (m, r.now)))
        .collect();
    match db.record_inbounds(&rows).await {
        Ok(ids) => {
            let mut ids = ids.into_iter();
            for request in group {
                let mine = ids.by_ref().take(request.msgs.len()).collect();
                let _ = request.answer.send(Ok(mine));
            }
        }
        Err(e) if group.len() > 1 => {
            tracing::warn!(error = %e, webhooks = group.len(), "recording a group failed: recording each webhook's messages alone");
            for request in group {
                let rows: Vec<(&Inbound, i64)> =
                    request.msgs.iter().map(|m| (m, request.now)).collect();
                let _ = request.answer.send(db.record_inbounds(&rows).await);
            }
        }
        Err(e) => {
            if let Some(request) = group.into_iter().next() {
                let _ = request.answer.send(Err(e));
            }
        }
    }
}
