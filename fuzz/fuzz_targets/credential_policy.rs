//! PIN and password policies: any typed text gets a verdict without
//! panicking, and what is accepted really has the promised shape.
#![no_main]

use avain::domain::policy::{CredentialPolicy, MAX_PASSWORD_CHARS, check, check_new};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (String, String, u8, u8)| {
    let (first, second, digits, min_length) = input;
    let pin = CredentialPolicy::Pin {
        digits: digits % 12 + 1,
    };
    let password = CredentialPolicy::Password {
        min_length: u16::from(min_length % 64) + 1,
    };
    if check(&pin, &first).is_ok() {
        let CredentialPolicy::Pin { digits } = pin else {
            unreachable!()
        };
        assert_eq!(first.len(), usize::from(digits), "{first:?}");
        assert!(first.bytes().all(|b| b.is_ascii_digit()), "{first:?}");
    }
    if check(&password, &first).is_ok() {
        let CredentialPolicy::Password { min_length } = password else {
            unreachable!()
        };
        let chars = first.chars().count();
        assert!(chars >= usize::from(min_length) && chars <= MAX_PASSWORD_CHARS);
    }
    for policy in [pin, password] {
        let accepted = check_new(&policy, &first, &second).is_ok();
        if accepted {
            assert_eq!(first, second, "two different entries accepted");
        }
    }
});
