use crate::connection::DbConnection;
use crate::error::{expect_one, RepoResult};
use crate::pagination::{Cursor, Page, PageRequest};
use crate::schema::departments;
use crate::time::to_db;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use helpdesk_domain::org::Department;

#[derive(Queryable)]
struct DepartmentRow {
    id: i64,
    name: String,
    default_sla_plan_id: Option<i64>,
}

impl From<DepartmentRow> for Department {
    fn from(row: DepartmentRow) -> Self {
        Department {
            id: row.id,
            name: row.name,
            default_sla_plan_id: row.default_sla_plan_id,
        }
    }
}

const COLUMNS: (
    departments::id,
    departments::name,
    departments::default_sla_plan_id,
) = (
    departments::id,
    departments::name,
    departments::default_sla_plan_id,
);

pub fn insert_department(
    connection: &mut DbConnection,
    name: &str,
    default_sla_plan_id: Option<i64>,
    now: DateTime<Utc>,
) -> RepoResult<Department> {
    let id = diesel::insert_into(departments::table)
        .values((
            departments::name.eq(name),
            departments::default_sla_plan_id.eq(default_sla_plan_id),
            departments::created_at.eq(to_db(now)),
        ))
        .returning(departments::id)
        .get_result::<i64>(connection)?;
    find_department(connection, id)
}

pub fn find_department(connection: &mut DbConnection, id: i64) -> RepoResult<Department> {
    Ok(departments::table
        .find(id)
        .select(COLUMNS)
        .first::<DepartmentRow>(connection)?
        .into())
}

pub fn list_departments(
    connection: &mut DbConnection,
    page: &PageRequest,
) -> RepoResult<Page<Department>> {
    let mut select = departments::table.select(COLUMNS).into_boxed();
    if let Some(after) = page.position()? {
        select = select.filter(departments::id.gt(after.id));
    }
    let rows = select
        .order(departments::id)
        .limit(page.limit() + 1)
        .load::<DepartmentRow>(connection)?;
    let items = rows.into_iter().map(Department::from).collect();
    Ok(Page::from_rows(items, page.limit(), |d: &Department| {
        Cursor { key: 0, id: d.id }
    }))
}

/// Changes to a department; `None` leaves a field alone, `Some(None)` clears the default plan.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = departments)]
pub struct DepartmentChanges {
    pub name: Option<String>,
    pub default_sla_plan_id: Option<Option<i64>>,
}

/// Changes only the fields given, so concurrent changes of different fields both stay.
pub fn update_department(
    connection: &mut DbConnection,
    id: i64,
    changes: &DepartmentChanges,
) -> RepoResult<Department> {
    if changes.name.is_some() || changes.default_sla_plan_id.is_some() {
        expect_one(
            diesel::update(departments::table.find(id))
                .set(changes)
                .execute(connection)?,
        )?;
    }
    find_department(connection, id)
}

pub fn delete_department(connection: &mut DbConnection, id: i64) -> RepoResult<()> {
    expect_one(diesel::delete(departments::table.find(id)).execute(connection)?)
}
