use crate::auth::caller::Caller;
use crate::dto::sla::TicketSlaResponse;
use crate::error::ApiError;
use crate::openapi::{Forbidden, NotFound, Unauthorized};
use crate::routes::tickets::load_visible_ticket;
use crate::sla_service::evaluate_ticket;
use crate::state::AppState;
use actix_web::{get, web, HttpResponse};
use helpdesk_domain::permissions::{ensure, Action};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(config: &mut ServiceConfig) {
    config.service(get_ticket_sla);
}

/// The ticket's SLA clocks evaluated now: state (`running`, `paused`, `met`, `breached`), due date,
/// business minutes used and left, pauses, and an explanation an agent can read. Staff only.
#[utoipa::path(
    tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, description = "The ticket's SLA clocks", body = TicketSlaResponse), Unauthorized, Forbidden, NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tickets/{id}/sla")]
async fn get_ticket_sla(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (id, now) = (id.into_inner(), state.clock.now());
    let response = state
        .read(move |c| {
            let ticket = load_visible_ticket(c, &caller.actor, id)?;
            ensure(&caller.actor, Action::ReadDirectory)?;
            let report = evaluate_ticket(c, &ticket, &[], now)?;
            Ok(TicketSlaResponse::new(
                ticket.id,
                ticket.sla_plan_id,
                &report,
                now,
            ))
        })
        .await?;
    Ok(HttpResponse::Ok().json(response))
}
