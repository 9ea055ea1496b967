//! `avain staff key …` and `avain ssh …`: the keys desks log in with, the
//! server's host key fingerprint, and the consoles open now.

use super::args::{SshCommand, StaffKeyCommand};
use super::output::json;
use super::{Cli, CliError, CliResult};
use crate::config::Paths;
use crate::service::{Services, Staff};
use crate::setup::stdout::outln;
use crate::text::safe;

pub async fn staff_key(cli: &Cli, s: &Services, me: &Staff, c: &StaffKeyCommand) -> CliResult {
    match c {
        StaffKeyCommand::Add { login, key } => {
            let line = if key == "-" {
                use std::io::Read;
                let mut text = String::new();
                std::io::stdin()
                    .take(64 * 1024)
                    .read_to_string(&mut text)
                    .map_err(|e| CliError::bad_input(format!("cannot read standard input: {e}")))?;
                text
            } else {
                key.clone()
            };
            let parsed = crate::ssh::keys::parse_staff_key(&line).map_err(CliError::bad_input)?;
            s.add_staff_key(me, login, &parsed).await?;
            if cli.json {
                json(&serde_json::json!({ "ok": true, "fingerprint": parsed.fingerprint }));
            } else {
                outln!("key {} added for {}", parsed.fingerprint, safe(login));
            }
        }
        StaffKeyCommand::List { login } => {
            let keys = s.staff_keys(me, login).await?;
            if cli.json {
                json(&keys);
            } else if keys.is_empty() {
                outln!("{} has no SSH keys", safe(login));
            } else {
                let w = super::print::words(cli, s);
                for k in &keys {
                    let comment = k.comment.as_deref().map(safe).unwrap_or_default();
                    outln!(
                        "{} {} {} (added {})",
                        k.fingerprint,
                        safe(&k.algorithm),
                        comment,
                        w.time(k.added_at)
                    );
                }
            }
        }
        StaffKeyCommand::Remove { login, fingerprint } => {
            s.remove_staff_key(me, login, fingerprint).await?;
            if cli.json {
                json(&serde_json::json!({ "ok": true }));
            } else {
                outln!("key {} removed from {}", safe(fingerprint), safe(login));
            }
        }
    }
    Ok(())
}

/// `avain ssh host-key`: needs no database, only the key file.
pub fn host_key(cli: &Cli, paths: &Paths) -> CliResult {
    let print =
        crate::ssh::keys::host_key_fingerprint(&paths.ssh_host_key).map_err(CliError::bad_input)?;
    if cli.json {
        json(&serde_json::json!({ "fingerprint": print, "file": paths.ssh_host_key }));
    } else {
        outln!("{print}");
    }
    Ok(())
}

pub async fn sessions(cli: &Cli, s: &Services, me: &Staff) -> CliResult {
    let sessions = s.ssh_sessions(me).await?;
    if cli.json {
        json(&sessions);
        return Ok(());
    }
    if sessions.is_empty() {
        outln!("no SSH consoles are open");
        return Ok(());
    }
    let w = super::print::words(cli, s);
    for x in &sessions {
        outln!(
            "#{} {} from {} since {} ({}, {})",
            x.id,
            safe(&x.login),
            safe(&x.client),
            w.time(x.started_at),
            safe(&x.term),
            x.fingerprint
        );
    }
    Ok(())
}

/// Dispatches `avain ssh …` commands that need staff.
pub async fn ssh(cli: &Cli, s: &Services, me: &Staff, c: &SshCommand) -> CliResult {
    match c {
        SshCommand::Sessions => sessions(cli, s, me).await,
        SshCommand::HostKey => Err(CliError::bad_input("handled before opening the database")),
    }
}
