//! People: customers who report issues, agents who work them, admins who run the organisation.

use crate::enums::Role;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// A staff member with the departments and teams that decide which tickets they work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub user: User,
    pub department_ids: Vec<i64>,
    pub team_ids: Vec<i64>,
}

impl Agent {
    /// May this agent own tickets of `department_id`? Admins may own any ticket.
    pub fn can_own_tickets_of(&self, department_id: i64) -> bool {
        self.user.active
            && match self.user.role {
                Role::Admin => true,
                Role::Agent => self.department_ids.contains(&department_id),
                Role::Customer => false,
            }
    }
}

/// Emails are compared and stored in one canonical form.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(role: Role, active: bool, departments: &[i64]) -> Agent {
        Agent {
            user: User {
                id: 7,
                name: "John Doe".into(),
                email: "john@example.com".into(),
                role,
                active,
                created_at: DateTime::<Utc>::UNIX_EPOCH,
            },
            department_ids: departments.to_vec(),
            team_ids: vec![],
        }
    }

    #[test]
    fn agents_own_tickets_of_their_departments_only() {
        assert!(agent(Role::Agent, true, &[1, 2]).can_own_tickets_of(2));
        assert!(!agent(Role::Agent, true, &[1]).can_own_tickets_of(2));
        assert!(agent(Role::Admin, true, &[]).can_own_tickets_of(2));
        assert!(!agent(Role::Agent, false, &[2]).can_own_tickets_of(2));
        assert!(!agent(Role::Customer, true, &[2]).can_own_tickets_of(2));
    }

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(normalize_email("  Ken@Example.COM "), "ken@example.com");
    }
}
