//! The patron's two actions, for trying them from a shell: submitting the
//! self-service form and redeeming a link's token.

use super::args::{RedeemArgs, SelfServiceArgs};
use super::output::json;
use super::{Cli, CliError, CliResult, secret_input};
use crate::service::{LinkProblem, Services};
use crate::setup::stdout::outln;

pub async fn redeem(cli: &Cli, s: &Services, args: &RedeemArgs) -> CliResult {
    let given = if args.token == "-" {
        secret_input::read_one("Link or token: ")?
    } else {
        zeroize::Zeroizing::new(args.token.clone())
    };
    let token = given
        .trim()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let info = s.inspect_link(&token).await?;
    if let Err(problem) = info {
        return Err(link_problem(cli, s, problem));
    }
    let (first, second) = secret_input::read_twice("PIN or password")?;
    match s.redeem(&token, first, second, Some("cli")).await? {
        Ok(outcome) => {
            if cli.json {
                json(&outcome);
            } else {
                outln!("the new PIN/password is set; the link is used up");
            }
            Ok(())
        }
        Err(problem) => Err(link_problem(cli, s, problem)),
    }
}

fn link_problem(cli: &Cli, s: &Services, problem: LinkProblem) -> CliError {
    let w = super::print::words(cli, s);
    CliError::refused(w.link_problem(problem))
}

pub async fn self_service(cli: &Cli, s: &Services, args: &SelfServiceArgs) -> CliResult {
    let result = s
        .self_service_request(
            &args.org,
            args.card.as_deref(),
            &args.email,
            args.client.as_deref(),
        )
        .await?;
    // The patron's answer is the same whatever matched; what really
    // happened is visible to staff in `avain show` and in the audit.
    if cli.json {
        json(
            &serde_json::json!({ "message": "if the details match our records, a link is on its way" }),
        );
    } else {
        outln!("If the details match our records, a link is on its way.");
    }
    tracing::debug!(outcome = result.outcome.code(), "self-service request");
    Ok(())
}
