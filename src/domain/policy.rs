//! Credential policies: what a PIN or password must be, and a plain reason
//! when it is refused. Also generates credentials that pass the policy.

use super::codes::code_enum;
use rand::RngExt;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::LazyLock;

/// Most common 4-digit PINs (beyond repeats and runs, which are found by rule).
static WEAK_PINS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| list_lines(include_str!("../../assets/policy/weak-pins.txt")));
/// Passwords seen most often in leaks, lower-case.
static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| list_lines(include_str!("../../assets/policy/common-passwords.txt")));

fn list_lines(text: &'static str) -> HashSet<&'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// Upper bound on passwords, so hashing stays cheap whatever is pasted.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// What an organisation accepts as a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CredentialPolicy {
    /// Exactly `digits` ASCII digits (the library case: 4).
    Pin { digits: u8 },
    /// At least `min_length` characters, not a common password.
    Password { min_length: u16 },
}

impl CredentialPolicy {
    pub fn kind(&self) -> CredentialKind {
        match self {
            CredentialPolicy::Pin { .. } => CredentialKind::Pin,
            CredentialPolicy::Password { .. } => CredentialKind::Password,
        }
    }
}

code_enum!(
    /// Which kind of secret an organisation's patrons have.
    CredentialKind { Pin = "pin", Password = "password" }
);

/// Why a credential was refused. Stable codes; never carries the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum PolicyRefusal {
    Empty,
    Mismatch,
    PinLength { expected: u8, got: usize },
    PinNotDigits,
    PinRepeated,
    PinSequence,
    PinCommon,
    PasswordTooShort { min: u16 },
    PasswordTooLong { max: usize },
    PasswordCommon,
}

impl PolicyRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            PolicyRefusal::Empty => "empty",
            PolicyRefusal::Mismatch => "mismatch",
            PolicyRefusal::PinLength { .. } => "pin_length",
            PolicyRefusal::PinNotDigits => "pin_not_digits",
            PolicyRefusal::PinRepeated => "pin_repeated",
            PolicyRefusal::PinSequence => "pin_sequence",
            PolicyRefusal::PinCommon => "pin_common",
            PolicyRefusal::PasswordTooShort { .. } => "password_too_short",
            PolicyRefusal::PasswordTooLong { .. } => "password_too_long",
            PolicyRefusal::PasswordCommon => "password_common",
        }
    }
}

/// Checks a new credential, typed twice, against the policy.
pub fn check_new(
    policy: &CredentialPolicy,
    first: &str,
    second: &str,
) -> Result<(), PolicyRefusal> {
    check(policy, first)?;
    if first != second {
        return Err(PolicyRefusal::Mismatch);
    }
    Ok(())
}

/// Checks one credential against the policy.
pub fn check(policy: &CredentialPolicy, secret: &str) -> Result<(), PolicyRefusal> {
    if secret.is_empty() {
        return Err(PolicyRefusal::Empty);
    }
    match *policy {
        CredentialPolicy::Pin { digits } => check_pin(secret, digits),
        CredentialPolicy::Password { min_length } => check_password(secret, min_length),
    }
}

fn check_pin(pin: &str, digits: u8) -> Result<(), PolicyRefusal> {
    // Letters are the classic legacy-PIN problem: say so before the length.
    if !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(PolicyRefusal::PinNotDigits);
    }
    if pin.len() != usize::from(digits) {
        return Err(PolicyRefusal::PinLength {
            expected: digits,
            got: pin.chars().count(),
        });
    }
    let d: Vec<i16> = pin.bytes().map(|b| i16::from(b - b'0')).collect();
    if d.iter().all(|&x| x == d[0]) {
        return Err(PolicyRefusal::PinRepeated);
    }
    let step = d[1] - d[0];
    if step.abs() == 1 && d.windows(2).all(|w| w[1] - w[0] == step) {
        return Err(PolicyRefusal::PinSequence);
    }
    if WEAK_PINS.contains(pin) {
        return Err(PolicyRefusal::PinCommon);
    }
    Ok(())
}

fn check_password(password: &str, min_length: u16) -> Result<(), PolicyRefusal> {
    let len = password.chars().count();
    if len < usize::from(min_length) {
        return Err(PolicyRefusal::PasswordTooShort { min: min_length });
    }
    if len > MAX_PASSWORD_CHARS {
        return Err(PolicyRefusal::PasswordTooLong {
            max: MAX_PASSWORD_CHARS,
        });
    }
    if COMMON_PASSWORDS.contains(password.to_lowercase().as_str()) {
        return Err(PolicyRefusal::PasswordCommon);
    }
    Ok(())
}

/// Letters and digits that cannot be mistaken for each other when read out
/// over the phone (no 0/O, 1/l/I).
const READABLE: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// Generates a credential that passes the policy, from a CSPRNG.
pub fn generate(policy: &CredentialPolicy) -> String {
    let mut rng = rand::rng();
    loop {
        let candidate: String = match *policy {
            CredentialPolicy::Pin { digits } => (0..digits)
                .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
                .collect(),
            CredentialPolicy::Password { min_length } => {
                let len = usize::from(min_length).max(14);
                (0..len)
                    .map(|_| char::from(READABLE[rng.random_range(0..READABLE.len())]))
                    .collect()
            }
        };
        if check(policy, &candidate).is_ok() {
            return candidate;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PIN4: CredentialPolicy = CredentialPolicy::Pin { digits: 4 };
    const PW10: CredentialPolicy = CredentialPolicy::Password { min_length: 10 };

    #[test]
    fn every_pin_refusal() {
        for (pin, code) in [
            ("", "empty"),
            ("12a4", "pin_not_digits"),
            ("ab12", "pin_not_digits"),
            ("12-4", "pin_not_digits"),
            ("12 4", "pin_not_digits"),
            ("١٢٣٤", "pin_not_digits"),
            ("123", "pin_length"),
            ("12345", "pin_length"),
            ("7777", "pin_repeated"),
            ("1234", "pin_sequence"),
            ("6543", "pin_sequence"),
            ("1212", "pin_common"),
            ("2580", "pin_common"),
        ] {
            assert_eq!(check(&PIN4, pin).unwrap_err().code(), code, "{pin:?}");
        }
        assert_eq!(check(&PIN4, "4831"), Ok(()));
        assert_eq!(
            check(&CredentialPolicy::Pin { digits: 6 }, "482913"),
            Ok(())
        );
    }

    #[test]
    fn every_password_refusal() {
        assert_eq!(
            check(&PW10, "short").unwrap_err().code(),
            "password_too_short"
        );
        assert_eq!(
            check(&PW10, &"x".repeat(300)).unwrap_err().code(),
            "password_too_long"
        );
        assert_eq!(
            check(&PW10, "Salasana123").unwrap_err().code(),
            "password_common"
        );
        assert_eq!(check(&PW10, "kaakko-lintu-sade"), Ok(()));
    }

    #[test]
    fn typed_twice_must_match() {
        assert_eq!(
            check_new(&PIN4, "4831", "4813"),
            Err(PolicyRefusal::Mismatch)
        );
        assert_eq!(check_new(&PIN4, "4831", "4831"), Ok(()));
        // The policy is checked first, so the refusal names the real problem.
        assert_eq!(
            check_new(&PIN4, "12ab", "12ab"),
            Err(PolicyRefusal::PinNotDigits)
        );
    }

    #[test]
    fn generated_credentials_pass_their_policy() {
        for _ in 0..200 {
            assert_eq!(check(&PIN4, &generate(&PIN4)), Ok(()));
        }
        let pw = generate(&PW10);
        assert!(pw.len() >= 14 && check(&PW10, &pw).is_ok());
    }
}
