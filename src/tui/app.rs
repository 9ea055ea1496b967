//! The console's state and its one `update`: keys and finished work come
//! in as `Action`s, the state changes, and the work to start goes out as
//! `Effect`s. Nothing here waits on the database or the terminal, so it is
//! tested by feeding it actions.

use super::action::{Action, Effect, Job, JobOutput, VerifyOutcome};
use super::keymap::{Command, Keymap};
use super::popup::Popup;
use super::view::layout::{self, Hit};
use super::view::theme::Theme;
use crate::domain::link::{LinkPurpose, LinkState};
use crate::domain::policy::CredentialKind;
use crate::service::{AccountDetail, AccountSummary};
use crate::text::Words;
use crossterm::event::{Event, KeyEvent, KeyEventKind, MouseButton, MouseEventKind};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

/// Results asked for per search.
pub const SEARCH_LIMIT: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Search,
    Verify,
    Links,
    Act,
}

impl Pane {
    pub const ALL: [Pane; 4] = [Pane::Search, Pane::Verify, Pane::Links, Pane::Act];

    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    pub fn title_key(self) -> &'static str {
        match self {
            Pane::Search => "pane.search",
            Pane::Verify => "pane.verify",
            Pane::Links => "pane.links",
            Pane::Act => "pane.act",
        }
    }

    /// Panes whose text field takes the letters typed.
    pub fn takes_text(self) -> bool {
        matches!(self, Pane::Search | Pane::Verify)
    }
}

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

#[derive(Debug, Default)]
pub struct SearchPane {
    pub input: Input,
    pub results: Vec<AccountSummary>,
    pub selected: usize,
    /// The newest request; older answers are dropped.
    pub latest: u64,
    pub loading: bool,
    pub error: Option<String>,
}

#[derive(Debug, Default)]
pub struct VerifyPane {
    pub card: Input,
    pub email: Input,
    pub on_email: bool,
    pub latest: u64,
    pub loading: bool,
    pub outcome: Option<VerifyOutcome>,
    pub error: Option<String>,
}

#[derive(Debug, Default)]
pub struct AccountPane {
    pub detail: Option<Box<AccountDetail>>,
    pub latest: u64,
    pub loading: bool,
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
            focus: Pane::Search,
            search: SearchPane::default(),
            verify: VerifyPane::default(),
            account: AccountPane::default(),
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

    pub(super) fn request_id(&mut self) -> u64 {
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

    pub fn org(&self, slug: &str) -> Option<&OrgInfo> {
        self.session.orgs.iter().find(|o| o.slug == slug)
    }

    /// Should the clock tick: a countdown or a spinner is on screen.
    pub fn tick_interval_ms(&self) -> Option<u64> {
        if self.lock.is_some() {
            return None;
        }
        if self.busy.is_some() || self.search.loading || self.verify.loading || self.account.loading
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
            Action::SearchFinished { request, result } => {
                if request != self.search.latest {
                    return Vec::new();
                }
                self.search.loading = false;
                self.dirty = true;
                match result {
                    Ok(rows) => {
                        // A refresh keeps the row staff had picked.
                        let picked = self.search.results.get(self.search.selected).map(|r| r.id);
                        self.search.selected = picked
                            .and_then(|id| rows.iter().position(|r| r.id == id))
                            .unwrap_or(0);
                        self.search.results = rows;
                        self.search.error = None;
                    }
                    Err(e) => self.search.error = Some(e),
                }
                Vec::new()
            }
            Action::DetailLoaded { request, result } => {
                if request != self.account.latest {
                    return Vec::new();
                }
                self.account.loading = false;
                self.dirty = true;
                match result {
                    Ok(detail) => {
                        let same = self
                            .detail()
                            .is_some_and(|d| d.account.id == detail.account.id);
                        if !same {
                            self.account.selected_link = 0;
                        }
                        self.account.selected_link = self
                            .account
                            .selected_link
                            .min(detail.links.len().saturating_sub(1));
                        self.account.detail = Some(detail);
                    }
                    Err(e) => self.status = Some(Status::Error(e)),
                }
                Vec::new()
            }
            Action::VerifyFinished { request, result } => {
                if request != self.verify.latest {
                    return Vec::new();
                }
                self.verify.loading = false;
                self.dirty = true;
                match result {
                    Ok(outcome) => {
                        let found = outcome.verdict.account_id;
                        self.verify.outcome = Some(outcome);
                        self.verify.error = None;
                        // Without an open account, the card finds it.
                        if let (None, Some(id)) = (self.detail(), found) {
                            return vec![self.load_detail(id, true)];
                        }
                    }
                    Err(e) => self.verify.error = Some(e),
                }
                Vec::new()
            }
            Action::JobFinished { request, result } => self.on_job_finished(request, result),
            Action::MailProgressed => match self.detail() {
                Some(d) => {
                    let id = d.account.id;
                    vec![self.load_detail(id, false)]
                }
                None => Vec::new(),
            },
            Action::UnlockChecked { ok, message } => {
                self.dirty = true;
                if ok {
                    self.lock = None;
                } else if let Some(lock) = &mut self.lock {
                    lock.checking = false;
                    lock.password.reset();
                    lock.error =
                        Some(message.unwrap_or_else(|| self.words.t("lock.wrong").to_string()));
                }
                Vec::new()
            }
        }
    }

    fn status_clear_on_key(&mut self) {
        if matches!(self.status, Some(Status::Info(_))) {
            self.status = None;
        }
    }

    pub(super) fn load_detail(&mut self, account_id: i64, audited: bool) -> Effect {
        let request = self.request_id();
        self.account.latest = request;
        self.account.loading = true;
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
        let event = Event::Key(key);
        match self.focus {
            Pane::Search => {
                if self
                    .search
                    .input
                    .handle_event(&event)
                    .is_some_and(|c| c.value)
                {
                    return self.start_search();
                }
                Vec::new()
            }
            Pane::Verify => {
                let field = if self.verify.on_email || !self.verify_uses_card() {
                    &mut self.verify.email
                } else {
                    &mut self.verify.card
                };
                if field.handle_event(&event).is_some_and(|c| c.value) {
                    // An old verdict must not stand beside new input.
                    self.verify.outcome = None;
                    self.verify.error = None;
                }
                Vec::new()
            }
            Pane::Links | Pane::Act => Vec::new(),
        }
    }

    /// Starts a search for the current text (or clears the results).
    pub(super) fn start_search(&mut self) -> Vec<Effect> {
        let query = self.search.input.value().trim().to_string();
        let request = self.request_id();
        self.search.latest = request;
        if query.is_empty() {
            self.search.results.clear();
            self.search.loading = false;
            self.search.error = None;
            return Vec::new();
        }
        self.search.loading = true;
        vec![Effect::Search { request, query }]
    }

    /// Does the verify pane ask for a card number?
    pub fn verify_uses_card(&self) -> bool {
        match self.detail() {
            Some(d) => self.org(&d.account.org).is_none_or(|o| o.uses_cards),
            None => self.session.orgs.iter().any(|o| o.uses_cards),
        }
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
            Search => {
                self.focus = Pane::Search;
                Vec::new()
            }
            NextPane | PreviousPane => {
                let step = if command == NextPane { 1 } else { 3 };
                self.focus = Pane::ALL[(self.focus.index() + step) % 4];
                Vec::new()
            }
            PaneSearch => self.focus_pane(Pane::Search),
            PaneVerify => self.focus_pane(Pane::Verify),
            PaneLinks => self.focus_pane(Pane::Links),
            PaneAct => self.focus_pane(Pane::Act),
            Open => self.on_enter(),
            Back => self.on_back(),
            Up => self.move_selection(-1),
            Down => self.move_selection(1),
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
        Vec::new()
    }

    fn on_enter(&mut self) -> Vec<Effect> {
        match self.focus {
            Pane::Search => match self.search.results.get(self.search.selected) {
                Some(row) => {
                    let id = row.id;
                    self.focus = Pane::Links;
                    // A new account: the old verdict belonged to someone else.
                    if self.detail().is_none_or(|d| d.account.id != id) {
                        self.verify.outcome = None;
                    }
                    vec![self.load_detail(id, true)]
                }
                None => self.start_search(),
            },
            Pane::Verify => {
                if self.verify_uses_card() && !self.verify.on_email {
                    self.verify.on_email = true;
                    return Vec::new();
                }
                self.start_verify()
            }
            Pane::Links => Vec::new(),
            Pane::Act => {
                let command =
                    Command::ACTIONS[self.account.selected_action.min(Command::ACTIONS.len() - 1)];
                self.start_account_action(command)
            }
        }
    }

    fn start_verify(&mut self) -> Vec<Effect> {
        let email = self.verify.email.value().to_string();
        let card = self.verify.card.value().to_string();
        let uses_card = self.verify_uses_card();
        if email.trim().is_empty() && (!uses_card || card.trim().is_empty()) {
            self.verify.error = Some(self.words.t("verify.type_something").to_string());
            return Vec::new();
        }
        let request = self.request_id();
        self.verify.latest = request;
        self.verify.loading = true;
        self.verify.error = None;
        vec![Effect::Verify {
            request,
            org: self.detail().map(|d| d.account.org.clone()),
            card: (uses_card && !card.trim().is_empty()).then_some(card),
            email,
        }]
    }

    fn on_back(&mut self) -> Vec<Effect> {
        match self.focus {
            Pane::Search if !self.search.input.value().is_empty() => {
                self.search.input.reset();
                self.start_search()
            }
            Pane::Verify if self.verify.on_email => {
                self.verify.on_email = false;
                Vec::new()
            }
            Pane::Search => Vec::new(),
            _ => self.focus_pane(Pane::Search),
        }
    }

    fn move_selection(&mut self, step: i64) -> Vec<Effect> {
        let bump = |value: usize, len: usize| -> usize {
            if len == 0 {
                return 0;
            }
            (value as i64 + step).clamp(0, len as i64 - 1) as usize
        };
        match self.focus {
            Pane::Search => {
                self.search.selected = bump(self.search.selected, self.search.results.len())
            }
            Pane::Verify => {
                self.verify.on_email =
                    self.verify_uses_card() && step > 0 || !self.verify_uses_card();
            }
            Pane::Links => {
                let len = self.detail().map_or(0, |d| d.links.len());
                self.account.selected_link = bump(self.account.selected_link, len);
            }
            Pane::Act => {
                self.account.selected_action =
                    bump(self.account.selected_action, Command::ACTIONS.len());
            }
        }
        Vec::new()
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
        match hit {
            Hit::Pane(p) => self.focus = p,
            Hit::SearchRow(i) => {
                self.focus = Pane::Search;
                if i < self.search.results.len() {
                    self.search.selected = i;
                }
            }
            Hit::LinkRow(i) => {
                self.focus = Pane::Links;
                self.account.selected_link = i;
            }
            Hit::ActionRow(i) => {
                self.focus = Pane::Act;
                self.account.selected_action = i.min(Command::ACTIONS.len() - 1);
            }
            Hit::VerifyField(on_email) => {
                self.focus = Pane::Verify;
                self.verify.on_email = on_email;
            }
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
        self.popup = None;
        self.status = None;
        self.focus = Pane::Search;
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

    fn on_job_finished(&mut self, request: u64, result: Result<JobOutput, String>) -> Vec<Effect> {
        if self.busy.as_ref().is_none_or(|b| b.request != request) {
            return Vec::new();
        }
        self.busy = None;
        self.dirty = true;
        let mut effects = Vec::new();
        match result {
            Ok(output) => {
                let queued_mail = matches!(
                    output,
                    JobOutput::LinkSent(_)
                        | JobOutput::Generated(_)
                        | JobOutput::CredentialSet
                        | JobOutput::EmailChanged
                );
                self.show_job_output(output);
                if queued_mail {
                    effects.push(Effect::WakeMailer);
                }
            }
            Err(message) => self.popup = Some(Popup::Error { message }),
        }
        if let Some(id) = self.detail().map(|d| d.account.id) {
            effects.push(self.load_detail(id, false));
        }
        // Badges in the results (locked, link) may have changed.
        effects.extend(self.start_search());
        effects
    }

    fn show_job_output(&mut self, output: JobOutput) {
        let t = &self.words;
        let info = match output {
            JobOutput::LinkSent(sent) => {
                let purpose = match sent.purpose {
                    LinkPurpose::Reset => t.t("purpose.reset"),
                    LinkPurpose::FirstLogin => t.t("purpose.first_login"),
                };
                t.f(
                    "status.link_sent",
                    &[
                        ("purpose", purpose),
                        ("to", &sent.sent_to_masked),
                        ("expires", &self.words.time(sent.expires_at)),
                    ],
                )
            }
            JobOutput::Generated(value) => {
                self.popup = Some(Popup::Secret {
                    title_key: "secret.generated",
                    note_key: "secret.once",
                    value,
                });
                t.t("status.credential_set").to_string()
            }
            JobOutput::CredentialSet => t.t("status.credential_set").to_string(),
            JobOutput::EmailChanged => t.t("status.email_changed").to_string(),
            JobOutput::Unlocked => t.t("status.unlocked").to_string(),
            JobOutput::Revoked => t.t("status.revoked").to_string(),
            JobOutput::NoteAdded => t.t("status.note_added").to_string(),
            JobOutput::Revealed { field, value } => {
                self.popup = Some(Popup::Secret {
                    title_key: super::popup::reveal_field_key(field),
                    note_key: "reveal.audited",
                    value,
                });
                t.t("status.revealed").to_string()
            }
        };
        self.status = Some(Status::Info(info));
    }

    /// Starts a confirmed job: the spinner shows until it reports back.
    pub(super) fn run_job(&mut self, job: Job) -> Vec<Effect> {
        let request = self.request_id();
        self.busy = Some(Busy {
            request,
            label_key: job.busy_key(),
            frame: 0,
        });
        self.popup = None;
        self.dirty = true;
        vec![Effect::Run { request, job }]
    }
}
