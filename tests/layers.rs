//! The import direction of the crate, as the README's "Layout" draws it:
//!
//! ```text
//! main → cli → {demo, bench} → setup → {tui, web, ssh} → service
//!      → {store, directory, mail, text} → {config, secrets, clock} → domain
//! ```
//!
//! Each top-level module may name only the modules listed for it below.
//! The test reads every `crate::…` path in the module's files (test-only
//! files and `#[cfg(test)]` blocks at the end of a file are left out: a
//! test may reach across layers to set things up).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What each top-level module may import from the crate.
const ALLOWED: &[(&str, &[&str])] = &[
    ("domain", &[]),
    ("clock", &[]),
    ("secrets", &["domain"]),
    ("config", &["domain"]),
    ("logging", &["config"]),
    ("text", &["config", "domain"]),
    ("store", &["domain", "secrets", "clock"]),
    ("mail", &["config", "text", "domain"]),
    (
        "directory",
        &["config", "secrets", "clock", "domain", "text"],
    ),
    (
        "service",
        &[
            "store",
            "directory",
            "mail",
            "text",
            "config",
            "secrets",
            "clock",
            "domain",
        ],
    ),
    ("tui", &["service", "text", "config", "clock", "domain"]),
    ("web", &["service", "text", "config", "clock", "domain"]),
    (
        "ssh",
        &["tui", "service", "text", "config", "clock", "domain"],
    ),
    (
        "setup",
        &[
            "tui", "web", "ssh", "service", "text", "config", "secrets", "clock", "domain",
            "logging",
        ],
    ),
    (
        "demo",
        &[
            "setup", "tui", "service", "store", "text", "config", "secrets", "clock", "domain",
        ],
    ),
    (
        "bench",
        &[
            "setup", "demo", "tui", "web", "service", "store", "mail", "text", "config", "secrets",
            "clock", "domain",
        ],
    ),
    (
        "cli",
        &[
            "setup", "demo", "bench", "tui", "web", "ssh", "service", "text", "config", "secrets",
            "clock", "domain", "logging",
        ],
    ),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
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

/// Test-only files: a test may set up across layers.
fn is_test_file(path: &Path) -> bool {
    let name = path.file_name().unwrap().to_string_lossy();
    name.ends_with("_tests.rs") || name == "fixtures.rs"
}

/// Every `crate::NAME` a source text names, outside its trailing tests.
fn crate_modules_named(text: &str) -> BTreeSet<String> {
    let code = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    let mut named = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        // `$crate::` in a macro is the crate itself, not a module path.
        if code[..at].ends_with('$') {
            continue;
        }
        let rest = &code[at + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            named.insert(name);
        }
    }
    // `use crate::{a, b::c}` groups.
    for (at, _) in code.match_indices("crate::{") {
        let rest = &code[at + "crate::{".len()..];
        let group = &rest[..rest.find('}').unwrap_or(0)];
        for item in group.split(',') {
            let name: String = item
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                named.insert(name);
            }
        }
    }
    named
}

/// The modules each top-level module imports that it may not, by file.
fn violations() -> Vec<String> {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut found = Vec::new();
    let root = src();
    let mut top: Vec<(String, Vec<PathBuf>)> = Vec::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if ["lib", "main"].contains(&name.as_str()) {
            continue;
        }
        let files = if path.is_dir() {
            rust_files(&path)
        } else {
            vec![path]
        };
        top.push((name, files));
    }
    for (module, files) in top {
        let Some(may) = allowed.get(module.as_str()) else {
            found.push(format!(
                "src/{module}: a top-level module the layer table does not know"
            ));
            continue;
        };
        for file in files.iter().filter(|f| !is_test_file(f)) {
            let text = std::fs::read_to_string(file).unwrap();
            for name in crate_modules_named(&text) {
                let known = allowed.contains_key(name.as_str());
                if known && name != module && !may.contains(&name.as_str()) {
                    found.push(format!(
                        "{}: `{module}` may not import `{name}`",
                        file.strip_prefix(&root).unwrap().display()
                    ));
                }
            }
        }
    }
    found
}

#[test]
fn every_import_follows_the_layers() {
    let found = violations();
    assert!(
        found.is_empty(),
        "imports against the layers:\n{}",
        found.join("\n")
    );
}

#[test]
fn only_main_uses_the_command_line() {
    for (module, may) in ALLOWED {
        assert!(
            *module == "cli" || !may.contains(&"cli"),
            "{module} may not import cli"
        );
    }
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    assert!(!crate_modules_named(&lib).contains("cli"));
}

#[test]
fn the_scan_sees_imports_in_every_form() {
    let text = "use crate::store::Tx;\nuse crate::{config::Config, text};\nfn f() { crate::tui::run(); }\nmacro_rules! m { () => { $crate::domain::x } }\n#[cfg(test)]\nmod tests { use crate::cli::Cli; }\n";
    let named = crate_modules_named(text);
    assert_eq!(
        named,
        ["config", "store", "text", "tui"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
}
