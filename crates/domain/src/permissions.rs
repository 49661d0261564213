//! Who may see and do what. Every permission rule lives here, and list queries are scoped by
//! [`TicketScope`], the same rule as [`can_view_ticket`], so storage never loads what it would hide.

use crate::enums::{ActorType, AuthorType, Scope, TicketSource};
use crate::error::DomainError;
use crate::ticket::Ticket;

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Customer {
        id: i64,
    },
    Agent {
        id: i64,
        department_ids: Vec<i64>,
    },
    Admin {
        id: i64,
    },
    /// An integrator's key: creates and works tickets of every department, manages nothing.
    ApiKey {
        id: i64,
        scopes: Vec<Scope>,
    },
    /// The server itself, e.g. the SLA sweep escalating a breached ticket.
    System,
}

impl Actor {
    pub fn actor_type(&self) -> ActorType {
        match self {
            Actor::Customer { .. } => ActorType::Customer,
            Actor::Agent { .. } | Actor::Admin { .. } => ActorType::Agent,
            Actor::ApiKey { .. } => ActorType::ApiKey,
            Actor::System => ActorType::System,
        }
    }

    /// The id recorded in events: a user's id, or the API key's id; none for the system.
    pub fn id(&self) -> Option<i64> {
        match self {
            Actor::Customer { id }
            | Actor::Agent { id, .. }
            | Actor::Admin { id }
            | Actor::ApiKey { id, .. } => Some(*id),
            Actor::System => None,
        }
    }

    /// The user behind the call, if a person makes it.
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Actor::ApiKey { .. } | Actor::System => None,
            other => other.id(),
        }
    }

    pub fn author_type(&self) -> AuthorType {
        match self {
            Actor::Customer { .. } => AuthorType::Customer,
            Actor::Agent { .. } | Actor::Admin { .. } => AuthorType::Agent,
            Actor::ApiKey { .. } | Actor::System => AuthorType::System,
        }
    }

    /// Staff read internal notes and work tickets: agents, admins, integrators' keys and the system.
    pub fn is_staff(&self) -> bool {
        !matches!(self, Actor::Customer { .. })
    }

    pub fn ticket_source(&self) -> TicketSource {
        match self {
            Actor::Customer { .. } => TicketSource::Web,
            Actor::Agent { .. } | Actor::Admin { .. } => TicketSource::Agent,
            Actor::ApiKey { .. } | Actor::System => TicketSource::Api,
        }
    }
}

/// Actions outside a single ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Create, change or delete departments, teams, SLA plans, help topics, agents and customers.
    ManageOrganisation,
    /// Create and revoke API keys.
    ManageApiKeys,
    /// Read agents, customers, departments, teams and SLA plans.
    ReadDirectory,
    /// Read the help topics a ticket can be filed under (customers need them at intake).
    ReadHelpTopics,
    CreateTicket,
    /// Read tickets (which ones is the ticket scope's business).
    ReadTickets,
    /// Change tickets and write messages.
    WriteTickets,
    /// Hand in raw mail, which writes in its senders' names: a mail gateway's key, or an admin.
    TakeInMail,
}

impl Actor {
    /// An API key's scopes; people and the system are not limited by scopes.
    fn has_scope(&self, scope: Scope) -> bool {
        match self {
            Actor::ApiKey { scopes, .. } => scopes.contains(&scope),
            _ => true,
        }
    }
}

pub fn allows(actor: &Actor, action: Action) -> bool {
    match action {
        Action::ManageOrganisation | Action::ManageApiKeys => match actor {
            Actor::Admin { .. } => true,
            Actor::ApiKey { scopes, .. } => scopes.contains(&Scope::Admin),
            _ => false,
        },
        Action::ReadDirectory => {
            actor.is_staff()
                && (actor.has_scope(Scope::TicketsRead) || actor.has_scope(Scope::Admin))
        }
        Action::ReadHelpTopics => true,
        Action::CreateTicket => actor.has_scope(Scope::TicketsCreate),
        Action::ReadTickets => actor.has_scope(Scope::TicketsRead),
        Action::WriteTickets => actor.has_scope(Scope::TicketsWrite),
        Action::TakeInMail => match actor {
            Actor::ApiKey { scopes, .. } => scopes.contains(&Scope::TicketsCreate),
            Actor::Admin { .. } => true,
            _ => false,
        },
    }
}

pub fn ensure(actor: &Actor, action: Action) -> Result<(), DomainError> {
    if allows(actor, action) {
        return Ok(());
    }
    Err(DomainError::forbidden(match action {
        Action::ManageOrganisation => "only admins manage the organisation",
        Action::ManageApiKeys => "only admins manage API keys",
        Action::ReadDirectory => "only staff read the directory",
        Action::CreateTicket => "this API key lacks the tickets:create scope",
        Action::ReadTickets => "this API key lacks the tickets:read scope",
        Action::WriteTickets => "this API key lacks the tickets:write scope",
        Action::TakeInMail => {
            "only a mail gateway's API key (tickets:create) or an admin hands in mail"
        }
        Action::ReadHelpTopics => "not allowed",
    }))
}

/// The tickets an actor may see, in a form storage turns into a `WHERE` clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketScope {
    All,
    RequestedBy(i64),
    /// Tickets of these departments, or assigned to the agent.
    DepartmentsOrAssigned {
        agent_id: i64,
        department_ids: Vec<i64>,
    },
}

impl TicketScope {
    pub fn contains(&self, ticket: &Ticket) -> bool {
        match self {
            TicketScope::All => true,
            TicketScope::RequestedBy(requester) => ticket.requester_id == *requester,
            TicketScope::DepartmentsOrAssigned {
                agent_id,
                department_ids,
            } => {
                department_ids.contains(&ticket.department_id)
                    || ticket.assignee_id == Some(*agent_id)
            }
        }
    }

    /// Whether every ticket of `department_id` is within the scope (so a list filtered to that
    /// department needs no scope condition).
    pub fn covers_department(&self, department_id: i64) -> bool {
        match self {
            TicketScope::All => true,
            TicketScope::RequestedBy(_) => false,
            TicketScope::DepartmentsOrAssigned { department_ids, .. } => {
                department_ids.contains(&department_id)
            }
        }
    }
}

pub fn ticket_scope(actor: &Actor) -> TicketScope {
    match actor {
        Actor::Customer { id } => TicketScope::RequestedBy(*id),
        Actor::Agent { id, department_ids } => TicketScope::DepartmentsOrAssigned {
            agent_id: *id,
            department_ids: department_ids.clone(),
        },
        Actor::Admin { .. } | Actor::ApiKey { .. } | Actor::System => TicketScope::All,
    }
}

/// Whether the actor may read this ticket. Lists apply [`ticket_scope`] after checking
/// [`Action::ReadTickets`], which is the same rule.
pub fn can_view_ticket(actor: &Actor, ticket: &Ticket) -> bool {
    allows(actor, Action::ReadTickets) && ticket_scope(actor).contains(ticket)
}

/// A ticket the actor may not see does not exist for them: 404, never 403. (An API key without the
/// `tickets:read` scope is told so: 403.)
pub fn ensure_can_view_ticket(actor: &Actor, ticket: &Ticket) -> Result<(), DomainError> {
    ensure(actor, Action::ReadTickets)?;
    if can_view_ticket(actor, ticket) {
        Ok(())
    } else {
        Err(DomainError::NotVisible)
    }
}

/// Staff who see a ticket may change it; customers follow their tickets by writing messages.
pub fn ensure_can_update_ticket(actor: &Actor, ticket: &Ticket) -> Result<(), DomainError> {
    ensure_can_view_ticket(actor, ticket)?;
    ensure(actor, Action::WriteTickets)?;
    if actor.is_staff() {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            "customers cannot change a ticket's fields; reply with a message instead",
        ))
    }
}

/// Internal notes and staff-side events are for staff only.
pub fn can_see_internal(actor: &Actor) -> bool {
    actor.is_staff()
}

/// A message (or its files) the actor may not see does not exist for them: an internal note's, for
/// anyone but staff. The ticket's own visibility is checked first.
pub fn ensure_can_see_message(
    actor: &Actor,
    ticket: &Ticket,
    internal: bool,
) -> Result<(), DomainError> {
    ensure_can_view_ticket(actor, ticket)?;
    if internal && !can_see_internal(actor) {
        return Err(DomainError::NotVisible);
    }
    Ok(())
}

/// What a ticket creation request names, for the intake rules.
#[derive(Debug, Clone, Copy, Default)]
pub struct IntakeFields {
    pub requester: bool,
    pub department: bool,
    pub priority: bool,
    pub external_id: bool,
}

/// Checks who a new ticket is for: customers file for themselves and choose only a help topic;
/// staff and API keys file on behalf of a `requester`. Returns the requester when it is the caller.
pub fn check_intake(actor: &Actor, fields: IntakeFields) -> Result<Option<i64>, DomainError> {
    if fields.external_id && !matches!(actor, Actor::ApiKey { .. }) {
        return Err(DomainError::invalid(
            "external_id",
            "is an integration's own id: only API keys send it",
        ));
    }
    match actor {
        Actor::Customer { id } => {
            if fields.requester {
                return Err(DomainError::invalid(
                    "requester",
                    "customers file tickets for themselves",
                ));
            }
            if fields.department {
                return Err(DomainError::invalid(
                    "department_id",
                    "customers choose a help topic, not a department",
                ));
            }
            if fields.priority {
                return Err(DomainError::invalid(
                    "priority",
                    "the priority is set by staff",
                ));
            }
            Ok(Some(*id))
        }
        _ if !fields.requester => Err(DomainError::invalid(
            "requester",
            "required when an agent or an API key files a ticket",
        )),
        _ => Ok(None),
    }
}

/// A ticket filed on someone's behalf is for a customer: naming a staff account would make the
/// caller write the report in a colleague's name.
pub fn ensure_requester_is_customer(requester: &crate::user::User) -> Result<(), DomainError> {
    if requester.role.is_staff() {
        return Err(DomainError::invalid(
            "requester",
            "belongs to a staff account; tickets are filed for customers",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::tests::kens_ticket;

    const KEN: i64 = 100;

    fn actors() -> Vec<(&'static str, Actor)> {
        vec![
            ("customer ken", Actor::Customer { id: KEN }),
            ("customer other", Actor::Customer { id: 101 }),
            (
                "agent of support",
                Actor::Agent {
                    id: 10,
                    department_ids: vec![1],
                },
            ),
            (
                "agent of engineering",
                Actor::Agent {
                    id: 11,
                    department_ids: vec![2],
                },
            ),
            (
                "assigned agent of engineering",
                Actor::Agent {
                    id: 12,
                    department_ids: vec![2],
                },
            ),
            ("admin", Actor::Admin { id: 1 }),
            (
                "api key",
                Actor::ApiKey {
                    id: 1,
                    scopes: Scope::TICKETS.to_vec(),
                },
            ),
            (
                "admin api key",
                Actor::ApiKey {
                    id: 2,
                    scopes: vec![Scope::Admin, Scope::TicketsRead],
                },
            ),
            (
                "read-only api key",
                Actor::ApiKey {
                    id: 3,
                    scopes: vec![Scope::TicketsRead],
                },
            ),
            (
                "create-only api key",
                Actor::ApiKey {
                    id: 4,
                    scopes: vec![Scope::TicketsCreate],
                },
            ),
        ]
    }

    /// (actor, view ticket, update ticket, see internal, manage organisation, manage keys, read directory)
    const MATRIX: &[(&str, bool, bool, bool, bool, bool, bool)] = &[
        ("customer ken", true, false, false, false, false, false),
        ("customer other", false, false, false, false, false, false),
        ("agent of support", true, true, true, false, false, true),
        (
            "agent of engineering",
            false,
            false,
            true,
            false,
            false,
            true,
        ),
        (
            "assigned agent of engineering",
            true,
            true,
            true,
            false,
            false,
            true,
        ),
        ("admin", true, true, true, true, true, true),
        ("api key", true, true, true, false, false, true),
        ("admin api key", true, false, true, true, true, true),
        ("read-only api key", true, false, true, false, false, true),
        (
            "create-only api key",
            false,
            false,
            true,
            false,
            false,
            false,
        ),
    ];

    #[test]
    fn the_permission_matrix_holds() {
        let ticket = crate::ticket::Ticket {
            assignee_id: Some(12),
            ..kens_ticket()
        };
        let actors = actors();
        assert_eq!(actors.len(), MATRIX.len());
        for (name, view, update, internal, manage, keys, directory) in MATRIX {
            let actor = &actors.iter().find(|(n, _)| n == name).unwrap().1;
            assert_eq!(can_view_ticket(actor, &ticket), *view, "{name} view");
            assert_eq!(
                ensure_can_view_ticket(actor, &ticket).is_ok(),
                *view,
                "{name} view"
            );
            assert_eq!(
                ensure_can_update_ticket(actor, &ticket).is_ok(),
                *update,
                "{name} update"
            );
            assert_eq!(can_see_internal(actor), *internal, "{name} internal");
            assert_eq!(
                allows(actor, Action::ManageOrganisation),
                *manage,
                "{name} manage"
            );
            assert_eq!(allows(actor, Action::ManageApiKeys), *keys, "{name} keys");
            assert_eq!(
                allows(actor, Action::ReadDirectory),
                *directory,
                "{name} directory"
            );
            let creates = !matches!(*name, "admin api key" | "read-only api key");
            assert_eq!(
                allows(actor, Action::CreateTicket),
                creates,
                "{name} create"
            );
            assert!(allows(actor, Action::ReadHelpTopics));
        }
    }

    #[test]
    fn hidden_tickets_are_not_found_and_visible_ones_may_be_forbidden() {
        let ticket = kens_ticket();
        assert_eq!(
            ensure_can_update_ticket(&Actor::Customer { id: 101 }, &ticket),
            Err(DomainError::NotVisible)
        );
        assert!(matches!(
            ensure_can_update_ticket(&Actor::Customer { id: KEN }, &ticket),
            Err(DomainError::Forbidden(_))
        ));
    }

    #[test]
    fn the_list_scope_agrees_with_the_view_rule() {
        let tickets: Vec<Ticket> = [(1, None), (2, None), (2, Some(12)), (3, Some(10))]
            .into_iter()
            .map(|(department_id, assignee_id)| Ticket {
                department_id,
                assignee_id,
                ..kens_ticket()
            })
            .collect();
        for (name, actor) in actors()
            .into_iter()
            .filter(|(_, actor)| allows(actor, Action::ReadTickets))
        {
            for ticket in &tickets {
                assert_eq!(
                    ticket_scope(&actor).contains(ticket),
                    can_view_ticket(&actor, ticket),
                    "{name}"
                );
            }
        }
    }

    #[test]
    fn only_mail_gateways_and_admins_hand_in_mail() {
        let gateway = Actor::ApiKey {
            id: 1,
            scopes: vec![Scope::TicketsCreate],
        };
        let reader = Actor::ApiKey {
            id: 2,
            scopes: vec![Scope::TicketsRead],
        };
        assert!(
            allows(&gateway, Action::TakeInMail)
                && allows(&Actor::Admin { id: 1 }, Action::TakeInMail)
        );
        assert!(!allows(&reader, Action::TakeInMail));
        assert!(!allows(
            &Actor::Agent {
                id: 10,
                department_ids: vec![1]
            },
            Action::TakeInMail
        ));
        assert!(!allows(&Actor::Customer { id: 100 }, Action::TakeInMail));
    }

    #[test]
    fn requesters_named_by_staff_are_customers() {
        let user = |role| crate::user::User {
            id: 1,
            name: "x".into(),
            email: "x@example.com".into(),
            role,
            active: true,
            created_at: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
        };
        assert!(ensure_requester_is_customer(&user(crate::Role::Customer)).is_ok());
        assert!(ensure_requester_is_customer(&user(crate::Role::Agent)).is_err());
        assert!(ensure_requester_is_customer(&user(crate::Role::Admin)).is_err());
    }

    #[test]
    fn intake_rules_depend_on_the_caller() {
        let ken = Actor::Customer { id: KEN };
        let jane = Actor::Agent {
            id: 10,
            department_ids: vec![1],
        };
        assert_eq!(check_intake(&ken, IntakeFields::default()), Ok(Some(KEN)));
        let on_behalf = IntakeFields {
            requester: true,
            ..Default::default()
        };
        assert!(check_intake(&ken, on_behalf).is_err());
        let external = IntakeFields {
            requester: true,
            external_id: true,
            ..Default::default()
        };
        assert!(
            check_intake(&jane, external).is_err(),
            "external ids are for API keys"
        );
        assert_eq!(
            check_intake(
                &Actor::ApiKey {
                    id: 1,
                    scopes: Scope::ALL.to_vec()
                },
                external
            ),
            Ok(None)
        );
        assert!(check_intake(
            &ken,
            IntakeFields {
                priority: true,
                ..Default::default()
            }
        )
        .is_err());
        assert!(check_intake(
            &ken,
            IntakeFields {
                department: true,
                ..Default::default()
            }
        )
        .is_err());
        assert_eq!(check_intake(&jane, on_behalf), Ok(None));
        assert_eq!(
            check_intake(
                &Actor::ApiKey {
                    id: 1,
                    scopes: Scope::ALL.to_vec()
                },
                on_behalf
            ),
            Ok(None)
        );
        let missing = check_intake(&jane, IntakeFields::default()).unwrap_err();
        assert!(matches!(missing, DomainError::Invalid { ref field, .. } if field == "requester"));
    }

    #[test]
    fn internal_messages_exist_for_staff_only_and_agents_queues_skip_their_scope() {
        let ticket = crate::ticket::tests::kens_ticket();
        let ken = Actor::Customer {
            id: ticket.requester_id,
        };
        let jane = Actor::Agent {
            id: 7,
            department_ids: vec![ticket.department_id],
        };
        assert!(ensure_can_see_message(&ken, &ticket, false).is_ok());
        assert_eq!(
            ensure_can_see_message(&ken, &ticket, true),
            Err(DomainError::NotVisible)
        );
        assert!(ensure_can_see_message(&jane, &ticket, true).is_ok());
        let eve = Actor::Customer { id: 999 };
        assert_eq!(
            ensure_can_see_message(&eve, &ticket, false),
            Err(DomainError::NotVisible)
        );

        let scope = ticket_scope(&jane);
        assert!(scope.covers_department(ticket.department_id));
        assert!(!scope.covers_department(ticket.department_id + 1));
        assert!(TicketScope::All.covers_department(42));
        assert!(!ticket_scope(&ken).covers_department(ticket.department_id));
    }
}
