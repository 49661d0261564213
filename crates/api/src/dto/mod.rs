//! The API's request and response bodies, one file per aggregate, each with its conversions.

pub mod api_keys;
pub mod attachments;
pub mod auth;
pub mod enums;
pub mod messages;
pub mod org;
pub mod people;
pub mod sla;
pub mod tickets;
pub mod webhooks;

use helpdesk_persistence::{Page, PageRequest};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// `?limit=&cursor=` of every list.
#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Page size, 1 to 200 (default 50).
    #[validate(range(min = 1, max = 200))]
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[validate(length(max = 200))]
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn to_request(&self) -> PageRequest {
        PageRequest {
            limit: self.limit,
            cursor: self.cursor.clone(),
        }
    }
}

/// One page of a list; `next_cursor` is null on the last page.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageOf<T: ToSchema> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> PageOf<T> {
    pub fn from_page<U>(page: Page<U>, convert: impl FnMut(U) -> T) -> Self {
        let page = page.map(convert);
        PageOf {
            items: page.items,
            next_cursor: page.next_cursor,
        }
    }
}

/// For PATCH bodies: a missing field is `None`, an explicit `null` is `Some(None)`.
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Names: trimmed, 1 to 200 characters.
pub fn validate_name(name: &str) -> Result<(), validator::ValidationError> {
    validate_plain(name)?;
    let length = name.trim().chars().count();
    if (1..=200).contains(&length) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("length")
            .with_message("must be 1 to 200 characters".into()))
    }
}

/// One-line text: no control characters (PostgreSQL cannot even store NUL, and no person types them).
pub fn validate_plain(text: &str) -> Result<(), validator::ValidationError> {
    if text.chars().any(char::is_control) {
        return Err(control_characters());
    }
    Ok(())
}

/// Multi-line text: newlines and tabs are layout; other control characters are refused.
pub fn validate_multiline(text: &str) -> Result<(), validator::ValidationError> {
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(control_characters());
    }
    Ok(())
}

fn control_characters() -> validator::ValidationError {
    validator::ValidationError::new("control_characters")
        .with_message("must not contain control characters".into())
}
