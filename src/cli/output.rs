//! Printing for the command line: JSON for machines, sanitised text for
//! people (nothing from the database reaches the terminal unfiltered).

use crate::domain::sanitize::sanitize_line;
use serde::Serialize;

/// Longest value printed on one line.
const MAX_VALUE_CHARS: usize = 200;

/// A value from the database or from input, safe for the terminal.
pub fn safe(text: &str) -> String {
    sanitize_line(text, MAX_VALUE_CHARS)
}

pub fn json<T: Serialize>(value: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("values serialise")
    );
}
