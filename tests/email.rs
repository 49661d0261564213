//! Mail intake: a thread of mails becomes one ticket with its messages.
#![allow(clippy::unwrap_used)]

mod support;

use helpdesk_persistence::Backend;
use serde_json::json;
use support::TestApp;

fn mail(from: &str, message_id: &str, subject: &str, extra_headers: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: support@helpdesk.example\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\n{extra_headers}Date: Fri, 27 Nov 2026 09:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
}

async fn hand_in(app: &TestApp, token: &str, raw: String) -> support::Reply {
    let request = app
        .server
        .post("/api/v1/inbound/email?department_id=1")
        .insert_header(("Content-Type", "message/rfc822"));
    app.send(request, Some(token), Some(raw)).await
}

async fn a_thread_of_three_mails_becomes_one_ticket(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (admin, jane, ken) = (app.admin().await, app.jane().await, app.ken().await);
    let gateway = app
        .post(
            "/api/v1/api-keys",
            Some(&admin),
            &json!({"name": "mail", "scopes": ["tickets:create"]}),
        )
        .await
        .expect(201);
    let gateway = gateway["key"].as_str().unwrap().to_owned();
    let mia = "Mia Wong <mia@example.com>";

    let first = hand_in(
        &app,
        &gateway,
        mail(
            mia,
            "m1@mail.example",
            "Laptop won't boot",
            "",
            "It shows a black screen.",
        ),
    )
    .await
    .expect(201);
    assert_eq!(first["action"], "created");
    let ticket_id = first["ticket_id"].as_i64().unwrap();
    let path = format!("/api/v1/tickets/{ticket_id}");
    let ticket = app.get(&path, Some(&jane)).await.expect(200);
    assert_eq!(
        (
            ticket["source"].as_str(),
            ticket["requester"]["email"].as_str(),
            ticket["subject"].as_str()
        ),
        (
            Some("email"),
            Some("mia@example.com"),
            Some("Laptop won't boot")
        )
    );

    let reply = mail(mia, "m2@mail.example", "Re: Laptop won't boot", "In-Reply-To: <m1@mail.example>\r\nReferences: <m1@mail.example>\r\n", "Still black.\r\n\r\nOn Fri, 27 Nov 2026, Helpdesk wrote:\r\n> Please hold the power button.");
    let second = hand_in(&app, &gateway, reply.clone()).await.expect(201);
    assert_eq!(
        (second["action"].as_str(), second["ticket_id"].as_i64()),
        (Some("replied"), Some(ticket_id))
    );
    assert_eq!(
        hand_in(&app, &gateway, reply).await.expect(200)["action"],
        "duplicate",
        "a redelivered mail creates nothing"
    );

    // Resolved, then a reply that names the ticket only by number in its subject reopens it.
    app.patch(&path, Some(&jane), &json!({"status": "resolved"}))
        .await
        .expect(200);
    let subject = format!(
        "Re: [#{}] Laptop won't boot",
        ticket["number"].as_str().unwrap()
    );
    let third = hand_in(
        &app,
        &gateway,
        mail(
            mia,
            "m3@mail.example",
            &subject,
            "",
            "Now it beeps three times.",
        ),
    )
    .await
    .expect(201);
    assert_eq!(third["ticket_id"].as_i64(), Some(ticket_id));
    assert_eq!(
        app.get(&path, Some(&jane)).await.expect(200)["status"],
        "open"
    );

    let messages = app
        .get(&format!("{path}/messages"), Some(&jane))
        .await
        .expect(200);
    let bodies: Vec<&str> = messages["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        vec![
            "It shows a black screen.",
            "Still black.",
            "Now it beeps three times."
        ],
        "quoted history trimmed"
    );

    // Automatic replies create nothing; someone else's mail in the thread opens its own ticket.
    let auto = hand_in(
        &app,
        &gateway,
        mail(
            mia,
            "m4@mail.example",
            "Out of office",
            "Auto-Submitted: auto-replied\r\n",
            "I am away.",
        ),
    )
    .await
    .expect(200);
    assert_eq!(auto["action"], "ignored");
    let intruder = mail(
        "Eve <eve@example.com>",
        "m5@mail.example",
        &subject,
        "In-Reply-To: <m1@mail.example>\r\n",
        "Let me in.",
    );
    let other = hand_in(&app, &gateway, intruder).await.expect(201);
    assert_eq!(other["action"], "created");
    assert_ne!(other["ticket_id"].as_i64(), Some(ticket_id));

    // Only a mail gateway hands in mail, as message/rfc822.
    hand_in(&app, &jane, mail(mia, "m6@mail.example", "x", "", "y"))
        .await
        .problem(403);
    hand_in(&app, &ken, mail(mia, "m7@mail.example", "x", "", "y"))
        .await
        .problem(403);
    let json_body = app
        .server
        .post("/api/v1/inbound/email?department_id=1")
        .insert_header(("Content-Type", "application/json"));
    app.send(json_body, Some(&gateway), Some("{}".into()))
        .await
        .problem(415);
    let huge = hand_in(
        &app,
        &gateway,
        mail(mia, "m8@mail.example", "big", "", &"x".repeat(100 * 1024)),
    )
    .await;
    huge.problem(413);
    let garbage = hand_in(&app, &gateway, "no headers at all".into()).await;
    assert_eq!(garbage.status.as_u16(), 422, "{}", garbage.text);
}

on_both_databases!(a_thread_of_three_mails_becomes_one_ticket);
