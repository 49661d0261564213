use crate::connection::DbConnection;
use crate::error::{expect_one, RepoResult};
use crate::pagination::{Cursor, Page, PageRequest};
use crate::schema::sla_plans;
use crate::time::to_db;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use helpdesk_domain::org::SlaPlan;

#[derive(Queryable)]
struct SlaPlanRow {
    id: i64,
    name: String,
    first_response_minutes: i32,
    resolution_minutes: i32,
    business_hours_id: Option<i64>,
}

impl From<SlaPlanRow> for SlaPlan {
    fn from(row: SlaPlanRow) -> Self {
        SlaPlan {
            id: row.id,
            name: row.name,
            first_response_minutes: row.first_response_minutes,
            resolution_minutes: row.resolution_minutes,
            business_hours_id: row.business_hours_id,
        }
    }
}

const COLUMNS: (
    sla_plans::id,
    sla_plans::name,
    sla_plans::first_response_minutes,
    sla_plans::resolution_minutes,
    sla_plans::business_hours_id,
) = (
    sla_plans::id,
    sla_plans::name,
    sla_plans::first_response_minutes,
    sla_plans::resolution_minutes,
    sla_plans::business_hours_id,
);

/// Stores `plan` (its id is ignored) and returns it with its id.
pub fn insert_sla_plan(
    connection: &mut DbConnection,
    plan: &SlaPlan,
    now: DateTime<Utc>,
) -> RepoResult<SlaPlan> {
    let id = diesel::insert_into(sla_plans::table)
        .values((
            sla_plans::name.eq(&plan.name),
            sla_plans::first_response_minutes.eq(plan.first_response_minutes),
            sla_plans::resolution_minutes.eq(plan.resolution_minutes),
            sla_plans::business_hours_id.eq(plan.business_hours_id),
            sla_plans::created_at.eq(to_db(now)),
        ))
        .returning(sla_plans::id)
        .get_result::<i64>(connection)?;
    find_sla_plan(connection, id)
}

pub fn find_sla_plan(connection: &mut DbConnection, id: i64) -> RepoResult<SlaPlan> {
    Ok(sla_plans::table
        .find(id)
        .select(COLUMNS)
        .first::<SlaPlanRow>(connection)?
        .into())
}

pub fn find_sla_plan_by_name(
    connection: &mut DbConnection,
    name: &str,
) -> RepoResult<Option<SlaPlan>> {
    Ok(sla_plans::table
        .filter(sla_plans::name.eq(name))
        .select(COLUMNS)
        .first::<SlaPlanRow>(connection)
        .optional()?
        .map(SlaPlan::from))
}

pub fn list_sla_plans(
    connection: &mut DbConnection,
    page: &PageRequest,
) -> RepoResult<Page<SlaPlan>> {
    let mut select = sla_plans::table.select(COLUMNS).into_boxed();
    if let Some(after) = page.position()? {
        select = select.filter(sla_plans::id.gt(after.id));
    }
    let rows = select
        .order(sla_plans::id)
        .limit(page.limit() + 1)
        .load::<SlaPlanRow>(connection)?;
    let items = rows.into_iter().map(SlaPlan::from).collect();
    Ok(Page::from_rows(items, page.limit(), |p: &SlaPlan| Cursor {
        key: 0,
        id: p.id,
    }))
}

/// Changes to an SLA plan; `None` leaves a field alone.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = sla_plans)]
pub struct SlaPlanChanges {
    pub name: Option<String>,
    pub first_response_minutes: Option<i32>,
    pub resolution_minutes: Option<i32>,
}

/// Changes only the fields given, so concurrent changes of different fields both stay.
pub fn update_sla_plan(
    connection: &mut DbConnection,
    id: i64,
    changes: &SlaPlanChanges,
) -> RepoResult<SlaPlan> {
    if changes.name.is_some()
        || changes.first_response_minutes.is_some()
        || changes.resolution_minutes.is_some()
    {
        expect_one(
            diesel::update(sla_plans::table.find(id))
                .set(changes)
                .execute(connection)?,
        )?;
    }
    find_sla_plan(connection, id)
}

pub fn delete_sla_plan(connection: &mut DbConnection, id: i64) -> RepoResult<()> {
    expect_one(diesel::delete(sla_plans::table.find(id)).execute(connection)?)
}
