//! Hostile records, end to end: a CSV of terminal escapes, bidi overrides,
//! zero-width and combining characters, emoji, SQL-looking text, invalid
//! UTF-8 and a 1 MB name goes through the real import into a real database,
//! and what the service layer reads back is drawn at many sizes. The screen
//! must never carry a control or format character, every row must be
//! exactly as wide as the terminal, and nothing may panic.

use super::app::{App, Pane};
use super::fixtures;
use super::view;
use crate::clock::ManualClock;
use crate::config::{Config, Language};
use crate::domain::sanitize::is_unsafe;
use crate::secrets::Pepper;
use crate::service::import::{CsvInput, ImportOptions};
use crate::service::{AccountDetail, AccountSummary, Services, Staff};
use crate::store::Store;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use std::sync::Arc;
use unicode_width::UnicodeWidthStr;

/// Card numbers of the fixture start with this.
const CARD_PREFIX: &str = "3900000";

/// The hostile names, each with a card number; none of them is a bad row.
fn hostile_names() -> Vec<&'static str> {
    vec![
        "Eve \u{1b}[2J\u{1b}[H Clearscreen",
        "Osc \u{1b}]52;c;cm0gLXJmIH4=\u{7} Clipboard",
        "Csi \u{9b}31m EightBit",
        "Dcs \u{1b}P1$r\u{1b}\\ Device",
        "\u{202e}gnp.exe Bidi \u{2067}isolate\u{2069}",
        "Zero\u{200b}Width\u{200d}Joiner\u{feff}Bom",
        "Robert'); DROP TABLE account;-- Tables",
        "Emoji 👩\u{200d}👩\u{200d}👧 🇫🇮 Family",
        "Zalgo Z\u{338}\u{322}\u{31b}\u{324}\u{329}\u{34e}a\u{335}\u{322}l\u{337}g\u{338}o\u{336}",
        "\u{301}\u{302}Leading Combining",
        "Wide 山田太郎 Kanji",
        "Del \u{7f} Backspace\u{8}\u{8}",
        "Two\nLines\rReturn\tTab",
        "\u{2028}Separator\u{2029}Paragraph",
    ]
}

fn csv_field(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// The fixture file: the hostile names, then a row that is not UTF-8 and a
/// row with a 1 MB name. Returns the bytes and the lines of the two bad rows.
fn hostile_csv() -> (Vec<u8>, u64, u64) {
    let mut out = b"full_name,email,card_number,phone\n".to_vec();
    let mut line = 1;
    for (i, name) in hostile_names().iter().enumerate() {
        let email = if i == 6 {
            "o'brien--@example.fi".to_string()
        } else {
            format!("hostile{i}@example.fi")
        };
        out.extend_from_slice(
            format!(
                "{},{email},{CARD_PREFIX}{:03},\"040 000 {i:04}\"\n",
                csv_field(name),
                i + 1
            )
            .as_bytes(),
        );
        // A quoted newline makes a record two lines long.
        line += 1 + name.matches('\n').count() as u64;
    }
    out.extend_from_slice(b"Bad \xff\xfe Bytes,bytes@example.fi,3900000901,\n");
    let invalid_line = line + 1;
    let huge = "M".repeat(1 << 20);
    out.extend_from_slice(format!("{huge},huge@example.fi,3900000902,\n").as_bytes());
    (out, invalid_line, invalid_line + 1)
}

async fn services() -> (Services, Staff, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::config::sqlite_url(&dir.path().join("hostile.db"));
    let store = Store::open(&url).await.unwrap();
    let clock = ManualClock::new(fixtures::NOW);
    let services = Services::new(
        Config::parse(crate::bench::CONFIG).unwrap(),
        store,
        Pepper::generate("k1"),
        Arc::new(clock),
    );
    services.create_first_admin("admin", "Admin").await.unwrap();
    let staff = services.identify_os_user("admin").await.unwrap();
    (services, staff, dir)
}

/// Walks each row as a terminal would: a symbol takes its display width.
/// Every symbol must be safe, at least one column wide (a zero-width one
/// would pull the rest of the row left) and end inside the row.
fn assert_safe_and_aligned(buffer: &Buffer, what: &str) {
    let (w, h) = (buffer.area.width, buffer.area.height);
    for y in 0..h {
        let mut x = 0;
        while x < w {
            let symbol = buffer[(x, y)].symbol();
            assert!(
                !symbol.chars().any(is_unsafe),
                "{what}: {symbol:?} at {x},{y} reached the screen"
            );
            let width = symbol.width() as u16;
            assert!(width >= 1, "{what}: zero-width {symbol:?} at {x},{y}");
            assert!(
                x + width <= w,
                "{what}: {symbol:?} at {x},{y} runs past the edge"
            );
            x += width;
        }
    }
}

fn draw_all(app: &mut App, what: &str) {
    let sizes = [(80, 24), (140, 40), (60, 16), (40, 12), (200, 50), (33, 11)];
    for size in sizes {
        for pane in [Pane::SEARCH, Pane::LINKS, Pane::VERIFY, Pane::ACT] {
            app.size = size;
            app.focus = pane;
            let mut terminal = Terminal::new(TestBackend::new(size.0, size.1)).unwrap();
            terminal.draw(|f| view::render(app, f)).unwrap();
            assert_safe_and_aligned(
                terminal.backend().buffer(),
                &format!("{what} at {}x{} ({pane:?})", size.0, size.1),
            );
        }
    }
}

#[tokio::test]
async fn hostile_records_import_and_draw_safely() {
    let (services, staff, _dir) = services().await;
    let (csv, invalid_line, huge_line) = hostile_csv();
    let quiet = |_: u64, _: u64| {};

    // All or nothing by default: two bad rows, nothing imported.
    let errors = services
        .import_accounts(&staff, "kirjasto", &csv, false, &quiet)
        .await
        .unwrap()
        .unwrap_err();
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 2, "{text:?}");
    assert_eq!(errors[0].line, invalid_line, "{text:?}");
    assert_eq!(errors[0].column, Some((1, "field 1".into())), "{text:?}");
    assert!(text[0].contains("not valid UTF-8"), "{text:?}");
    assert_eq!(errors[1].line, huge_line, "{text:?}");
    assert_eq!(errors[1].column, Some((1, "full_name".into())), "{text:?}");
    assert!(
        services
            .search(&staff, CARD_PREFIX, 50)
            .await
            .unwrap()
            .is_empty()
    );

    // Asked to skip them: every hostile name is imported, the two are listed.
    let options = ImportOptions {
        skip_bad_rows: true,
        ..Default::default()
    };
    let report = services
        .import_accounts_with(&staff, "kirjasto", CsvInput::Bytes(&csv), options, &quiet)
        .await
        .unwrap()
        .unwrap();
    let names = hostile_names();
    assert_eq!(report.created, names.len() as u64);
    let skipped: Vec<u64> = report.skipped.iter().map(|e| e.line).collect();
    assert_eq!(skipped, vec![invalid_line, huge_line]);

    let results: Vec<AccountSummary> = services.search(&staff, CARD_PREFIX, 50).await.unwrap();
    assert_eq!(results.len(), names.len());
    for lang in [Language::En, Language::Fi] {
        for hit in &results {
            services
                .add_note(
                    &staff,
                    hit.id,
                    "Note \u{1b}]52;c;ZXZpbA==\u{7} \u{202e}txet\u{1b}[31m red",
                )
                .await
                .unwrap();
            let detail: AccountDetail = services.account_detail(&staff, hit.id).await.unwrap();
            // The import trims each field (U+2028 counts as white space).
            let name = detail.account.full_name.as_str();
            assert!(names.iter().any(|n| n.trim() == name), "{name:?}");
            let mut app = fixtures::app(lang, (80, 24));
            app.search.input = tui_input::Input::new(detail.account.full_name.clone());
            app.search.results = results.clone();
            app.account.detail = Some(Box::new(detail));
            draw_all(&mut app, &format!("account {}", hit.id));
        }
    }
}

#[test]
fn a_megabyte_name_from_elsewhere_draws_cut_and_safe() {
    // Another system may have written what the import refuses.
    let huge = format!("\u{1b}[2J{}\u{202e}", "Ä\u{301}山".repeat(350_000));
    let mut app = fixtures::busy_desk(Language::En, (80, 24));
    app.search.results[0].full_name = huge.clone();
    app.account.detail = Some(fixtures::detail(&huge));
    draw_all(&mut app, "1 MB name");
}
