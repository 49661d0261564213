//! Bodies that may carry files: `application/json`, or `multipart/form-data` with the same JSON in one
//! part (named by [`UploadForm::JSON_PART`]) and each file in an `attachments` part. Files are checked
//! against the size limit while they stream in, then stored under their SHA-256 with a type sniffed
//! from their content.

use crate::error::ApiError;
use crate::extract::{parse_json, ValidJson};
use crate::state::AppState;
use actix_multipart::Multipart;
use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use helpdesk_domain::attachment::{
    clean_filename, sniff_content_type, NewAttachment, MAX_FILES_PER_MESSAGE,
};
use serde::de::DeserializeOwned;
use validator::Validate;

/// The multipart part name of the files.
pub const FILES_PART: &str = "attachments";

/// A request body that can come with files.
pub trait UploadForm {
    /// The multipart part holding the request's JSON.
    const JSON_PART: &'static str;
}

/// A file as it arrived.
#[derive(Debug)]
pub struct Upload {
    pub filename: String,
    pub bytes: Bytes,
}

/// The validated request and its files (none for a JSON body).
#[derive(Debug)]
pub struct WithFiles<T> {
    pub request: T,
    pub files: Vec<Upload>,
}

impl<T> FromRequest for WithFiles<T>
where
    T: DeserializeOwned + Validate + UploadForm + 'static,
{
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_multipart = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<mime::Mime>().ok())
            .is_some_and(|mime| {
                mime.type_() == mime::MULTIPART && mime.subtype() == mime::FORM_DATA
            });
        if !is_multipart {
            let json = ValidJson::<T>::from_request(request, payload);
            return Box::pin(async move {
                let ValidJson(request) = json.await?;
                Ok(WithFiles {
                    request,
                    files: Vec::new(),
                })
            });
        }
        let limits = request
            .app_data::<web::Data<AppState>>()
            .map(|state| Limits {
                json_bytes: state.config.max_body_bytes,
                file_bytes: state.config.max_attachment_bytes,
            })
            .unwrap_or_default();
        let multipart = Multipart::new(request.headers(), payload.take());
        Box::pin(async move { Ok(read_form::<T>(multipart, limits).await?) })
    }
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    json_bytes: usize,
    file_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        let config = crate::config::Config::default();
        Limits {
            json_bytes: config.max_body_bytes,
            file_bytes: config.max_attachment_bytes,
        }
    }
}

async fn read_form<T>(mut multipart: Multipart, limits: Limits) -> Result<WithFiles<T>, ApiError>
where
    T: DeserializeOwned + Validate + UploadForm,
{
    let mut json = None;
    let mut files = Vec::new();
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(malformed)?;
        let name = field.name().unwrap_or_default().to_owned();
        let (limit, too_large) = if name == T::JSON_PART {
            (
                limits.json_bytes,
                "the request body is larger than this server accepts".to_owned(),
            )
        } else if name == FILES_PART {
            if files.len() == MAX_FILES_PER_MESSAGE {
                return Err(ApiError::invalid(
                    FILES_PART,
                    format!("at most {MAX_FILES_PER_MESSAGE} files per message"),
                ));
            }
            (
                limits.file_bytes,
                format!(
                    "each attachment may have at most {} bytes",
                    limits.file_bytes
                ),
            )
        } else {
            return Err(ApiError::invalid(
                &name,
                format!(
                    "is not a part of this form (send `{}` and `{FILES_PART}`)",
                    T::JSON_PART
                ),
            ));
        };
        let filename = field
            .content_disposition()
            .and_then(|disposition| disposition.get_filename())
            .map(clean_filename);
        let mut bytes = BytesMut::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(malformed)?;
            if bytes.len() + chunk.len() > limit {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    too_large,
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        if name == T::JSON_PART {
            if json.replace(bytes.freeze()).is_some() {
                return Err(ApiError::invalid(T::JSON_PART, "is sent twice"));
            }
        } else {
            files.push(Upload {
                filename: filename.unwrap_or_else(|| clean_filename("")),
                bytes: bytes.freeze(),
            });
        }
    }
    let json = json.ok_or_else(|| {
        ApiError::invalid(
            T::JSON_PART,
            "is required: the request as JSON in this part",
        )
    })?;
    let request: T = parse_json(&json)?;
    request.validate().map_err(ApiError::from)?;
    Ok(WithFiles { request, files })
}

fn malformed(error: actix_multipart::MultipartError) -> ApiError {
    ApiError::bad_request(format!("the multipart body could not be read: {error}"))
}

/// Stores the files (off the async threads) and describes them for the database.
pub async fn store_files(
    state: &AppState,
    files: Vec<Upload>,
) -> Result<Vec<NewAttachment>, ApiError> {
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let blobs = state.blobs.clone();
    web::block(move || {
        files
            .into_iter()
            .map(|file| {
                let sha256 = blobs.put(&file.bytes).map_err(ApiError::internal)?;
                Ok(NewAttachment {
                    content_type: sniff_content_type(&file.bytes),
                    size_bytes: i64::try_from(file.bytes.len()).unwrap_or(i64::MAX),
                    filename: file.filename,
                    sha256,
                })
            })
            .collect()
    })
    .await
    .map_err(ApiError::internal)?
}
