//! `helpdesk-bench`: runs load scenarios against a Helpdesk server (one it starts on a fresh database,
//! or one at `--url`) at chosen concurrencies, over loopback, and prints req/s, p50/p99/p99.9
//! latency, errors, and the server's peak RSS and CPU seconds per 1,000 requests; `--json` keeps the
//! record.

mod baseline;
mod chart;
mod load;
mod report;
mod scenarios;
mod server;

use clap::Parser;
use report::Record;
use scenarios::{Fixture, Scenario};
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// A running server to load (its demo data must be there); without it, one is started.
    #[arg(long)]
    url: Option<String>,
    /// For a started server: `sqlite` (a fresh file) or a `postgres://` server URL (a fresh database
    /// is made on it).
    #[arg(long, default_value = "sqlite")]
    database: String,
    /// The `helpdesk` binary to start (default: the one next to this binary).
    #[arg(long)]
    server_binary: Option<std::path::PathBuf>,
    /// Scenarios to run (default: all).
    #[arg(long, value_delimiter = ',')]
    scenarios: Vec<Scenario>,
    /// Concurrencies to run each scenario at.
    #[arg(long, value_delimiter = ',', default_value = "1,8,32")]
    concurrency: Vec<usize>,
    /// Seconds per scenario and concurrency.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Where to write the JSON record.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
    /// Tickets to add in bulk before the runs (with 4 messages each, 70% closed, over 20 departments,
    /// 500 agents and 100,000 customers), to a server this tool starts.
    #[arg(long, default_value_t = 0)]
    tickets: i64,
    /// Where to draw the SVG chart (throughput and p99 against concurrency, per scenario).
    #[arg(long)]
    svg: Option<std::path::PathBuf>,
    /// Draw `--svg` from these JSON records (one row of panels each) instead of running anything.
    #[arg(long, value_delimiter = ',', requires = "svg")]
    chart_from: Vec<std::path::PathBuf>,
    /// A run of seconds that checks the tool works (CI): every scenario at concurrency 2 for 1 s.
    #[arg(long)]
    smoke: bool,
}

fn main() -> std::process::ExitCode {
    let mut args = Args::parse();
    if args.smoke {
        args.concurrency = vec![2];
        args.seconds = 1;
    }
    let scenarios = if args.scenarios.is_empty() {
        Scenario::ALL.to_vec()
    } else {
        args.scenarios.clone()
    };
    if !args.chart_from.is_empty() {
        let drawn = args
            .chart_from
            .iter()
            .map(|path| Record::read(path))
            .collect::<Result<Vec<_>, _>>()
            .and_then(|records| {
                chart::draw(
                    &records,
                    args.svg.as_deref().unwrap_or("chart.svg".as_ref()),
                )
            });
        return match drawn {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("helpdesk-bench: {error}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    let result = actix_web::rt::System::new().block_on(run(args, scenarios));
    match result {
        Ok(errors) if errors == 0 => std::process::ExitCode::SUCCESS,
        Ok(errors) => {
            eprintln!("helpdesk-bench: {errors} requests failed");
            std::process::ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("helpdesk-bench: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Runs every scenario at every concurrency; returns how many requests failed.
async fn run(args: Args, scenarios: Vec<Scenario>) -> Result<u64, String> {
    let started = match &args.url {
        Some(_) => None,
        None => Some(server::Server::start(&args.database, args.server_binary.as_deref()).await?),
    };
    let base = match (&args.url, &started) {
        (Some(url), _) => url.trim_end_matches('/').to_owned(),
        (None, Some(server)) => server.base.clone(),
        (None, None) => unreachable!("a server was started"),
    };
    if args.tickets > 0 {
        let server = started
            .as_ref()
            .ok_or("--tickets fills a database this tool starts; leave out --url")?;
        let filled = server.fill(args.tickets)?;
        println!(
            "generated {} tickets in {:.1} s",
            args.tickets,
            filled.as_secs_f64()
        );
    }
    let fixture = Fixture::prepare(&base).await?;
    let mut record = Record::new(&base, started.as_ref().map(|s| s.database_label.clone()));
    let mut errors = 0;
    for scenario in scenarios {
        for &concurrency in &args.concurrency {
            let usage_before = started.as_ref().map(server::Server::usage);
            let duration = Duration::from_secs(args.seconds);
            let result = if scenario == Scenario::RawCreate {
                let server = started
                    .as_ref()
                    .ok_or("the raw baseline needs a database this tool starts; leave out --url")?;
                let (url, key) = (server.database_url().to_owned(), fixture.key_id);
                actix_web::web::block(move || baseline::run(&url, key, concurrency, duration))
                    .await
                    .map_err(|error| error.to_string())??
            } else {
                load::run(&fixture, scenario, concurrency, duration).await
            };
            let usage_after = started.as_ref().map(server::Server::usage);
            let line = record.add(scenario, concurrency, &result, usage_before, usage_after);
            println!("{line}");
            errors += result.errors;
        }
    }
    for line in record.http_share_of_raw() {
        println!("{line}");
    }
    if let Some(path) = &args.json {
        record.write(path)?;
        println!("record written to {}", path.display());
    }
    if let Some(path) = &args.svg {
        chart::draw(std::slice::from_ref(&record), path)?;
        println!("chart drawn to {}", path.display());
    }
    drop(started);
    Ok(errors)
}
