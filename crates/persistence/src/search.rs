//! Full-text search over tickets: one document per ticket and audience (the subject and public
//! messages for everyone; with the internal notes for staff), PostgreSQL `tsvector` with GIN indexes,
//! SQLite FTS5. A query's words must all stand somewhere in the ticket, which one document per ticket
//! makes a single index lookup. The two dialects differ, so each statement is written per backend.

use crate::connection::DbConnection;
use crate::error::RepoResult;
use crate::schema::{messages, tickets};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};
use helpdesk_domain::TicketScope;

/// PostgreSQL's words of a text: punctuation splits words, as FTS5's tokenizer does on SQLite
/// (`/var/log` and `ops@example.com` are found by their parts).
const PG_DOCUMENT: &str =
    "strip(to_tsvector('simple', regexp_replace($3, '[^[:alnum:]]+', ' ', 'g')))";

/// Adds `text` to a ticket's documents: a ticket's subject or public message to both, an internal
/// note to the staff document only.
pub fn add_text(
    connection: &mut DbConnection,
    ticket_id: i64,
    internal: bool,
    text: &str,
) -> RepoResult<()> {
    match connection {
        DbConnection::Postgres(pg) => {
            diesel::sql_query(format!(
                "INSERT INTO ticket_text (ticket_id, staff, document) \
                 SELECT $1, audience.staff, {PG_DOCUMENT} FROM (VALUES (TRUE), (FALSE)) AS audience (staff) \
                 WHERE audience.staff OR NOT $2 \
                 ON CONFLICT (ticket_id, staff) DO UPDATE SET document = ticket_text.document || EXCLUDED.document"
            ))
            .bind::<BigInt, _>(ticket_id)
            .bind::<Bool, _>(internal)
            .bind::<Text, _>(text)
            .execute(pg)?;
        }
        DbConnection::Sqlite(sqlite) => {
            // FTS5 re-reads a whole document to change it, so a document keeps each word once:
            // its size follows the ticket's vocabulary, not the length of its conversation.
            for staff in [true, false]
                .into_iter()
                .filter(|staff| *staff || !internal)
            {
                let rowid = sqlite_rowid(ticket_id, staff);
                let stored: Option<String> =
                    diesel::sql_query("SELECT text FROM ticket_text WHERE rowid = ?")
                        .bind::<BigInt, _>(rowid)
                        .get_result::<Document>(sqlite)
                        .optional()?
                        .map(|document| document.text);
                let Some(merged) = with_new_words(stored.as_deref().unwrap_or(""), text) else {
                    continue;
                };
                let statement = if stored.is_some() {
                    "UPDATE ticket_text SET text = ? WHERE rowid = ?"
                } else {
                    "INSERT INTO ticket_text (text, rowid) VALUES (?, ?)"
                };
                diesel::sql_query(statement)
                    .bind::<Text, _>(merged)
                    .bind::<BigInt, _>(rowid)
                    .execute(sqlite)?;
            }
        }
    }
    Ok(())
}

#[derive(QueryableByName)]
struct Document {
    #[diesel(sql_type = Text)]
    text: String,
}

/// The words of a text as search sees them: split at anything but letters and digits, lower case.
fn words_of(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
}

/// `document` (words separated by spaces) with the words of `text` it lacks added; `None` when it
/// lacks none.
fn with_new_words(document: &str, text: &str) -> Option<String> {
    let mut known: std::collections::HashSet<String> =
        document.split(' ').map(str::to_owned).collect();
    let mut merged = document.to_owned();
    for word in words_of(text) {
        if known.insert(word.clone()) {
            if !merged.is_empty() {
                merged.push(' ');
            }
            merged.push_str(&word);
        }
    }
    (merged.len() != document.len()).then_some(merged)
}

/// Writes a ticket's documents anew from its subject and messages (after its subject changed).
pub fn reindex_ticket(connection: &mut DbConnection, ticket_id: i64) -> RepoResult<()> {
    let subject: String = tickets::table
        .find(ticket_id)
        .select(tickets::subject)
        .first(connection)?;
    let conversation: Vec<(String, bool)> = messages::table
        .filter(messages::ticket_id.eq(ticket_id))
        .order(messages::id)
        .select((messages::body, messages::internal))
        .load(connection)?;
    for staff in [false, true] {
        let mut text = subject.clone();
        for (body, _) in conversation
            .iter()
            .filter(|(_, internal)| staff || !internal)
        {
            text.push(' ');
            text.push_str(body);
        }
        replace_document(connection, ticket_id, staff, &text)?;
    }
    Ok(())
}

fn replace_document(
    connection: &mut DbConnection,
    ticket_id: i64,
    staff: bool,
    text: &str,
) -> RepoResult<()> {
    match connection {
        DbConnection::Postgres(pg) => {
            diesel::sql_query(format!(
                "INSERT INTO ticket_text (ticket_id, staff, document) VALUES ($1, $2, {PG_DOCUMENT}) \
                 ON CONFLICT (ticket_id, staff) DO UPDATE SET document = EXCLUDED.document"
            ))
            .bind::<BigInt, _>(ticket_id)
            .bind::<Bool, _>(staff)
            .bind::<Text, _>(text)
            .execute(pg)?;
        }
        DbConnection::Sqlite(sqlite) => {
            let rowid = sqlite_rowid(ticket_id, staff);
            diesel::sql_query("DELETE FROM ticket_text WHERE rowid = ?")
                .bind::<BigInt, _>(rowid)
                .execute(sqlite)?;
            diesel::sql_query("INSERT INTO ticket_text (rowid, text) VALUES (?, ?)")
                .bind::<BigInt, _>(rowid)
                .bind::<Text, _>(with_new_words("", text).unwrap_or_default())
                .execute(sqlite)?;
        }
    }
    Ok(())
}

/// On SQLite a document's rowid carries its ticket and audience: ticket id * 2, plus 1 for staff.
fn sqlite_rowid(ticket_id: i64, staff: bool) -> i64 {
    ticket_id * 2 + i64::from(staff)
}

/// The newest tickets PostgreSQL searches first (see [`matching_ticket_ids`]).
const FIRST_WINDOW: i64 = 5_000;

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
    let words: Vec<String> = words_of(query).take(20).collect();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    // All words in one query over the ticket's document. Each word is quoted, so user input never
    // becomes query syntax (the words hold letters and digits only).
    let matches: Vec<Match> = match connection {
        DbConnection::Postgres(pg) => {
            let terms: Vec<String> = words.iter().map(|word| format!("'{word}'")).collect();
            let query = terms.join(" & ");
            // GIN finds every match, unordered, and each is checked against its row: a common word
            // costs in proportion to all tickets that hold it. The newest tickets are searched first,
            // in windows ten times wider each time, until the limit is reached: the newest matches of
            // a window are the newest overall, since every ticket outside it is older.
            let newest: i64 = tickets::table
                .select(diesel::dsl::max(tickets::id))
                .first::<Option<i64>>(pg)?
                .unwrap_or(0);
            let mut window = FIRST_WINDOW;
            loop {
                let floor = newest.saturating_sub(window);
                // `staff` is written as a literal so that the planner picks the audience's partial index.
                let sql = format!(
                    "SELECT ticket_id FROM ticket_text \
                     WHERE staff = {} AND document @@ to_tsquery('simple', $1) AND ticket_id > {floor} AND {} \
                     ORDER BY ticket_id DESC LIMIT {}",
                    if include_internal { "TRUE" } else { "FALSE" },
                    scope_condition(scope, "ticket_text.ticket_id"),
                    limit.max(1)
                );
                let found: Vec<Match> = diesel::sql_query(sql).bind::<Text, _>(&query).load(pg)?;
                if floor <= 0 || i64::try_from(found.len()).unwrap_or(i64::MAX) >= limit {
                    break found;
                }
                window = window.saturating_mul(10);
            }
        }
        DbConnection::Sqlite(sqlite) => {
            let terms: Vec<String> = words.iter().map(|word| format!("\"{word}\"")).collect();
            let sql = format!(
                "SELECT rowid / 2 AS ticket_id FROM ticket_text \
                 WHERE ticket_text MATCH ? AND rowid % 2 = {} AND {} \
                 ORDER BY rowid DESC LIMIT {}",
                i64::from(include_internal),
                scope_condition(scope, "ticket_text.rowid / 2"),
                limit.max(1)
            );
            diesel::sql_query(sql)
                .bind::<Text, _>(terms.join(" "))
                .load(sqlite)?
        }
    };
    Ok(matches.into_iter().map(|m| m.ticket_id).collect())
}

/// The tickets `scope` lets the reader see, as SQL over the ticket id `ticket` (a ticket looked up
/// per match, so the query stops at its limit): the cap on matches applies to what the reader may see,
/// not to everyone's tickets. Only integers are written into the SQL.
fn scope_condition(scope: &TicketScope, ticket: &str) -> String {
    let visible = |condition: String| {
        format!("EXISTS (SELECT 1 FROM tickets WHERE tickets.id = {ticket} AND ({condition}))")
    };
    match scope {
        TicketScope::All => "1 = 1".to_owned(),
        TicketScope::RequestedBy(requester) => visible(format!("requester_id = {requester}")),
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
            visible(format!("{in_departments} OR assignee_id = {agent_id}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_new_words;

    #[test]
    fn a_document_keeps_each_word_once() {
        let first = with_new_words("", "Printer on floor 2: paper JAM").unwrap();
        assert_eq!(first, "printer on floor 2 paper jam");
        assert_eq!(
            with_new_words(&first, "The printer jam again, floor 3").as_deref(),
            Some("printer on floor 2 paper jam the again 3")
        );
        assert_eq!(with_new_words(&first, "paper, printer!"), None);
    }
}
