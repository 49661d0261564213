//! The status state machine.
//!
//! ```text
//!   open <-> pending <-> on_hold        (work in progress: any of the three to any other)
//!   open | pending | on_hold -> resolved -> open   (a reopen)
//!   any state but closed -> closed      (closed is final: a follow-up is a new ticket)
//! ```

use crate::enums::Status;
use crate::error::DomainError;

/// Checks that a ticket may move from `from` to `to`; the error's text states the rule.
pub fn check_transition(from: Status, to: Status) -> Result<(), DomainError> {
    use Status::*;
    let allowed = match (from, to) {
        (Closed, _) => {
            return Err(DomainError::transition(format!(
                "a closed ticket is final and cannot become `{to}`; open a new ticket instead"
            )))
        }
        (Open | Pending | OnHold, Open | Pending | OnHold | Resolved | Closed) => true,
        (Resolved, Open | Closed) => true,
        (Resolved, Pending | OnHold) => false,
        (Resolved, Resolved) => true,
    };
    if allowed {
        Ok(())
    } else {
        Err(DomainError::transition(format!(
            "a resolved ticket can only be reopened (`open`) or `closed`, not set to `{to}`"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    /// Every (from, to) pair and whether the lifecycle allows it.
    const TABLE: &[(Status, Status, bool)] = &[
        (Open, Open, true),
        (Open, Pending, true),
        (Open, OnHold, true),
        (Open, Resolved, true),
        (Open, Closed, true),
        (Pending, Open, true),
        (Pending, Pending, true),
        (Pending, OnHold, true),
        (Pending, Resolved, true),
        (Pending, Closed, true),
        (OnHold, Open, true),
        (OnHold, Pending, true),
        (OnHold, OnHold, true),
        (OnHold, Resolved, true),
        (OnHold, Closed, true),
        (Resolved, Open, true),
        (Resolved, Pending, false),
        (Resolved, OnHold, false),
        (Resolved, Resolved, true),
        (Resolved, Closed, true),
        (Closed, Open, false),
        (Closed, Pending, false),
        (Closed, OnHold, false),
        (Closed, Resolved, false),
        (Closed, Closed, false),
    ];

    #[test]
    fn the_table_covers_every_pair() {
        assert_eq!(TABLE.len(), Status::ALL.len() * Status::ALL.len());
    }

    #[test]
    fn transitions_follow_the_table() {
        for (from, to, allowed) in TABLE {
            let result = check_transition(*from, *to);
            assert_eq!(result.is_ok(), *allowed, "{from} -> {to}: {result:?}");
            if let Err(error) = result {
                assert!(matches!(error, DomainError::InvalidTransition(_)));
            }
        }
    }

    #[test]
    fn refusals_explain_the_rule() {
        let closed = check_transition(Closed, Open).unwrap_err().to_string();
        assert!(closed.contains("closed ticket is final"), "{closed}");
        let resolved = check_transition(Resolved, Pending).unwrap_err().to_string();
        assert!(resolved.contains("can only be reopened"), "{resolved}");
    }
}
