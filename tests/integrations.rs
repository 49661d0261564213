//! What integrators rely on: idempotent creation and tickets known by the integration's own id.
#![allow(clippy::unwrap_used)]

mod support;

use helpdesk_persistence::Backend;
use serde_json::json;
use support::TestApp;

async fn post_with_key(
    app: &TestApp,
    path: &str,
    token: &str,
    key: &str,
    body: &serde_json::Value,
) -> support::Reply {
    let request = app
        .server
        .post(path)
        .insert_header(("Idempotency-Key", key));
    app.send(request, Some(token), Some(body.to_string())).await
}

async fn a_replayed_create_returns_the_first_response(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (admin, jane) = (app.admin().await, app.jane().await);
    let monitoring = app
        .post(
            "/api/v1/api-keys",
            Some(&admin),
            &json!({"name": "monitoring"}),
        )
        .await
        .expect(201)["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({"subject": "Disk full on db-01", "body": "/var at 98%", "department_id": 2, "requester": {"name": "Ops", "email": "ops@example.com"}});

    let first = post_with_key(&app, "/api/v1/tickets", &monitoring, "alert-4711", &body).await;
    let location = first.header("location").unwrap();
    let first_body = first.expect(201);
    let again = post_with_key(&app, "/api/v1/tickets", &monitoring, "alert-4711", &body).await;
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.header("location").as_deref(), Some(location.as_str()));
    assert_eq!(again.expect(201), first_body, "the same status and body");
    let listed = app
        .get("/api/v1/tickets?department_id=2", Some(&monitoring))
        .await
        .expect(200);
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        1,
        "nothing new was created"
    );

    // The same key with another body is refused; another caller's same key is its own.
    let changed = json!({"subject": "Disk full on db-02", "body": "/var at 99%", "department_id": 2, "requester": {"name": "Ops", "email": "ops@example.com"}});
    let problem = post_with_key(&app, "/api/v1/tickets", &monitoring, "alert-4711", &changed)
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
    let janes = post_with_key(&app, "/api/v1/tickets", &jane, "alert-4711", &body)
        .await
        .expect(201);
    assert_ne!(janes["id"], first_body["id"]);

    // A failed request frees its key: fix the body, retry with the same key.
    let invalid = json!({"subject": "x", "body": "y", "department_id": 999_999, "requester": {"name": "Ops", "email": "ops@example.com"}});
    post_with_key(&app, "/api/v1/tickets", &jane, "retry-me", &invalid)
        .await
        .problem(422);
    let valid = json!({"subject": "x", "body": "y", "department_id": 1, "requester": {"name": "Ops", "email": "ops@example.com"}});
    post_with_key(&app, "/api/v1/tickets", &jane, "retry-me", &valid)
        .await
        .expect(201);

    // Messages too.
    let note = json!({"body": "Disk cleaned up.", "internal": true});
    let path = format!("{location}/messages");
    let message = post_with_key(&app, &path, &monitoring, "note-1", &note)
        .await
        .expect(201);
    let replayed = post_with_key(&app, &path, &monitoring, "note-1", &note)
        .await
        .expect(201);
    assert_eq!(message, replayed);
    let messages = app.get(&path, Some(&monitoring)).await.expect(200);
    assert_eq!(
        messages["items"].as_array().unwrap().len(),
        2,
        "the report and one note"
    );

    let bad_key = app
        .server
        .post("/api/v1/tickets")
        .insert_header(("Idempotency-Key", "with space"));
    app.send(bad_key, Some(&jane), Some(body.to_string()))
        .await
        .problem(400);
}

async fn an_external_id_files_once_per_api_key(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (admin, jane) = (app.admin().await, app.jane().await);
    let key = |name: &'static str| {
        let admin = admin.clone();
        let app = &app;
        async move {
            app.post("/api/v1/api-keys", Some(&admin), &json!({"name": name}))
                .await
                .expect(201)["key"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let (grafana, nagios) = (key("grafana").await, key("nagios").await);
    let body = json!({"subject": "CPU high", "body": "load 40", "department_id": 2, "requester": {"name": "Ops", "email": "ops@example.com"}, "external_id": "alert:cpu:db-01"});
    let created = app
        .post("/api/v1/tickets", Some(&grafana), &body)
        .await
        .expect(201);
    assert_eq!(created["external_id"], "alert:cpu:db-01");
    let repeated = app.post("/api/v1/tickets", Some(&grafana), &body).await;
    assert_eq!(
        repeated.header("location"),
        Some(format!("/api/v1/tickets/{}", created["id"]))
    );
    assert_eq!(repeated.expect(200)["id"], created["id"]);
    let other_source = app
        .post("/api/v1/tickets", Some(&nagios), &body)
        .await
        .expect(201);
    assert_ne!(
        other_source["id"], created["id"],
        "external ids are per API key"
    );
    let problem = app
        .post("/api/v1/tickets", Some(&jane), &body)
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["field"], "external_id");
}

async fn api_keys_do_what_their_scopes_allow_until_they_expire(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let create_key = |scopes: serde_json::Value, expires_at: Option<&str>| {
        let (app, admin) = (&app, admin.clone());
        let body = json!({"name": "key", "scopes": scopes, "expires_at": expires_at});
        async move {
            app.post("/api/v1/api-keys", Some(&admin), &body)
                .await
                .expect(201)
        }
    };
    let intake = create_key(json!(["tickets:create"]), None).await;
    assert_eq!(intake["scopes"], json!(["tickets:create"]));
    let intake = intake["key"].as_str().unwrap().to_owned();
    let reader = create_key(json!(["tickets:read"]), None).await["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let operator = create_key(json!(["admin"]), None).await["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({"subject": "Alert", "body": "disk", "department_id": 1, "requester": {"name": "Ops", "email": "ops@example.com"}});

    let ticket = app
        .post("/api/v1/tickets", Some(&intake), &body)
        .await
        .expect(201);
    let path = format!("/api/v1/tickets/{}", ticket["id"]);
    assert!(app.get(&path, Some(&intake)).await.problem(403)["detail"]
        .as_str()
        .unwrap()
        .contains("tickets:read"));
    app.get("/api/v1/tickets", Some(&intake)).await.problem(403);
    app.get(&path, Some(&reader)).await.expect(200);
    app.patch(&path, Some(&reader), &json!({"priority": "high"}))
        .await
        .problem(403);
    app.post(
        &format!("{path}/messages"),
        Some(&reader),
        &json!({"body": "hi"}),
    )
    .await
    .problem(403);
    app.post("/api/v1/tickets", Some(&reader), &body)
        .await
        .problem(403);
    app.post(
        "/api/v1/departments",
        Some(&operator),
        &json!({"name": "Automation"}),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/departments",
        Some(&reader),
        &json!({"name": "Nope"}),
    )
    .await
    .problem(403);

    let problem = app
        .post(
            "/api/v1/api-keys",
            Some(&admin),
            &json!({"name": "bad", "scopes": ["tickets:delete"]}),
        )
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["field"], "scopes[0]");
    app.post(
        "/api/v1/api-keys",
        Some(&admin),
        &json!({"name": "late", "expires_at": "2020-01-01T00:00:00Z"}),
    )
    .await
    .problem(422);

    // The test clock starts at 2026-11-27 09:00 UTC.
    let expiring = create_key(json!(["tickets:read"]), Some("2026-11-27T10:00:00Z")).await["key"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get(&path, Some(&expiring)).await.expect(200);
    app.clock.advance(chrono::Duration::hours(1));
    app.get(&path, Some(&expiring)).await.problem(401);
}

on_both_databases!(
    a_replayed_create_returns_the_first_response,
    an_external_id_files_once_per_api_key,
    api_keys_do_what_their_scopes_allow_until_they_expire
);
