//! Attachments: multipart uploads on tickets and messages, sniffed types, limits, downloads only for
//! those who may see the message, and files that arrive by mail.
#![allow(clippy::unwrap_used)]

mod support;

use helpdesk_persistence::Backend;
use serde_json::{json, Value};
use support::{multipart_body, Part, TestApp, BOUNDARY};

const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R', 1, 2, 3,
];

fn file<'a>(filename: &'a str, content_type: &'a str, bytes: &'a [u8]) -> Part<'a> {
    Part::File {
        filename,
        content_type,
        bytes,
    }
}

async fn software(app: &TestApp, token: &str) -> i64 {
    app.id_named("/api/v1/help-topics", "Software", token).await
}

/// The conversation of a ticket as `token` sees it.
async fn conversation(app: &TestApp, ticket: i64, token: &str) -> Vec<Value> {
    let path = format!("/api/v1/tickets/{ticket}/messages");
    app.get(&path, Some(token)).await.expect(200)["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn ticket_count(app: &TestApp, token: &str) -> usize {
    app.get("/api/v1/tickets?limit=200", Some(token))
        .await
        .expect(200)["items"]
        .as_array()
        .unwrap()
        .len()
}

async fn files_travel_with_tickets_and_messages(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (jane, john, ken) = (app.jane().await, app.john().await, app.ken().await);
    let topic = software(&app, &ken).await;

    // Ken files his report with a screenshot and a log; the declared types are wrong on purpose.
    let log = "Reader 11.0.3\nAccess violation at 0x0040\n".as_bytes();
    let ticket = app
        .post_multipart(
            "/api/v1/tickets",
            Some(&ken),
            &[
                Part::Json(
                    "ticket",
                    json!({"subject": "Adobe Reader not working", "body": "See the screenshot and the log.", "help_topic_id": topic}),
                ),
                file("screenshot.png", "application/pdf", PNG),
                file("../logs/crash log.txt", "application/x-msdownload", log),
                file("page.html", "text/html", b"<html><script>alert(1)</script></html>"),
            ],
        )
        .await
        .expect(201);
    let ticket_id = ticket["id"].as_i64().unwrap();
    assert_eq!(ticket["subject"], "Adobe Reader not working");

    let messages = conversation(&app, ticket_id, &ken).await;
    let files = messages[0]["attachments"].as_array().unwrap();
    let described: Vec<(&str, &str, i64)> = files
        .iter()
        .map(|f| {
            (
                f["filename"].as_str().unwrap(),
                f["content_type"].as_str().unwrap(),
                f["size_bytes"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        described,
        vec![
            ("screenshot.png", "image/png", PNG.len() as i64),
            (
                "crash log.txt",
                "text/plain; charset=utf-8",
                log.len() as i64
            ),
            ("page.html", "text/plain; charset=utf-8", 38),
        ]
    );

    // Ken downloads his screenshot: the same bytes, as a download that browsers do not sniff.
    let screenshot_url = files[0]["url"].as_str().unwrap().to_owned();
    let download = app.get(&screenshot_url, Some(&ken)).await;
    assert_eq!(download.status.as_u16(), 200);
    assert_eq!(download.bytes, PNG);
    assert_eq!(
        download.header("content-type").as_deref(),
        Some("image/png")
    );
    assert_eq!(
        download.header("content-disposition").as_deref(),
        Some("attachment; filename*=UTF-8''screenshot.png")
    );
    assert_eq!(
        download.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    let log_url = files[1]["url"].as_str().unwrap();
    assert_eq!(app.get(log_url, Some(&john)).await.bytes, log);

    // Jane attaches a file to an internal note for John.
    let note = app
        .post_multipart(
            &format!("/api/v1/tickets/{ticket_id}/messages"),
            Some(&jane),
            &[
                Part::Json(
                    "message",
                    json!({"body": "John, the dump from Ken's machine.", "internal": true}),
                ),
                file("dump.bin", "text/plain", &[0x00, 0xFF, 0x10, 0x80]),
            ],
        )
        .await
        .expect(201);
    assert_eq!(note["internal"], true);
    let note_file = &note["attachments"][0];
    assert_eq!(note_file["content_type"], "application/octet-stream");
    let note_url = note_file["url"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get(&note_url, Some(&john)).await.bytes,
        [0x00, 0xFF, 0x10, 0x80]
    );

    // The note's file does not exist for Ken; nor do Ken's files for another customer or for nobody.
    app.get(&note_url, Some(&ken)).await.problem(404);
    let ken_sees: Vec<i64> = conversation(&app, ticket_id, &ken)
        .await
        .iter()
        .map(|m| m["attachments"].as_array().unwrap().len() as i64)
        .collect();
    assert_eq!(
        ken_sees,
        vec![3],
        "Ken sees his message with three files and no note"
    );
    let eve = app
        .new_customer("Eve", "eve@example.com", "eve-password")
        .await;
    app.get(&screenshot_url, Some(&eve)).await.problem(404);
    app.get(&screenshot_url, None).await.problem(401);
    app.get("/api/v1/attachments/999999", Some(&jane))
        .await
        .problem(404);

    // The note's event names its file for staff.
    let events = app
        .get(&format!("/api/v1/tickets/{ticket_id}/events"), Some(&jane))
        .await
        .expect(200);
    let note_event = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["data"]["message_id"] == note["id"])
        .unwrap();
    assert_eq!(
        note_event["data"]["attachment_ids"],
        json!([note_file["id"]])
    );
}

async fn uploads_are_limited_and_checked(backend: Backend) {
    let app = TestApp::start_with(backend, |config| {
        config.max_attachment_bytes = 1024;
        config.max_upload_bytes = 2048;
    })
    .await;
    let ken = app.ken().await;
    let topic = software(&app, &ken).await;
    let report =
        json!({"subject": "Printer jams", "body": "Every second page.", "help_topic_id": topic});
    let before = ticket_count(&app, &ken).await;

    let too_big = vec![b'a'; 1025];
    let problem = app
        .post_multipart(
            "/api/v1/tickets",
            Some(&ken),
            &[
                Part::Json("ticket", report.clone()),
                file("big.txt", "text/plain", &too_big),
            ],
        )
        .await
        .problem(413);
    assert!(problem["detail"].as_str().unwrap().contains("1024 bytes"));

    let problem = app
        .post_multipart(
            "/api/v1/tickets",
            Some(&ken),
            &[file("a.txt", "text/plain", b"hello")],
        )
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["field"], "ticket");

    let problem = app
        .post_multipart(
            "/api/v1/tickets",
            Some(&ken),
            &[
                Part::Json("ticket", report.clone()),
                Part::Json("extra", json!(1)),
            ],
        )
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["field"], "extra");

    let problem = app
        .post_multipart(
            "/api/v1/tickets",
            Some(&ken),
            &[Part::Json("ticket", json!({"body": "no subject"}))],
        )
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["field"], "subject");

    let third = vec![b'b'; 1000];
    let problem = app
        .post_multipart(
            "/api/v1/tickets",
            Some(&ken),
            &[
                Part::Json("ticket", report.clone()),
                file("1.txt", "text/plain", &third),
                file("2.txt", "text/plain", &third),
                file("3.txt", "text/plain", &third),
            ],
        )
        .await
        .problem(413);
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("2048 bytes of files"));

    let mut many = vec![Part::Json("ticket", report.clone())];
    many.extend((0..21).map(|_| file("a.txt", "text/plain", b"a")));
    let problem = app
        .post_multipart("/api/v1/tickets", Some(&ken), &many)
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["field"], "attachments");

    // A multipart body cut off in the middle is a 400, not a half-written ticket.
    let mut cut = multipart_body(&[
        Part::Json("ticket", report.clone()),
        file("a.txt", "text/plain", b"hello"),
    ]);
    cut.truncate(cut.len() - BOUNDARY.len() - 8);
    let request = app.server.post("/api/v1/tickets");
    app.send_raw(
        request,
        Some(&ken),
        Some((format!("multipart/form-data; boundary={BOUNDARY}"), cut)),
    )
    .await
    .problem(400);
    assert_eq!(ticket_count(&app, &ken).await, before, "nothing was filed");

    // An idempotent multipart create: the same key and files return the first ticket; other files
    // under the same key are refused.
    let parts = [
        Part::Json("ticket", report.clone()),
        file("page.png", "image/png", PNG),
    ];
    let send = |parts: Vec<u8>| {
        let request = app
            .server
            .post("/api/v1/tickets")
            .insert_header(("Idempotency-Key", "printer-1"));
        app.send_raw(
            request,
            Some(&ken),
            Some((format!("multipart/form-data; boundary={BOUNDARY}"), parts)),
        )
    };
    let first = send(multipart_body(&parts)).await.expect(201);
    let again = send(multipart_body(&parts)).await;
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.expect(201)["id"], first["id"]);
    let other = [
        Part::Json("ticket", report.clone()),
        file("page.png", "image/png", b"another page"),
    ];
    send(multipart_body(&other)).await.problem(422);
    assert_eq!(ticket_count(&app, &ken).await, before + 1);
}

async fn mailed_attachments_are_kept(backend: Backend) {
    let app = TestApp::start_with(backend, |config| config.max_attachment_bytes = 1024).await;
    let (admin, jane) = (app.admin().await, app.jane().await);
    let gateway = app.api_key(&admin, &["tickets:create"]).await;
    let pdf = "%PDF-1.4\n1 0 obj\n<<>>\nendobj\n";
    let huge = "A".repeat(2000);
    let raw = format!(
        "From: Mia Wong <mia@example.com>\r\nTo: support@helpdesk.example\r\nSubject: Invoice is wrong\r\nMessage-ID: <inv-1@mail.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe amount on the attached invoice is wrong.\r\n--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"invoice.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b1\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"huge.txt\"\r\n\r\n{huge}\r\n--b1--\r\n",
        base64_lines(pdf.as_bytes())
    );
    let request = app
        .server
        .post("/api/v1/inbound/email?department_id=1")
        .insert_header(("Content-Type", "message/rfc822"));
    let taken = app
        .send(request, Some(&gateway), Some(raw))
        .await
        .expect(201);
    let ticket_id = taken["ticket_id"].as_i64().unwrap();
    let messages = conversation(&app, ticket_id, &jane).await;
    let first = &messages[0];
    let files = first["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["filename"], "invoice.pdf");
    assert_eq!(files[0]["content_type"], "application/pdf");
    let url = files[0]["url"].as_str().unwrap();
    assert_eq!(app.get(url, Some(&jane)).await.bytes, pdf.as_bytes());
    let body = first["body"].as_str().unwrap();
    assert!(body.starts_with("The amount on the attached invoice is wrong."));
    assert!(
        body.contains("\"huge.txt\" (2000 bytes) was not kept"),
        "{body}"
    );
}

/// Base64 in 76-character lines, as mail carries it.
fn base64_lines(bytes: &[u8]) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    encoded
        .as_bytes()
        .chunks(76)
        .map(|line| String::from_utf8_lossy(line).into_owned())
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// The stored files (not staged ones) under the attachments directory.
fn kept_files(app: &TestApp) -> usize {
    let root = &app.state.config.attachments_dir;
    std::fs::read_dir(root)
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.file_name().len() == 2)
        .map(|fan| std::fs::read_dir(fan.path()).unwrap().count())
        .sum::<usize>()
        + std::fs::read_dir(root.join("staging")).unwrap().count()
}

async fn nothing_is_kept_for_callers_who_may_not_write(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (admin, ken) = (app.admin().await, app.ken().await);
    let topic = software(&app, &ken).await;
    let ticket = app
        .post(
            "/api/v1/tickets",
            Some(&ken),
            &json!({"subject": "Mouse", "body": "Broken.", "help_topic_id": topic}),
        )
        .await
        .expect(201);
    let path = format!("/api/v1/tickets/{}/messages", ticket["id"]);
    let eve = app
        .new_customer("Eve", "eve@example.com", "eve-password")
        .await;
    let reader = app.api_key(&admin, &["tickets:read"]).await;
    let parts = [
        Part::Json("message", json!({"body": "let me in"})),
        file("payload.bin", "application/octet-stream", &[7u8; 4000]),
    ];
    app.post_multipart(&path, Some(&eve), &parts)
        .await
        .problem(404);
    app.post_multipart(&path, Some(&reader), &parts)
        .await
        .problem(403);
    app.post_multipart("/api/v1/tickets/999999/messages", Some(&ken), &parts)
        .await
        .problem(404);
    assert_eq!(
        kept_files(&app),
        0,
        "no file was written for a refused request"
    );

    // A file whose request failed after it was kept is collected later; attached files stay.
    app.post_multipart(&path, Some(&ken), &parts)
        .await
        .expect(201);
    let orphan = app
        .state
        .blobs
        .put(b"left behind by a failed request")
        .unwrap();
    assert_eq!(kept_files(&app), 2);
    let fresh = std::time::SystemTime::now() - helpdesk_api::file_sweep::GRACE;
    assert_eq!(
        helpdesk_api::file_sweep::collect_unreferenced_files(&app.state, fresh).unwrap(),
        0,
        "young files are left alone"
    );
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
    assert_eq!(
        helpdesk_api::file_sweep::collect_unreferenced_files(&app.state, later).unwrap(),
        1
    );
    assert!(app.state.blobs.get(&orphan).is_err());
    assert_eq!(kept_files(&app), 1, "the attached file stays");
}

on_both_databases!(
    nothing_is_kept_for_callers_who_may_not_write,
    files_travel_with_tickets_and_messages,
    uploads_are_limited_and_checked,
    mailed_attachments_are_kept
);
