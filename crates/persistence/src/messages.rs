//! A ticket's conversation: public replies and internal notes.

use crate::connection::DbConnection;
use crate::error::{RepoError, RepoResult};
use crate::pagination::{Cursor, Page, PageRequest};
use crate::schema::messages;
use crate::time::{from_db, to_db};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use helpdesk_domain::message::{Message, NewMessage};

#[derive(Queryable)]
struct MessageRow {
    id: i64,
    ticket_id: i64,
    internal: bool,
    author_type: String,
    author_id: Option<i64>,
    author_name: String,
    body: String,
    created_at: NaiveDateTime,
}

impl TryFrom<MessageRow> for Message {
    type Error = RepoError;
    fn try_from(row: MessageRow) -> RepoResult<Message> {
        Ok(Message {
            id: row.id,
            ticket_id: row.ticket_id,
            internal: row.internal,
            author_type: row.author_type.parse().map_err(RepoError::Corrupt)?,
            author_id: row.author_id,
            author_name: row.author_name,
            body: row.body,
            created_at: from_db(row.created_at),
        })
    }
}

pub fn insert_message(connection: &mut DbConnection, message: &NewMessage) -> RepoResult<Message> {
    let row = diesel::insert_into(messages::table)
        .values((
            messages::ticket_id.eq(message.ticket_id),
            messages::internal.eq(message.internal),
            messages::author_type.eq(message.author_type.as_str()),
            messages::author_id.eq(message.author_id),
            messages::author_name.eq(&message.author_name),
            messages::body.eq(&message.body),
            messages::created_at.eq(to_db(message.created_at)),
        ))
        .returning(messages::all_columns)
        .get_result::<MessageRow>(connection)?;
    crate::search::add_text(
        connection,
        message.ticket_id,
        message.internal,
        &message.body,
    )?;
    row.try_into()
}

pub fn find_message(connection: &mut DbConnection, id: i64) -> RepoResult<Message> {
    messages::table
        .find(id)
        .first::<MessageRow>(connection)?
        .try_into()
}

/// A ticket's messages, oldest first; internal notes only when `include_internal`.
pub fn list_messages(
    connection: &mut DbConnection,
    ticket_id: i64,
    include_internal: bool,
    page: &PageRequest,
) -> RepoResult<Page<Message>> {
    let mut query = messages::table
        .filter(messages::ticket_id.eq(ticket_id))
        .into_boxed();
    if !include_internal {
        query = query.filter(messages::internal.eq(false));
    }
    if let Some(after) = page.position()? {
        query = query.filter(messages::id.gt(after.id));
    }
    let rows = query
        .order(messages::id)
        .limit(page.limit() + 1)
        .load::<MessageRow>(connection)?;
    let items = rows
        .into_iter()
        .map(Message::try_from)
        .collect::<RepoResult<Vec<_>>>()?;
    Ok(Page::from_rows(items, page.limit(), |m: &Message| Cursor {
        key: 0,
        id: m.id,
    }))
}
