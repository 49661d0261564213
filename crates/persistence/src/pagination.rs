//! Keyset pagination: a page is the rows after a `(sort key, id)` pair, so the order stays stable while
//! rows are inserted. The cursor is that pair, encoded so clients treat it as opaque.

use crate::error::RepoError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl PageRequest {
    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
    }

    pub fn position(&self) -> Result<Option<Cursor>, RepoError> {
        self.cursor.as_deref().map(Cursor::decode).transpose()
    }
}

/// Where the previous page ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub key: i64,
    pub id: i64,
}

impl Cursor {
    pub fn encode(self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}:{}", self.key, self.id))
    }

    pub fn decode(text: &str) -> Result<Cursor, RepoError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| RepoError::InvalidCursor)?;
        let text = String::from_utf8(bytes).map_err(|_| RepoError::InvalidCursor)?;
        let (key, id) = text.split_once(':').ok_or(RepoError::InvalidCursor)?;
        Ok(Cursor {
            key: key.parse().map_err(|_| RepoError::InvalidCursor)?,
            id: id.parse().map_err(|_| RepoError::InvalidCursor)?,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` loaded rows: the extra row only says that more follow.
    pub fn from_rows(mut rows: Vec<T>, limit: i64, cursor_of: impl Fn(&T) -> Cursor) -> Page<T> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more {
            rows.last().map(|row| cursor_of(row).encode())
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }

    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, _>>()?,
            next_cursor: self.next_cursor,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let cursor = Cursor { key: -17, id: 42 };
        assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
        assert!(matches!(
            Cursor::decode("not a cursor"),
            Err(RepoError::InvalidCursor)
        ));
        assert!(matches!(
            Cursor::decode(&URL_SAFE_NO_PAD.encode("1:x")),
            Err(RepoError::InvalidCursor)
        ));
    }

    #[test]
    fn a_page_knows_whether_more_follow() {
        let page = Page::from_rows(vec![1, 2, 3], 2, |n| Cursor { key: 0, id: *n });
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next_cursor, Some(Cursor { key: 0, id: 2 }.encode()));
        let last = Page::from_rows(vec![1, 2], 2, |n| Cursor { key: 0, id: *n });
        assert_eq!(last.next_cursor, None);
    }

    #[test]
    fn limits_are_clamped() {
        assert_eq!(PageRequest::default().limit(), 50);
        assert_eq!(
            PageRequest {
                limit: Some(1000),
                cursor: None
            }
            .limit(),
            200
        );
        assert_eq!(
            PageRequest {
                limit: Some(0),
                cursor: None
            }
            .limit(),
            1
        );
    }
}
