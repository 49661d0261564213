//! Notification mail through a real SMTP conversation with a sink on 127.0.0.1: who gets which mail,
//! threading headers that bring a reply back to its ticket, retries, and planning that queues each
//! mail once even when replicas plan at the same time.
#![allow(clippy::unwrap_used)]

mod support;

use helpdesk_api::mail_notifier::{plan, relay, send_due, Relay};
use helpdesk_persistence::outbound_emails;
use helpdesk_persistence::Backend;
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use support::TestApp;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A mail as the sink received it.
#[derive(Debug, Clone)]
struct Received {
    recipient: String,
    data: String,
}

impl Received {
    fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.data
            .split("\r\n\r\n")
            .next()
            .unwrap()
            .lines()
            .find(|line| line.to_ascii_lowercase().starts_with(&prefix))
            .map(|line| line[prefix.len()..].trim().to_owned())
    }
}

/// A minimal SMTP server: accepts every mail, except that it answers the next `refusals` MAIL
/// commands with a temporary failure and the next `rejections` RCPT commands with a permanent one.
#[derive(Clone)]
struct Sink {
    port: u16,
    mails: Arc<Mutex<Vec<Received>>>,
    refusals: Arc<AtomicUsize>,
    rejections: Arc<AtomicUsize>,
}

impl Sink {
    async fn start() -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sink = Sink {
            port: listener.local_addr().unwrap().port(),
            mails: Arc::default(),
            refusals: Arc::default(),
            rejections: Arc::default(),
        };
        let server = sink.clone();
        actix_web::rt::spawn(async move {
            loop {
                let (socket, _) = listener.accept().await.unwrap();
                actix_web::rt::spawn(server.clone().converse(socket));
            }
        });
        sink
    }

    async fn converse(self, socket: tokio::net::TcpStream) {
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
        let mut recipient = String::new();
        while let Ok(Some(line)) = lines.next_line().await {
            let command = line.to_ascii_uppercase();
            let answer: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
                b"250 sink\r\n"
            } else if command.starts_with("MAIL FROM") {
                let refuse = self
                    .refusals
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
                if refuse {
                    b"451 try again later\r\n"
                } else {
                    b"250 OK\r\n"
                }
            } else if command.starts_with("RCPT TO") {
                recipient = line[8..].trim().trim_matches(['<', '>', ':']).to_owned();
                let reject = self
                    .rejections
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
                if reject {
                    b"550 no such user\r\n"
                } else {
                    b"250 OK\r\n"
                }
            } else if command == "DATA" {
                write.write_all(b"354 go ahead\r\n").await.unwrap();
                let mut data = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if line == "." {
                        break;
                    }
                    data.push_str(&line);
                    data.push_str("\r\n");
                }
                self.mails.lock().unwrap().push(Received {
                    recipient: recipient.clone(),
                    data,
                });
                b"250 queued\r\n"
            } else if command == "QUIT" {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            } else {
                b"250 OK\r\n"
            };
            write.write_all(answer).await.unwrap();
        }
    }

    fn mails(&self) -> Vec<Received> {
        self.mails.lock().unwrap().clone()
    }
}

async fn start(backend: Backend) -> (TestApp, Sink, Relay) {
    let sink = Sink::start().await;
    let url = format!("smtp://127.0.0.1:{}", sink.port);
    let app = TestApp::start_with(backend, |config| {
        config.smtp_url = Some(url.clone());
        config.mail_from = "Helpdesk <support@help.example.com>".into();
    })
    .await;
    let relay = relay(&url).unwrap();
    // The first planning starts at the newest event: the demo's history is not mailed.
    assert_eq!(plan(&app.state, app.clock.now()).unwrap(), 0);
    (app, sink, relay)
}

async fn plan_and_send(app: &TestApp, relay: &Relay) -> (usize, usize) {
    let planned = plan(&app.state, app.clock.now()).unwrap();
    let sent = send_due(&app.state, relay).await.unwrap();
    (planned, sent)
}

async fn the_lifecycle_mails_its_people_and_replies_thread_back(backend: Backend) {
    let (app, sink, relay) = start(backend).await;
    let (jane, john, ken) = (app.jane().await, app.john().await, app.ken().await);
    let software = app.id_named("/api/v1/help-topics", "Software", &ken).await;

    // Ken files a ticket: he gets an acknowledgement that starts the thread.
    let ticket = app
        .post(
            "/api/v1/tickets",
            Some(&ken),
            &json!({"subject": "Adobe Reader not working", "body": "It crashes.", "help_topic_id": software}),
        )
        .await
        .expect(201);
    let (id, number) = (
        ticket["id"].as_i64().unwrap(),
        ticket["number"].as_str().unwrap().to_owned(),
    );
    assert_eq!(plan_and_send(&app, &relay).await, (1, 1));
    let ack = &sink.mails()[0];
    assert_eq!(ack.recipient, "ken@example.com");
    assert_eq!(
        ack.header("Subject").unwrap(),
        format!("[#{number}] Adobe Reader not working")
    );
    assert_eq!(
        ack.header("Message-ID").unwrap(),
        format!("<ticket-{number}@help.example.com>")
    );
    assert_eq!(
        ack.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );

    // Jane assigns John and writes him a note; John replies to Ken.
    let path = format!("/api/v1/tickets/{id}");
    let john_id = app.get("/api/v1/me", Some(&john)).await.expect(200)["id"].clone();
    app.patch(&path, Some(&jane), &json!({"assignee_id": john_id}))
        .await
        .expect(200);
    app.post(
        &format!("{path}/messages"),
        Some(&jane),
        &json!({"body": "Secret: Ken's licence expired.", "internal": true}),
    )
    .await
    .expect(201);
    app.post(
        &format!("{path}/messages"),
        Some(&john),
        &json!({"body": "Please update Reader to 11.0.4."}),
    )
    .await
    .expect(201);
    assert_eq!(plan_and_send(&app, &relay).await, (2, 2));
    let mails = sink.mails();
    let assigned = mails
        .iter()
        .find(|m| m.recipient == "john@example.com")
        .unwrap();
    assert!(assigned
        .header("Subject")
        .unwrap()
        .contains("Assigned to you"));
    let reply = mails[1..]
        .iter()
        .find(|m| m.recipient == "ken@example.com")
        .unwrap();
    assert!(reply.data.contains("Please update Reader to 11.0.4."));
    assert_eq!(
        reply.header("In-Reply-To").unwrap(),
        format!("<ticket-{number}@help.example.com>")
    );
    assert!(
        mails.iter().all(|m| !m.data.contains("licence expired")),
        "an internal note is never mailed"
    );

    // Ken answers from his mail client: the reply names our Message-ID only, and lands on the ticket.
    let reply_id = reply.header("Message-ID").unwrap();
    let gateway = app.api_key(&app.admin().await, &["tickets:create"]).await;
    let raw = format!(
        "From: Ken <ken@example.com>\r\nTo: support@help.example.com\r\nSubject: Re: your mail\r\nMessage-ID: <ken-1@mail.example>\r\nIn-Reply-To: {reply_id}\r\nReferences: {reply_id}\r\nContent-Type: text/plain\r\n\r\nUpdated, it works now. Thanks!\r\n"
    );
    let request = app
        .server
        .post("/api/v1/inbound/email?department_id=1")
        .insert_header(("Content-Type", "message/rfc822"));
    let taken = app
        .send(request, Some(&gateway), Some(raw))
        .await
        .expect(201);
    assert_eq!(
        (taken["action"].as_str(), taken["ticket_id"].as_i64()),
        (Some("replied"), Some(id))
    );

    // Nothing new to plan twice.
    assert_eq!(plan(&app.state, app.clock.now()).unwrap(), 0);
}

async fn a_refused_mail_is_retried_later(backend: Backend) {
    let (app, sink, relay) = start(backend).await;
    let ken = app.ken().await;
    let software = app.id_named("/api/v1/help-topics", "Software", &ken).await;
    sink.refusals.store(1, Ordering::SeqCst);
    app.post(
        "/api/v1/tickets",
        Some(&ken),
        &json!({"subject": "VPN drops", "body": "Every hour.", "help_topic_id": software}),
    )
    .await
    .expect(201);
    assert_eq!(plan_and_send(&app, &relay).await, (1, 1));
    assert!(sink.mails().is_empty());
    let counts = app.state.db.read(outbound_emails::counts).unwrap();
    assert_eq!(counts, (1, 0, 0), "pending for a retry");
    // Not due yet; then due after the backoff.
    assert_eq!(send_due(&app.state, &relay).await.unwrap(), 0);
    app.clock.advance(chrono::Duration::minutes(2));
    assert_eq!(send_due(&app.state, &relay).await.unwrap(), 1);
    assert_eq!(sink.mails().len(), 1);
    assert_eq!(
        app.state.db.read(outbound_emails::counts).unwrap(),
        (0, 1, 0)
    );

    // A permanent refusal (550) is not retried.
    sink.rejections.store(1, Ordering::SeqCst);
    app.post(
        "/api/v1/tickets",
        Some(&ken),
        &json!({"subject": "Monitor flickers", "body": "Since today.", "help_topic_id": software}),
    )
    .await
    .expect(201);
    assert_eq!(plan_and_send(&app, &relay).await, (1, 1));
    assert_eq!(
        app.state.db.read(outbound_emails::counts).unwrap(),
        (0, 1, 1)
    );
}

async fn replicas_planning_at_once_queue_each_mail_once(backend: Backend) {
    let (app, _sink, _relay) = start(backend).await;
    let ken = app.ken().await;
    let software = app.id_named("/api/v1/help-topics", "Software", &ken).await;
    for n in 0..30 {
        app.post(
            "/api/v1/tickets",
            Some(&ken),
            &json!({"subject": format!("Report {n}"), "body": "Details.", "help_topic_id": software}),
        )
        .await
        .expect(201);
    }
    let now = app.clock.now();
    let planners: Vec<_> = (0..3)
        .map(|_| {
            let state = app.state.clone();
            std::thread::spawn(move || plan(&state, now).unwrap())
        })
        .collect();
    let planned: usize = planners.into_iter().map(|p| p.join().unwrap()).sum();
    assert_eq!(planned, 30);
    assert_eq!(
        app.state.db.read(outbound_emails::counts).unwrap(),
        (30, 0, 0)
    );
}

on_both_databases!(
    the_lifecycle_mails_its_people_and_replies_thread_back,
    a_refused_mail_is_retried_later,
    replicas_planning_at_once_queue_each_mail_once
);
