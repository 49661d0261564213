//! Times are stored as UTC `TIMESTAMP`s with microsecond precision (PostgreSQL's), on both backends.

use chrono::{DateTime, Datelike, NaiveDateTime, Timelike, Utc};

pub fn to_db(time: DateTime<Utc>) -> NaiveDateTime {
    let naive = time.naive_utc();
    naive
        .with_nanosecond(naive.nanosecond() / 1_000 * 1_000)
        .unwrap_or(naive)
}

pub fn opt_to_db(time: Option<DateTime<Utc>>) -> Option<NaiveDateTime> {
    time.map(to_db)
}

pub fn from_db(time: NaiveDateTime) -> DateTime<Utc> {
    time.and_utc()
}

pub fn opt_from_db(time: Option<NaiveDateTime>) -> Option<DateTime<Utc>> {
    time.map(from_db)
}

/// Microseconds since the epoch: the sort key of time-ordered cursors.
pub fn micros(time: NaiveDateTime) -> i64 {
    time.and_utc().timestamp_micros()
}

/// The time `micros` after the epoch, if it lies in years 1 to 9999 (what both databases store).
pub fn from_micros(micros: i64) -> Option<NaiveDateTime> {
    DateTime::<Utc>::from_timestamp_micros(micros)
        .map(|time| time.naive_utc())
        .filter(|time| (1..=9999).contains(&time.year()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_outside_storable_years_are_refused() {
        let now = Utc::now();
        assert_eq!(from_micros(micros(to_db(now))), Some(to_db(now)));
        assert_eq!(from_micros(-200_000_000_000_000_000), None, "before year 1");
        assert_eq!(from_micros(i64::MAX), None);
    }
}
