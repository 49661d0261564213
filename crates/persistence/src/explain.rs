//! `EXPLAIN` of the very queries the repositories run, with their bound values, so that a test can
//! hold the list queries to their indexes (PostgreSQL's planner; SQLite's plans are not checked).

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::Text;
use diesel::{QueryResult, RunQueryDsl};

/// `EXPLAIN <query>`: one row of plan text per line.
#[derive(Debug, Clone, QueryId)]
pub struct Explain<Q>(pub Q);

impl<Q, DB> QueryFragment<DB> for Explain<Q>
where
    DB: Backend,
    Q: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("EXPLAIN ");
        self.0.walk_ast(out.reborrow())
    }
}

impl<Q> Query for Explain<Q> {
    type SqlType = Text;
}

impl<Q, Conn> RunQueryDsl<Conn> for Explain<Q> {}
