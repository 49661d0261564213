use crate::connection::DbConnection;
use crate::error::{expect_one, RepoError, RepoResult};
use crate::pagination::{Cursor, Page, PageRequest};
use crate::schema::sla_plans;
use crate::time::to_db;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use helpdesk_domain::org::{Escalation, SlaPlan, SlaTargets};
use helpdesk_domain::Priority;
use std::collections::BTreeMap;

#[derive(Queryable)]
struct SlaPlanRow {
    id: i64,
    name: String,
    first_response_minutes: i32,
    next_response_minutes: Option<i32>,
    resolution_minutes: i32,
    business_hours_id: Option<i64>,
    priority_targets: String,
    escalate_raise_priority: bool,
    escalate_department_id: Option<i64>,
    escalate_team_id: Option<i64>,
}

impl TryFrom<SlaPlanRow> for SlaPlan {
    type Error = RepoError;
    fn try_from(row: SlaPlanRow) -> RepoResult<SlaPlan> {
        Ok(SlaPlan {
            id: row.id,
            name: row.name,
            first_response_minutes: row.first_response_minutes,
            next_response_minutes: row.next_response_minutes,
            resolution_minutes: row.resolution_minutes,
            business_hours_id: row.business_hours_id,
            priority_targets: serde_json::from_str(&row.priority_targets)
                .map_err(|error| RepoError::Corrupt(format!("priority targets: {error}")))?,
            escalation: Escalation {
                raise_priority: row.escalate_raise_priority,
                department_id: row.escalate_department_id,
                team_id: row.escalate_team_id,
            },
        })
    }
}

const COLUMNS: (
    sla_plans::id,
    sla_plans::name,
    sla_plans::first_response_minutes,
    sla_plans::next_response_minutes,
    sla_plans::resolution_minutes,
    sla_plans::business_hours_id,
    sla_plans::priority_targets,
    sla_plans::escalate_raise_priority,
    sla_plans::escalate_department_id,
    sla_plans::escalate_team_id,
) = (
    sla_plans::id,
    sla_plans::name,
    sla_plans::first_response_minutes,
    sla_plans::next_response_minutes,
    sla_plans::resolution_minutes,
    sla_plans::business_hours_id,
    sla_plans::priority_targets,
    sla_plans::escalate_raise_priority,
    sla_plans::escalate_department_id,
    sla_plans::escalate_team_id,
);

fn targets_json(targets: &BTreeMap<Priority, SlaTargets>) -> String {
    serde_json::to_string(targets).unwrap_or_else(|_| "{}".to_owned())
}

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
            sla_plans::next_response_minutes.eq(plan.next_response_minutes),
            sla_plans::resolution_minutes.eq(plan.resolution_minutes),
            sla_plans::business_hours_id.eq(plan.business_hours_id),
            sla_plans::priority_targets.eq(targets_json(&plan.priority_targets)),
            sla_plans::escalate_raise_priority.eq(plan.escalation.raise_priority),
            sla_plans::escalate_department_id.eq(plan.escalation.department_id),
            sla_plans::escalate_team_id.eq(plan.escalation.team_id),
            sla_plans::created_at.eq(to_db(now)),
        ))
        .returning(sla_plans::id)
        .get_result::<i64>(connection)?;
    find_sla_plan(connection, id)
}

pub fn find_sla_plan(connection: &mut DbConnection, id: i64) -> RepoResult<SlaPlan> {
    sla_plans::table
        .find(id)
        .select(COLUMNS)
        .first::<SlaPlanRow>(connection)?
        .try_into()
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
    let items = rows
        .into_iter()
        .map(SlaPlan::try_from)
        .collect::<RepoResult<Vec<_>>>()?;
    Ok(Page::from_rows(items, page.limit(), |p: &SlaPlan| Cursor {
        key: 0,
        id: p.id,
    }))
}

/// Changes to an SLA plan; `None` leaves a field alone, `Some(None)` clears an optional one.
#[derive(Debug, Default)]
pub struct SlaPlanChanges {
    pub name: Option<String>,
    pub first_response_minutes: Option<i32>,
    pub next_response_minutes: Option<Option<i32>>,
    pub resolution_minutes: Option<i32>,
    pub business_hours_id: Option<Option<i64>>,
    pub priority_targets: Option<BTreeMap<Priority, SlaTargets>>,
    pub escalate_raise_priority: Option<bool>,
    pub escalate_department_id: Option<Option<i64>>,
    pub escalate_team_id: Option<Option<i64>>,
}

#[derive(AsChangeset)]
#[diesel(table_name = sla_plans)]
struct SlaPlanChangeset<'a> {
    name: Option<&'a str>,
    first_response_minutes: Option<i32>,
    next_response_minutes: Option<Option<i32>>,
    resolution_minutes: Option<i32>,
    business_hours_id: Option<Option<i64>>,
    priority_targets: Option<String>,
    escalate_raise_priority: Option<bool>,
    escalate_department_id: Option<Option<i64>>,
    escalate_team_id: Option<Option<i64>>,
}

/// Changes only the fields given, so concurrent changes of different fields both stay.
pub fn update_sla_plan(
    connection: &mut DbConnection,
    id: i64,
    changes: &SlaPlanChanges,
) -> RepoResult<SlaPlan> {
    let changeset = SlaPlanChangeset {
        name: changes.name.as_deref(),
        first_response_minutes: changes.first_response_minutes,
        next_response_minutes: changes.next_response_minutes,
        resolution_minutes: changes.resolution_minutes,
        business_hours_id: changes.business_hours_id,
        priority_targets: changes.priority_targets.as_ref().map(targets_json),
        escalate_raise_priority: changes.escalate_raise_priority,
        escalate_department_id: changes.escalate_department_id,
        escalate_team_id: changes.escalate_team_id,
    };
    let any = changeset.name.is_some()
        || changeset.first_response_minutes.is_some()
        || changeset.next_response_minutes.is_some()
        || changeset.resolution_minutes.is_some()
        || changeset.business_hours_id.is_some()
        || changeset.priority_targets.is_some()
        || changeset.escalate_raise_priority.is_some()
        || changeset.escalate_department_id.is_some()
        || changeset.escalate_team_id.is_some();
    if any {
        expect_one(
            diesel::update(sla_plans::table.find(id))
                .set(&changeset)
                .execute(connection)?,
        )?;
    }
    find_sla_plan(connection, id)
}

pub fn delete_sla_plan(connection: &mut DbConnection, id: i64) -> RepoResult<()> {
    expect_one(diesel::delete(sla_plans::table.find(id)).execute(connection)?)
}
