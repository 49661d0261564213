//! People: customers, agents and admins, with agents' departments and teams.

use crate::connection::DbConnection;
use crate::error::{RepoError, RepoResult};
use crate::pagination::{Cursor, Page, PageRequest};
use crate::schema::{agent_departments, team_members, users};
use crate::time::{from_db, to_db};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use helpdesk_domain::user::{Agent, User};
use helpdesk_domain::Role;
use std::collections::HashMap;

diesel::define_sql_function!(fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text);

#[derive(Queryable)]
struct UserRow {
    id: i64,
    name: String,
    email: String,
    role: String,
    password_hash: Option<String>,
    active: bool,
    created_at: NaiveDateTime,
}

impl UserRow {
    fn into_user(self) -> RepoResult<User> {
        Ok(User {
            id: self.id,
            name: self.name,
            email: self.email,
            role: self.role.parse().map_err(RepoError::Corrupt)?,
            active: self.active,
            created_at: from_db(self.created_at),
        })
    }
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: String,
    /// Already normalised (see `helpdesk_domain::user::normalize_email`).
    pub email: String,
    pub role: Role,
    pub password_hash: Option<String>,
}

pub fn insert_user(
    connection: &mut DbConnection,
    user: &NewUser,
    now: DateTime<Utc>,
) -> RepoResult<User> {
    let id = diesel::insert_into(users::table)
        .values((
            users::name.eq(&user.name),
            users::email.eq(&user.email),
            users::role.eq(user.role.as_str()),
            users::password_hash.eq(&user.password_hash),
            users::active.eq(true),
            users::created_at.eq(to_db(now)),
        ))
        .returning(users::id)
        .get_result::<i64>(connection)
        .map_err(|error| match RepoError::from(error) {
            RepoError::Conflict(_) => {
                RepoError::Conflict(format!("a user with email {} already exists", user.email))
            }
            other => other,
        })?;
    find_user(connection, id)
}

pub fn find_user(connection: &mut DbConnection, id: i64) -> RepoResult<User> {
    users::table
        .find(id)
        .first::<UserRow>(connection)?
        .into_user()
}

/// The users with these ids, by id (for showing requesters of a page of tickets).
pub fn find_users(connection: &mut DbConnection, ids: &[i64]) -> RepoResult<HashMap<i64, User>> {
    let rows = users::table
        .filter(users::id.eq_any(ids))
        .load::<UserRow>(connection)?;
    rows.into_iter()
        .map(|row| row.into_user().map(|user| (user.id, user)))
        .collect()
}

pub fn find_user_by_email(connection: &mut DbConnection, email: &str) -> RepoResult<Option<User>> {
    Ok(find_credentials(connection, email)?.map(|(user, _)| user))
}

/// The user with `email` and their password hash, for logging in.
pub fn find_credentials(
    connection: &mut DbConnection,
    email: &str,
) -> RepoResult<Option<(User, Option<String>)>> {
    let row = users::table
        .filter(users::email.eq(email))
        .first::<UserRow>(connection)
        .optional()?;
    row.map(|row| {
        let hash = row.password_hash.clone();
        row.into_user().map(|user| (user, hash))
    })
    .transpose()
}

/// The requester named by an agent or an integrator: the user with that email, or a new customer.
pub fn find_or_create_customer(
    connection: &mut DbConnection,
    name: &str,
    email: &str,
    now: DateTime<Utc>,
) -> RepoResult<User> {
    if let Some(user) = find_user_by_email(connection, email)? {
        return Ok(user);
    }
    let user = NewUser {
        name: name.to_owned(),
        email: email.to_owned(),
        role: Role::Customer,
        password_hash: None,
    };
    // Another request may create the same person meanwhile: the insert runs in a savepoint, and on a
    // duplicate the winner's row is used.
    match connection.transaction(|savepoint| insert_user(savepoint, &user, now)) {
        Err(RepoError::Conflict(_)) => {
            find_user_by_email(connection, email)?.ok_or(RepoError::NotFound)
        }
        other => other,
    }
}

/// Changes to a user; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub password_hash: Option<String>,
}

#[derive(AsChangeset)]
#[diesel(table_name = users)]
struct UserChangeset<'a> {
    name: Option<&'a str>,
    email: Option<&'a str>,
    role: Option<&'a str>,
    active: Option<bool>,
    password_hash: Option<&'a str>,
}

/// Changes only the fields given, so concurrent changes of different fields both stay.
pub fn update_user(
    connection: &mut DbConnection,
    id: i64,
    update: &UserUpdate,
) -> RepoResult<User> {
    let changes = UserChangeset {
        name: update.name.as_deref(),
        email: update.email.as_deref(),
        role: update.role.map(Role::as_str),
        active: update.active,
        password_hash: update.password_hash.as_deref(),
    };
    let nothing = update.name.is_none()
        && update.email.is_none()
        && update.role.is_none()
        && update.active.is_none()
        && update.password_hash.is_none();
    if !nothing {
        let affected = diesel::update(users::table.find(id))
            .set(&changes)
            .execute(connection)
            .map_err(|error| match RepoError::from(error) {
                RepoError::Conflict(_) => RepoError::Conflict("another user has this email".into()),
                other => other,
            })?;
        crate::error::expect_one(affected)?;
    }
    find_user(connection, id)
}

/// Lists users of `roles` in id order, optionally matching `query` in name or email.
pub fn list_users(
    connection: &mut DbConnection,
    roles: &[Role],
    query: Option<&str>,
    page: &PageRequest,
) -> RepoResult<Page<User>> {
    let roles: Vec<&str> = roles.iter().map(|role| role.as_str()).collect();
    let mut select = users::table.filter(users::role.eq_any(roles)).into_boxed();
    if let Some(after) = page.position()? {
        select = select.filter(users::id.gt(after.id));
    }
    if let Some(query) = query.map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", escape_like(&query.to_lowercase()));
        select = select.filter(
            lower(users::name)
                .like(pattern.clone())
                .escape('\\')
                .or(users::email.like(pattern).escape('\\')),
        );
    }
    let rows = select
        .order(users::id.asc())
        .limit(page.limit() + 1)
        .load::<UserRow>(connection)?;
    let users = rows
        .into_iter()
        .map(UserRow::into_user)
        .collect::<RepoResult<Vec<_>>>()?;
    Ok(Page::from_rows(users, page.limit(), |user| Cursor {
        key: 0,
        id: user.id,
    }))
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// An agent or admin with their departments and teams; `NotFound` for customers.
pub fn find_agent(connection: &mut DbConnection, id: i64) -> RepoResult<Agent> {
    let user = find_user(connection, id)?;
    if !user.role.is_staff() {
        return Err(RepoError::NotFound);
    }
    Ok(with_memberships(connection, vec![user])?.remove(0))
}

pub fn list_agents(connection: &mut DbConnection, page: &PageRequest) -> RepoResult<Page<Agent>> {
    let users = list_users(connection, &[Role::Agent, Role::Admin], None, page)?;
    let next_cursor = users.next_cursor;
    let items = with_memberships(connection, users.items)?;
    Ok(Page { items, next_cursor })
}

/// Loads the departments and teams of several users in two queries.
fn with_memberships(connection: &mut DbConnection, users: Vec<User>) -> RepoResult<Vec<Agent>> {
    let ids: Vec<i64> = users.iter().map(|user| user.id).collect();
    let mut departments: HashMap<i64, Vec<i64>> = HashMap::new();
    for (agent, department) in agent_departments::table
        .filter(agent_departments::agent_id.eq_any(&ids))
        .order((
            agent_departments::agent_id,
            agent_departments::department_id,
        ))
        .load::<(i64, i64)>(connection)?
    {
        departments.entry(agent).or_default().push(department);
    }
    let mut teams: HashMap<i64, Vec<i64>> = HashMap::new();
    for (agent, team) in team_members::table
        .filter(team_members::agent_id.eq_any(&ids))
        .select((team_members::agent_id, team_members::team_id))
        .order((team_members::agent_id, team_members::team_id))
        .load::<(i64, i64)>(connection)?
    {
        teams.entry(agent).or_default().push(team);
    }
    Ok(users
        .into_iter()
        .map(|user| Agent {
            department_ids: departments.remove(&user.id).unwrap_or_default(),
            team_ids: teams.remove(&user.id).unwrap_or_default(),
            user,
        })
        .collect())
}

/// The departments an agent works in, for building the caller's permissions.
pub fn department_ids_of(connection: &mut DbConnection, agent_id: i64) -> RepoResult<Vec<i64>> {
    Ok(agent_departments::table
        .filter(agent_departments::agent_id.eq(agent_id))
        .select(agent_departments::department_id)
        .order(agent_departments::department_id)
        .load(connection)?)
}

/// Replaces an agent's departments.
pub fn set_agent_departments(
    connection: &mut DbConnection,
    agent_id: i64,
    department_ids: &[i64],
) -> RepoResult<()> {
    diesel::delete(agent_departments::table.filter(agent_departments::agent_id.eq(agent_id)))
        .execute(connection)?;
    let mut department_ids = department_ids.to_vec();
    department_ids.sort_unstable();
    department_ids.dedup();
    for department_id in department_ids {
        diesel::insert_into(agent_departments::table)
            .values((
                agent_departments::agent_id.eq(agent_id),
                agent_departments::department_id.eq(department_id),
            ))
            .execute(connection)?;
    }
    Ok(())
}
