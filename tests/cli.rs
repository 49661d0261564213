//! The `helpdesk` command line, run as a real process on a SQLite file.
#![allow(clippy::unwrap_used)]

use std::process::Command;

fn helpdesk(database: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_helpdesk"))
        .args(args)
        .env("DATABASE_URL", database)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

#[test]
fn migrate_admin_create_and_openapi() {
    let folder = tempfile::tempdir().unwrap();
    let database = folder.path().join("cli.db").to_string_lossy().into_owned();

    let migrated = helpdesk(&database, &["migrate"]);
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    let applied = String::from_utf8_lossy(&migrated.stdout).into_owned();
    assert!(
        applied.starts_with("applied ") && !applied.starts_with("applied 0"),
        "{applied}"
    );
    let again = helpdesk(&database, &["migrate"]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("applied 0 migration"));

    let created = helpdesk(
        &database,
        &[
            "admin",
            "create",
            "--email",
            "Root@Example.com",
            "--password",
            "root-password",
            "--name",
            "Root",
        ],
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(String::from_utf8_lossy(&created.stdout).contains("root@example.com"));
    let duplicate = helpdesk(
        &database,
        &[
            "admin",
            "create",
            "--email",
            "root@example.com",
            "--password",
            "root-password",
            "--name",
            "Root",
        ],
    );
    assert!(!duplicate.status.success());
    let weak = helpdesk(
        &database,
        &[
            "admin",
            "create",
            "--email",
            "x@example.com",
            "--password",
            "short",
            "--name",
            "X",
        ],
    );
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password"));

    let printed = helpdesk(&database, &["openapi"]);
    let document: serde_json::Value = serde_json::from_slice(&printed.stdout).unwrap();
    assert_eq!(document["info"]["title"], "Helpdesk API");
}

#[test]
fn postgres_without_a_jwt_secret_refuses_to_start() {
    let output = Command::new(env!("CARGO_BIN_EXE_helpdesk"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env(
            "DATABASE_URL",
            std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| {
                helpdesk_persistence::testing::DEFAULT_TEST_DATABASE_URL.into()
            }),
        )
        .env_remove("HELPDESK_JWT_SECRET")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("HELPDESK_JWT_SECRET is required"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
