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
    let gateway = app.api_key(&admin, &["tickets:create"]).await;
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

    // Only a mail gateway hands in mail, as message/rfc822 or a provider's JSON.
    hand_in(&app, &jane, mail(mia, "m6@mail.example", "x", "", "y"))
        .await
        .problem(403);
    hand_in(&app, &ken, mail(mia, "m7@mail.example", "x", "", "y"))
        .await
        .problem(403);
    let text_body = app
        .server
        .post("/api/v1/inbound/email?department_id=1")
        .insert_header(("Content-Type", "text/plain"));
    app.send(text_body, Some(&gateway), Some("Hello".into()))
        .await
        .problem(415);
    let huge = hand_in(
        &app,
        &gateway,
        mail(mia, "m8@mail.example", "big", "", &"x".repeat(300 * 1024)),
    )
    .await;
    huge.problem(413);
    let garbage = hand_in(&app, &gateway, "no headers at all".into()).await;
    assert_eq!(garbage.status.as_u16(), 422, "{}", garbage.text);
}

async fn provider_json(app: &TestApp, token: &str, mail: serde_json::Value) -> support::Reply {
    app.post("/api/v1/inbound/email?department_id=1", Some(token), &mail)
        .await
}

/// The JSON shape inbound-mail providers post (Postmark's names) threads and keeps files like raw mail.
async fn provider_json_mail_is_taken_in_like_raw_mail(backend: Backend) {
    use base64::Engine;
    let app = TestApp::start(backend).await;
    let (admin, jane) = (app.admin().await, app.jane().await);
    let gateway = app.api_key(&admin, &["tickets:create"]).await;
    let pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n";
    let first = provider_json(
        &app,
        &gateway,
        json!({
            "From": "\"Mia Wong\" <Mia@Example.com>",
            "Subject": "Printer offline",
            "MessageID": "provider-id-1",
            "TextBody": "It says offline since Monday.",
            "HtmlBody": "<p>It says offline since Monday.</p>",
            "Headers": [{"Name": "Message-ID", "Value": "<p1@mail.example>"}, {"Name": "X-Spam-Score", "Value": "0"}],
            "Attachments": [{"Name": "status.pdf", "Content": base64::engine::general_purpose::STANDARD.encode(pdf), "ContentType": "application/pdf", "ContentLength": pdf.len()}],
            "MailboxHash": "ignored-unknown-field"
        }),
    )
    .await
    .expect(201);
    assert_eq!(first["action"], "created");
    let ticket_id = first["ticket_id"].as_i64().unwrap();
    let path = format!("/api/v1/tickets/{ticket_id}");
    let ticket = app.get(&path, Some(&jane)).await.expect(200);
    assert_eq!(ticket["requester"]["email"], "mia@example.com");
    assert_eq!(ticket["requester"]["name"], "Mia Wong");

    // A reply: FromFull, threaded by In-Reply-To; the provider's stripped reply is used; an HTML-only
    // mail still has a body.
    let second = provider_json(
        &app,
        &gateway,
        json!({
            "FromFull": {"Email": "mia@example.com", "Name": "Mia Wong"},
            "Subject": "Re: Printer offline",
            "TextBody": "Still offline.\n\nOn Monday Helpdesk wrote:\n> Restart it.",
            "StrippedTextReply": "Still offline.",
            "Headers": [{"Name": "Message-ID", "Value": "<p2@mail.example>"}, {"Name": "In-Reply-To", "Value": "<p1@mail.example>"}]
        }),
    )
    .await
    .expect(201);
    assert_eq!(
        (second["action"].as_str(), second["ticket_id"].as_i64()),
        (Some("replied"), Some(ticket_id))
    );
    let third = provider_json(
        &app,
        &gateway,
        json!({
            "FromFull": {"Email": "mia@example.com"},
            "Subject": "Re: Printer offline",
            "HtmlBody": "<div>Now <b>online</b>, thanks!</div>",
            "Headers": [{"Name": "Message-ID", "Value": "<p3@mail.example>"}, {"Name": "References", "Value": "<p1@mail.example> <p2@mail.example>"}]
        }),
    )
    .await
    .expect(201);
    assert_eq!(third["ticket_id"].as_i64(), Some(ticket_id));
    let messages = app
        .get(&format!("{path}/messages"), Some(&jane))
        .await
        .expect(200);
    let items = messages["items"].as_array().unwrap();
    let bodies: Vec<&str> = items.iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies.len(), 3);
    assert_eq!(bodies[0], "It says offline since Monday.");
    assert_eq!(bodies[1], "Still offline.");
    assert!(bodies[2].contains("Now online, thanks!"), "{}", bodies[2]);
    assert_eq!(
        items[0]["attachments"][0]["content_type"],
        "application/pdf"
    );

    // Redelivery, automatic mail and bad input.
    let again = json!({"FromFull": {"Email": "mia@example.com"}, "Subject": "x", "TextBody": "y", "Headers": [{"Name": "Message-ID", "Value": "<p2@mail.example>"}]});
    assert_eq!(
        provider_json(&app, &gateway, again).await.expect(200)["action"],
        "duplicate"
    );
    let auto = json!({"FromFull": {"Email": "mia@example.com"}, "Subject": "Away", "TextBody": "Away", "Headers": [{"Name": "Auto-Submitted", "Value": "auto-replied"}]});
    assert_eq!(
        provider_json(&app, &gateway, auto).await.expect(200)["action"],
        "ignored"
    );
    let bad_file = json!({"FromFull": {"Email": "mia@example.com"}, "Subject": "x", "TextBody": "y", "Attachments": [{"Name": "a", "Content": "not base64!"}]});
    let problem = provider_json(&app, &gateway, bad_file).await.problem(422);
    assert_eq!(problem["errors"][0]["field"], "Attachments[0].Content");
    let no_sender = json!({"Subject": "x", "TextBody": "y"});
    let problem = provider_json(&app, &gateway, no_sender).await.problem(422);
    assert_eq!(problem["errors"][0]["field"], "FromFull.Email");
}

on_both_databases!(
    a_thread_of_three_mails_becomes_one_ticket,
    provider_json_mail_is_taken_in_like_raw_mail
);
