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
            for o in &orgs {
                let name = match &o.name {
                    Some(n) => safe(n),
                    None => "(not in the configuration)".into(),
                };
                outln!(
                    "{:<16} {}: {} accounts, {} live links",
                    safe(&o.slug),
                    name,
                    o.accounts,
                    o.live_links
                );
            }
            if let Some(lost) = orgs.iter().find(|o| !o.configured) {
                outln!();
                outln!(
                    "{} is in the database only: put its [[org]] back in the configuration, \
                     or, if its slug was changed there, run `avain org rename {} NEW`",
                    safe(&lost.slug),
                    safe(&lost.slug)
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
