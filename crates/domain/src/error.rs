use thiserror::Error;

/// Why the domain refused a command. The API layer maps each variant to one HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// The lifecycle forbids this change in the ticket's current state (HTTP 409).
    #[error("{0}")]
    InvalidTransition(String),
    /// The actor may see the thing but not do this to it (HTTP 403).
    #[error("{0}")]
    Forbidden(String),
    /// The thing does not exist for this actor; hiding it is deliberate (HTTP 404).
    #[error("not found")]
    NotVisible,
    /// A value breaks a rule; `field` names the offending request field (HTTP 422).
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
}

impl DomainError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        DomainError::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        DomainError::Forbidden(message.into())
    }

    pub fn transition(message: impl Into<String>) -> Self {
        DomainError::InvalidTransition(message.into())
    }
}
