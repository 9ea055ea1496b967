//! The LDAP details that need no connection: escaping filter values,
//! reading the password policy response control, telling refusals apart,
//! Active Directory's GUID and password encodings.

use super::DirectoryError;
use crate::domain::DirectoryRefusal;
use ldap3::{LdapError, LdapResult};

/// The password policy control (draft-behera-ldap-password-policy).
pub const PPOLICY_OID: &str = "1.3.6.1.4.1.42.2.27.8.5.1";
/// RFC 3062 Password Modify.
pub const PASSWORD_MODIFY_OID: &str = "1.3.6.1.4.1.4203.1.11.1";
/// Active Directory advertises this capability in the root DSE.
pub const ACTIVE_DIRECTORY_OID: &str = "1.2.840.113556.1.4.800";

/// Escapes a value for an LDAP filter (RFC 4515): `*`, `(`, `)`, `\` and
/// NUL become `\2a`, `\28`, `\29`, `\5c`, `\00`.
pub fn escape_filter_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '*' => out.push_str("\\2a"),
            '(' => out.push_str("\\28"),
            ')' => out.push_str("\\29"),
            '\\' => out.push_str("\\5c"),
            '\0' => out.push_str("\\00"),
            _ => out.push(c),
        }
    }
    out
}

/// The error code in a password policy response control value:
/// `SEQUENCE { warning [0] … OPTIONAL, error [1] ENUMERATED OPTIONAL }`.
pub fn parse_ppolicy_error(value: &[u8]) -> Option<u8> {
    let (tag, body, _) = ber_element(value)?;
    if tag != 0x30 {
        return None;
    }
    let mut rest = body;
    while !rest.is_empty() {
        let (tag, content, next) = ber_element(rest)?;
        // [1] IMPLICIT ENUMERATED: context-specific, primitive, tag 1.
        if tag == 0x81 && content.len() == 1 {
            return Some(content[0]);
        }
        rest = next;
    }
    None
}

/// One BER element: (tag, content, what follows). Short and long lengths.
fn ber_element(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *bytes.first()?;
    let first = *bytes.get(1)? as usize;
    let (len, start) = if first < 0x80 {
        (first, 2)
    } else {
        let n = first & 0x7f;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *bytes.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let end = start.checked_add(len)?;
    Some((tag, bytes.get(start..end)?, bytes.get(end..)?))
}

/// Why the server said no: from the policy control's error code when the
/// server sent one, else from its text (OpenLDAP, 389-ds and Active
/// Directory word the common cases alike).
pub fn classify_ldap_refusal(rc: u32, ppolicy_error: Option<u8>, text: &str) -> DirectoryRefusal {
    use DirectoryRefusal as R;
    match ppolicy_error {
        Some(1) => return R::Locked,
        Some(3 | 4) => return R::NotAllowed,
        Some(5) => return R::TooWeak,
        Some(6) => return R::TooShort,
        Some(7) => return R::TooSoon,
        Some(8) => return R::InHistory,
        _ => {}
    }
    let lower = text.to_lowercase();
    if lower.contains("too short") {
        R::TooShort
    } else if lower.contains("history") {
        R::InHistory
    } else if lower.contains("too young") || lower.contains("too soon") {
        R::TooSoon
    } else if lower.contains("locked") {
        R::Locked
    } else if lower.contains("quality") || lower.contains("complexity") {
        R::TooWeak
    } else if rc == 50 || lower.contains("not allowed") || lower.contains("insufficient access") {
        R::NotAllowed
    } else {
        R::Other
    }
}

/// An Active Directory `objectGUID` in its usual text form (the first
/// three groups are little-endian).
pub fn guid_text(bytes: &[u8]) -> Option<String> {
    let b: [u8; 16] = bytes.try_into().ok()?;
    Some(format!(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        b[3],
        b[2],
        b[1],
        b[0],
        b[5],
        b[4],
        b[7],
        b[6],
        b[8],
        b[9],
        b[10],
        b[11],
        b[12],
        b[13],
        b[14],
        b[15]
    ))
}

/// The GUID text back as the bytes a filter matches (`\xx` escapes).
pub fn guid_filter_value(text: &str) -> Option<String> {
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| &hex[i * 2..i * 2 + 2];
    let order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
    Some(order.iter().map(|&i| format!("\\{}", byte(i))).collect())
}

/// Active Directory's `unicodePwd`: the password in double quotes, UTF-16LE.
pub fn unicode_pwd(secret: &str) -> zeroize::Zeroizing<Vec<u8>> {
    let quoted = zeroize::Zeroizing::new(format!("\"{secret}\""));
    zeroize::Zeroizing::new(quoted.encode_utf16().flat_map(u16::to_le_bytes).collect())
}

/// Result codes that mean "no such entry" and a wrong password.
const NO_SUCH_OBJECT: u32 = 32;
const INVALID_CREDENTIALS: u32 = 49;

pub fn unavailable(url: &str, e: LdapError) -> DirectoryError {
    match e {
        LdapError::LdapResult { result } => result_error(&result),
        other => DirectoryError::Unavailable(format!("{url}: {other}")),
    }
}

/// A non-zero result as what it means for the caller.
pub fn result_error(res: &LdapResult) -> DirectoryError {
    let ppolicy = res
        .ctrls
        .iter()
        .find(|c| c.1.ctype == PPOLICY_OID)
        .and_then(|c| c.1.val.as_deref())
        .and_then(parse_ppolicy_error);
    let text = if res.text.is_empty() {
        format!("LDAP result {}", res.rc)
    } else {
        format!("{} (LDAP result {})", res.text, res.rc)
    };
    match res.rc {
        NO_SUCH_OBJECT => DirectoryError::NotFound,
        // Busy, unavailable, unwilling because of load: try again later.
        51 | 52 => DirectoryError::Unavailable(text),
        INVALID_CREDENTIALS | 48 => DirectoryError::Setup(text),
        50 if ppolicy.is_none() => DirectoryError::Setup(format!(
            "avain's service account may not make this change: {text}"
        )),
        rc => DirectoryError::Refused {
            reason: classify_ldap_refusal(rc, ppolicy, &res.text),
            text,
        },
    }
}

pub fn refused_unless_ok(res: &LdapResult) -> Result<(), DirectoryError> {
    if res.rc == 0 {
        Ok(())
    } else {
        Err(result_error(res))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_values_cannot_change_the_filter() {
        assert_eq!(escape_filter_value("a*b(c)\\d"), "a\\2ab\\28c\\29\\5cd");
        assert_eq!(escape_filter_value("plain@x.fi"), "plain@x.fi");
    }

    #[test]
    fn the_policy_control_names_its_error() {
        // SEQUENCE { error [1] 6 } = passwordTooShort.
        assert_eq!(
            parse_ppolicy_error(&[0x30, 0x03, 0x81, 0x01, 0x06]),
            Some(6)
        );
        // With a warning first: SEQUENCE { [0] { [0] 5 }, [1] 8 }.
        let v = [0x30, 0x08, 0xa0, 0x03, 0x80, 0x01, 0x05, 0x81, 0x01, 0x08];
        assert_eq!(parse_ppolicy_error(&v), Some(8));
        assert_eq!(parse_ppolicy_error(&[0x30, 0x00]), None);
        assert_eq!(parse_ppolicy_error(&[0x30, 0x05, 0x81]), None);
        assert_eq!(parse_ppolicy_error(&[]), None);
    }

    #[test]
    fn refusals_by_code_then_by_text() {
        use DirectoryRefusal as R;
        assert_eq!(classify_ldap_refusal(19, Some(6), "whatever"), R::TooShort);
        assert_eq!(
            classify_ldap_refusal(19, None, "Password is in history of old passwords"),
            R::InHistory
        );
        assert_eq!(
            classify_ldap_refusal(19, None, "Password fails quality checking policy"),
            R::TooWeak
        );
        assert_eq!(classify_ldap_refusal(50, None, ""), R::NotAllowed);
        assert_eq!(classify_ldap_refusal(19, None, "odd"), R::Other);
    }

    #[test]
    fn guids_round_trip() {
        let bytes: Vec<u8> = (0u8..16).collect();
        let text = guid_text(&bytes).unwrap();
        assert_eq!(text, "03020100-0504-0706-0809-0a0b0c0d0e0f");
        assert_eq!(
            guid_filter_value(&text).unwrap(),
            "\\00\\01\\02\\03\\04\\05\\06\\07\\08\\09\\0a\\0b\\0c\\0d\\0e\\0f"
        );
        assert_eq!(guid_filter_value("nope"), None);
    }

    #[test]
    fn unicode_pwd_is_quoted_utf16le() {
        assert_eq!(
            unicode_pwd("1é").as_slice(),
            &[0x22, 0, 0x31, 0, 0xe9, 0, 0x22, 0]
        );
    }
}
