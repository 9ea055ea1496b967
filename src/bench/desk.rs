//! `avain bench desk`: one process acting like a busy desk (send a link,
//! set a PIN or password, add a note) on the configured database, printing
//! one JSON line when an action starts and one when it ends. Many of these
//! at once, or killed at random, are how the reliability tests and the
//! full-size runs in docs/BENCHMARKS.md load one database from many
//! processes.
//!
//! Everything it chooses follows from `--seed`, so a test can recompute the
//! PIN an action set ([`credential_for`]) without the secret ever being
//! printed.

use super::{DeskAction, DeskBenchArgs};
use crate::domain::link::LinkPurpose;
use crate::domain::policy::{self, CredentialPolicy};
use crate::service::{Badge, NewCredential, ServiceError, Services, Staff};
use crate::setup::stdout::outln;
use crate::setup::{Failure as CliError, Invocation};
use serde_json::json;
use std::collections::HashSet;
use zeroize::Zeroizing;

/// Searches tried for one account before the run gives up.
const SEARCH_TRIES: usize = 2_000;

/// A small deterministic generator (SplitMix64): the same seed gives the
/// same run on every machine and in the test that checks it.
pub struct SeededRng(u64);

impl SeededRng {
    pub fn new(seed: u64) -> Self {
        SeededRng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// The PIN or password action `seq` of the run with `seed` sets: passes the
/// policy, and is recomputable by anyone who knows the seed.
pub fn credential_for(policy: &CredentialPolicy, seed: u64, seq: usize) -> String {
    let mut rng = SeededRng::new(seed ^ (seq as u64).wrapping_mul(0x1000_0000_01B3));
    loop {
        let candidate: String = match *policy {
            CredentialPolicy::Pin { digits } => (0..digits)
                .map(|_| char::from(b'0' + rng.below(10) as u8))
                .collect(),
            CredentialPolicy::Password { min_length } => (0..min_length.max(12))
                .map(|_| char::from(b'a' + rng.below(26) as u8))
                .collect(),
        };
        if policy::check(policy, &candidate).is_ok() {
            return candidate;
        }
    }
}

/// The note action `seq` of the run with `seed` adds.
pub fn note_for(seed: u64, seq: usize) -> String {
    format!("desk run {seed} action {seq}")
}

/// Takes only accounts whose id modulo `of` is `index`, each once.
#[derive(Clone, Copy)]
struct Shard {
    index: i64,
    of: i64,
}

fn parse_shard(text: &str) -> Result<Shard, CliError> {
    let bad = || CliError::bad_input(format!("--shard {text:?}: use K/N with 0 <= K < N"));
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (index, of) = (
        k.trim().parse::<i64>().map_err(|_| bad())?,
        n.trim().parse::<i64>().map_err(|_| bad())?,
    );
    if of < 1 || index < 0 || index >= of {
        return Err(bad());
    }
    Ok(Shard { index, of })
}

struct Pick {
    id: i64,
    org: String,
    awaiting_first_login: bool,
}

/// A random account the staff member can see, found the way a desk does:
/// by searching a name prefix.
async fn pick_account(
    services: &Services,
    staff: &Staff,
    rng: &mut SeededRng,
    shard: Option<Shard>,
    used: &HashSet<i64>,
) -> Result<Pick, CliError> {
    const FIRST: &[u8] = b"ahjklmnprstv";
    const SECOND: &[u8] = b"aeiouy";
    for _ in 0..SEARCH_TRIES {
        let query: String = [
            FIRST[rng.below(FIRST.len() as u64) as usize],
            SECOND[rng.below(SECOND.len() as u64) as usize],
        ]
        .iter()
        .map(|&b| char::from(b))
        .collect();
        let hits = services.search(staff, &query, 20).await?;
        let fitting: Vec<_> = hits
            .into_iter()
            .filter(|h| shard.is_none_or(|s| h.id.rem_euclid(s.of) == s.index))
            .filter(|h| shard.is_none() || !used.contains(&h.id))
            .collect();
        if fitting.is_empty() {
            continue;
        }
        let hit = &fitting[rng.below(fitting.len() as u64) as usize];
        return Ok(Pick {
            id: hit.id,
            org: hit.org.clone(),
            awaiting_first_login: hit.badges.contains(&Badge::AwaitingFirstLogin),
        });
    }
    Err(CliError::refused(
        "no account left to act on: the database is too small for this run",
    ))
}

/// Refusals a desk meets in normal work; anything else is a failure.
fn is_refusal(e: &ServiceError) -> bool {
    matches!(
        e,
        ServiceError::RateLimited { .. } | ServiceError::Refused(_) | ServiceError::Policy(_)
    )
}

pub async fn run(inv: &Invocation, args: &DeskBenchArgs) -> Result<(), CliError> {
    let (services, paths) = crate::setup::open(&inv.overrides).await?;
    let staff = crate::setup::identify(inv, &services).await?;
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    let mailer = if args.deliver {
        Some(
            services
                .delivery(&paths.mail_folder)
                .map_err(|e| CliError::bad_input(format!("mail: {e:#}")))?,
        )
    } else {
        None
    };
    let kinds: Vec<DeskAction> = if args.only.is_empty() {
        vec![DeskAction::Link, DeskAction::Pin, DeskAction::Note]
    } else {
        args.only.clone()
    };
    let mut rng = SeededRng::new(args.seed);
    let mut used = HashSet::new();
    let (mut ok, mut refused, mut failed) = (0u64, 0u64, 0u64);
    for seq in 0..args.actions {
        let kind = kinds[rng.below(kinds.len() as u64) as usize];
        let pick = pick_account(&services, &staff, &mut rng, shard, &used).await?;
        used.insert(pick.id);
        outln!(
            "{}",
            json!({ "seq": seq, "start": kind.code(), "account": pick.id })
        );
        let result = act(&services, &staff, args.seed, seq, kind, &pick).await;
        let line = match result {
            Ok(extra) => {
                ok += 1;
                json!({ "seq": seq, "action": kind.code(), "account": pick.id, "ok": true, "detail": extra })
            }
            Err(e) => {
                if is_refusal(&e) {
                    refused += 1;
                } else {
                    failed += 1;
                }
                json!({ "seq": seq, "action": kind.code(), "account": pick.id, "ok": false,
                        "code": e.code(), "error": crate::domain::sanitize::sanitize_line(&e.to_string(), 300) })
            }
        };
        outln!("{line}");
        if let Some(mailer) = &mailer
            && kind != DeskAction::Note
            && let Err(e) = mailer.deliver_due(50).await
        {
            eprintln!("avain: mail stays queued: {e:#}");
        }
    }
    outln!(
        "{}",
        json!({ "done": true, "ok": ok, "refused": refused, "failed": failed })
    );
    if failed > 0 {
        return Err(CliError::already_reported(1));
    }
    Ok(())
}

async fn act(
    services: &Services,
    staff: &Staff,
    seed: u64,
    seq: usize,
    kind: DeskAction,
    pick: &Pick,
) -> Result<serde_json::Value, ServiceError> {
    match kind {
        DeskAction::Link => {
            let purpose = if pick.awaiting_first_login {
                LinkPurpose::FirstLogin
            } else {
                LinkPurpose::Reset
            };
            let sent = services.send_link(staff, pick.id, Some(purpose)).await?;
            Ok(json!({ "token_id": sent.token_id, "outbox_id": sent.outbox_id }))
        }
        DeskAction::Pin => {
            let policy = services
                .config
                .org(&pick.org)
                .map(|o| o.credential)
                .ok_or_else(|| ServiceError::NotFound(pick.org.clone()))?;
            let secret = credential_for(&policy, seed, seq);
            services
                .set_credential(
                    staff,
                    pick.id,
                    NewCredential::Typed {
                        first: Zeroizing::new(secret.clone()),
                        second: Zeroizing::new(secret),
                    },
                )
                .await?;
            Ok(json!({}))
        }
        DeskAction::Note => {
            services
                .add_note(staff, pick.id, &note_for(seed, seq))
                .await?;
            Ok(json!({}))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_recomputable_and_pass_the_policy() {
        for policy in [
            CredentialPolicy::Pin { digits: 4 },
            CredentialPolicy::Password { min_length: 10 },
        ] {
            for seq in 0..200 {
                let a = credential_for(&policy, 7, seq);
                assert_eq!(a, credential_for(&policy, 7, seq));
                assert!(policy::check(&policy, &a).is_ok(), "{a}");
            }
            assert_ne!(credential_for(&policy, 7, 1), credential_for(&policy, 8, 1));
        }
    }

    #[test]
    fn shards_are_checked() {
        assert!(parse_shard("0/4").is_ok());
        assert!(parse_shard("3/4").is_ok());
        for bad in ["4/4", "-1/4", "1/0", "x", "1/"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
    }
}
