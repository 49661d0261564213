use crate::connection::DbConnection;
use crate::error::{expect_one, RepoError, RepoResult};
use crate::pagination::{Cursor, Page, PageRequest};
use crate::schema::help_topics;
use crate::time::to_db;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use helpdesk_domain::org::HelpTopic;
use helpdesk_domain::Priority;

#[derive(Queryable)]
struct HelpTopicRow {
    id: i64,
    name: String,
    department_id: i64,
    default_priority: i32,
    sla_plan_id: Option<i64>,
}

impl TryFrom<HelpTopicRow> for HelpTopic {
    type Error = RepoError;
    fn try_from(row: HelpTopicRow) -> RepoResult<Self> {
        Ok(HelpTopic {
            id: row.id,
            name: row.name,
            department_id: row.department_id,
            default_priority: Priority::from_rank(row.default_priority).ok_or_else(|| {
                RepoError::Corrupt(format!("priority rank {}", row.default_priority))
            })?,
            sla_plan_id: row.sla_plan_id,
        })
    }
}

const COLUMNS: (
    help_topics::id,
    help_topics::name,
    help_topics::department_id,
    help_topics::default_priority,
    help_topics::sla_plan_id,
) = (
    help_topics::id,
    help_topics::name,
    help_topics::department_id,
    help_topics::default_priority,
    help_topics::sla_plan_id,
);

/// Stores `topic` (its id is ignored) and returns it with its id.
pub fn insert_help_topic(
    connection: &mut DbConnection,
    topic: &HelpTopic,
    now: DateTime<Utc>,
) -> RepoResult<HelpTopic> {
    let id = diesel::insert_into(help_topics::table)
        .values((
            help_topics::name.eq(&topic.name),
            help_topics::department_id.eq(topic.department_id),
            help_topics::default_priority.eq(topic.default_priority.rank()),
            help_topics::sla_plan_id.eq(topic.sla_plan_id),
            help_topics::created_at.eq(to_db(now)),
        ))
        .returning(help_topics::id)
        .get_result::<i64>(connection)?;
    find_help_topic(connection, id)
}

pub fn find_help_topic(connection: &mut DbConnection, id: i64) -> RepoResult<HelpTopic> {
    help_topics::table
        .find(id)
        .select(COLUMNS)
        .first::<HelpTopicRow>(connection)?
        .try_into()
}

pub fn list_help_topics(
    connection: &mut DbConnection,
    page: &PageRequest,
) -> RepoResult<Page<HelpTopic>> {
    let mut select = help_topics::table.select(COLUMNS).into_boxed();
    if let Some(after) = page.position()? {
        select = select.filter(help_topics::id.gt(after.id));
    }
    let rows = select
        .order(help_topics::id)
        .limit(page.limit() + 1)
        .load::<HelpTopicRow>(connection)?;
    let items = rows
        .into_iter()
        .map(HelpTopic::try_from)
        .collect::<RepoResult<Vec<_>>>()?;
    Ok(Page::from_rows(items, page.limit(), |t: &HelpTopic| {
        Cursor { key: 0, id: t.id }
    }))
}

/// Changes to a help topic; `None` leaves a field alone, `sla_plan_id: Some(None)` clears the plan.
#[derive(Debug, Default)]
pub struct HelpTopicChanges {
    pub name: Option<String>,
    pub department_id: Option<i64>,
    pub default_priority: Option<Priority>,
    pub sla_plan_id: Option<Option<i64>>,
}

#[derive(AsChangeset)]
#[diesel(table_name = help_topics)]
struct HelpTopicChangeset<'a> {
    name: Option<&'a str>,
    department_id: Option<i64>,
    default_priority: Option<i32>,
    sla_plan_id: Option<Option<i64>>,
}

/// Changes only the fields given, so concurrent changes of different fields both stay.
pub fn update_help_topic(
    connection: &mut DbConnection,
    id: i64,
    changes: &HelpTopicChanges,
) -> RepoResult<HelpTopic> {
    let changeset = HelpTopicChangeset {
        name: changes.name.as_deref(),
        department_id: changes.department_id,
        default_priority: changes.default_priority.map(Priority::rank),
        sla_plan_id: changes.sla_plan_id,
    };
    let any = changeset.name.is_some()
        || changeset.department_id.is_some()
        || changeset.default_priority.is_some()
        || changeset.sla_plan_id.is_some();
    if any {
        expect_one(
            diesel::update(help_topics::table.find(id))
                .set(&changeset)
                .execute(connection)?,
        )?;
    }
    find_help_topic(connection, id)
}

pub fn delete_help_topic(connection: &mut DbConnection, id: i64) -> RepoResult<()> {
    expect_one(diesel::delete(help_topics::table.find(id)).execute(connection)?)
}
