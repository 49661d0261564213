//! Operations endpoints, CORS and the served documentation.
#![allow(clippy::unwrap_used)]

mod support;

use helpdesk_persistence::Backend;
use support::TestApp;

async fn health_readiness_docs_and_cors(backend: Backend) {
    let app = TestApp::start_with(backend, |config| {
        config.cors_origins = vec!["https://app.example.com".into()]
    })
    .await;
    assert_eq!(app.get("/health", None).await.expect(200)["status"], "ok");
    assert_eq!(app.get("/ready", None).await.expect(200)["status"], "ok");

    let document = app.get("/api-docs/openapi.json", None).await.expect(200);
    assert_eq!(
        document,
        serde_json::from_str::<serde_json::Value>(
            &helpdesk_api::openapi_document().to_json().unwrap()
        )
        .unwrap()
    );
    let page = app.get("/swagger-ui/", None).await;
    assert_eq!(page.status.as_u16(), 200);
    assert!(
        page.text.contains("swagger-ui"),
        "the vendored Swagger UI is served"
    );
    let no_redirects = awc::Client::builder().disable_redirects().finish();
    let redirect = app
        .send(no_redirects.get(app.server.url("/swagger-ui")), None, None)
        .await;
    assert_eq!(
        (
            redirect.status.as_u16(),
            redirect.header("location").as_deref()
        ),
        (308, Some("/swagger-ui/"))
    );

    // A browser on the configured origin may call the API; another origin gets no CORS grant.
    let preflight = app
        .server
        .request(
            actix_web::http::Method::OPTIONS,
            app.server.url("/api/v1/tickets"),
        )
        .insert_header(("Origin", "https://app.example.com"))
        .insert_header(("Access-Control-Request-Method", "PATCH"))
        .insert_header(("Access-Control-Request-Headers", "authorization, if-match"));
    let allowed = app.send(preflight, None, None).await;
    assert_eq!(
        allowed.header("access-control-allow-origin").as_deref(),
        Some("https://app.example.com"),
        "{}",
        allowed.text
    );
    let jane = app.jane().await;
    let request = app
        .server
        .get("/api/v1/tickets")
        .insert_header(("Origin", "https://evil.example.com"));
    let refused = app.send(request, Some(&jane), None).await;
    assert_eq!(refused.header("access-control-allow-origin"), None);
}

async fn request_ids_and_metrics(backend: Backend) {
    let app = TestApp::start(backend).await;
    let jane = app.jane().await;

    // A sane request id is kept and echoed; anything else is replaced by a fresh one.
    let request = app
        .server
        .get("/api/v1/tickets")
        .insert_header(("X-Request-Id", "trace-4711"));
    let reply = app.send(request, Some(&jane), None).await;
    assert_eq!(reply.header("x-request-id").as_deref(), Some("trace-4711"));
    let request = app
        .server
        .get("/api/v1/tickets")
        .insert_header(("X-Request-Id", "x".repeat(200)));
    let fresh = app
        .send(request, Some(&jane), None)
        .await
        .header("x-request-id")
        .unwrap();
    assert_eq!(fresh.len(), 36, "a UUID: {fresh}");
    let problem = app.get("/api/v1/tickets/999999", Some(&jane)).await;
    assert!(
        problem.header("x-request-id").is_some(),
        "errors carry one too"
    );

    // Requests are counted per route pattern (not per id) and status.
    let text = app.get("/metrics", None).await.text;
    let line = |needle: &str| {
        text.lines()
            .find(|line| line.starts_with(needle))
            .unwrap_or_else(|| panic!("{needle} in\n{text}"))
            .to_owned()
    };
    let tickets = line(
        "helpdesk_http_requests_total{endpoint=\"/api/v1/tickets\",method=\"GET\",status=\"200\"}",
    );
    assert!(tickets.ends_with(" 2"), "{tickets}");
    line("helpdesk_http_requests_total{endpoint=\"/api/v1/tickets/{id}\",method=\"GET\",status=\"404\"} 1");
    line("helpdesk_http_requests_duration_seconds_bucket{endpoint=\"/api/v1/tickets\"");
    let pools = text
        .lines()
        .filter(|l| l.starts_with("helpdesk_db_pool_connections{"))
        .count();
    assert!(pools >= 2, "{text}");
    line("helpdesk_backlog_due{queue=\"sla_checks\"} 0");

    // Two days on, the demo ticket's SLA check is overdue and the lag shows it (no sweep runs here).
    app.clock.advance(chrono::Duration::days(2));
    let text = app.get("/metrics", None).await.text;
    let due = text
        .lines()
        .find(|l| l.starts_with("helpdesk_backlog_due{queue=\"sla_checks\"}"))
        .unwrap();
    assert!(!due.ends_with(" 0"), "{due}");
    let lag: f64 = text
        .lines()
        .find(|l| l.starts_with("helpdesk_backlog_lag_seconds{queue=\"sla_checks\"}"))
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(lag > 3600.0, "lag {lag}");
}

on_both_databases!(health_readiness_docs_and_cors, request_ids_and_metrics);
