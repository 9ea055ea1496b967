//! The command line, as clap sees it.

pub use super::args_admin::{ImportCommand, OrgCommand, StatsArgs};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "avain",
    version,
    about = "Helpdesk console for people who cannot log in"
)]
pub struct Cli {
    /// Config file (default: AVAIN_CONFIG, then the platform's config folder).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Use the demo installation made by `avain demo`.
    #[arg(long, global = true)]
    pub demo: bool,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Staff login, for `auth.mode = "password"`.
    #[arg(long, global = true, value_name = "LOGIN")]
    pub staff: Option<String>,
    /// Language of the console: fi, sv or en.
    #[arg(long, global = true, value_name = "LANG")]
    pub lang: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build a demo database with synthetic accounts and open it.
    Demo(crate::demo::DemoArgs),
    /// Set up a new installation: config, pepper, database, first admin.
    Init(InitArgs),
    /// Apply pending database migrations.
    Migrate,
    /// Check the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Find accounts by card, email, phone, login or name (prefixes).
    Search(SearchArgs),
    /// Show one account: cards, old addresses, links, attempts, notes.
    Show(ShowArgs),
    /// Check a card number + email exactly as the self-service form would.
    Verify(VerifyArgs),
    /// Send or revoke reset links.
    #[command(subcommand)]
    Link(LinkCommand),
    /// Every link issued for an account and its mail.
    Tokens(AccountArg),
    /// Set a PIN (or password) at the desk.
    #[command(subcommand, visible_alias = "password")]
    Pin(PinCommand),
    /// Change the email on file.
    #[command(subcommand)]
    Email(EmailCommand),
    /// Unlock an account.
    Unlock(UnlockArgs),
    /// Add a contact note to an account.
    Note(NoteArgs),
    /// Use a link's token to set a new PIN/password (read from stdin).
    Redeem(RedeemArgs),
    /// Submit the self-service form as a patron would.
    Selfservice(SelfServiceArgs),
    /// Manage staff (admin).
    #[command(subcommand)]
    Staff(StaffCommand),
    /// The SSH door: its host key, and the consoles open through it.
    #[command(subcommand)]
    Ssh(SshCommand),
    /// Why resets fail: attempts by cause per day, links, mail, time to a
    /// new PIN, desk work (`--json`, or `--csv` for a spreadsheet).
    Stats(StatsArgs),
    /// Organisations: those configured and those the database holds (admin).
    #[command(subcommand)]
    Org(OrgCommand),
    /// Read or verify the audit chain.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Check the database after a crash or restore: integrity, links and
    /// their mail, credentials, the audit chain (admin).
    Check,
    /// A consistent copy of the SQLite database while desks keep working
    /// (admin; never the pepper, which is kept apart).
    Backup {
        /// Where to write the copy (must not exist).
        file: std::path::PathBuf,
    },
    /// Import data.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Mails queued, sent and failed.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Queue set-password invitations for every account awaiting first login.
    Invite(InviteArgs),
    /// Read an organisation's directory (LDAP, Koha, Keycloak) into avain.
    Sync(SyncArgs),
    /// The organisations' systems of record.
    #[command(subcommand)]
    Directory(DirectoryCommand),
    /// Serve the patron pages (forgot PIN, first login, mailed links) and send mail.
    Serve(ServeArgs),
    /// Print shell completions.
    Completions(CompletionsArgs),
    /// Measure search and mail speed on generated accounts.
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    #[arg(long)]
    pub org: String,
    /// Read every entry (finds removed ones), not only the changes.
    #[arg(long)]
    pub full: bool,
    /// Read and compare, change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Subcommand)]
pub enum DirectoryCommand {
    /// Connect, authenticate and read a first page, with timings.
    Test {
        #[arg(long)]
        org: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address for the patron pages (default: [web] listen, else
    /// 127.0.0.1:8080).
    #[arg(long)]
    pub listen: Option<String>,
    /// Also serve the console over SSH on this address (default: [ssh]
    /// listen, if set), e.g. 0.0.0.0:2222.
    #[arg(long)]
    pub ssh: Option<String>,
    /// Serve no patron pages (only SSH).
    #[arg(long)]
    pub no_pages: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The first admin's login (default: the current Unix user).
    #[arg(long)]
    pub admin: Option<String>,
    /// The first admin's name.
    #[arg(long, default_value = "Administrator")]
    pub name: String,
    /// For a new configuration: the data folder written into it.
    #[arg(long, value_name = "PATH")]
    pub data_dir: Option<std::path::PathBuf>,
    /// For a new configuration, one per organisation:
    /// 'slug=kirjasto,name=City Library,credential=pin,language=fi,link=https://avain.kirjasto.fi'
    /// (credential: pin, pin:6, password, password:14). Without it, init
    /// asks on a terminal, or writes the example configuration.
    #[arg(long = "org", value_name = "SPEC")]
    pub orgs: Vec<String>,
    /// For a new configuration: the SMTP server (smtp://host:587?tls=required;
    /// a password belongs in the file, not here). Default: mail into files.
    #[arg(long, value_name = "URL")]
    pub mail_url: Option<String>,
    /// For a new configuration: the mails' sender.
    #[arg(long, value_name = "ADDRESS")]
    pub sender: Option<String>,
    /// Write the example configuration without asking.
    #[arg(long, conflicts_with = "orgs")]
    pub example: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate the configuration and print it with secrets hidden.
    Check,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    pub query: String,
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RevealArg {
    Email,
    Phone,
    Card,
}

#[derive(Debug, Args)]
pub struct AccountArg {
    /// Card number, login, external id, or #ID.
    pub account: String,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Card number, login, external id, or #ID.
    pub account: String,
    /// Show one masked field in full (audited).
    #[arg(long, value_enum)]
    pub reveal: Option<RevealArg>,
    /// Read the account from its directory first.
    #[arg(long)]
    pub refresh: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The organisation (default: the first of yours that knows the card
    /// or the email).
    #[arg(long)]
    pub org: Option<String>,
    /// The card number as the caller says it.
    #[arg(long, allow_hyphen_values = true)]
    pub card: Option<String>,
    /// The email as the caller says it.
    #[arg(long, allow_hyphen_values = true)]
    pub email: String,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PurposeArg {
    Reset,
    FirstLogin,
}

#[derive(Debug, Subcommand)]
pub enum LinkCommand {
    /// Send a new link (older links of the purpose are revoked).
    Send {
        account: String,
        /// Default: a first-login link for an email-login account awaiting
        /// its first login, else a reset link.
        #[arg(long, value_enum)]
        purpose: Option<PurposeArg>,
    },
    /// Revoke one link by its id (see `avain tokens`).
    Revoke { link_id: i64 },
}

#[derive(Debug, Subcommand)]
pub enum PinCommand {
    /// Set a new PIN/password: typed twice, or --generate.
    Set {
        account: String,
        /// Generate one and show it once.
        #[arg(long)]
        generate: bool,
    },
    /// Check a PIN/password the patron says (read from the terminal or
    /// stdin) against the stored one; exit 0 if it matches, 1 if not.
    Test { account: String },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CheckedByArg {
    InPerson,
    PhoneCallback,
    Other,
}

#[derive(Debug, Subcommand)]
pub enum EmailCommand {
    /// Replace the email on file after checking the caller's identity.
    Set {
        account: String,
        new_email: String,
        #[arg(long, value_enum)]
        checked_by: CheckedByArg,
        /// How identity was checked (required with `other`).
        #[arg(long)]
        note: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct UnlockArgs {
    pub account: String,
    #[arg(long)]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct NoteArgs {
    pub account: String,
    pub text: String,
}

#[derive(Debug, Args)]
pub struct RedeemArgs {
    /// The link or its token (the part after /link/). `-` reads it from
    /// standard input (its first line, then the new value once or twice),
    /// which keeps a live token out of the process list.
    pub token: String,
}

#[derive(Debug, Args)]
pub struct SelfServiceArgs {
    #[arg(long)]
    pub org: String,
    #[arg(long, allow_hyphen_values = true)]
    pub card: Option<String>,
    #[arg(long, allow_hyphen_values = true)]
    pub email: String,
    /// Client address recorded with the attempt.
    #[arg(long)]
    pub client: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Desk,
    Admin,
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Add a staff member.
    Add {
        login: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum, default_value = "desk")]
        role: RoleArg,
        /// Organisation slug (repeat for several).
        #[arg(long = "org")]
        orgs: Vec<String>,
        /// Ask for a password (for auth.mode = "password").
        #[arg(long)]
        password: bool,
    },
    /// List staff.
    List,
    /// Disable a staff member (their SSH consoles end within seconds).
    Disable { login: String },
    /// A staff member's SSH keys.
    #[command(subcommand)]
    Key(StaffKeyCommand),
}

#[derive(Debug, Subcommand)]
pub enum StaffKeyCommand {
    /// Let a key log in as LOGIN over SSH.
    Add {
        login: String,
        /// The OpenSSH public key line (the .pub file's), or `-` to read it
        /// from standard input.
        #[arg(allow_hyphen_values = true)]
        key: String,
    },
    /// A staff member's keys and their fingerprints.
    List { login: String },
    /// Remove a key (its open sessions end within seconds).
    Remove { login: String, fingerprint: String },
}

#[derive(Debug, Subcommand)]
pub enum SshCommand {
    /// The server's host key fingerprint, for desks to check on first connect.
    HostKey,
    /// Consoles open through SSH now (admin).
    Sessions,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Newest audit rows.
    List {
        #[arg(long)]
        account: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u64,
    },
    /// Check the whole chain for altered, inserted or deleted rows.
    Verify,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Search latency at several sizes, beside a LIKE scan.
    Search(crate::bench::BenchArgs),
    /// Bulk invitations queued, and delivery to an SMTP server.
    Mail(crate::bench::MailBenchArgs),
    /// Console cold start and keystroke-to-results time.
    Console(crate::bench::ConsoleBenchArgs),
    /// Act like a busy desk on the configured database (one JSON line per
    /// action); run many at once to load one database from many processes.
    Desk(crate::bench::DeskBenchArgs),
    /// Opening accounts of a directory-backed organisation: each is read
    /// from the directory first (JSON: p50, p99).
    Refresh(crate::bench::directory::RefreshBenchArgs),
    /// The patron pages under load: one server, many clients (p50, p99,
    /// errors, lost attempts).
    Web(crate::bench::web::WebBenchArgs),
    /// Many desks typing at once over SSH (keystroke to screen, memory
    /// per session, idle CPU).
    Ssh(crate::bench::ssh::SshBenchArgs),
    /// The statistics read on a year of history (pane and `avain stats`).
    Stats(crate::bench::stats::StatsBenchArgs),
    /// CSV import of generated rows beside a plain-SQL baseline, then
    /// again with a tenth changed (and into PostgreSQL/MariaDB if given).
    Import(crate::bench::import::ImportBenchArgs),
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Newest mails, optionally of one status (queued, sent, failed, cancelled).
    List {
        #[arg(long)]
        status: Option<crate::domain::OutboxStatus>,
        #[arg(long, default_value_t = 50)]
        limit: u64,
    },
    /// Deliver due mails: continuously, or one pass with --once.
    Run {
        #[arg(long)]
        once: bool,
    },
    /// Make mail waiting for a retry due now (after a mail server outage).
    Retry,
    /// One mail; --reveal prints the link in it (audited).
    Show {
        id: i64,
        #[arg(long)]
        reveal: bool,
    },
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct InviteArgs {
    #[command(subcommand)]
    pub command: Option<InviteCommand>,
    #[arg(long)]
    pub org: Option<String>,
    /// Count what would be queued; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Subcommand)]
pub enum InviteCommand {
    /// Queued, sent, failed, used and expired invitations.
    Stats {
        #[arg(long)]
        org: String,
    },
}
