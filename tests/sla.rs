//! SLA clocks end to end: business hours, due dates, pauses, the breach sweep with escalation, the
//! `/sla` explanation, and breaches recorded exactly once with two sweeps at once.
#![allow(clippy::unwrap_used)]

mod support;

use chrono::{DateTime, Duration, Utc};
use helpdesk_api::sla_service::sweep;
use helpdesk_persistence::Backend;
use serde_json::{json, Value};
use support::TestApp;

fn time(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .unwrap_or_else(|| panic!("a time, not {value}"))
        .parse()
        .unwrap()
}

fn count(events: &Value, kind: &str) -> usize {
    events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .count()
}

async fn sweep_now(app: &TestApp) -> usize {
    let (db, now) = (app.state.db.clone(), app.clock.now());
    actix_web::web::block(move || sweep(&db, now))
        .await
        .unwrap()
        .unwrap()
}

/// A Support ticket for Ann under a plan with 30 min first response, 60 min next response, 2 h
/// resolution, escalating to Engineering with a raised priority.
async fn ticket_under_tight_plan(app: &TestApp, admin: &str, jane: &str) -> (String, i64) {
    let engineering = app
        .id_named("/api/v1/departments", "Engineering", admin)
        .await;
    let plan = app
        .post(
            "/api/v1/sla-plans",
            Some(admin),
            &json!({"name": "Tight", "first_response_minutes": 30, "next_response_minutes": 60, "resolution_minutes": 120,
                    "escalation": {"raise_priority": true, "department_id": engineering}}),
        )
        .await
        .expect(201);
    let body = json!({"subject": "VPN down", "body": "No VPN since this morning.", "department_id": 1, "requester": {"name": "Ann", "email": "ann@example.com"}});
    let ticket = app
        .post("/api/v1/tickets", Some(jane), &body)
        .await
        .expect(201);
    let location = format!("/api/v1/tickets/{}", ticket["id"]);
    app.patch(&location, Some(jane), &json!({"sla_plan_id": plan["id"]}))
        .await
        .expect(200);
    (location, engineering)
}

async fn a_breach_is_recorded_once_escalated_and_explained(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (admin, jane, john) = (app.admin().await, app.jane().await, app.john().await);
    let (location, engineering) = ticket_under_tight_plan(&app, &admin, &jane).await;
    let ticket = app.get(&location, Some(&jane)).await.expect(200);
    let created = time(&ticket["created_at"]);
    assert_eq!(
        time(&ticket["first_response_due_at"]),
        created + Duration::minutes(30)
    );
    assert_eq!(time(&ticket["due_at"]), created + Duration::minutes(120));

    let sla = app
        .get(&format!("{location}/sla"), Some(&jane))
        .await
        .expect(200);
    assert_eq!(
        sla["clocks"].as_array().unwrap().len(),
        2,
        "no next response before a first reply: {sla}"
    );
    assert_eq!(sla["clocks"][0]["state"], "running");
    assert!(
        sla["clocks"][0]["explanation"]
            .as_str()
            .unwrap()
            .contains("30 min of plan \"Tight\" at normal priority"),
        "{sla}"
    );

    // Nothing is due yet: the sweep checks nothing.
    assert_eq!(sweep_now(&app).await, 0);
    app.clock.advance(Duration::minutes(31));
    assert!(
        app.get(&location, Some(&jane)).await.expect(200)["is_overdue"]
            .as_bool()
            .unwrap(),
        "overdue before the sweep ran"
    );
    // A write that sees the breach first leaves it to the sweep, which still records and escalates it.
    let note = json!({"body": "John, this one is late.", "internal": true});
    app.post(&format!("{location}/messages"), Some(&jane), &note)
        .await
        .expect(201);
    assert_eq!(sweep_now(&app).await, 1);

    // Breached, escalated: priority up one step, moved to Engineering (Jane is not there any more).
    app.get(&location, Some(&jane)).await.problem(404);
    let ticket = app.get(&location, Some(&john)).await.expect(200);
    assert_eq!(
        (
            ticket["priority"].as_str(),
            ticket["department_id"].as_i64(),
            ticket["is_overdue"].as_bool()
        ),
        (Some("high"), Some(engineering), Some(true))
    );
    let events = app
        .get(&format!("{location}/events"), Some(&john))
        .await
        .expect(200);
    assert_eq!(
        (
            count(&events, "sla_breached"),
            count(&events, "escalated"),
            count(&events, "transferred"),
            count(&events, "priority_changed")
        ),
        (1, 1, 1, 1)
    );
    let breach = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "sla_breached")
        .unwrap();
    assert_eq!(
        (
            breach["actor_type"].as_str(),
            breach["data"]["clock"].as_str()
        ),
        (Some("system"), Some("first_response"))
    );
    let overdue = app
        .get("/api/v1/tickets?overdue=true", Some(&john))
        .await
        .expect(200);
    assert_eq!(overdue["items"].as_array().unwrap().len(), 1);
    let sla = app
        .get(&format!("{location}/sla"), Some(&john))
        .await
        .expect(200);
    let first = &sla["clocks"][0];
    assert_eq!(
        (first["kind"].as_str(), first["state"].as_str()),
        (Some("first_response"), Some("breached"))
    );
    assert!(
        first["explanation"]
            .as_str()
            .unwrap()
            .contains("Breached at"),
        "{first}"
    );

    // Sweeping again changes nothing: one breach, one escalation.
    app.clock.advance(Duration::minutes(1));
    sweep_now(&app).await;
    let events = app
        .get(&format!("{location}/events"), Some(&john))
        .await
        .expect(200);
    assert_eq!(
        (count(&events, "sla_breached"), count(&events, "escalated")),
        (1, 1)
    );

    // A late reply meets the clock: no longer overdue, still one breach on record.
    app.post(
        &format!("{location}/messages"),
        Some(&john),
        &json!({"body": "Looking into it now."}),
    )
    .await
    .expect(201);
    let ticket = app.get(&location, Some(&john)).await.expect(200);
    assert_eq!(ticket["is_overdue"], false);
    let events = app
        .get(&format!("{location}/events"), Some(&john))
        .await
        .expect(200);
    assert_eq!(count(&events, "sla_breached"), 1);

    // Waiting on the customer pauses resolution: no due date, nothing to sweep, explained.
    app.patch(&location, Some(&john), &json!({"status": "pending"}))
        .await
        .expect(200);
    app.clock.advance(Duration::hours(5));
    sweep_now(&app).await;
    let events = app
        .get(&format!("{location}/events"), Some(&john))
        .await
        .expect(200);
    assert_eq!(
        count(&events, "sla_breached"),
        1,
        "a paused clock does not breach"
    );
    let ticket = app.get(&location, Some(&john)).await.expect(200);
    assert!(
        ticket["due_at"].is_null() && ticket["is_overdue"] == false,
        "{ticket}"
    );
    let sla = app
        .get(&format!("{location}/sla"), Some(&john))
        .await
        .expect(200);
    let resolution = sla["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "resolution")
        .unwrap()
        .clone();
    assert_eq!(resolution["state"], "paused");
    assert!(
        resolution["explanation"]
            .as_str()
            .unwrap()
            .contains("while the ticket is pending"),
        "{resolution}"
    );

    // Back to open: the pause is added to the resolution due date.
    app.patch(&location, Some(&john), &json!({"status": "open"}))
        .await
        .expect(200);
    let ticket = app.get(&location, Some(&john)).await.expect(200);
    // Resolution target at high priority is the plan's 2 h; 32 min ran before the pause, 5 h paused.
    assert_eq!(
        time(&ticket["due_at"]),
        time(&ticket["created_at"]) + Duration::minutes(120) + Duration::hours(5)
    );

    // Customers do not read SLA internals.
    let ken = app.ken().await;
    let kens = app.get("/api/v1/tickets", Some(&ken)).await.expect(200)["items"][0]["id"]
        .as_i64()
        .unwrap();
    app.get(&format!("/api/v1/tickets/{kens}/sla"), Some(&ken))
        .await
        .problem(403);
}

async fn business_hours_set_due_dates(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (admin, jane) = (app.admin().await, app.jane().await);
    let weekdays = ["mon", "tue", "wed", "thu", "fri"]
        .map(|day| json!({"weekday": day, "start": "09:00", "end": "17:00"}));
    let calendar = app
        .post("/api/v1/business-hours", Some(&admin), &json!({"name": "Berlin office", "time_zone": "Europe/Berlin", "intervals": weekdays, "holidays": ["2026-12-25"]}))
        .await
        .expect(201);
    assert_eq!(
        calendar["intervals"][4],
        json!({"weekday": "fri", "start": "09:00", "end": "17:00"})
    );
    let problem = app
        .post(
            "/api/v1/business-hours",
            Some(&admin),
            &json!({"name": "Mars", "time_zone": "Mars/Olympus", "intervals": weekdays}),
        )
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["field"], "time_zone");
    let problem = app
        .post("/api/v1/business-hours", Some(&admin), &json!({"name": "Odd", "time_zone": "UTC", "intervals": [{"weekday": "someday", "start": "09:00", "end": "17:00"}]}))
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["field"], "intervals[0]");
    app.post("/api/v1/business-hours", Some(&admin), &json!({"name": "Holiday", "time_zone": "UTC", "intervals": weekdays, "holidays": ["2026-13-01"]})).await.problem(422);

    let plan = app
        .post("/api/v1/sla-plans", Some(&admin), &json!({"name": "Office", "first_response_minutes": 240, "resolution_minutes": 480, "business_hours_id": calendar["id"]}))
        .await
        .expect(201);
    assert_eq!(plan["business_hours_id"], calendar["id"]);
    let problem = app.post("/api/v1/sla-plans", Some(&admin), &json!({"name": "Nowhere", "first_response_minutes": 1, "resolution_minutes": 1, "business_hours_id": 999_999})).await.problem(422);
    assert_eq!(problem["errors"][0]["field"], "business_hours_id");

    // The test clock starts on Friday 2026-11-27 09:00 UTC = 10:00 in Berlin.
    let body = json!({"subject": "Printer", "body": "Jammed.", "department_id": 1, "requester": {"name": "Ann", "email": "ann@example.com"}});
    let ticket = app
        .post("/api/v1/tickets", Some(&jane), &body)
        .await
        .expect(201);
    let location = format!("/api/v1/tickets/{}", ticket["id"]);
    let ticket = app
        .patch(&location, Some(&jane), &json!({"sla_plan_id": plan["id"]}))
        .await
        .expect(200);
    // 4 h from 10:00 Berlin: 14:00 Berlin = 13:00 UTC. 8 h: 7 h on Friday, 1 h on Monday -> 10:00 Berlin.
    assert_eq!(
        time(&ticket["first_response_due_at"]),
        "2026-11-27T13:00:00Z".parse::<DateTime<Utc>>().unwrap()
    );
    assert_eq!(
        time(&ticket["due_at"]),
        "2026-11-30T09:00:00Z".parse::<DateTime<Utc>>().unwrap()
    );
    let listed = app
        .get(
            "/api/v1/tickets?sort=due_at&due_before=2026-12-01T00:00:00Z",
            Some(&jane),
        )
        .await
        .expect(200);
    let dues: Vec<DateTime<Utc>> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| time(&t["due_at"]))
        .collect();
    assert_eq!(
        dues.len(),
        2,
        "the demo ticket (due Saturday 03:00 UTC, 24x7) and this one"
    );
    assert!(
        dues[0] < dues[1] && listed["items"][1]["id"] == ticket["id"],
        "soonest first: {dues:?}"
    );
    let before_monday = app
        .get(
            "/api/v1/tickets?sort=due_at&due_before=2026-11-29T00:00:00Z",
            Some(&jane),
        )
        .await
        .expect(200);
    assert_eq!(before_monday["items"].as_array().unwrap().len(), 1);

    // Tightening the plan re-evaluates its open tickets at the next sweep: 2 h from 10:00 Berlin.
    let tighter = json!({"resolution_minutes": 120});
    app.patch(
        &format!("/api/v1/sla-plans/{}", plan["id"]),
        Some(&admin),
        &tighter,
    )
    .await
    .expect(200);
    sweep_now(&app).await;
    let ticket = app.get(&location, Some(&jane)).await.expect(200);
    assert_eq!(
        time(&ticket["due_at"]),
        "2026-11-27T11:00:00Z".parse::<DateTime<Utc>>().unwrap()
    );

    // A calendar in use stays; the plan can go back to 24x7, then the calendar can go.
    let calendar_path = format!("/api/v1/business-hours/{}", calendar["id"]);
    app.delete(&calendar_path, Some(&admin)).await.problem(409);
    let office = app
        .patch(
            &format!("/api/v1/sla-plans/{}", plan["id"]),
            Some(&admin),
            &json!({"business_hours_id": null}),
        )
        .await
        .expect(200);
    assert!(office["business_hours_id"].is_null());
    let weekend = json!({"name": "Weekend desk", "time_zone": "UTC", "intervals": [{"weekday": "sat", "start": "22:00", "end": "06:00"}]});
    assert_eq!(
        app.send(
            app.server.put(&calendar_path),
            Some(&admin),
            Some(weekend.to_string())
        )
        .await
        .expect(200)["intervals"][0]["end"],
        "06:00"
    );
    app.delete(&calendar_path, Some(&admin)).await.expect(204);
}

async fn two_sweeps_at_once_record_each_breach_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (admin, jane) = (app.admin().await, app.jane().await);
    let plan = app
        .post(
            "/api/v1/sla-plans",
            Some(&admin),
            &json!({"name": "Quick", "first_response_minutes": 5, "resolution_minutes": 10, "escalation": {"raise_priority": true}}),
        )
        .await
        .expect(201);
    let support = app.id_named("/api/v1/departments", "Support", &admin).await;
    app.patch(
        &format!("/api/v1/departments/{support}"),
        Some(&admin),
        &json!({"default_sla_plan_id": plan["id"]}),
    )
    .await
    .expect(200);
    const TICKETS: usize = 120;
    for n in 0..TICKETS {
        let body = json!({"subject": format!("Alert {n}"), "body": "disk full", "department_id": support, "requester": {"name": "Ops", "email": "ops@example.com"}});
        app.post("/api/v1/tickets", Some(&jane), &body)
            .await
            .expect(201);
    }
    app.clock.advance(Duration::minutes(11));
    let now = app.clock.now();
    let (first, second) = (app.state.db.clone(), app.state.db.clone());
    let (a, b) = futures_util::future::join(
        actix_web::web::block(move || sweep(&first, now)),
        actix_web::web::block(move || sweep(&second, now)),
    )
    .await;
    let (a, b) = (a.unwrap().unwrap(), b.unwrap().unwrap());
    assert!(a + b >= TICKETS, "every due ticket was checked ({a} + {b})");
    let mut breaches = 0;
    let mut cursor = String::new();
    loop {
        let page = app
            .get(
                &format!("/api/v1/tickets?limit=200&department_id={support}{cursor}"),
                Some(&admin),
            )
            .await
            .expect(200);
        for ticket in page["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["subject"].as_str().unwrap().starts_with("Alert"))
        {
            let events = app
                .get(
                    &format!("/api/v1/tickets/{}/events", ticket["id"]),
                    Some(&admin),
                )
                .await
                .expect(200);
            let kinds: Vec<&str> = events["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["kind"] == "sla_breached")
                .map(|e| e["data"]["clock"].as_str().unwrap())
                .collect();
            assert_eq!(
                kinds.len(),
                2,
                "first response and resolution, once each: {kinds:?}"
            );
            assert!(kinds.contains(&"first_response") && kinds.contains(&"resolution"));
            assert_eq!(
                ticket["priority"], "high",
                "two breaches in one check escalate one step"
            );
            breaches += kinds.len();
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(breaches, 2 * TICKETS);
}

on_both_databases!(
    a_breach_is_recorded_once_escalated_and_explained,
    business_hours_set_due_dates,
    two_sweeps_at_once_record_each_breach_once
);
