//! Plain-English words for reason codes and states on the command line.

use crate::clock::format_utc;
use crate::domain::verdict::{FieldVerdict, Reason};

/// One line per reason for a field of the verdict.
pub fn field_lines(field: &str, v: &FieldVerdict) -> Vec<String> {
    let expected = v.expected_masked.as_deref().unwrap_or("?");
    v.reasons
        .iter()
        .map(|r| match r {
            Reason::Exact => format!("{field}: exactly as stored"),
            Reason::CaseDiffers => format!("{field}: letters differ in case; the form needs exactly {expected}"),
            Reason::Whitespace => format!("{field}: extra or missing spaces or dashes; the form needs exactly {expected}"),
            Reason::UnicodeForm => format!(
                "{field}: same letters typed in another Unicode form (e.g. a + ring instead of å); retype it as {expected}"
            ),
            Reason::Typo { position, distance } => format!(
                "{field}: looks like a typo at character {position} ({distance} edit{}); on file: {expected}",
                if *distance == 1 { "" } else { "s" }
            ),
            Reason::PreviousEmail { until_ms } => match until_ms {
                Some(t) => format!("{field}: this was the address until {}; now on file: {expected}", format_utc(*t)),
                None => format!("{field}: this is an earlier address; now on file: {expected}"),
            },
            Reason::OldCard { status, active_ends } => match active_ends {
                Some(end) => format!("{field}: this card is {}; the active card ends {end}", status.code()),
                None => format!("{field}: this card is {} and the account has no active card", status.code()),
            },
            Reason::EmailShared { accounts } => {
                format!("{field}: {accounts} accounts of this organisation share this address")
            }
            Reason::CardUnknown => format!("{field}: no card of this organisation has this number"),
            Reason::EmailUnknown => format!("{field}: no account of this organisation has or had this address"),
            Reason::OtherEmail => format!("{field}: the card's account has a different address: {expected}"),
            Reason::NotUsed => format!("{field}: not used by this organisation"),
        })
        .collect()
}
