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

/// Follows the feed from `after` to its end, returning the events read.
async fn follow_feed(
    app: &TestApp,
    token: &str,
    mut after: i64,
    extra: &str,
) -> (Vec<serde_json::Value>, i64) {
    let mut read = Vec::new();
    loop {
        let page = app
            .get(
                &format!("/api/v1/events?after={after}&limit=7{extra}"),
                Some(token),
            )
            .await
            .expect(200);
        let items = page["items"].as_array().unwrap().clone();
        after = page["next_after"].as_i64().unwrap();
        if items.is_empty() {
            return (read, after);
        }
        read.extend(items);
    }
}

async fn the_event_feed_resumes_with_nothing_missed_or_repeated(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (admin, jane, ken) = (app.admin().await, app.jane().await, app.ken().await);
    let reader_key = app
        .post(
            "/api/v1/api-keys",
            Some(&admin),
            &json!({"name": "sync", "scopes": ["tickets:read"]}),
        )
        .await
        .expect(201);
    let reader = reader_key["key"].as_str().unwrap().to_owned();
    let intake = app
        .post(
            "/api/v1/api-keys",
            Some(&admin),
            &json!({"name": "intake", "scopes": ["tickets:create"]}),
        )
        .await
        .expect(201);
    app.get("/api/v1/events", Some(intake["key"].as_str().unwrap()))
        .await
        .problem(403);

    // Writes on several tickets while the reader follows the feed page by page.
    let mut locations = Vec::new();
    for n in 0..4 {
        let body = json!({"subject": format!("Issue {n}"), "body": "help", "department_id": 1, "requester": {"name": "Ann", "email": "ann@example.com"}});
        locations.push(
            app.post("/api/v1/tickets", Some(&jane), &body)
                .await
                .header("location")
                .unwrap(),
        );
    }
    let writes = locations.iter().flat_map(|location| {
        let (app, jane) = (&app, &jane);
        (0..5).map(move |n| async move {
            let note = json!({"body": format!("note {n}"), "internal": n % 2 == 0});
            app.post(&format!("{location}/messages"), Some(jane), &note)
                .await
                .expect(201);
        })
    });
    let reading = async {
        let mut seen = Vec::new();
        let mut after = 0;
        for _ in 0..20 {
            let (read, next) = follow_feed(&app, &reader, after, "").await;
            seen.extend(read);
            after = next;
        }
        (seen, after)
    };
    let (_, (mut seen, after)) =
        futures_util::future::join(futures_util::future::join_all(writes), reading).await;
    let (rest, _) = follow_feed(&app, &reader, after, "").await;
    seen.extend(rest);
    let ids: Vec<i64> = seen.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(
        ids.windows(2).all(|pair| pair[0] < pair[1]),
        "in order, no repeats: {ids:?}"
    );
    let (everything, _) = follow_feed(&app, &admin, 0, "").await;
    let all_ids: Vec<i64> = everything
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        ids, all_ids,
        "following the feed while it grew missed nothing"
    );
    assert_eq!(
        everything
            .iter()
            .filter(|e| e["kind"] == "message_added")
            .count(),
        20
    );

    // Filters, and what each reader may see.
    let (created, _) = follow_feed(&app, &reader, 0, "&kind=created").await;
    assert_eq!(created.len(), 5, "the demo ticket and four more");
    let ticket_id: i64 = locations[0].rsplit('/').next().unwrap().parse().unwrap();
    let (one, _) = follow_feed(&app, &reader, 0, &format!("&ticket_id={ticket_id}")).await;
    assert!(one.iter().all(|e| e["ticket_id"] == ticket_id) && one.len() == 6);
    let (kens, _) = follow_feed(&app, &ken, 0, "").await;
    assert_eq!(
        kens.len(),
        1,
        "Ken sees his own ticket's creation only: {kens:?}"
    );
    let problem = app
        .get("/api/v1/events?kind=exploded", Some(&reader))
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["field"], "kind[0]");
}

async fn search_finds_words_in_subjects_and_messages_as_each_reader_may(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (jane, ken) = (app.jane().await, app.ken().await);
    let search = |token: String, q: &'static str| {
        let app = &app;
        async move {
            let page = app
                .get(&format!("/api/v1/tickets?q={q}"), Some(&token))
                .await
                .expect(200);
            let mut subjects: Vec<String> = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["subject"].as_str().unwrap().to_owned())
                .collect();
            subjects.sort();
            subjects
        }
    };
    let anns = json!({"subject": "Printer jammed", "body": "Paper stuck in tray 2", "department_id": 1, "requester": {"name": "Ann", "email": "ann@example.com"}});
    let printer = app
        .post("/api/v1/tickets", Some(&jane), &anns)
        .await
        .expect(201);
    let kens_id = app.get("/api/v1/tickets", Some(&ken)).await.expect(200)["items"][0]["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/api/v1/tickets/{kens_id}/messages"),
        Some(&jane),
        &json!({"body": "Zebra plugin is the culprit", "internal": true}),
    )
    .await
    .expect(201);
    app.post(
        &format!("/api/v1/tickets/{kens_id}/messages"),
        Some(&ken),
        &json!({"body": "It also fails with Excel"}),
    )
    .await
    .expect(201);

    assert_eq!(
        search(jane.clone(), "tray").await,
        vec!["Printer jammed"],
        "a word from a message body"
    );
    let disk = json!({"subject": "Disk alert", "body": "/var at 98% on db-01.example.com", "department_id": 1, "requester": {"name": "Ann", "email": "ann@example.com"}});
    app.post("/api/v1/tickets", Some(&jane), &disk)
        .await
        .expect(201);
    assert_eq!(
        search(jane.clone(), "var%20example").await,
        vec!["Disk alert"],
        "paths and host names split into words"
    );
    assert_eq!(
        search(jane.clone(), "ZEBRA").await,
        vec!["Adobe Reader not working"],
        "staff match internal notes"
    );
    assert_eq!(
        search(jane.clone(), "adobe%20excel").await,
        vec!["Adobe Reader not working"],
        "every word, subject or message"
    );
    assert!(search(jane.clone(), "adobe%20tray").await.is_empty());
    assert!(
        search(ken.clone(), "zebra").await.is_empty(),
        "customers never match internal notes"
    );
    assert!(
        search(ken.clone(), "tray").await.is_empty(),
        "nor other customers' tickets"
    );
    assert_eq!(
        search(ken.clone(), "excel").await,
        vec!["Adobe Reader not working"]
    );
    assert!(
        search(jane.clone(), "%22AND*%20(%20OR%20NEAR")
            .await
            .is_empty(),
        "query syntax is just words"
    );

    app.patch(
        &format!("/api/v1/tickets/{}", printer["id"]),
        Some(&jane),
        &json!({"subject": "Laser printer offline"}),
    )
    .await
    .expect(200);
    assert_eq!(
        search(jane.clone(), "laser").await,
        vec!["Laser printer offline"]
    );
    assert!(
        search(jane.clone(), "jammed").await.is_empty(),
        "the old subject is forgotten"
    );
    assert_eq!(
        search(jane.clone(), "laser%20tray").await,
        vec!["Laser printer offline"],
        "and the conversation kept"
    );
}

on_both_databases!(
    search_finds_words_in_subjects_and_messages_as_each_reader_may,
    the_event_feed_resumes_with_nothing_missed_or_repeated,
    a_replayed_create_returns_the_first_response,
    an_external_id_files_once_per_api_key,
    api_keys_do_what_their_scopes_allow_until_they_expire
);
