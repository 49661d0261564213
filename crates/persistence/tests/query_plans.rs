//! The queue queries stay on their indexes: on a PostgreSQL database with 60,000 tickets (70% closed,
//! twenty departments, four messages each; `bulk::fill`) and fresh statistics, the plan of every main list query the API runs scans
//! no table whole. The plans are printed (`cargo test -p helpdesk-persistence --test query_plans --
//! --nocapture`) and kept in docs/query-plans.md.
#![allow(clippy::unwrap_used)]

use helpdesk_domain::{Status, TicketScope};
use helpdesk_persistence::bulk::{self, Volume};
use helpdesk_persistence::testing::TestDatabase;
use helpdesk_persistence::tickets::{self, AssigneeFilter, TicketFilter, TicketSort};
use helpdesk_persistence::{Backend, DbConnection, PageRequest};

/// Twenty departments, 500 agents, 5,000 customers and 60,000 tickets (with their messages, events and
/// search index), written in bulk.
fn fill(connection: &mut DbConnection) {
    let volume = Volume {
        customers: 5_000,
        ..Volume::benchmark(60_000)
    };
    bulk::fill(connection, &volume, chrono::Utc::now()).unwrap();
}

fn id_of(connection: &mut DbConnection, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    use diesel::RunQueryDsl;
    diesel::sql_query(sql)
        .get_result::<Id>(connection)
        .unwrap()
        .id
}

#[test]
fn queue_queries_use_indexes_on_postgres() {
    let database = TestDatabase::new(Backend::Postgres);
    let db = database.open();
    db.write(|connection| {
        fill(connection);
        Ok::<_, helpdesk_persistence::RepoError>(())
    })
    .unwrap();
    db.read(|connection| {
        let department = id_of(connection, "SELECT min(id) AS id FROM departments");
        let agent = id_of(
            connection,
            "SELECT min(id) AS id FROM users WHERE role = 'agent'",
        );
        let customer = id_of(
            connection,
            "SELECT min(id) AS id FROM users WHERE role = 'customer'",
        );
        let agent_scope = TicketScope::DepartmentsOrAssigned {
            agent_id: agent,
            department_ids: vec![department, department + 1],
        };
        let open = vec![Status::Open, Status::Pending, Status::OnHold];
        let page = PageRequest {
            limit: Some(50),
            cursor: None,
        };
        let queries: Vec<(&str, TicketScope, TicketFilter)> = vec![
            (
                "agent queue: open tickets of a department by due date",
                agent_scope.clone(),
                TicketFilter {
                    statuses: open.clone(),
                    department_id: Some(department),
                    sort: TicketSort::DueAt,
                    ..TicketFilter::default()
                },
            ),
            (
                "agent's default view: everything they may see, newest first",
                agent_scope.clone(),
                TicketFilter::default(),
            ),
            (
                "my open tickets",
                agent_scope.clone(),
                TicketFilter {
                    statuses: open.clone(),
                    assignee: Some(AssigneeFilter::Agent(agent)),
                    ..TicketFilter::default()
                },
            ),
            (
                "unassigned open tickets of a department",
                agent_scope.clone(),
                TicketFilter {
                    statuses: open.clone(),
                    department_id: Some(department),
                    assignee: Some(AssigneeFilter::Unassigned),
                    ..TicketFilter::default()
                },
            ),
            (
                "a customer's tickets",
                TicketScope::RequestedBy(customer),
                TicketFilter::default(),
            ),
            (
                "admin: open tickets by due date",
                TicketScope::All,
                TicketFilter {
                    statuses: open.clone(),
                    sort: TicketSort::DueAt,
                    ..TicketFilter::default()
                },
            ),
            (
                "admin: recently updated",
                TicketScope::All,
                TicketFilter {
                    sort: TicketSort::UpdatedAtDesc,
                    ..TicketFilter::default()
                },
            ),
        ];
        let mut full_scans = Vec::new();
        for (name, scope, filter) in &queries {
            let plan = tickets::explain_list_tickets(connection, scope, filter, &page).unwrap();
            println!("### {name}\n\n```\n{plan}\n```\n");
            if plan.contains("Seq Scan") {
                full_scans.push(format!("{name}:\n{plan}"));
            }
        }
        assert!(
            full_scans.is_empty(),
            "full scans:\n{}",
            full_scans.join("\n\n")
        );
        Ok::<_, helpdesk_persistence::RepoError>(())
    })
    .unwrap();
}
