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
    // A body limit above the longest field, so that the field limits themselves are what refuses.
    let app = TestApp::start_with(backend, |config| config.max_body_bytes = 512 * 1024).await;
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
    // Nesting deeper than 32 levels is refused before parsing (here in a field that would be skipped);
    // 10,000 levels are refused the same way, without a stack overflow.
    let nested = |depth: usize| {
        format!(
            "{{\"subject\": \"x\", \"body\": \"y\", \"extra\": {}1{}}}",
            "[".repeat(depth),
            "]".repeat(depth)
        )
    };
    let request = app.server.post("/api/v1/tickets");
    let problem = app
        .send(request, Some(&jane), Some(nested(32)))
        .await
        .problem(400);
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("nested more than 32"));
    let request = app.server.post("/api/v1/tickets");
    assert_ne!(
        app.send(request, Some(&jane), Some(nested(30)))
            .await
            .status
            .as_u16(),
        400
    );
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
    let huge = json!({"subject": "x", "body": "y".repeat(600 * 1024)});
    app.post("/api/v1/tickets", Some(&jane), &huge)
        .await
        .problem(413);
}

async fn slow_clients_are_cut_off_and_do_not_stall_others(backend: Backend) {
    let app = TestApp::start_with(backend, |config| config.request_timeout_seconds = 2).await;
    let jane = app.jane().await;
    // Twenty clients announce a body and then never finish sending it.
    let mut slow = Vec::new();
    for _ in 0..20 {
        let mut socket = tokio::net::TcpStream::connect(app.server.addr())
            .await
            .unwrap();
        socket
            .write_all(
                format!(
                    "POST /api/v1/tickets HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {jane}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{\"subj"
                )
                .as_bytes(),
            )
            .await
            .unwrap();
        slow.push(socket);
    }
    // Meanwhile everyone else is served.
    let started = Instant::now();
    for _ in 0..20 {
        app.get("/api/v1/tickets", Some(&jane)).await.expect(200);
    }
    let served_in = started.elapsed();
    assert!(
        served_in < Duration::from_secs(2),
        "others waited {served_in:?}"
    );
    // And each slow request is answered 408 when its time is up, and its connection closed.
    for mut socket in slow {
        let mut answer = String::new();
        let read = tokio::time::timeout(
            Duration::from_secs(10),
            tokio::io::AsyncReadExt::read_to_string(&mut socket, &mut answer),
        )
        .await;
        assert!(read.is_ok(), "the slow connection was not closed");
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("request_timeout"), "{answer}");
    }
}

async fn unknown_methods_and_spoofed_addresses_gain_nothing(backend: Backend) {
    let app = TestApp::start_with(backend, |config| {
        config.trust_proxy = true;
        config.login_attempts_per_address = 3;
        config.metrics_token = Some("scrape-secret".into());
    })
    .await;
    // Behind a trusted proxy, the address is the one the proxy appended: rotating the part the
    // client writes changes nothing, and registering spends the same budget.
    for i in 0..3 {
        let request = app
            .server
            .post("/api/v1/auth/login")
            .insert_header(("X-Forwarded-For", format!("203.0.113.{i}, 198.51.100.7")));
        let body =
            json!({"email": format!("guess{i}@example.com"), "password": "guess"}).to_string();
        app.send(request, None, Some(body)).await.problem(401);
    }
    let request = app
        .server
        .post("/api/v1/auth/register")
        .insert_header(("X-Forwarded-For", "203.0.113.99, 198.51.100.7"));
    let body =
        json!({"name": "Mallory", "email": "mallory@example.com", "password": "mallory-password"});
    app.send(request, None, Some(body.to_string()))
        .await
        .problem(429);

    // A method HTTP does not define: 405 with `Allow` on a known path, and no trace in the metrics.
    let odd = app.server.request(
        actix_web::http::Method::from_bytes(b"FOO1").unwrap(),
        app.server.url("/api/v1/tickets"),
    );
    let refused = app.send(odd, None, None).await;
    assert_eq!(refused.header("allow").as_deref(), Some("GET, POST"));
    assert_eq!(refused.problem(405)["code"], "method_not_allowed");
    // A trailing slash is not a route, and the method the path takes is not "not allowed".
    app.get("/api/v1/tickets/", None).await.problem(404);

    // /metrics wants its token when one is set.
    app.get("/metrics", None).await.problem(401);
    let scrape = app
        .server
        .get("/metrics")
        .insert_header(("Authorization", "Bearer scrape-secret"));
    let metrics = app.send(scrape, None, None).await;
    assert_eq!(metrics.status.as_u16(), 200);
    assert!(
        !metrics.text.contains("FOO1"),
        "unknown methods never become metric labels"
    );
}

on_both_databases!(
    forged_and_stale_tokens_are_refused,
    password_guessing_is_throttled_without_telling_who_exists,
    oversized_and_deeply_nested_input_is_refused,
    slow_clients_are_cut_off_and_do_not_stall_others,
    unknown_methods_and_spoofed_addresses_gain_nothing
);
