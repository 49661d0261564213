//! The `helpdesk` command: serve the API, migrate, create an admin, print the OpenAPI document.

use actix_web::HttpServer;
use clap::{Parser, Subcommand};
use helpdesk_api::bootstrap::{create_admin, seed_demo, DEMO_LOGINS};
use helpdesk_api::mail_notifier::{self, spawn_mail_worker};
use helpdesk_api::sla_service::spawn_sweeper;
use helpdesk_api::webhook_delivery::spawn_webhook_worker;
use helpdesk_api::{build_app, openapi_document, AppState, Clock, Config};
use helpdesk_persistence::Database;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "helpdesk",
    version,
    about = "An API-first help desk on SQLite or PostgreSQL"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run migrations, then serve the API.
    Serve {
        /// Address to listen on (default: HELPDESK_BIND or 127.0.0.1:8080).
        #[arg(long)]
        bind: Option<String>,
        /// Seed the demo organisation into an empty database and print its logins.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Manage admin accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Print the OpenAPI document (what openapi/openapi.json must equal).
    Openapi,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an admin account.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
        #[arg(long)]
        name: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let result = match cli.command {
        Command::Serve { bind, demo } => {
            limit_malloc_arenas();
            serve(bind, demo)
        }
        Command::Migrate => migrate(),
        Command::Admin {
            command:
                AdminCommand::Create {
                    email,
                    password,
                    name,
                },
        } => admin_create(&name, &email, &password),
        Command::Openapi => print_openapi(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("helpdesk: {message}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("HELPDESK_LOG_FORMAT").is_ok_and(|format| format == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn serve(bind: Option<String>, demo: bool) -> Result<(), String> {
    let mut config = Config::from_env()?;
    if let Some(bind) = bind {
        config.bind = bind;
    }
    let state = AppState::start(config.clone(), Clock::System)?;
    if demo {
        let seeded = seed_demo(&state.db, state.clock.now()).map_err(|error| error.to_string())?;
        print_demo(&config.bind, seeded);
    }
    tracing::info!(bind = %config.bind, database = %database_label(&config.database_url), "serving");
    actix_web::rt::System::new().block_on(async move {
        spawn_sweeper(&state);
        spawn_webhook_worker(&state);
        match &config.smtp_url {
            Some(url) if config.mail_poll_seconds > 0 => {
                spawn_mail_worker(state.clone(), mail_notifier::relay(url)?);
                tracing::info!(from = %config.mail_from, "notification mail is on");
            }
            Some(_) => tracing::info!(
                "notification mail is not sent by this process (HELPDESK_MAIL_POLL_SECONDS=0)"
            ),
            None => {}
        }
        HttpServer::new(move || build_app(state.clone()))
            .bind(&config.bind)
            .map_err(|error| format!("cannot listen on {}: {error}", config.bind))?
            .shutdown_timeout(30)
            .run()
            .await
            .map_err(|error| error.to_string())
    })
}

fn print_demo(bind: &str, seeded: bool) {
    let state = if seeded {
        "seeded the demo organisation"
    } else {
        "the database is not empty; demo data left as it was"
    };
    println!("Helpdesk demo: {state}.");
    for (who, email, password) in DEMO_LOGINS {
        println!("  {who:<40} {email:<20} {password}");
    }
    println!("Swagger UI: http://{bind}/swagger-ui/  (POST /api/v1/auth/login, then Authorize with the access_token)");
}

/// The URL without its password, for logs.
fn database_label(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://…@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

fn migrate() -> Result<(), String> {
    let config = Config::from_env()?;
    let database = Database::connect(&config.database_url, 1).map_err(|error| error.to_string())?;
    let applied = database.migrate().map_err(|error| error.to_string())?;
    println!(
        "applied {} migration(s){}",
        applied.len(),
        if applied.is_empty() {
            String::new()
        } else {
            format!(": {}", applied.join(", "))
        }
    );
    Ok(())
}

fn admin_create(name: &str, email: &str, password: &str) -> Result<(), String> {
    let config = Config::from_env()?;
    let database = Database::connect(&config.database_url, 1).map_err(|error| error.to_string())?;
    database.migrate().map_err(|error| error.to_string())?;
    let user =
        create_admin(&database, name, email, password, Clock::System.now()).map_err(|error| {
            let problem = error.problem();
            match problem.errors.first() {
                Some(field) => format!("{}: {}", field.field, field.message),
                None => problem.detail,
            }
        })?;
    println!(
        "created admin {} <{}> with id {}",
        user.name, user.email, user.id
    );
    Ok(())
}

fn print_openapi() -> Result<(), String> {
    let json = openapi_document()
        .to_pretty_json()
        .map_err(|error| error.to_string())?;
    println!("{json}");
    Ok(())
}

/// glibc gives threads that allocate at once their own arenas (up to eight per core), and memory freed
/// in one arena is not reused by another: with a blocking thread per database call the server's
/// resident size climbs (196 MB against 109 MB with two arenas, at a million tickets under search
/// load). glibc reads the limit when the process starts, so `serve` restarts itself once with
/// `MALLOC_ARENA_MAX=2` (same process id, same arguments) unless the environment sets it already.
#[cfg(target_os = "linux")]
fn limit_malloc_arenas() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    let Ok(executable) = std::env::current_exe() else {
        return;
    };
    let error = std::process::Command::new(executable)
        .args(std::env::args_os().skip(1))
        .env("MALLOC_ARENA_MAX", "2")
        .exec();
    tracing::warn!(%error, "could not restart with MALLOC_ARENA_MAX=2; serving with glibc's default arenas");
}

#[cfg(not(target_os = "linux"))]
fn limit_malloc_arenas() {}
