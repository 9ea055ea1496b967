//! Screen tests: the console drawn into a `TestBackend` and compared with
//! approved snapshots (80x24, 100x30 and 140x40 in Finnish, Swedish and
//! English), plus checks
//! that hold at every size and for hostile data.

use super::action::Job;
use super::app::{App, Pane, Status};
use super::fixtures::{self, NOW};
use super::popup::{EmailField, EmailForm, PinForm, Popup, TextForm, TextPurpose};
use super::view;
use crate::config::Language;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tui_input::Input;
use zeroize::Zeroizing;

fn draw(app: &App) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    terminal.draw(|f| view::render(app, f)).unwrap();
    terminal
}

pub(super) fn screen_text(app: &App) -> String {
    let terminal = draw(app);
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// Every screen state worth approving, by name.
fn states(lang: Language, size: (u16, u16)) -> Vec<(&'static str, App)> {
    let desk = || fixtures::busy_desk(lang, size);
    let with = |popup: Popup| {
        let mut app = desk();
        app.popup = Some(popup);
        app
    };
    let mut out = vec![("empty", fixtures::app(lang, size))];
    out.push(("desk", desk()));
    // The cursor in the email field under a verdict: its next actions lead.
    let mut verdict = desk();
    verdict.focus = Pane::VERIFY;
    verdict.verify.on_email = true;
    out.push(("verdict", verdict));
    let mut focus_act = desk();
    focus_act.focus = Pane::ACT;
    focus_act.account.selected_action = 2;
    focus_act.status = Some(Status::Info("Account unlocked.".into()));
    out.push(("act", focus_act));
    let mut running = desk();
    running.busy = Some(super::app::Busy {
        request: 1,
        label_key: "busy.send_link",
        frame: 3,
    });
    out.push(("busy", running));
    out.push(("help", with(Popup::Help { scroll: 0 })));
    out.push((
        "confirm",
        with(Popup::Confirm {
            job: Job::GeneratePin { account_id: 1 },
            lines: vec![
                "Generate a new PIN for Aino Virtanen? It is shown once.".into(),
                "Links not yet used will stop working.".into(),
            ],
        }),
    ));
    out.push((
        "pin_form",
        with(Popup::PinForm(PinForm {
            account_id: 1,
            first: Input::new("4827".into()),
            second: Input::new("48".into()),
            on_second: true,
            error: None,
            kind: "pin",
        })),
    ));
    out.push((
        "email_form",
        with(Popup::EmailForm(EmailForm {
            account_id: 1,
            email: Input::new("aino.virtanen@example.org".into()),
            check: Some(crate::service::IdentityCheck::InPerson),
            note: Input::default(),
            field: EmailField::Check,
            error: None,
        })),
    ));
    out.push((
        "unlock_form",
        with(Popup::TextForm(TextForm {
            account_id: 1,
            purpose: TextPurpose::UnlockReason,
            input: Input::new("ID checked".into()),
            error: None,
        })),
    ));
    out.push((
        "reveal",
        with(Popup::RevealChoice {
            account_id: 1,
            selected: 1,
        }),
    ));
    out.push((
        "secret",
        with(Popup::Secret {
            title_key: "secret.generated_pin",
            note_key: "secret.once",
            value: Zeroizing::new("4827".into()),
        }),
    ));
    out.push((
        "error",
        with(Popup::Error {
            message: "Refused: at most 5 links an hour; the next is allowed at 12.00.".into(),
        }),
    ));
    // The library's accounts live in LDAP, which has this one locked and
    // did not answer when it was opened.
    let mut directory = desk();
    directory.focus = Pane::ACT;
    directory.session.orgs[0].system = crate::domain::DirectoryKind::Ldap;
    if let Some(d) = directory.account.detail.as_mut() {
        d.account.has_credential = false;
        d.directory = Some(crate::service::DirectoryView {
            system: crate::domain::DirectoryKind::Ldap,
            address: "ldaps://ldap.example.org".into(),
            freshness: crate::service::Freshness::Stale {
                read_at: Some(NOW - 12 * 60_000),
                reason: "no answer in 1500 ms".into(),
            },
            locked: true,
            removed: false,
        });
    }
    out.push(("directory", directory));
    let mut stats = desk();
    stats.focus = Pane::STATS;
    stats.stats.figures = Some(Box::new(fixtures::stats_figures()));
    out.push(("stats", stats));
    let mut locked = desk();
    locked.session.password_login = true;
    locked.update(super::action::Action::IdleTimeout);
    out.push(("lock", locked));
    out
}

#[test]
fn snapshots_of_every_pane_and_popup() {
    for lang in [Language::En, Language::Fi, Language::Sv] {
        for size in [(80, 24), (100, 30), (140, 40)] {
            for (name, app) in states(lang, size) {
                let snapshot = format!("{name}_{}_{}x{}", lang.code(), size.0, size.1);
                insta::assert_snapshot!(snapshot, screen_text(&app));
            }
        }
    }
}

#[test]
fn small_screens_show_one_pane_or_ask_for_more_room() {
    let mut app = fixtures::busy_desk(Language::En, (60, 16));
    insta::assert_snapshot!("compact_links_en_60x16", screen_text(&app));
    app.size = (30, 8);
    let text = screen_text(&app);
    assert!(text.contains("Enlarge") && text.contains("40x12"), "{text}");
    insta::assert_snapshot!("enlarge_en_30x8", text);
}

#[test]
fn no_size_panics() {
    // Every size up to 30x10, where layouts break first, then a sample up
    // to 130x45 and a few very large terminals.
    let small = (1..=30).flat_map(|w| (1..=10).map(move |h| (w, h)));
    let sampled = (1..=130)
        .step_by(9)
        .chain([2, 39, 40, 79, 80])
        .flat_map(|w| {
            (1..=45)
                .step_by(6)
                .chain([2, 11, 12, 23, 24])
                .map(move |h| (w, h))
        });
    let large = [(250, 80), (400, 120), (1000, 60), (80, 500)];
    let sizes: Vec<(u16, u16)> = small.chain(sampled).chain(large).collect();
    for lang in [Language::En, Language::Sv] {
        for &size in &sizes {
            for (name, app) in states(lang, size) {
                let terminal = draw(&app);
                let area = terminal.backend().buffer().area;
                assert_eq!((area.width, area.height), size, "{name}");
            }
        }
    }
}

#[test]
fn hostile_names_cannot_reach_the_terminal() {
    let hostile = "Eve\u{1b}[2J\u{1b}]52;c;cm0gLXJmIH4=\u{7}\u{202e}nilraK\u{200b}";
    let mut app = fixtures::busy_desk(Language::En, (140, 40));
    app.account.detail = Some(fixtures::detail(hostile));
    app.search.results[0].full_name = hostile.into();
    app.account.detail.as_mut().unwrap().notes[0].text = hostile.into();
    let text = screen_text(&app);
    assert!(
        text.contains("Eve\u{fffd}[2J\u{fffd}]52;c;cm0gLXJmIH4=\u{fffd}\u{fffd}nilraK"),
        "{text}"
    );
    for c in text.chars() {
        assert!(
            c == '\n' || !crate::domain::sanitize::is_unsafe(c),
            "{:?} reached the screen",
            c
        );
    }
}

#[test]
fn countdown_moves_with_the_clock() {
    let mut app = fixtures::busy_desk(Language::En, (140, 40));
    assert!(screen_text(&app).contains("expires in 11 h 59 min"));
    app.now_ms = NOW + 11 * 3_600_000 + 57 * 60_000 + 30_000;
    assert!(screen_text(&app).contains("expires in 1 min 30 s"));
    app.now_ms = NOW + 12 * 3_600_000;
    assert!(!screen_text(&app).contains("ACTIVE"));
}

#[test]
fn footer_follows_the_keymap() {
    let mut o = std::collections::BTreeMap::new();
    o.insert("send_link".into(), super::keymap::KeySpec::One("l".into()));
    let mut app = fixtures::busy_desk(Language::En, (140, 40));
    app.keymap = super::keymap::Keymap::with_overrides(&o).unwrap();
    let text = screen_text(&app);
    let footer = text.lines().last().unwrap();
    assert!(
        footer.contains("l send link") && !footer.contains("s send link"),
        "{footer}"
    );
    assert!(
        footer.contains("? help") && footer.contains("q quit"),
        "{footer}"
    );
    // In a text field letters type: the footer offers Ctrl-c, not q.
    app.focus = Pane::SEARCH;
    let text = screen_text(&app);
    let footer = text.lines().last().unwrap();
    assert!(
        footer.contains("Ctrl-c quit") && !footer.contains("l send link"),
        "{footer}"
    );
}

#[test]
fn no_color_means_no_colour_and_focus_still_shows() {
    let app = fixtures::busy_desk(Language::En, (100, 30));
    assert!(!app.theme.color);
    let terminal = draw(&app);
    let buffer = terminal.backend().buffer();
    for cell in buffer.content() {
        assert_eq!(
            (cell.fg, cell.bg),
            (ratatui::style::Color::Reset, ratatui::style::Color::Reset)
        );
    }
    // The focused pane (Links) has the double border and the marker.
    let text = screen_text(&app);
    assert!(text.contains("╔ ▶ 3 Links"), "{text}");
    assert!(text.contains("┌ 1 Search"), "{text}");
}

#[test]
fn a_password_account_offers_password_actions_not_pin_ones() {
    use crate::domain::policy::CredentialKind;
    for (lang, pin, password, busy, title, saved) in [
        (
            Language::En,
            "set PIN",
            "set password",
            "Setting the password",
            "New password",
            "New password saved",
        ),
        (
            Language::Fi,
            "aseta PIN",
            "aseta salasana",
            "Asetetaan salasanaa",
            "Uusi salasana",
            "Uusi salasana tallennettu",
        ),
        (
            Language::Sv,
            "ange PIN",
            "ange lösenord",
            "Sparar lösenordet",
            "Nytt lösenord",
            "Nytt lösenord sparat",
        ),
    ] {
        let mut app = fixtures::busy_desk(lang, (80, 24));
        assert!(screen_text(&app).contains(pin), "{lang:?}: a PIN account");
        let detail = app.account.detail.as_mut().unwrap();
        detail.account.credential_kind = CredentialKind::Password;
        let text = screen_text(&app);
        assert!(
            text.contains(password) && !text.contains(pin),
            "{lang:?}:\n{text}"
        );
        // The help popup speaks of the open account's credential too.
        app.size = (140, 40);
        app.popup = Some(Popup::Help { scroll: 0 });
        let text = screen_text(&app);
        assert!(
            text.contains(password) && !text.contains(pin),
            "{lang:?}:\n{text}"
        );
        let effects = app.run_job(Job::GeneratePin { account_id: 1 });
        let text = screen_text(&app);
        assert!(text.contains(busy), "{lang:?}:\n{text}");
        // The generated one is shown, and the status says what was saved.
        let [super::action::Effect::Run { request, .. }] = effects[..] else {
            panic!("{lang:?}: one job to run, got {effects:?}");
        };
        app.update(super::action::Action::JobFinished {
            request,
            result: Ok(super::action::JobOutput::Generated(Zeroizing::new(
                "kQ7vR2mW9xLp".into(),
            ))),
        });
        let text = screen_text(&app);
        assert!(text.contains(&format!("╔ {title} ═")), "{lang:?}:\n{text}");
        assert!(text.contains(saved), "{lang:?}:\n{text}");
    }
}
