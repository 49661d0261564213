//! The permission matrix over HTTP: who may see and do what, on both databases.
#![allow(clippy::unwrap_used)]

mod support;

use helpdesk_persistence::Backend;
use serde_json::json;
use support::TestApp;

async fn each_role_sees_and_does_what_it_may(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (admin, jane, john, ken) = (
        app.admin().await,
        app.jane().await,
        app.john().await,
        app.ken().await,
    );
    app.post(
        "/api/v1/auth/register",
        None,
        &json!({"name": "Eve", "email": "eve@example.com", "password": "eve-password"}),
    )
    .await
    .expect(201);
    let eve = app.login("eve@example.com", "eve-password").await;
    let engineering = app
        .id_named("/api/v1/departments", "Engineering", &admin)
        .await;
    app.post("/api/v1/agents", Some(&admin), &json!({"name": "Eng Only", "email": "eng@example.com", "password": "eng-password", "department_ids": [engineering]})).await.expect(201);
    let engineer = app.login("eng@example.com", "eng-password").await;
    let key = app
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

    let ticket = app.get("/api/v1/tickets", Some(&ken)).await.expect(200)["items"][0]["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/tickets/{ticket}");
    app.post(
        &format!("{path}/messages"),
        Some(&jane),
        &json!({"body": "internal only", "internal": true}),
    )
    .await
    .expect(201);

    // (who, token, GET ticket, PATCH priority, internal note, GET /agents, POST /departments)
    let matrix = [
        ("customer ken", &ken, 200, 403, 403, 403, 403),
        ("customer eve", &eve, 404, 404, 404, 403, 403),
        ("agent jane (Support)", &jane, 200, 200, 201, 200, 403),
        ("agent john (Support too)", &john, 200, 200, 201, 200, 403),
        (
            "agent of Engineering only",
            &engineer,
            404,
            404,
            404,
            200,
            403,
        ),
        ("api key", &key, 200, 200, 201, 200, 403),
        ("admin", &admin, 200, 200, 201, 200, 201),
    ];
    for (n, (who, token, view, patch, note, agents, departments)) in matrix.into_iter().enumerate()
    {
        let token = Some(token.as_str());
        let priority = ["low", "normal", "high", "urgent"][n % 4];
        assert_eq!(
            app.get(&path, token).await.status.as_u16(),
            view,
            "{who}: view"
        );
        assert_eq!(
            app.patch(&path, token, &json!({"priority": priority}))
                .await
                .status
                .as_u16(),
            patch,
            "{who}: patch"
        );
        let reply = app
            .post(
                &format!("{path}/messages"),
                token,
                &json!({"body": "a note", "internal": true}),
            )
            .await;
        assert_eq!(reply.status.as_u16(), note, "{who}: note {}", reply.text);
        assert_eq!(
            app.get("/api/v1/agents", token).await.status.as_u16(),
            agents,
            "{who}: agents"
        );
        let name = format!("Department {n}");
        assert_eq!(
            app.post("/api/v1/departments", token, &json!({"name": name}))
                .await
                .status
                .as_u16(),
            departments,
            "{who}: departments"
        );
    }

    // Customers never receive internal notes or staff-side events; the other customer gets nothing.
    let messages = app.get(&format!("{path}/messages"), Some(&ken)).await;
    assert!(
        !messages.text.contains("internal only") && !messages.text.contains("a note"),
        "{}",
        messages.text
    );
    let events = app.get(&format!("{path}/events"), Some(&ken)).await;
    assert!(
        !events.text.contains("priority_changed") && !events.text.contains("\"internal\":true"),
        "{}",
        events.text
    );
    app.get(&format!("{path}/messages"), Some(&eve))
        .await
        .problem(404);
    app.get(&format!("{path}/events"), Some(&eve))
        .await
        .problem(404);
    assert!(
        app.get("/api/v1/tickets", Some(&eve)).await.expect(200)["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(app
        .get("/api/v1/tickets", Some(&engineer))
        .await
        .expect(200)["items"]
        .as_array()
        .unwrap()
        .is_empty());

    // A customer is refused before learning anything about versions or other records.
    let stale = app
        .server
        .patch(&path)
        .insert_header(("If-Match", "\"999\""));
    app.send(
        stale,
        Some(&ken),
        Some(json!({"assignee_id": 3}).to_string()),
    )
    .await
    .problem(403);

    // Staff file for customers, never in a colleague's name.
    let problem = app.post("/api/v1/tickets", Some(&jane), &json!({"subject": "x", "body": "y", "department_id": 1, "requester": {"name": "John", "email": "john@example.com"}})).await.problem(422);
    assert_eq!(problem["errors"][0]["field"], "requester");

    // Customers file only for themselves and only choose a help topic.
    let problem = app
        .post(
            "/api/v1/tickets",
            Some(&ken),
            &json!({"subject": "x", "body": "y", "help_topic_id": 1, "priority": "urgent"}),
        )
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["field"], "priority");
}

async fn accounts_and_tokens(backend: Backend) {
    let app = TestApp::start(backend).await;
    let wrong_password = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "jane@example.com", "password": "nope"}),
        )
        .await
        .problem(401);
    let unknown_email = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "who@example.com", "password": "nope"}),
        )
        .await
        .problem(401);
    assert_eq!(
        wrong_password["detail"], unknown_email["detail"],
        "login failures do not reveal which emails exist"
    );

    let jane = app.jane().await;
    let me = app.get("/api/v1/me", Some(&jane)).await.expect(200);
    assert_eq!(
        (
            me["role"].as_str(),
            me["department_ids"].as_array().unwrap().len()
        ),
        (Some("agent"), 1)
    );

    // Duplicate registration, then deactivation: Jane's token stops working at once.
    app.post(
        "/api/v1/auth/register",
        None,
        &json!({"name": "Ken", "email": "KEN@example.com", "password": "whatever123"}),
    )
    .await
    .problem(409);
    let admin = app.admin().await;
    let jane_id = me["id"].as_i64().unwrap();
    app.patch(
        &format!("/api/v1/agents/{jane_id}"),
        Some(&admin),
        &json!({"active": false}),
    )
    .await
    .expect(200);
    app.get("/api/v1/me", Some(&jane)).await.problem(401);
    app.post(
        "/api/v1/auth/login",
        None,
        &json!({"email": "jane@example.com", "password": "jane-password"}),
    )
    .await
    .problem(401);

    // Tokens expire on the server's clock.
    let john = app.john().await;
    app.clock.advance(chrono::Duration::hours(9));
    app.get("/api/v1/me", Some(&john)).await.problem(401);
}

async fn integrators_file_tickets_with_api_keys(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let created = app
        .post(
            "/api/v1/api-keys",
            Some(&admin),
            &json!({"name": "monitoring"}),
        )
        .await
        .expect(201);
    let key = created["key"].as_str().unwrap().to_owned();
    let listed = app.get("/api/v1/api-keys", Some(&admin)).await;
    assert!(!listed.text.contains(&key), "the key is shown only once");

    let engineering = app
        .id_named("/api/v1/departments", "Engineering", &admin)
        .await;
    let body = json!({"subject": "Disk full on db-01", "body": "/var at 98%", "requester": {"name": "Ops Bot", "email": "ops@example.com"}, "department_id": engineering, "priority": "urgent"});
    let ticket = app
        .post("/api/v1/tickets", Some(&key), &body)
        .await
        .expect(201);
    assert_eq!(
        (ticket["source"].as_str(), ticket["priority"].as_str()),
        (Some("api"), Some("urgent"))
    );
    assert_eq!(ticket["requester"]["email"], "ops@example.com");
    let events = app
        .get(
            &format!("/api/v1/tickets/{}/events", ticket["id"]),
            Some(&key),
        )
        .await
        .expect(200);
    assert_eq!(events["items"][0]["actor_type"], "api_key");
    app.get("/api/v1/me", Some(&key)).await.problem(403);
    app.get("/api/v1/api-keys", Some(&key)).await.problem(403);

    app.delete(&format!("/api/v1/api-keys/{}", created["id"]), Some(&admin))
        .await
        .expect(204);
    app.get("/api/v1/tickets", Some(&key)).await.problem(401);
}

async fn self_registration_can_be_turned_off(backend: Backend) {
    let app = TestApp::start_with(backend, |config| config.allow_registration = false).await;
    app.post(
        "/api/v1/auth/register",
        None,
        &json!({"name": "Eve", "email": "eve@example.com", "password": "eve-password"}),
    )
    .await
    .problem(403);
}

on_both_databases!(
    each_role_sees_and_does_what_it_may,
    accounts_and_tokens,
    integrators_file_tickets_with_api_keys,
    self_registration_can_be_turned_off
);
