//! Fresh databases for tests: a SQLite file in a temporary folder, or a new PostgreSQL database
//! created on the server named by `TEST_DATABASE_URL` (default: the local server's `postgres`
//! database) and dropped afterwards. Tests never skip a backend: an unreachable server fails them.

use crate::connection::{open_connection, Backend};
use crate::database::Database;
use diesel::connection::SimpleConnection;
use std::sync::atomic::{AtomicU32, Ordering};

pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database that lives as long as this value.
pub struct TestDatabase {
    pub url: String,
    backend: Backend,
    postgres_cleanup: Option<(String, String)>,
    _folder: Option<tempfile::TempDir>,
}

impl TestDatabase {
    pub fn new(backend: Backend) -> TestDatabase {
        match backend {
            Backend::Sqlite => TestDatabase::sqlite(),
            Backend::Postgres => TestDatabase::postgres(),
        }
    }

    pub fn sqlite() -> TestDatabase {
        let folder = tempfile::tempdir().expect("a temporary folder for the test database");
        let url = folder
            .path()
            .join("helpdesk.db")
            .to_string_lossy()
            .into_owned();
        TestDatabase {
            url,
            backend: Backend::Sqlite,
            postgres_cleanup: None,
            _folder: Some(folder),
        }
    }

    pub fn postgres() -> TestDatabase {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let server = std::env::var("TEST_DATABASE_URL")
            .unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.to_owned());
        let name = format!(
            "helpdesk_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            chrono::Utc::now().timestamp_micros() % 1_000_000_000
        );
        let mut admin = open_connection(&server).unwrap_or_else(|error| {
            panic!(
                "PostgreSQL tests need a server: cannot connect to {server} ({error}). \
                 Start PostgreSQL or set TEST_DATABASE_URL."
            )
        });
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|error| panic!("cannot create test database {name}: {error}"));
        TestDatabase {
            url: with_database_name(&server, &name),
            backend: Backend::Postgres,
            postgres_cleanup: Some((server, name)),
            _folder: None,
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Connects and migrates.
    pub fn open(&self) -> Database {
        let database = Database::connect(&self.url, 4).expect("the test database opens");
        database.migrate().expect("the migrations apply");
        database
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.postgres_cleanup {
            if let Ok(mut admin) = open_connection(server) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// `postgres://user@host:port/old?options` with `name` in place of `old`.
pub fn with_database_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{host_part}/{name}?{query}"),
        None => format!("{host_part}/{name}"),
    }
}

/// Declares `mod name { fn sqlite(); fn postgres(); }` tests running `fn name(TestDatabase)` on each.
#[macro_export]
macro_rules! test_on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name($crate::testing::TestDatabase::sqlite())
            }
            #[test]
            fn postgres() {
                super::$name($crate::testing::TestDatabase::postgres())
            }
        }
    )+};
}

#[cfg(test)]
mod tests {
    use super::with_database_name;

    #[test]
    fn database_names_are_swapped_in_urls() {
        assert_eq!(
            with_database_name("postgres://u@h:5432/test", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database_name("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(
            with_database_name("postgresql://h", "x"),
            "postgresql://h/x"
        );
    }
}
