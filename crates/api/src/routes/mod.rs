//! The routes, one file per resource. Each file's `configure` registers its handlers; the OpenAPI
//! document is collected from the same registrations.

pub mod agents;
pub mod api_keys;
pub mod attachments;
pub mod auth;
pub mod business_hours;
pub mod customers;
pub mod departments;
pub mod event_feed;
pub mod help_topics;
pub mod inbound_email;
pub mod messages;
pub mod ops;
pub mod sla_plans;
pub mod teams;
pub mod ticket_sla;
pub mod tickets;
pub mod webhooks;

use utoipa_actix_web::service_config::ServiceConfig;

/// Everything under `/api/v1`.
pub fn configure(config: &mut ServiceConfig) {
    config
        .configure(auth::configure)
        .configure(agents::configure)
        .configure(customers::configure)
        .configure(departments::configure)
        .configure(teams::configure)
        .configure(business_hours::configure)
        .configure(sla_plans::configure)
        .configure(help_topics::configure)
        .configure(tickets::configure)
        .configure(messages::configure)
        .configure(attachments::configure)
        .configure(ticket_sla::configure)
        .configure(event_feed::configure)
        .configure(inbound_email::configure)
        .configure(api_keys::configure)
        .configure(webhooks::configure);
}

/// Looks up a record a request refers to by id: a missing one is the request's fault (422 on `field`).
pub(crate) fn referenced<T>(
    result: Result<T, helpdesk_persistence::RepoError>,
    field: &str,
) -> Result<T, crate::error::ApiError> {
    match result {
        Err(helpdesk_persistence::RepoError::NotFound) => Err(crate::error::ApiError::invalid(
            field,
            "refers to nothing that exists",
        )),
        other => Ok(other?),
    }
}

/// A read the caller must be allowed to make: checks `action`, loads, answers 200 with `convert`ed JSON.
pub(crate) async fn read_json<T, R, F>(
    state: &crate::state::AppState,
    caller: &crate::auth::caller::Caller,
    action: helpdesk_domain::Action,
    load: F,
    convert: impl FnOnce(T) -> R,
) -> Result<actix_web::HttpResponse, crate::error::ApiError>
where
    F: FnOnce(
            &mut helpdesk_persistence::DbConnection,
        ) -> Result<T, helpdesk_persistence::RepoError>
        + Send
        + 'static,
    T: Send + 'static,
    R: serde::Serialize,
{
    helpdesk_domain::permissions::ensure(&caller.actor, action)?;
    let value = state.read(move |c| Ok(load(c)?)).await?;
    Ok(actix_web::HttpResponse::Ok().json(convert(value)))
}

/// A delete the caller must be allowed to make: checks `action`, deletes, answers 204.
pub(crate) async fn delete_by<F>(
    state: &crate::state::AppState,
    caller: &crate::auth::caller::Caller,
    action: helpdesk_domain::Action,
    delete: F,
) -> Result<actix_web::HttpResponse, crate::error::ApiError>
where
    F: FnOnce(
            &mut helpdesk_persistence::DbConnection,
        ) -> Result<(), helpdesk_persistence::RepoError>
        + Send
        + 'static,
{
    helpdesk_domain::permissions::ensure(&caller.actor, action)?;
    state.write(move |c| Ok(delete(c)?)).await?;
    Ok(actix_web::HttpResponse::NoContent().finish())
}

/// Event kinds named in a request must exist; `field` names the list (`kind`, `event_kinds`).
pub(crate) fn check_event_kinds(
    kinds: &[String],
    field: &str,
) -> Result<(), crate::error::ApiError> {
    for (index, kind) in kinds.iter().enumerate() {
        if helpdesk_domain::EventKind::parse(kind).is_none() {
            let known: Vec<&str> = helpdesk_domain::EventKind::ALL
                .iter()
                .map(|k| k.as_str())
                .collect();
            return Err(crate::error::ApiError::invalid(
                &format!("{field}[{index}]"),
                format!("must be one of: {}", known.join(", ")),
            ));
        }
    }
    Ok(())
}
