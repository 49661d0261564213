//! The server under load: a `helpdesk serve --demo` process on a fresh database, and what it used.

use helpdesk_persistence::bulk::{self, Volume};
use helpdesk_persistence::testing::TestDatabase;
use helpdesk_persistence::{Backend, Database};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    child: Child,
    pub base: String,
    pub database_label: String,
    database: TestDatabase,
}

/// What the process had used at one moment.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    /// Peak resident memory so far, in bytes.
    pub peak_rss_bytes: u64,
    /// CPU time (user and system) so far, in seconds.
    pub cpu_seconds: f64,
}

impl Server {
    /// Starts the server on `database` (`sqlite`, or a `postgres://` server to make a database on).
    pub async fn start(database: &str, binary: Option<&std::path::Path>) -> Result<Server, String> {
        let (database, label) = if database.starts_with("postgres") {
            std::env::set_var("TEST_DATABASE_URL", database);
            (TestDatabase::new(Backend::Postgres), "postgresql")
        } else {
            (TestDatabase::new(Backend::Sqlite), "sqlite")
        };
        let binary = match binary {
            Some(path) => path.to_owned(),
            None => std::env::current_exe()
                .map_err(|error| error.to_string())?
                .with_file_name("helpdesk"),
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map_err(|error| error.to_string())?
            .port();
        let files = std::env::temp_dir().join(format!("helpdesk-bench-{port}"));
        let child = Command::new(&binary)
            .args(["serve", "--demo", "--bind", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", &database.url)
            .env(
                "HELPDESK_JWT_SECRET",
                "a benchmark secret that is long enough",
            )
            .env("HELPDESK_ATTACHMENTS_DIR", &files)
            .env("HELPDESK_LOGIN_ATTEMPTS_PER_ADDRESS", "1000000")
            .env("HELPDESK_LOGIN_ATTEMPTS_PER_ACCOUNT", "1000000")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .map_err(|error| format!("cannot start {}: {error}", binary.display()))?;
        let mut server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            database_label: label.to_owned(),
            database,
        };
        let client = awc::Client::default();
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("the server exited at start ({status})"));
            }
            let ready = client.get(format!("{}/ready", server.base)).send().await;
            if ready.is_ok_and(|response| response.status().is_success()) {
                return Ok(server);
            }
            if started.elapsed() > Duration::from_secs(60) {
                let _ = server.child.kill();
                return Err("the server did not become ready".into());
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn database_url(&self) -> &str {
        &self.database.url
    }

    /// Adds `tickets` tickets (and their people, messages, events and search index) in bulk.
    pub fn fill(&self, tickets: i64) -> Result<Duration, String> {
        let started = Instant::now();
        let database = Database::connect(&self.database.url, 1).map_err(|e| e.to_string())?;
        database
            .write(|c| bulk::fill(c, &Volume::benchmark(tickets), chrono::Utc::now()))
            .map_err(|error| format!("generating the data: {error}"))?;
        database
            .settle()
            .map_err(|error| format!("checkpointing the generated data: {error}"))?;
        Ok(started.elapsed())
    }

    /// Peak RSS and CPU time of the process so far (Linux `/proc`).
    pub fn usage(&self) -> Usage {
        let pid = self.child.id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let peak_kb = status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| value.split_whitespace().next()?.parse::<u64>().ok())
            .unwrap_or(0);
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Fields after the command name (which may hold spaces): utime and stime are the 12th and
        // 13th, in clock ticks of 1/100 s on Linux.
        let after_name = stat.rsplit(')').next().unwrap_or_default();
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let ticks = |index: usize| {
            fields
                .get(index)
                .and_then(|value| value.parse::<u64>().ok())
                .unwrap_or(0)
        };
        Usage {
            peak_rss_bytes: peak_kb * 1024,
            cpu_seconds: (ticks(11) + ticks(12)) as f64 / 100.0,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
