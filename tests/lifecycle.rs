//! The seed scenario of the tutorial, end to end over HTTP, on SQLite and on PostgreSQL: Ken reports,
//! Jane triages and assigns John, John works and resolves, Jane closes; Ken never sees a note.
#![allow(clippy::unwrap_used)]

mod support;

use chrono::{DateTime, Duration, Utc};
use helpdesk_persistence::Backend;
use serde_json::{json, Value};
use support::TestApp;

const JANE_NOTE: &str = "John, this looks like the Reader plugin again; can you take it?";
const JOHN_NOTE: &str = "Jane: reinstalled Reader 11 and removed the broken plugin.";

fn time(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap().parse().unwrap()
}

fn kinds(events: &Value) -> Vec<String> {
    events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

async fn seed_scenario(backend: Backend) {
    let app = TestApp::start(backend).await;

    // 1. Intake: Ken files "Adobe Reader not working" under the help topic "Software".
    let ken = app.ken().await;
    let software = app.id_named("/api/v1/help-topics", "Software", &ken).await;
    let reply = app
        .post("/api/v1/tickets", Some(&ken), &json!({"subject": "Adobe Reader not working", "body": "Reader crashes when I open a PDF.", "help_topic_id": software}))
        .await;
    let location = reply.header("location").unwrap();
    let created = reply.expect(201);
    let id = created["id"].as_i64().unwrap();
    assert_eq!(location, format!("/api/v1/tickets/{id}"));
    assert_eq!(created["status"], "open");
    assert_eq!(created["priority"], "normal");
    assert_eq!(created["requester"]["email"], "ken@example.com");
    assert_eq!(created["source"], "web");
    assert_eq!(created["number"].as_str().unwrap().len(), 8);
    let created_at = time(&created["created_at"]);
    assert_eq!(
        time(&created["first_response_due_at"]),
        created_at + Duration::hours(4),
        "Default plan: 4 h"
    );
    assert_eq!(
        time(&created["due_at"]),
        created_at + Duration::hours(18),
        "Default plan: 18 h"
    );

    // 2. Jane finds it in Support's open queue, sets priority, plan "Gold" and assigns John.
    let jane = app.jane().await;
    let support = app.id_named("/api/v1/departments", "Support", &jane).await;
    assert_eq!(created["department_id"], support);
    let queue = app
        .get(
            &format!("/api/v1/tickets?status=open&department_id={support}"),
            Some(&jane),
        )
        .await
        .expect(200);
    assert!(queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["id"] == id));
    let opened = app.get(&location, Some(&jane)).await;
    assert_eq!(opened.header("etag").as_deref(), Some("\"1\""));
    let gold = app.id_named("/api/v1/sla-plans", "Gold", &jane).await;
    let john_id = app.id_named("/api/v1/agents", "John Doe", &jane).await;
    let request = app
        .server
        .patch(&location)
        .insert_header(("If-Match", "\"1\""));
    let triaged = app
        .send(
            request,
            Some(&jane),
            Some(
                json!({"priority": "high", "sla_plan_id": gold, "assignee_id": john_id})
                    .to_string(),
            ),
        )
        .await
        .expect(200);
    assert_eq!(
        (
            triaged["priority"].as_str(),
            triaged["assignee_id"].as_i64(),
            triaged["version"].as_i64()
        ),
        (Some("high"), Some(john_id), Some(2))
    );
    assert_eq!(
        time(&triaged["first_response_due_at"]),
        created_at + Duration::hours(1),
        "Gold: 1 h, from creation"
    );
    assert_eq!(
        time(&triaged["due_at"]),
        created_at + Duration::hours(8),
        "Gold: 8 h, from creation"
    );
    app.post(
        &format!("{location}/messages"),
        Some(&jane),
        &json!({"body": JANE_NOTE, "internal": true}),
    )
    .await
    .expect(201);

    // 3. John finds it among his tickets, replies to Ken, notes to Jane, resolves.
    app.clock.advance(Duration::minutes(30));
    let john = app.john().await;
    let mine = app
        .get("/api/v1/tickets?assignee_id=me", Some(&john))
        .await
        .expect(200);
    assert_eq!(
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        vec![id]
    );
    let notes = app
        .get(&format!("{location}/messages"), Some(&john))
        .await
        .expect(200);
    assert!(notes["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["body"] == JANE_NOTE && m["internal"] == true));
    let reply = app
        .post(
            &format!("{location}/messages"),
            Some(&john),
            &json!({"body": "Hi Ken, please try again now."}),
        )
        .await
        .expect(201);
    assert_eq!(
        (reply["author_type"].as_str(), reply["author_name"].as_str()),
        (Some("agent"), Some("John Doe"))
    );
    let answered = app.get(&location, Some(&john)).await.expect(200);
    assert_eq!(
        time(&answered["first_responded_at"]),
        created_at + Duration::minutes(30)
    );
    app.post(
        &format!("{location}/messages"),
        Some(&john),
        &json!({"body": JOHN_NOTE, "internal": true}),
    )
    .await
    .expect(201);
    let resolved = app
        .patch(&location, Some(&john), &json!({"status": "resolved"}))
        .await
        .expect(200);
    assert_eq!(resolved["status"], "resolved");
    assert_eq!(
        time(&resolved["resolved_at"]),
        created_at + Duration::minutes(30)
    );

    // 4. Jane sees John's note and the resolved ticket, and closes it.
    let messages = app
        .get(&format!("{location}/messages"), Some(&jane))
        .await
        .expect(200);
    assert!(messages["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["body"] == JOHN_NOTE));
    assert_eq!(
        app.get(&location, Some(&jane)).await.expect(200)["status"],
        "resolved"
    );
    let closed = app
        .patch(&location, Some(&jane), &json!({"status": "closed"}))
        .await
        .expect(200);
    assert_eq!(closed["status"], "closed");
    assert!(closed["closed_at"].is_string());

    let timeline = app
        .get(&format!("{location}/events"), Some(&jane))
        .await
        .expect(200);
    assert_eq!(
        kinds(&timeline),
        vec![
            "created",
            "assigned",
            "priority_changed",
            "sla_plan_changed",
            "message_added",
            "message_added",
            "message_added",
            "status_changed",
            "status_changed"
        ]
    );
    assert_eq!(
        timeline["items"][2]["data"],
        json!({"from": "normal", "to": "high"})
    );
    assert_eq!(timeline["items"][1]["actor_type"], "agent");

    // Ken sees the public reply and the status, and no internal note in any response.
    let ticket = app.get(&location, Some(&ken)).await;
    let ken_messages = app.get(&format!("{location}/messages"), Some(&ken)).await;
    let ken_events = app.get(&format!("{location}/events"), Some(&ken)).await;
    let ken_list = app.get("/api/v1/tickets", Some(&ken)).await;
    for reply in [&ticket, &ken_messages, &ken_events, &ken_list] {
        assert!(
            !reply.text.contains(JANE_NOTE) && !reply.text.contains(JOHN_NOTE),
            "{}",
            reply.text
        );
        assert!(!reply.text.contains("\"internal\":true"), "{}", reply.text);
    }
    assert_eq!(ticket.body["status"], "closed");
    let bodies: Vec<&str> = ken_messages.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        vec![
            "Reader crashes when I open a PDF.",
            "Hi Ken, please try again now."
        ]
    );
    assert_eq!(
        kinds(&ken_events.body),
        vec![
            "created",
            "message_added",
            "status_changed",
            "status_changed"
        ]
    );
    let listed: Vec<String> = ken_list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["requester"]["email"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        listed.iter().all(|email| email == "ken@example.com") && listed.len() == 2,
        "Ken's own two tickets: {listed:?}"
    );

    // A closed ticket is final.
    let problem = app
        .patch(&location, Some(&jane), &json!({"status": "open"}))
        .await
        .problem(409);
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("closed ticket is final"));
    app.post(
        &format!("{location}/messages"),
        Some(&ken),
        &json!({"body": "thanks!"}),
    )
    .await
    .problem(409);
}

async fn reassign_escalate_and_reopen(backend: Backend) {
    let app = TestApp::start(backend).await;
    let jane = app.jane().await;
    let tickets = app.get("/api/v1/tickets", Some(&jane)).await.expect(200);
    let ticket = &tickets["items"][0];
    let location = format!("/api/v1/tickets/{}", ticket["id"]);
    let engineering = app
        .id_named("/api/v1/departments", "Engineering", &jane)
        .await;
    let jane_id = app.id_named("/api/v1/agents", "Jane Smith", &jane).await;

    // Jane takes it, then moves it to Engineering and raises it to urgent in one change: she is not
    // in Engineering, so she is unassigned on the way.
    app.patch(&location, Some(&jane), &json!({"assignee_id": jane_id}))
        .await
        .expect(200);
    let moved = app
        .patch(
            &location,
            Some(&jane),
            &json!({"department_id": engineering, "priority": "urgent"}),
        )
        .await
        .expect(200);
    assert_eq!(
        (
            moved["department_id"].as_i64(),
            moved["priority"].as_str(),
            moved["assignee_id"].as_i64()
        ),
        (Some(engineering), Some("urgent"), None)
    );
    assert_eq!(moved["version"], 3);
    let john = app.john().await;
    let events = app
        .get(&format!("{location}/events"), Some(&john))
        .await
        .expect(200);
    assert_eq!(
        kinds(&events),
        vec![
            "created",
            "assigned",
            "transferred",
            "unassigned",
            "priority_changed"
        ]
    );

    // Jane no longer sees it; John (Engineering) does.
    app.get(&location, Some(&jane)).await.problem(404);
    app.patch(&location, Some(&jane), &json!({"priority": "low"}))
        .await
        .problem(404);

    // Resolve, reopen, and forbidden transitions.
    app.patch(&location, Some(&john), &json!({"status": "resolved"}))
        .await
        .expect(200);
    let problem = app
        .patch(&location, Some(&john), &json!({"status": "pending"}))
        .await
        .problem(409);
    assert_eq!(problem["code"], "invalid_transition");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("can only be reopened"),
        "{problem}"
    );
    let reopened = app
        .patch(&location, Some(&john), &json!({"status": "open"}))
        .await
        .expect(200);
    assert_eq!(
        (
            reopened["status"].as_str(),
            reopened["resolved_at"].is_null()
        ),
        (Some("open"), true)
    );

    // Optimistic concurrency: a stale If-Match is refused, the current one accepted.
    let stale = app
        .server
        .patch(&location)
        .insert_header(("If-Match", "\"2\""));
    app.send(
        stale,
        Some(&john),
        Some(json!({"priority": "low"}).to_string()),
    )
    .await
    .problem(412);
    let version = reopened["version"].as_i64().unwrap();
    let current = app
        .server
        .patch(&location)
        .insert_header(("If-Match", format!("\"{version}\"")));
    let lowered = app
        .send(
            current,
            Some(&john),
            Some(json!({"priority": "low"}).to_string()),
        )
        .await;
    assert_eq!(lowered.header("etag"), Some(format!("\"{}\"", version + 1)));

    // A change to nothing is no change: same version, no event.
    let same = app
        .patch(&location, Some(&john), &json!({"priority": "low"}))
        .await
        .expect(200);
    assert_eq!(same["version"], version + 1);

    // Assigning someone outside the department names the field.
    let jane_assigned = app
        .patch(&location, Some(&john), &json!({"assignee_id": jane_id}))
        .await
        .problem(422);
    assert_eq!(jane_assigned["errors"][0]["field"], "assignee_id");
    let missing = app
        .patch(&location, Some(&john), &json!({"sla_plan_id": 999_999}))
        .await
        .problem(422);
    assert_eq!(missing["errors"][0]["field"], "sla_plan_id");
}

async fn a_customer_reply_reopens_a_resolved_ticket(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (jane, ken) = (app.jane().await, app.ken().await);
    let tickets = app.get("/api/v1/tickets", Some(&ken)).await.expect(200);
    let location = format!("/api/v1/tickets/{}", tickets["items"][0]["id"]);
    app.patch(&location, Some(&jane), &json!({"status": "resolved"}))
        .await
        .expect(200);
    app.post(
        &format!("{location}/messages"),
        Some(&ken),
        &json!({"body": "It crashed again."}),
    )
    .await
    .expect(201);
    let ticket = app.get(&location, Some(&ken)).await.expect(200);
    assert_eq!(ticket["status"], "open");
    let events = app
        .get(&format!("{location}/events"), Some(&jane))
        .await
        .expect(200);
    let last = events["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["kind"].as_str(), last["data"]["reason"].as_str()),
        (Some("status_changed"), Some("customer_replied"))
    );
}

on_both_databases!(
    seed_scenario,
    reassign_escalate_and_reopen,
    a_customer_reply_reopens_a_resolved_ticket
);

async fn concurrent_changes_are_all_kept(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (jane, john) = (app.jane().await, app.john().await);
    let id = app.get("/api/v1/tickets", Some(&jane)).await.expect(200)["items"][0]["id"]
        .as_i64()
        .unwrap();
    let (app, location, jane, john) = (&app, &format!("/api/v1/tickets/{id}"), &jane, &john);
    // Twelve writes at once, without If-Match: each wins its optimistic-concurrency race or is retried.
    let priorities = ["low", "high", "urgent", "normal"]
        .into_iter()
        .enumerate()
        .map(|(n, priority)| async move {
            let token = if n % 2 == 0 { jane } else { john };
            app.patch(location, Some(token), &json!({"priority": priority}))
                .await
        });
    let subjects = (0..4).map(|n| async move {
        app.patch(
            location,
            Some(john),
            &json!({"subject": format!("Reader crash {n}")}),
        )
        .await
    });
    let notes = (0..4).map(|n| async move {
        app.post(
            &format!("{location}/messages"),
            Some(jane),
            &json!({"body": format!("note {n}"), "internal": true}),
        )
        .await
    });
    let (priorities, subjects, notes) = futures_util::future::join3(
        futures_util::future::join_all(priorities),
        futures_util::future::join_all(subjects),
        futures_util::future::join_all(notes),
    )
    .await;
    for reply in priorities.into_iter().chain(subjects) {
        assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    }
    for reply in notes {
        assert_eq!(reply.status.as_u16(), 201, "{}", reply.text);
    }
    let ticket = app.get(location, Some(jane)).await.expect(200);
    let events = app
        .get(&format!("{location}/events?limit=200"), Some(jane))
        .await
        .expect(200);
    let kinds = kinds(&events);
    assert_eq!(
        kinds.iter().filter(|k| *k == "message_added").count(),
        4,
        "every note landed"
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "subject_changed").count(),
        4,
        "every subject change landed"
    );
    // `created` plus one event per stored change, and one version per stored change: none was lost.
    assert_eq!(ticket["version"].as_i64().unwrap(), kinds.len() as i64);
    let messages = app
        .get(&format!("{location}/messages"), Some(jane))
        .await
        .expect(200);
    assert_eq!(messages["items"].as_array().unwrap().len(), 5);
}

on_both_databases!(concurrent_changes_are_all_kept);
