//! `avain bench ssh`: many desks typing at once over SSH. Each session
//! logs in with a key, asks for a terminal, waits for the console's first
//! screen, then types searches key by key at a typist's pace; the time
//! from each key sent to the first screen update received is one sample.
//! Memory is the growth of the serving processes' resident size while the
//! sessions are open; idleness is the CPU those processes use, and the
//! bytes they send, while every session sits untouched.
//!
//! The same client measures `avain serve --ssh` and OpenSSH with
//! `ForceCommand avain` (one process per session), so `scripts/bench-ssh`
//! reports both side by side.

use crate::setup::Failure;
use crate::setup::stdout::outln;
use russh::ChannelMsg;
use russh::keys::{PrivateKeyWithHashAlg, load_secret_key};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, clap::Args)]
pub struct SshBenchArgs {
    /// The server's port on 127.0.0.1.
    #[arg(long)]
    pub port: u16,
    #[arg(long)]
    pub user: String,
    /// The private key file to log in with.
    #[arg(long)]
    pub key: std::path::PathBuf,
    /// Sessions open at once.
    #[arg(long, default_value_t = 50)]
    pub sessions: usize,
    /// Which processes serve them: `serve` (one `avain serve`) or
    /// `console` (one `avain` per session, as under ForceCommand).
    #[arg(long, default_value = "serve")]
    pub measure: String,
    /// A title for the report.
    #[arg(long, default_value = "avain serve --ssh")]
    pub label: String,
}

/// Time between keys, as a quick typist.
const TYPING: Duration = Duration::from_millis(120);
const QUERIES: [&str; 6] = [
    "virtanen", "korhonen", "2900", "nieminen", "mäkinen", "aino",
];

struct Client;

impl russh::client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        _key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        // Loopback, our own server: the host key is not what is measured.
        Ok(true)
    }
}

/// Resident memory of the serving processes, KiB: anonymous (heap,
/// stacks: what a session costs) and file-backed (mostly the SQLite file
/// mapped by each pooled connection: the kernel's page cache, shared, and
/// counted once per mapping).
#[derive(Clone, Copy, Default)]
struct Resident {
    anon: u64,
    file: u64,
}

/// Resident memory and CPU ticks of the serving processes.
fn serving(measure: &str) -> (Resident, u64) {
    let me = std::process::id().to_string();
    let mut rss = Resident::default();
    let mut ticks = 0;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name == me || !name.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).to_string())
            .collect();
        let is_avain = args
            .first()
            .is_some_and(|a| a.ends_with("/avain") || a == "avain");
        let wanted = match measure {
            "serve" => is_avain && args.iter().any(|a| a == "serve"),
            _ => is_avain && args.len() <= 3 && !args.iter().any(|a| a == "serve" || a == "bench"),
        };
        if !wanted {
            continue;
        }
        let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
        let kib = |field: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or(0)
        };
        rss.anon += kib("RssAnon:");
        rss.file += kib("RssFile:") + kib("RssShmem:");
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // Fields after the command name: utime is the 14th, stime the 15th.
        if let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) {
            let f: Vec<&str> = rest.split_whitespace().collect();
            ticks += f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            ticks += f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        }
    }
    (rss, ticks)
}

/// One open console, and the bytes it has received.
struct Console {
    channel: russh::Channel<russh::client::Msg>,
    _session: russh::client::Handle<Client>,
    received: u64,
}

impl Console {
    async fn open(args: &SshBenchArgs) -> anyhow::Result<Console> {
        let key = Arc::new(load_secret_key(&args.key, None)?);
        let config = Arc::new(russh::client::Config::default());
        let mut session = russh::client::connect(config, ("127.0.0.1", args.port), Client).await?;
        let auth = session
            .authenticate_publickey(&args.user, PrivateKeyWithHashAlg::new(key, None))
            .await?;
        anyhow::ensure!(auth.success(), "the key was refused");
        let channel = session.channel_open_session().await?;
        channel.set_env(false, "LANG", "en_GB.UTF-8").await?;
        channel
            .request_pty(true, "xterm-256color", 100, 30, 0, 0, &[])
            .await?;
        channel.request_shell(true).await?;
        let mut console = Console {
            channel,
            _session: session,
            received: 0,
        };
        // The first screen, then quiet.
        console.next_output(Duration::from_secs(30)).await?;
        console.drain(Duration::from_millis(300)).await;
        Ok(console)
    }

    /// Waits for the next screen bytes.
    async fn next_output(&mut self, limit: Duration) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            match tokio::time::timeout_at(deadline, self.channel.wait()).await {
                Ok(Some(ChannelMsg::Data { data })) => {
                    self.received += data.len() as u64;
                    return Ok(());
                }
                Ok(Some(ChannelMsg::ExitStatus { .. } | ChannelMsg::Close)) | Ok(None) => {
                    anyhow::bail!("the session ended")
                }
                Ok(Some(_)) => {}
                Err(_) => anyhow::bail!("no screen update in {limit:?}"),
            }
        }
    }

    /// Reads whatever arrives for `quiet`.
    async fn drain(&mut self, quiet: Duration) {
        while self.next_output(quiet).await.is_ok() {}
    }

    /// Types `keys` one by one; each key's time to the next screen update.
    async fn type_keys(&mut self, keys: &[Vec<u8>]) -> anyhow::Result<Vec<Duration>> {
        let mut samples = Vec::new();
        for key in keys {
            let start = Instant::now();
            self.channel.data_bytes(key.to_vec()).await?;
            self.next_output(Duration::from_secs(10)).await?;
            samples.push(start.elapsed());
            let rest = TYPING.saturating_sub(start.elapsed());
            self.drain(rest.max(Duration::from_millis(1))).await;
        }
        Ok(samples)
    }
}

/// `count` searches from the `first`th on, each typed and then deleted key
/// by key.
fn keystrokes(first: usize, count: usize) -> Vec<Vec<u8>> {
    let mut keys = Vec::new();
    for q in 0..count {
        let query = QUERIES[(first + q) % QUERIES.len()];
        keys.extend(query.chars().map(|ch| ch.to_string().into_bytes()));
        keys.extend(std::iter::repeat_n(vec![0x7f], query.chars().count()));
    }
    keys
}

pub async fn run(args: &SshBenchArgs) -> Result<(), Failure> {
    let fail = |e: anyhow::Error| Failure::bad_input(format!("bench ssh: {e:#}"));
    // One desk types every search first, so the database pages they touch
    // are cached before the baseline: that cache is shared by every
    // session, not what one more session costs.
    let mut warm = Console::open(args).await.map_err(fail)?;
    warm.type_keys(&keystrokes(0, QUERIES.len()))
        .await
        .map_err(fail)?;
    drop(warm);
    tokio::time::sleep(Duration::from_secs(1)).await;
    // The server alone, before any session: its own background work.
    let idle = Duration::from_secs(10);
    let (rss_before, ticks_alone_before) = serving(&args.measure);
    tokio::time::sleep(idle).await;
    let (_, ticks_alone_after) = serving(&args.measure);
    let mut consoles = Vec::new();
    for _ in 0..args.sessions {
        consoles.push(Console::open(args).await.map_err(fail)?);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (rss_open, _) = serving(&args.measure);
    // Everyone types at once.
    let typing = consoles.into_iter().enumerate().map(|(i, mut c)| {
        tokio::spawn(async move {
            let samples = c.type_keys(&keystrokes(i, 3)).await;
            (c, samples)
        })
    });
    let mut samples = Vec::new();
    let mut consoles = Vec::new();
    for t in typing.collect::<Vec<_>>() {
        let (c, s) = t.await.map_err(|e| fail(e.into()))?;
        samples.extend(s.map_err(fail)?);
        consoles.push(c);
    }
    let (rss_typed, _) = serving(&args.measure);
    // Idle: nothing typed for ten seconds.
    for c in &mut consoles {
        c.drain(Duration::from_millis(200)).await;
    }
    let bytes_before: u64 = consoles.iter().map(|c| c.received).sum();
    let (_, ticks_before) = serving(&args.measure);
    let idle_reads = consoles.iter_mut().map(|c| c.drain(idle));
    futures_util::future::join_all(idle_reads).await;
    let (_, ticks_after) = serving(&args.measure);
    let idle_bytes = consoles.iter().map(|c| c.received).sum::<u64>() - bytes_before;
    report(
        args,
        samples,
        Memory {
            before: rss_before,
            open: rss_open,
            typed: rss_typed,
        },
        Idle {
            alone_ticks: ticks_alone_after - ticks_alone_before,
            ticks: ticks_after - ticks_before,
            bytes: idle_bytes,
            span: idle,
        },
    );
    Ok(())
}

/// The serving processes' memory before any session, with every session
/// open at its first screen, and after everyone has typed.
struct Memory {
    before: Resident,
    open: Resident,
    typed: Resident,
}

/// CPU ticks over `span` with no session and with every session idle, and
/// the bytes sent to the idle sessions.
struct Idle {
    alone_ticks: u64,
    ticks: u64,
    bytes: u64,
    span: Duration,
}

fn report(args: &SshBenchArgs, mut samples: Vec<Duration>, memory: Memory, idle: Idle) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    let ms = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1000.0);
    let per_session = |rss: Resident| {
        rss.anon.saturating_sub(memory.before.anon) as f64 / args.sessions as f64 / 1024.0
    };
    let mapped = memory.typed.file.saturating_sub(memory.before.file) as f64 / 1024.0;
    outln!(
        "| {} | {} | {} | {} | {} | {:.2} / {:.2} MiB | {:.0} MiB | {} ticks alone, {} ticks and {} bytes with all idle, per {} s |",
        args.label,
        args.sessions,
        samples.len(),
        ms(at(0.5)),
        ms(at(0.99)),
        per_session(memory.open),
        per_session(memory.typed),
        mapped,
        idle.alone_ticks,
        idle.ticks,
        idle.bytes,
        idle.span.as_secs()
    );
}
