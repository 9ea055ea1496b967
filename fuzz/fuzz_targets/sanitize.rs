//! The terminal sanitiser: whatever comes in, nothing that can steer a
//! terminal comes out, the length bound holds, and a second pass is a no-op.
#![no_main]

use avain::domain::sanitize::{is_unsafe, sanitize_line};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (String, u8)| {
    let (text, max) = input;
    let max = usize::from(max);
    let once = sanitize_line(&text, max);
    assert!(
        !once.chars().any(|c| c.is_control() || is_unsafe(c)),
        "unsafe character left in {once:?}"
    );
    assert!(once.chars().count() <= max, "longer than {max}: {once:?}");
    assert_eq!(sanitize_line(&once, max), once, "not idempotent");
});
