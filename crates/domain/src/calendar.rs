//! Business hours: when the SLA clock runs. A calendar is a weekly set of open intervals in an IANA
//! time zone (several a day, overnight shifts allowed) minus holidays; no calendar means 24x7.
//!
//! Intervals are local wall-clock times, so a calendar follows its zone's daylight-saving changes: a
//! 09:00-17:00 day is 8 real hours in summer and in winter, and an interval across the spring-forward
//! gap is an hour shorter.

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use std::collections::BTreeSet;

pub const MINUTES_PER_DAY: u16 = 24 * 60;

/// An open interval of a weekday, in minutes after local midnight. `end_minute <= start_minute` is an
/// overnight shift ending the next day; `end_minute` may be 1440 (midnight at the end of the day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeeklyInterval {
    pub weekday: Weekday,
    pub start_minute: u16,
    pub end_minute: u16,
}

impl WeeklyInterval {
    pub fn new(weekday: Weekday, start: &str, end: &str) -> Option<WeeklyInterval> {
        let minute = |text: &str| -> Option<u16> {
            if text == "24:00" {
                return Some(MINUTES_PER_DAY);
            }
            let time = NaiveTime::parse_from_str(text, "%H:%M").ok()?;
            u16::try_from(time.signed_duration_since(NaiveTime::MIN).num_minutes()).ok()
        };
        let interval = WeeklyInterval {
            weekday,
            start_minute: minute(start)?,
            end_minute: minute(end)?,
        };
        interval.is_valid().then_some(interval)
    }

    /// `"09:00"`, or `"24:00"` for the end of the day.
    pub fn start_text(&self) -> String {
        minute_text(self.start_minute)
    }

    pub fn end_text(&self) -> String {
        minute_text(self.end_minute)
    }

    pub fn is_valid(&self) -> bool {
        self.start_minute < MINUTES_PER_DAY
            && self.end_minute <= MINUTES_PER_DAY
            && self.start_minute != self.end_minute
    }

    pub fn is_overnight(&self) -> bool {
        self.end_minute <= self.start_minute
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessCalendar {
    pub id: i64,
    pub name: String,
    pub time_zone: Tz,
    pub intervals: Vec<WeeklyInterval>,
    /// Local dates on which no interval starts.
    pub holidays: BTreeSet<NaiveDate>,
}

/// When service time runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    AlwaysOpen,
    Calendar(BusinessCalendar),
}

/// Open time further away than this (ten years) counts as never.
const SEARCH_DAYS: i64 = 3653;

impl Schedule {
    /// Open windows `[start, end)` in UTC that end after `from`, in order, overlapping ones merged,
    /// the first clipped to start no earlier than `from`.
    pub fn windows_from(
        &self,
        from: DateTime<Utc>,
    ) -> Box<dyn Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_> {
        match self {
            Schedule::AlwaysOpen => Box::new(std::iter::once((from, DateTime::<Utc>::MAX_UTC))),
            Schedule::Calendar(calendar) => Box::new(
                merge(calendar.windows_from(from)).map(move |(start, end)| (start.max(from), end)),
            ),
        }
    }

    /// Business time between `from` and `to` (zero if `to` is not after `from`).
    pub fn business_time(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        if to <= from {
            return Duration::zero();
        }
        let mut total = Duration::zero();
        for (start, end) in self.windows_from(from) {
            if start >= to {
                break;
            }
            total += end.min(to) - start;
        }
        total
    }

    /// The moment `amount` of business time after `from`; `None` if the calendar never provides it.
    pub fn add_business_time(
        &self,
        from: DateTime<Utc>,
        amount: Duration,
    ) -> Option<DateTime<Utc>> {
        let mut left = amount;
        if left <= Duration::zero() {
            return self.windows_from(from).next().map(|(start, _)| start);
        }
        for (start, end) in self.windows_from(from) {
            let length = end - start;
            if length >= left {
                return Some(start + left);
            }
            left -= length;
        }
        None
    }
}

impl BusinessCalendar {
    fn is_holiday(&self, date: NaiveDate) -> bool {
        self.holidays.contains(&date)
    }

    /// The windows of each local day from the day before `from` on (the day before may have an
    /// overnight shift still open), sorted by start, not yet merged.
    fn windows_from(
        &self,
        from: DateTime<Utc>,
    ) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        let first_day = from.with_timezone(&self.time_zone).date_naive() - Duration::days(1);
        (0..SEARCH_DAYS)
            .map(move |offset| first_day + Duration::days(offset))
            .flat_map(move |day| {
                let mut windows: Vec<(DateTime<Utc>, DateTime<Utc>)> = if self.is_holiday(day) {
                    Vec::new()
                } else {
                    self.intervals
                        .iter()
                        .filter(|interval| interval.weekday == day.weekday())
                        .filter_map(|interval| self.window_on(day, interval))
                        .collect()
                };
                windows.sort();
                windows
            })
            .filter(move |(_, end)| *end > from)
    }

    fn window_on(
        &self,
        day: NaiveDate,
        interval: &WeeklyInterval,
    ) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let start = self.to_utc(local_time(day, interval.start_minute), Overlap::Earlier)?;
        let end_day = if interval.is_overnight() {
            day + Duration::days(1)
        } else {
            day
        };
        let end = self.to_utc(local_time(end_day, interval.end_minute), Overlap::Later)?;
        (end > start).then_some((start, end))
    }

    /// A local wall-clock time as UTC. In the autumn overlap an interval starts at the first and ends
    /// at the second occurrence (so it keeps its repeated hour); a time inside the spring-forward gap
    /// becomes the first valid moment after it.
    fn to_utc(&self, local: NaiveDateTime, overlap: Overlap) -> Option<DateTime<Utc>> {
        (0..=180)
            .find_map(|minutes| {
                let candidates = self
                    .time_zone
                    .from_local_datetime(&(local + Duration::minutes(minutes)));
                match overlap {
                    Overlap::Earlier => candidates.earliest(),
                    Overlap::Later => candidates.latest(),
                }
            })
            .map(|time| time.with_timezone(&Utc))
    }
}

fn minute_text(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// `mon` ... `sun`, as the API writes weekdays.
pub fn weekday_name(weekday: Weekday) -> &'static str {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][weekday.num_days_from_monday() as usize]
}

pub fn parse_weekday(text: &str) -> Option<Weekday> {
    [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ]
    .into_iter()
    .find(|weekday| weekday_name(*weekday) == text)
}

fn local_time(day: NaiveDate, minute: u16) -> NaiveDateTime {
    day.and_time(NaiveTime::MIN) + Duration::minutes(i64::from(minute))
}

#[derive(Clone, Copy)]
enum Overlap {
    Earlier,
    Later,
}

/// Merges overlapping windows of a sorted sequence. Touching ones stay apart: merging them would make a
/// calendar open around the clock walk every day it can see before yielding its first window.
fn merge(
    windows: impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)>,
) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> {
    let mut windows = windows.peekable();
    std::iter::from_fn(move || {
        let (start, mut end) = windows.next()?;
        while let Some(&(next_start, next_end)) = windows.peek() {
            if next_start >= end {
                break;
            }
            end = end.max(next_end);
            windows.next();
        }
        Some((start, end))
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::Weekday::*;

    pub fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    /// Monday to Friday 09:00-17:00 in Berlin.
    pub fn office_hours() -> BusinessCalendar {
        BusinessCalendar {
            id: 1,
            name: "Office hours".into(),
            time_zone: chrono_tz::Europe::Berlin,
            intervals: [Mon, Tue, Wed, Thu, Fri]
                .iter()
                .map(|d| WeeklyInterval::new(*d, "09:00", "17:00").unwrap())
                .collect(),
            holidays: BTreeSet::new(),
        }
    }

    fn due(calendar: &BusinessCalendar, from: DateTime<Utc>, minutes: i64) -> DateTime<Utc> {
        Schedule::Calendar(calendar.clone())
            .add_business_time(from, Duration::minutes(minutes))
            .unwrap()
    }

    #[test]
    fn weekdays_and_times_round_trip_as_text() {
        for weekday in [Mon, Tue, Wed, Thu, Fri, Sat, Sun] {
            assert_eq!(parse_weekday(weekday_name(weekday)), Some(weekday));
        }
        assert_eq!(parse_weekday("monday"), None);
        let interval = WeeklyInterval::new(Fri, "08:30", "24:00").unwrap();
        assert_eq!(
            (interval.start_text(), interval.end_text()),
            ("08:30".to_owned(), "24:00".to_owned())
        );
    }

    #[test]
    fn intervals_parse_and_refuse_nonsense() {
        assert_eq!(
            WeeklyInterval::new(Mon, "22:00", "06:00").map(|i| i.is_overnight()),
            Some(true)
        );
        assert_eq!(
            WeeklyInterval::new(Mon, "00:00", "24:00").map(|i| i.end_minute),
            Some(1440)
        );
        assert_eq!(WeeklyInterval::new(Mon, "09:00", "09:00"), None);
        assert_eq!(WeeklyInterval::new(Mon, "25:00", "26:00"), None);
        assert_eq!(WeeklyInterval::new(Mon, "9am", "5pm"), None);
    }

    #[test]
    fn time_runs_only_in_open_hours_and_skips_the_weekend() {
        // Friday 2026-11-27 16:00 Berlin (15:00 UTC) + 4 h: 1 h on Friday, 3 h on Monday -> Mon 12:00 CET.
        assert_eq!(
            due(&office_hours(), utc(2026, 11, 27, 15, 0), 240),
            utc(2026, 11, 30, 11, 0)
        );
        // Saturday: the clock waits for Monday 09:00 CET.
        assert_eq!(
            due(&office_hours(), utc(2026, 11, 28, 10, 0), 60),
            utc(2026, 11, 30, 9, 0)
        );
        // A whole working day ends exactly at closing time, not the next morning.
        assert_eq!(
            due(&office_hours(), utc(2026, 11, 30, 8, 0), 480),
            utc(2026, 11, 30, 16, 0)
        );
    }

    #[test]
    fn holidays_are_closed() {
        let mut calendar = office_hours();
        calendar
            .holidays
            .insert(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        assert_eq!(
            due(&calendar, utc(2026, 11, 27, 15, 0), 240),
            utc(2026, 12, 1, 11, 0),
            "Tuesday, not Monday"
        );
    }

    #[test]
    fn daylight_saving_moves_the_utc_hours() {
        // Berlin springs forward on Sunday 2026-03-29. Friday 16:00 CET (15:00 UTC) + 4 h business time:
        // 1 h on Friday, 3 h on Monday from 09:00 CEST (07:00 UTC) -> Monday 12:00 CEST = 10:00 UTC.
        assert_eq!(
            due(&office_hours(), utc(2026, 3, 27, 15, 0), 240),
            utc(2026, 3, 30, 10, 0)
        );
        // A night shift across the gap (Sat 22:00 - Sun 06:00 local) is 7 real hours, not 8.
        let night = BusinessCalendar {
            intervals: vec![WeeklyInterval::new(Sat, "22:00", "06:00").unwrap()],
            ..office_hours()
        };
        let schedule = Schedule::Calendar(night);
        assert_eq!(
            schedule.business_time(utc(2026, 3, 28, 0, 0), utc(2026, 3, 30, 0, 0)),
            Duration::hours(7)
        );
        // In autumn (2026-10-25) the same shift is 9 real hours.
        assert_eq!(
            schedule.business_time(utc(2026, 10, 24, 0, 0), utc(2026, 10, 26, 0, 0)),
            Duration::hours(9)
        );
        // A shift ending inside the repeated hour ends at its second occurrence: 22:00-02:30 is 5.5 h.
        let late = Schedule::Calendar(BusinessCalendar {
            intervals: vec![WeeklyInterval::new(Sat, "22:00", "02:30").unwrap()],
            ..office_hours()
        });
        assert_eq!(
            late.business_time(utc(2026, 10, 24, 0, 0), utc(2026, 10, 26, 0, 0)),
            Duration::minutes(330)
        );
    }

    #[test]
    fn overnight_shifts_run_past_midnight() {
        // Monday 22:00 - Tuesday 06:00 Berlin (CET, UTC+1) only.
        let night = BusinessCalendar {
            intervals: vec![WeeklyInterval::new(Mon, "22:00", "06:00").unwrap()],
            ..office_hours()
        };
        // Monday 23:00 CET + 4 h -> Tuesday 03:00 CET = 02:00 UTC.
        assert_eq!(
            due(&night, utc(2026, 11, 30, 22, 0), 240),
            utc(2026, 12, 1, 2, 0)
        );
        // Tuesday 05:00 CET (inside Monday's shift) + 2 h: 1 h now, 1 h next Monday 22:00 -> 23:00 CET.
        assert_eq!(
            due(&night, utc(2026, 12, 1, 4, 0), 120),
            utc(2026, 12, 7, 22, 0)
        );
    }

    #[test]
    fn several_intervals_a_day_and_overlaps_merge() {
        let split = BusinessCalendar {
            intervals: vec![
                WeeklyInterval::new(Mon, "08:00", "12:00").unwrap(),
                WeeklyInterval::new(Mon, "13:00", "17:00").unwrap(),
                WeeklyInterval::new(Mon, "11:00", "12:30").unwrap(),
            ],
            ..office_hours()
        };
        let schedule = Schedule::Calendar(split);
        // Monday 2026-11-30 (CET): open 08:00-12:30 and 13:00-17:00 local = 8.5 h.
        assert_eq!(
            schedule.business_time(utc(2026, 11, 30, 0, 0), utc(2026, 12, 1, 0, 0)),
            Duration::minutes(510)
        );
        // From 12:00 local, 1 h: 30 min to 12:30, lunch, 30 min from 13:00 -> 13:30 CET = 12:30 UTC.
        assert_eq!(
            schedule.add_business_time(utc(2026, 11, 30, 11, 0), Duration::hours(1)),
            Some(utc(2026, 11, 30, 12, 30))
        );
    }

    #[test]
    fn a_calendar_open_around_the_clock_is_quick_and_exact() {
        let all_day = BusinessCalendar {
            intervals: [Mon, Tue, Wed, Thu, Fri, Sat, Sun]
                .iter()
                .map(|d| WeeklyInterval::new(*d, "00:00", "24:00").unwrap())
                .collect(),
            ..office_hours()
        };
        let schedule = Schedule::Calendar(all_day);
        let from = utc(2026, 11, 27, 10, 0);
        assert_eq!(
            schedule.add_business_time(from, Duration::hours(30)),
            Some(utc(2026, 11, 28, 16, 0))
        );
        assert_eq!(
            schedule.business_time(from, utc(2026, 11, 29, 10, 0)),
            Duration::hours(48)
        );
    }

    #[test]
    fn always_open_is_plain_time() {
        let from = utc(2026, 11, 27, 22, 30);
        assert_eq!(
            Schedule::AlwaysOpen.add_business_time(from, Duration::minutes(90)),
            Some(utc(2026, 11, 28, 0, 0))
        );
        assert_eq!(
            Schedule::AlwaysOpen.business_time(from, utc(2026, 11, 28, 0, 0)),
            Duration::minutes(90)
        );
    }

    #[test]
    fn a_calendar_that_never_opens_never_provides_time() {
        let closed = BusinessCalendar {
            intervals: vec![],
            ..office_hours()
        };
        assert_eq!(
            Schedule::Calendar(closed)
                .add_business_time(utc(2026, 1, 1, 0, 0), Duration::minutes(1)),
            None
        );
    }
}
