//! Bodies that may carry files: `application/json`, or `multipart/form-data` with the same JSON in one
//! part (named by [`UploadForm::JSON_PART`]) and each file in an `attachments` part.
//!
//! Handlers read the body with [`read_form`] only after their permission checks, so nobody can make the
//! server take in files it would refuse. Files stream into staged temporary files (memory stays flat),
//! hashed and size-checked as they arrive; [`keep_files`] then keeps them under their hash with a type
//! sniffed from their first bytes.

use crate::error::ApiError;
use crate::extract::parse_json;
use crate::state::AppState;
use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::web::{self, BytesMut};
use actix_web::HttpRequest;
use futures_util::StreamExt;
use helpdesk_domain::attachment::{
    clean_filename, sniff_content_type, NewAttachment, MAX_FILES_PER_MESSAGE, SNIFF_BYTES,
};
use helpdesk_persistence::blobs::BlobStore;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::sync::Arc;
use tempfile::NamedTempFile;
use validator::Validate;

/// The multipart part name of the files.
pub const FILES_PART: &str = "attachments";
/// Room for the boundaries and part headers of a multipart body.
const MULTIPART_OVERHEAD: usize = 64 * 1024;
/// Staged content is written in pieces of this size, off the async threads.
const WRITE_BYTES: usize = 256 * 1024;

/// A request body that can come with files.
pub trait UploadForm {
    /// The multipart part holding the request's JSON.
    const JSON_PART: &'static str;
}

/// A file as it arrived, staged on the file store's disk.
#[derive(Debug)]
pub struct Upload {
    pub filename: String,
    sha256: String,
    size_bytes: i64,
    /// The first bytes, for sniffing the type.
    head: Vec<u8>,
    staged: NamedTempFile,
}

/// The validated request and its files (none for a JSON body).
#[derive(Debug)]
pub struct WithFiles<T> {
    pub request: T,
    pub files: Vec<Upload>,
}

/// Reads a JSON or multipart body into `T` and its staged files, within the configured limits.
pub async fn read_form<T>(
    http: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
) -> Result<WithFiles<T>, ApiError>
where
    T: DeserializeOwned + Validate + UploadForm,
{
    let mime = http
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<mime::Mime>().ok());
    let declared_length = http
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    let config = &state.config;
    match mime {
        Some(m) if m.type_() == mime::MULTIPART && m.subtype() == mime::FORM_DATA => {
            // Files, the JSON part and room for the parts' headers: anything longer cannot fit.
            let most = config.max_upload_bytes + config.max_body_bytes + MULTIPART_OVERHEAD;
            if declared_length.is_some_and(|length| length > most) {
                return Err(too_large(format!(
                    "a request may carry at most {} bytes of files",
                    config.max_upload_bytes
                )));
            }
            let multipart = Multipart::new(http.headers(), payload.into_inner());
            read_multipart(multipart, state).await
        }
        Some(m) if m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON) => {
            let json = read_limited(payload, config.max_body_bytes).await?;
            Ok(WithFiles {
                request: validated(&json)?,
                files: Vec::new(),
            })
        }
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as application/json, or as multipart/form-data with files",
        )),
    }
}

fn validated<T: DeserializeOwned + Validate>(json: &[u8]) -> Result<T, ApiError> {
    let request: T = parse_json(json)?;
    request.validate().map_err(ApiError::from)?;
    Ok(request)
}

fn too_large(detail: String) -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", detail)
}

/// A whole body of at most `limit` bytes.
pub async fn read_limited(mut payload: web::Payload, limit: usize) -> Result<BytesMut, ApiError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|error| {
            ApiError::bad_request(format!("the body could not be read: {error}"))
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large(
                "the request body is larger than this server accepts".into(),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

async fn read_multipart<T>(
    mut multipart: Multipart,
    state: &AppState,
) -> Result<WithFiles<T>, ApiError>
where
    T: DeserializeOwned + Validate + UploadForm,
{
    let config = &state.config;
    let mut json: Option<BytesMut> = None;
    let mut files = Vec::new();
    let mut total = 0usize;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(malformed)?;
        let name = field.name().unwrap_or_default().to_owned();
        if name == T::JSON_PART {
            if json.is_some() {
                return Err(ApiError::invalid(T::JSON_PART, "is sent twice"));
            }
            let mut bytes = BytesMut::new();
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(malformed)?;
                if bytes.len() + chunk.len() > config.max_body_bytes {
                    return Err(too_large(
                        "the request body is larger than this server accepts".into(),
                    ));
                }
                bytes.extend_from_slice(&chunk);
            }
            json = Some(bytes);
        } else if name == FILES_PART {
            if files.len() == MAX_FILES_PER_MESSAGE {
                return Err(ApiError::invalid(
                    FILES_PART,
                    format!("at most {MAX_FILES_PER_MESSAGE} files per message"),
                ));
            }
            let filename = clean_filename(
                field
                    .content_disposition()
                    .and_then(|disposition| disposition.get_filename())
                    .unwrap_or_default(),
            );
            let mut file = Staging::new(state.blobs.clone())?;
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(malformed)?;
                total += chunk.len();
                if file.size + chunk.len() > config.max_attachment_bytes {
                    return Err(too_large(format!(
                        "each attachment may have at most {} bytes",
                        config.max_attachment_bytes
                    )));
                }
                if total > config.max_upload_bytes {
                    return Err(too_large(format!(
                        "a request may carry at most {} bytes of files",
                        config.max_upload_bytes
                    )));
                }
                file.write(&chunk).await?;
            }
            files.push(file.finish(filename).await?);
        } else {
            return Err(ApiError::invalid(
                &name,
                format!(
                    "is not a part of this form (send `{}` and `{FILES_PART}`)",
                    T::JSON_PART
                ),
            ));
        }
    }
    let json = json.ok_or_else(|| {
        ApiError::invalid(
            T::JSON_PART,
            "is required: the request as JSON in this part",
        )
    })?;
    Ok(WithFiles {
        request: validated(&json)?,
        files,
    })
}

/// A file being staged: hashed as it arrives, written in pieces off the async threads.
struct Staging {
    file: Option<NamedTempFile>,
    hasher: Sha256,
    size: usize,
    head: Vec<u8>,
    pending: Vec<u8>,
}

impl Staging {
    fn new(blobs: Arc<dyn BlobStore>) -> Result<Staging, ApiError> {
        Ok(Staging {
            file: Some(blobs.stage().map_err(ApiError::internal)?),
            hasher: Sha256::new(),
            size: 0,
            head: Vec::new(),
            pending: Vec::new(),
        })
    }

    async fn write(&mut self, chunk: &[u8]) -> Result<(), ApiError> {
        self.hasher.update(chunk);
        self.size += chunk.len();
        let room = SNIFF_BYTES.saturating_sub(self.head.len());
        self.head.extend_from_slice(&chunk[..chunk.len().min(room)]);
        self.pending.extend_from_slice(chunk);
        if self.pending.len() >= WRITE_BYTES {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), ApiError> {
        let (mut file, pending) = (
            self.file
                .take()
                .ok_or_else(|| ApiError::internal("staged file lost"))?,
            std::mem::take(&mut self.pending),
        );
        let file = web::block(move || file.write_all(&pending).map(|()| file))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)?;
        self.file = Some(file);
        Ok(())
    }

    async fn finish(mut self, filename: String) -> Result<Upload, ApiError> {
        self.flush().await?;
        Ok(Upload {
            filename,
            sha256: hex::encode(self.hasher.finalize()),
            size_bytes: i64::try_from(self.size).unwrap_or(i64::MAX),
            head: self.head,
            staged: self
                .file
                .ok_or_else(|| ApiError::internal("staged file lost"))?,
        })
    }
}

fn malformed(error: actix_multipart::MultipartError) -> ApiError {
    ApiError::bad_request(format!("the multipart body could not be read: {error}"))
}

/// Keeps the staged files in the store and describes them for the database.
pub async fn keep_files(
    state: &AppState,
    files: Vec<Upload>,
) -> Result<Vec<NewAttachment>, ApiError> {
    keep_each(state, files, |blobs, file| {
        blobs.keep(file.staged, &file.sha256)?;
        Ok(NewAttachment {
            content_type: sniff_content_type(&file.head),
            size_bytes: file.size_bytes,
            filename: file.filename,
            sha256: file.sha256,
        })
    })
    .await
}

/// Keeps files that are in memory already (a mail's attachments) and describes them.
pub async fn keep_bytes(
    state: &AppState,
    files: Vec<(String, web::Bytes)>,
) -> Result<Vec<NewAttachment>, ApiError> {
    keep_each(state, files, |blobs, (filename, bytes)| {
        Ok(NewAttachment {
            sha256: blobs.put(&bytes)?,
            content_type: sniff_content_type(&bytes[..bytes.len().min(SNIFF_BYTES)]),
            size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            filename,
        })
    })
    .await
}

/// Runs `keep` on each file off the async threads (file writes block).
async fn keep_each<T: Send + 'static>(
    state: &AppState,
    files: Vec<T>,
    keep: fn(&dyn BlobStore, T) -> std::io::Result<NewAttachment>,
) -> Result<Vec<NewAttachment>, ApiError> {
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let blobs = state.blobs.clone();
    web::block(move || {
        files
            .into_iter()
            .map(|file| keep(blobs.as_ref(), file).map_err(ApiError::internal))
            .collect()
    })
    .await
    .map_err(ApiError::internal)?
}
