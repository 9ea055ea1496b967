//! Desk commands on accounts: search, show, verify, links, PIN, email,
//! unlock, notes.

use super::args::{
    CheckedByArg, Command, EmailCommand, LinkCommand, PinCommand, PurposeArg, RevealArg,
};
use super::output::{json, safe};
use super::{Cli, CliError, CliResult, admin, explain, secret_input};
use crate::clock::format_utc;
use crate::domain::link::{LinkPurpose, LinkState};
use crate::service::{
    AccountDetail, IdentityCheck, LinkView, NewCredential, RevealField, Services, Staff,
};

pub async fn dispatch(cli: &Cli, s: &Services, staff: &Staff, command: &Command) -> CliResult {
    match command {
        Command::Search(a) => search(cli, s, staff, &a.query, a.limit).await,
        Command::Show(a) => show(cli, s, staff, &a.account, a.reveal).await,
        Command::Verify(a) => verify(cli, s, staff, &a.org, a.card.as_deref(), &a.email).await,
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
        Command::Audit(c) => admin::audit(cli, s, staff, c).await,
        Command::Check => admin::check(cli, s, staff).await,
        Command::Import(c) => admin::import(cli, s, staff, c).await,
        other => Err(CliError::bad_input(format!(
            "{other:?} is not a desk command"
        ))),
    }
}

fn done(cli: &Cli, message: &str) -> CliResult {
    if cli.json {
        json(&serde_json::json!({ "ok": true, "message": message }));
    } else {
        println!("{message}");
    }
    Ok(())
}

async fn search(cli: &Cli, s: &Services, staff: &Staff, query: &str, limit: usize) -> CliResult {
    let found = s.search(staff, query, limit).await?;
    if cli.json {
        json(&found);
    } else if found.is_empty() {
        println!("no accounts match {:?}", safe(query));
    } else {
        for a in &found {
            let badges: Vec<String> = a.badges.iter().map(|b| format!("{b:?}")).collect();
            println!(
                "#{:<7} {:<10} {:<32} {:<14} {:<34} {}",
                a.id,
                safe(&a.org),
                safe(&a.full_name),
                a.card_masked
                    .as_deref()
                    .map(safe)
                    .unwrap_or_else(|| "-".into()),
                safe(&a.email_masked),
                badges.join(" ")
            );
        }
    }
    if found.is_empty() {
        Err(CliError::already_reported(1))
    } else {
        Ok(())
    }
}

async fn show(
    cli: &Cli,
    s: &Services,
    staff: &Staff,
    account: &str,
    reveal: Option<RevealArg>,
) -> CliResult {
    let id = s.resolve_account(staff, account).await?.id;
    if let Some(field) = reveal {
        let field = match field {
            RevealArg::Email => RevealField::Email,
            RevealArg::Phone => RevealField::Phone,
            RevealArg::Card => RevealField::Card,
        };
        let value = s.reveal(staff, id, field).await?;
        if cli.json {
            json(&serde_json::json!({ "field": field.code(), "value": value }));
        } else {
            println!("{}: {}", field.code(), safe(&value));
        }
        return Ok(());
    }
    let detail = s.account_detail(staff, id).await?;
    if cli.json {
        json(&detail);
    } else {
        print_detail(&detail, s.now());
    }
    Ok(())
}

fn print_detail(d: &AccountDetail, now: i64) {
    let a = &d.account;
    println!("#{} {} ({})", a.id, safe(&a.full_name), safe(&a.org_name));
    println!("  email     {}", safe(&a.email_masked));
    if let Some(p) = &a.phone_masked {
        println!("  phone     {}", safe(p));
    }
    if let Some(l) = &a.login {
        println!("  login     {}", safe(l));
    }
    let mut flags = Vec::new();
    if !a.has_credential {
        flags.push(format!("no {} set", a.credential_kind));
    }
    if a.legacy_credential {
        flags.push("legacy PIN with letters: no longer works, must be reset".to_string());
    }
    if a.must_set_credential {
        flags.push("awaiting first login after the migration".to_string());
    }
    if let Some(t) = a.locked_at {
        flags.push(format!(
            "LOCKED since {} ({} failed attempts)",
            format_utc(t),
            a.failed_attempts
        ));
    }
    if !flags.is_empty() {
        println!("  status    {}", flags.join("; "));
    }
    for c in &d.cards {
        println!("  card      {} {}", safe(&c.number_masked), c.status);
    }
    for e in &d.previous_emails {
        match e.until {
            Some(t) => println!(
                "  earlier   {} until {}",
                safe(&e.email_masked),
                format_utc(t)
            ),
            None => println!("  earlier   {}", safe(&e.email_masked)),
        }
    }
    if !d.links.is_empty() {
        println!("links:");
        print_links(&d.links, now);
    }
    if !d.attempts.is_empty() {
        println!("self-service attempts:");
        for t in &d.attempts {
            println!(
                "  {} {} card: {} email: {}",
                format_utc(t.at),
                t.outcome,
                t.card_codes.join(","),
                t.email_codes.join(",")
            );
        }
    }
    if !d.notes.is_empty() {
        println!("notes:");
        for n in &d.notes {
            println!(
                "  {} {}: {}",
                format_utc(n.at),
                safe(&n.author),
                safe(&n.text)
            );
        }
    }
}

fn print_links(links: &[LinkView], now: i64) {
    for l in links {
        let state = match l.state {
            LinkState::Active { expires_in_ms } => {
                format!("active, expires in {}", human_duration(expires_in_ms))
            }
            LinkState::Used { at } => format!("used {}", format_utc(at)),
            LinkState::Revoked { at, reason } => {
                format!(
                    "revoked {} ({})",
                    format_utc(at),
                    reason.map(|r| r.code()).unwrap_or("?")
                )
            }
            LinkState::Expired { at } => format!("expired {}", format_utc(at)),
        };
        println!(
            "  link {:<5} {:<11} by {:<20} {} to {} — {}",
            l.id,
            l.purpose.code(),
            safe(&l.created_by),
            format_utc(l.created_at),
            safe(&l.sent_to_masked),
            state
        );
        for m in &l.mails {
            let answer = m
                .last_answer
                .as_deref()
                .map(|a| format!(": {}", safe(a)))
                .unwrap_or_default();
            println!(
                "      mail {} {} (attempts {}){answer}",
                m.id, m.status, m.attempts
            );
        }
    }
    let _ = now;
}

/// "2 h 5 min", "45 s".
pub fn human_duration(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86_400 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        _ => format!("{} d {} h", s / 86_400, (s % 86_400) / 3600),
    }
}

async fn verify(
    cli: &Cli,
    s: &Services,
    staff: &Staff,
    org: &str,
    card: Option<&str>,
    email: &str,
) -> CliResult {
    let v = s.verify(staff, org, card, email).await?;
    if cli.json {
        json(&v);
    } else {
        println!(
            "{}",
            if v.accepted {
                "ACCEPTED: the self-service form would accept these"
            } else {
                "REFUSED: the self-service form would refuse these"
            }
        );
        if let Some(id) = v.account_id {
            println!("account #{id}");
        }
        for line in explain::field_lines("card", &v.card)
            .into_iter()
            .chain(explain::field_lines("email", &v.email))
        {
            println!("  {}", safe(&line));
        }
    }
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
        println!("no links issued for #{id}");
    } else {
        print_links(&links, s.now());
    }
    Ok(())
}

async fn send_link(
    cli: &Cli,
    s: &Services,
    staff: &Staff,
    account: &str,
    purpose: PurposeArg,
) -> CliResult {
    let id = s.resolve_account(staff, account).await?.id;
    let purpose = match purpose {
        PurposeArg::Reset => LinkPurpose::Reset,
        PurposeArg::FirstLogin => LinkPurpose::FirstLogin,
    };
    let sent = s.send_link(staff, id, purpose).await?;
    if cli.json {
        json(&sent);
    } else {
        println!(
            "link {} queued to {} (mail {}), expires {}",
            sent.token_id,
            safe(&sent.sent_to_masked),
            sent.outbox_id,
            format_utc(sent.expires_at)
        );
        if !sent.revoked.is_empty() {
            println!("older links revoked: {:?}", sent.revoked);
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
    let id = s.resolve_account(staff, account).await?.id;
    let new = if generate {
        NewCredential::Generate
    } else {
        let (first, second) = secret_input::read_twice("PIN or password")?;
        NewCredential::Typed { first, second }
    };
    let generated = s.set_credential(staff, id, new).await?;
    match (generated, cli.json) {
        (Some(secret), true) => {
            json(&serde_json::json!({ "ok": true, "generated": secret.as_str() }))
        }
        (Some(secret), false) => println!("new PIN/password (shown once): {}", secret.as_str()),
        (None, true) => json(&serde_json::json!({ "ok": true })),
        (None, false) => println!("PIN/password set"),
    }
    Ok(())
}
