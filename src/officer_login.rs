//! The officers' web login (issue 15, DESIGN §3 `/admin`): the officer types their phone number,
//! the bot sends a one-time code to that phone (an admin's linked phone, through the outbox, in
//! the channel it last wrote from), the officer types the code and gets a session.
//!
//! - A code has 6 digits ([`new_code`], as activation codes) and lasts 10 minutes; only its
//!   keyed hash is stored ([`code_hash`] with `GOTONG_SECRET_KEY`, bound to the officer's NIK), so
//!   a copy of the database does not give the code away. Asking again within a minute sends
//!   nothing (the code just sent still works: a double click, or someone filling the officer's
//!   phone with messages); later, a new code replaces it. A phone that is no admin's gets the same
//!   answer ("if this number is an officer's, a code was sent") and no message, so the form tells
//!   nobody who the officers are.
//! - Five wrong codes ([`throttle::MAX_FAILURES`], the rule of wrong activation codes) lock the
//!   phone's web login for 15 minutes (a right code then is refused too); a right code clears the
//!   count and can be used once.
//! - A session lasts 8 hours: a random token (the cookie) and a CSRF token for its forms; only
//!   the token's SHA-256 is stored. Logging out ends it. The admin is looked up again at every
//!   request, so a revoked admin's session stops working at once.

use crate::accounts::activation_code::{code_hash, new_code};
use crate::accounts::throttle::{self, after_failure_blocking};
use crate::broadcast::{admin_scope, Scope};
use crate::error::StoreError;
use crate::i18n::Texts;
use crate::notices::notice;
use crate::parse::nik::mask_nik;
use crate::parse::phone::{mask_phone, normalize_phone};
use crate::store::{Db, Kelurahan, KelurahanId};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use thiserror::Error;

/// How long a code can be used.
pub const CODE_TTL_MS: i64 = 10 * 60 * 1000;
/// A new code is sent at most this often.
pub const RESEND_MS: i64 = 60 * 1000;
/// How long a locked login stays locked.
pub const LOCK_MS: i64 = 15 * 60 * 1000;
/// How long a session lasts.
pub const SESSION_TTL_MS: i64 = 8 * 60 * 60 * 1000;

#[derive(Debug, Error)]
pub enum LoginError {
    #[error("not a phone number")]
    BadPhone,
    #[error("the code is 6 digits")]
    BadCodeFormat,
    #[error("wrong or expired code")]
    WrongCode,
    /// Too many wrong codes: locked until this epoch ms.
    #[error("login locked")]
    Locked { until: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An officer signed in: who, where, within which scope, and the CSRF token of their forms.
#[derive(Clone, Debug)]
pub struct Officer {
    pub nik: String,
    pub kelurahan: Kelurahan,
    pub scope: Scope,
    pub csrf: String,
}

impl Officer {
    /// The audit log's actor of this officer's actions: `admin-web:<masked NIK>`.
    pub fn actor(&self) -> String {
        crate::broadcast::web_admin_actor(&self.nik)
    }
}

/// A new session: the cookie's token and the officer.
#[derive(Clone, Debug)]
pub struct NewSession {
    pub token: String,
    pub officer: Officer,
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// A random token of `bytes` bytes, hex (sessions, CSRF, the login forms' cookie).
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

/// The phone as stored (E.164), or [`LoginError::BadPhone`].
pub fn phone_of(input: &str) -> Result<String, LoginError> {
    normalize_phone(input).ok_or(LoginError::BadPhone)
}

/// Sends a code to `phone` if it is an admin's linked phone and not locked; answers the
/// normalised phone either way (the form does not say whether it was an officer's).
pub async fn request_code(
    db: &Db,
    texts: &Texts,
    key: &[u8; 32],
    phone_input: &str,
    now: i64,
) -> Result<String, LoginError> {
    let phone = phone_of(phone_input)?;
    let mut tx = db.begin(KelurahanId::DEFAULT).await?;
    let Some((link, kelurahan)) = tx.link_of_phone_in_deployment(&phone).await? else {
        tx.rollback().await?;
        tracing::info!(phone = %mask_phone(&phone), "web login: not a linked phone");
        return Ok(phone);
    };
    tx.act_for(kelurahan.id);
    if admin_scope(&mut tx, &link.nik).await?.is_none() {
        tx.rollback().await?;
        tracing::info!(phone = %mask_phone(&phone), "web login: not an admin");
        return Ok(phone);
    }
    let nik = link.nik;
    if let Some(row) = tx.login_code(&phone).await? {
        if let Some(until) = row.locked_until.filter(|u| *u > now) {
            tx.rollback().await?;
            return Err(LoginError::Locked { until });
        }
        let sent_at = row.expires_at - CODE_TTL_MS;
        if row.code_hash.is_some() && now - sent_at < RESEND_MS {
            tx.rollback().await?;
            return Ok(phone);
        }
    }
    let code = new_code();
    tx.put_login_code(
        &phone,
        &nik,
        &code_hash(key, &nik, &code),
        now + CODE_TTL_MS,
    )
    .await?;
    let msg = notice(&mut tx, texts, &phone, "web-login-code", &[("code", code)]).await?;
    tx.enqueue(&msg, now).await?;
    tx.audit(
        "admin-web",
        "web.login_code",
        &mask_nik(&nik),
        None,
        None,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(phone)
}

/// Checks `code` for `phone`; a right one opens a session.
pub async fn verify_code(
    db: &Db,
    key: &[u8; 32],
    phone_input: &str,
    code: &str,
    now: i64,
) -> Result<NewSession, LoginError> {
    let phone = phone_of(phone_input)?;
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(LoginError::BadCodeFormat);
    }
    let mut tx = db.begin(KelurahanId::DEFAULT).await?;
    let Some(row) = tx.login_code(&phone).await? else {
        tx.rollback().await?;
        return Err(LoginError::WrongCode);
    };
    if let Some(until) = row.locked_until.filter(|u| *u > now) {
        tx.rollback().await?;
        return Err(LoginError::Locked { until });
    }
    let right = row.code_hash.as_deref().is_some_and(|h| {
        let given = code_hash(key, &row.nik, code);
        row.expires_at > now && bool::from(h.as_bytes().ct_eq(given.as_bytes()))
    });
    if !right {
        let (failures, locked) = after_failure_blocking(row.failures, now, LOCK_MS);
        tx.set_login_attempt(&phone, failures, locked, false)
            .await?;
        tx.commit().await?;
        tracing::warn!(phone = %mask_phone(&phone), failures, max = throttle::MAX_FAILURES, "web login: wrong code");
        return Err(match locked {
            Some(until) => LoginError::Locked { until },
            None => LoginError::WrongCode,
        });
    }
    tx.set_login_attempt(&phone, 0, None, true).await?;
    tx.act_for(row.kelurahan);
    let Some(session) = open_session(&mut tx, &row.nik, now).await? else {
        tx.commit().await?;
        return Err(LoginError::WrongCode);
    };
    tx.commit().await?;
    Ok(session)
}

/// Opens a session for the transaction's kelurahan's admin `nik` (audited); `None` when `nik`
/// is no admin (any more). What a right code leads to.
pub async fn open_session(
    tx: &mut crate::store::Tx,
    nik: &str,
    now: i64,
) -> Result<Option<NewSession>, StoreError> {
    let Some(officer) = officer(tx, nik, String::new()).await? else {
        return Ok(None);
    };
    let token = random_hex(32);
    let csrf = random_hex(16);
    tx.insert_web_session(&sha256_hex(&token), nik, &csrf, now, now + SESSION_TTL_MS)
        .await?;
    tx.audit(
        &officer.actor(),
        "web.login",
        &mask_nik(nik),
        None,
        None,
        now,
    )
    .await?;
    Ok(Some(NewSession {
        token,
        officer: Officer { csrf, ..officer },
    }))
}

/// The admin `nik` of the transaction's kelurahan, if still an admin.
async fn officer(
    tx: &mut crate::store::Tx,
    nik: &str,
    csrf: String,
) -> Result<Option<Officer>, StoreError> {
    let Some(scope) = admin_scope(tx, nik).await? else {
        return Ok(None);
    };
    Ok(Some(Officer {
        nik: nik.to_string(),
        kelurahan: tx.this_kelurahan().await?,
        scope,
        csrf,
    }))
}

/// The officer of the session `token`, if it is open and its admin still one.
pub async fn session(db: &Db, token: &str, now: i64) -> Result<Option<Officer>, StoreError> {
    let mut tx = db.begin_read(KelurahanId::DEFAULT).await?;
    let found = match tx.web_session(&sha256_hex(token)).await? {
        Some(row) if row.expires_at > now => {
            tx.act_for(row.kelurahan);
            officer(&mut tx, &row.nik, row.csrf).await?
        }
        _ => None,
    };
    tx.rollback().await?;
    Ok(found)
}

/// Ends the session `token` (and every expired one).
pub async fn logout(db: &Db, token: &str, now: i64) -> Result<(), StoreError> {
    let mut tx = db.begin(KelurahanId::DEFAULT).await?;
    tx.end_web_session(&sha256_hex(token), now).await?;
    tx.commit().await
}

/// Whether `given` is the officer's CSRF token (constant time).
pub fn csrf_ok(officer: &Officer, given: &str) -> bool {
    !officer.csrf.is_empty() && bool::from(officer.csrf.as_bytes().ct_eq(given.as_bytes()))
}
