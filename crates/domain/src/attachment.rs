//! Files attached to a message: what is recorded about them and the rules for names and types.
//!
//! The type is sniffed from the content, never taken from the uploader: a file that claims to be a
//! PDF but starts like a PNG is recorded as `image/png`, and text is always plain text.

use chrono::{DateTime, Utc};

/// The most files one message may carry.
pub const MAX_FILES_PER_MESSAGE: usize = 20;
/// The longest file name kept, in characters.
pub const MAX_FILENAME_CHARS: usize = 255;
/// How many leading bytes decide a file's type.
pub const SNIFF_BYTES: usize = 8192;

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
/// without control or direction-changing characters (`invoice\u{202E}fdp.exe` would show as
/// `invoiceexe.pdf`), at most [`MAX_FILENAME_CHARS`] characters, never empty.
pub fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !is_invisible_format(*c) && *c != '"')
        .take(MAX_FILENAME_CHARS)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() {
        "attachment".to_owned()
    } else {
        cleaned.to_owned()
    }
}

/// Zero-width and bidirectional formatting characters (Unicode's format category in common use).
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{061C}')
}

/// The content type of a file from its first bytes (up to [`SNIFF_BYTES`]): known binary formats by
/// their magic numbers, UTF-8 text (including HTML, XML and scripts, which are never served as such)
/// as `text/plain`, anything else as `application/octet-stream`.
pub fn sniff_content_type(head: &[u8]) -> String {
    if let Some(kind) = infer::get(head).filter(|k| k.matcher_type() != infer::MatcherType::Text) {
        return kind.mime_type().to_owned();
    }
    // The head may end inside a multi-byte character.
    let text = match std::str::from_utf8(head) {
        Ok(text) => Some(text),
        Err(error) if error.error_len().is_none() => {
            std::str::from_utf8(&head[..error.valid_up_to()]).ok()
        }
        Err(_) => None,
    };
    let is_text =
        text.is_some_and(|text| !text.chars().any(|c| c.is_control() && !c.is_whitespace()));
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
        assert_eq!(clean_filename("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
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
        for markup in [
            "<html><script>alert(1)</script></html>",
            "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
            "#!/bin/sh\nrm -rf /",
        ] {
            assert_eq!(sniff_content_type(markup.as_bytes()), "text/plain; charset=utf-8", "{markup}");
        }
        let cut = "é".repeat(10);
        assert_eq!(
            sniff_content_type(&cut.as_bytes()[..7]),
            "text/plain; charset=utf-8",
            "a head cut inside a character is still text"
        );
    }
}
