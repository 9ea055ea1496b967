//! The configuration `avain init` writes: from the questions it asks on a
//! terminal, or from its flags in a script. Each answer is checked when it
//! is given (a bad slug is asked again, a bad flag names itself), and the
//! whole text is parsed once more before it is written.

use crate::config::{BaseUrl, Config, Slug};
use crate::domain::Language;
use std::io::{BufRead, Write};
use std::path::PathBuf;

/// One organisation as `init` is told about it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgAnswer {
    pub slug: String,
    pub name: String,
    /// `pin` with its digits, or `password` with its minimum length.
    pub credential: Credential,
    pub language: Language,
    pub link_base_url: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Credential {
    Pin(u8),
    Password(u8),
}

/// Everything a new configuration needs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InitAnswers {
    pub data_dir: Option<PathBuf>,
    pub orgs: Vec<OrgAnswer>,
    /// An SMTP URL; `None` writes mail into files.
    pub mail_url: Option<String>,
    pub sender: Option<String>,
}

fn credential(text: &str) -> Result<Credential, String> {
    let (kind, n) = text.split_once(':').unwrap_or((text, ""));
    let n = |default: u8| match n {
        "" => Ok(default),
        n => n
            .parse::<u8>()
            .map_err(|_| format!("{text:?}: the number after ':' is not a length")),
    };
    match kind.trim().to_ascii_lowercase().as_str() {
        "pin" => Ok(Credential::Pin(n(4)?)),
        "password" => Ok(Credential::Password(n(12)?)),
        _ => Err(format!(
            "{text:?} is not a credential: write pin, pin:6, password or password:14"
        )),
    }
}

fn language(text: &str) -> Result<Language, String> {
    match text.trim() {
        "fi" => Ok(Language::Fi),
        "sv" => Ok(Language::Sv),
        "en" => Ok(Language::En),
        other => Err(format!("{other:?} is not a language: write fi, sv or en")),
    }
}

fn slug(text: &str) -> Result<String, String> {
    Slug::try_from(text.trim().to_string()).map(|s| s.as_str().to_string())
}

fn base_url(text: &str) -> Result<String, String> {
    BaseUrl::try_from(text.trim().to_string()).map(String::from)
}

/// `--org 'slug=kirjasto,name=City Library,credential=pin,language=fi,link=https://…'`.
pub fn parse_org_spec(spec: &str) -> Result<OrgAnswer, String> {
    let mut fields = std::collections::BTreeMap::new();
    for part in spec.split(',') {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| format!("--org: {part:?} is not key=value"))?;
        fields.insert(k.trim().to_string(), v.trim().to_string());
    }
    let known = ["slug", "name", "credential", "language", "link"];
    if let Some(k) = fields.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(format!(
            "--org: unknown key {k:?} (keys: {})",
            known.join(", ")
        ));
    }
    let get = |k: &str| {
        fields
            .get(k)
            .cloned()
            .ok_or_else(|| format!("--org {spec:?}: {k}=… is missing"))
    };
    let named = |k: &'static str| move |e: String| format!("--org {k}: {e}");
    let lang = fields.get("language").map_or("fi", String::as_str);
    Ok(OrgAnswer {
        slug: slug(&get("slug")?).map_err(named("slug"))?,
        name: get("name")?,
        credential: credential(&get("credential")?).map_err(named("credential"))?,
        language: language(lang).map_err(named("language"))?,
        link_base_url: base_url(&get("link")?).map_err(named("link"))?,
    })
}

/// A TOML string, quoted and escaped.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The configuration text for `answers`, with the same comments as the
/// example for the keys it sets.
pub fn config_text(a: &InitAnswers) -> String {
    let mut out = String::from(
        "# avain configuration, written by `avain init`. Every key is explained in\n\
         # config.toml.example; check this file with `avain config check`.\n\n",
    );
    if let Some(dir) = &a.data_dir {
        out += "# Folder for the database, the pepper, mail files and logs.\n";
        out += &format!("data_dir = {}\n\n", quoted(&dir.display().to_string()));
    }
    out += "[mail]\n";
    match &a.mail_url {
        Some(url) => {
            out += "transport = \"smtp\"\n";
            out += &format!("url = {}\n", quoted(url));
        }
        None => {
            out += "# Mail is written into files in `folder` until an SMTP server is set.\ntransport = \"file\"\nfolder = \"mail\"\n"
        }
    }
    let sender = a
        .sender
        .clone()
        .unwrap_or_else(|| "avain <noreply@localhost>".into());
    out += &format!("sender = {}\n", quoted(&sender));
    for org in &a.orgs {
        out += "\n[[org]]\n";
        out += &format!("slug = {}\n", quoted(&org.slug));
        out += &format!("name = {}\n", quoted(&org.name));
        out += &match org.credential {
            Credential::Pin(d) => format!("credential = {{ kind = \"pin\", digits = {d} }}\n"),
            Credential::Password(n) => {
                format!("credential = {{ kind = \"password\", min_length = {n} }}\n")
            }
        };
        out += &format!("language = {}\n", quoted(org.language.code()));
        out += "# Where mailed links point: the address of `avain serve` as patrons see it.\n";
        out += &format!("link_base_url = {}\n", quoted(&org.link_base_url));
    }
    out
}

/// Asks for each answer on `input`, writing questions to `output`; a bad
/// answer is explained and asked again. Empty answers take the default
/// shown in brackets.
pub fn ask(
    input: &mut dyn BufRead,
    output: &mut dyn Write,
    default_data_dir: &std::path::Path,
) -> std::io::Result<InitAnswers> {
    let mut q = Questions { input, output };
    let data_dir = q.ask(
        "Data folder (database, pepper, mail, logs)",
        Some(&default_data_dir.display().to_string()),
        |t| Ok(PathBuf::from(t)),
    )?;
    let mut orgs: Vec<OrgAnswer> = Vec::new();
    loop {
        let n = orgs.len() + 1;
        writeln!(q.output, "Organisation {n}")?;
        let slug = q.ask(
            "  Short name, used in commands (e.g. kirjasto)",
            None,
            |t| {
                let s = slug(t)?;
                if orgs.iter().any(|o| o.slug == s) {
                    return Err(format!("{s:?} is already used"));
                }
                Ok(s)
            },
        )?;
        let name = q.ask("  Name shown to patrons", None, |t| Ok(t.to_string()))?;
        let credential = q.ask(
            "  Patrons log in with: pin, pin:6, password, password:14",
            Some("pin"),
            credential,
        )?;
        let language = q.ask(
            "  Language of its mails and pages (fi, sv, en)",
            Some("fi"),
            language,
        )?;
        let link_base_url = q.ask(
            "  Address of the patron pages as patrons see it (https://…)",
            None,
            base_url,
        )?;
        orgs.push(OrgAnswer {
            slug,
            name,
            credential,
            language,
            link_base_url,
        });
        let more = q.ask("Another organisation? (y/n)", Some("n"), |t| {
            Ok(t.eq_ignore_ascii_case("y") || t.eq_ignore_ascii_case("yes"))
        })?;
        if !more {
            break;
        }
    }
    let mail_url = q.ask(
        "SMTP server (smtp://host:587?tls=required), empty: write mail into files",
        Some(""),
        |t| Ok(t.to_string()),
    )?;
    let sender = q.ask(
        "Sender of mails (e.g. Library <noreply@library.fi>)",
        Some("avain <noreply@localhost>"),
        |t| {
            if t.contains('@') {
                Ok(t.to_string())
            } else {
                Err("an address has an @".into())
            }
        },
    )?;
    Ok(InitAnswers {
        data_dir: Some(data_dir),
        orgs,
        mail_url: (!mail_url.is_empty()).then_some(mail_url),
        sender: Some(sender),
    })
}

struct Questions<'a> {
    input: &'a mut dyn BufRead,
    output: &'a mut dyn Write,
}

impl Questions<'_> {
    fn ask<T>(
        &mut self,
        question: &str,
        default: Option<&str>,
        check: impl Fn(&str) -> Result<T, String>,
    ) -> std::io::Result<T> {
        loop {
            match default {
                Some(d) if !d.is_empty() => write!(self.output, "{question} [{d}]: ")?,
                _ => write!(self.output, "{question}: ")?,
            }
            self.output.flush()?;
            let mut line = String::new();
            // A line of at most 4 KiB: a pasted file is not an answer.
            if std::io::Read::take(&mut *self.input, 4096).read_line(&mut line)? == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "no answer (input ended)",
                ));
            }
            let answer = match line.trim() {
                "" => default.unwrap_or(""),
                t => t,
            };
            if answer.is_empty() && default.is_none() {
                writeln!(self.output, "  (an answer is needed)")?;
                continue;
            }
            match check(answer) {
                Ok(v) => return Ok(v),
                Err(e) => writeln!(self.output, "  {e}")?,
            }
        }
    }
}

/// Parses the text as the real loader would, so `init` never writes a
/// configuration `config check` would refuse.
pub fn checked(text: &str) -> Result<Config, String> {
    Config::parse(text)
}

#[cfg(test)]
#[path = "new_config_tests.rs"]
mod tests;
