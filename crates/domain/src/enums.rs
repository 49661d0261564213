//! The enumerations of the API contract, with their one spelling on the wire and in the database.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Declares a string-backed enum: serde, `as_str`, `FromStr` and `Display` all use the same names.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "unknown {} `{}`; expected one of: {}",
                        stringify!($name).to_lowercase(),
                        other,
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(
    /// Where a ticket stands in its lifecycle.
    Status {
        Open => "open",
        Pending => "pending",
        OnHold => "on_hold",
        Resolved => "resolved",
        Closed => "closed",
    }
);

string_enum!(
    /// How urgent a ticket is, lowest first.
    Priority {
        Low => "low",
        Normal => "normal",
        High => "high",
        Urgent => "urgent",
    }
);

string_enum!(
    /// What a person may do: customers report, agents work tickets, admins also run the organisation.
    Role {
        Customer => "customer",
        Agent => "agent",
        Admin => "admin",
    }
);

string_enum!(
    /// Who wrote a message.
    AuthorType {
        Customer => "customer",
        Agent => "agent",
        System => "system",
    }
);

string_enum!(
    /// Who caused an event.
    ActorType {
        Customer => "customer",
        Agent => "agent",
        ApiKey => "api_key",
        System => "system",
    }
);

string_enum!(
    /// What an API key may do.
    Scope {
        TicketsCreate => "tickets:create",
        TicketsRead => "tickets:read",
        TicketsWrite => "tickets:write",
        Admin => "admin",
    }
);

string_enum!(
    /// Through which channel a ticket arrived.
    TicketSource {
        Web => "web",
        Agent => "agent",
        Api => "api",
        Email => "email",
    }
);

impl Priority {
    /// The rank used for sorting and storage: low = 1 ... urgent = 4.
    pub fn rank(self) -> i32 {
        match self {
            Priority::Low => 1,
            Priority::Normal => 2,
            Priority::High => 3,
            Priority::Urgent => 4,
        }
    }

    pub fn from_rank(rank: i32) -> Option<Priority> {
        Priority::ALL.iter().copied().find(|p| p.rank() == rank)
    }

    /// One step more urgent; `urgent` stays `urgent`.
    pub fn raised(self) -> Priority {
        Priority::from_rank(self.rank() + 1).unwrap_or(self)
    }
}

impl Scope {
    /// What a key may do unless created with other scopes: work tickets, manage nothing.
    pub const TICKETS: &'static [Scope] = &[
        Scope::TicketsCreate,
        Scope::TicketsRead,
        Scope::TicketsWrite,
    ];
}

impl Role {
    /// Agents and admins are staff: they work tickets and read internal notes.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Agent | Role::Admin)
    }
}

impl Status {
    /// A ticket in one of these states has no running resolution clock and is never overdue.
    pub fn is_finished(self) -> bool {
        matches!(self, Status::Resolved | Status::Closed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_text() {
        for status in Status::ALL {
            assert_eq!(status.as_str().parse::<Status>(), Ok(*status));
        }
    }

    #[test]
    fn unknown_text_names_the_allowed_values() {
        let error = "frozen".parse::<Status>().unwrap_err();
        assert!(
            error.contains("open, pending, on_hold, resolved, closed"),
            "{error}"
        );
    }

    #[test]
    fn priority_ranks_are_ordered_and_reversible() {
        let ranks: Vec<i32> = Priority::ALL.iter().map(|p| p.rank()).collect();
        assert_eq!(ranks, vec![1, 2, 3, 4]);
        for priority in Priority::ALL {
            assert_eq!(Priority::from_rank(priority.rank()), Some(*priority));
        }
        assert_eq!(Priority::from_rank(9), None);
    }

    #[test]
    fn serde_uses_the_contract_spelling() {
        assert_eq!(
            serde_json::to_string(&Status::OnHold).unwrap(),
            "\"on_hold\""
        );
        assert_eq!(
            serde_json::from_str::<ActorType>("\"api_key\"").unwrap(),
            ActorType::ApiKey
        );
    }
}
