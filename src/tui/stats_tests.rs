//! The statistics pane: `5` opens it and reads the figures once, Enter
//! steps the period, ↑↓ the organisation, a late answer is dropped, and
//! nothing is read again per frame.

use super::action::{Action, Effect};
use super::app::{App, Pane};
use super::fixtures;
use crate::config::Language;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn read(effects: &[Effect]) -> (u64, String, u32) {
    match effects {
        [Effect::LoadStats { request, org, days }] => (*request, org.clone(), *days),
        other => panic!("{other:?}"),
    }
}

#[test]
fn five_opens_the_pane_and_keys_step_period_and_organisation() {
    let mut app = fixtures::app(Language::En, (100, 30));
    // Out of the text fields first, so the digit is a key, not text.
    app.focus = Pane::LINKS;
    let (first, org, days) = read(&key(&mut app, KeyCode::Char('5')));
    assert_eq!(
        (app.focus, org.as_str(), days),
        (Pane::STATS, "kirjasto", 7)
    );
    // Opened again before the answer: no second read.
    app.focus = Pane::LINKS;
    assert!(key(&mut app, KeyCode::Char('5')).is_empty());
    let (_, _, days) = read(&key(&mut app, KeyCode::Enter));
    assert_eq!(days, 30);
    let (_, org, days) = read(&key(&mut app, KeyCode::Down));
    assert_eq!((org.as_str(), days), ("kaupunki", 30));
    let (latest, _, _) = read(&key(&mut app, KeyCode::Enter));
    // The first read's answer comes late: dropped.
    app.update(Action::StatsLoaded {
        request: first,
        result: Ok(Box::new(fixtures::stats_figures())),
    });
    assert!(app.stats.figures.is_none() && app.stats.loading);
    app.update(Action::StatsLoaded {
        request: latest,
        result: Ok(Box::new(fixtures::stats_figures())),
    });
    assert!(app.stats.figures.is_some() && !app.stats.loading);
    // Frames and ticks read nothing.
    assert!(app.update(Action::Tick).is_empty());
    // Leaving and coming back keeps the figures without a new read.
    app.focus = Pane::LINKS;
    assert!(key(&mut app, KeyCode::Char('5')).is_empty());
    // An error is shown in the pane.
    let (r, _, _) = read(&key(&mut app, KeyCode::Enter));
    app.update(Action::StatsLoaded {
        request: r,
        result: Err("Refused: a period of 1 to 731 days".into()),
    });
    assert!(app.stats.error.is_some());
    // The idle lock forgets them.
    app.session.password_login = true;
    app.update(Action::IdleTimeout);
    assert!(app.stats.figures.is_none());
}
