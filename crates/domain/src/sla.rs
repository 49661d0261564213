//! SLA clocks, as pure functions of a ticket's history and `now`.
//!
//! | clock | starts | met by | paused while |
//! | --- | --- | --- | --- |
//! | first response | the ticket opens | the first public staff reply (or resolving it) | never |
//! | next response | a customer writes after a staff reply | the next public staff reply (or resolving) | pending |
//! | resolution | the ticket opens, or is reopened | resolved or closed | pending, on hold |
//!
//! Targets are business minutes of the plan (per-priority overrides first) counted on the plan's
//! calendar; paused business time is added back to the due date. Nothing is stored that this module
//! cannot recompute: a change of priority, plan or calendar re-evaluates the same history.

use crate::calendar::Schedule;
use crate::enums::{Priority, Status};
use crate::event::EventKind;
use crate::org::{SlaPlan, SlaTargets};
use chrono::{DateTime, Duration, Utc};

/// What happened to a ticket, as far as its SLA clocks care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    Opened,
    StatusChanged(Status),
    /// A public reply by staff.
    StaffReplied,
    /// A message by the customer (after the report that opened the ticket).
    CustomerWrote,
}

impl Fact {
    /// What an audit event means for the clocks, if anything: creation, a status change, a public
    /// staff reply or a customer's message (`data` as the domain writes it).
    pub fn of_event(kind: EventKind, data: &serde_json::Value) -> Option<Fact> {
        match kind {
            EventKind::Created => Some(Fact::Opened),
            EventKind::StatusChanged => data["to"]
                .as_str()
                .and_then(|to| to.parse().ok())
                .map(Fact::StatusChanged),
            EventKind::MessageAdded if data["internal"] == false => {
                match data["author_type"].as_str() {
                    Some("agent") => Some(Fact::StaffReplied),
                    Some("customer") => Some(Fact::CustomerWrote),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub fact: Fact,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClockKind {
    FirstResponse,
    NextResponse,
    Resolution,
}

impl ClockKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ClockKind::FirstResponse => "first_response",
            ClockKind::NextResponse => "next_response",
            ClockKind::Resolution => "resolution",
        }
    }

    fn title(self) -> &'static str {
        match self {
            ClockKind::FirstResponse => "First response",
            ClockKind::NextResponse => "Next response",
            ClockKind::Resolution => "Resolution",
        }
    }

    fn pauses_on(self, status: Status) -> bool {
        match self {
            ClockKind::FirstResponse => false,
            ClockKind::NextResponse => status == Status::Pending,
            ClockKind::Resolution => matches!(status, Status::Pending | Status::OnHold),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockState {
    Running,
    Paused,
    Met,
    Breached,
}

impl ClockState {
    pub fn as_str(self) -> &'static str {
        match self {
            ClockState::Running => "running",
            ClockState::Paused => "paused",
            ClockState::Met => "met",
            ClockState::Breached => "breached",
        }
    }
}

/// An interval in which a clock stood still; `until` is `None` while it lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    pub from: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
    pub status: Status,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    pub kind: ClockKind,
    pub state: ClockState,
    pub started_at: DateTime<Utc>,
    /// When the clock was met or stopped (resolution); `None` while it runs.
    pub stopped_at: Option<DateTime<Utc>>,
    pub target_minutes: i64,
    /// `None` while paused: the due date moves on by the length of the pause.
    pub due_at: Option<DateTime<Utc>>,
    pub elapsed_minutes: i64,
    pub remaining_minutes: i64,
    pub pauses: Vec<Pause>,
    pub explanation: String,
}

impl Clock {
    /// Breached and still waiting for what it measures.
    pub fn is_overdue(&self) -> bool {
        self.state == ClockState::Breached && self.stopped_at.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SlaReport {
    pub clocks: Vec<Clock>,
}

impl SlaReport {
    pub fn clock(&self, kind: ClockKind) -> Option<&Clock> {
        self.clocks.iter().find(|clock| clock.kind == kind)
    }

    pub fn due_at(&self, kind: ClockKind) -> Option<DateTime<Utc>> {
        self.clock(kind).and_then(|clock| clock.due_at)
    }

    /// When a sweep must look at the ticket again: the earliest due date of a running clock, or of a
    /// breached, still unmet clock whose breach is not `recorded` yet (so that no write that sees a
    /// breach first can keep it from being recorded and escalated).
    pub fn next_check_at(&self, recorded: impl Fn(&Clock) -> bool) -> Option<DateTime<Utc>> {
        self.clocks
            .iter()
            .filter(|c| c.state == ClockState::Running || (c.is_overdue() && !recorded(c)))
            .filter_map(|c| c.due_at)
            .min()
    }

    pub fn is_overdue(&self) -> bool {
        self.clocks.iter().any(Clock::is_overdue)
    }

    pub fn breached(&self) -> impl Iterator<Item = &Clock> {
        self.clocks
            .iter()
            .filter(|clock| clock.state == ClockState::Breached)
    }
}

/// Everything that decides a ticket's clocks.
pub struct SlaInput<'a> {
    pub plan: &'a SlaPlan,
    pub schedule: &'a Schedule,
    pub priority: Priority,
    pub history: &'a [Entry],
}

/// The ticket's clocks at `now`.
pub fn evaluate(input: &SlaInput<'_>, now: DateTime<Utc>) -> SlaReport {
    let targets = input.plan.targets(input.priority);
    let statuses = status_timeline(input.history);
    let mut clocks = Vec::new();
    let spans = [
        (
            ClockKind::FirstResponse,
            first_response_span(input.history),
            Some(targets.first_response_minutes),
        ),
        (
            ClockKind::NextResponse,
            next_response_span(input.history),
            targets.next_response_minutes,
        ),
        (
            ClockKind::Resolution,
            resolution_span(input.history),
            Some(targets.resolution_minutes),
        ),
    ];
    for (kind, span, target) in spans {
        if let (Some((started_at, stopped_at)), Some(target)) = (span, target) {
            let pauses = pauses_within(&statuses, kind, started_at, stopped_at);
            let timing = Timing {
                schedule: input.schedule,
                started_at,
                stopped_at,
                pauses,
                target: i64::from(target),
            };
            clocks.push(timing.clock(kind, &describe_context(input, &targets, kind), now));
        }
    }
    SlaReport { clocks }
}

/// The status the ticket had from each moment on, starting `open` when it opened.
fn status_timeline(history: &[Entry]) -> Vec<(DateTime<Utc>, Status)> {
    history
        .iter()
        .filter_map(|entry| match entry.fact {
            Fact::Opened => Some((entry.at, Status::Open)),
            Fact::StatusChanged(status) => Some((entry.at, status)),
            _ => None,
        })
        .collect()
}

fn finished_at(history: &[Entry], after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    history
        .iter()
        .find(|e| {
            e.at >= after && matches!(e.fact, Fact::StatusChanged(status) if status.is_finished())
        })
        .map(|e| e.at)
}

fn opened_at(history: &[Entry]) -> Option<DateTime<Utc>> {
    history
        .iter()
        .find(|e| e.fact == Fact::Opened)
        .map(|e| e.at)
}

/// From opening to the first staff reply, or to resolution if that came first.
fn first_response_span(history: &[Entry]) -> Option<(DateTime<Utc>, Option<DateTime<Utc>>)> {
    let start = opened_at(history)?;
    let replied = history
        .iter()
        .find(|e| e.fact == Fact::StaffReplied)
        .map(|e| e.at);
    let stop = [replied, finished_at(history, start)]
        .into_iter()
        .flatten()
        .min();
    Some((start, stop))
}

/// The latest wait for a staff answer to a customer who wrote after a staff reply.
fn next_response_span(history: &[Entry]) -> Option<(DateTime<Utc>, Option<DateTime<Utc>>)> {
    let mut replied_once = false;
    let mut span: Option<(DateTime<Utc>, Option<DateTime<Utc>>)> = None;
    for entry in history {
        match entry.fact {
            Fact::StaffReplied => {
                replied_once = true;
                if let Some((start, None)) = span {
                    span = Some((start, Some(entry.at)));
                }
            }
            Fact::CustomerWrote if replied_once && !matches!(span, Some((_, None))) => {
                span = Some((entry.at, None))
            }
            Fact::StatusChanged(status) if status.is_finished() => {
                if let Some((start, None)) = span {
                    span = Some((start, Some(entry.at)));
                }
            }
            _ => {}
        }
    }
    span
}

/// From opening, or from the latest reopen, to resolution.
fn resolution_span(history: &[Entry]) -> Option<(DateTime<Utc>, Option<DateTime<Utc>>)> {
    let mut start = opened_at(history)?;
    let mut finished = false;
    for entry in history {
        if let Fact::StatusChanged(status) = entry.fact {
            if finished && !status.is_finished() {
                start = entry.at;
            }
            finished = status.is_finished();
        }
    }
    Some((start, finished_at(history, start)))
}

/// The intervals between `start` and `stop` in which the ticket had a status that pauses `kind`.
fn pauses_within(
    statuses: &[(DateTime<Utc>, Status)],
    kind: ClockKind,
    start: DateTime<Utc>,
    stop: Option<DateTime<Utc>>,
) -> Vec<Pause> {
    let mut pauses: Vec<Pause> = Vec::new();
    for (index, (from, status)) in statuses.iter().enumerate() {
        if !kind.pauses_on(*status) {
            continue;
        }
        let until = statuses.get(index + 1).map(|(next, _)| *next);
        let from = (*from).max(start);
        let until = match (until, stop) {
            (Some(until), Some(stop)) => Some(until.min(stop)),
            (until, stop) => until.or(stop),
        };
        if until.is_some_and(|until| until <= from) || stop.is_some_and(|stop| from >= stop) {
            continue;
        }
        match pauses.last_mut() {
            // pending then on_hold: one pause.
            Some(last) if last.until == Some(from) => last.until = until,
            _ => pauses.push(Pause {
                from,
                until,
                status: *status,
            }),
        }
    }
    pauses
}

struct Timing<'a> {
    schedule: &'a Schedule,
    started_at: DateTime<Utc>,
    stopped_at: Option<DateTime<Utc>>,
    pauses: Vec<Pause>,
    target: i64,
}

impl Timing<'_> {
    /// When the active (unpaused) business time reaches the target; `None` while a pause lasts.
    fn due_at(&self) -> Option<DateTime<Utc>> {
        let mut cursor = self.started_at;
        let mut left = Duration::minutes(self.target);
        for pause in &self.pauses {
            let available = self.schedule.business_time(cursor, pause.from);
            if available >= left {
                break;
            }
            left -= available;
            cursor = cursor.max(pause.until?);
        }
        self.schedule.add_business_time(cursor, left)
    }

    /// Active business time from the start until `until`.
    fn active_time(&self, until: DateTime<Utc>) -> Duration {
        let paused: Duration = self
            .pauses
            .iter()
            .map(|pause| {
                self.schedule
                    .business_time(pause.from, pause.until.map_or(until, |end| end.min(until)))
            })
            .sum();
        self.schedule.business_time(self.started_at, until) - paused
    }

    fn clock(self, kind: ClockKind, context: &str, now: DateTime<Utc>) -> Clock {
        let due_at = self.due_at();
        let measured_until = self.stopped_at.map_or(now, |stop| stop.min(now));
        let elapsed = self.active_time(measured_until).num_minutes();
        let paused_now = self
            .pauses
            .last()
            .is_some_and(|pause| pause.until.is_none());
        let state = match (self.stopped_at, due_at) {
            (Some(stop), Some(due)) if stop > due => ClockState::Breached,
            (Some(_), _) => ClockState::Met,
            (None, Some(due)) if due <= now => ClockState::Breached,
            (None, _) if paused_now => ClockState::Paused,
            (None, _) => ClockState::Running,
        };
        let remaining = (self.target - elapsed).max(0);
        let explanation = explain(kind, state, context, &self, due_at, elapsed, remaining);
        Clock {
            kind,
            state,
            started_at: self.started_at,
            stopped_at: self.stopped_at,
            target_minutes: self.target,
            due_at,
            elapsed_minutes: elapsed,
            remaining_minutes: remaining,
            pauses: self.pauses,
            explanation,
        }
    }
}

fn describe_context(input: &SlaInput<'_>, targets: &SlaTargets, kind: ClockKind) -> String {
    let target = match kind {
        ClockKind::FirstResponse => Some(targets.first_response_minutes),
        ClockKind::NextResponse => targets.next_response_minutes,
        ClockKind::Resolution => Some(targets.resolution_minutes),
    };
    let hours = match input.schedule {
        Schedule::AlwaysOpen => "around the clock".to_owned(),
        Schedule::Calendar(calendar) => format!(
            "in the business hours of \"{}\" ({})",
            calendar.name, calendar.time_zone
        ),
    };
    format!(
        "{} of plan \"{}\" at {} priority, counted {}",
        human(i64::from(target.unwrap_or_default())),
        input.plan.name,
        input.priority,
        hours
    )
}

fn explain(
    kind: ClockKind,
    state: ClockState,
    context: &str,
    timing: &Timing<'_>,
    due_at: Option<DateTime<Utc>>,
    elapsed: i64,
    remaining: i64,
) -> String {
    let at = |time: DateTime<Utc>| time.format("%Y-%m-%d %H:%M UTC").to_string();
    let mut text = format!(
        "{}: {context}, from {}.",
        kind.title(),
        at(timing.started_at)
    );
    let closed_pauses: Vec<&Pause> = timing.pauses.iter().filter(|p| p.until.is_some()).collect();
    if !closed_pauses.is_empty() {
        let paused: i64 = closed_pauses
            .iter()
            .map(|p| {
                timing
                    .schedule
                    .business_time(p.from, p.until.unwrap_or(p.from))
                    .num_minutes()
            })
            .sum();
        text += &format!(" Paused {} time(s) while waiting on the customer or a third party, adding {} to the due date.", closed_pauses.len(), human(paused));
    }
    text += &match (state, due_at, timing.stopped_at) {
        (ClockState::Met, Some(due), Some(stop)) => format!(
            " Met at {} after {}, {} before the due date.",
            at(stop),
            human(elapsed),
            human((due - stop).num_minutes())
        ),
        (ClockState::Met, _, Some(stop)) => {
            format!(" Met at {} after {}.", at(stop), human(elapsed))
        }
        (ClockState::Breached, Some(due), Some(stop)) => {
            format!(" Breached: due {}, met late at {}.", at(due), at(stop))
        }
        (ClockState::Breached, Some(due), None) => format!(
            " Breached at {}; {} used and still waiting.",
            at(due),
            human(elapsed)
        ),
        (ClockState::Paused, _, _) => {
            let since = timing.pauses.last().map_or(timing.started_at, |p| p.from);
            format!(
                " Paused since {} while the ticket is {}; {} used, {} left once it resumes.",
                at(since),
                timing.pauses.last().map_or(Status::Pending, |p| p.status),
                human(elapsed),
                human(remaining)
            )
        }
        (_, Some(due), _) => format!(
            " {} used, {} left: due {}.",
            human(elapsed),
            human(remaining),
            at(due)
        ),
        (_, None, _) => " The calendar has no open time left to reach the target.".to_owned(),
    };
    text
}

/// `125` -> `2 h 5 min`.
pub fn human(minutes: i64) -> String {
    let (hours, minutes) = (minutes / 60, minutes % 60);
    match (hours, minutes) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::tests::{office_hours, utc};
    use crate::org::SlaTargets;
    use chrono::NaiveDate;

    fn plan() -> SlaPlan {
        let mut plan = SlaPlan::simple(1, "Default", 240, 8 * 60);
        plan.next_response_minutes = Some(60);
        plan.priority_targets.insert(
            Priority::Urgent,
            SlaTargets {
                first_response_minutes: 30,
                next_response_minutes: Some(15),
                resolution_minutes: 120,
            },
        );
        plan
    }

    fn entry(at: DateTime<Utc>, fact: Fact) -> Entry {
        Entry { at, fact }
    }

    fn status(at: DateTime<Utc>, status: Status) -> Entry {
        entry(at, Fact::StatusChanged(status))
    }

    fn report(
        schedule: &Schedule,
        priority: Priority,
        history: &[Entry],
        now: DateTime<Utc>,
    ) -> SlaReport {
        evaluate(
            &SlaInput {
                plan: &plan(),
                schedule,
                priority,
                history,
            },
            now,
        )
    }

    fn clock(report: &SlaReport, kind: ClockKind) -> Clock {
        report
            .clock(kind)
            .cloned()
            .unwrap_or_else(|| panic!("{kind:?} in {report:#?}"))
    }

    /// Thursday 2026-11-26, 09:00 UTC.
    fn t(hour: u32, minute: u32) -> DateTime<Utc> {
        utc(2026, 11, 26, hour, minute)
    }

    #[test]
    fn around_the_clock_a_new_ticket_has_two_running_clocks() {
        let history = [entry(t(9, 0), Fact::Opened)];
        let report = report(&Schedule::AlwaysOpen, Priority::Normal, &history, t(10, 0));
        let first = clock(&report, ClockKind::FirstResponse);
        assert_eq!(
            (
                first.state,
                first.due_at,
                first.elapsed_minutes,
                first.remaining_minutes
            ),
            (ClockState::Running, Some(t(13, 0)), 60, 180)
        );
        assert_eq!(report.due_at(ClockKind::Resolution), Some(t(17, 0)));
        assert!(
            report.clock(ClockKind::NextResponse).is_none(),
            "nobody has replied yet"
        );
        assert_eq!(report.next_check_at(|_| false), Some(t(13, 0)));
        assert!(!report.is_overdue());
    }

    #[test]
    fn business_hours_skip_the_weekend() {
        // Friday 2026-11-27 16:00 Berlin = 15:00 UTC.
        let history = [entry(utc(2026, 11, 27, 15, 0), Fact::Opened)];
        let schedule = Schedule::Calendar(office_hours());
        let report = report(
            &schedule,
            Priority::Normal,
            &history,
            utc(2026, 11, 27, 15, 0),
        );
        // 4 h: 1 h on Friday, 3 h on Monday -> Monday 12:00 CET.
        assert_eq!(
            report.due_at(ClockKind::FirstResponse),
            Some(utc(2026, 11, 30, 11, 0))
        );
        // 8 h: 1 h Friday, 7 h Monday -> Monday 16:00 CET.
        assert_eq!(
            report.due_at(ClockKind::Resolution),
            Some(utc(2026, 11, 30, 15, 0))
        );
        assert!(clock(&report, ClockKind::Resolution)
            .explanation
            .contains("\"Office hours\" (Europe/Berlin)"));
    }

    #[test]
    fn holidays_push_the_due_date() {
        let mut calendar = office_hours();
        calendar
            .holidays
            .insert(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        let history = [entry(utc(2026, 11, 27, 15, 0), Fact::Opened)];
        let report = report(
            &Schedule::Calendar(calendar),
            Priority::Normal,
            &history,
            utc(2026, 11, 27, 15, 0),
        );
        assert_eq!(
            report.due_at(ClockKind::FirstResponse),
            Some(utc(2026, 12, 1, 11, 0)),
            "Tuesday 12:00 CET"
        );
    }

    #[test]
    fn a_daylight_saving_change_keeps_local_office_hours() {
        // Friday 2026-03-27 16:00 CET; Berlin moves to CEST on Sunday.
        let history = [entry(utc(2026, 3, 27, 15, 0), Fact::Opened)];
        let report = report(
            &Schedule::Calendar(office_hours()),
            Priority::Normal,
            &history,
            utc(2026, 3, 27, 15, 0),
        );
        // 1 h Friday + 3 h Monday from 09:00 CEST (07:00 UTC) -> 10:00 UTC.
        assert_eq!(
            report.due_at(ClockKind::FirstResponse),
            Some(utc(2026, 3, 30, 10, 0))
        );
        // 1 h Friday + 7 h Monday -> Monday 16:00 CEST = 14:00 UTC.
        assert_eq!(
            report.due_at(ClockKind::Resolution),
            Some(utc(2026, 3, 30, 14, 0))
        );
    }

    #[test]
    fn an_overnight_shift_counts_past_midnight() {
        let night = crate::calendar::BusinessCalendar {
            name: "Night desk".into(),
            intervals: vec![crate::calendar::WeeklyInterval::new(
                chrono::Weekday::Mon,
                "22:00",
                "06:00",
            )
            .unwrap()],
            ..office_hours()
        };
        // Monday 2026-11-30 23:00 CET (22:00 UTC): 4 h -> Tuesday 03:00 CET; 8 h -> 7 h this shift
        // and 1 h of next Monday's -> 2026-12-07 23:00 CET.
        let history = [entry(utc(2026, 11, 30, 22, 0), Fact::Opened)];
        let report = report(
            &Schedule::Calendar(night),
            Priority::Normal,
            &history,
            utc(2026, 11, 30, 22, 0),
        );
        assert_eq!(
            report.due_at(ClockKind::FirstResponse),
            Some(utc(2026, 12, 1, 2, 0))
        );
        assert_eq!(
            report.due_at(ClockKind::Resolution),
            Some(utc(2026, 12, 7, 22, 0))
        );
    }

    #[test]
    fn pending_and_on_hold_pause_resolution_and_add_the_pause_to_the_due_date() {
        let history = [
            entry(t(9, 0), Fact::Opened),
            entry(t(9, 30), Fact::StaffReplied),
            status(t(10, 0), Status::Pending),
            status(t(11, 0), Status::Open),
            status(t(12, 0), Status::OnHold),
            status(t(12, 30), Status::Open),
            status(t(14, 0), Status::Pending),
            status(t(14, 15), Status::OnHold),
            status(t(15, 0), Status::Open),
        ];
        let report = report(&Schedule::AlwaysOpen, Priority::Normal, &history, t(16, 0));
        let resolution = clock(&report, ClockKind::Resolution);
        // 8 h target + 1 h + 30 min + 1 h paused (pending then on hold counts as one pause).
        assert_eq!(resolution.due_at, Some(t(19, 30)));
        assert_eq!(resolution.pauses.len(), 3);
        assert_eq!(
            (resolution.elapsed_minutes, resolution.remaining_minutes),
            (270, 210)
        );
        assert_eq!(resolution.state, ClockState::Running);
        assert!(
            resolution.explanation.contains("Paused 3 time(s)"),
            "{}",
            resolution.explanation
        );
        let first = clock(&report, ClockKind::FirstResponse);
        assert_eq!(
            (first.state, first.stopped_at),
            (ClockState::Met, Some(t(9, 30)))
        );
    }

    #[test]
    fn a_paused_clock_has_no_due_date_and_is_never_checked() {
        let history = [
            entry(t(9, 0), Fact::Opened),
            entry(t(9, 10), Fact::StaffReplied),
            status(t(10, 0), Status::Pending),
        ];
        let report = report(&Schedule::AlwaysOpen, Priority::Normal, &history, t(23, 0));
        let resolution = clock(&report, ClockKind::Resolution);
        assert_eq!(
            (
                resolution.state,
                resolution.due_at,
                resolution.elapsed_minutes,
                resolution.remaining_minutes
            ),
            (ClockState::Paused, None, 60, 420)
        );
        assert!(
            resolution
                .explanation
                .contains("Paused since 2026-11-26 10:00 UTC while the ticket is pending"),
            "{}",
            resolution.explanation
        );
        assert_eq!(report.next_check_at(|_| false), None);
        assert!(!report.is_overdue());
    }

    #[test]
    fn a_priority_change_re_evaluates_the_same_history() {
        let history = [entry(t(9, 0), Fact::Opened)];
        let normal = report(&Schedule::AlwaysOpen, Priority::Normal, &history, t(10, 0));
        assert_eq!(normal.due_at(ClockKind::Resolution), Some(t(17, 0)));
        // Raised to urgent at 10:00: 2 h from the start, not from the change.
        let urgent = report(&Schedule::AlwaysOpen, Priority::Urgent, &history, t(10, 0));
        assert_eq!(urgent.due_at(ClockKind::Resolution), Some(t(11, 0)));
        assert_eq!(urgent.due_at(ClockKind::FirstResponse), Some(t(9, 30)));
        let first = clock(&urgent, ClockKind::FirstResponse);
        assert_eq!(
            first.state,
            ClockState::Breached,
            "already 30 min past the urgent first response"
        );
        assert!(urgent.is_overdue());
        assert!(
            first.explanation.contains("at urgent priority"),
            "{}",
            first.explanation
        );
    }

    #[test]
    fn a_reopen_restarts_the_resolution_clock() {
        let history = [
            entry(t(9, 0), Fact::Opened),
            entry(t(9, 20), Fact::StaffReplied),
            status(t(10, 0), Status::Resolved),
            status(t(12, 0), Status::Open),
        ];
        let report = report(&Schedule::AlwaysOpen, Priority::Normal, &history, t(13, 0));
        let resolution = clock(&report, ClockKind::Resolution);
        assert_eq!(
            (resolution.started_at, resolution.due_at, resolution.state),
            (t(12, 0), Some(t(20, 0)), ClockState::Running)
        );
        assert_eq!(resolution.elapsed_minutes, 60);
        let resolved_again = [history.as_slice(), &[status(t(15, 0), Status::Resolved)]].concat();
        let report = super::tests::report(
            &Schedule::AlwaysOpen,
            Priority::Normal,
            &resolved_again,
            t(16, 0),
        );
        let resolution = clock(&report, ClockKind::Resolution);
        assert_eq!(
            (
                resolution.state,
                resolution.stopped_at,
                resolution.elapsed_minutes
            ),
            (ClockState::Met, Some(t(15, 0)), 180)
        );
        assert!(
            resolution
                .explanation
                .contains("Met at 2026-11-26 15:00 UTC after 3 h, 5 h before the due date"),
            "{}",
            resolution.explanation
        );
    }

    #[test]
    fn next_response_runs_after_each_customer_message_and_pauses_while_pending() {
        let history = [
            entry(t(9, 0), Fact::Opened),
            entry(t(10, 0), Fact::StaffReplied),
            entry(t(11, 0), Fact::CustomerWrote),
            status(t(11, 30), Status::Pending),
            status(t(11, 45), Status::Open),
        ];
        let report = report(&Schedule::AlwaysOpen, Priority::Normal, &history, t(12, 0));
        let next = clock(&report, ClockKind::NextResponse);
        assert_eq!(
            (next.started_at, next.due_at, next.state),
            (t(11, 0), Some(t(12, 15)), ClockState::Running)
        );
        let answered = [history.as_slice(), &[entry(t(12, 5), Fact::StaffReplied)]].concat();
        let report = super::tests::report(
            &Schedule::AlwaysOpen,
            Priority::Normal,
            &answered,
            t(12, 30),
        );
        assert_eq!(
            clock(&report, ClockKind::NextResponse).state,
            ClockState::Met
        );
        let late = [history.as_slice(), &[entry(t(13, 0), Fact::StaffReplied)]].concat();
        let report = super::tests::report(&Schedule::AlwaysOpen, Priority::Normal, &late, t(13, 0));
        let next = clock(&report, ClockKind::NextResponse);
        assert_eq!(next.state, ClockState::Breached, "answered 45 min late");
        assert!(!report.is_overdue(), "a late answer is no longer awaited");
    }

    #[test]
    fn breaches_are_reported_until_met() {
        let history = [entry(t(9, 0), Fact::Opened)];
        let report = report(&Schedule::AlwaysOpen, Priority::Normal, &history, t(13, 1));
        let first = clock(&report, ClockKind::FirstResponse);
        assert_eq!(first.state, ClockState::Breached);
        assert!(
            first
                .explanation
                .contains("Breached at 2026-11-26 13:00 UTC"),
            "{}",
            first.explanation
        );
        assert!(report.is_overdue());
        assert_eq!(
            report.next_check_at(|_| false),
            Some(t(13, 0)),
            "the breach is still to be recorded"
        );
        assert_eq!(
            report.next_check_at(|_| true),
            Some(t(17, 0)),
            "once recorded, the resolution clock is next"
        );
        assert_eq!(report.breached().count(), 1);
    }

    #[test]
    fn resolving_without_a_reply_stops_the_response_clock() {
        let history = [
            entry(t(9, 0), Fact::Opened),
            status(t(9, 30), Status::Resolved),
        ];
        let report = report(&Schedule::AlwaysOpen, Priority::Normal, &history, t(20, 0));
        assert!(
            report.clocks.iter().all(|c| c.state == ClockState::Met),
            "{report:#?}"
        );
        assert_eq!(report.next_check_at(|_| false), None);
    }

    #[test]
    fn events_become_facts() {
        use serde_json::json;
        assert_eq!(
            Fact::of_event(EventKind::Created, &json!({})),
            Some(Fact::Opened)
        );
        assert_eq!(
            Fact::of_event(
                EventKind::StatusChanged,
                &json!({"from": "open", "to": "pending"})
            ),
            Some(Fact::StatusChanged(Status::Pending))
        );
        assert_eq!(
            Fact::of_event(
                EventKind::MessageAdded,
                &json!({"internal": false, "author_type": "agent"})
            ),
            Some(Fact::StaffReplied)
        );
        assert_eq!(
            Fact::of_event(
                EventKind::MessageAdded,
                &json!({"internal": false, "author_type": "customer"})
            ),
            Some(Fact::CustomerWrote)
        );
        assert_eq!(
            Fact::of_event(
                EventKind::MessageAdded,
                &json!({"internal": true, "author_type": "agent"})
            ),
            None,
            "a note is no reply"
        );
        assert_eq!(
            Fact::of_event(
                EventKind::MessageAdded,
                &json!({"internal": false, "author_type": "system"})
            ),
            None
        );
        assert_eq!(Fact::of_event(EventKind::PriorityChanged, &json!({})), None);
    }

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(human(45), "45 min");
        assert_eq!(human(120), "2 h");
        assert_eq!(human(125), "2 h 5 min");
    }
}
