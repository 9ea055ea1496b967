//! The loaded texts in Finnish, Swedish and English. Each language is a
//! TOML file under `assets/i18n/`; a key missing from any of them fails a
//! test, and a key missing at run time shows as itself, never a crash.

use crate::config::Language;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

const FI: &str = include_str!("../../assets/i18n/fi.toml");
const SV: &str = include_str!("../../assets/i18n/sv.toml");
const EN: &str = include_str!("../../assets/i18n/en.toml");

/// The source text of a language's file.
pub fn source(lang: Language) -> &'static str {
    match lang {
        Language::Fi => FI,
        Language::Sv => SV,
        Language::En => EN,
    }
}

/// Every string of one language, by dotted key ("reason.case_differs").
/// Cheap to make: each language's file is read once per process.
#[derive(Debug, Clone)]
pub struct Texts {
    pub lang: Language,
    map: Arc<HashMap<String, String>>,
}

impl Texts {
    pub fn new(lang: Language) -> Texts {
        static LOADED: [OnceLock<Arc<HashMap<String, String>>>; 3] =
            [OnceLock::new(), OnceLock::new(), OnceLock::new()];
        let slot = match lang {
            Language::Fi => 0,
            Language::Sv => 1,
            Language::En => 2,
        };
        let map = LOADED[slot].get_or_init(|| {
            Arc::new(flatten(source(lang)).unwrap_or_else(|e| {
                tracing::error!("assets/i18n/{}.toml: {e}", lang.code());
                HashMap::new()
            }))
        });
        Texts {
            lang,
            map: map.clone(),
        }
    }

    /// The text for `key`, or the key itself when it is missing.
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.map.get(key).map(String::as_str).unwrap_or(key)
    }

    /// The text for `key` with `{name}` placeholders filled in.
    pub fn f(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut text = self.t(key).to_string();
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }
}

/// Reads a language file into dotted keys.
pub fn flatten(source: &str) -> Result<HashMap<String, String>, String> {
    let table: toml::Table = toml::from_str(source).map_err(|e| e.to_string())?;
    let mut map = HashMap::new();
    walk("", &table, &mut map)?;
    Ok(map)
}

fn walk(
    prefix: &str,
    table: &toml::Table,
    out: &mut HashMap<String, String>,
) -> Result<(), String> {
    for (key, value) in table {
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::String(s) => {
                out.insert(full, s.clone());
            }
            toml::Value::Table(t) => walk(&full, t, out)?,
            _ => return Err(format!("{full}: not a string")),
        }
    }
    Ok(())
}

/// The language: `--lang`, then `[ui] language`, then `LANG` (fi or sv),
/// then English.
pub fn choose_language(flag: Option<&str>, configured: Option<Language>) -> Language {
    choose_language_from(flag, configured, |name| std::env::var(name).ok())
}

/// `choose_language` with the environment given: the first of LC_ALL,
/// LC_MESSAGES and LANG that is set decides, as for any program; a locale
/// that is neither Finnish nor Swedish (C.UTF-8, en_GB) means English.
pub fn choose_language_from(
    flag: Option<&str>,
    configured: Option<Language>,
    env: impl Fn(&str) -> Option<String>,
) -> Language {
    flag.and_then(Language::from_locale)
        .or(configured)
        .or_else(|| {
            ["LC_ALL", "LC_MESSAGES", "LANG"]
                .iter()
                .filter_map(|v| env(v))
                .find(|v| !v.is_empty())
                .and_then(|v| Language::from_locale(&v))
        })
        .unwrap_or(Language::En)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn placeholders(text: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut rest = text;
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            out.insert(rest[start + 1..start + len].to_string());
            rest = &rest[start + len + 1..];
        }
        out
    }

    #[test]
    fn every_language_has_every_key_with_the_same_placeholders() {
        let maps: Vec<(Language, HashMap<String, String>)> = Language::ALL
            .iter()
            .map(|&l| (l, flatten(source(l)).expect("language file parses")))
            .collect();
        let all_keys: BTreeSet<&String> = maps.iter().flat_map(|(_, m)| m.keys()).collect();
        let mut problems = Vec::new();
        for key in &all_keys {
            let reference = maps
                .iter()
                .find_map(|(_, m)| m.get(*key))
                .map(|t| placeholders(t))
                .unwrap_or_default();
            for (lang, map) in &maps {
                match map.get(*key) {
                    None => problems.push(format!("{}: missing {key}", lang.code())),
                    Some(t) if t.trim().is_empty() => {
                        problems.push(format!("{}: empty {key}", lang.code()))
                    }
                    Some(t) if placeholders(t) != reference => {
                        problems.push(format!("{}: {key} has other placeholders", lang.code()))
                    }
                    _ => {}
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// Every key written in the doors' and the services' code exists.
    #[test]
    fn every_key_used_in_the_code_exists() {
        let en = flatten(source(Language::En)).unwrap();
        let mut missing = Vec::new();
        let mut used = 0;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let files = [
            "src/tui",
            "src/web",
            "src/text",
            "src/cli",
            "src/service",
            "src/ssh",
        ]
        .iter()
        .map(|d| root.join(d))
        .filter(|d| d.exists())
        .flat_map(|d| rust_files(&d));
        for file in files {
            if file.ends_with("texts.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            // The pages name their keys as plain "web.…" literals.
            for (pattern, prefix) in [
                (".t(\"", ""),
                (".f(\"", ""),
                ("key: \"", ""),
                ("desc: \"", ""),
                ("\"web.", "web."),
            ] {
                for (at, _) in text.match_indices(pattern) {
                    let rest = &text[at + pattern.len()..];
                    let key = &format!("{prefix}{}", &rest[..rest.find('"').unwrap_or(0)]);
                    if key.contains('.') && !key.contains(' ') {
                        used += 1;
                        if !en.contains_key(key) {
                            missing.push(format!("{}: {key}", file.display()));
                        }
                    }
                }
            }
        }
        assert!(used > 50, "found only {used} keys: is the scan broken?");
        assert!(missing.is_empty(), "{}", missing.join("\n"));
    }

    fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(rust_files(&path));
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
        out
    }

    #[test]
    fn language_choice_order() {
        assert_eq!(
            choose_language(Some("sv"), Some(Language::En)),
            Language::Sv
        );
        assert_eq!(choose_language(None, Some(Language::En)), Language::En);
        assert_eq!(
            choose_language(Some("xx"), Some(Language::En)),
            Language::En
        );
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let from = |pairs| choose_language_from(None, None, env(pairs));
        assert_eq!(from(&[("LANG", "C.UTF-8")]), Language::En);
        assert_eq!(from(&[("LANG", "fi_FI.UTF-8")]), Language::Fi);
        assert_eq!(from(&[("LANG", "sv_FI.UTF-8")]), Language::Sv);
        assert_eq!(
            from(&[("LC_ALL", "C.UTF-8"), ("LANG", "fi_FI.UTF-8")]),
            Language::En
        );
        assert_eq!(from(&[("LC_ALL", ""), ("LANG", "sv_SE")]), Language::Sv);
        assert_eq!(from(&[]), Language::En);
        // The configuration wins over the environment, the flag over both.
        let configured = choose_language_from(None, Some(Language::Sv), env(&[("LANG", "fi")]));
        assert_eq!(configured, Language::Sv);
    }

    #[test]
    fn missing_key_shows_itself_and_placeholders_fill() {
        let texts = Texts::new(Language::En);
        assert_eq!(texts.t("no.such.key"), "no.such.key");
        assert!(
            texts
                .f("status.link_sent", &[("to", "x@y")])
                .contains("x@y")
        );
    }
}
