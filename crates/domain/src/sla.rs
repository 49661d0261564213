//! SLA due dates. For now every plan runs 24x7: business-hours calendars arrive later and will
//! replace [`add_service_minutes`] without changing its callers.

use crate::org::SlaPlan;
use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueDates {
    pub first_response_due_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
}

impl DueDates {
    pub const NONE: DueDates = DueDates {
        first_response_due_at: None,
        due_at: None,
    };
}

/// The due dates of a ticket that started at `started_at` under `plan` (none without a plan).
pub fn due_dates(plan: Option<&SlaPlan>, started_at: DateTime<Utc>) -> DueDates {
    match plan {
        None => DueDates::NONE,
        Some(plan) => DueDates {
            first_response_due_at: Some(add_service_minutes(
                started_at,
                plan.first_response_minutes,
            )),
            due_at: Some(add_service_minutes(started_at, plan.resolution_minutes)),
        },
    }
}

/// `start` plus `minutes` of service time; around the clock for now.
fn add_service_minutes(start: DateTime<Utc>, minutes: i32) -> DateTime<Utc> {
    start + Duration::minutes(i64::from(minutes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn plan(first_response_minutes: i32, resolution_minutes: i32) -> SlaPlan {
        SlaPlan {
            id: 1,
            name: "Default".into(),
            first_response_minutes,
            resolution_minutes,
            business_hours_id: None,
        }
    }

    #[test]
    fn a_24x7_plan_counts_minutes_around_the_clock() {
        let friday_evening = Utc.with_ymd_and_hms(2026, 11, 27, 22, 30, 0).unwrap();
        let dates = due_dates(Some(&plan(240, 18 * 60)), friday_evening);
        assert_eq!(
            dates.first_response_due_at,
            Some(Utc.with_ymd_and_hms(2026, 11, 28, 2, 30, 0).unwrap())
        );
        assert_eq!(
            dates.due_at,
            Some(Utc.with_ymd_and_hms(2026, 11, 28, 16, 30, 0).unwrap())
        );
    }

    #[test]
    fn no_plan_means_no_due_dates() {
        assert_eq!(due_dates(None, Utc::now()), DueDates::NONE);
    }
}
