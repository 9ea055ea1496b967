//! `avain demo`: a self-contained installation in the data folder's
//! `demo/` with two organisations, ~200 hand-written synthetic accounts
//! that show every reason code, and any number of generated ones.

mod generate;

use crate::config::{PathOverrides, paths_demo_dir};
use crate::service::{IdentityCheck, Services, Staff};
use crate::setup::stdout::outln;
use crate::setup::{Failure as CliError, Invocation, load_config};
use crate::store::{accounts, bulk};
use std::path::Path;

const CONFIG_TEMPLATE: &str = include_str!("../../assets/demo/config.toml");
pub(crate) const LIBRARY_CSV: &str = include_str!("../../assets/demo/kirjasto.csv");
const TOWN_CSV: &str = include_str!("../../assets/demo/kaupunki.csv");

type CliResult = Result<(), CliError>;

/// `avain demo`'s options.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Generated accounts to add beside the hand-written ones.
    #[arg(long, default_value_t = 1000)]
    pub accounts: u64,
    /// Build the demo but do not open the console.
    #[arg(long)]
    pub no_console: bool,
    /// Delete an existing demo first.
    #[arg(long)]
    pub reset: bool,
}

pub async fn run(inv: &Invocation, args: &DemoArgs) -> CliResult {
    let overrides = PathOverrides {
        demo: true,
        ..inv.overrides.clone()
    };
    let inv = Invocation {
        overrides: overrides.clone(),
        ..inv.clone()
    };
    let dir = paths_demo_dir(&overrides);
    if args.reset && dir.exists() {
        std::fs::remove_dir_all(&dir)
            .map_err(|e| CliError::bad_input(format!("cannot remove {}: {e}", dir.display())))?;
    }
    write_config(&dir)?;
    let (config, paths) = load_config(&overrides)?;
    let services = crate::setup::create_installation(config, &paths, None, "Demo Admin").await?;
    let staff = crate::setup::identify(&inv, &services).await?;
    let tx = services
        .store
        .begin_read()
        .await
        .map_err(crate::service::ServiceError::from)?;
    let existing = accounts::count(&tx, None)
        .await
        .map_err(crate::service::ServiceError::from)?;
    tx.commit()
        .await
        .map_err(crate::service::ServiceError::from)?;
    if existing == 0 {
        seed(&services, &staff, args.accounts).await?;
        // The demo's mail goes to files in the demo folder.
        if let Ok(mailer) = services.delivery(&paths.mail_folder) {
            mailer.deliver_due(usize::MAX).await?;
        }
        outln!("demo database created in {}", dir.display());
    } else {
        outln!(
            "demo database in {} has {existing} accounts (use --reset to start over)",
            dir.display()
        );
    }
    if args.no_console {
        print_try_this();
        return Ok(());
    }
    open_console(&inv).await
}

fn write_config(dir: &Path) -> CliResult {
    let path = dir.join("config.toml");
    if path.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::bad_input(format!("cannot create {}: {e}", dir.display())))?;
    let text = CONFIG_TEMPLATE.replace(
        "{data_dir}",
        &dir.display()
            .to_string()
            .replace('\\', "\\\\")
            .replace('"', "\\\""),
    );
    std::fs::write(&path, text).map_err(|e| CliError::bad_input(format!("{}: {e}", path.display())))
}

/// Imports the hand-written accounts, adds the states an import cannot
/// carry (locks, links, attempts, notes), then the generated accounts.
async fn seed(s: &Services, staff: &Staff, generated: u64) -> CliResult {
    let quiet = |_: u64, _: u64| {};
    for (org, csv) in [("kirjasto", LIBRARY_CSV), ("kaupunki", TOWN_CSV)] {
        if let Err(errors) = s
            .import_accounts(staff, org, csv.as_bytes(), false, &quiet)
            .await?
        {
            return Err(CliError::bad_input(format!(
                "demo data for {org}: {}",
                errors[0]
            )));
        }
    }
    let err = crate::service::ServiceError::from;
    // Everyone with a credential date gets a (random, unknown) PIN or password.
    for org in &s.config.orgs {
        let secret = crate::domain::policy::generate(&org.credential);
        let hashed = s.hasher.hash(&secret);
        let tx = s.store.begin_write().await.map_err(err)?;
        bulk::fill_credentials(&tx, org.slug.as_str(), &hashed.phc, &hashed.key_id)
            .await
            .map_err(err)?;
        tx.commit().await.map_err(err)?;
    }
    // Locked after failed attempts in the old system.
    let tx = s.store.begin_write().await.map_err(err)?;
    for x in ["K0011", "T0007"] {
        let account = accounts::find_by_identifier(&tx, &staff.orgs, x)
            .await
            .map_err(err)?;
        if let Some(a) = account.first() {
            accounts::lock(&tx, a.id, "too_many_failures", 10, s.now())
                .await
                .map_err(err)?;
        }
    }
    tx.commit().await.map_err(err)?;
    add_history(s, staff).await?;
    if generated > 0 {
        add_generated(s, generated).await?;
    }
    Ok(())
}

/// Links, self-service requests, a note and an address change, so the
/// panes have something to show.
async fn add_history(s: &Services, staff: &Staff) -> CliResult {
    use crate::domain::link::LinkPurpose;
    let by_external = |x: &'static str| async move {
        let id = s.resolve_account(staff, x).await?.id;
        Ok::<i64, CliError>(id)
    };
    let reset = Some(LinkPurpose::Reset);
    s.send_link(staff, by_external("K0009").await?, reset)
        .await?;
    let first_login = Some(LinkPurpose::FirstLogin);
    s.send_link(staff, by_external("T0001").await?, first_login)
        .await?;
    let requests = [
        ("kirjasto", Some("2900100002"), "mikko.lehtonen@example.fi"),
        ("kirjasto", Some("2900100004"), "sari.m@posti.example"),
        ("kaupunki", None, "markku.h@mail.example"),
    ];
    for (org, card, email) in requests {
        s.self_service_request(org, card, email, Some("demo"))
            .await?;
    }
    let note = "Lost card replaced at the desk; patron will call back.";
    s.add_note(staff, by_external("K0005").await?, note).await?;
    let changed = by_external("K0014").await?;
    let new_email = "ossi.jokinen@example.com";
    s.change_email(staff, changed, new_email, IdentityCheck::InPerson, None)
        .await?;
    Ok(())
}

/// `generated` synthetic accounts across the organisations, for trying
/// search at size.
async fn add_generated(s: &Services, generated: u64) -> CliResult {
    let err = crate::service::ServiceError::from;
    let tx = s.store.begin_write().await.map_err(err)?;
    let first_id = accounts::max_id(&tx).await.map_err(err)? + 1;
    let orgs: Vec<(String, bool)> = s
        .config
        .orgs
        .iter()
        .map(|o| (o.slug.to_string(), o.uses_cards()))
        .collect();
    for chunk_start in (0..generated).step_by(50_000) {
        let n = (generated - chunk_start).min(50_000);
        let list = generate::accounts(first_id + chunk_start as i64, n, &orgs, 42 + chunk_start);
        bulk::insert_accounts(&tx, &list, s.now())
            .await
            .map_err(err)?;
    }
    tx.commit().await.map_err(err)?;
    bulk::fix_sequences(&s.store).await.map_err(err)?;
    Ok(())
}

fn print_try_this() {
    let avain = crate::setup::command_name();
    outln!(
        "try:\n  {avain} --demo search virta\n  {avain} --demo show 2900100002\n  \
         {avain} --demo verify --org kirjasto --card 2900100002 --email mikko.lehtonen@example.fi\n  \
         {avain} --demo link send 2900100009\n  {avain} --demo tokens 2900100009"
    );
    if avain != "avain" {
        outln!("(avain is not on your PATH: `cargo install --path .` puts it there)");
    }
}

/// Opens the console on the installation.
async fn open_console(inv: &Invocation) -> CliResult {
    if let Some(message) = crate::setup::open_console(inv).await? {
        outln!("{message}");
    }
    Ok(())
}

pub use generate::accounts as generated_accounts;
pub use generate::rare_surname_prefixes;
