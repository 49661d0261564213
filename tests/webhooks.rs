//! Webhooks against a real receiver on 127.0.0.1: signed deliveries, retries with backoff, an
//! interrupted worker's lease, redelivery, and disabling after persistent failure.
#![allow(clippy::unwrap_used)]

mod support;

use actix_web::{web, App, HttpRequest, HttpResponse};
use chrono::Duration;
use helpdesk_api::webhook_delivery::{deliver_due, signature};
use helpdesk_persistence::Backend;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use support::TestApp;

/// What the receiver got: the signature header and the raw body.
type Received = Arc<Mutex<Vec<(String, String)>>>;

/// A receiver that answers 500 to its first `failures` requests, then 200.
fn receiver(failures: usize) -> (actix_test::TestServer, Received) {
    let received: Received = Arc::default();
    let log = received.clone();
    let server = actix_test::start(move || {
        let log = log.clone();
        App::new().route(
            "/hook",
            web::post().to(move |request: HttpRequest, body: web::Bytes| {
                let log = log.clone();
                async move {
                    let signature = request
                        .headers()
                        .get("Helpdesk-Signature")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    let mut log = log.lock().unwrap();
                    log.push((signature, String::from_utf8_lossy(&body).into_owned()));
                    if log.len() <= failures {
                        HttpResponse::InternalServerError().finish()
                    } else {
                        HttpResponse::Ok().finish()
                    }
                }
            }),
        )
    });
    (server, received)
}

async fn deliver(app: &TestApp) -> usize {
    deliver_due(&app.state).await.unwrap()
}

async fn a_receiver_that_fails_twice_gets_the_event_on_the_third_try(backend: Backend) {
    let app = TestApp::start_with(backend, |config| config.webhook_allow_private = true).await;
    let (admin, jane) = (app.admin().await, app.jane().await);
    let (server, received) = receiver(2);
    let secret = "a shared secret of enough length";
    let hook = app
        .post(
            "/api/v1/webhooks",
            Some(&admin),
            &json!({"url": server.url("/hook"), "event_kinds": ["created"], "secret": secret}),
        )
        .await
        .expect(201);
    assert_eq!(hook["secret"], secret);
    let deliveries = format!("/api/v1/webhooks/{}/deliveries", hook["id"]);
    let body = json!({"subject": "VPN down", "body": "since 9", "department_id": 1, "requester": {"name": "Ann", "email": "ann@example.com"}});
    let ticket = app
        .post("/api/v1/tickets", Some(&jane), &body)
        .await
        .expect(201);
    app.patch(
        &format!("/api/v1/tickets/{}", ticket["id"]),
        Some(&jane),
        &json!({"priority": "high"}),
    )
    .await
    .expect(200);

    assert_eq!(deliver(&app).await, 1, "only `created` is subscribed");
    assert_eq!(deliver(&app).await, 0, "the retry waits for its backoff");
    app.clock.advance(Duration::minutes(1));
    assert_eq!(deliver(&app).await, 1);
    app.clock.advance(Duration::minutes(2));
    assert_eq!(deliver(&app).await, 1);
    assert_eq!(deliver(&app).await, 0, "delivered: nothing left");

    let log = received.lock().unwrap().clone();
    assert_eq!(log.len(), 3);
    let (header, raw) = &log[2];
    let timestamp: i64 = header
        .split(',')
        .next()
        .unwrap()
        .trim_start_matches("t=")
        .parse()
        .unwrap();
    assert_eq!(
        header,
        &signature(secret, timestamp, raw),
        "the signature verifies over the raw body"
    );
    let payload: Value = serde_json::from_str(raw).unwrap();
    assert_eq!(
        (payload["type"].as_str(), payload["ticket_id"].clone()),
        (Some("ticket.created"), ticket["id"].clone())
    );

    let log = app.get(&deliveries, Some(&admin)).await.expect(200);
    let first = &log["items"][0];
    assert_eq!(
        (
            first["status"].as_str(),
            first["attempts"].as_i64(),
            first["last_status_code"].as_i64()
        ),
        (Some("delivered"), Some(3), Some(200))
    );

    // Redelivery on request.
    let redelivered = app
        .post(
            &format!("{deliveries}/{}/redeliver", first["id"]),
            Some(&admin),
            &json!({}),
        )
        .await
        .expect(202);
    assert_eq!(redelivered["status"], "pending");
    assert_eq!(deliver(&app).await, 1);
    assert_eq!(received.lock().unwrap().len(), 4);
}

async fn an_interrupted_worker_loses_nothing_and_a_dead_receiver_is_disabled(backend: Backend) {
    let app = TestApp::start_with(backend, |config| config.webhook_allow_private = true).await;
    let (admin, jane) = (app.admin().await, app.jane().await);
    let (server, received) = receiver(0);
    let hook = app
        .post(
            "/api/v1/webhooks",
            Some(&admin),
            &json!({"url": server.url("/hook")}),
        )
        .await
        .expect(201);
    let body = json!({"subject": "Printer", "body": "jammed", "department_id": 1, "requester": {"name": "Ann", "email": "ann@example.com"}});
    app.post("/api/v1/tickets", Some(&jane), &body)
        .await
        .expect(201);

    // A worker claims the delivery and dies before sending it.
    let now = app.clock.now();
    let claimed = app
        .state
        .db
        .write(move |c| {
            helpdesk_persistence::webhooks::claim_due(c, now, now + Duration::seconds(60), 10)
        })
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(deliver(&app).await, 0, "leased to the worker that died");
    app.clock.advance(Duration::minutes(2));
    assert_eq!(
        deliver(&app).await,
        1,
        "the lease ran out: delivered by another"
    );
    assert_eq!(received.lock().unwrap().len(), 1);

    // A receiver that never answers: retried for more than a day, then the subscription is disabled.
    let dead = app
        .post(
            "/api/v1/webhooks",
            Some(&admin),
            &json!({"url": "http://127.0.0.1:9/unreachable", "event_kinds": ["created"]}),
        )
        .await
        .expect(201);
    app.post("/api/v1/tickets", Some(&jane), &body)
        .await
        .expect(201);
    let started = app.clock.now();
    // Seven hours a round: at most one attempt per round once the backoff is capped at 6 h (+20%
    // jitter may push one past a round, so the rounds are counted until the delivery gives up).
    let deliveries = format!("/api/v1/webhooks/{}/deliveries", dead["id"]);
    // A key, not a token: tokens expire on the test's clock as it moves days ahead.
    let admin_key = app.api_key(&admin, &["admin"]).await;
    for _ in 0..40 {
        deliver(&app).await;
        app.clock.advance(Duration::hours(7));
        let log = app.get(&deliveries, Some(&admin_key)).await.expect(200);
        if log["items"][0]["status"] == "failed" {
            break;
        }
    }
    let (admin, jane) = (app.admin().await, app.jane().await);
    let dead = app
        .get(&format!("/api/v1/webhooks/{}", dead["id"]), Some(&admin))
        .await
        .expect(200);
    assert_eq!(dead["active"], false);
    assert!(
        dead["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("failed 16 times"),
        "{dead}"
    );
    let log = app
        .get(
            &format!("/api/v1/webhooks/{}/deliveries", dead["id"]),
            Some(&admin),
        )
        .await
        .expect(200);
    assert_eq!(
        (
            log["items"][0]["status"].as_str(),
            log["items"][0]["attempts"].as_i64()
        ),
        (Some("failed"), Some(16))
    );
    assert!(app.clock.now() - started > Duration::hours(24));
    let failed = format!(
        "/api/v1/webhooks/{}/deliveries/{}/redeliver",
        dead["id"], log["items"][0]["id"]
    );
    app.post(&failed, Some(&admin), &json!({}))
        .await
        .problem(409);
    let healthy = app
        .get(&format!("/api/v1/webhooks/{}", hook["id"]), Some(&admin))
        .await
        .expect(200);
    assert_eq!(
        healthy["active"], true,
        "the healthy subscription is untouched"
    );

    // Only admins manage webhooks; bad input is refused.
    app.get("/api/v1/webhooks", Some(&jane)).await.problem(403);
    let problem = app
        .post(
            "/api/v1/webhooks",
            Some(&admin),
            &json!({"url": "ftp://example.com"}),
        )
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["field"], "url");
    let problem = app
        .post(
            "/api/v1/webhooks",
            Some(&admin),
            &json!({"url": "https://example.com", "event_kinds": ["nope"]}),
        )
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["field"], "event_kinds[0]");
}

async fn webhooks_refuse_private_addresses_by_default(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest",
        "http://[::1]/hook",
        "http://10.0.0.5/hook",
    ] {
        let problem = app
            .post("/api/v1/webhooks", Some(&admin), &json!({"url": url}))
            .await
            .problem(422);
        assert_eq!(problem["errors"][0]["field"], "url", "{url}");
    }
    app.post(
        "/api/v1/webhooks",
        Some(&admin),
        &json!({"url": "https://hooks.example.com/helpdesk"}),
    )
    .await
    .expect(201);
}

on_both_databases!(
    webhooks_refuse_private_addresses_by_default,
    a_receiver_that_fails_twice_gets_the_event_on_the_third_try,
    an_interrupted_worker_loses_nothing_and_a_dead_receiver_is_disabled
);
