//! The figures of a run, printed as a line each and kept as a JSON record.

use crate::load::LoadResult;
use crate::scenarios::Scenario;
use crate::server::Usage;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Record {
    pub taken_at: String,
    pub target: String,
    pub database: Option<String>,
    pub machine: Machine,
    pub runs: Vec<Run>,
}

#[derive(Serialize, Deserialize)]
pub struct Machine {
    pub cores: usize,
    pub cpu: String,
    pub os: String,
}

#[derive(Serialize, Deserialize)]
pub struct Run {
    pub scenario: Scenario,
    pub concurrency: usize,
    pub operations: u64,
    pub errors: u64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    /// The server's peak resident memory so far (a server this tool started).
    pub server_peak_rss_mb: Option<f64>,
    /// The server's CPU seconds per 1,000 operations in this run.
    pub server_cpu_seconds_per_1000: Option<f64>,
    pub first_error: Option<String>,
}

impl Record {
    pub fn new(target: &str, database: Option<String>) -> Record {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find_map(|line| line.strip_prefix("model name"))
                    .map(|name| name.trim_start_matches([' ', '\t', ':']).to_owned())
            })
            .unwrap_or_else(|| "unknown".into());
        Record {
            taken_at: chrono::Utc::now().to_rfc3339(),
            target: target.to_owned(),
            database,
            machine: Machine {
                cores: std::thread::available_parallelism().map_or(1, usize::from),
                cpu,
                os: std::env::consts::OS.to_owned(),
            },
            runs: Vec::new(),
        }
    }

    /// Adds a run and returns its printed line.
    pub fn add(
        &mut self,
        scenario: Scenario,
        concurrency: usize,
        result: &LoadResult,
        before: Option<Usage>,
        after: Option<Usage>,
    ) -> String {
        let ms = |quantile: f64| result.latencies.value_at_quantile(quantile) as f64 / 1000.0;
        let seconds = result.elapsed.as_secs_f64().max(f64::EPSILON);
        let cpu = before.zip(after).map(|(b, a)| {
            (a.cpu_seconds - b.cpu_seconds) * 1000.0 / (result.operations.max(1) as f64)
        });
        let run = Run {
            scenario,
            concurrency,
            operations: result.operations,
            errors: result.errors,
            per_second: result.operations as f64 / seconds,
            p50_ms: ms(0.5),
            p99_ms: ms(0.99),
            p999_ms: ms(0.999),
            max_ms: result.latencies.max() as f64 / 1000.0,
            server_peak_rss_mb: after.map(|a| a.peak_rss_bytes as f64 / 1_048_576.0),
            server_cpu_seconds_per_1000: cpu,
            first_error: result.first_error.clone(),
        };
        let line = format!(
            "{:<22} c={:<3} {:>8.0} ops/s  p50 {:>6.2} ms  p99 {:>6.2} ms  p99.9 {:>6.2} ms  errors {:<4} rss {} cpu/1000 {}{}",
            scenario.name(),
            concurrency,
            run.per_second,
            run.p50_ms,
            run.p99_ms,
            run.p999_ms,
            run.errors,
            run.server_peak_rss_mb.map_or("-".into(), |mb| format!("{mb:.0} MB")),
            run.server_cpu_seconds_per_1000.map_or("-".into(), |s| format!("{s:.3} s")),
            run.first_error.as_deref().map_or(String::new(), |e| format!("  first error: {e}")),
        );
        self.runs.push(run);
        line
    }

    /// For each concurrency with both: integrator intake over HTTP as a share of the raw database rate.
    pub fn http_share_of_raw(&self) -> Vec<String> {
        self.runs
            .iter()
            .filter(|run| run.scenario == Scenario::CreateWithKey)
            .filter_map(|http| {
                let raw = self.runs.iter().find(|run| {
                    run.scenario == Scenario::RawCreate && run.concurrency == http.concurrency
                })?;
                Some(format!(
                    "create over HTTP at c={}: {:.0}% of the raw database rate ({:.0} of {:.0} per second)",
                    http.concurrency,
                    100.0 * http.per_second / raw.per_second.max(f64::EPSILON),
                    http.per_second,
                    raw.per_second
                ))
            })
            .collect()
    }

    pub fn read(path: &std::path::Path) -> Result<Record, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("{}: {error}", path.display()))?;
        serde_json::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))
    }

    pub fn write(&self, path: &std::path::Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(self).map_err(|error| error.to_string())?;
        std::fs::write(path, text).map_err(|error| format!("{}: {error}", path.display()))
    }
}
