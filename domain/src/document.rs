//! Documents: the role a stored file plays for its agreement, and what a file is —
//! decided by its content, never by its name or declared type — under a name safe to show.

use crate::code::code_enum;
use crate::violation::{Verdict, Violation};

code_enum! {
    /// What a document is to its agreement.
    DocumentRole {
        DraftText => "draft_text",
        SignedText => "signed_text",
        Letter => "letter",
        Evidence => "evidence",
        Report => "report",
        Other => "other",
    }
}

/// Checks the form of an agreement document: a known role, and an optional ISO 639-1 language
/// (an empty one is none).
pub fn check_upload(
    role: Option<&str>,
    language: Option<&str>,
) -> Verdict<(DocumentRole, Option<String>)> {
    let mut out = Vec::new();
    let parsed = role.and_then(DocumentRole::parse);
    if parsed.is_none() {
        let all: Vec<&str> = DocumentRole::ALL.iter().map(|r| r.as_str()).collect();
        out.push(Violation::invalid(
            if role.is_none() {
                "required"
            } else {
                "invalid_value"
            },
            "/role",
            format!("one of {}", all.join(", ")),
            format!("salah satu dari {}", all.join(", ")),
        ));
    }
    let language = language.filter(|l| !l.is_empty());
    if language.is_some_and(|l| l.len() != 2 || !l.bytes().all(|b| b.is_ascii_lowercase())) {
        out.push(Violation::invalid(
            "invalid_format",
            "/language",
            "an ISO 639-1 code such as id or en",
            "kode ISO 639-1 seperti id atau en",
        ));
    }
    match parsed {
        Some(role) if out.is_empty() => Ok((role, language.map(str::to_owned))),
        _ => Err(out),
    }
}

/// What the bytes are — PDF, DOCX, ODT, JPEG or PNG — whatever the name says; `None` for
/// anything else. The name only tells a DOCX from other ZIP files.
pub fn sniff(bytes: &[u8], name: &str) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"PK\x03\x04") {
        // ODF stores its media type uncompressed as the first entry (ODF 1.2 §3.3).
        if bytes.len() > 38 + 39
            && &bytes[30..38] == b"mimetype"
            && bytes[38..].starts_with(b"application/vnd.oasis.opendocument.text")
        {
            Some("application/vnd.oasis.opendocument.text")
        } else if name.to_lowercase().ends_with(".docx")
            && bytes.windows(19).any(|w| w == b"[Content_Types].xml")
        {
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        } else {
            None
        }
    } else {
        None
    }
}

/// A file name safe to show and to send back: no path, no control characters, bounded.
pub fn clean_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "document".into()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes<T>(v: Verdict<T>) -> Vec<(String, String)> {
        v.err()
            .unwrap_or_default()
            .iter()
            .map(|v| (v.pointer.to_string(), v.code.to_string()))
            .collect()
    }

    #[test]
    fn a_document_needs_a_known_role_and_at_most_a_two_letter_language() {
        assert_eq!(
            check_upload(Some("signed_text"), Some("id")),
            Ok((DocumentRole::SignedText, Some("id".into())))
        );
        assert_eq!(
            check_upload(Some("letter"), Some("")),
            Ok((DocumentRole::Letter, None))
        );
        assert_eq!(
            codes(check_upload(None, None)),
            [("/role".into(), "required".into())]
        );
        assert_eq!(
            codes(check_upload(Some("selfie"), Some("IND"))),
            [
                ("/role".into(), "invalid_value".into()),
                ("/language".into(), "invalid_format".into())
            ]
        );
    }

    #[test]
    fn names_lose_their_paths_and_control_characters() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Users\\x\\MoU.pdf"), "MoU.pdf");
        assert_eq!(clean_name("a\u{0}b\nc.pdf"), "abc.pdf");
        assert_eq!(clean_name("..."), "document");
    }

    #[test]
    fn content_decides_the_type_not_the_name() {
        assert_eq!(sniff(b"%PDF-1.7 ...", "x.png"), Some("application/pdf"));
        assert_eq!(sniff(b"MZ\x90\x00", "evil.pdf"), None);
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0], "photo"),
            Some("image/jpeg")
        );
        assert_eq!(sniff(b"PK\x03\x04 a zip", "archive.zip"), None);
    }
}
