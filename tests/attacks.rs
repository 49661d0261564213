//! Attacks on the edges: forged and replayed tokens, password guessing, oversized and deeply nested
//! input, and slow clients. Every refusal is a problem+json answer; none reaches a handler's work.
#![allow(clippy::unwrap_used)]

mod support;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use helpdesk_persistence::Backend;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use support::{TestApp, JWT_SECRET};
use tokio::io::AsyncWriteExt;

/// A token with `claims`, signed the way an attacker chooses.
fn forge(algorithm: Algorithm, secret: &str, claims: &Value) -> String {
    encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn segment(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

async fn forged_and_stale_tokens_are_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let jane = app.jane().await;
    let me = app.get("/api/v1/me", Some(&jane)).await.expect(200);
    let admin_id = app
        .get("/api/v1/me", Some(&app.admin().await))
        .await
        .expect(200)["id"]
        .clone();
    let now = app.clock.now().timestamp();
    let claims = |sub: &Value, nbf: i64, exp: i64| json!({"sub": sub.as_i64().unwrap().to_string(), "role": "admin", "iat": nbf, "nbf": nbf, "exp": exp});
    let valid = claims(&me["id"], now, now + 3600);
    // Sanity: a token made exactly like the server's is accepted, so each refusal below is the attack's.
    app.get(
        "/api/v1/me",
        Some(&forge(Algorithm::HS256, JWT_SECRET, &valid)),
    )
    .await
    .expect(200);

    let [_, jane_claims, jane_signature]: [&str; 3] =
        jane.split('.').collect::<Vec<_>>().try_into().unwrap();
    let mut as_admin: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(jane_claims).unwrap()).unwrap();
    as_admin["sub"] = json!(admin_id.as_i64().unwrap().to_string());
    let attacks = [
        (
            "expired",
            forge(
                Algorithm::HS256,
                JWT_SECRET,
                &claims(&me["id"], now - 7200, now - 3600),
            ),
        ),
        (
            "not yet valid",
            forge(
                Algorithm::HS256,
                JWT_SECRET,
                &claims(&me["id"], now + 3600, now + 7200),
            ),
        ),
        (
            "wrong signature",
            forge(
                Algorithm::HS256,
                "another secret that is long enough!!",
                &valid,
            ),
        ),
        (
            "wrong algorithm",
            forge(Algorithm::HS512, JWT_SECRET, &valid),
        ),
        (
            "alg none",
            format!(
                "{}.{}.",
                segment(&json!({"alg": "none", "typ": "JWT"})),
                segment(&valid)
            ),
        ),
        (
            "tampered claims",
            format!(
                "{}.{}.{}",
                jane.split('.').next().unwrap(),
                segment(&as_admin),
                jane_signature
            ),
        ),
        (
            "no expiry",
            forge(
                Algorithm::HS256,
                JWT_SECRET,
                &json!({"sub": "1", "role": "admin", "nbf": now}),
            ),
        ),
        ("not a token", "not-a-token".to_owned()),
        ("empty", String::new()),
    ];
    for (attack, token) in attacks {
        let request = app
            .server
            .get("/api/v1/tickets")
            .insert_header(("Authorization", format!("Bearer {token}")));
        let reply = app.send(request, None, None).await;
        assert_eq!(reply.status.as_u16(), 401, "{attack}: {}", reply.text);
        assert_eq!(
            reply.header("content-type").as_deref(),
            Some("application/problem+json"),
            "{attack}"
        );
    }
    let basic = app
        .server
        .get("/api/v1/tickets")
        .insert_header(("Authorization", "Basic amFuZTpqYW5lLXBhc3N3b3Jk"));
    assert_eq!(app.send(basic, None, None).await.status.as_u16(), 401);
}

async fn login(app: &TestApp, email: &str, password: &str) -> support::Reply {
    app.post(
        "/api/v1/auth/login",
        None,
        &json!({"email": email, "password": password}),
    )
    .await
}

async fn password_guessing_is_throttled_without_telling_who_exists(backend: Backend) {
    let app = TestApp::start_with(backend, |config| {
        config.login_attempts_per_account = 3;
        config.login_attempts_per_address = 8;
    })
    .await;
    let mut refusals = Vec::new();
    for email in ["jane@example.com", "nobody@example.com"] {
        for _ in 0..3 {
            login(&app, email, "guess").await.problem(401);
        }
        // Spent: even the right password waits now, and the answer is the same for both emails.
        let reply = login(&app, email, "jane-password").await;
        let retry_after: u64 = reply.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=900).contains(&retry_after), "{retry_after}");
        let problem = reply.problem(429);
        refusals.push((problem["code"].clone(), problem["detail"].clone()));
    }
    assert_eq!(
        refusals[0], refusals[1],
        "429s must not tell which email exists"
    );
    // Eight attempts spent this address's budget: a third account is refused too.
    login(&app, "ken@example.com", "ken-password")
        .await
        .problem(429);
}

async fn oversized_and_deeply_nested_input_is_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let jane = app.jane().await;
    let report = |subject: Value, body: Value| {
        json!({"subject": subject, "body": body, "department_id": 1,
               "requester": {"name": "Mia", "email": "mia@example.com"}})
    };
    let field_of = |problem: Value| problem["errors"][0]["field"].as_str().unwrap().to_owned();
    let cases = [
        (report(json!("x".repeat(256)), json!("y")), "subject"),
        (report(json!("x"), json!("y".repeat(100_001))), "body"),
    ];
    for (body, field) in cases {
        let reply = app.post("/api/v1/tickets", Some(&jane), &body).await;
        if reply.status.as_u16() == 413 {
            continue; // larger than the test server's body limit, refused even earlier
        }
        assert_eq!(field_of(reply.problem(422)), field);
    }
    let long_name = json!({"subject": "x", "body": "y", "department_id": 1,
                           "requester": {"name": "n".repeat(201), "email": "mia@example.com"}});
    assert_eq!(
        field_of(
            app.post("/api/v1/tickets", Some(&jane), &long_name)
                .await
                .problem(422)
        ),
        "requester.name"
    );
    // 10,000 levels of nesting (where an unknown field is skipped): refused as malformed at depth 128,
    // no stack overflow.
    let deep = format!(
        "{{\"subject\": \"x\", \"body\": \"y\", \"extra\": {}1{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let request = app.server.post("/api/v1/tickets");
    app.send(request, Some(&jane), Some(deep))
        .await
        .problem(400);
    // Pages are bounded.
    app.get("/api/v1/tickets?limit=201", Some(&jane))
        .await
        .problem(422);
    app.get("/api/v1/tickets?limit=0", Some(&jane))
        .await
        .problem(422);
    // The body limit holds for every JSON body.
    let huge = json!({"subject": "x", "body": "y".repeat(70 * 1024)});
    app.post("/api/v1/tickets", Some(&jane), &huge)
        .await
        .problem(413);
}

async fn a_slow_client_does_not_stall_others(backend: Backend) {
    let app = TestApp::start(backend).await;
    let jane = app.jane().await;
    // A client that announces a body and then sends it a byte at a time, never finishing.
    let mut slow = tokio::net::TcpStream::connect(app.server.addr())
        .await
        .unwrap();
    slow.write_all(
        format!(
            "POST /api/v1/tickets HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {jane}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{\"subj"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let started = Instant::now();
    for _ in 0..20 {
        app.get("/api/v1/tickets", Some(&jane)).await.expect(200);
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "other clients were served meanwhile ({:?})",
        started.elapsed()
    );
    slow.write_all(b"e").await.unwrap();
}

on_both_databases!(
    forged_and_stale_tokens_are_refused,
    password_guessing_is_throttled_without_telling_who_exists,
    oversized_and_deeply_nested_input_is_refused,
    a_slow_client_does_not_stall_others
);
