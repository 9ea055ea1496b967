//! Desk commands on accounts: search, show, verify, links, PIN, email,
//! unlock, notes.

use super::args::{
    CheckedByArg, Command, EmailCommand, LinkCommand, PinCommand, PurposeArg, RevealArg,
};
use super::output::{json, safe};
use super::{Cli, CliError, CliResult, admin, print, secret_input};
use crate::domain::link::LinkPurpose;
use crate::service::{IdentityCheck, NewCredential, RevealField, Services, Staff};
use crate::setup::stdout::outln;

pub async fn dispatch(cli: &Cli, s: &Services, staff: &Staff, command: &Command) -> CliResult {
    match command {
        Command::Search(a) => search(cli, s, staff, &a.query, a.limit).await,
        Command::Show(a) => show(cli, s, staff, a).await,
        Command::Verify(a) => {
            verify(cli, s, staff, a.org.as_deref(), a.card.as_deref(), &a.email).await
        }
        Command::Tokens(a) => tokens(cli, s, staff, &a.account).await,
        Command::Link(LinkCommand::Send { account, purpose }) => {
            send_link(cli, s, staff, account, *purpose).await
        }
        Command::Link(LinkCommand::Revoke { link_id }) => {
            s.revoke_link(staff, *link_id).await?;
            done(cli, &format!("link {link_id} revoked"))
        }
        Command::Pin(PinCommand::Set { account, generate }) => {
            set_pin(cli, s, staff, account, *generate).await
        }
        Command::Pin(PinCommand::Test { account }) => {
            let id = s.resolve_account(staff, account).await?.id;
            let secret = super::secret_input::read_one("PIN or password to test: ")?;
            if s.test_credential(staff, id, secret).await? {
                done(cli, "it matches the stored PIN/password")
            } else {
                Err(CliError::refused(
                    "it does not match the stored PIN/password",
                ))
            }
        }
        Command::Email(EmailCommand::Set {
            account,
            new_email,
            checked_by,
            note,
        }) => {
            let id = s.resolve_account(staff, account).await?.id;
            let checked = match checked_by {
                CheckedByArg::InPerson => IdentityCheck::InPerson,
                CheckedByArg::PhoneCallback => IdentityCheck::PhoneCallback,
                CheckedByArg::Other => IdentityCheck::Other,
            };
            s.change_email(staff, id, new_email, checked, note.as_deref())
                .await?;
            done(
                cli,
                "email changed; links sent to the old address are revoked and it was notified",
            )
        }
        Command::Unlock(a) => {
            let id = s.resolve_account(staff, &a.account).await?.id;
            s.unlock(staff, id, &a.reason).await?;
            done(cli, "account unlocked")
        }
        Command::Note(a) => {
            let id = s.resolve_account(staff, &a.account).await?.id;
            s.add_note(staff, id, &a.text).await?;
            done(cli, "note added")
        }
        Command::Outbox(c) => admin::outbox(cli, s, staff, c).await,
        Command::Invite(a) => super::mail_commands::invite(cli, s, staff, a).await,
        Command::Staff(c) => admin::staff(cli, s, staff, c).await,
        Command::Ssh(c) => super::ssh_commands::ssh(cli, s, staff, c).await,
        Command::Audit(c) => admin::audit(cli, s, staff, c).await,
        Command::Import(c) => admin::import(cli, s, staff, c).await,
        Command::Sync(a) => super::directory_commands::sync(cli, s, staff, a).await,
        other => Err(CliError::bad_input(format!(
            "{other:?} is not a desk command"
        ))),
    }
}

fn done(cli: &Cli, message: &str) -> CliResult {
    if cli.json {
        json(&serde_json::json!({ "ok": true, "message": message }));
    } else {
        outln!("{message}");
    }
    Ok(())
}

async fn search(cli: &Cli, s: &Services, staff: &Staff, query: &str, limit: usize) -> CliResult {
    let found = s.search(staff, query, limit).await?;
    if cli.json {
        json(&found);
    } else if found.is_empty() {
        let w = print::words(cli, s);
        outln!(
            "{}",
            w.f("cli.no_match", &[("query", &format!("{:?}", safe(query)))])
        );
    } else {
        let w = print::words(cli, s);
        for a in &found {
            outln!("{}", print::search_row(&w, a));
        }
    }
    if found.is_empty() {
        Err(CliError::already_reported(1))
    } else {
        Ok(())
    }
}

async fn show(cli: &Cli, s: &Services, staff: &Staff, a: &super::args::ShowArgs) -> CliResult {
    let id = s.resolve_account(staff, &a.account).await?.id;
    if let Some(field) = a.reveal {
        let field = match field {
            RevealArg::Email => RevealField::Email,
            RevealArg::Phone => RevealField::Phone,
            RevealArg::Card => RevealField::Card,
        };
        let value = s.reveal(staff, id, field).await?;
        if cli.json {
            json(&serde_json::json!({ "field": field.code(), "value": value }));
        } else {
            outln!("{}: {}", field.code(), safe(&value));
        }
        return Ok(());
    }
    let detail = if a.refresh {
        s.open_account(staff, id).await?
    } else {
        s.account_detail(staff, id).await?
    };
    if cli.json {
        json(&detail);
    } else {
        print::detail(&print::words(cli, s), &detail, s.now());
    }
    Ok(())
}

async fn verify(
    cli: &Cli,
    s: &Services,
    staff: &Staff,
    org: Option<&str>,
    card: Option<&str>,
    email: &str,
) -> CliResult {
    let v = s.verify_in(staff, org, card, email).await?;
    if cli.json {
        json(&v);
    } else {
        print::verdict(&print::words(cli, s), &v.org, &v.verdict);
    }
    let v = v.verdict;
    if v.accepted {
        Ok(())
    } else {
        Err(CliError::already_reported(1))
    }
}

async fn tokens(cli: &Cli, s: &Services, staff: &Staff, account: &str) -> CliResult {
    let id = s.resolve_account(staff, account).await?.id;
    let links = s.links(staff, id).await?;
    if cli.json {
        json(&links);
    } else if links.is_empty() {
        let w = print::words(cli, s);
        outln!("{}", w.f("cli.no_links", &[("id", &id.to_string())]));
    } else {
        print::links(&print::words(cli, s), &links, s.now());
    }
    Ok(())
}

async fn send_link(
    cli: &Cli,
    s: &Services,
    staff: &Staff,
    account: &str,
    purpose: Option<PurposeArg>,
) -> CliResult {
    let id = s.resolve_account(staff, account).await?.id;
    let purpose = purpose.map(|p| match p {
        PurposeArg::Reset => LinkPurpose::Reset,
        PurposeArg::FirstLogin => LinkPurpose::FirstLogin,
    });
    let sent = s.send_link(staff, id, purpose).await?;
    if cli.json {
        json(&sent);
    } else {
        let w = print::words(cli, s);
        outln!(
            "{}",
            w.f(
                "cli.link_queued",
                &[
                    ("purpose", w.purpose(sent.purpose)),
                    ("id", &sent.token_id.to_string()),
                    ("to", &safe(&sent.sent_to_masked)),
                    ("mail", &sent.outbox_id.to_string()),
                    ("expires", &w.time(sent.expires_at)),
                ],
            )
        );
        if !sent.revoked.is_empty() {
            let ids: Vec<String> = sent.revoked.iter().map(|i| i.to_string()).collect();
            outln!("{}", w.f("cli.older_revoked", &[("ids", &ids.join(", "))]));
        }
    }
    Ok(())
}

async fn set_pin(
    cli: &Cli,
    s: &Services,
    staff: &Staff,
    account: &str,
    generate: bool,
) -> CliResult {
    let account = s.resolve_account(staff, account).await?;
    let id = account.id;
    // The organisation decides which one its patrons have.
    let what = match s.config.org(&account.org).map(|o| o.credential.kind()) {
        Some(crate::domain::policy::CredentialKind::Password) => "password",
        _ => "PIN",
    };
    let new = if generate {
        NewCredential::Generate
    } else {
        let (first, second) = secret_input::read_twice(what)?;
        NewCredential::Typed { first, second }
    };
    let generated = s.set_credential(staff, id, new).await?;
    match (generated, cli.json) {
        (Some(secret), true) => {
            json(&serde_json::json!({ "ok": true, "generated": secret.as_str() }))
        }
        (Some(secret), false) => outln!("new {what} (shown once): {}", secret.as_str()),
        (None, true) => json(&serde_json::json!({ "ok": true })),
        (None, false) => outln!("{what} set"),
    }
    Ok(())
}
