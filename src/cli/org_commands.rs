//! `avain org list` and `avain org rename OLD NEW`.

use super::args::OrgCommand;
use super::output::json;
use super::{Cli, CliResult};
use crate::service::{Services, Staff};
use crate::setup::stdout::outln;
use crate::text::safe;

pub async fn run(cli: &Cli, s: &Services, me: &Staff, c: &OrgCommand) -> CliResult {
    match c {
        OrgCommand::List => {
            let orgs = s.org_overview(me).await?;
            if cli.json {
                json(&orgs);
                return Ok(());
            }
            let words = super::print::words(cli, s);
            for o in &orgs {
                let name = match (&o.name, o.retired_at) {
                    (Some(n), _) => safe(n),
                    (None, Some(at)) => format!("(retired {})", words.time(at)),
                    (None, None) => "(not in the configuration)".into(),
                };
                outln!(
                    "{:<16} {}: {} accounts, {} live links",
                    safe(&o.slug),
                    name,
                    o.accounts,
                    o.live_links
                );
            }
            if let Some(lost) = orgs
                .iter()
                .find(|o| !o.configured && o.retired_at.is_none())
            {
                outln!();
                outln!(
                    "{} is in the database only: put its [[org]] back in the configuration, \
                     or, if its slug was changed there, run `avain org rename {} NEW`, \
                     or, to take it out of use, `avain org retire {}`",
                    safe(&lost.slug),
                    safe(&lost.slug),
                    safe(&lost.slug)
                );
            }
        }
        OrgCommand::Retire { slug } => {
            let done = s.retire_org(me, slug).await?;
            if cli.json {
                json(&serde_json::json!({ "ok": true, "slug": slug, "undone": done }));
            } else {
                outln!(
                    "{} retired: {} live links revoked, {} queued mails cancelled, {} staff no \
                     longer have it; its accounts and history stay",
                    safe(slug),
                    done.links_revoked,
                    done.mails_cancelled,
                    done.staff_changed
                );
            }
        }
        OrgCommand::Rename { old, new } => {
            let moved = s.rename_org(me, old, new).await?;
            if cli.json {
                json(&serde_json::json!({ "ok": true, "from": old, "to": new, "accounts": moved }));
            } else {
                outln!(
                    "{} renamed to {}: {moved} accounts with their links, mail and staff",
                    safe(old),
                    safe(new)
                );
            }
        }
    }
    Ok(())
}
