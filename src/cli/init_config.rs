//! The configuration `avain init` writes when there is none: from `--org`
//! and its companion flags, from questions on a terminal, or the example.

use super::CliError;
use super::args::InitArgs;
use crate::config::PathOverrides;

/// The text of a new configuration: from the flags, else from questions on
/// a terminal, else the example. The flag is true for the example.
pub fn new_config_text(
    args: &InitArgs,
    overrides: &PathOverrides,
    example: &str,
) -> Result<(String, bool), CliError> {
    use crate::setup::new_config::{InitAnswers, ask, checked, config_text, parse_org_spec};
    use std::io::IsTerminal;
    if args.mail_url.as_deref().is_some_and(has_password) {
        return Err(CliError::bad_input(
            "--mail-url: a password on the command line is seen by everyone on the machine; \
             give the URL without it and add it to [mail] url in the file",
        ));
    }
    let answers = if !args.orgs.is_empty() {
        let orgs = args
            .orgs
            .iter()
            .map(|spec| parse_org_spec(spec))
            .collect::<Result<Vec<_>, _>>()
            .map_err(CliError::bad_input)?;
        InitAnswers {
            data_dir: args.data_dir.clone(),
            orgs,
            mail_url: args.mail_url.clone(),
            sender: args.sender.clone(),
        }
    } else if !args.example && std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        let default_dir = crate::config::base_data_dir(overrides);
        let stdin = std::io::stdin();
        ask(&mut stdin.lock(), &mut std::io::stdout(), &default_dir)
            .map_err(|e| CliError::bad_input(format!("init: {e}")))?
    } else if args.data_dir.is_some() || args.mail_url.is_some() || args.sender.is_some() {
        return Err(CliError::bad_input(
            "init: give the organisations with --org (one per organisation) along with \
             --data-dir, --mail-url or --sender",
        ));
    } else {
        return Ok((example.to_string(), true));
    };
    let text = config_text(&answers);
    checked(&text).map_err(|e| CliError::bad_input(format!("init: {e}")))?;
    Ok((text, false))
}

/// Does `scheme://user:password@host…` carry a password?
fn has_password(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    authority
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_in_urls_are_seen() {
        assert!(super::has_password("smtp://u:p@mail.fi:587"));
        assert!(!super::has_password("smtp://u@mail.fi:587?tls=required"));
        assert!(!super::has_password("smtp://mail.fi:587"));
    }
}
