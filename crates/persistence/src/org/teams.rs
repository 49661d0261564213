use crate::connection::DbConnection;
use crate::error::{expect_one, RepoResult};
use crate::pagination::{Cursor, Page, PageRequest};
use crate::schema::{team_members, teams};
use crate::time::to_db;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use helpdesk_domain::org::Team;
use std::collections::HashMap;

const COLUMNS: (teams::id, teams::name, teams::department_id) =
    (teams::id, teams::name, teams::department_id);

/// Stores `team` (its id is ignored) with its members and returns it with its id.
pub fn insert_team(
    connection: &mut DbConnection,
    team: &Team,
    now: DateTime<Utc>,
) -> RepoResult<Team> {
    let id = diesel::insert_into(teams::table)
        .values((
            teams::name.eq(&team.name),
            teams::department_id.eq(team.department_id),
            teams::created_at.eq(to_db(now)),
        ))
        .returning(teams::id)
        .get_result::<i64>(connection)?;
    set_members(connection, id, &team.member_ids)?;
    find_team(connection, id)
}

pub fn find_team(connection: &mut DbConnection, id: i64) -> RepoResult<Team> {
    let row = teams::table
        .find(id)
        .select(COLUMNS)
        .first::<(i64, String, i64)>(connection)?;
    Ok(with_members(connection, vec![row])?.remove(0))
}

pub fn list_teams(connection: &mut DbConnection, page: &PageRequest) -> RepoResult<Page<Team>> {
    let mut select = teams::table.select(COLUMNS).into_boxed();
    if let Some(after) = page.position()? {
        select = select.filter(teams::id.gt(after.id));
    }
    let rows = select
        .order(teams::id)
        .limit(page.limit() + 1)
        .load::<(i64, String, i64)>(connection)?;
    let items = with_members(connection, rows)?;
    Ok(Page::from_rows(items, page.limit(), |t: &Team| Cursor {
        key: 0,
        id: t.id,
    }))
}

/// Changes to a team; `None` leaves a field alone, `member_ids` replaces the members.
#[derive(Debug, Default)]
pub struct TeamChanges {
    pub name: Option<String>,
    pub department_id: Option<i64>,
    pub member_ids: Option<Vec<i64>>,
}

#[derive(AsChangeset)]
#[diesel(table_name = teams)]
struct TeamChangeset<'a> {
    name: Option<&'a str>,
    department_id: Option<i64>,
}

/// Changes only the fields given, so concurrent changes of different fields both stay.
pub fn update_team(
    connection: &mut DbConnection,
    id: i64,
    changes: &TeamChanges,
) -> RepoResult<Team> {
    let changeset = TeamChangeset {
        name: changes.name.as_deref(),
        department_id: changes.department_id,
    };
    if changeset.name.is_some() || changeset.department_id.is_some() {
        expect_one(
            diesel::update(teams::table.find(id))
                .set(&changeset)
                .execute(connection)?,
        )?;
    } else {
        find_team(connection, id)?;
    }
    if let Some(member_ids) = &changes.member_ids {
        set_members(connection, id, member_ids)?;
    }
    find_team(connection, id)
}

pub fn delete_team(connection: &mut DbConnection, id: i64) -> RepoResult<()> {
    expect_one(diesel::delete(teams::table.find(id)).execute(connection)?)
}

fn set_members(connection: &mut DbConnection, team_id: i64, member_ids: &[i64]) -> RepoResult<()> {
    diesel::delete(team_members::table.filter(team_members::team_id.eq(team_id)))
        .execute(connection)?;
    let mut member_ids = member_ids.to_vec();
    member_ids.sort_unstable();
    member_ids.dedup();
    for agent_id in member_ids {
        diesel::insert_into(team_members::table)
            .values((
                team_members::team_id.eq(team_id),
                team_members::agent_id.eq(agent_id),
            ))
            .execute(connection)?;
    }
    Ok(())
}

fn with_members(
    connection: &mut DbConnection,
    rows: Vec<(i64, String, i64)>,
) -> RepoResult<Vec<Team>> {
    let ids: Vec<i64> = rows.iter().map(|row| row.0).collect();
    let mut members: HashMap<i64, Vec<i64>> = HashMap::new();
    for (team, agent) in team_members::table
        .filter(team_members::team_id.eq_any(&ids))
        .order((team_members::team_id, team_members::agent_id))
        .load::<(i64, i64)>(connection)?
    {
        members.entry(team).or_default().push(agent);
    }
    Ok(rows
        .into_iter()
        .map(|(id, name, department_id)| Team {
            member_ids: members.remove(&id).unwrap_or_default(),
            id,
            name,
            department_id,
        })
        .collect())
}
