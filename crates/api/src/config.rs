//! Settings, read from the environment (see the README's configuration table).

use std::env;

#[derive(Clone, Debug)]
pub struct Config {
    /// `postgres://...` or a SQLite file path.
    pub database_url: String,
    pub bind: String,
    /// Required with PostgreSQL; with SQLite a generated secret is kept in the database.
    pub jwt_secret: Option<String>,
    /// Allowed browser origins; empty allows none, `*` allows any.
    pub cors_origins: Vec<String>,
    pub token_ttl_minutes: i64,
    pub allow_registration: bool,
    pub pool_size: u32,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Seconds a request may take, body included, before it is cut off with 408; 0: no limit.
    pub request_timeout_seconds: u64,
    /// Seconds between SLA breach sweeps; 0 turns the sweep off in this process.
    pub sla_sweep_seconds: u64,
    /// Seconds between webhook delivery rounds; 0 turns delivery off in this process.
    pub webhook_poll_seconds: u64,
    /// Whether webhooks may target loopback, private and link-local addresses (off: no SSRF into the
    /// server's own network).
    pub webhook_allow_private: bool,
    /// Where attachment content is kept (local disk).
    pub attachments_dir: std::path::PathBuf,
    /// Largest accepted attachment, in bytes.
    pub max_attachment_bytes: usize,
    /// Most bytes of files one request may carry.
    pub max_upload_bytes: usize,
    /// Largest accepted inbound mail (raw or JSON), in bytes.
    pub max_mail_bytes: usize,
    /// `smtp://`, `smtps://` or `smtp://...?tls=required` URL of the relay for notification mail; none
    /// sends no mail.
    pub smtp_url: Option<String>,
    /// The `From` of notification mail; its domain also names outgoing Message-IDs.
    pub mail_from: String,
    /// Seconds between notification mail rounds; 0 turns sending off in this process.
    pub mail_poll_seconds: u64,
    /// Login attempts per account per 15 minutes, and per client address per minute.
    pub login_attempts_per_account: u32,
    pub login_attempts_per_address: u32,
    /// When set, `/metrics` wants `Authorization: Bearer <this>`.
    pub metrics_token: Option<String>,
    /// Whether the client address comes from `Forwarded`/`X-Forwarded-For` (behind a trusted proxy).
    pub trust_proxy: bool,
}

pub const DEFAULT_DATABASE_URL: &str = "helpdesk.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const MAX_TOKEN_TTL_MINUTES: i64 = 30 * 24 * 60;

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: DEFAULT_DATABASE_URL.to_owned(),
            bind: DEFAULT_BIND.to_owned(),
            jwt_secret: None,
            cors_origins: Vec::new(),
            token_ttl_minutes: 480,
            allow_registration: true,
            pool_size: 8,
            max_body_bytes: 1024 * 1024,
            request_timeout_seconds: 120,
            sla_sweep_seconds: 30,
            webhook_poll_seconds: 5,
            webhook_allow_private: false,
            attachments_dir: "helpdesk-attachments".into(),
            max_attachment_bytes: 10 * 1024 * 1024,
            max_upload_bytes: 50 * 1024 * 1024,
            max_mail_bytes: 40 * 1024 * 1024,
            smtp_url: None,
            mail_from: "Helpdesk <helpdesk@localhost>".to_owned(),
            mail_poll_seconds: 5,
            login_attempts_per_account: 10,
            login_attempts_per_address: 60,
            trust_proxy: false,
            metrics_token: None,
        }
    }
}

impl Config {
    pub fn from_env() -> Result<Config, String> {
        let defaults = Config::default();
        let var = |name: &str| env::var(name).ok().filter(|value| !value.trim().is_empty());
        let number = |name: &str, default: i64| -> Result<i64, String> {
            var(name).map_or(Ok(default), |value| {
                value
                    .trim()
                    .parse()
                    .map_err(|_| format!("{name} must be a whole number, not `{value}`"))
            })
        };
        let config = Config {
            database_url: var("DATABASE_URL").unwrap_or(defaults.database_url),
            bind: var("HELPDESK_BIND").unwrap_or(defaults.bind),
            jwt_secret: var("HELPDESK_JWT_SECRET"),
            cors_origins: var("HELPDESK_CORS_ORIGINS")
                .map(|origins| {
                    origins
                        .split(',')
                        .map(|o| o.trim().to_owned())
                        .filter(|o| !o.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            token_ttl_minutes: Some(number(
                "HELPDESK_TOKEN_TTL_MINUTES",
                defaults.token_ttl_minutes,
            )?)
            .filter(|minutes| (1..=MAX_TOKEN_TTL_MINUTES).contains(minutes))
            .ok_or_else(|| {
                format!("HELPDESK_TOKEN_TTL_MINUTES must be 1 to {MAX_TOKEN_TTL_MINUTES} (30 days)")
            })?,
            allow_registration: var("HELPDESK_ALLOW_REGISTRATION")
                .is_none_or(|value| value != "false" && value != "0"),
            pool_size: u32::try_from(number(
                "HELPDESK_DB_POOL_SIZE",
                i64::from(defaults.pool_size),
            )?)
            .map_err(|_| "HELPDESK_DB_POOL_SIZE is out of range".to_owned())?,
            max_body_bytes: usize::try_from(number(
                "HELPDESK_MAX_BODY_BYTES",
                defaults.max_body_bytes as i64,
            )?)
            .map_err(|_| "HELPDESK_MAX_BODY_BYTES is out of range".to_owned())?,
            request_timeout_seconds: u64::try_from(number(
                "HELPDESK_REQUEST_TIMEOUT_SECONDS",
                defaults.request_timeout_seconds as i64,
            )?)
            .map_err(|_| "HELPDESK_REQUEST_TIMEOUT_SECONDS must not be negative".to_owned())?,
            sla_sweep_seconds: u64::try_from(number(
                "HELPDESK_SLA_SWEEP_SECONDS",
                defaults.sla_sweep_seconds as i64,
            )?)
            .map_err(|_| "HELPDESK_SLA_SWEEP_SECONDS must not be negative".to_owned())?,
            webhook_poll_seconds: u64::try_from(number(
                "HELPDESK_WEBHOOK_POLL_SECONDS",
                defaults.webhook_poll_seconds as i64,
            )?)
            .map_err(|_| "HELPDESK_WEBHOOK_POLL_SECONDS must not be negative".to_owned())?,
            webhook_allow_private: var("HELPDESK_WEBHOOK_ALLOW_PRIVATE")
                .is_some_and(|value| value == "true" || value == "1"),
            attachments_dir: var("HELPDESK_ATTACHMENTS_DIR")
                .map_or(defaults.attachments_dir, Into::into),
            max_attachment_bytes: usize::try_from(number(
                "HELPDESK_MAX_ATTACHMENT_BYTES",
                defaults.max_attachment_bytes as i64,
            )?)
            .map_err(|_| "HELPDESK_MAX_ATTACHMENT_BYTES is out of range".to_owned())?,
            max_upload_bytes: usize::try_from(number(
                "HELPDESK_MAX_UPLOAD_BYTES",
                defaults.max_upload_bytes as i64,
            )?)
            .map_err(|_| "HELPDESK_MAX_UPLOAD_BYTES is out of range".to_owned())?,
            max_mail_bytes: usize::try_from(number(
                "HELPDESK_MAX_MAIL_BYTES",
                defaults.max_mail_bytes as i64,
            )?)
            .map_err(|_| "HELPDESK_MAX_MAIL_BYTES is out of range".to_owned())?,
            smtp_url: var("HELPDESK_SMTP_URL"),
            mail_from: var("HELPDESK_MAIL_FROM").unwrap_or(defaults.mail_from),
            mail_poll_seconds: u64::try_from(number(
                "HELPDESK_MAIL_POLL_SECONDS",
                defaults.mail_poll_seconds as i64,
            )?)
            .map_err(|_| "HELPDESK_MAIL_POLL_SECONDS must not be negative".to_owned())?,
            login_attempts_per_account: u32::try_from(number(
                "HELPDESK_LOGIN_ATTEMPTS_PER_ACCOUNT",
                i64::from(defaults.login_attempts_per_account),
            )?)
            .ok()
            .filter(|n| *n > 0)
            .ok_or("HELPDESK_LOGIN_ATTEMPTS_PER_ACCOUNT must be a positive number")?,
            login_attempts_per_address: u32::try_from(number(
                "HELPDESK_LOGIN_ATTEMPTS_PER_ADDRESS",
                i64::from(defaults.login_attempts_per_address),
            )?)
            .ok()
            .filter(|n| *n > 0)
            .ok_or("HELPDESK_LOGIN_ATTEMPTS_PER_ADDRESS must be a positive number")?,
            metrics_token: var("HELPDESK_METRICS_TOKEN"),
            trust_proxy: var("HELPDESK_TRUST_PROXY")
                .is_some_and(|value| value == "true" || value == "1"),
        };
        config.check_cors_origins()?;
        if config.smtp_url.is_some() {
            config
                .mail_from
                .parse::<lettre::message::Mailbox>()
                .map_err(|error| format!("HELPDESK_MAIL_FROM `{}`: {error}", config.mail_from))?;
        }
        Ok(config)
    }

    /// Origins must be `*` or `scheme://host[:port]`; anything else is refused at start.
    pub fn check_cors_origins(&self) -> Result<(), String> {
        for origin in self.cors_origins.iter().filter(|origin| *origin != "*") {
            let uri: actix_web::http::Uri = origin
                .parse()
                .map_err(|_| format!("HELPDESK_CORS_ORIGINS: `{origin}` is not an origin such as https://app.example.com"))?;
            let bare = uri.path() == "/" && !origin.ends_with('/') && uri.query().is_none();
            if uri.scheme().is_none() || uri.host().is_none() || !bare {
                return Err(format!("HELPDESK_CORS_ORIGINS: `{origin}` is not an origin such as https://app.example.com"));
            }
        }
        Ok(())
    }
}
