//! Full-text search over ticket subjects and messages: PostgreSQL `tsvector` with a GIN index, SQLite
//! FTS5. The two dialects differ, so each statement is written per backend.

use crate::connection::DbConnection;
use crate::error::RepoResult;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use helpdesk_domain::TicketScope;

/// Adds a message's text (or, without `message_id`, a ticket's subject) to the index.
pub fn index_text(
    connection: &mut DbConnection,
    ticket_id: i64,
    message_id: Option<i64>,
    internal: bool,
    text: &str,
) -> RepoResult<()> {
    match connection {
        DbConnection::Postgres(pg) => {
            diesel::sql_query(
                "INSERT INTO ticket_search (ticket_id, message_id, internal, document) VALUES ($1, $2, $3, to_tsvector('simple', regexp_replace($4, '[^[:alnum:]]+', ' ', 'g')))",
            )
            .bind::<BigInt, _>(ticket_id)
            .bind::<Nullable<BigInt>, _>(message_id)
            .bind::<Bool, _>(internal)
            .bind::<Text, _>(text)
            .execute(pg)?;
        }
        DbConnection::Sqlite(sqlite) => {
            diesel::sql_query("INSERT INTO ticket_search (text, ticket_id, message_id, internal) VALUES (?, ?, ?, ?)")
                .bind::<Text, _>(text)
                .bind::<BigInt, _>(ticket_id)
                .bind::<Nullable<BigInt>, _>(message_id)
                .bind::<Bool, _>(internal)
                .execute(sqlite)?;
        }
    }
    Ok(())
}

/// Replaces the indexed subject of a ticket.
pub fn reindex_subject(
    connection: &mut DbConnection,
    ticket_id: i64,
    subject: &str,
) -> RepoResult<()> {
    let delete = "DELETE FROM ticket_search WHERE ticket_id = ? AND message_id IS NULL";
    match connection {
        DbConnection::Postgres(pg) => {
            diesel::sql_query(delete.replace('?', "$1"))
                .bind::<BigInt, _>(ticket_id)
                .execute(pg)?;
        }
        DbConnection::Sqlite(sqlite) => {
            diesel::sql_query(delete)
                .bind::<BigInt, _>(ticket_id)
                .execute(sqlite)?;
        }
    }
    index_text(connection, ticket_id, None, false, subject)
}

#[derive(QueryableByName)]
struct Match {
    #[diesel(sql_type = BigInt)]
    ticket_id: i64,
}

/// The most recent tickets (up to `limit`) that contain every word of `query` somewhere in their
/// subject or messages; internal notes count only when `include_internal`.
pub fn matching_ticket_ids(
    connection: &mut DbConnection,
    query: &str,
    scope: &TicketScope,
    include_internal: bool,
    limit: i64,
) -> RepoResult<Vec<i64>> {
    let words: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .take(20)
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    // One select per word, intersected: the words may stand in different messages of the ticket. Each
    // word is bound as a quoted term, so user input never becomes query syntax.
    let matches: Vec<Match> = match connection {
        DbConnection::Postgres(pg) => {
            let visible = if include_internal {
                ""
            } else {
                " AND NOT internal"
            };
            let selects: Vec<String> = (1..=words.len())
                .map(|n| format!("SELECT ticket_id FROM ticket_search WHERE document @@ to_tsquery('simple', ${n}){visible}"))
                .collect();
            let sql = format!(
                "SELECT ticket_id FROM ({}) AS matches WHERE {} ORDER BY ticket_id DESC LIMIT {}",
                selects.join(" INTERSECT "),
                scope_condition(scope),
                limit.max(1)
            );
            let mut statement = diesel::sql_query(sql).into_boxed::<diesel::pg::Pg>();
            for word in &words {
                statement = statement.bind::<Text, _>(format!("'{}'", word.replace('\'', "")));
            }
            statement.load(pg)?
        }
        DbConnection::Sqlite(sqlite) => {
            let visible = if include_internal {
                ""
            } else {
                " AND internal = 0"
            };
            let selects: Vec<String> = words
                .iter()
                .map(|_| format!("SELECT CAST(ticket_id AS INTEGER) AS ticket_id FROM ticket_search WHERE ticket_search MATCH ?{visible}"))
                .collect();
            let sql = format!(
                "SELECT ticket_id FROM ({}) WHERE {} ORDER BY ticket_id DESC LIMIT {}",
                selects.join(" INTERSECT "),
                scope_condition(scope),
                limit.max(1)
            );
            let mut statement = diesel::sql_query(sql).into_boxed::<diesel::sqlite::Sqlite>();
            for word in &words {
                statement = statement.bind::<Text, _>(format!("\"{word}\""));
            }
            statement.load(sqlite)?
        }
    };
    Ok(matches.into_iter().map(|m| m.ticket_id).collect())
}

/// The tickets `scope` lets the reader see, as SQL over `ticket_id`: the cap on matches applies to
/// what the reader may see, not to everyone's tickets. Only integers are written into the SQL.
fn scope_condition(scope: &TicketScope) -> String {
    match scope {
        TicketScope::All => "1 = 1".to_owned(),
        TicketScope::RequestedBy(requester) => {
            format!("ticket_id IN (SELECT id FROM tickets WHERE requester_id = {requester})")
        }
        TicketScope::DepartmentsOrAssigned {
            agent_id,
            department_ids,
        } => {
            let departments: Vec<String> = department_ids.iter().map(i64::to_string).collect();
            let in_departments = if departments.is_empty() {
                "1 = 0".to_owned()
            } else {
                format!("department_id IN ({})", departments.join(", "))
            };
            format!("ticket_id IN (SELECT id FROM tickets WHERE {in_departments} OR assignee_id = {agent_id})")
        }
    }
}
