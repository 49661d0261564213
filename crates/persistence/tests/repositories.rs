//! Repository tests, each run on SQLite and on PostgreSQL in a fresh database.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use helpdesk_domain::message::NewMessage;
use helpdesk_domain::org::{Department, SlaPlan};
use helpdesk_domain::permissions::ticket_scope;
use helpdesk_domain::{
    Actor, AuthorType, EventDraft, EventKind, NewTicket, Priority, Role, Status, TicketSource,
};
use helpdesk_persistence::org::{departments, sla_plans};
use helpdesk_persistence::testing::TestDatabase;
use helpdesk_persistence::tickets::{self, AssigneeFilter, TicketFilter, TicketSort};
use helpdesk_persistence::users::{self, NewUser};
use helpdesk_persistence::{
    api_keys, events, messages, test_on_both_backends, DbConnection, PageRequest, RepoError,
};
use serde_json::json;

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap() + Duration::minutes(minute)
}

fn user(connection: &mut DbConnection, email: &str, role: Role) -> i64 {
    let new = NewUser {
        name: email.into(),
        email: email.into(),
        role,
        password_hash: Some("hash".into()),
    };
    users::insert_user(connection, &new, at(0)).unwrap().id
}

fn department(connection: &mut DbConnection, name: &str) -> Department {
    departments::insert_department(connection, name, None, at(0)).unwrap()
}

fn new_ticket(number: &str, department_id: i64, requester_id: i64, minute: i64) -> NewTicket {
    NewTicket {
        number: number.into(),
        subject: format!("ticket {number}"),
        priority: Priority::Normal,
        department_id,
        requester_id,
        help_topic_id: None,
        sla_plan_id: None,
        source: TicketSource::Web,
        external_id: None,
        external_key_id: None,
        created_at: at(minute),
        sla: Default::default(),
    }
}

fn page(limit: i64, cursor: Option<String>) -> PageRequest {
    PageRequest {
        limit: Some(limit),
        cursor,
    }
}

fn users_are_unique_by_email(db: TestDatabase) {
    let database = db.open();
    database
        .write(|c| Ok::<_, RepoError>(user(c, "ken@example.com", Role::Customer)))
        .unwrap();
    let again = NewUser {
        name: "Ken".into(),
        email: "ken@example.com".into(),
        role: Role::Customer,
        password_hash: None,
    };
    let duplicate = database.write(|c| users::insert_user(c, &again, at(0)));
    assert!(
        matches!(duplicate, Err(RepoError::Conflict(_))),
        "{duplicate:?}"
    );
    let (found, hash) = database
        .read(|c| users::find_credentials(c, "ken@example.com"))
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.role, hash.as_deref()),
        (Role::Customer, Some("hash"))
    );
    let created = database
        .write(|c| users::find_or_create_customer(c, "Ann", "ann@example.com", at(1)))
        .unwrap();
    let existing = database
        .write(|c| users::find_or_create_customer(c, "Ann B.", "ann@example.com", at(2)))
        .unwrap();
    assert_eq!(created.id, existing.id);
}

fn a_failed_write_leaves_nothing_behind(db: TestDatabase) {
    let database = db.open();
    let result: Result<(), RepoError> = database.write(|c| {
        user(c, "half@example.com", Role::Customer);
        Err(RepoError::Conflict("abort".into()))
    });
    assert!(result.is_err());
    assert_eq!(
        database
            .read(|c| users::find_user_by_email(c, "half@example.com"))
            .unwrap(),
        None
    );
}

/// Concurrent writes (on SQLite several share one commit): every acknowledged write is stored, and
/// a write that fails or panics among them leaves nothing and takes no other write with it.
fn concurrent_writes_stand_or_fall_alone(db: TestDatabase) {
    let database = db.open();
    let outcomes: Vec<(usize, bool)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|worker| {
                let database = &database;
                scope.spawn(move || {
                    (0..25)
                        .map(|round| {
                            let n = worker * 100 + round;
                            let outcome =
                                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                    database.write(|c| {
                                        user(c, &format!("u{n}@example.com"), Role::Customer);
                                        match n % 10 {
                                            3 => Err(RepoError::Conflict("refused".into())),
                                            7 => panic!("write {n} panics after its insert"),
                                            _ => Ok(()),
                                        }
                                    })
                                }));
                            (n, matches!(outcome, Ok(Ok(()))))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().unwrap())
            .collect()
    });
    let acknowledged = outcomes.iter().filter(|(_, ok)| *ok).count();
    assert_eq!(acknowledged, 160, "8 of every 10 writes succeed");
    for (n, acknowledged) in outcomes {
        let stored = database
            .read(|c| users::find_user_by_email(c, &format!("u{n}@example.com")))
            .unwrap();
        assert_eq!(stored.is_some(), acknowledged, "write {n}");
    }
}

fn agents_carry_their_departments(db: TestDatabase) {
    let database = db.open();
    let (john, support, engineering) = database
        .write(|c| {
            let support = department(c, "Support");
            let engineering = department(c, "Engineering");
            let john = user(c, "john@example.com", Role::Agent);
            users::set_agent_departments(c, john, &[engineering.id, support.id, support.id])?;
            Ok::<_, RepoError>((john, support.id, engineering.id))
        })
        .unwrap();
    let agent = database.read(|c| users::find_agent(c, john)).unwrap();
    let mut expected = vec![support, engineering];
    expected.sort();
    assert_eq!(agent.department_ids, expected);
    let listed = database
        .read(|c| users::list_agents(c, &PageRequest::default()))
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].department_ids, expected);
}

fn updates_are_guarded_by_version(db: TestDatabase) {
    let database = db.open();
    let ticket = database
        .write(|c| {
            let support = department(c, "Support");
            let ken = user(c, "ken@example.com", Role::Customer);
            tickets::insert_ticket(c, &new_ticket("10000001", support.id, ken, 0))
        })
        .unwrap();
    assert_eq!(
        (ticket.status, ticket.version, ticket.first_response_due_at),
        (Status::Open, 1, None),
        "due dates come from an SLA evaluation, not from storage"
    );
    let mut changed = ticket.clone();
    changed.priority = Priority::High;
    changed.version = 2;
    changed.resolved_at = Some(at(5) + Duration::nanoseconds(123_456_789));
    database
        .write(|c| tickets::update_ticket(c, &changed, 1))
        .unwrap();
    let stale = database.write(|c| tickets::update_ticket(c, &changed, 1));
    assert!(matches!(stale, Err(RepoError::StaleVersion)));
    let stored = database
        .read(|c| tickets::find_ticket(c, ticket.id))
        .unwrap();
    assert_eq!((stored.priority, stored.version), (Priority::High, 2));
    assert_eq!(
        stored.resolved_at,
        Some(at(5) + Duration::microseconds(123_456)),
        "microseconds on both backends"
    );
}

fn ticket_numbers_are_unique(db: TestDatabase) {
    let database = db.open();
    let result = database.write(|c| {
        let support = department(c, "Support");
        let ken = user(c, "ken@example.com", Role::Customer);
        tickets::insert_ticket(c, &new_ticket("10000001", support.id, ken, 0))?;
        tickets::insert_ticket(c, &new_ticket("10000001", support.id, ken, 1))
    });
    assert!(
        matches!(result, Err(RepoError::TicketNumberTaken)),
        "{result:?}"
    );
}

fn the_queue_is_scoped_filtered_and_paged(db: TestDatabase) {
    let database = db.open();
    let (support, engineering, ken, ann, john) = database
        .write(|c| {
            let support = department(c, "Support").id;
            let engineering = department(c, "Engineering").id;
            let ken = user(c, "ken@example.com", Role::Customer);
            let ann = user(c, "ann@example.com", Role::Customer);
            let john = user(c, "john@example.com", Role::Agent);
            for i in 0..7 {
                let (dept, requester) = if i % 2 == 0 {
                    (support, ken)
                } else {
                    (engineering, ann)
                };
                let mut ticket = tickets::insert_ticket(
                    c,
                    &new_ticket(&format!("1000000{i}"), dept, requester, i),
                )?;
                // As an SLA evaluation would leave it: the first response is due an hour after opening.
                ticket.first_response_due_at = Some(at(i + 60));
                ticket.sla_next_check_at = Some(at(i + 60));
                tickets::update_ticket(c, &ticket, ticket.version)?;
            }
            Ok::<_, RepoError>((support, engineering, ken, ann, john))
        })
        .unwrap();
    // John works in Engineering and is assigned one Support ticket.
    let all = database
        .read(|c| {
            tickets::list_tickets(
                c,
                &ticket_scope(&Actor::Admin { id: 1 }),
                &TicketFilter::default(),
                &page(50, None),
            )
        })
        .unwrap();
    assert_eq!(all.items.len(), 7);
    let mut assigned = all
        .items
        .iter()
        .find(|t| t.department_id == support)
        .unwrap()
        .clone();
    assigned.assignee_id = Some(john);
    assigned.version += 1;
    database
        .write(|c| tickets::update_ticket(c, &assigned, assigned.version - 1))
        .unwrap();

    let actors = [
        Actor::Customer { id: ken },
        Actor::Customer { id: ann },
        Actor::Agent {
            id: john,
            department_ids: vec![engineering],
        },
        Actor::Agent {
            id: 999,
            department_ids: vec![support],
        },
        Actor::Admin { id: 1 },
    ];
    let everything = database
        .read(|c| {
            tickets::list_tickets(
                c,
                &ticket_scope(&Actor::Admin { id: 1 }),
                &TicketFilter::default(),
                &page(50, None),
            )
        })
        .unwrap()
        .items;
    for actor in &actors {
        let scope = ticket_scope(actor);
        let listed: Vec<i64> = database
            .read(|c| tickets::list_tickets(c, &scope, &TicketFilter::default(), &page(50, None)))
            .unwrap()
            .items
            .iter()
            .map(|t| t.id)
            .collect();
        let expected: Vec<i64> = everything
            .iter()
            .filter(|t| scope.contains(t))
            .map(|t| t.id)
            .collect();
        assert_eq!(
            listed, expected,
            "the SQL scope of {actor:?} agrees with the domain rule"
        );
    }

    // Pages of 3, newest first, cover everything exactly once even with an insert between pages.
    let scope = ticket_scope(&Actor::Admin { id: 1 });
    let first = database
        .read(|c| tickets::list_tickets(c, &scope, &TicketFilter::default(), &page(3, None)))
        .unwrap();
    database
        .write(|c| tickets::insert_ticket(c, &new_ticket("19999999", support, ken, 100)))
        .unwrap();
    let mut seen: Vec<i64> = first.items.iter().map(|t| t.id).collect();
    let mut cursor = first.next_cursor;
    while let Some(next) = cursor {
        let more = database
            .read(|c| {
                tickets::list_tickets(
                    c,
                    &scope,
                    &TicketFilter::default(),
                    &page(3, Some(next.clone())),
                )
            })
            .unwrap();
        seen.extend(more.items.iter().map(|t| t.id));
        cursor = more.next_cursor;
    }
    let expected: Vec<i64> = everything.iter().map(|t| t.id).collect();
    assert_eq!(seen, expected, "newest first, no gaps, no repeats");

    let filter = TicketFilter {
        assignee: Some(AssigneeFilter::Agent(john)),
        ..Default::default()
    };
    let mine = database
        .read(|c| tickets::list_tickets(c, &scope, &filter, &page(50, None)))
        .unwrap();
    assert_eq!(
        mine.items.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![assigned.id]
    );
    let filter = TicketFilter {
        assignee: Some(AssigneeFilter::Unassigned),
        department_id: Some(support),
        ..Default::default()
    };
    let unassigned = database
        .read(|c| tickets::list_tickets(c, &scope, &filter, &page(50, None)))
        .unwrap();
    assert_eq!(unassigned.items.len(), 4, "5 support tickets, one assigned");
    let filter = TicketFilter {
        statuses: vec![Status::Pending, Status::Closed],
        ..Default::default()
    };
    assert!(database
        .read(|c| tickets::list_tickets(c, &scope, &filter, &page(50, None)))
        .unwrap()
        .items
        .is_empty());
    let filter = TicketFilter {
        overdue_at: Some(at(63)),
        sort: TicketSort::CreatedAt,
        ..Default::default()
    };
    let overdue: Vec<String> = database
        .read(|c| tickets::list_tickets(c, &scope, &filter, &page(50, None)))
        .unwrap()
        .items
        .into_iter()
        .map(|t| t.number)
        .collect();
    assert_eq!(
        overdue,
        vec!["10000000", "10000001", "10000002", "10000003"],
        "first responses due 60 minutes after opening, the last one exactly now"
    );
    let mut by_domain_rule: Vec<String> = everything
        .iter()
        .filter(|t| t.is_overdue(at(63)))
        .map(|t| t.number.clone())
        .collect();
    by_domain_rule.sort();
    assert_eq!(
        overdue, by_domain_rule,
        "the SQL overdue filter agrees with Ticket::is_overdue"
    );
    assert!(matches!(
        database.read(|c| tickets::list_tickets(
            c,
            &scope,
            &TicketFilter::default(),
            &page(3, Some("bogus".into()))
        )),
        Err(RepoError::InvalidCursor)
    ));
}

fn priority_order_pages_through_ties(db: TestDatabase) {
    let database = db.open();
    let ids = database
        .write(|c| {
            let support = department(c, "Support").id;
            let ken = user(c, "ken@example.com", Role::Customer);
            let mut ids = vec![];
            for (i, priority) in [
                Priority::Low,
                Priority::Urgent,
                Priority::Normal,
                Priority::Urgent,
                Priority::Low,
            ]
            .into_iter()
            .enumerate()
            {
                let ticket = NewTicket {
                    priority,
                    ..new_ticket(&format!("1000000{i}"), support, ken, i as i64)
                };
                ids.push((priority, tickets::insert_ticket(c, &ticket)?.id));
            }
            Ok::<_, RepoError>(ids)
        })
        .unwrap();
    let filter = TicketFilter {
        sort: TicketSort::PriorityDesc,
        ..Default::default()
    };
    let scope = ticket_scope(&Actor::Admin { id: 1 });
    let mut seen = vec![];
    let mut cursor = None;
    loop {
        let page = database
            .read(|c| tickets::list_tickets(c, &scope, &filter, &page(2, cursor.clone())))
            .unwrap();
        seen.extend(page.items.iter().map(|t| t.id));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    let mut expected = ids.clone();
    expected.sort_by(|a, b| b.0.rank().cmp(&a.0.rank()).then(b.1.cmp(&a.1)));
    assert_eq!(
        seen,
        expected.into_iter().map(|(_, id)| id).collect::<Vec<_>>()
    );
}

fn customers_never_load_internal_messages_or_events(db: TestDatabase) {
    let database = db.open();
    let ticket = database
        .write(|c| {
            let support = department(c, "Support").id;
            let ken = user(c, "ken@example.com", Role::Customer);
            tickets::insert_ticket(c, &new_ticket("10000001", support, ken, 0))
        })
        .unwrap();
    database
        .write(|c| {
            for (internal, body) in [
                (false, "public reply"),
                (true, "internal note"),
                (false, "second reply"),
            ] {
                messages::insert_message(
                    c,
                    &NewMessage {
                        ticket_id: ticket.id,
                        internal,
                        author_type: AuthorType::Agent,
                        author_id: None,
                        author_name: "Jane".into(),
                        body: body.into(),
                        created_at: at(1),
                    },
                )?;
            }
            let drafts = [
                EventDraft::new(EventKind::Created, json!({})),
                EventDraft::new(EventKind::Assigned, json!({"to": 3})),
                EventDraft::internal_message(json!({})),
            ];
            events::append_events(
                c,
                ticket.id,
                &Actor::Agent {
                    id: 3,
                    department_ids: vec![],
                },
                &drafts,
                at(1),
            )
        })
        .unwrap();
    let public = database
        .read(|c| messages::list_messages(c, ticket.id, false, &PageRequest::default()))
        .unwrap();
    assert_eq!(
        public
            .items
            .iter()
            .map(|m| m.body.as_str())
            .collect::<Vec<_>>(),
        vec!["public reply", "second reply"]
    );
    let all = database
        .read(|c| messages::list_messages(c, ticket.id, true, &page(2, None)))
        .unwrap();
    assert_eq!(all.items.len(), 2);
    assert!(all.next_cursor.is_some());
    let customer_events = database
        .read(|c| events::list_events(c, ticket.id, false, &PageRequest::default()))
        .unwrap();
    assert_eq!(
        customer_events
            .items
            .iter()
            .map(|e| e.kind.as_str())
            .collect::<Vec<_>>(),
        vec!["created"]
    );
    let staff_events = database
        .read(|c| events::list_events(c, ticket.id, true, &PageRequest::default()))
        .unwrap();
    assert_eq!(staff_events.items.len(), 3);
    assert_eq!(staff_events.items[1].data, json!({"to": 3}));
}

fn api_keys_are_found_by_hash_until_revoked_or_expired(db: TestDatabase) {
    use helpdesk_domain::Scope;
    use helpdesk_persistence::api_keys::NewApiKey;
    let database = db.open();
    let new_key = |hash: &'static str, expires_at| NewApiKey {
        name: "monitoring",
        key_hash: hash,
        prefix: "hd_abc",
        scopes: &[Scope::TicketsCreate, Scope::TicketsRead],
        expires_at,
        created_by: None,
    };
    let key = database
        .write(|c| api_keys::insert_api_key(c, &new_key("abc123", None), at(0)))
        .unwrap();
    let found = database
        .read(|c| api_keys::find_active_api_key(c, "abc123", at(1)))
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.id, found.scopes.clone()),
        (key.id, vec![Scope::TicketsCreate, Scope::TicketsRead])
    );
    database
        .write(|c| api_keys::revoke_api_key(c, key.id, at(1)))
        .unwrap();
    assert_eq!(
        database
            .read(|c| api_keys::find_active_api_key(c, "abc123", at(2)))
            .unwrap(),
        None
    );
    assert!(matches!(
        database.write(|c| api_keys::revoke_api_key(c, key.id, at(2))),
        Err(RepoError::NotFound)
    ));
    database
        .write(|c| api_keys::insert_api_key(c, &new_key("def456", Some(at(10))), at(0)))
        .unwrap();
    assert!(database
        .read(|c| api_keys::find_active_api_key(c, "def456", at(9)))
        .unwrap()
        .is_some());
    assert_eq!(
        database
            .read(|c| api_keys::find_active_api_key(c, "def456", at(10)))
            .unwrap(),
        None,
        "expired"
    );
}

fn organisation_records_round_trip(db: TestDatabase) {
    let database = db.open();
    let plan = database
        .write(|c| sla_plans::insert_sla_plan(c, &SlaPlan::simple(0, "Gold", 60, 480), at(0)))
        .unwrap();
    let support = database
        .write(|c| departments::insert_department(c, "Support", Some(plan.id), at(0)))
        .unwrap();
    assert_eq!(support.default_sla_plan_id, Some(plan.id));
    assert!(
        matches!(
            database.write(|c| sla_plans::delete_sla_plan(c, plan.id)),
            Err(RepoError::Conflict(_))
        ),
        "still used by Support"
    );
    assert!(matches!(
        database.write(|c| departments::insert_department(c, "Support", None, at(0))),
        Err(RepoError::Conflict(_))
    ));
}

fn a_taken_number_is_drawn_again_inside_the_same_transaction(db: TestDatabase) {
    let database = db.open();
    let (first, second) = database
        .write(|c| {
            let support = department(c, "Support");
            let ken = user(c, "ken@example.com", Role::Customer);
            let first = tickets::insert_ticket(c, &new_ticket("10000001", support.id, ken, 0))?;
            let mut numbers = vec!["10000002".to_owned(), "10000001".to_owned()];
            let second = tickets::insert_ticket_numbered(
                c,
                &new_ticket("10000001", support.id, ken, 1),
                || numbers.pop().unwrap(),
            )?;
            Ok::<_, RepoError>((first, second))
        })
        .unwrap();
    assert_eq!(
        (first.number.as_str(), second.number.as_str()),
        ("10000001", "10000002")
    );
    let stored = database
        .read(|c| tickets::find_ticket(c, second.id))
        .unwrap();
    assert_eq!(
        stored.number, "10000002",
        "the retry committed with the outer transaction"
    );
}

fn user_updates_touch_only_the_given_fields(db: TestDatabase) {
    let database = db.open();
    let id = database
        .write(|c| Ok::<_, RepoError>(user(c, "jane@example.com", Role::Agent)))
        .unwrap();
    let deactivate = users::UserUpdate {
        active: Some(false),
        ..Default::default()
    };
    let rename = users::UserUpdate {
        name: Some("Jane Smith".into()),
        ..Default::default()
    };
    database
        .write(|c| users::update_user(c, id, &deactivate))
        .unwrap();
    let renamed = database
        .write(|c| users::update_user(c, id, &rename))
        .unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.active),
        ("Jane Smith", false),
        "the rename kept the deactivation"
    );
    let unchanged = database
        .write(|c| users::update_user(c, id, &users::UserUpdate::default()))
        .unwrap();
    assert_eq!(unchanged, renamed);
    assert!(matches!(
        database.write(|c| users::update_user(c, 999, &rename)),
        Err(RepoError::NotFound)
    ));
}

test_on_both_backends!(
    a_taken_number_is_drawn_again_inside_the_same_transaction,
    user_updates_touch_only_the_given_fields,
    users_are_unique_by_email,
    a_failed_write_leaves_nothing_behind,
    concurrent_writes_stand_or_fall_alone,
    agents_carry_their_departments,
    updates_are_guarded_by_version,
    ticket_numbers_are_unique,
    the_queue_is_scoped_filtered_and_paged,
    priority_order_pages_through_ties,
    customers_never_load_internal_messages_or_events,
    api_keys_are_found_by_hash_until_revoked_or_expired,
    organisation_records_round_trip,
);

fn idempotency_keys_move_through_their_states(db: TestDatabase) {
    use helpdesk_persistence::idempotency::{self, KeyState, StoredResponse};
    let database = db.open();
    let begin = |fingerprint: &'static str, token: &'static str, minute: i64| {
        database
            .write(move |c| idempotency::begin(c, "user:1", "k1", fingerprint, token, at(minute)))
            .unwrap()
    };
    let response = StoredResponse {
        status: 201,
        location: Some("/api/v1/tickets/9".into()),
        body: "{\"id\":9}".into(),
    };
    assert_eq!(begin("a", "first", 0), KeyState::Fresh);
    assert_eq!(
        begin("a", "second", 0),
        KeyState::InProgress,
        "the first request is still running"
    );
    assert_eq!(begin("b", "second", 0), KeyState::Mismatch);
    assert_eq!(
        begin("a", "second", 2),
        KeyState::Fresh,
        "a claim older than a minute was abandoned"
    );
    assert_eq!(
        begin("a", "third", 2),
        KeyState::InProgress,
        "and taken over only once"
    );
    let late = database.write(|c| idempotency::complete(c, "user:1", "k1", "first", &response));
    assert!(
        matches!(late, Err(RepoError::Conflict(_))),
        "the abandoned request cannot store a result"
    );
    database
        .write(|c| idempotency::release(c, "user:1", "k1", "first"))
        .unwrap();
    database
        .write(|c| idempotency::complete(c, "user:1", "k1", "second", &response))
        .unwrap();
    assert_eq!(
        begin("a", "fourth", 3),
        KeyState::Replay(response.clone()),
        "the release of a lost claim freed nothing"
    );
    let other_caller = database
        .write(|c| idempotency::begin(c, "api_key:1", "k1", "a", "x", at(3)))
        .unwrap();
    assert_eq!(other_caller, KeyState::Fresh, "keys are per caller");
    assert_eq!(
        begin("b", "fifth", 25 * 60),
        KeyState::Fresh,
        "after 24 hours the key is forgotten"
    );
    assert_eq!(
        database
            .write(|c| idempotency::purge_expired(c, at(50 * 60)))
            .unwrap(),
        2
    );
}

test_on_both_backends!(idempotency_keys_move_through_their_states);

/// The generator's shape at a test's size: 4 departments, 8 agents, 50 customers.
fn small_desk(tickets: i64) -> helpdesk_persistence::bulk::Volume {
    helpdesk_persistence::bulk::Volume {
        departments: 4,
        agents: 8,
        customers: 50,
        tickets,
    }
}

fn bulk_fill_makes_the_benchmark_shape(database: TestDatabase) {
    let db = database.open();
    let volume = small_desk(1_000);
    db.write(|c| helpdesk_persistence::bulk::fill(c, &volume, at(0)))
        .unwrap();
    db.read(|c| {
        let scope = helpdesk_domain::TicketScope::All;
        let all = TicketFilter::default();
        let page = PageRequest {
            limit: Some(200),
            cursor: None,
        };
        let first = tickets::list_tickets(c, &scope, &all, &page)?;
        assert_eq!(first.items.len(), 200);
        let closed = TicketFilter {
            statuses: vec![Status::Closed],
            ..TicketFilter::default()
        };
        let mut closed_count = 0;
        let mut page = page.clone();
        loop {
            let found = tickets::list_tickets(c, &scope, &closed, &page)?;
            closed_count += found.items.len();
            match found.next_cursor {
                Some(cursor) => page.cursor = Some(cursor),
                None => break,
            }
        }
        assert!(
            (650..=750).contains(&closed_count),
            "about 70% closed: {closed_count}"
        );
        // Status does not line up with the department: every department has open tickets.
        let departments: std::collections::BTreeSet<i64> =
            first.items.iter().map(|t| t.department_id).collect();
        assert_eq!(departments.len(), 4);
        for department in departments {
            let open = TicketFilter {
                statuses: vec![Status::Open],
                department_id: Some(department),
                ..TicketFilter::default()
            };
            let found = tickets::list_tickets(c, &scope, &open, &PageRequest::default())?;
            assert!(
                !found.items.is_empty(),
                "department {department} has open tickets"
            );
        }
        let ticket = &first.items[0];
        let conversation = messages::list_messages(c, ticket.id, true, &PageRequest::default())?;
        assert_eq!(conversation.items.len(), 4);
        assert_eq!(conversation.items.iter().filter(|m| m.internal).count(), 1);
        let timeline = events::list_events(c, ticket.id, true, &PageRequest::default())?;
        assert_eq!(timeline.items[0].kind, "created");
        let found =
            helpdesk_persistence::search::matching_ticket_ids(c, "printer", &scope, false, 10_000)?;
        assert!(
            !found.is_empty(),
            "the search index covers the generated text"
        );
        Ok::<_, RepoError>(())
    })
    .unwrap();
}

test_on_both_backends!(bulk_fill_makes_the_benchmark_shape);

/// Search returns the newest matches first, up to its limit, however deep the matches lie: on
/// PostgreSQL it searches the newest tickets first and widens the window while matches are missing.
fn search_finds_the_newest_matches_at_any_depth(database: TestDatabase) {
    use helpdesk_persistence::search::matching_ticket_ids;
    let db = database.open();
    let oldest = db
        .write(|c| {
            let support = department(c, "Support");
            let ken = user(c, "ken@example.com", Role::Customer);
            let mut ticket = new_ticket("19999999", support.id, ken, 0);
            ticket.subject = "Quasar antenna misaligned".into();
            tickets::insert_ticket(c, &ticket)
        })
        .unwrap();
    let volume = small_desk(12_000);
    db.write(|c| helpdesk_persistence::bulk::fill(c, &volume, at(0)))
        .unwrap();
    let everyone = helpdesk_domain::TicketScope::All;
    db.read(|c| {
        assert_eq!(
            matching_ticket_ids(c, "quasar", &everyone, false, 1_000)?,
            vec![oldest.id],
            "a word only the oldest ticket holds, behind 12,000 newer tickets"
        );
        // The generator writes one of eight words into each subject and message: count by hand which
        // of the 100 newest tickets hold "printer".
        let mut newest = Vec::new();
        for ticket in tickets::list_tickets(
            c,
            &everyone,
            &TicketFilter::default(),
            &PageRequest {
                limit: Some(100),
                cursor: None,
            },
        )?
        .items
        {
            let conversation =
                messages::list_messages(c, ticket.id, false, &PageRequest::default())?;
            let holds = |text: &str| text.to_lowercase().contains("printer");
            if holds(&ticket.subject) || conversation.items.iter().any(|m| holds(&m.body)) {
                newest.push(ticket.id);
            }
        }
        assert!(newest.len() >= 10, "{newest:?}");
        let found = matching_ticket_ids(c, "printer", &everyone, false, 10)?;
        assert_eq!(
            found,
            newest[..10],
            "the ten newest printer tickets, newest first"
        );
        let all = matching_ticket_ids(c, "printer", &everyone, false, 100_000)?;
        assert!(
            all.len() >= 1_500,
            "every eighth subject at least: {}",
            all.len()
        );
        assert!(all.windows(2).all(|pair| pair[0] > pair[1]), "newest first");
        assert_eq!(all[..10], found[..]);
        Ok::<_, RepoError>(())
    })
    .unwrap();
}

test_on_both_backends!(search_finds_the_newest_matches_at_any_depth);
