//! Business-hours calendars. Intervals and holidays are stored as JSON text: they are read and written
//! whole, never queried.

use crate::connection::DbConnection;
use crate::error::{expect_one, RepoError, RepoResult};
use crate::pagination::{Cursor, Page, PageRequest};
use crate::schema::{business_hours, sla_plans};
use crate::time::to_db;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use helpdesk_domain::calendar::{parse_weekday, weekday_name, BusinessCalendar, WeeklyInterval};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Serialize, Deserialize)]
struct StoredInterval {
    weekday: String,
    start: String,
    end: String,
}

type Row = (i64, String, String, String, String);

const COLUMNS: (
    business_hours::id,
    business_hours::name,
    business_hours::time_zone,
    business_hours::intervals,
    business_hours::holidays,
) = (
    business_hours::id,
    business_hours::name,
    business_hours::time_zone,
    business_hours::intervals,
    business_hours::holidays,
);

fn calendar((id, name, time_zone, intervals, holidays): Row) -> RepoResult<BusinessCalendar> {
    let corrupt = |what: &str| RepoError::Corrupt(format!("business hours {id}: {what}"));
    let stored: Vec<StoredInterval> =
        serde_json::from_str(&intervals).map_err(|_| corrupt("intervals"))?;
    let intervals = stored
        .iter()
        .map(|i| {
            parse_weekday(&i.weekday)
                .and_then(|day| WeeklyInterval::new(day, &i.start, &i.end))
                .ok_or_else(|| corrupt("interval"))
        })
        .collect::<RepoResult<Vec<_>>>()?;
    Ok(BusinessCalendar {
        id,
        name,
        time_zone: time_zone.parse().map_err(|_| corrupt("time zone"))?,
        intervals,
        holidays: serde_json::from_str::<BTreeSet<NaiveDate>>(&holidays)
            .map_err(|_| corrupt("holidays"))?,
    })
}

fn intervals_json(intervals: &[WeeklyInterval]) -> String {
    let stored: Vec<StoredInterval> = intervals
        .iter()
        .map(|i| StoredInterval {
            weekday: weekday_name(i.weekday).to_owned(),
            start: i.start_text(),
            end: i.end_text(),
        })
        .collect();
    serde_json::to_string(&stored).unwrap_or_else(|_| "[]".to_owned())
}

fn holidays_json(holidays: &BTreeSet<NaiveDate>) -> String {
    serde_json::to_string(holidays).unwrap_or_else(|_| "[]".to_owned())
}

/// Stores `calendar` (its id is ignored) and returns it with its id.
pub fn insert_business_hours(
    connection: &mut DbConnection,
    calendar: &BusinessCalendar,
    now: DateTime<Utc>,
) -> RepoResult<BusinessCalendar> {
    let id = diesel::insert_into(business_hours::table)
        .values((
            business_hours::name.eq(&calendar.name),
            business_hours::time_zone.eq(calendar.time_zone.name()),
            business_hours::intervals.eq(intervals_json(&calendar.intervals)),
            business_hours::holidays.eq(holidays_json(&calendar.holidays)),
            business_hours::created_at.eq(to_db(now)),
        ))
        .returning(business_hours::id)
        .get_result::<i64>(connection)?;
    find_business_hours(connection, id)
}

pub fn find_business_hours(connection: &mut DbConnection, id: i64) -> RepoResult<BusinessCalendar> {
    calendar(
        business_hours::table
            .find(id)
            .select(COLUMNS)
            .first::<Row>(connection)?,
    )
}

pub fn list_business_hours(
    connection: &mut DbConnection,
    page: &PageRequest,
) -> RepoResult<Page<BusinessCalendar>> {
    let mut select = business_hours::table.select(COLUMNS).into_boxed();
    if let Some(after) = page.position()? {
        select = select.filter(business_hours::id.gt(after.id));
    }
    let rows = select
        .order(business_hours::id)
        .limit(page.limit() + 1)
        .load::<Row>(connection)?;
    let items = rows
        .into_iter()
        .map(calendar)
        .collect::<RepoResult<Vec<_>>>()?;
    Ok(Page::from_rows(
        items,
        page.limit(),
        |c: &BusinessCalendar| Cursor { key: 0, id: c.id },
    ))
}

/// Replaces a calendar's name, zone, intervals and holidays.
pub fn update_business_hours(
    connection: &mut DbConnection,
    calendar: &BusinessCalendar,
) -> RepoResult<BusinessCalendar> {
    let affected = diesel::update(business_hours::table.find(calendar.id))
        .set((
            business_hours::name.eq(&calendar.name),
            business_hours::time_zone.eq(calendar.time_zone.name()),
            business_hours::intervals.eq(intervals_json(&calendar.intervals)),
            business_hours::holidays.eq(holidays_json(&calendar.holidays)),
        ))
        .execute(connection)?;
    expect_one(affected)?;
    find_business_hours(connection, calendar.id)
}

/// The plans that count time on this calendar.
pub fn plans_using(connection: &mut DbConnection, id: i64) -> RepoResult<Vec<i64>> {
    Ok(sla_plans::table
        .filter(sla_plans::business_hours_id.eq(id))
        .select(sla_plans::id)
        .load(connection)?)
}

/// Deletes a calendar no SLA plan uses.
pub fn delete_business_hours(connection: &mut DbConnection, id: i64) -> RepoResult<()> {
    let users: i64 = sla_plans::table
        .filter(sla_plans::business_hours_id.eq(id))
        .count()
        .get_result(connection)?;
    if users > 0 {
        return Err(RepoError::Conflict(format!(
            "{users} SLA plan(s) use these business hours"
        )));
    }
    expect_one(diesel::delete(business_hours::table.find(id)).execute(connection)?)
}
