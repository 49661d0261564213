use crate::auth::caller::Caller;
use crate::dto::attachments::FileContent;
use crate::error::ApiError;
use crate::openapi::{Forbidden, NotFound, Unauthorized};
use crate::state::AppState;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{get, web, HttpResponse};
use helpdesk_domain::permissions::ensure_can_see_message;
use helpdesk_persistence::{attachments, tickets};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(config: &mut ServiceConfig) {
    config.service(download_attachment);
}

/// Downloads a file, for whoever may see the message it is attached to (an internal note's files only
/// for staff). Always served as a download with the sniffed type, never rendered inline.
#[utoipa::path(
    tag = "tickets",
    params(("id" = i64, Path, description = "Attachment id")),
    responses(
        (status = 200, description = "The file, as the type sniffed from it (`application/octet-stream` when unknown)", content_type = "*/*", body = inline(FileContent),
            headers(("Content-Disposition" = String, description = "`attachment` with the file name"),
                    ("ETag" = String, description = "The content's SHA-256"))),
        Unauthorized, Forbidden, NotFound
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/attachments/{id}")]
async fn download_attachment(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let attachment = state
        .read(move |c| {
            let (attachment, internal) = attachments::find_attachment(c, id)?;
            let ticket = tickets::find_ticket(c, attachment.ticket_id)?;
            ensure_can_see_message(&caller.actor, &ticket, internal)?;
            Ok(attachment)
        })
        .await?;
    let blobs = state.blobs.clone();
    let key = attachment.sha256.clone();
    let bytes = web::block(move || blobs.get(&key))
        .await
        .map_err(ApiError::internal)?
        .map_err(|error| {
            ApiError::internal(format!(
                "attachment {id}: content {} is unreadable: {error}",
                attachment.sha256
            ))
        })?;
    Ok(HttpResponse::Ok()
        .content_type(attachment.content_type)
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::FilenameExt(header::ExtendedValue {
                charset: header::Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: attachment.filename.into_bytes(),
            })],
        })
        .insert_header((header::ETAG, format!("\"{}\"", attachment.sha256)))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header(("Content-Security-Policy", "default-src 'none'; sandbox"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(bytes))
}
