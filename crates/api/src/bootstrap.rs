//! Getting an installation going: the token secret, the first admin, and the demo organisation.

use crate::auth::password::hash_password;
use crate::dto::tickets::CreateTicketRequest;
use crate::error::ApiError;
use crate::routes::tickets::file_ticket;
use chrono::{DateTime, Utc};
use helpdesk_domain::org::{HelpTopic, SlaPlan};
use helpdesk_domain::user::{normalize_email, User};
use helpdesk_domain::{Actor, Priority, Role};
use helpdesk_persistence::org::{departments, help_topics, sla_plans};
use helpdesk_persistence::users::{self, NewUser};
use helpdesk_persistence::{settings, Backend, Database, DbConnection};
use rand::RngCore;

const JWT_SECRET_SETTING: &str = "jwt_secret";
const MIN_SECRET_BYTES: usize = 32;

/// The HS256 secret from `HELPDESK_JWT_SECRET`, checked before anything touches the database. It is
/// required with PostgreSQL (replicas must share it); `None` means: use the one kept in the database.
pub fn configured_jwt_secret(
    configured: Option<&str>,
    backend: Backend,
) -> Result<Option<Vec<u8>>, String> {
    match configured {
        Some(secret) if secret.len() < MIN_SECRET_BYTES => {
            Err(format!("HELPDESK_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long"))
        }
        Some(secret) => Ok(Some(secret.as_bytes().to_vec())),
        None if backend == Backend::Postgres => {
            Err("HELPDESK_JWT_SECRET is required with PostgreSQL, so that every replica signs tokens alike".into())
        }
        None => Ok(None),
    }
}

/// The embedded SQLite default's secret: generated on first start and kept in the (migrated) database.
pub fn stored_jwt_secret(database: &Database) -> Result<Vec<u8>, String> {
    let secret = database
        .write(|c| {
            settings::get_or_insert_setting(c, JWT_SECRET_SETTING, || {
                let mut bytes = [0_u8; 48];
                rand::thread_rng().fill_bytes(&mut bytes);
                hex::encode(bytes)
            })
        })
        .map_err(|error| format!("cannot keep the generated token secret: {error}"))?;
    Ok(secret.into_bytes())
}

/// Creates an admin account (`helpdesk admin create`).
pub fn create_admin(
    database: &Database,
    name: &str,
    email: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<User, ApiError> {
    if password.len() < 8 {
        return Err(ApiError::invalid(
            "password",
            "must be at least 8 characters",
        ));
    }
    let user = NewUser {
        name: name.trim().to_owned(),
        email: normalize_email(email),
        role: Role::Admin,
        password_hash: Some(hash_password(password).map_err(ApiError::internal)?),
    };
    database.write(|c| Ok(users::insert_user(c, &user, now)?))
}

/// The demo logins, as `serve --demo` prints them.
pub const DEMO_LOGINS: &[(&str, &str, &str)] = &[
    ("admin", "admin@example.com", "admin-password"),
    (
        "agent Jane Smith (Support)",
        "jane@example.com",
        "jane-password",
    ),
    (
        "agent John Doe (Engineering, Support)",
        "john@example.com",
        "john-password",
    ),
    ("customer Ken Adams", "ken@example.com", "ken-password"),
];

/// Seeds the demo organisation of the API contract into an empty database. Returns `false` (and
/// changes nothing) when the database already has people in it.
pub fn seed_demo(database: &Database, now: DateTime<Utc>) -> Result<bool, ApiError> {
    let hashes = DEMO_LOGINS
        .iter()
        .map(|(_, _, password)| hash_password(password).map_err(ApiError::internal))
        .collect::<Result<Vec<_>, _>>()?;
    database.write(|c| {
        if !users::list_users(
            c,
            &[Role::Admin, Role::Agent, Role::Customer],
            None,
            &Default::default(),
        )?
        .items
        .is_empty()
        {
            return Ok(false);
        }
        seed(c, &hashes, now)?;
        Ok(true)
    })
}

fn seed(c: &mut DbConnection, hashes: &[String], now: DateTime<Utc>) -> Result<(), ApiError> {
    let default_plan =
        sla_plans::insert_sla_plan(c, &SlaPlan::simple(0, "Default", 4 * 60, 18 * 60), now)?;
    sla_plans::insert_sla_plan(c, &SlaPlan::simple(0, "Gold", 60, 8 * 60), now)?;
    let support = departments::insert_department(c, "Support", Some(default_plan.id), now)?;
    let engineering = departments::insert_department(c, "Engineering", Some(default_plan.id), now)?;
    let topic = |name: &str, department_id| HelpTopic {
        id: 0,
        name: name.into(),
        department_id,
        default_priority: Priority::Normal,
        sla_plan_id: Some(default_plan.id),
    };
    help_topics::insert_help_topic(c, &topic("Software", support.id), now)?;
    help_topics::insert_help_topic(c, &topic("Infrastructure", engineering.id), now)?;

    let roles = [Role::Admin, Role::Agent, Role::Agent, Role::Customer];
    let names = ["Admin", "Jane Smith", "John Doe", "Ken Adams"];
    let mut ids = Vec::new();
    for (((_, email, _), hash), (role, name)) in DEMO_LOGINS
        .iter()
        .zip(hashes)
        .zip(roles.into_iter().zip(names))
    {
        let user = NewUser {
            name: name.into(),
            email: (*email).into(),
            role,
            password_hash: Some(hash.clone()),
        };
        ids.push(users::insert_user(c, &user, now)?.id);
    }
    users::set_agent_departments(c, ids[1], &[support.id])?;
    users::set_agent_departments(c, ids[2], &[engineering.id, support.id])?;

    let software = help_topics::list_help_topics(c, &Default::default())?
        .items
        .into_iter()
        .find(|t| t.name == "Software");
    let report = CreateTicketRequest {
        subject: "Adobe Reader not working".into(),
        body: "Adobe Reader closes as soon as I open a PDF attachment. I need it for invoices."
            .into(),
        requester: None,
        help_topic_id: software.map(|t| t.id),
        department_id: None,
        priority: None,
        external_id: None,
    };
    file_ticket(
        c,
        &Actor::Customer { id: ids[3] },
        &report,
        &[],
        helpdesk_domain::TicketSource::Web,
        now,
    )?;
    Ok(())
}
