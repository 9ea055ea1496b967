//! The import CSV reader: any bytes (invalid UTF-8, stray quotes, huge
//! fields) end in rows or in errors that name a line, never in a panic.
#![no_main]

use avain::service::import::parse_csv;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    // Half the inputs start with a valid header, so the row checks are reached.
    let with_header;
    let input = if bytes.first().is_some_and(|b| b % 2 == 0) {
        with_header = [
            b"full_name,email,card_number,phone,previous_emails,old_cards,legacy_credential\n"
                .as_slice(),
            &bytes[1..],
        ]
        .concat();
        &with_header[..]
    } else {
        bytes
    };
    if let Err(errors) = parse_csv(input) {
        assert!(!errors.is_empty());
        for e in &errors {
            assert!(e.line >= 1, "{e}");
            assert!(!e.to_string().is_empty());
        }
    }
});
