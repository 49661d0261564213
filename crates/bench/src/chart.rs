//! The SVG chart of one or more records: per database, throughput and p99 latency against
//! concurrency, one line per scenario (both axes logarithmic: the scenarios span three orders of
//! magnitude).

use crate::report::Record;
use crate::scenarios::Scenario;
use plotters::prelude::*;
use std::path::Path;

const PANEL: (u32, u32) = (640, 420);

/// One figure the chart plots for a run.
struct Measure {
    title: &'static str,
    axis: &'static str,
    of: fn(&crate::report::Run) -> f64,
}

const MEASURES: [Measure; 2] = [
    Measure {
        title: "throughput",
        axis: "operations per second",
        of: |run| run.per_second,
    },
    Measure {
        title: "p99 latency",
        axis: "p99 (ms)",
        of: |run| run.p99_ms,
    },
];

/// Draws `records` (one row of panels each) into an SVG file at `path`.
pub fn draw(records: &[Record], path: &Path) -> Result<(), String> {
    let rows = u32::try_from(records.len().max(1)).map_err(|error| error.to_string())?;
    let root =
        SVGBackend::new(path, (PANEL.0 * 2 + LEGEND_WIDTH, PANEL.1 * rows)).into_drawing_area();
    root.fill(&WHITE).map_err(fail)?;
    let (plots, legend) = root.split_horizontally(PANEL.0 * 2);
    let panels = plots.split_evenly((records.len().max(1), MEASURES.len()));
    for (row, record) in records.iter().enumerate() {
        for (column, measure) in MEASURES.iter().enumerate() {
            draw_panel(&panels[row * MEASURES.len() + column], record, measure)?;
        }
    }
    draw_legend(&legend, records)?;
    root.present().map_err(fail)
}

const LEGEND_WIDTH: u32 = 210;

/// Each scenario's color, once for the whole chart.
fn color_of(scenario: Scenario) -> RGBAColor {
    let index = Scenario::ALL
        .iter()
        .position(|s| *s == scenario)
        .unwrap_or(0);
    Palette99::pick(index).to_rgba()
}

fn draw_legend(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    records: &[Record],
) -> Result<(), String> {
    let shown = Scenario::ALL.iter().filter(|scenario| {
        records
            .iter()
            .flat_map(|r| &r.runs)
            .any(|run| run.scenario == **scenario)
    });
    for (line, scenario) in (0i32..).zip(shown) {
        let y = 48 + line * 22;
        let color = color_of(*scenario);
        area.draw(&PathElement::new(
            vec![(8, y), (32, y)],
            color.stroke_width(3),
        ))
        .map_err(fail)?;
        area.draw(&Text::new(scenario.name(), (40, y - 7), ("sans-serif", 14)))
            .map_err(fail)?;
    }
    Ok(())
}

fn draw_panel(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    record: &Record,
    measure: &Measure,
) -> Result<(), String> {
    let concurrencies: Vec<f64> = record.runs.iter().map(|r| r.concurrency as f64).collect();
    let values: Vec<f64> = record
        .runs
        .iter()
        .map(measure.of)
        .filter(|v| *v > 0.0)
        .collect();
    let (x_max, y_min, y_max) = (
        concurrencies.iter().copied().fold(1.0, f64::max) * 1.5,
        values.iter().copied().fold(f64::MAX, f64::min).min(1.0) / 1.5,
        values.iter().copied().fold(1.0, f64::max) * 2.0,
    );
    let database = record.database.as_deref().unwrap_or(&record.target);
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("{} - {database}", measure.title),
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d((0.8f64..x_max).log_scale(), (y_min..y_max).log_scale())
        .map_err(fail)?;
    chart
        .configure_mesh()
        .x_desc("concurrency")
        .y_desc(measure.axis)
        .light_line_style(WHITE)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()
        .map_err(fail)?;
    for scenario in &Scenario::ALL {
        let points: Vec<(f64, f64)> = record
            .runs
            .iter()
            .filter(|run| run.scenario == *scenario)
            .map(|run| (run.concurrency as f64, (measure.of)(run).max(y_min)))
            .collect();
        if points.is_empty() {
            continue;
        }
        let color = color_of(*scenario);
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
            .map_err(fail)?;
        chart
            .draw_series(PointSeries::of_element(
                points,
                3,
                color.filled(),
                &|point, size, style| Circle::new(point, size, style),
            ))
            .map_err(fail)?;
    }
    Ok(())
}

fn fail(error: impl std::fmt::Display) -> String {
    format!("chart: {error}")
}
