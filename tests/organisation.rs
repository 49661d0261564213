//! Admins run the organisation: SLA plans, departments, teams, help topics, agents and customers.
#![allow(clippy::unwrap_used)]

mod support;

use helpdesk_persistence::Backend;
use serde_json::json;
use support::TestApp;

async fn admins_manage_the_organisation(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin_token = app.admin().await;
    let admin = Some(admin_token.as_str());

    let reply = app
        .post(
            "/api/v1/sla-plans",
            admin,
            &json!({"name": "Platinum", "first_response_minutes": 15, "resolution_minutes": 120}),
        )
        .await;
    let location = reply.header("location").unwrap();
    let plan = reply.expect(201);
    assert_eq!(location, format!("/api/v1/sla-plans/{}", plan["id"]));
    app.post(
        "/api/v1/sla-plans",
        admin,
        &json!({"name": "Zero", "first_response_minutes": 0, "resolution_minutes": 1}),
    )
    .await
    .problem(422);
    let renamed = app
        .patch(&location, admin, &json!({"resolution_minutes": 90}))
        .await
        .expect(200);
    assert_eq!(
        (
            renamed["name"].as_str(),
            renamed["first_response_minutes"].as_i64(),
            renamed["resolution_minutes"].as_i64()
        ),
        (Some("Platinum"), Some(15), Some(90))
    );

    let department = app
        .post(
            "/api/v1/departments",
            admin,
            &json!({"name": "Billing", "default_sla_plan_id": plan["id"]}),
        )
        .await
        .expect(201);
    let department_path = format!("/api/v1/departments/{}", department["id"]);
    let problem = app
        .post(
            "/api/v1/departments",
            admin,
            &json!({"name": "Sales", "default_sla_plan_id": 999_999}),
        )
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["field"], "default_sla_plan_id");
    app.post("/api/v1/departments", admin, &json!({"name": "Billing"}))
        .await
        .problem(409);
    let cleared = app
        .patch(
            &department_path,
            admin,
            &json!({"default_sla_plan_id": null}),
        )
        .await
        .expect(200);
    assert_eq!(
        (
            cleared["name"].as_str(),
            cleared["default_sla_plan_id"].is_null()
        ),
        (Some("Billing"), true)
    );
    let kept = app
        .patch(
            &department_path,
            admin,
            &json!({"name": "Billing & Accounts"}),
        )
        .await
        .expect(200);
    assert!(
        kept["default_sla_plan_id"].is_null(),
        "a PATCH without the field leaves it alone"
    );

    let jane_id = app
        .id_named("/api/v1/agents", "Jane Smith", &admin_token)
        .await;
    let ken_id = app.get("/api/v1/customers?q=ken", admin).await.expect(200)["items"][0]["id"]
        .as_i64()
        .unwrap();
    let team = app.post("/api/v1/teams", admin, &json!({"name": "Invoices", "department_id": department["id"], "member_ids": [jane_id]})).await.expect(201);
    assert_eq!(team["member_ids"], json!([jane_id]));
    let problem = app
        .post(
            "/api/v1/teams",
            admin,
            &json!({"name": "Bad", "department_id": department["id"], "member_ids": [ken_id]}),
        )
        .await
        .problem(422);
    assert_eq!(
        problem["errors"][0]["field"], "member_ids",
        "customers are not team members"
    );
    let team_path = format!("/api/v1/teams/{}", team["id"]);
    let emptied = app
        .patch(&team_path, admin, &json!({"member_ids": []}))
        .await
        .expect(200);
    assert_eq!(
        (emptied["name"].as_str(), emptied["member_ids"].clone()),
        (Some("Invoices"), json!([]))
    );

    let topic = app.post("/api/v1/help-topics", admin, &json!({"name": "Invoices", "department_id": department["id"], "default_priority": "high"})).await.expect(201);
    let topic_path = format!("/api/v1/help-topics/{}", topic["id"]);
    let changed = app
        .patch(&topic_path, admin, &json!({"sla_plan_id": plan["id"]}))
        .await
        .expect(200);
    assert_eq!(
        (
            changed["default_priority"].as_str(),
            changed["sla_plan_id"].as_i64()
        ),
        (Some("high"), plan["id"].as_i64())
    );
    let problem = app
        .patch(&topic_path, admin, &json!({"department_id": 999_999}))
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["field"], "department_id");

    // A customer filing under the new topic lands in Billing with the topic's priority and plan.
    let ken = app.ken().await;
    let ticket = app.post("/api/v1/tickets", Some(&ken), &json!({"subject": "Invoice twice", "body": "I was billed twice.", "help_topic_id": topic["id"]})).await.expect(201);
    assert_eq!(
        (
            ticket["department_id"].clone(),
            ticket["priority"].as_str(),
            ticket["sla_plan_id"].clone()
        ),
        (department["id"].clone(), Some("high"), plan["id"].clone())
    );

    // Records in use cannot be deleted; unused ones can, once.
    app.delete(&department_path, admin).await.problem(409);
    app.delete(&location, admin).await.problem(409);
    app.delete(&team_path, admin).await.expect(204);
    app.get(&team_path, admin).await.problem(404);
    app.delete(&team_path, admin).await.problem(404);
    for path in [
        "/api/v1/sla-plans",
        "/api/v1/departments",
        "/api/v1/teams",
        "/api/v1/help-topics",
    ] {
        assert!(
            app.get(path, admin).await.expect(200)["items"].is_array(),
            "{path}"
        );
    }
    app.patch(
        "/api/v1/departments/999999",
        admin,
        &json!({"name": "Nowhere"}),
    )
    .await
    .problem(404);
    app.patch("/api/v1/sla-plans/999999", admin, &json!({}))
        .await
        .problem(404);
}

async fn admins_manage_people(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin_token = app.admin().await;
    let admin = Some(admin_token.as_str());
    let customer = app.post("/api/v1/customers", admin, &json!({"name": "Émile Zola", "email": "emile@example.com", "password": "emile-password"})).await.expect(201);
    app.login("emile@example.com", "emile-password").await;
    let customer_path = format!("/api/v1/customers/{}", customer["id"]);
    app.patch(&customer_path, admin, &json!({"active": false}))
        .await
        .expect(200);
    app.post(
        "/api/v1/auth/login",
        None,
        &json!({"email": "emile@example.com", "password": "emile-password"}),
    )
    .await
    .problem(401);
    let jane_id = app
        .id_named("/api/v1/agents", "Jane Smith", &admin_token)
        .await;
    app.get(&format!("/api/v1/customers/{jane_id}"), admin)
        .await
        .problem(404);
    app.get(&format!("/api/v1/agents/{}", customer["id"]), admin)
        .await
        .problem(404);

    let agent = app.post("/api/v1/agents", admin, &json!({"name": "Sam", "email": "sam@example.com", "password": "sam-password", "role": "admin"})).await.expect(201);
    assert_eq!(agent["role"], "admin");
    let engineering = app
        .id_named("/api/v1/departments", "Engineering", &admin_token)
        .await;
    let moved = app
        .patch(
            &format!("/api/v1/agents/{}", agent["id"]),
            admin,
            &json!({"role": "agent", "department_ids": [engineering]}),
        )
        .await
        .expect(200);
    assert_eq!(
        (moved["role"].as_str(), moved["department_ids"].clone()),
        (Some("agent"), json!([engineering]))
    );
    let problem = app
        .patch(
            &format!("/api/v1/agents/{}", agent["id"]),
            admin,
            &json!({"department_ids": [999_999]}),
        )
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["field"], "department_ids");
    app.patch(
        &format!("/api/v1/agents/{}", agent["id"]),
        admin,
        &json!({"email": "jane@example.com"}),
    )
    .await
    .problem(409);
    let sam = app.login("sam@example.com", "sam-password").await;
    app.post(
        "/api/v1/agents",
        Some(&sam),
        &json!({"name": "X", "email": "x@example.com", "password": "x-password"}),
    )
    .await
    .problem(403);
}

on_both_databases!(admins_manage_the_organisation, admins_manage_people);
