//! SLA plans, business-hours calendars and a ticket's SLA clocks.

use crate::dto::{double_option, validate_name};
use crate::error::{ApiError, FieldError};
use chrono::{DateTime, NaiveDate, Utc};
use helpdesk_domain::calendar::{parse_weekday, weekday_name, BusinessCalendar, WeeklyInterval};
use helpdesk_domain::org::{Escalation, SlaPlan, SlaTargets};
use helpdesk_domain::sla::{Clock, Pause, SlaReport};
use helpdesk_domain::{Priority, Status};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use utoipa::ToSchema;
use validator::Validate;

/// Targets run from 1 minute to one year.
const MAX_MINUTES: i32 = 525_600;

/// The targets of one priority, in business minutes.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Validate, ToSchema)]
pub struct SlaTargetsDto {
    #[validate(range(min = 1, max = MAX_MINUTES))]
    pub first_response_minutes: i32,
    #[validate(range(min = 1, max = MAX_MINUTES))]
    pub next_response_minutes: Option<i32>,
    #[validate(range(min = 1, max = MAX_MINUTES))]
    pub resolution_minutes: i32,
}

/// What a breach does: raise the priority one step, move the ticket to a department, give it to a team.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
pub struct EscalationDto {
    #[serde(default)]
    pub raise_priority: bool,
    pub department_id: Option<i64>,
    pub team_id: Option<i64>,
}

impl From<Escalation> for EscalationDto {
    fn from(e: Escalation) -> Self {
        EscalationDto {
            raise_priority: e.raise_priority,
            department_id: e.department_id,
            team_id: e.team_id,
        }
    }
}

impl From<SlaTargets> for SlaTargetsDto {
    fn from(t: SlaTargets) -> Self {
        SlaTargetsDto {
            first_response_minutes: t.first_response_minutes,
            next_response_minutes: t.next_response_minutes,
            resolution_minutes: t.resolution_minutes,
        }
    }
}

impl From<SlaTargetsDto> for SlaTargets {
    fn from(t: SlaTargetsDto) -> Self {
        SlaTargets {
            first_response_minutes: t.first_response_minutes,
            next_response_minutes: t.next_response_minutes,
            resolution_minutes: t.resolution_minutes,
        }
    }
}

impl From<EscalationDto> for Escalation {
    fn from(e: EscalationDto) -> Self {
        Escalation {
            raise_priority: e.raise_priority,
            department_id: e.department_id,
            team_id: e.team_id,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlaPlanResponse {
    pub id: i64,
    pub name: String,
    pub first_response_minutes: i32,
    /// A staff answer is due this long after each later customer message; null: not measured.
    pub next_response_minutes: Option<i32>,
    /// osTicket's grace period: business minutes from opening (or reopening) to resolution.
    pub resolution_minutes: i32,
    /// The business-hours calendar; null means 24x7.
    pub business_hours_id: Option<i64>,
    /// Per-priority overrides, keyed by priority (`low` ... `urgent`).
    pub priority_targets: BTreeMap<String, SlaTargetsDto>,
    pub escalation: EscalationDto,
}

impl From<SlaPlan> for SlaPlanResponse {
    fn from(p: SlaPlan) -> Self {
        SlaPlanResponse {
            id: p.id,
            name: p.name,
            first_response_minutes: p.first_response_minutes,
            next_response_minutes: p.next_response_minutes,
            resolution_minutes: p.resolution_minutes,
            business_hours_id: p.business_hours_id,
            priority_targets: p
                .priority_targets
                .into_iter()
                .map(|(priority, targets)| (priority.as_str().to_owned(), targets.into()))
                .collect(),
            escalation: p.escalation.into(),
        }
    }
}

/// Priority names to targets, each key checked.
pub fn priority_targets(
    targets: &BTreeMap<String, SlaTargetsDto>,
) -> Result<BTreeMap<Priority, SlaTargets>, ApiError> {
    let mut errors = Vec::new();
    let mut parsed = BTreeMap::new();
    for (key, t) in targets {
        let field = format!("priority_targets.{key}");
        match key.parse::<Priority>() {
            Err(message) => errors.push(FieldError { field, message }),
            Ok(priority) => {
                if t.validate().is_err() {
                    errors.push(FieldError {
                        field,
                        message: "targets must be 1 to 525600 minutes".into(),
                    });
                } else {
                    parsed.insert(priority, SlaTargets::from(*t));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(parsed)
    } else {
        Err(ApiError::validation(errors))
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({
    "name": "Gold", "first_response_minutes": 60, "next_response_minutes": 120, "resolution_minutes": 480,
    "business_hours_id": null,
    "priority_targets": {"urgent": {"first_response_minutes": 15, "next_response_minutes": 30, "resolution_minutes": 120}},
    "escalation": {"raise_priority": true, "department_id": null, "team_id": null}
}))]
pub struct CreateSlaPlanRequest {
    #[validate(custom(function = "validate_name"))]
    pub name: String,
    #[validate(range(min = 1, max = MAX_MINUTES))]
    pub first_response_minutes: i32,
    #[validate(range(min = 1, max = MAX_MINUTES))]
    pub next_response_minutes: Option<i32>,
    #[validate(range(min = 1, max = MAX_MINUTES))]
    pub resolution_minutes: i32,
    pub business_hours_id: Option<i64>,
    #[serde(default)]
    pub priority_targets: BTreeMap<String, SlaTargetsDto>,
    #[serde(default)]
    pub escalation: EscalationDto,
}

/// Any of these fields; `priority_targets` and `escalation` replace the old ones whole.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct UpdateSlaPlanRequest {
    #[validate(custom(function = "validate_name"))]
    pub name: Option<String>,
    #[validate(range(min = 1, max = MAX_MINUTES))]
    pub first_response_minutes: Option<i32>,
    /// `null` stops measuring next responses.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>, nullable)]
    pub next_response_minutes: Option<Option<i32>>,
    #[validate(range(min = 1, max = MAX_MINUTES))]
    pub resolution_minutes: Option<i32>,
    /// `null` counts around the clock.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, nullable)]
    pub business_hours_id: Option<Option<i64>>,
    pub priority_targets: Option<BTreeMap<String, SlaTargetsDto>>,
    pub escalation: Option<EscalationDto>,
}

/// An open interval of a weekday, in the calendar's local time. `end` at or before `start` is an
/// overnight shift ending the next day; `24:00` is midnight at the end of the day.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"weekday": "mon", "start": "09:00", "end": "17:00"}))]
pub struct IntervalDto {
    /// `mon`, `tue`, `wed`, `thu`, `fri`, `sat` or `sun`.
    pub weekday: String,
    /// `HH:MM`
    pub start: String,
    /// `HH:MM`, or `24:00`
    pub end: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BusinessHoursResponse {
    pub id: i64,
    pub name: String,
    /// An IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: String,
    pub intervals: Vec<IntervalDto>,
    /// Local dates on which no interval starts.
    #[schema(value_type = Vec<String>, example = json!(["2026-12-25"]))]
    pub holidays: BTreeSet<NaiveDate>,
}

impl From<BusinessCalendar> for BusinessHoursResponse {
    fn from(c: BusinessCalendar) -> Self {
        BusinessHoursResponse {
            id: c.id,
            name: c.name,
            time_zone: c.time_zone.name().to_owned(),
            intervals: c
                .intervals
                .iter()
                .map(|i| IntervalDto {
                    weekday: weekday_name(i.weekday).to_owned(),
                    start: i.start_text(),
                    end: i.end_text(),
                })
                .collect(),
            holidays: c.holidays,
        }
    }
}

/// A whole calendar (PUT replaces it).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({
    "name": "Office hours", "time_zone": "Europe/Berlin",
    "intervals": [{"weekday": "mon", "start": "09:00", "end": "17:00"}, {"weekday": "tue", "start": "09:00", "end": "17:00"}],
    "holidays": ["2026-12-25"]
}))]
pub struct BusinessHoursRequest {
    #[validate(custom(function = "validate_name"))]
    pub name: String,
    #[validate(length(max = 64))]
    pub time_zone: String,
    #[validate(length(min = 1, max = 100))]
    pub intervals: Vec<IntervalDto>,
    #[serde(default)]
    #[validate(length(max = 1000))]
    #[schema(value_type = Vec<String>)]
    pub holidays: BTreeSet<NaiveDate>,
}

impl BusinessHoursRequest {
    /// The calendar, or 422 naming each bad field.
    pub fn to_calendar(&self, id: i64) -> Result<BusinessCalendar, ApiError> {
        let mut errors = Vec::new();
        let time_zone = self.time_zone.parse().map_err(|_| {
            errors.push(FieldError {
                field: "time_zone".into(),
                message: "must be an IANA time zone such as Europe/Berlin".into(),
            })
        });
        let mut intervals = Vec::new();
        for (index, i) in self.intervals.iter().enumerate() {
            match parse_weekday(&i.weekday).and_then(|day| WeeklyInterval::new(day, &i.start, &i.end)) {
                Some(interval) => intervals.push(interval),
                None => errors.push(FieldError {
                    field: format!("intervals[{index}]"),
                    message: "needs a weekday (mon..sun) and different start and end times HH:MM (end may be 24:00)".into(),
                }),
            }
        }
        match time_zone {
            Ok(time_zone) if errors.is_empty() => Ok(BusinessCalendar {
                id,
                name: self.name.trim().to_owned(),
                time_zone,
                intervals,
                holidays: self.holidays.clone(),
            }),
            _ => Err(ApiError::validation(errors)),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PauseResponse {
    pub from: DateTime<Utc>,
    /// Null while the pause lasts.
    pub until: Option<DateTime<Utc>>,
    #[schema(schema_with = crate::dto::enums::status)]
    pub status: Status,
}

impl From<&Pause> for PauseResponse {
    fn from(p: &Pause) -> Self {
        PauseResponse {
            from: p.from,
            until: p.until,
            status: p.status,
        }
    }
}

/// One SLA clock of a ticket.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClockResponse {
    /// `first_response`, `next_response` or `resolution`.
    #[schema(example = "resolution")]
    pub kind: String,
    /// `running`, `paused`, `met` or `breached`.
    #[schema(example = "running")]
    pub state: String,
    pub started_at: DateTime<Utc>,
    /// When the clock was met (or stopped); null while it runs.
    pub stopped_at: Option<DateTime<Utc>>,
    pub target_minutes: i64,
    /// Null while paused: the due date moves on by the length of the pause.
    pub due_at: Option<DateTime<Utc>>,
    /// Business minutes used so far (pauses excluded).
    pub elapsed_minutes: i64,
    pub remaining_minutes: i64,
    pub pauses: Vec<PauseResponse>,
    /// Why the clock stands where it does, in a sentence an agent can read.
    pub explanation: String,
}

impl From<&Clock> for ClockResponse {
    fn from(c: &Clock) -> Self {
        ClockResponse {
            kind: c.kind.as_str().to_owned(),
            state: c.state.as_str().to_owned(),
            started_at: c.started_at,
            stopped_at: c.stopped_at,
            target_minutes: c.target_minutes,
            due_at: c.due_at,
            elapsed_minutes: c.elapsed_minutes,
            remaining_minutes: c.remaining_minutes,
            pauses: c.pauses.iter().map(PauseResponse::from).collect(),
            explanation: c.explanation.clone(),
        }
    }
}

/// A ticket's SLA clocks, evaluated now.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketSlaResponse {
    pub ticket_id: i64,
    pub sla_plan_id: Option<i64>,
    pub evaluated_at: DateTime<Utc>,
    pub is_overdue: bool,
    pub clocks: Vec<ClockResponse>,
}

impl TicketSlaResponse {
    pub fn new(
        ticket_id: i64,
        sla_plan_id: Option<i64>,
        report: &SlaReport,
        now: DateTime<Utc>,
    ) -> Self {
        TicketSlaResponse {
            ticket_id,
            sla_plan_id,
            evaluated_at: now,
            is_overdue: report.is_overdue(),
            clocks: report.clocks.iter().map(ClockResponse::from).collect(),
        }
    }
}
