//! Bad input of every kind gets an RFC 9457 problem naming what is wrong, never a panic or a 500.
#![allow(clippy::unwrap_used)]

mod support;

use helpdesk_persistence::Backend;
use serde_json::json;
use support::TestApp;

async fn malformed_requests_are_problems(backend: Backend) {
    let app = TestApp::start(backend).await;
    let jane = app.jane().await;

    // Malformed JSON: 400.
    let broken = app
        .server
        .post("/api/v1/tickets")
        .insert_header(("Content-Type", "application/json"));
    let reply = app.send(broken, Some(&jane), None).await;
    assert_eq!(reply.status.as_u16(), 400, "{}", reply.text);
    let broken = app.server.post("/api/v1/tickets");
    let problem = app
        .send(broken, Some(&jane), Some("{\"subject\": ".into()))
        .await
        .problem(400);
    assert_eq!(problem["code"], "bad_request");

    // Well-formed but invalid: 422 with the fields.
    let problem = app
        .post("/api/v1/tickets", Some(&jane), &json!({"subject": "  ", "body": "x", "requester": {"name": "A", "email": "not-an-email"}}))
        .await
        .problem(422);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["requester.email", "subject"]);
    let problem = app
        .post(
            "/api/v1/tickets",
            Some(&jane),
            &json!({"subject": "x", "body": "y", "priority": "whenever"}),
        )
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["field"], "priority");
    let problem = app
        .post(
            "/api/v1/tickets",
            Some(&jane),
            &json!({"subject": 5, "body": "y"}),
        )
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["field"], "subject");
    let problem = app.post("/api/v1/tickets", Some(&jane), &json!({"subject": "x".repeat(256), "body": "y", "requester": {"name": "A", "email": "a@example.com"}})).await.problem(422);
    assert_eq!(problem["errors"][0]["field"], "subject");
    let problem = app
        .post(
            "/api/v1/tickets",
            Some(&jane),
            &json!({"subject": "x", "body": "y"}),
        )
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["field"], "requester");
    // A missing field is named, at its depth.
    let problem = app
        .post("/api/v1/tickets", Some(&jane), &json!({"subject": "x"}))
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["field"], "body");
    let problem = app
        .post(
            "/api/v1/tickets",
            Some(&jane),
            &json!({"subject": "x", "body": "y", "requester": {"name": "A"}}),
        )
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["field"], "requester.email");

    // A known path with a method it does not take: 405 with `Allow`; an unknown path: 404.
    let put = app.server.put("/api/v1/tickets");
    let refused = app.send(put, Some(&jane), None).await;
    assert_eq!(refused.header("allow").as_deref(), Some("GET, POST"));
    assert_eq!(refused.problem(405)["code"], "method_not_allowed");
    let delete = app.server.delete("/api/v1/tickets/1/messages");
    assert_eq!(
        app.send(delete, Some(&jane), None)
            .await
            .header("allow")
            .as_deref(),
        Some("GET, POST")
    );
    app.get("/api/v1/no-such-thing", Some(&jane))
        .await
        .problem(404);
    // A query parameter without a value is refused, not read as left out.
    let empty = app
        .get("/api/v1/tickets?cursor=&limit=", Some(&jane))
        .await
        .problem(400);
    assert!(empty["detail"]
        .as_str()
        .unwrap()
        .contains("`cursor` has no value"));

    // Too large: 413. Wrong content type: 415.
    let huge = json!({"subject": "x", "body": "y".repeat(100 * 1024)});
    let form = app
        .server
        .post("/api/v1/tickets")
        .insert_header(("Content-Type", "text/plain"));
    app.send(form, Some(&jane), Some("subject=x".into()))
        .await
        .problem(415);
    app.post("/api/v1/tickets", Some(&jane), &huge)
        .await
        .problem(413);

    // Queries: bad values are 400 or 422, never 500.
    app.get("/api/v1/tickets?limit=500", Some(&jane))
        .await
        .problem(422);
    app.get("/api/v1/tickets?limit=0", Some(&jane))
        .await
        .problem(422);
    app.get("/api/v1/tickets?limit=abc", Some(&jane))
        .await
        .problem(400);
    app.get("/api/v1/tickets?status=frozen", Some(&jane))
        .await
        .problem(400);
    app.get("/api/v1/tickets?sort=sideways", Some(&jane))
        .await
        .problem(422);
    let problem = app
        .get("/api/v1/tickets?stauts=open", Some(&jane))
        .await
        .problem(400);
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("unknown field `stauts`"),
        "a misspelt filter never returns everything: {detail}"
    );
    app.get("/api/v1/tickets?assignee_id=someone", Some(&jane))
        .await
        .problem(422);
    let problem = app
        .get("/api/v1/tickets?cursor=garbage", Some(&jane))
        .await
        .problem(400);
    assert_eq!(problem["errors"][0]["field"], "cursor");

    // Text PostgreSQL cannot store, and cursors outside the years it stores: 4xx on both databases.
    let problem = app.post("/api/v1/tickets", Some(&jane), &json!({"subject": "a\u{0}b", "body": "y", "requester": {"name": "A", "email": "a@example.com"}, "department_id": 1})).await.problem(422);
    assert_eq!(problem["errors"][0]["field"], "subject");
    app.post(
        "/api/v1/auth/login",
        None,
        &json!({"email": "jane@example.com\u{0}", "password": "x"}),
    )
    .await
    .problem(422);
    app.get("/api/v1/customers?q=a%00b", Some(&jane))
        .await
        .problem(422);
    let far_past = base64_url("-200000000000000000:1");
    app.get(
        &format!("/api/v1/tickets?sort=created_at&cursor={far_past}"),
        Some(&jane),
    )
    .await
    .problem(400);
    let huge_rank = base64_url("99999999999:1");
    app.get(
        &format!("/api/v1/tickets?sort=-priority&cursor={huge_rank}"),
        Some(&jane),
    )
    .await
    .problem(400);

    // Paths and routes that name nothing: 404.
    app.get("/api/v1/tickets/abc", Some(&jane))
        .await
        .problem(404);
    app.get("/api/v1/tickets/999999", Some(&jane))
        .await
        .problem(404);
    app.get("/api/v1/nothing-here", Some(&jane))
        .await
        .problem(404);

    // Credentials: 401 with a challenge.
    let reply = app.get("/api/v1/tickets", None).await;
    assert_eq!(reply.header("www-authenticate").as_deref(), Some("Bearer"));
    reply.problem(401);
    app.get("/api/v1/tickets", Some("not-a-token"))
        .await
        .problem(401);
    app.get("/api/v1/tickets", Some("hd_not_a_key"))
        .await
        .problem(401);
}

/// Unpadded URL-safe base64, as cursors are encoded.
fn base64_url(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

async fn lists_page_with_cursors(backend: Backend) {
    let app = TestApp::start(backend).await;
    let jane = app.jane().await;
    for n in 0..4 {
        let body = json!({"subject": format!("printer {n}"), "body": "jammed", "requester": {"name": "Ann", "email": "ann@example.com"}, "department_id": 1});
        app.post("/api/v1/tickets", Some(&jane), &body)
            .await
            .expect(201);
    }
    let mut seen = vec![];
    let mut path = "/api/v1/tickets?limit=2&sort=created_at".to_owned();
    loop {
        let page = app.get(&path, Some(&jane)).await.expect(200);
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["subject"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("/api/v1/tickets?limit=2&sort=created_at&cursor={cursor}")
            }
            None => break,
        }
    }
    assert_eq!(
        seen,
        vec![
            "Adobe Reader not working",
            "printer 0",
            "printer 1",
            "printer 2",
            "printer 3"
        ]
    );
    let customers = app
        .get("/api/v1/customers?q=ANN", Some(&jane))
        .await
        .expect(200);
    assert_eq!(
        customers["items"].as_array().unwrap().len(),
        1,
        "the requester was created once: {customers}"
    );
}

on_both_databases!(malformed_requests_are_problems, lists_page_with_cursors);
