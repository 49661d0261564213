//! Attachment records: which message carries which stored file.

use crate::connection::DbConnection;
use crate::error::RepoResult;
use crate::schema::{attachments, messages};
use crate::time::{from_db, to_db};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use helpdesk_domain::attachment::{Attachment, NewAttachment};

type AttachmentRow = (i64, i64, i64, String, String, i64, String, NaiveDateTime);

fn from_row(row: AttachmentRow) -> Attachment {
    let (id, ticket_id, message_id, filename, content_type, size_bytes, sha256, created_at) = row;
    Attachment {
        id,
        ticket_id,
        message_id,
        filename,
        content_type,
        size_bytes,
        sha256,
        created_at: from_db(created_at),
    }
}

const COLUMNS: (
    attachments::id,
    attachments::ticket_id,
    attachments::message_id,
    attachments::filename,
    attachments::content_type,
    attachments::size_bytes,
    attachments::sha256,
    attachments::created_at,
) = (
    attachments::id,
    attachments::ticket_id,
    attachments::message_id,
    attachments::filename,
    attachments::content_type,
    attachments::size_bytes,
    attachments::sha256,
    attachments::created_at,
);

/// Attaches stored files to a message of a ticket, in the order given.
pub fn attach(
    connection: &mut DbConnection,
    ticket_id: i64,
    message_id: i64,
    files: &[NewAttachment],
    now: DateTime<Utc>,
) -> RepoResult<Vec<Attachment>> {
    let mut attached = Vec::with_capacity(files.len());
    for file in files {
        let id = diesel::insert_into(attachments::table)
            .values((
                attachments::ticket_id.eq(ticket_id),
                attachments::message_id.eq(message_id),
                attachments::filename.eq(&file.filename),
                attachments::content_type.eq(&file.content_type),
                attachments::size_bytes.eq(file.size_bytes),
                attachments::sha256.eq(&file.sha256),
                attachments::created_at.eq(to_db(now)),
            ))
            .returning(attachments::id)
            .get_result::<i64>(connection)?;
        attached.push(Attachment {
            id,
            ticket_id,
            message_id,
            filename: file.filename.clone(),
            content_type: file.content_type.clone(),
            size_bytes: file.size_bytes,
            sha256: file.sha256.clone(),
            created_at: now,
        });
    }
    Ok(attached)
}

/// The files of these messages, in upload order (one query for a whole page of messages).
pub fn of_messages(
    connection: &mut DbConnection,
    message_ids: &[i64],
) -> RepoResult<Vec<Attachment>> {
    if message_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(attachments::table
        .filter(attachments::message_id.eq_any(message_ids))
        .order(attachments::id)
        .select(COLUMNS)
        .load::<AttachmentRow>(connection)?
        .into_iter()
        .map(from_row)
        .collect())
}

/// An attachment and whether its message is an internal note (which decides who may download it).
pub fn find_attachment(connection: &mut DbConnection, id: i64) -> RepoResult<(Attachment, bool)> {
    let (row, internal) = attachments::table
        .inner_join(messages::table)
        .filter(attachments::id.eq(id))
        .select((COLUMNS, messages::internal))
        .first::<(AttachmentRow, bool)>(connection)?;
    Ok((from_row(row), internal))
}

/// Those of `keys` (stored files) that no attachment refers to.
pub fn unreferenced(connection: &mut DbConnection, keys: &[String]) -> RepoResult<Vec<String>> {
    let mut unused = Vec::new();
    for chunk in keys.chunks(500) {
        let used: Vec<String> = attachments::table
            .filter(attachments::sha256.eq_any(chunk))
            .select(attachments::sha256)
            .distinct()
            .load(connection)?;
        unused.extend(chunk.iter().filter(|key| !used.contains(key)).cloned());
    }
    Ok(unused)
}
