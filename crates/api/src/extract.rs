//! Request extractors that turn every malformed input into a problem+json error with the field named:
//! JSON bodies (`ValidJson`), query strings (`ValidQuery`), paths and `If-Match`.

use crate::error::{ApiError, FieldError};
use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use validator::Validate;

/// A JSON body, deserialised and then validated.
#[derive(Debug)]
pub struct ValidJson<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ValidJson<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<mime::Mime>().ok())
            .is_some_and(|mime| mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON));
        let body = Bytes::from_request(request, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::new(
                    actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "send the body as application/json",
                )
                .into());
            }
            let bytes = body.await.map_err(body_error)?;
            let value: T = parse_json(&bytes)?;
            value.validate().map_err(ApiError::from)?;
            Ok(ValidJson(value))
        })
    }
}

fn body_error(error: actix_web::Error) -> ApiError {
    match error.as_error::<PayloadError>() {
        Some(PayloadError::Overflow) => ApiError::new(
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the request body is larger than this server accepts",
        ),
        _ => ApiError::bad_request(format!("the request body could not be read: {error}")),
    }
}

/// Malformed JSON is a 400; well-formed JSON of the wrong shape is a 422 naming the field.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if nesting_depth(bytes) > MAX_JSON_DEPTH {
        return Err(ApiError::bad_request(format!(
            "the body is nested more than {MAX_JSON_DEPTH} levels deep"
        )));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if inner.is_data() {
            let message = strip_position(&inner.to_string());
            ApiError::validation(vec![FieldError {
                field: field_of(&path, &message),
                message,
            }])
        } else {
            ApiError::bad_request(format!("the body is not valid JSON: {inner}"))
        }
    })?;
    deserializer
        .end()
        .map_err(|error| ApiError::bad_request(format!("the body is not valid JSON: {error}")))?;
    Ok(value)
}

/// serde_json appends "at line 1 column 9"; the field path already says where.
/// No request of this API nests deeper; anything deeper is refused before it is parsed.
pub const MAX_JSON_DEPTH: usize = 32;

/// The deepest nesting of arrays and objects in a JSON text (strings are skipped; malformed text is
/// left to the parser).
fn nesting_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &byte in bytes {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// The field an error is about: the path where it happened, or the field it found missing there.
fn field_of(path: &str, message: &str) -> String {
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'));
    match (path, missing) {
        (".", Some(name)) => name.to_owned(),
        (".", None) => "body".to_owned(),
        (path, Some(name)) => format!("{path}.{name}"),
        (path, None) => path.to_owned(),
    }
}

fn strip_position(message: &str) -> String {
    message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .to_owned()
}

/// A query string, deserialised (repeated keys fill lists: `?status=open&status=pending`) and validated.
#[derive(Debug)]
pub struct ValidQuery<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ValidQuery<T> {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let query = request.query_string();
        let result = no_empty_parameter(query)
            .and_then(|()| {
                serde_html_form::from_str::<T>(query).map_err(|error| {
                    ApiError::bad_request(format!("invalid query string: {error}"))
                })
            })
            .and_then(|value| value.validate().map(|()| value).map_err(ApiError::from))
            .map(ValidQuery)
            .map_err(actix_web::Error::from);
        std::future::ready(result)
    }
}

/// `?limit=` is refused rather than read as "no limit given": a parameter is either left out or has a
/// value.
fn no_empty_parameter(query: &str) -> Result<(), ApiError> {
    match query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .find(|pair| {
            pair.split_once('=')
                .is_none_or(|(_, value)| value.is_empty())
        }) {
        Some(pair) => {
            let name = pair.split('=').next().unwrap_or_default();
            Err(ApiError::bad_request(format!(
                "the query parameter `{name}` has no value; leave it out instead"
            )))
        }
        None => Ok(()),
    }
}

/// The version an `If-Match` header names, if any. `*` matches every version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfMatch(pub Option<i64>);

impl FromRequest for IfMatch {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let result = match request
            .headers()
            .get(header::IF_MATCH)
            .map(|value| value.to_str())
        {
            None => Ok(IfMatch(None)),
            Some(Ok(text)) => parse_if_match(text).map(IfMatch),
            Some(Err(_)) => Err(ApiError::bad_request("If-Match is not readable text")),
        };
        std::future::ready(result.map_err(actix_web::Error::from))
    }
}

fn parse_if_match(text: &str) -> Result<Option<i64>, ApiError> {
    let text = text.trim();
    if text == "*" {
        return Ok(None);
    }
    text.trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .map(Some)
        .map_err(|_| ApiError::bad_request("If-Match must be an ETag this API sent, such as \"3\""))
}

/// The ETag of a resource at `version`.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// Path segments that do not parse (`/tickets/abc`) name no resource.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_, _| ApiError::not_found().into())
}

/// Extractors used outside `ValidQuery`, should a handler ever take a plain `Query`.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error, _| {
        ApiError::bad_request(format!("invalid query string: {error}")).into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        subject: String,
        priority: Option<helpdesk_domain::Priority>,
    }

    #[test]
    fn syntax_errors_are_bad_requests_and_shape_errors_name_the_field() {
        let syntax = parse_json::<Body>(b"{\"subject\": ").unwrap_err();
        assert_eq!(syntax.problem().status, 400);
        let wrong_enum =
            parse_json::<Body>(br#"{"subject": "x", "priority": "whenever"}"#).unwrap_err();
        let problem = wrong_enum.problem();
        assert_eq!(
            (problem.status, problem.errors[0].field.as_str()),
            (422, "priority")
        );
        assert!(
            problem.errors[0].message.contains("unknown variant"),
            "{}",
            problem.errors[0].message
        );
        assert_eq!(
            nesting_depth(br#"{"a": [1, {"b": "[[[{{"}], "c": "\\"]"}"#),
            3
        );
        let deep = format!("{{\"subject\": {}1{}}}", "[".repeat(40), "]".repeat(40));
        assert_eq!(
            parse_json::<Body>(deep.as_bytes())
                .unwrap_err()
                .problem()
                .status,
            400
        );
        let missing = parse_json::<Body>(b"{}").unwrap_err().problem();
        assert_eq!(
            (missing.status, missing.errors[0].field.as_str()),
            (422, "subject")
        );
        assert!(missing.errors[0].message.contains("subject"));
        assert_eq!(
            parse_json::<Body>(b"{\"subject\": \"x\"} trailing")
                .unwrap_err()
                .problem()
                .status,
            400
        );
    }

    #[test]
    fn if_match_accepts_strong_weak_and_any() {
        assert_eq!(parse_if_match("\"3\"").unwrap(), Some(3));
        assert_eq!(parse_if_match("W/\"4\"").unwrap(), Some(4));
        assert_eq!(parse_if_match("*").unwrap(), None);
        assert!(parse_if_match("\"abc\"").is_err());
    }
}
