//! The patron's two actions, for trying them from a shell: submitting the
//! self-service form and redeeming a link's token.

use super::args::{RedeemArgs, SelfServiceArgs};
use super::output::json;
use super::{Cli, CliError, CliResult, secret_input};
use crate::service::{LinkProblem, Services};

pub async fn redeem(cli: &Cli, s: &Services, args: &RedeemArgs) -> CliResult {
    let token = args
        .token
        .trim()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let info = s.inspect_link(&token).await?;
    if let Err(problem) = info {
        return Err(link_problem(problem));
    }
    let (first, second) = secret_input::read_twice("PIN or password")?;
    match s.redeem(&token, first, second, Some("cli")).await? {
        Ok(outcome) => {
            if cli.json {
                json(&outcome);
            } else {
                println!("the new PIN/password is set; the link is used up");
            }
            Ok(())
        }
        Err(problem) => Err(link_problem(problem)),
    }
}

fn link_problem(problem: LinkProblem) -> CliError {
    CliError::refused(match problem {
        LinkProblem::Unknown => "this link is not valid: ask for a new one",
        LinkProblem::Expired => "this link has expired: ask for a new one",
        LinkProblem::Used => "this link was used already: ask for a new one if needed",
        LinkProblem::Revoked => {
            "this link was replaced or cancelled: use the newest link, or ask for a new one"
        }
    })
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
        println!("If the details match our records, a link is on its way.");
    }
    tracing::debug!(outcome = result.outcome.code(), "self-service request");
    Ok(())
}
