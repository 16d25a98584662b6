//! Configuration from the environment (DESIGN §2). A `.env` file is read by the binary before this.

use crate::error::ConfigError;

/// Everything `gotong` reads from the environment, parsed once at start-up.
#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub listen: String,
    pub public_url: String,
    pub admin_token: Option<String>,
    pub secret_key: Option<[u8; 32]>,
    pub whatsapp: Option<WhatsAppConfig>,
    pub whatsapp_mps: u32,
    /// The approved template broadcasts use outside WhatsApp's 24-hour window (the text is its
    /// one body parameter); without it, those recipients cannot be reached.
    pub whatsapp_broadcast_template: Option<String>,
    pub whatsapp_broadcast_template_lang: String,
    pub twilio: Option<TwilioConfig>,
    /// SMS Gateway for Android (`ANDROID_SMS_*`): the two-way SMS route that works in Indonesia.
    pub android: Option<AndroidConfig>,
    /// Which configured SMS provider sends (`SMS_PROVIDER`); `None` when neither is configured.
    /// Both providers' webhooks are served when both are configured; only this one sends.
    pub sms_provider: Option<SmsProvider>,
    pub sms_mps: u32,
    pub stimulus_per_day: i64,
    pub social_fund_percent: i64,
    /// Asia/Jakarta time of day of the daily stimulus run in `serve` (`GOTONG_STIMULUS_HOUR`).
    pub stimulus_hour: chrono::NaiveTime,
    /// Largest single payment of a resident aged 16–17 (`GOTONG_MINOR_PAYMENT_LIMIT`).
    pub minor_payment_limit: i64,
    /// Idle minutes after which a conversation starts afresh.
    pub session_idle_minutes: i64,
    /// Bound on one send request to a provider, in seconds (`GOTONG_SEND_TIMEOUT_SECONDS`). The
    /// outbox lease is three times this: a crashed server's claimed rows go out again after it.
    pub send_timeout_seconds: u32,
    pub log_json: bool,
    /// The default kelurahan's 10-digit Kemendagri code (`GOTONG_KELURAHAN_CODE`), applied at
    /// `serve` start.
    pub kelurahan_code: Option<String>,
    /// The default kelurahan's name (`GOTONG_KELURAHAN_NAME`), applied at `serve` start.
    pub kelurahan_name: Option<String>,
    /// The letters residents may ask for with `SURAT` besides the standard ones
    /// ([`crate::letters::STANDARD_KINDS`]): one per line of `GOTONG_LETTER_KINDS_FILE`.
    pub letter_kinds: Vec<String>,
    /// Paid orders a merchant needs (with no open complaint) to be shown as terverifikasi in
    /// `CARI` (`GOTONG_VERIFIED_MERCHANT_ORDERS`).
    pub verified_merchant_orders: i64,
}

#[derive(Clone, Debug)]
pub struct WhatsAppConfig {
    pub app_secret: String,
    pub verify_token: String,
    pub access_token: String,
    pub phone_number_id: String,
    pub api_base: String,
}

#[derive(Clone, Debug)]
pub struct TwilioConfig {
    pub account_sid: String,
    pub auth_token: String,
    pub from: String,
    pub api_base: String,
}

#[derive(Clone, Debug)]
pub struct AndroidConfig {
    /// The gateway's send API: the phone in local mode (`http://192.168.1.10:8080`) or the
    /// cloud/private server (`https://api.sms-gate.app/3rdparty/v1`); `/message` is added.
    pub api_url: String,
    pub username: String,
    pub password: String,
    /// The webhook signing key (the app's Settings → Webhooks → Signing Key).
    pub signing_key: String,
    /// What one SIM may send in a minute and in a (Jakarta) day: carriers block faster senders.
    pub per_sim_per_minute: u32,
    pub per_sim_per_day: u32,
}

/// The provider that sends SMS (`SMS_PROVIDER`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmsProvider {
    Twilio,
    Android,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads configuration through `get`, so tests can pass a map instead of the environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let num = |k: &str, default: i64| -> Result<i64, ConfigError> {
            match get(k) {
                None => Ok(default),
                Some(v) => v.trim().parse().map_err(|_| ConfigError::Invalid {
                    name: k.to_string(),
                    reason: format!("expected a whole number, got {v:?}"),
                }),
            }
        };
        let secret_key = match get("GOTONG_SECRET_KEY") {
            None => None,
            Some(v) => {
                let bytes = hex::decode(v.trim()).map_err(|_| ConfigError::Invalid {
                    name: "GOTONG_SECRET_KEY".into(),
                    reason: "expected 64 hexadecimal characters (32 bytes)".into(),
                })?;
                Some(
                    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| ConfigError::Invalid {
                        name: "GOTONG_SECRET_KEY".into(),
                        reason: "expected 64 hexadecimal characters (32 bytes)".into(),
                    })?,
                )
            }
        };
        let whatsapp = get("WHATSAPP_APP_SECRET").map(|app_secret| WhatsAppConfig {
            app_secret,
            verify_token: get("WHATSAPP_VERIFY_TOKEN").unwrap_or_default(),
            access_token: get("WHATSAPP_ACCESS_TOKEN").unwrap_or_default(),
            phone_number_id: get("WHATSAPP_PHONE_NUMBER_ID").unwrap_or_default(),
            api_base: get("WHATSAPP_API_BASE")
                .unwrap_or_else(|| "https://graph.facebook.com/v21.0".into())
                .trim_end_matches('/')
                .to_string(),
        });
        let twilio =
            match (
                get("TWILIO_ACCOUNT_SID"),
                get("TWILIO_AUTH_TOKEN"),
                get("TWILIO_FROM"),
            ) {
                (Some(account_sid), Some(auth_token), Some(from)) => Some(TwilioConfig {
                    account_sid,
                    auth_token,
                    from,
                    api_base: get("TWILIO_API_BASE")
                        .unwrap_or_else(|| "https://api.twilio.com".into())
                        .trim_end_matches('/')
                        .to_string(),
                }),
                (None, None, None) => None,
                _ => return Err(ConfigError::Invalid {
                    name: "TWILIO_ACCOUNT_SID".into(),
                    reason:
                        "TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM must be set together"
                            .into(),
                }),
            };
        let positive = |k: &str, default: i64| -> Result<u32, ConfigError> {
            let v = num(k, default)?;
            u32::try_from(v)
                .ok()
                .filter(|v| *v > 0)
                .ok_or(ConfigError::Invalid {
                    name: k.to_string(),
                    reason: "must be a positive whole number".into(),
                })
        };
        let android = match get("ANDROID_SMS_API_URL") {
            None => None,
            Some(api_url) => {
                let required = |k: &str| {
                    get(k).ok_or_else(|| ConfigError::Invalid {
                        name: k.to_string(),
                        reason: "required with ANDROID_SMS_API_URL (the app shows it: Home \
                                 tab for the username and password, Settings → Webhooks for \
                                 the signing key)"
                            .into(),
                    })
                };
                Some(AndroidConfig {
                    api_url: api_url.trim().trim_end_matches('/').to_string(),
                    username: required("ANDROID_SMS_USERNAME")?,
                    password: required("ANDROID_SMS_PASSWORD")?,
                    signing_key: required("ANDROID_SMS_SIGNING_KEY")?,
                    per_sim_per_minute: positive("ANDROID_SMS_PER_SIM_PER_MINUTE", 20)?,
                    per_sim_per_day: positive("ANDROID_SMS_PER_SIM_PER_DAY", 400)?,
                })
            }
        };
        let sms_provider = match get("SMS_PROVIDER").map(|p| p.trim().to_ascii_lowercase()) {
            None => match (&twilio, &android) {
                (Some(_), Some(_)) => {
                    return Err(ConfigError::Invalid {
                        name: "SMS_PROVIDER".into(),
                        reason: "both Twilio and SMS Gateway for Android are configured: say \
                                 which one sends (twilio or android)"
                            .into(),
                    })
                }
                (Some(_), None) => Some(SmsProvider::Twilio),
                (None, Some(_)) => Some(SmsProvider::Android),
                (None, None) => None,
            },
            Some(p) if p == "twilio" && twilio.is_some() => Some(SmsProvider::Twilio),
            Some(p) if p == "android" && android.is_some() => Some(SmsProvider::Android),
            Some(p) if p == "twilio" || p == "android" => {
                return Err(ConfigError::Invalid {
                    name: "SMS_PROVIDER".into(),
                    reason: format!(
                        "{p} is chosen but not configured (set {})",
                        if p == "twilio" {
                            "TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM"
                        } else {
                            "ANDROID_SMS_API_URL, ANDROID_SMS_USERNAME, ANDROID_SMS_PASSWORD and ANDROID_SMS_SIGNING_KEY"
                        }
                    ),
                })
            }
            Some(p) => {
                return Err(ConfigError::Invalid {
                    name: "SMS_PROVIDER".into(),
                    reason: format!("expected twilio or android, got {p:?}"),
                })
            }
        };
        Ok(Config {
            database_url: get("DATABASE_URL").unwrap_or_else(|| "sqlite://gotong.db".into()),
            listen: get("GOTONG_LISTEN").unwrap_or_else(|| "127.0.0.1:8080".into()),
            public_url: get("GOTONG_PUBLIC_URL")
                .unwrap_or_else(|| "http://127.0.0.1:8080".into())
                .trim_end_matches('/')
                .to_string(),
            admin_token: get("GOTONG_ADMIN_TOKEN"),
            secret_key,
            whatsapp,
            whatsapp_mps: positive("WHATSAPP_MPS", 80)?,
            whatsapp_broadcast_template: get("WHATSAPP_BROADCAST_TEMPLATE"),
            whatsapp_broadcast_template_lang: get("WHATSAPP_BROADCAST_TEMPLATE_LANG")
                .unwrap_or_else(|| "id".into()),
            twilio,
            android,
            sms_provider,
            sms_mps: positive("SMS_MPS", 10)?,
            stimulus_per_day: num("GOTONG_STIMULUS_PER_DAY", 1000)?,
            social_fund_percent: num("GOTONG_SOCIAL_FUND_PERCENT", 5)?,
            stimulus_hour: match get("GOTONG_STIMULUS_HOUR") {
                None => chrono::NaiveTime::from_hms_opt(0, 5, 0).unwrap_or_default(),
                Some(v) => chrono::NaiveTime::parse_from_str(v.trim(), "%H:%M").map_err(|_| {
                    ConfigError::Invalid {
                        name: "GOTONG_STIMULUS_HOUR".into(),
                        reason: format!("expected HH:MM (Asia/Jakarta), got {v:?}"),
                    }
                })?,
            },
            minor_payment_limit: num("GOTONG_MINOR_PAYMENT_LIMIT", 50_000)?,
            session_idle_minutes: num("GOTONG_SESSION_IDLE_MINUTES", 30)?,
            send_timeout_seconds: positive("GOTONG_SEND_TIMEOUT_SECONDS", 20)?,
            log_json: get("GOTONG_LOG_FORMAT").is_some_and(|v| v.eq_ignore_ascii_case("json")),
            kelurahan_code: match get("GOTONG_KELURAHAN_CODE") {
                None => None,
                Some(code) if crate::store::valid_code(code.trim()) => {
                    Some(code.trim().to_string())
                }
                Some(code) => {
                    return Err(ConfigError::Invalid {
                        name: "GOTONG_KELURAHAN_CODE".into(),
                        reason: format!(
                            "expected the 10-digit Kemendagri code (e.g. 3577011002), got {code:?}"
                        ),
                    })
                }
            },
            kelurahan_name: get("GOTONG_KELURAHAN_NAME").map(|n| n.trim().to_string()),
            verified_merchant_orders: i64::from(positive("GOTONG_VERIFIED_MERCHANT_ORDERS", 10)?),
            letter_kinds: match get("GOTONG_LETTER_KINDS_FILE") {
                None => Vec::new(),
                Some(path) => letter_kinds_of(path.trim())?,
            },
        })
    }

    /// The secret key, or (for `chat`, `demo` and tests, never `serve`) a fixed development key.
    pub fn secret_key_or_dev(&self) -> [u8; 32] {
        self.secret_key
            .unwrap_or(*b"gotong-development-key-not-prod!")
    }

    /// A configuration for tests and the demo: no channels, an in-memory-friendly database URL.
    pub fn for_database(database_url: &str) -> Self {
        let mut c = Self::from_lookup(|_| None).expect("defaults are valid");
        c.database_url = database_url.to_string();
        c
    }
}

/// The letter kinds of the file at `path`: one per line, blank lines and `#` comments skipped;
/// each GSM-7 (it is listed in SMS) and at most [`crate::letters::MAX_KIND`] characters.
fn letter_kinds_of(path: &str) -> Result<Vec<String>, ConfigError> {
    let invalid = |reason: String| ConfigError::Invalid {
        name: "GOTONG_LETTER_KINDS_FILE".into(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| invalid(format!("{path}: {e}")))?;
    parse_letter_kinds(&text).map_err(|e| invalid(format!("{path}: {e}")))
}

fn parse_letter_kinds(text: &str) -> Result<Vec<String>, String> {
    let mut kinds = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let kind = line.trim();
        if kind.is_empty() || kind.starts_with('#') {
            continue;
        }
        let line = i + 1;
        if kind.chars().count() > crate::letters::MAX_KIND {
            return Err(format!(
                "line {line}: longer than {} characters",
                crate::letters::MAX_KIND
            ));
        }
        if !crate::text::gsm7::is_gsm7(kind) {
            return Err(format!(
                "line {line}: {kind:?} has characters an SMS cannot carry"
            ));
        }
        kinds.push(kind.to_string());
    }
    Ok(kinds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| m.get(k).cloned())
    }

    #[test]
    fn defaults_follow_the_design() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.database_url, "sqlite://gotong.db");
        assert_eq!(c.listen, "127.0.0.1:8080");
        assert_eq!(c.whatsapp_mps, 80);
        assert_eq!(c.sms_mps, 10);
        assert_eq!(c.stimulus_per_day, 1000);
        assert_eq!(c.social_fund_percent, 5);
        assert_eq!(c.stimulus_hour.format("%H:%M").to_string(), "00:05");
        assert_eq!(c.minor_payment_limit, 50_000);
        assert_eq!(c.send_timeout_seconds, 20);
        assert_eq!(c.verified_merchant_orders, 10);
        let e = cfg(&[("GOTONG_STIMULUS_HOUR", "25:00")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("GOTONG_STIMULUS_HOUR"), "{e}");
        assert!(c.whatsapp.is_none() && c.twilio.is_none() && c.admin_token.is_none());
    }

    #[test]
    fn letter_kinds_are_one_per_line() {
        let kinds = parse_letter_kinds("# ours\nKeterangan kelahiran\n\n  Keterangan kematian  \n");
        assert_eq!(
            kinds.unwrap(),
            ["Keterangan kelahiran", "Keterangan kematian"]
        );
        let e = parse_letter_kinds("Keterangan\nSurat 😀").unwrap_err();
        assert!(e.starts_with("line 2:"), "{e}");
        let e = parse_letter_kinds(&"x".repeat(41)).unwrap_err();
        assert!(e.contains("40"), "{e}");
        let e = cfg(&[("GOTONG_LETTER_KINDS_FILE", "/nonexistent/kinds.txt")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("GOTONG_LETTER_KINDS_FILE"), "{e}");
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = cfg(&[("SMS_MPS", "fast")]).unwrap_err().to_string();
        assert!(e.contains("SMS_MPS"), "{e}");
        let e = cfg(&[("GOTONG_SECRET_KEY", "abcd")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("GOTONG_SECRET_KEY"), "{e}");
        let e = cfg(&[("GOTONG_KELURAHAN_CODE", "35770110")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("GOTONG_KELURAHAN_CODE"), "{e}");
        let e = cfg(&[("TWILIO_ACCOUNT_SID", "AC1")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("TWILIO"), "{e}");
    }

    #[test]
    fn android_gateway_settings() {
        let base = [
            ("ANDROID_SMS_API_URL", "http://192.168.1.10:8080/"),
            ("ANDROID_SMS_USERNAME", "sms"),
            ("ANDROID_SMS_PASSWORD", "pw"),
            ("ANDROID_SMS_SIGNING_KEY", "key"),
        ];
        let c = cfg(&base).unwrap();
        let a = c.android.unwrap();
        assert_eq!(a.api_url, "http://192.168.1.10:8080");
        assert_eq!((a.per_sim_per_minute, a.per_sim_per_day), (20, 400));
        assert_eq!(c.sms_provider, Some(SmsProvider::Android));

        let e = cfg(&base[..3]).unwrap_err().to_string();
        assert!(e.contains("ANDROID_SMS_SIGNING_KEY"), "{e}");
        let twilio = [
            ("TWILIO_ACCOUNT_SID", "AC1"),
            ("TWILIO_AUTH_TOKEN", "t"),
            ("TWILIO_FROM", "+15005550006"),
        ];
        let both: Vec<_> = base.iter().chain(twilio.iter()).copied().collect();
        let e = cfg(&both).unwrap_err().to_string();
        assert!(e.contains("SMS_PROVIDER"), "{e}");
        let mut chosen = both.clone();
        chosen.push(("SMS_PROVIDER", "android"));
        assert_eq!(
            cfg(&chosen).unwrap().sms_provider,
            Some(SmsProvider::Android)
        );
        let e = cfg(&[twilio[0], twilio[1], twilio[2], ("SMS_PROVIDER", "android")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("ANDROID_SMS_API_URL"), "{e}");
        assert_eq!(
            cfg(&twilio).unwrap().sms_provider,
            Some(SmsProvider::Twilio)
        );
    }

    #[test]
    fn whatsapp_base_loses_trailing_slash() {
        let c = cfg(&[
            ("WHATSAPP_APP_SECRET", "s"),
            ("WHATSAPP_API_BASE", "http://x/v21.0/"),
        ])
        .unwrap();
        assert_eq!(c.whatsapp.unwrap().api_base, "http://x/v21.0");
    }
}
