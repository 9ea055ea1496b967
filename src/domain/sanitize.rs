//! Making any text safe to draw on a terminal. Names and emails come from
//! imports and web forms; an ESC sequence, an OSC 52 clipboard write or a
//! bidi override in them must show as a visible placeholder, never act.

/// What a removed character is shown as.
pub const PLACEHOLDER: char = '\u{fffd}';
/// Shown at the end of a value cut to length.
pub const ELLIPSIS: char = '…';

/// Replaces every control or format character with [`PLACEHOLDER`] and cuts
/// the result to at most `max_chars` characters (ending in [`ELLIPSIS`] when
/// cut). Idempotent: sanitising the output again changes nothing.
pub fn sanitize_line(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 4));
    for (count, c) in text.chars().enumerate() {
        if count == max_chars {
            if max_chars > 0 {
                out.pop();
                out.push(ELLIPSIS);
            }
            return out;
        }
        out.push(if is_unsafe(c) { PLACEHOLDER } else { c });
    }
    out
}

/// True for characters that may change what a terminal does or how text
/// around them is ordered: C0/C1 controls, DEL, line/paragraph separators
/// and the Unicode format characters (bidi embeddings, overrides and
/// isolates, zero-width characters, tags, the BOM).
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_format(c) || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Unicode general category Cf (format), as of Unicode 16. The set changes
/// rarely; an unlisted new format character would still be drawn as itself.
fn is_format(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x0890..=0x0891
        | 0x08E2 | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064
        | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD
        | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0001 | 0xE0020..=0xE007F)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_bidi_become_placeholders() {
        let hostile = "Ann\u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}a \u{202e}nilrak";
        let clean = sanitize_line(hostile, 100);
        assert!(!clean.chars().any(is_unsafe));
        assert!(clean.starts_with("Ann\u{fffd}[2J"));
        assert!(clean.contains("\u{fffd}nilrak"));
    }

    #[test]
    fn c1_del_zero_width_and_separators_are_unsafe() {
        for c in [
            '\u{9b}', '\u{7f}', '\u{200b}', '\u{2066}', '\u{2028}', '\u{feff}', '\n', '\t',
        ] {
            assert!(is_unsafe(c), "{c:?}");
        }
        for c in ['a', 'ä', '😀', '\u{301}', ' '] {
            assert!(!is_unsafe(c), "{c:?}");
        }
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis_and_sanitising_is_idempotent() {
        let long = "x".repeat(50);
        let once = sanitize_line(&long, 10);
        assert_eq!(once.chars().count(), 10);
        assert!(once.ends_with(ELLIPSIS));
        assert_eq!(sanitize_line(&once, 10), once);
        assert_eq!(sanitize_line("abc", 0), "");
        assert_eq!(sanitize_line("abc", 3), "abc");
    }
}
