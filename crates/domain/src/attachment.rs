//! Files attached to a message: what is recorded about them and the rules for names and types.
//!
//! The type is sniffed from the content, never taken from the uploader: a file that claims to be a
//! PDF but starts like a PNG is recorded as `image/png`, and text is always plain text.

use chrono::{DateTime, Utc};

/// The most files one message may carry.
pub const MAX_FILES_PER_MESSAGE: usize = 20;
/// The longest file name kept, in characters.
pub const MAX_FILENAME_CHARS: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: i64,
    pub ticket_id: i64,
    pub message_id: i64,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the content: its key in the file store.
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

/// A stored file about to be attached to a message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NewAttachment {
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
}

/// A file name safe to record and to send back in `Content-Disposition`: the last path component,
/// without control characters, at most [`MAX_FILENAME_CHARS`] characters, never empty.
pub fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(MAX_FILENAME_CHARS)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() {
        "attachment".to_owned()
    } else {
        cleaned.to_owned()
    }
}

/// The content type of `bytes`: known binary formats by their magic numbers, UTF-8 text as
/// `text/plain`, anything else as `application/octet-stream`.
pub fn sniff_content_type(bytes: &[u8]) -> String {
    if let Some(kind) = infer::get(bytes) {
        return kind.mime_type().to_owned();
    }
    let is_text = std::str::from_utf8(bytes)
        .is_ok_and(|text| !text.chars().any(|c| c.is_control() && !c.is_whitespace()));
    if is_text {
        "text/plain; charset=utf-8".to_owned()
    } else {
        "application/octet-stream".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_lose_paths_control_characters_and_leading_dots() {
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("C:\\Users\\ken\\log.txt"), "log.txt");
        assert_eq!(clean_filename("re\u{0}port\n.pdf"), "report.pdf");
        assert_eq!(clean_filename("say \"hi\".txt"), "say hi.txt");
        assert_eq!(clean_filename(".htaccess"), "htaccess");
        assert_eq!(clean_filename("  "), "attachment");
        assert_eq!(clean_filename("dir/"), "attachment");
        assert_eq!(
            clean_filename(&"é".repeat(300)).chars().count(),
            MAX_FILENAME_CHARS
        );
    }

    #[test]
    fn content_types_come_from_the_content() {
        let png = [
            0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D,
        ];
        assert_eq!(sniff_content_type(&png), "image/png");
        assert_eq!(sniff_content_type(b"%PDF-1.7\n..."), "application/pdf");
        assert_eq!(
            sniff_content_type("Reader 11 crashes\non open ✓".as_bytes()),
            "text/plain; charset=utf-8"
        );
        assert_eq!(
            sniff_content_type(&[0x00, 0x01, 0xFF, 0xFE, 0x02]),
            "application/octet-stream"
        );
        assert_eq!(sniff_content_type(b""), "text/plain; charset=utf-8");
    }
}
