//! Broadcasts: announcements from the kelurahan, an RW or an RT to its residents (`SIARAN` in
//! chat, `POST /api/broadcasts`). The rules live here once, for both:
//!
//! - only admins broadcast (`POST /api/admins`), each within their scope: a kelurahan admin
//!   anywhere, an RW admin in their RW, an RT admin in their RT; without an area an admin reaches
//!   their whole scope;
//! - recipients are linked residents who have not opted out (see `store::broadcasts`);
//! - on WhatsApp a recipient who wrote to us in the last 24 hours gets a normal text, anyone else
//!   the approved template (`WHATSAPP_BROADCAST_TEMPLATE`) with the text as its body parameter;
//!   without a template they cannot be reached, and the admin is told how many;
//! - when SMS recipients are among them, the text must be GSM-7 within 3 segments: otherwise the
//!   admin is told how many characters to cut and which are not GSM-7, and nothing is queued;
//! - queuing is set-based, at broadcast priority, so replies to residents go first;
//! - every broadcast, admin grant and cancellation is in the audit log.

use crate::config::Config;
use crate::error::StoreError;
use crate::message::Body;
use crate::parse::nik::mask_nik;
use crate::store::{
    stored_as_code, AdminRow, Code, NewBroadcast, Reach, Recipients, Role, Target, Tx,
};
use crate::text::gsm7::{is_gsm7, non_gsm7_chars, sms_segments, MAX_SMS_SEGMENTS};
use serde::Serialize;

/// WhatsApp's 24-hour customer-service window.
pub const WINDOW_MS: i64 = 24 * 3_600_000;

/// Longest broadcast text: a WhatsApp template's body parameter takes at most 1,024 characters.
pub const MAX_TEXT_CHARS: usize = 1024;

/// A broadcast's own status. Whether it has finished is read from its outbox rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Queued,
    Cancelled,
}

impl Code for Status {
    const WHAT: &'static str = "broadcast status";
    const ALL: &'static [Status] = &[Status::Queued, Status::Cancelled];
    fn code(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Cancelled => "cancelled",
        }
    }
}

stored_as_code!(Status);

/// The audit log's actor for an admin acting in chat: their masked NIK.
pub fn admin_actor(nik: &str) -> String {
    mask_nik(nik)
}

/// What an admin may reach.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    Kelurahan,
    Rw { rw: String },
    Rt { rw: String, rt: String },
}

impl Scope {
    /// `kelurahan`, `RW03`, `RW03/RT001` (case and spaces free, leading zeros optional).
    pub fn parse(s: &str) -> Result<Scope, BroadcastError> {
        let bad = || BroadcastError::BadScope(s.chars().take(40).collect());
        let t: String = s.split_whitespace().collect::<String>().to_uppercase();
        if t == "KELURAHAN" {
            return Ok(Scope::Kelurahan);
        }
        let (rw, rt) = match t.split_once('/') {
            Some((rw, rt)) => (rw, Some(rt)),
            None => (t.as_str(), None),
        };
        let rw = rw.strip_prefix("RW").and_then(parse_rw).ok_or_else(bad)?;
        match rt {
            None => Ok(Scope::Rw { rw }),
            Some(rt) => {
                let rt = rt.strip_prefix("RT").and_then(parse_rt).ok_or_else(bad)?;
                Ok(Scope::Rt { rw, rt })
            }
        }
    }

    pub fn label(&self) -> String {
        match self {
            Scope::Kelurahan => "kelurahan".into(),
            Scope::Rw { rw } => format!("RW{rw}"),
            Scope::Rt { rw, rt } => format!("RW{rw}/RT{rt}"),
        }
    }

    pub fn to_row(&self, nik: &str) -> AdminRow {
        let (scope, rw, rt) = match self {
            Scope::Kelurahan => ("kelurahan", None, None),
            Scope::Rw { rw } => ("rw", Some(rw.clone()), None),
            Scope::Rt { rw, rt } => ("rt", Some(rw.clone()), Some(rt.clone())),
        };
        AdminRow {
            nik: nik.to_string(),
            scope: scope.into(),
            rw,
            rt,
        }
    }

    pub fn from_row(row: &AdminRow) -> Option<Scope> {
        match (row.scope.as_str(), &row.rw, &row.rt) {
            ("kelurahan", _, _) => Some(Scope::Kelurahan),
            ("rw", Some(rw), _) => Some(Scope::Rw { rw: rw.clone() }),
            ("rt", Some(rw), Some(rt)) => Some(Scope::Rt {
                rw: rw.clone(),
                rt: rt.clone(),
            }),
            _ => None,
        }
    }

    /// The target an admin of this scope reaches when naming `rw` / `rt` (or neither: the whole
    /// scope). Refused outside the scope, and an RT without its RW (RT numbers repeat per RW).
    pub fn target(
        &self,
        rw: Option<String>,
        rt: Option<String>,
        role: Option<Role>,
    ) -> Result<Target, BroadcastError> {
        let out = || BroadcastError::OutOfScope(self.label());
        let (rw, rt) = match self {
            Scope::Kelurahan => (rw, rt),
            Scope::Rw { rw: mine } => match rw {
                Some(rw) if &rw != mine => return Err(out()),
                _ => (Some(mine.clone()), rt),
            },
            Scope::Rt {
                rw: my_rw,
                rt: my_rt,
            } => {
                if rw.as_ref().is_some_and(|rw| rw != my_rw)
                    || rt.as_ref().is_some_and(|rt| rt != my_rt)
                {
                    return Err(out());
                }
                (Some(my_rw.clone()), Some(my_rt.clone()))
            }
        };
        if rt.is_some() && rw.is_none() {
            return Err(BroadcastError::RtNeedsRw);
        }
        Ok(Target { rw, rt, role })
    }
}

/// `3`, `03`, `RW03` → `03` (1 to 99).
pub fn parse_rw(s: &str) -> Option<String> {
    parse_area(s.trim().to_uppercase().trim_start_matches("RW"), 2)
}

/// `1`, `001`, `RT001` → `001` (1 to 999).
pub fn parse_rt(s: &str) -> Option<String> {
    parse_area(s.trim().to_uppercase().trim_start_matches("RT"), 3)
}

fn parse_area(digits: &str, width: usize) -> Option<String> {
    if digits.is_empty() || digits.len() > width || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: u32 = digits.parse().ok()?;
    (n > 0).then(|| format!("{n:0width$}"))
}

/// A target as the audit log and the admin read it: `semua`, `RW03`, `RW03/RT001`, with the role.
pub fn target_label(t: &Target) -> String {
    let area = match (&t.rw, &t.rt) {
        (Some(rw), Some(rt)) => format!("RW{rw}/RT{rt}"),
        (Some(rw), None) => format!("RW{rw}"),
        _ => "kelurahan".to_string(),
    };
    match t.role {
        Some(role) => format!("{area} ({})", role.as_str()),
        None => area,
    }
}

/// Why a broadcast (or a grant, or a cancellation) was refused.
#[derive(Debug, thiserror::Error)]
pub enum BroadcastError {
    #[error("the text is empty")]
    EmptyText,
    #[error("broadcasts are for admins only")]
    NotAdmin,
    #[error("outside the admin's scope {0}")]
    OutOfScope(String),
    #[error("an RT needs its RW (RT numbers repeat in every RW)")]
    RtNeedsRw,
    #[error("unknown RW or RT {0:?}: RW is 1 to 99, RT 1 to 999")]
    BadArea(String),
    #[error("unknown scope {0:?}: expected kelurahan, RW03 or RW03/RT001")]
    BadScope(String),
    #[error("unknown role {0:?}: expected merchant or unverified")]
    BadRole(String),
    #[error("the person is not linked to a phone (DAFTAR) or not registered")]
    NotLinked,
    #[error("this target has no recipients: nothing was queued")]
    NoRecipients,
    #[error("{}", sms_problem_text(.0))]
    Sms(SmsProblem),
    #[error("the text is {chars} characters, at most {MAX_TEXT_CHARS}: cut {cut}")]
    TooLong { chars: usize, cut: usize },
    #[error("no such broadcast")]
    NotFound,
    #[error("the broadcast has finished: nothing is left to cancel")]
    Finished,
    #[error("the broadcast was already cancelled")]
    AlreadyCancelled,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a text cannot go out by SMS: characters to cut (after the non-GSM-7 ones are gone) and
/// the characters GSM-7 cannot carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmsProblem {
    pub cut: usize,
    pub non_gsm7: Vec<char>,
}

fn sms_problem_text(p: &SmsProblem) -> String {
    let mut parts = Vec::new();
    if p.cut > 0 {
        parts.push(format!(
            "the SMS text is longer than {MAX_SMS_SEGMENTS} segments: cut {} characters",
            p.cut
        ));
    }
    if !p.non_gsm7.is_empty() {
        parts.push(format!(
            "characters an SMS cannot carry (not GSM-7): {}",
            describe_chars(&p.non_gsm7)
        ));
    }
    parts.join("; ")
}

/// `😀 (U+1F600)`, … for the API; the chat shows [`code_points`] on SMS.
pub fn describe_chars(chars: &[char]) -> String {
    chars
        .iter()
        .map(|c| format!("{c} (U+{:04X})", u32::from(*c)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `U+1F600, U+201C`: what an SMS can show of characters it cannot carry.
pub fn code_points(chars: &[char]) -> String {
    chars
        .iter()
        .map(|c| format!("U+{:04X}", u32::from(*c)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether `text` fits an SMS broadcast (GSM-7, at most [`MAX_SMS_SEGMENTS`] segments); if not,
/// what to change. The characters to cut are counted from the end of the text once the non-GSM-7
/// characters are gone (exact, extension characters included).
pub fn sms_fit(text: &str) -> Option<SmsProblem> {
    let non_gsm7 = non_gsm7_chars(text);
    let gsm: Vec<char> = text.chars().filter(|c| !non_gsm7.contains(c)).collect();
    let as_string = |n: usize| gsm[..n].iter().collect::<String>();
    let cut = if sms_segments(&as_string(gsm.len())) <= MAX_SMS_SEGMENTS {
        0
    } else {
        // The longest prefix that fits: binary search (segments grow with length).
        let (mut lo, mut hi) = (0, gsm.len());
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if sms_segments(&as_string(mid)) <= MAX_SMS_SEGMENTS {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        gsm.len() - lo
    };
    (cut > 0 || !non_gsm7.is_empty()).then_some(SmsProblem { cut, non_gsm7 })
}

/// Who is reached, and how.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// Recipients that will be sent the broadcast.
    pub recipients: i64,
    pub whatsapp: i64,
    pub sms: i64,
    /// WhatsApp recipients outside the 24-hour window while no template is configured.
    pub unreachable: i64,
}

impl Plan {
    fn of(reach: Reach, config: &Config) -> Plan {
        let templated = config.whatsapp_broadcast_template.is_some();
        let whatsapp = reach.whatsapp_window
            + if templated {
                reach.whatsapp_template
            } else {
                0
            };
        Plan {
            recipients: whatsapp + reach.sms,
            whatsapp,
            sms: reach.sms,
            unreachable: if templated {
                0
            } else {
                reach.whatsapp_template
            },
        }
    }
}

/// Checks a broadcast before anything is queued: the text, the recipients, SMS limits.
/// Returns the text as it will be sent (trimmed) and who it reaches.
pub async fn plan(
    tx: &mut Tx,
    target: &Target,
    text: &str,
    config: &Config,
    now: i64,
) -> Result<(String, Plan), BroadcastError> {
    let text = text.trim().to_string();
    if text.is_empty() {
        return Err(BroadcastError::EmptyText);
    }
    let reach = tx.broadcast_reach(target, now - WINDOW_MS).await?;
    let plan = Plan::of(reach, config);
    if plan.recipients == 0 {
        return Err(BroadcastError::NoRecipients);
    }
    if plan.sms > 0 {
        if let Some(p) = sms_fit(&text) {
            return Err(BroadcastError::Sms(p));
        }
    }
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(BroadcastError::TooLong {
            chars,
            cut: chars - MAX_TEXT_CHARS,
        });
    }
    debug_assert!(plan.sms == 0 || is_gsm7(&text));
    Ok((text, plan))
}

/// A queued broadcast.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Created {
    pub id: i64,
    #[serde(flatten)]
    pub plan: Plan,
}

/// Checks and queues a broadcast in this unit of work, and audits it as `actor`.
pub async fn create(
    tx: &mut Tx,
    actor: &str,
    target: &Target,
    text: &str,
    config: &Config,
    now: i64,
) -> Result<Created, BroadcastError> {
    let (text, plan) = plan(tx, target, text, config, now).await?;
    let id = tx
        .insert_broadcast(
            &NewBroadcast {
                created_by: actor,
                target,
                text: &text,
                recipients: plan.recipients,
            },
            now,
        )
        .await?;
    let window_start = now - WINDOW_MS;
    let mut kinds = vec![
        (Recipients::WhatsAppWindow, Body::text(text.clone())),
        (Recipients::Sms, Body::text(text.clone())),
    ];
    if let Some(name) = &config.whatsapp_broadcast_template {
        kinds.push((
            Recipients::WhatsAppTemplate,
            Body::Template {
                name: name.clone(),
                language: config.whatsapp_broadcast_template_lang.clone(),
                params: vec![text.clone()],
            },
        ));
    }
    let mut queued = 0;
    for (kind, body) in &kinds {
        queued += tx
            .enqueue_broadcast(id, target, *kind, body, window_start, now)
            .await?;
    }
    if queued != plan.recipients {
        // Both counts are read in this one unit of work: a difference is a bug, not a race.
        return Err(StoreError::Corrupt(format!(
            "broadcast {id}: {queued} rows queued for {} recipients",
            plan.recipients
        ))
        .into());
    }
    let after = serde_json::json!({
        "id": id,
        "target": {
            "rw": target.rw,
            "rt": target.rt,
            "role": target.role.map(Role::as_str),
        },
        "text": text,
        "recipients": plan.recipients,
        "whatsapp": plan.whatsapp,
        "sms": plan.sms,
        "unreachable": plan.unreachable,
    });
    tx.audit(
        actor,
        "broadcast.create",
        &format!("broadcast {id} to {}", target_label(target)),
        None,
        Some(&after),
        now,
    )
    .await?;
    tracing::info!(
        broadcast = id,
        target = %target_label(target),
        recipients = plan.recipients,
        "broadcast queued"
    );
    Ok(Created { id, plan })
}

/// Cancels what has not gone out yet. `may` says whether this actor may cancel that broadcast
/// (given who created it); refused when it is finished or already cancelled.
pub async fn cancel(
    tx: &mut Tx,
    id: i64,
    actor: &str,
    may: impl FnOnce(&str) -> bool,
    now: i64,
) -> Result<i64, BroadcastError> {
    let b = tx.broadcast(id).await?.ok_or(BroadcastError::NotFound)?;
    if !may(&b.created_by) {
        return Err(BroadcastError::NotFound);
    }
    if b.status == Status::Cancelled {
        return Err(BroadcastError::AlreadyCancelled);
    }
    let n = tx.cancel_broadcast(id, now).await?;
    if n == 0 {
        return Err(BroadcastError::Finished);
    }
    let after = serde_json::json!({ "status": Status::Cancelled, "cancelled": n });
    tx.audit(
        actor,
        "broadcast.cancel",
        &format!("broadcast {id}"),
        None,
        Some(&after),
        now,
    )
    .await?;
    Ok(n)
}

/// Makes a linked resident an admin of `scope` (replacing an earlier scope), audited.
pub async fn grant_admin(
    tx: &mut Tx,
    nik: &str,
    scope: &Scope,
    actor: &str,
    now: i64,
) -> Result<(), BroadcastError> {
    if tx.person(nik).await?.is_none() || tx.phone_of_person(nik).await?.is_none() {
        return Err(BroadcastError::NotLinked);
    }
    let before = tx.admin(nik).await?.and_then(|r| Scope::from_row(&r));
    tx.upsert_admin(&scope.to_row(nik), actor, now).await?;
    tx.audit(
        actor,
        "admin.grant",
        &mask_nik(nik),
        before
            .map(|s| serde_json::json!({ "scope": s.label() }))
            .as_ref(),
        Some(&serde_json::json!({ "scope": scope.label() })),
        now,
    )
    .await?;
    Ok(())
}

/// The admin linked to `phone`: their NIK and scope, or `None` if this phone is no admin's.
pub async fn admin_of_phone(
    tx: &mut Tx,
    phone: &str,
) -> Result<Option<(String, Scope)>, StoreError> {
    let Some(link) = tx.link_of_phone(phone).await? else {
        return Ok(None);
    };
    Ok(tx
        .admin(&link.nik)
        .await?
        .and_then(|row| Scope::from_row(&row))
        .map(|s| (link.nik, s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_and_print() {
        assert_eq!(Scope::parse("kelurahan").unwrap(), Scope::Kelurahan);
        assert_eq!(Scope::parse("RW03").unwrap(), Scope::Rw { rw: "03".into() });
        assert_eq!(Scope::parse("rw 3 / rt 1").unwrap().label(), "RW03/RT001");
        for bad in ["", "RW", "RW0", "RW100", "RT001", "RW03/001", "desa"] {
            assert!(Scope::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn admins_reach_only_their_scope() {
        let rw = Scope::Rw { rw: "03".into() };
        let t = rw.target(None, None, None).unwrap();
        assert_eq!((t.rw.as_deref(), t.rt.as_deref()), (Some("03"), None));
        let t = rw.target(None, Some("002".into()), None).unwrap();
        assert_eq!(target_label(&t), "RW03/RT002");
        assert!(matches!(
            rw.target(Some("04".into()), None, None),
            Err(BroadcastError::OutOfScope(_))
        ));
        let rt = Scope::Rt {
            rw: "03".into(),
            rt: "001".into(),
        };
        assert_eq!(
            target_label(&rt.target(None, None, None).unwrap()),
            "RW03/RT001"
        );
        assert!(rt.target(None, Some("002".into()), None).is_err());
        assert!(matches!(
            Scope::Kelurahan.target(None, Some("001".into()), None),
            Err(BroadcastError::RtNeedsRw)
        ));
    }

    #[test]
    fn sms_fit_counts_what_to_cut_and_names_non_gsm7() {
        assert_eq!(sms_fit("Kerja bakti Minggu jam 7."), None);
        assert_eq!(sms_fit(&"a".repeat(459)), None);
        let p = sms_fit(&"a".repeat(2000)).unwrap();
        assert_eq!(p.cut, 2000 - 459);
        assert!(p.non_gsm7.is_empty());
        let p = sms_fit("Banjir! \u{1F30A} Mengungsi ke balai RW \u{1F64F}").unwrap();
        assert_eq!((p.cut, p.non_gsm7), (0, vec!['\u{1F30A}', '\u{1F64F}']));
        // Extension characters take two septets.
        let p = sms_fit(&"[".repeat(300)).unwrap();
        assert!(p.cut > 0 && sms_segments(&"[".repeat(300 - p.cut)) <= 3);
        assert!(sms_segments(&"[".repeat(300 - p.cut + 1)) > 3);
        assert_eq!(code_points(&['\u{1F30A}']), "U+1F30A");
    }
}
