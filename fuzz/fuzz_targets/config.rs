//! The config loader: any text is a config or an error message, never a
//! panic; a loaded config prints (secrets hidden) without failing.
#![no_main]

use avain::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match Config::parse(text) {
        Ok(config) => {
            let printed = config.to_redacted_toml();
            assert!(!printed.is_empty());
        }
        Err(message) => assert!(!message.is_empty()),
    }
});
