//! A real server for end-to-end tests: the whole app over HTTP on 127.0.0.1, on a fresh SQLite or
//! PostgreSQL database seeded with the demo organisation, with a clock the test controls.
#![allow(dead_code, clippy::unwrap_used)]

use actix_web::http::StatusCode;
use chrono::{TimeZone, Utc};
use helpdesk_api::bootstrap::seed_demo;
use helpdesk_api::{build_app, AppState, Clock, Config};
use helpdesk_persistence::testing::TestDatabase;
use helpdesk_persistence::Backend;
use serde_json::Value;

/// Declares `mod name { async fn sqlite(); async fn postgres(); }` running `async fn name(Backend)`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                super::$name(helpdesk_persistence::Backend::Sqlite).await
            }
            #[actix_web::test]
            async fn postgres() {
                super::$name(helpdesk_persistence::Backend::Postgres).await
            }
        }
    )+};
}

pub struct TestApp {
    pub server: actix_test::TestServer,
    pub clock: Clock,
    pub state: AppState,
    _database: TestDatabase,
    _files: tempfile::TempDir,
}

/// One part of a multipart/form-data body.
pub enum Part<'a> {
    /// A JSON part named `name`.
    Json(&'a str, Value),
    /// A file in the `attachments` part.
    File {
        filename: &'a str,
        content_type: &'a str,
        bytes: &'a [u8],
    },
}

pub const BOUNDARY: &str = "helpdesk-test-boundary-7MA4YWxkTrZu0gW";

/// A multipart/form-data body of `parts`.
pub fn multipart_body(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match part {
            Part::Json(name, value) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"\r\nContent-Type: application/json\r\n\r\n{value}"
                    )
                    .as_bytes(),
                );
            }
            Part::File {
                filename,
                content_type,
                bytes,
            } => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"attachments\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
            }
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// A response: status, headers and the JSON body (or `Null`).
pub struct Reply {
    pub status: StatusCode,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: Value,
    pub text: String,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        self.body
    }

    /// Asserts a problem+json error with `status`, returning the problem.
    #[track_caller]
    pub fn problem(self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "{}",
            self.text
        );
        assert_eq!(self.body["status"], status);
        assert!(self.body["type"]
            .as_str()
            .unwrap()
            .starts_with("urn:problem:helpdesk:"));
        self.body
    }
}

pub const JWT_SECRET: &str = "an end-to-end test secret of enough length";

impl TestApp {
    pub async fn start(backend: Backend) -> TestApp {
        Self::start_with(backend, |_| {}).await
    }

    pub async fn start_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let database = TestDatabase::new(backend);
        let files = tempfile::tempdir().unwrap();
        let mut config = Config {
            attachments_dir: files.path().join("attachments"),
            database_url: database.url.clone(),
            jwt_secret: Some(JWT_SECRET.into()),
            pool_size: 4,
            max_body_bytes: 64 * 1024,
            max_mail_bytes: 256 * 1024,
            ..Config::default()
        };
        adjust(&mut config);
        let clock = Clock::manual(Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap());
        let state = AppState::start(config, clock.clone()).unwrap();
        assert!(seed_demo(&state.db, clock.now()).unwrap());
        let app_state = state.clone();
        let server = actix_test::start(move || build_app(app_state.clone()));
        TestApp {
            server,
            clock,
            state,
            _database: database,
            _files: files,
        }
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let reply = self
            .post(
                "/api/v1/auth/login",
                None,
                &serde_json::json!({"email": email, "password": password}),
            )
            .await;
        reply.expect(200)["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn jane(&self) -> String {
        self.login("jane@example.com", "jane-password").await
    }
    pub async fn john(&self) -> String {
        self.login("john@example.com", "john-password").await
    }
    pub async fn ken(&self) -> String {
        self.login("ken@example.com", "ken-password").await
    }
    pub async fn admin(&self) -> String {
        self.login("admin@example.com", "admin-password").await
    }

    /// A new API key with `scopes` (made by the admin whose token is `admin`): the key itself.
    pub async fn api_key(&self, admin: &str, scopes: &[&str]) -> String {
        let body = serde_json::json!({"name": "test key", "scopes": scopes});
        self.post("/api/v1/api-keys", Some(admin), &body)
            .await
            .expect(201)["key"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Registers a customer and signs them in: their token.
    pub async fn new_customer(&self, name: &str, email: &str, password: &str) -> String {
        let body = serde_json::json!({"name": name, "email": email, "password": password});
        self.post("/api/v1/auth/register", None, &body)
            .await
            .expect(201);
        self.login(email, password).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(self.server.get(path), token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.send(self.server.post(path), token, Some(body.to_string()))
            .await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.send(self.server.patch(path), token, Some(body.to_string()))
            .await
    }

    /// POSTs a multipart/form-data body of `parts`.
    pub async fn post_multipart(
        &self,
        path: &str,
        token: Option<&str>,
        parts: &[Part<'_>],
    ) -> Reply {
        self.send_raw(
            self.server.post(path),
            token,
            Some((
                format!("multipart/form-data; boundary={BOUNDARY}"),
                multipart_body(parts),
            )),
        )
        .await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(self.server.delete(path), token, None).await
    }

    /// Sends `request` with a bearer token (or an `X-API-Key` when the token starts with `hd_`).
    pub async fn send(
        &self,
        request: awc::ClientRequest,
        token: Option<&str>,
        body: Option<String>,
    ) -> Reply {
        let body = body.map(|body| ("application/json".to_owned(), body.into_bytes()));
        self.send_raw(request, token, body).await
    }

    /// Sends `request` with a body of the given content type (unless the request has one set).
    pub async fn send_raw(
        &self,
        request: awc::ClientRequest,
        token: Option<&str>,
        body: Option<(String, Vec<u8>)>,
    ) -> Reply {
        let mut request = request;
        match token {
            Some(key) if key.starts_with("hd_") => {
                request = request.insert_header(("X-API-Key", key))
            }
            Some(token) => {
                request = request.insert_header(("Authorization", format!("Bearer {token}")))
            }
            None => {}
        }
        let mut response = match body {
            Some((content_type, body)) => {
                request
                    .insert_header_if_none(("Content-Type", content_type))
                    .send_body(body)
                    .await
            }
            None => request.send().await,
        }
        .unwrap();
        let bytes = response.body().limit(16 * 1024 * 1024).await.unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Reply {
            status: response.status(),
            headers: response.headers().clone(),
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            text,
            bytes: bytes.to_vec(),
        }
    }

    /// The id of the item named `name` in the first page of the list at `path`.
    pub async fn id_named(&self, path: &str, name: &str, token: &str) -> i64 {
        let list = self.get(path, Some(token)).await.expect(200);
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|item| item["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {path}"))["id"]
            .as_i64()
            .unwrap()
    }
}
