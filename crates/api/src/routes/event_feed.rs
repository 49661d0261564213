use crate::auth::caller::Caller;
use crate::dto::messages::EventResponse;
use crate::error::ApiError;
use crate::extract::ValidQuery;
use crate::openapi::{BadRequest, Forbidden, Unauthorized, Unprocessable};
use crate::routes::check_event_kinds;
use crate::state::AppState;
use actix_web::{get, web, HttpResponse};
use helpdesk_domain::permissions::{can_see_internal, ensure, ticket_scope, Action};
use helpdesk_persistence::events::{self, FeedQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config.service(event_feed);
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FeedParams {
    /// Only events with a greater id: the `next_after` of the previous page (0 or absent: from the start).
    #[validate(range(min = 0))]
    pub after: Option<i64>,
    /// Page size, 1 to 200 (default 50).
    #[validate(range(min = 1, max = 200))]
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<i64>,
    /// Repeatable: only these kinds, e.g. `?kind=created&kind=status_changed`.
    #[serde(default)]
    #[validate(length(max = 20))]
    pub kind: Vec<String>,
    pub ticket_id: Option<i64>,
}

/// A page of the feed; ask again with `after=next_after` to continue.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedPage {
    pub items: Vec<EventResponse>,
    /// Where to continue: the last event returned, or, when the page is not full, the newest event
    /// there is (events the caller may not see are skipped for good).
    pub next_after: i64,
}

/// Every event of the tickets the caller may see, in one global order. Event ids are assigned in
/// commit order, so following `next_after` resumes exactly where the previous page stopped, with
/// nothing missed or repeated, even while tickets are being changed.
#[utoipa::path(
    tag = "tickets",
    params(FeedParams),
    responses((status = 200, description = "A page of the event feed", body = FeedPage), BadRequest, Unauthorized, Forbidden, Unprocessable),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/events")]
async fn event_feed(
    state: web::Data<AppState>,
    caller: Caller,
    ValidQuery(params): ValidQuery<FeedParams>,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::ReadTickets)?;
    check_event_kinds(&params.kind, "kind")?;
    let after = params.after.unwrap_or(0);
    let query = FeedQuery {
        scope: ticket_scope(&caller.actor),
        include_internal: can_see_internal(&caller.actor),
        after,
        kinds: params.kind,
        ticket_id: params.ticket_id,
        limit: params.limit.unwrap_or(50),
    };
    let limit = query.limit;
    let (events, horizon) = state
        .read(move |c| {
            // Read the horizon first: every event up to it is committed and, if this reader may see it,
            // in the page below unless the page is full.
            let horizon = events::last_event_id(c)?;
            Ok((events::event_feed(c, &query)?, horizon))
        })
        .await?;
    let page_full = i64::try_from(events.len()).unwrap_or(i64::MAX) >= limit;
    let last_read = events.last().map_or(after, |event| event.id);
    // A scoped reader skips what it may not see instead of scanning it again on every poll.
    let next_after = if page_full {
        last_read
    } else {
        last_read.max(horizon)
    };
    Ok(HttpResponse::Ok().json(FeedPage {
        items: events.into_iter().map(EventResponse::from).collect(),
        next_after,
    }))
}
