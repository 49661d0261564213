//! Filling a database with realistic data fast, in set-based SQL rather than through the API: for the
//! benchmark (a million tickets) and the query-plan test. Both backends, one set of statements: rows
//! are numbered by a recursive CTE and shaped by arithmetic on that number.
//!
//! The shape: departments (the demo's Support, when there, gets every twentieth ticket), agents evenly
//! over them, customers, tickets with skewed ages (most are recent), 70% closed, each with four
//! messages (every fourth an internal note) and its `created` event, and the search index for all of
//! it. SLA checks are left unscheduled, so no sweep runs over the generated tickets.

use crate::connection::DbConnection;
use crate::error::RepoResult;
use chrono::{DateTime, Utc};
use diesel::connection::SimpleConnection;

/// How much to generate.
#[derive(Debug, Clone, Copy)]
pub struct Volume {
    pub departments: i64,
    pub agents: i64,
    pub customers: i64,
    pub tickets: i64,
}

impl Volume {
    /// The benchmark's: 20 departments, 500 agents, 100,000 customers and `tickets` tickets.
    pub fn benchmark(tickets: i64) -> Volume {
        Volume {
            departments: 20,
            agents: 500,
            customers: 100_000,
            tickets,
        }
    }
}

/// What differs between the backends: the row source and the SQL for times and numbers.
struct Dialect {
    postgres: bool,
    /// `now` as a literal.
    base: String,
}

impl Dialect {
    /// `WITH ... INSERT INTO target SELECT columns FROM` rows numbered `n` = 1..=count.
    fn insert(&self, target: &str, count: i64, select: &str) -> String {
        format!(
            "WITH RECURSIVE s(n) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT n + 1 FROM s WHERE n < {count}) \
             INSERT INTO {target} SELECT {select} FROM s;\n"
        )
    }

    /// The time `minutes` (an SQL expression) before now.
    fn minutes_ago(&self, minutes: &str) -> String {
        if self.postgres {
            format!(
                "(TIMESTAMP '{}' - ({minutes}) * INTERVAL '1 minute')",
                self.base
            )
        } else {
            format!(
                "strftime('%Y-%m-%d %H:%M:%f', '{}', '-' || ({minutes}) || ' minutes')",
                self.base
            )
        }
    }

    /// An 8-digit ticket number below 10,000,000, apart from the random ones API intake hands out.
    fn ticket_number(&self, n: &str) -> String {
        if self.postgres {
            format!("lpad(({n})::text, 8, '0')")
        } else {
            format!("printf('%08d', {n})")
        }
    }

    fn boolean(&self, condition: &str) -> String {
        if self.postgres {
            format!("({condition})")
        } else {
            format!("CASE WHEN {condition} THEN 1 ELSE 0 END")
        }
    }

    fn search_document(&self, text: &str) -> String {
        format!("to_tsvector('simple', regexp_replace({text}, '[^[:alnum:]]+', ' ', 'g'))")
    }
}

/// Adds `volume` to the database (in the caller's transaction, or none) and refreshes the planner's
/// statistics.
pub fn fill(connection: &mut DbConnection, volume: &Volume, now: DateTime<Utc>) -> RepoResult<()> {
    let dialect = Dialect {
        postgres: matches!(connection, DbConnection::Postgres(_)),
        base: now.format("%Y-%m-%d %H:%M:%S").to_string(),
    };
    let d = &dialect;
    let created = d.minutes_ago("0");
    let (departments, agents, customers, tickets) = (
        volume.departments,
        volume.agents,
        volume.customers,
        volume.tickets,
    );
    let first_department = "(SELECT min(id) FROM departments WHERE name LIKE 'Bulk department %')";
    let support = format!(
        "COALESCE((SELECT id FROM departments WHERE name = 'Support'), {first_department})"
    );
    let first_agent = "(SELECT min(id) FROM users WHERE email LIKE 'bulk-agent-%')";
    let first_customer = "(SELECT min(id) FROM users WHERE email LIKE 'bulk-customer-%')";
    let first_ticket =
        "(SELECT min(id) FROM tickets WHERE number < '10000000' AND subject LIKE 'Bulk %')";
    let mut sql = String::new();
    sql += &d.insert(
        "departments (name, created_at)",
        departments,
        &format!("'Bulk department ' || n, {created}"),
    );
    sql += &d.insert(
        "users (name, email, role, created_at)",
        agents,
        &format!("'Agent ' || n, 'bulk-agent-' || n || '@example.com', 'agent', {created}"),
    );
    sql += &d.insert(
        "agent_departments (agent_id, department_id)",
        agents,
        &format!("{first_agent} + n - 1, {first_department} + (n - 1) % {departments}"),
    );
    sql += &d.insert(
        "users (name, email, role, created_at)",
        customers,
        &format!(
            "'Customer ' || n, 'bulk-customer-' || n || '@example.com', 'customer', {created}"
        ),
    );
    // Ticket n: department n % departments (Support takes the first share); an agent of that
    // department (none for one in ten); 70% closed; ages skewed towards now, up to ~2 years.
    let department = format!(
        "CASE WHEN n % {departments} = 0 THEN {support} ELSE {first_department} + n % {departments} END"
    );
    let per_department = (agents / departments).max(1);
    let assignee = format!(
        "CASE WHEN n % 10 = 9 THEN NULL ELSE {first_agent} + (n % {departments}) + {departments} * ((n / {departments}) % {per_department}) END"
    );
    // A multiplicative hash of n, so that status and priority do not line up with the department.
    let h = "((n * 2654435761) % 1000003)";
    let status = format!("CASE WHEN {h} % 10 < 7 THEN 'closed' WHEN {h} % 10 = 7 THEN 'pending' WHEN {h} % 20 = 16 THEN 'on_hold' WHEN {h} % 20 = 17 THEN 'resolved' ELSE 'open' END");
    let age = format!("(({tickets} - n) * ({tickets} - n)) / {tickets} + 5");
    let opened = d.minutes_ago(&age);
    let closed = format!(
        "CASE WHEN {h} % 10 < 7 THEN {} END",
        d.minutes_ago(&format!("{age} - 3"))
    );
    let due = format!(
        "CASE WHEN {h} % 10 < 7 THEN NULL ELSE {} END",
        d.minutes_ago(&format!("{age} - 1440"))
    );
    let words = "CASE n % 8 WHEN 0 THEN 'printer' WHEN 1 THEN 'laptop' WHEN 2 THEN 'VPN' WHEN 3 THEN 'invoice' WHEN 4 THEN 'password' WHEN 5 THEN 'email' WHEN 6 THEN 'monitor' ELSE 'license' END";
    sql += &d.insert(
        "tickets (number, subject, status, priority, department_id, assignee_id, requester_id, source, due_at, resolved_at, closed_at, created_at, updated_at, version)",
        tickets,
        &format!(
            "{number}, 'Bulk ' || {words} || ' problem ' || n, {status}, 1 + {h} % 4, {department}, {assignee}, \
             {first_customer} + (n * 7919) % {customers}, 'web', {due}, {closed}, {closed}, {opened}, {opened}, 1",
            number = d.ticket_number("n"),
        ),
    );
    // Four messages a ticket, a minute apart: the report, an answer, an internal note, a reply.
    let later = if d.postgres {
        "t.created_at + m.k * INTERVAL '1 minute'".to_owned()
    } else {
        "strftime('%Y-%m-%d %H:%M:%f', t.created_at, '+' || m.k || ' minutes')".to_owned()
    };
    let word = words.replace("n % 8", "t.id % 8");
    sql += &format!(
        "INSERT INTO messages (ticket_id, internal, author_type, author_id, author_name, body, created_at) \
         SELECT t.id, {internal}, CASE WHEN m.k % 2 = 0 THEN 'customer' ELSE 'agent' END, NULL, \
                CASE WHEN m.k % 2 = 0 THEN 'Customer' ELSE 'Agent' END, \
                'The ' || {word} || ' on floor ' || (t.id % 9) || ' fails since the update, step ' || m.k || '.', \
                {later} \
         FROM tickets t CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) m \
         WHERE t.id >= {first_ticket} ORDER BY t.id, m.k;\n",
        internal = d.boolean("m.k = 2"),
    );
    sql += &format!(
        "INSERT INTO ticket_events (id, ticket_id, kind, actor_type, actor_id, data, internal, created_at) \
         SELECT (SELECT last_id FROM event_feed_counter WHERE id = 1) + t.id - {first_ticket} + 1, t.id, 'created', 'customer', t.requester_id, '{{}}', {no}, t.created_at \
         FROM tickets t WHERE t.id >= {first_ticket};\n\
         UPDATE event_feed_counter SET last_id = (SELECT max(id) FROM ticket_events) WHERE id = 1;\n",
        no = if d.postgres { "FALSE" } else { "0" },
    );
    // Each ticket's two search documents: the subject and public messages, and everything (staff).
    let conversation = |staff: &str| {
        format!(
            "t.subject || ' ' || coalesce((SELECT {} FROM messages m \
             WHERE m.ticket_id = t.id AND ({staff} OR m.internal = {no})), '')",
            if d.postgres {
                "string_agg(m.body, ' ')"
            } else {
                "group_concat(m.body, ' ')"
            },
            no = if d.postgres { "FALSE" } else { "0" },
        )
    };
    if d.postgres {
        sql += &format!(
            "INSERT INTO ticket_text (ticket_id, staff, document) \
               SELECT t.id, audience.staff, strip({}) \
               FROM tickets t CROSS JOIN (VALUES (FALSE), (TRUE)) AS audience (staff) WHERE t.id >= {first_ticket};\n\
             ANALYZE;\n",
            d.search_document(&conversation("audience.staff")),
        );
    } else {
        sql += &format!(
            "INSERT INTO ticket_text (rowid, text) \
               SELECT t.id * 2 + audience.staff, {} \
               FROM tickets t CROSS JOIN (SELECT 0 AS staff UNION ALL SELECT 1) AS audience WHERE t.id >= {first_ticket};\n\
             INSERT INTO ticket_text (ticket_text) VALUES ('optimize');\n\
             ANALYZE;\n",
            conversation("audience.staff = 1"),
        );
    }
    connection.batch_execute(&sql)?;
    Ok(())
}
