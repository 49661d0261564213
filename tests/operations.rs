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

on_both_databases!(health_readiness_docs_and_cors);
