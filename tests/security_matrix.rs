//! The security matrix: every operation of the API, called by every kind of caller, answers the status
//! the permission rules give, checked from one table. Then: no response a customer can get carries an
//! internal note.
#![allow(clippy::unwrap_used)]

mod support;

use helpdesk_persistence::Backend;
use serde_json::{json, Value};
use std::collections::HashMap;
use support::{Part, TestApp};

/// The callers, in the table's column order.
const CALLERS: [&str; 9] = [
    "anonymous",
    "customer A (requester)",
    "customer B",
    "agent of the ticket's department",
    "agent of another department",
    "admin",
    "API key with every scope",
    "API key tickets:read only",
    "API key tickets:create only",
];

const NOTE_SECRET: &str = "NOTE-SECRET-7731";

/// What a row sends: a JSON body, a raw mail, or nothing.
#[derive(Clone)]
enum Body {
    None,
    Json(Value),
    /// A JSON body that depends on the caller (customers file tickets without a requester).
    PerCaller(fn(usize) -> Value),
    Mail,
}

struct Row {
    method: &'static str,
    /// With `{ticket}`, `{public_file}`, `{note_file}`, `{webhook}`, `{delivery}`, `{department}`,
    /// `{team}`, `{plan}`, `{topic}`, `{hours}`, `{agent}`, `{customer}`, `{key}`, `{fresh}` (a
    /// throwaway made for this call: see `fresh`) and `{n}` (a number unique to the call).
    path: &'static str,
    body: Body,
    /// What `{fresh}` is: a record made by the admin for this one call (deletes and updates of it
    /// must not disturb the other calls).
    fresh: Option<&'static str>,
    expect: [u16; 9],
}

fn row(method: &'static str, path: &'static str, body: Body, expect: [u16; 9]) -> Row {
    Row {
        method,
        path,
        body,
        fresh: None,
        expect,
    }
}

fn on_fresh(
    method: &'static str,
    path: &'static str,
    fresh: &'static str,
    body: Body,
    expect: [u16; 9],
) -> Row {
    Row {
        method,
        path,
        body,
        fresh: Some(fresh),
        expect,
    }
}

// Shorthands for the common columns.
const ANY_SIGNED_IN: [u16; 9] = [401, 200, 200, 200, 200, 200, 200, 200, 200];
const DIRECTORY: [u16; 9] = [401, 403, 403, 200, 200, 200, 200, 200, 403];
fn admins(ok: u16) -> [u16; 9] {
    [401, 403, 403, 403, 403, ok, ok, 403, 403]
}
/// Reading ticket T (Support, filed by customer A).
const READ_T: [u16; 9] = [401, 200, 404, 200, 404, 200, 200, 200, 403];

fn new_ticket(caller: usize) -> Value {
    let mut body = json!({"subject": "Printer jams", "body": "Every page.", "help_topic_id": 1});
    if !matches!(caller, 1 | 2) {
        body["requester"] = json!({"name": "Mia", "email": "mia@example.com"});
    }
    body
}

fn table() -> Vec<Row> {
    use Body::{Json, None as Nothing, PerCaller};
    let weekdays = json!([{"weekday": "mon", "start": "09:00", "end": "17:00"}]);
    vec![
        // Accounts
        row(
            "POST",
            "/api/v1/auth/login",
            Json(json!({"email": "ken@example.com", "password": "ken-password"})),
            [200; 9],
        ),
        row(
            "POST",
            "/api/v1/auth/register",
            Json(json!({"name": "New", "email": "new{n}@example.com", "password": "new-password"})),
            [201; 9],
        ),
        row(
            "GET",
            "/api/v1/me",
            Nothing,
            // An API key is not a person: authenticated, but /me is not for it.
            [401, 200, 200, 200, 200, 200, 403, 403, 403],
        ),
        // People
        row("GET", "/api/v1/agents", Nothing, DIRECTORY),
        row("GET", "/api/v1/agents/{agent}", Nothing, DIRECTORY),
        row(
            "POST",
            "/api/v1/agents",
            Json(
                json!({"name": "Sam", "email": "sam{n}@example.com", "password": "sam-password", "department_ids": [1]}),
            ),
            admins(201),
        ),
        on_fresh(
            "PATCH",
            "/api/v1/agents/{fresh}",
            "agent",
            Json(json!({"name": "Renamed"})),
            admins(200),
        ),
        row("GET", "/api/v1/customers", Nothing, DIRECTORY),
        row("GET", "/api/v1/customers/{customer}", Nothing, DIRECTORY),
        row(
            "POST",
            "/api/v1/customers",
            Json(json!({"name": "Cy", "email": "cy{n}@example.com"})),
            admins(201),
        ),
        on_fresh(
            "PATCH",
            "/api/v1/customers/{fresh}",
            "customer",
            Json(json!({"name": "Renamed"})),
            admins(200),
        ),
        // Organisation
        row("GET", "/api/v1/departments", Nothing, DIRECTORY),
        row(
            "GET",
            "/api/v1/departments/{department}",
            Nothing,
            DIRECTORY,
        ),
        row(
            "POST",
            "/api/v1/departments",
            Json(json!({"name": "Dept {n}"})),
            admins(201),
        ),
        on_fresh(
            "PATCH",
            "/api/v1/departments/{fresh}",
            "department",
            Json(json!({"name": "Renamed {n}"})),
            admins(200),
        ),
        on_fresh(
            "DELETE",
            "/api/v1/departments/{fresh}",
            "department",
            Nothing,
            admins(204),
        ),
        row("GET", "/api/v1/teams", Nothing, DIRECTORY),
        row("GET", "/api/v1/teams/{team}", Nothing, DIRECTORY),
        row(
            "POST",
            "/api/v1/teams",
            Json(json!({"name": "Team {n}", "department_id": 1, "member_ids": []})),
            admins(201),
        ),
        on_fresh(
            "PATCH",
            "/api/v1/teams/{fresh}",
            "team",
            Json(json!({"name": "Renamed {n}"})),
            admins(200),
        ),
        on_fresh(
            "DELETE",
            "/api/v1/teams/{fresh}",
            "team",
            Nothing,
            admins(204),
        ),
        row("GET", "/api/v1/sla-plans", Nothing, DIRECTORY),
        row("GET", "/api/v1/sla-plans/{plan}", Nothing, DIRECTORY),
        row(
            "POST",
            "/api/v1/sla-plans",
            Json(
                json!({"name": "Plan {n}", "first_response_minutes": 30, "resolution_minutes": 240}),
            ),
            admins(201),
        ),
        on_fresh(
            "PATCH",
            "/api/v1/sla-plans/{fresh}",
            "plan",
            Json(json!({"name": "Renamed {n}"})),
            admins(200),
        ),
        on_fresh(
            "DELETE",
            "/api/v1/sla-plans/{fresh}",
            "plan",
            Nothing,
            admins(204),
        ),
        row("GET", "/api/v1/help-topics", Nothing, ANY_SIGNED_IN),
        row("GET", "/api/v1/help-topics/{topic}", Nothing, ANY_SIGNED_IN),
        row(
            "POST",
            "/api/v1/help-topics",
            Json(json!({"name": "Topic {n}", "department_id": 1})),
            admins(201),
        ),
        on_fresh(
            "PATCH",
            "/api/v1/help-topics/{fresh}",
            "topic",
            Json(json!({"name": "Renamed {n}"})),
            admins(200),
        ),
        on_fresh(
            "DELETE",
            "/api/v1/help-topics/{fresh}",
            "topic",
            Nothing,
            admins(204),
        ),
        row("GET", "/api/v1/business-hours", Nothing, DIRECTORY),
        row("GET", "/api/v1/business-hours/{hours}", Nothing, DIRECTORY),
        row(
            "POST",
            "/api/v1/business-hours",
            Json(json!({"name": "Hours {n}", "time_zone": "Europe/Berlin", "intervals": weekdays})),
            admins(201),
        ),
        on_fresh(
            "PUT",
            "/api/v1/business-hours/{fresh}",
            "hours",
            Json(json!({"name": "Renamed {n}", "time_zone": "UTC", "intervals": weekdays})),
            admins(200),
        ),
        on_fresh(
            "DELETE",
            "/api/v1/business-hours/{fresh}",
            "hours",
            Nothing,
            admins(204),
        ),
        // Keys and webhooks
        row("GET", "/api/v1/api-keys", Nothing, admins(200)),
        row(
            "POST",
            "/api/v1/api-keys",
            Json(json!({"name": "key {n}"})),
            admins(201),
        ),
        on_fresh(
            "DELETE",
            "/api/v1/api-keys/{fresh}",
            "key",
            Nothing,
            admins(204),
        ),
        row("GET", "/api/v1/webhooks", Nothing, admins(200)),
        row("GET", "/api/v1/webhooks/{webhook}", Nothing, admins(200)),
        row(
            "POST",
            "/api/v1/webhooks",
            Json(json!({"url": "https://hooks.example.com/{n}", "event_kinds": ["created"]})),
            admins(201),
        ),
        on_fresh(
            "PATCH",
            "/api/v1/webhooks/{fresh}",
            "webhook",
            Json(json!({"active": false})),
            admins(200),
        ),
        on_fresh(
            "DELETE",
            "/api/v1/webhooks/{fresh}",
            "webhook",
            Nothing,
            admins(204),
        ),
        row(
            "GET",
            "/api/v1/webhooks/{webhook}/deliveries",
            Nothing,
            admins(200),
        ),
        row(
            "POST",
            "/api/v1/webhooks/{webhook}/deliveries/{delivery}/redeliver",
            Nothing,
            admins(202),
        ),
        // Tickets
        row(
            "GET",
            "/api/v1/tickets",
            Nothing,
            [401, 200, 200, 200, 200, 200, 200, 200, 403],
        ),
        row(
            "POST",
            "/api/v1/tickets",
            PerCaller(new_ticket),
            [401, 201, 201, 201, 201, 201, 201, 403, 201],
        ),
        row("GET", "/api/v1/tickets/{ticket}", Nothing, READ_T),
        row(
            "PATCH",
            "/api/v1/tickets/{ticket}",
            Json(json!({"priority": "high"})),
            [401, 403, 404, 200, 404, 200, 200, 403, 403],
        ),
        row("GET", "/api/v1/tickets/{ticket}/messages", Nothing, READ_T),
        row(
            "POST",
            "/api/v1/tickets/{ticket}/messages",
            Json(json!({"body": "Any news?"})),
            [401, 201, 404, 201, 404, 201, 201, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/tickets/{ticket}/messages",
            Json(json!({"body": "Staff only", "internal": true})),
            [401, 403, 404, 201, 404, 201, 201, 403, 403],
        ),
        row("GET", "/api/v1/tickets/{ticket}/events", Nothing, READ_T),
        // SLA targets and clocks are staff's business; the requester sees due dates on the ticket.
        row(
            "GET",
            "/api/v1/tickets/{ticket}/sla",
            Nothing,
            [401, 403, 404, 200, 404, 200, 200, 200, 403],
        ),
        row("GET", "/api/v1/attachments/{public_file}", Nothing, READ_T),
        row(
            "GET",
            "/api/v1/attachments/{note_file}",
            Nothing,
            [401, 404, 404, 200, 404, 200, 200, 200, 403],
        ),
        row(
            "GET",
            "/api/v1/events",
            Nothing,
            [401, 200, 200, 200, 200, 200, 200, 200, 403],
        ),
        row(
            "POST",
            "/api/v1/inbound/email?department_id=1",
            Body::Mail,
            [401, 403, 403, 403, 403, 201, 201, 403, 201],
        ),
        // Operations
        row("GET", "/health", Nothing, [200; 9]),
        row("GET", "/ready", Nothing, [200; 9]),
        row("GET", "/metrics", Nothing, [200; 9]),
    ]
}

struct Fixture {
    tokens: Vec<Option<String>>,
    ids: HashMap<&'static str, i64>,
}

/// Creates a throwaway record of `kind` as the admin and returns its id.
async fn fresh(app: &TestApp, admin: &str, kind: &str, n: usize) -> i64 {
    let weekdays = json!([{"weekday": "mon", "start": "09:00", "end": "17:00"}]);
    let (path, body) = match kind {
        "agent" => (
            "/api/v1/agents",
            json!({"name": "Tmp", "email": format!("tmp{n}@example.com"), "password": "tmp-password", "department_ids": [1]}),
        ),
        "customer" => (
            "/api/v1/customers",
            json!({"name": "Tmp", "email": format!("tmpc{n}@example.com")}),
        ),
        "department" => ("/api/v1/departments", json!({"name": format!("Tmp {n}")})),
        "team" => (
            "/api/v1/teams",
            json!({"name": format!("Tmp {n}"), "department_id": 1, "member_ids": []}),
        ),
        "plan" => (
            "/api/v1/sla-plans",
            json!({"name": format!("Tmp {n}"), "first_response_minutes": 10, "resolution_minutes": 60}),
        ),
        "topic" => (
            "/api/v1/help-topics",
            json!({"name": format!("Tmp {n}"), "department_id": 1}),
        ),
        "hours" => (
            "/api/v1/business-hours",
            json!({"name": format!("Tmp {n}"), "time_zone": "UTC", "intervals": weekdays}),
        ),
        "key" => ("/api/v1/api-keys", json!({"name": format!("tmp {n}")})),
        "webhook" => (
            "/api/v1/webhooks",
            json!({"url": format!("https://hooks.example.com/tmp{n}")}),
        ),
        other => panic!("no fresh {other}"),
    };
    app.post(path, Some(admin), &body).await.expect(201)["id"]
        .as_i64()
        .unwrap()
}

async fn fixture(app: &TestApp) -> Fixture {
    let (admin, jane, ken) = (app.admin().await, app.jane().await, app.ken().await);
    let eve = app
        .new_customer("Eve", "eve@example.com", "eve-password")
        .await;
    app.post("/api/v1/agents", Some(&admin), &json!({"name": "Eng Only", "email": "eng@example.com", "password": "eng-password", "department_ids": [2]}))
        .await
        .expect(201);
    let engineer = app.login("eng@example.com", "eng-password").await;
    let every = app
        .api_key(
            &admin,
            &["tickets:create", "tickets:read", "tickets:write", "admin"],
        )
        .await;
    let reader = app.api_key(&admin, &["tickets:read"]).await;
    let creator = app.api_key(&admin, &["tickets:create"]).await;

    // Ticket T: Ken's, in Support, with a public file and an internal note carrying a file.
    let ticket = app
        .post_multipart(
            "/api/v1/tickets",
            Some(&ken),
            &[
                Part::Json("ticket", json!({"subject": "Adobe Reader not working", "body": "Screenshot attached.", "help_topic_id": 1})),
                Part::File { filename: "screen.png", content_type: "image/png", bytes: b"public bytes" },
            ],
        )
        .await
        .expect(201);
    let t = ticket["id"].as_i64().unwrap();
    let messages = app
        .get(&format!("/api/v1/tickets/{t}/messages"), Some(&ken))
        .await
        .expect(200);
    let public_file = messages["items"][0]["attachments"][0]["id"]
        .as_i64()
        .unwrap();
    let note = app
        .post_multipart(
            &format!("/api/v1/tickets/{t}/messages"),
            Some(&jane),
            &[
                Part::Json("message", json!({"body": format!("John: {NOTE_SECRET}, licence expired."), "internal": true})),
                Part::File { filename: "licence-NOTE.txt", content_type: "text/plain", bytes: NOTE_SECRET.as_bytes() },
            ],
        )
        .await
        .expect(201);
    let note_file = note["attachments"][0]["id"].as_i64().unwrap();

    // A webhook with one delivery (created before the note? no matter: any event kind will do).
    let webhook = app
        .post(
            "/api/v1/webhooks",
            Some(&admin),
            &json!({"url": "https://hooks.example.com/matrix"}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/api/v1/tickets/{t}/messages"),
        Some(&jane),
        &json!({"body": "We are on it."}),
    )
    .await
    .expect(201);
    let delivery = app
        .get(
            &format!("/api/v1/webhooks/{webhook}/deliveries"),
            Some(&admin),
        )
        .await
        .expect(200)["items"][0]["id"]
        .as_i64()
        .unwrap();

    let first_id = |path: &'static str| {
        let admin = admin.clone();
        async move {
            app.get(path, Some(&admin)).await.expect(200)["items"][0]["id"]
                .as_i64()
                .unwrap()
        }
    };
    let ids = HashMap::from([
        ("ticket", t),
        ("public_file", public_file),
        ("note_file", note_file),
        ("webhook", webhook),
        ("delivery", delivery),
        ("department", 1),
        ("team", fresh(app, &admin, "team", 0).await),
        ("plan", first_id("/api/v1/sla-plans").await),
        ("topic", 1),
        ("hours", fresh(app, &admin, "hours", 0).await),
        ("agent", first_id("/api/v1/agents").await),
        ("customer", first_id("/api/v1/customers").await),
        ("key", first_id("/api/v1/api-keys").await),
    ]);
    Fixture {
        tokens: vec![
            None,
            Some(ken),
            Some(eve),
            Some(jane),
            Some(engineer),
            Some(admin),
            Some(every),
            Some(reader),
            Some(creator),
        ],
        ids,
    }
}

/// A row's path as the OpenAPI document writes it: `{delivery}` is `{delivery_id}`, any other
/// placeholder `{id}`.
fn documented_path(template: &str) -> String {
    let mut documented = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}').unwrap();
        documented.push_str(&rest[..open]);
        documented.push_str(if &rest[open..=close] == "{delivery}" {
            "{delivery_id}"
        } else {
            "{id}"
        });
        rest = &rest[close + 1..];
    }
    documented + rest
}

fn mail(n: usize) -> String {
    format!(
        "From: Mia <mia@example.com>\r\nTo: support@example.com\r\nSubject: Matrix {n}\r\nMessage-ID: <matrix-{n}@mail.example>\r\nContent-Type: text/plain\r\n\r\nHello.\r\n"
    )
}

async fn every_operation_answers_every_caller_as_the_rules_say(backend: Backend) {
    let app = TestApp::start_with(backend, |config| config.login_attempts_per_account = 100).await;
    let fixture = fixture(&app).await;
    let admin = fixture.tokens[5].clone().unwrap();
    let document = app.get("/api-docs/openapi.json", None).await.expect(200);
    let mut covered = std::collections::BTreeSet::new();
    let mut wrong = Vec::new();
    let mut n = 1000;
    for row in table() {
        let template = row.path.split('?').next().unwrap().to_owned();
        covered.insert(format!("{} {}", row.method, documented_path(&template)));
        for (caller, token) in fixture.tokens.iter().enumerate() {
            n += 1;
            let mut path = row.path.replace("{n}", &n.to_string());
            for (name, id) in &fixture.ids {
                path = path.replace(&format!("{{{name}}}"), &id.to_string());
            }
            if let Some(kind) = row.fresh {
                path = path.replace("{fresh}", &fresh(&app, &admin, kind, n).await.to_string());
            }
            let request = match row.method {
                "GET" => app.server.get(&path),
                "POST" => app.server.post(&path),
                "PATCH" => app.server.patch(&path),
                "PUT" => app.server.put(&path),
                "DELETE" => app.server.delete(&path),
                other => panic!("{other}"),
            };
            let body = match &row.body {
                Body::None => None,
                Body::Json(value) => Some((
                    "application/json".to_owned(),
                    value
                        .to_string()
                        .replace("{n}", &n.to_string())
                        .into_bytes(),
                )),
                Body::PerCaller(make) => Some((
                    "application/json".to_owned(),
                    make(caller).to_string().into_bytes(),
                )),
                Body::Mail => Some(("message/rfc822".to_owned(), mail(n).into_bytes())),
            };
            let reply = app.send_raw(request, token.as_deref(), body).await;
            let expected = row.expect[caller];
            if reply.status.as_u16() != expected {
                wrong.push(format!(
                    "{} {} as {}: expected {expected}, got {} {}",
                    row.method,
                    row.path,
                    CALLERS[caller],
                    reply.status.as_u16(),
                    reply.text.chars().take(160).collect::<String>()
                ));
            }
            // Lists answer 200 to anyone signed in; those who may not see ticket T must not find it.
            let is_list =
                row.method == "GET" && matches!(row.path, "/api/v1/tickets" | "/api/v1/events");
            if is_list && reply.status.as_u16() == 200 {
                let t = fixture.ids["ticket"];
                let shows_t = reply.body["items"].as_array().unwrap().iter().any(|item| {
                    item["ticket_id"].as_i64() == Some(t)
                        || (row.path == "/api/v1/tickets" && item["id"].as_i64() == Some(t))
                });
                let may_see_t = matches!(caller, 1 | 3 | 5 | 6 | 7);
                if shows_t != may_see_t {
                    wrong.push(format!(
                        "{} as {}: ticket T listed: {shows_t}",
                        row.path, CALLERS[caller]
                    ));
                }
            }
            if reply.status.is_client_error() {
                assert_eq!(
                    reply.header("content-type").as_deref(),
                    Some("application/problem+json"),
                    "{} {path}",
                    row.method
                );
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );

    // Every documented operation has a row.
    let documented: std::collections::BTreeSet<String> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .collect();
    let missing: Vec<_> = documented.difference(&covered).collect();
    assert!(missing.is_empty(), "operations without a row: {missing:?}");
}

async fn no_customer_response_carries_an_internal_note(backend: Backend) {
    let app = TestApp::start(backend).await;
    let fixture = fixture(&app).await;
    let t = fixture.ids["ticket"];
    let note_file = fixture.ids["note_file"];
    let ken = fixture.tokens[1].clone().unwrap();
    let jane = fixture.tokens[3].clone().unwrap();
    let views = [
        "/api/v1/tickets".to_owned(),
        format!("/api/v1/tickets/{t}"),
        format!("/api/v1/tickets/{t}/messages"),
        format!("/api/v1/tickets/{t}/events"),
        "/api/v1/events?after=0".to_owned(),
        format!("/api/v1/tickets?q={NOTE_SECRET}"),
        "/api/v1/tickets?q=licence".to_owned(),
    ];
    for view in &views {
        let reply = app.get(view, Some(&ken)).await;
        assert_eq!(reply.status.as_u16(), 200, "{view}");
        assert!(
            !reply.text.contains(NOTE_SECRET),
            "{view} shows the note: {}",
            reply.text
        );
        assert!(
            !reply.text.contains("licence"),
            "{view} shows the note's file: {}",
            reply.text
        );
        assert!(
            !reply.text.contains(&format!("/attachments/{note_file}")),
            "{view}"
        );
    }
    let found = app
        .get(&format!("/api/v1/tickets?q={NOTE_SECRET}"), Some(&ken))
        .await
        .expect(200);
    assert_eq!(
        found["items"].as_array().unwrap().len(),
        0,
        "search never matches a note for a customer"
    );
    // The same views show staff the note: the checks above would have caught it.
    let staff = app
        .get(&format!("/api/v1/tickets/{t}/messages"), Some(&jane))
        .await
        .text;
    assert!(staff.contains(NOTE_SECRET));
    let found = app
        .get(&format!("/api/v1/tickets?q={NOTE_SECRET}"), Some(&jane))
        .await
        .expect(200);
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
}

on_both_databases!(
    every_operation_answers_every_caller_as_the_rules_say,
    no_customer_response_carries_an_internal_note
);
