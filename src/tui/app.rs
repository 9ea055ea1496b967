//! The console's state and its one `update`: keys and finished work come
//! in as `Action`s, the state changes, and the work to start goes out as
//! `Effect`s. Nothing here waits on the database or the terminal, so it is
//! tested by feeding it actions.

use super::action::{Action, Effect};
use super::keymap::{Command, Keymap};
pub use super::pane::Pane;
use super::pane::search::SearchPane;
use super::pane::verify::VerifyPane;
use super::popup::Popup;
use super::view::layout;
use super::view::theme::Theme;
use crate::domain::link::LinkState;
use crate::domain::policy::CredentialKind;
use crate::service::AccountDetail;
use crate::text::Words;
use crossterm::event::{Event, KeyEvent, KeyEventKind, MouseButton, MouseEventKind};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

/// Results asked for per search.
pub const SEARCH_LIMIT: usize = 50;

/// An organisation as the console needs it.
#[derive(Debug, Clone)]
pub struct OrgInfo {
    pub slug: String,
    pub name: String,
    pub uses_cards: bool,
    pub credential_kind: CredentialKind,
    /// Where its credentials live.
    pub system: crate::domain::DirectoryKind,
}

/// Who is working and on what; shown in the header.
#[derive(Debug, Clone)]
pub struct Session {
    pub staff_name: String,
    pub orgs: Vec<OrgInfo>,
    pub database: String,
    /// Staff log in with a password, so the idle lock can ask for it.
    pub password_login: bool,
    pub idle_lock_ms: i64,
}

/// The open account, shared by the Links and Act panes.
#[derive(Debug, Default)]
pub struct AccountPane {
    pub detail: Option<Box<AccountDetail>>,
    pub latest: u64,
    /// The account being read (opened, or read again after an action).
    pub loading: Option<i64>,
    pub selected_link: usize,
    pub selected_action: usize,
}

#[derive(Debug)]
pub struct Busy {
    pub request: u64,
    pub label_key: &'static str,
    pub frame: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Info(String),
    Error(String),
}

#[derive(Debug, Default)]
pub struct Lock {
    pub password: Input,
    pub checking: bool,
    pub error: Option<String>,
}

pub struct App {
    pub words: Words,
    pub keymap: Keymap,
    pub theme: Theme,
    pub session: Session,
    pub focus: Pane,
    pub search: SearchPane,
    pub verify: VerifyPane,
    pub account: AccountPane,
    pub stats: super::pane::stats::StatsPane,
    pub popup: Option<Popup>,
    pub busy: Option<Busy>,
    pub status: Option<Status>,
    pub lock: Option<Lock>,
    pub now_ms: i64,
    pub size: (u16, u16),
    pub quit: bool,
    /// Printed after the terminal is restored.
    pub exit_message: Option<String>,
    /// Something visible changed since the last frame.
    pub dirty: bool,
    next_request: u64,
}

impl App {
    pub fn new(
        words: Words,
        keymap: Keymap,
        theme: Theme,
        session: Session,
        now_ms: i64,
        size: (u16, u16),
    ) -> App {
        App {
            words,
            keymap,
            theme,
            session,
            focus: Pane::SEARCH,
            search: SearchPane::default(),
            verify: VerifyPane::default(),
            account: AccountPane::default(),
            stats: Default::default(),
            popup: None,
            busy: None,
            status: None,
            lock: None,
            now_ms,
            size,
            quit: false,
            exit_message: None,
            dirty: true,
            next_request: 0,
        }
    }

    pub(crate) fn request_id(&mut self) -> u64 {
        self.next_request += 1;
        self.next_request
    }

    /// Is a text field taking the letters typed right now?
    pub fn typing(&self) -> bool {
        match &self.popup {
            Some(p) => p.takes_text(),
            None => self.focus.takes_text(),
        }
    }

    /// The open account, if any.
    pub fn detail(&self) -> Option<&AccountDetail> {
        self.account.detail.as_deref()
    }

    /// The kind of credential the desk works on: the open account's; with
    /// none open, passwords only when all the staff member's organisations
    /// use them.
    pub fn credential_here(&self) -> CredentialKind {
        let orgs = &self.session.orgs;
        match self.detail() {
            Some(d) => d.account.credential_kind,
            None if !orgs.is_empty()
                && orgs
                    .iter()
                    .all(|o| o.credential_kind == CredentialKind::Password) =>
            {
                CredentialKind::Password
            }
            None => CredentialKind::Pin,
        }
    }

    pub fn org(&self, slug: &str) -> Option<&OrgInfo> {
        self.session.orgs.iter().find(|o| o.slug == slug)
    }

    /// Should the clock tick: a countdown or a spinner is on screen.
    pub fn tick_interval_ms(&self) -> Option<u64> {
        if self.lock.is_some() {
            return None;
        }
        if self.busy.is_some()
            || self.search.loading
            || self.verify.loading
            || self.account.loading.is_some()
        {
            return Some(100);
        }
        let live = self.detail().is_some_and(|d| {
            d.links.iter().any(|l| {
                matches!(l.state, LinkState::Active { .. }) && l.expires_at > self.now_ms - 1000
            })
        });
        live.then_some(1000)
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Key(key) if key.kind != KeyEventKind::Release => {
                self.status_clear_on_key();
                self.dirty = true;
                self.on_key(key)
            }
            Action::Key(_) => Vec::new(),
            Action::Paste(text) => {
                self.dirty = true;
                self.on_paste(&text)
            }
            Action::Mouse(mouse) => self.on_mouse(mouse),
            Action::Resize(w, h) => {
                self.size = (w, h);
                self.dirty = true;
                Vec::new()
            }
            Action::Tick => {
                if let Some(b) = &mut self.busy {
                    b.frame = b.frame.wrapping_add(1);
                }
                self.dirty |= self.tick_interval_ms().is_some();
                Vec::new()
            }
            Action::IdleTimeout => self.idle_lock(),
            Action::SearchFinished { request, result } => self.on_search_finished(request, result),
            Action::DetailLoaded { request, result } => self.on_detail_loaded(request, result),
            Action::VerifyFinished { request, result } => self.on_verify_finished(request, result),
            Action::JobFinished { request, result } => self.on_job_finished(request, result),
            Action::MailProgressed => match self.detail() {
                Some(d) => {
                    let id = d.account.id;
                    vec![self.load_detail(id, false)]
                }
                None => Vec::new(),
            },
            Action::UnlockChecked { ok, message } => self.on_unlock_checked(ok, message),
            Action::StatsLoaded { request, result } => {
                super::pane::stats::loaded(self, request, result);
                Vec::new()
            }
        }
    }

    fn status_clear_on_key(&mut self) {
        if matches!(self.status, Some(Status::Info(_))) {
            self.status = None;
        }
    }

    pub(crate) fn load_detail(&mut self, account_id: i64, audited: bool) -> Effect {
        let request = self.request_id();
        self.account.latest = request;
        self.account.loading = Some(account_id);
        self.dirty = true;
        Effect::LoadDetail {
            request,
            account_id,
            audited,
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if self.lock.is_some() {
            return self.on_lock_key(key);
        }
        if self.popup.is_some() {
            return self.on_popup_key(key);
        }
        // A verdict on screen: its next actions work from the field.
        let next = super::pane::verify::next_actions(self);
        if let Some(command) = self.keymap.lookup(&key, false)
            && next.contains(&command)
        {
            return self.on_command(command);
        }
        match self.keymap.lookup(&key, self.typing()) {
            Some(command) => self.on_command(command),
            None => self.type_into_pane(key),
        }
    }

    fn on_paste(&mut self, text: &str) -> Vec<Effect> {
        // A paste is typed text with line breaks removed.
        let mut effects = Vec::new();
        for c in text.chars().filter(|c| !c.is_control()) {
            let key = KeyEvent::from(crossterm::event::KeyCode::Char(c));
            if self.popup.is_some() {
                effects.extend(self.on_popup_key(key));
            } else if self.focus.takes_text() && self.lock.is_none() {
                effects.extend(self.type_into_pane(key));
            }
        }
        // Typing searched at every character; only the last search counts.
        let last_search = effects
            .iter()
            .rposition(|e| matches!(e, Effect::Search { .. }));
        effects
            .into_iter()
            .enumerate()
            .filter(|(i, e)| !matches!(e, Effect::Search { .. }) || Some(*i) == last_search)
            .map(|(_, e)| e)
            .collect()
    }

    fn type_into_pane(&mut self, key: KeyEvent) -> Vec<Effect> {
        (self.focus.spec().on_type)(self, key)
    }

    /// Starts a search for the current text (or clears the results).
    pub(super) fn start_search(&mut self) -> Vec<Effect> {
        super::pane::search::start_search(self)
    }

    /// Does the verify pane ask for a card number?
    pub fn verify_uses_card(&self) -> bool {
        super::pane::verify::uses_card(self)
    }

    fn on_command(&mut self, command: Command) -> Vec<Effect> {
        use Command::*;
        match command {
            Quit => {
                self.quit = true;
                Vec::new()
            }
            Help => {
                self.popup = Some(Popup::Help { scroll: 0 });
                Vec::new()
            }
            Search => self.focus_pane(Pane::SEARCH),
            NextPane => self.focus_pane(self.focus.step(1)),
            PreviousPane => self.focus_pane(self.focus.step(-1)),
            Focus(pane) => self.focus_pane(pane),
            Open => (self.focus.spec().on_enter)(self),
            Back => self.on_back(),
            Up | Down => {
                (self.focus.spec().on_move)(self, if command == Up { -1 } else { 1 });
                if self.focus == Pane::STATS {
                    return super::pane::stats::load(self);
                }
                Vec::new()
            }
            Refresh => {
                let mut effects = self.start_search();
                if let Some(id) = self.detail().map(|d| d.account.id) {
                    effects.push(self.load_detail(id, false));
                }
                effects
            }
            SendLink | SetPin | GeneratePin | ChangeEmail | Unlock | RevokeLink | AddNote
            | Reveal => self.start_account_action(command),
        }
    }

    fn focus_pane(&mut self, pane: Pane) -> Vec<Effect> {
        self.focus = pane;
        // The figures are read when the pane first opens, not per frame.
        if pane == Pane::STATS && self.stats.figures.is_none() && !self.stats.loading {
            return super::pane::stats::load(self);
        }
        Vec::new()
    }

    fn on_back(&mut self) -> Vec<Effect> {
        match self.focus.spec().on_back {
            Some(back) => back(self),
            None => self.focus_pane(Pane::SEARCH),
        }
    }

    fn on_mouse(&mut self, mouse: crossterm::event::MouseEvent) -> Vec<Effect> {
        let MouseEventKind::Down(MouseButton::Left) = mouse.kind else {
            return Vec::new();
        };
        if self.popup.is_some() || self.lock.is_some() {
            return Vec::new();
        }
        let Some(hit) = layout::hit_test(self, mouse.column, mouse.row) else {
            return Vec::new();
        };
        self.dirty = true;
        self.focus = hit.pane;
        if let Some((body, line, column)) = hit.inside {
            (hit.pane.spec().on_click)(self, body, line, column);
        }
        Vec::new()
    }

    fn idle_lock(&mut self) -> Vec<Effect> {
        self.forget_patron_data();
        self.dirty = true;
        if self.session.password_login {
            self.lock = Some(Lock::default());
        } else {
            // With operating-system logins there is nothing to ask for
            // here: end the session, as SSH would for a closed laptop.
            self.exit_message = Some(self.words.t("lock.ended").to_string());
            self.quit = true;
        }
        Vec::new()
    }

    /// Clears everything about patrons from memory and screen.
    pub fn forget_patron_data(&mut self) {
        self.search = SearchPane::default();
        self.verify = VerifyPane::default();
        self.account = AccountPane::default();
        self.stats = Default::default();
        self.popup = None;
        self.status = None;
        self.focus = Pane::SEARCH;
    }

    fn on_lock_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if self.keymap.lookup(&key, true) == Some(Command::Quit) {
            self.quit = true;
            return Vec::new();
        }
        let Some(lock) = &mut self.lock else {
            return Vec::new();
        };
        if lock.checking {
            return Vec::new();
        }
        if key.code == crossterm::event::KeyCode::Enter {
            let password = zeroize::Zeroizing::new(lock.password.value().to_string());
            lock.password.reset();
            lock.checking = true;
            return vec![Effect::CheckStaffPassword { password }];
        }
        lock.password.handle_event(&Event::Key(key));
        Vec::new()
    }
}
