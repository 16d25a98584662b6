//! Broadcasts: announcements from the kelurahan, an RW or an RT to its residents (`SIARAN` in
//! chat, `POST /api/broadcasts`). The rules live here once, for both:
//!
//! - only admins broadcast (`POST /api/admins`), each within their scope: a kecamatan admin in
//!   every kelurahan of their kecamatan (the first 6 digits of the Kemendagri code), a kelurahan
//!   admin anywhere in their kelurahan, an RW admin in their RW, an RT admin in their RT; without
//!   an area an admin reaches their whole scope. Admins are residents of one kelurahan; kelurahan,
//!   RW and RT admins never act outside it;
//! - a broadcast to several kelurahan (a kecamatan admin's, or the API's `"all": true`) is one
//!   broadcast per kelurahan, each queued in a unit of work acting for that kelurahan, so each is
//!   sent from that kelurahan's number and counted, cancelled and audited there;
//! - recipients are linked residents who have not opted out (see `store::broadcasts`);
//! - on WhatsApp a recipient who wrote to us in the last 24 hours gets a normal text, anyone else
//!   the approved template (`WHATSAPP_BROADCAST_TEMPLATE`) with the text as its body parameter;
//!   without a template they cannot be reached, and the admin is told how many;
//! - when SMS recipients are among them, the text must be GSM-7 within 3 segments: otherwise the
//!   admin is told how many characters to cut and which are not GSM-7, and nothing is queued;
//! - queuing is set-based, at broadcast priority, so replies to residents go first;
//! - every broadcast, admin grant and cancellation is in the audit log.

use crate::config::Config;
use crate::error::{StoreError, StoreResult};
use crate::message::{Body, Channel};
use crate::parse::nik::mask_nik;
use crate::store::{
    stored_as_code, AdminRow, Code, Kelurahan, NewBroadcast, Reach, Recipients, Role, Target, Tx,
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

/// The audit log's actor for an admin acting on the web back-office: `admin-web:<masked NIK>`.
pub fn web_admin_actor(nik: &str) -> String {
    format!("admin-web:{}", mask_nik(nik))
}

/// The actors one admin's broadcasts are created by: in chat and on the web.
pub fn own_actors(nik: &str) -> [String; 2] {
    [admin_actor(nik), web_admin_actor(nik)]
}

/// Whether an admin of `scope` with NIK `nik` sees and may cancel a broadcast created by
/// `created_by`: an admin of the whole kelurahan any of it, an RW or RT admin their own (sent in
/// chat or on the web).
pub fn may_manage(scope: &Scope, nik: &str, created_by: &str) -> bool {
    scope.whole_kelurahan() || own_actors(nik).iter().any(|a| a == created_by)
}

/// What an admin may reach.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every kelurahan of the admin's kecamatan.
    Kecamatan,
    Kelurahan,
    Rw {
        rw: String,
    },
    Rt {
        rw: String,
        rt: String,
    },
}

impl Scope {
    /// `kecamatan`, `kelurahan`, `RW03`, `RW03/RT001` (case and spaces free, leading zeros
    /// optional).
    pub fn parse(s: &str) -> Result<Scope, BroadcastError> {
        let bad = || BroadcastError::BadScope(s.chars().take(40).collect());
        let t: String = s.split_whitespace().collect::<String>().to_uppercase();
        match t.as_str() {
            "KECAMATAN" => return Ok(Scope::Kecamatan),
            "KELURAHAN" => return Ok(Scope::Kelurahan),
            _ => {}
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
            Scope::Kecamatan => "kecamatan".into(),
            Scope::Kelurahan => "kelurahan".into(),
            Scope::Rw { rw } => format!("RW{rw}"),
            Scope::Rt { rw, rt } => format!("RW{rw}/RT{rt}"),
        }
    }

    pub fn to_row(&self, nik: &str) -> AdminRow {
        let (scope, rw, rt) = match self {
            Scope::Kecamatan => ("kecamatan", None, None),
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
            ("kecamatan", _, _) => Some(Scope::Kecamatan),
            ("kelurahan", _, _) => Some(Scope::Kelurahan),
            ("rw", Some(rw), _) => Some(Scope::Rw { rw: rw.clone() }),
            ("rt", Some(rw), Some(rt)) => Some(Scope::Rt {
                rw: rw.clone(),
                rt: rt.clone(),
            }),
            _ => None,
        }
    }

    /// Whether this admin acts for a whole kelurahan (cancels any of its broadcasts).
    pub fn whole_kelurahan(&self) -> bool {
        matches!(self, Scope::Kecamatan | Scope::Kelurahan)
    }

    /// Whether a household of RW `rw`, RT `rt` (in the admin's kelurahan) is within this scope:
    /// what an officer of the web back-office may see and decide.
    pub fn covers(&self, rw: &str, rt: &str) -> bool {
        match self {
            Scope::Kecamatan | Scope::Kelurahan => true,
            Scope::Rw { rw: mine } => mine == rw,
            Scope::Rt {
                rw: mine,
                rt: my_rt,
            } => mine == rw && my_rt == rt,
        }
    }

    /// Whether household `no_kk` of the transaction's kelurahan is within this scope (an unknown
    /// household is not).
    pub async fn covers_household(&self, tx: &mut Tx, no_kk: &str) -> Result<bool, StoreError> {
        Ok(tx
            .household(no_kk)
            .await?
            .is_some_and(|h| self.covers(&h.rw, &h.rt)))
    }

    /// Whether the household of person `nik` is within this scope (an unknown person's is not).
    pub async fn covers_person(&self, tx: &mut Tx, nik: &str) -> Result<bool, StoreError> {
        match tx.person(nik).await? {
            Some(p) => self.covers_household(tx, &p.no_kk).await,
            None => Ok(false),
        }
    }

    /// Whether some of RW `rw` is within this scope (an RT admin's RW is).
    pub fn covers_rw(&self, rw: &str) -> bool {
        match self {
            Scope::Kecamatan | Scope::Kelurahan => true,
            Scope::Rw { rw: mine } | Scope::Rt { rw: mine, .. } => mine == rw,
        }
    }

    /// The kelurahan an admin of this scope, a resident of `home`, sees and acts on: every
    /// kelurahan of the kecamatan for a kecamatan admin, `home` alone for the others.
    pub async fn kelurahan(
        &self,
        tx: &mut Tx,
        home: &Kelurahan,
    ) -> Result<Vec<Kelurahan>, StoreError> {
        match self {
            Scope::Kecamatan => tx.kelurahan_of_kecamatan(home.kecamatan()).await,
            _ => Ok(vec![home.clone()]),
        }
    }

    /// Where an admin of this scope reaches, among the kelurahan they act on (`reachable`, see
    /// [`Scope::kelurahan`]), naming a kelurahan `kel` (its code, or within a kecamatan its last 4
    /// digits), `rw` / `rt` in it, or none of these: the whole scope. An RW or RT is inside one
    /// kelurahan, so a kecamatan admin names the kelurahan first.
    pub fn destination(
        &self,
        reachable: &[Kelurahan],
        kel: Option<&str>,
        rw: Option<String>,
        rt: Option<String>,
        role: Option<Role>,
    ) -> Result<Destination, BroadcastError> {
        let kelurahan = match kel {
            None if *self == Scope::Kecamatan && (rw.is_some() || rt.is_some()) => {
                return Err(BroadcastError::AreaNeedsKelurahan)
            }
            None => reachable.to_vec(),
            Some(code) => {
                let code = code.trim();
                let named =
                    |k: &&Kelurahan| k.code == code || (code.len() == 4 && k.code.ends_with(code));
                match reachable.iter().find(named) {
                    Some(k) => vec![k.clone()],
                    None if *self == Scope::Kecamatan => {
                        return Err(BroadcastError::UnknownKelurahan(
                            code.chars().take(10).collect(),
                        ))
                    }
                    None => return Err(BroadcastError::OutOfScope(self.label())),
                }
            }
        };
        Ok(Destination {
            kelurahan,
            target: self.target(rw, rt, role)?,
        })
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
            Scope::Kecamatan | Scope::Kelurahan => (rw, rt),
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

/// Where a broadcast goes: the kelurahan it is sent in (one broadcast in each, sent from that
/// kelurahan's number) and, in each of them, the target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    pub kelurahan: Vec<Kelurahan>,
    pub target: Target,
}

impl Destination {
    /// As the admin reads it: `RW03` within their own kelurahan (as before there was more than
    /// one), `Kelurahan Mojo RW02` for one kelurahan named, `3 kelurahan (357701)` for several.
    pub fn label(&self, home: &Kelurahan) -> String {
        match self.kelurahan.as_slice() {
            [k] if k.id == home.id => target_label(&self.target),
            [k] => {
                let mut label = k.title();
                if let Some(area) = area_label(&self.target) {
                    label.push(' ');
                    label.push_str(&area);
                }
                if let Some(role) = self.target.role {
                    label.push_str(&format!(" ({})", role.as_str()));
                }
                label
            }
            several => format!("{} kelurahan ({})", several.len(), home.kecamatan()),
        }
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

/// `RW03`, `RW03/RT001`; `None` for a whole kelurahan.
fn area_label(t: &Target) -> Option<String> {
    match (&t.rw, &t.rt) {
        (Some(rw), Some(rt)) => Some(format!("RW{rw}/RT{rt}")),
        (Some(rw), None) => Some(format!("RW{rw}")),
        _ => None,
    }
}

/// A target as the audit log and the admin read it: `kelurahan`, `RW03`, `RW03/RT001`, with the
/// role.
pub fn target_label(t: &Target) -> String {
    let area = area_label(t).unwrap_or_else(|| "kelurahan".to_string());
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
    #[error("unknown scope {0:?}: expected kecamatan, kelurahan, RW03 or RW03/RT001")]
    BadScope(String),
    #[error("no kelurahan {0} in the admin's kecamatan")]
    UnknownKelurahan(String),
    #[error("an RW or RT is inside one kelurahan: name the kelurahan")]
    AreaNeedsKelurahan,
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

pub type Args = Vec<(&'static str, String)>;
/// A message id with its arguments.
pub type Said = (&'static str, Args);
/// Lines to say first, then the last one (a `Reject`'s message).
pub type Explained = (Vec<Said>, &'static str, Args);

/// What to tell an admin about a refusal (chat and web pages alike): lines to say first, then
/// the last one; characters an SMS cannot carry are shown as code points on SMS.
pub fn explain(e: BroadcastError, channel: Channel) -> StoreResult<Explained> {
    let one = |id: &'static str, args: Args| Ok((Vec::new(), id, args));
    match e {
        BroadcastError::Store(e) => Err(e),
        BroadcastError::EmptyText => one("broadcast-empty", vec![]),
        BroadcastError::NotAdmin => one("broadcast-admins-only", vec![]),
        BroadcastError::OutOfScope(scope) => one("broadcast-out-of-scope", vec![("scope", scope)]),
        BroadcastError::RtNeedsRw => one("broadcast-rt-needs-rw", vec![]),
        BroadcastError::BadArea(area) => one("broadcast-bad-area", vec![("area", area)]),
        BroadcastError::UnknownKelurahan(code) => {
            one("broadcast-unknown-kelurahan", vec![("code", code)])
        }
        BroadcastError::AreaNeedsKelurahan => one("broadcast-area-needs-kelurahan", vec![]),
        BroadcastError::NoRecipients => one("broadcast-no-recipients", vec![]),
        BroadcastError::TooLong { chars, cut } => one(
            "broadcast-too-long",
            vec![("length", chars.to_string()), ("cut", cut.to_string())],
        ),
        BroadcastError::Sms(p) => {
            let shown = match channel {
                Channel::Sms => code_points(&p.non_gsm7),
                Channel::WhatsApp => describe_chars(&p.non_gsm7),
            };
            let too_long = ("broadcast-sms-too-long", vec![("cut", p.cut.to_string())]);
            let not_gsm7 = ("broadcast-not-gsm7", vec![("chars", shown)]);
            match (p.cut > 0, !p.non_gsm7.is_empty()) {
                (true, true) => Ok((vec![too_long], not_gsm7.0, not_gsm7.1)),
                (true, false) => Ok((vec![], too_long.0, too_long.1)),
                _ => Ok((vec![], not_gsm7.0, not_gsm7.1)),
            }
        }
        BroadcastError::NotFound => one("broadcast-not-found", vec![]),
        BroadcastError::Finished => one("broadcast-finished", vec![]),
        BroadcastError::AlreadyCancelled => one("broadcast-already-cancelled", vec![]),
        BroadcastError::BadScope(_) | BroadcastError::BadRole(_) | BroadcastError::NotLinked => {
            one("engine-error", vec![])
        }
    }
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

impl std::ops::Add for Plan {
    type Output = Plan;
    fn add(self, o: Plan) -> Plan {
        Plan {
            recipients: self.recipients + o.recipients,
            whatsapp: self.whatsapp + o.whatsapp,
            sms: self.sms + o.sms,
            unreachable: self.unreachable + o.unreachable,
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
    if text.trim().is_empty() {
        return Err(BroadcastError::EmptyText);
    }
    let reach = tx.broadcast_reach(target, now - WINDOW_MS).await?;
    let plan = Plan::of(reach, config);
    Ok((checked_text(text, &plan)?, plan))
}

/// [`plan`] in each of `kelurahan` (a unit of work acting for each in turn): the text is
/// checked against all their recipients together; a kelurahan may have none.
pub async fn plan_in(
    tx: &mut Tx,
    kelurahan: &[Kelurahan],
    target: &Target,
    text: &str,
    config: &Config,
    now: i64,
) -> Result<(String, Vec<(Kelurahan, Plan)>), BroadcastError> {
    if text.trim().is_empty() {
        return Err(BroadcastError::EmptyText);
    }
    let home = tx.kelurahan();
    let mut plans = Vec::with_capacity(kelurahan.len());
    let mut failed = None;
    for k in kelurahan {
        tx.act_for(k.id);
        match tx.broadcast_reach(target, now - WINDOW_MS).await {
            Ok(reach) => plans.push((k.clone(), Plan::of(reach, config))),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    tx.act_for(home);
    if let Some(e) = failed {
        return Err(e.into());
    }
    let total = plans.iter().fold(Plan::default(), |sum, (_, p)| sum + *p);
    Ok((checked_text(text, &total)?, plans))
}

/// The text as it will be sent (trimmed), if it can go to the recipients of `plan`.
fn checked_text(text: &str, plan: &Plan) -> Result<String, BroadcastError> {
    let text = text.trim().to_string();
    if text.is_empty() {
        return Err(BroadcastError::EmptyText);
    }
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
    Ok(text)
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

/// [`create`] in each of `kelurahan` that has recipients: one broadcast per kelurahan, each
/// queued and audited by this unit of work acting for that kelurahan, so each goes out from that
/// kelurahan's number. Answers each kelurahan with its broadcast (none where nobody is reached).
pub async fn create_in(
    tx: &mut Tx,
    actor: &str,
    kelurahan: &[Kelurahan],
    target: &Target,
    text: &str,
    config: &Config,
    now: i64,
) -> Result<Vec<(Kelurahan, Option<Created>)>, BroadcastError> {
    let (_, plans) = plan_in(tx, kelurahan, target, text, config, now).await?;
    let home = tx.kelurahan();
    let mut created = Vec::with_capacity(plans.len());
    let mut failed = None;
    for (k, plan) in plans {
        if plan.recipients == 0 {
            created.push((k, None));
            continue;
        }
        tx.act_for(k.id);
        match create(tx, actor, target, text, config, now).await {
            Ok(c) => created.push((k, Some(c))),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    tx.act_for(home);
    failed.map_or(Ok(created), Err)
}

/// `BATAL SIARAN <id>` by an admin of `scope`, a resident of `home`: a kecamatan admin cancels
/// any broadcast of the kelurahan of their kecamatan, a kelurahan admin any of their kelurahan,
/// an RW or RT admin their own ([`may_manage`]). Any other broadcast is "not found".
pub async fn cancel_as_admin(
    tx: &mut Tx,
    id: i64,
    nik: &str,
    scope: &Scope,
    home: &Kelurahan,
    now: i64,
) -> Result<i64, BroadcastError> {
    let actor = &admin_actor(nik);
    let may = |created_by: &str| may_manage(scope, nik, created_by);
    if *scope != Scope::Kecamatan {
        return cancel(tx, id, actor, may, now).await;
    }
    let Some(of) = tx.kelurahan_of_broadcast(id).await? else {
        return Err(BroadcastError::NotFound);
    };
    if !scope.kelurahan(tx, home).await?.iter().any(|k| k.id == of) {
        return Err(BroadcastError::NotFound);
    }
    tx.act_for(of);
    let cancelled = cancel(tx, id, actor, may, now).await;
    tx.act_for(home.id);
    cancelled
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
    let before = admin_scope(tx, nik).await?;
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
    Ok(admin_scope(tx, &link.nik).await?.map(|s| (link.nik, s)))
}

/// The scope of the admin with NIK `nik`, if they are one.
pub async fn admin_scope(tx: &mut Tx, nik: &str) -> Result<Option<Scope>, StoreError> {
    Ok(tx.admin(nik).await?.and_then(|row| Scope::from_row(&row)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kelurahan(id: i64, code: &str, name: &str) -> Kelurahan {
        Kelurahan {
            id: crate::store::KelurahanId(id),
            code: code.into(),
            name: name.into(),
            created_at: 0,
        }
    }

    #[test]
    fn a_kecamatan_admin_names_one_kelurahan_or_reaches_all() {
        let mine = [
            kelurahan(2, "3577011001", "Sukamaju"),
            kelurahan(3, "3577011002", "Mojo"),
        ];
        let all = Scope::Kecamatan
            .destination(&mine, None, None, None, None)
            .unwrap();
        assert_eq!(all.kelurahan.len(), 2);
        assert_eq!(all.label(&mine[0]), "2 kelurahan (357701)");
        for code in ["3577011002", "1002"] {
            let one = Scope::Kecamatan
                .destination(&mine, Some(code), Some("02".into()), None, None)
                .unwrap();
            assert_eq!(one.kelurahan, vec![mine[1].clone()]);
            assert_eq!(one.label(&mine[0]), "Kelurahan Mojo RW02");
        }
        assert!(matches!(
            Scope::Kecamatan.destination(&mine, Some("3578021001"), None, None, None),
            Err(BroadcastError::UnknownKelurahan(_))
        ));
        assert!(matches!(
            Scope::Kecamatan.destination(&mine, None, Some("03".into()), None, None),
            Err(BroadcastError::AreaNeedsKelurahan)
        ));
        // Others stay in their own kelurahan, labelled as before.
        let home = &mine[..1];
        let rw = Scope::Rw { rw: "03".into() };
        let own = rw
            .destination(home, Some("1001"), None, None, None)
            .unwrap();
        assert_eq!(own.label(&mine[0]), "RW03");
        assert!(matches!(
            rw.destination(home, Some("1002"), None, None, None),
            Err(BroadcastError::OutOfScope(_))
        ));
        assert!(Scope::Kelurahan.whole_kelurahan() && !rw.whole_kelurahan());
    }

    #[test]
    fn scopes_parse_and_print() {
        assert_eq!(Scope::parse("Kecamatan").unwrap(), Scope::Kecamatan);
        assert_eq!(Scope::Kecamatan.label(), "kecamatan");
        assert_eq!(
            Scope::from_row(&Scope::Kecamatan.to_row("x")),
            Some(Scope::Kecamatan)
        );
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
