//! Account actions in the console: the form or confirmation each one
//! opens, the keys inside popups, and the job a confirmation starts.

use super::action::{Effect, Job};
use super::app::{App, Pane, Status};
use super::keymap::Command;
use super::popup::{
    EmailField, EmailForm, IDENTITY_CHECKS, PinForm, Popup, REVEAL_FIELDS, TextForm, TextPurpose,
};
use crate::domain::link::{LinkPurpose, LinkState};
use crate::service::{AccountDetail, IdentityCheck};
use crossterm::event::{Event, KeyCode, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;
use zeroize::Zeroizing;

impl App {
    /// Opens the form or confirmation of an account action.
    pub(super) fn start_account_action(&mut self, command: Command) -> Vec<Effect> {
        // While another account is being opened, the detail on screen is
        // the previous one's: acting now would act on it. (Reading the
        // shown account again after an action does not stop the next one.)
        let shown = self.detail().map(|d| d.account.id);
        if self.account.loading.is_some() && self.account.loading != shown {
            self.status = Some(Status::Error(self.words.t("status.loading").to_string()));
            return Vec::new();
        }
        let Some(detail) = self.detail() else {
            self.status = Some(Status::Error(self.words.t("status.open_first").to_string()));
            return Vec::new();
        };
        if self.busy.is_some() {
            self.status = Some(Status::Error(self.words.t("status.wait").to_string()));
            return Vec::new();
        }
        match self.action_popup(command, detail) {
            Ok(Some(popup)) => self.popup = Some(popup),
            Ok(None) => {}
            Err(refusal) => {
                self.status = Some(Status::Error(self.words.t(refusal).to_string()));
                if command == Command::RevokeLink {
                    self.focus = Pane::LINKS;
                }
            }
        }
        Vec::new()
    }

    /// The confirmation or form an account action opens with, or the
    /// text key saying why it cannot start.
    fn action_popup(
        &self,
        command: Command,
        detail: &AccountDetail,
    ) -> Result<Option<Popup>, &'static str> {
        let a = &detail.account;
        let account_id = a.id;
        let t = &self.words;
        let kind = a.credential_kind.code();
        let text_form = |purpose| {
            Popup::TextForm(TextForm {
                account_id,
                purpose,
                input: Input::default(),
                error: None,
            })
        };
        Ok(Some(match command {
            Command::SendLink => self.send_link_popup(detail),
            Command::SetPin => Popup::PinForm(PinForm {
                account_id,
                kind,
                ..PinForm::default()
            }),
            Command::GeneratePin => {
                let name = crate::text::safe(&a.full_name);
                Popup::Confirm {
                    job: Job::GeneratePin { account_id },
                    lines: vec![
                        t.f(&format!("confirm.generate_{kind}"), &[("name", &name)]),
                        t.t("confirm.links_die").to_string(),
                    ],
                }
            }
            Command::ChangeEmail => Popup::EmailForm(EmailForm {
                account_id,
                email: Input::default(),
                check: None,
                note: Input::default(),
                field: EmailField::Email,
                error: None,
            }),
            Command::Unlock if a.locked_at.is_none() => return Err("status.not_locked"),
            Command::Unlock => text_form(TextPurpose::UnlockReason),
            Command::RevokeLink => self.revoke_popup(detail)?,
            Command::AddNote => text_form(TextPurpose::Note),
            Command::Reveal => Popup::RevealChoice {
                account_id,
                selected: 0,
            },
            _ => return Ok(None),
        }))
    }

    /// Sending a link: its purpose and address, and a warning when it
    /// replaces a live link of the same purpose.
    fn send_link_popup(&self, detail: &AccountDetail) -> Popup {
        let t = &self.words;
        let a = &detail.account;
        let uses_cards = self.org(&a.org).is_none_or(|o| o.uses_cards);
        let purpose = LinkPurpose::for_account(a.must_set_credential, uses_cards);
        let to = crate::text::safe(&a.email_masked);
        let mut lines = vec![t.f(
            "confirm.send_link",
            &[("purpose", t.purpose(purpose)), ("to", &to)],
        )];
        let live = detail
            .links
            .iter()
            .any(|l| l.purpose == purpose && matches!(l.state, LinkState::Active { .. }));
        if live {
            lines.push(t.t("confirm.supersedes").to_string());
        }
        Popup::Confirm {
            job: Job::SendLink {
                account_id: a.id,
                purpose,
            },
            lines,
        }
    }

    /// Revoking the link picked in the Links pane, which must be live.
    fn revoke_popup(&self, detail: &AccountDetail) -> Result<Popup, &'static str> {
        let t = &self.words;
        match detail.links.get(self.account.selected_link) {
            Some(l) if matches!(l.state, LinkState::Active { .. }) => Ok(Popup::Confirm {
                job: Job::Revoke {
                    account_id: detail.account.id,
                    token_id: l.id,
                },
                lines: vec![t.f(
                    "confirm.revoke",
                    &[
                        ("purpose", t.purpose(l.purpose)),
                        ("created", &t.time(l.created_at)),
                    ],
                )],
            }),
            _ => Err("status.pick_active_link"),
        }
    }

    pub(super) fn on_popup_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        // Ctrl-C leaves from anywhere; letters inside popups are text or choices.
        if self.keymap.lookup(&key, true) == Some(Command::Quit) {
            self.quit = true;
            return Vec::new();
        }
        let Some(popup) = self.popup.take() else {
            return Vec::new();
        };
        let (kept, effects) = self.popup_key(popup, key);
        if self.popup.is_none() {
            self.popup = kept;
        }
        effects
    }

    /// Returns the popup to keep (None closes it) and the effects.
    fn popup_key(&mut self, popup: Popup, key: KeyEvent) -> (Option<Popup>, Vec<Effect>) {
        let code = key.code;
        match popup {
            Popup::Help { scroll } => {
                let scroll = match code {
                    KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
                    KeyCode::Down | KeyCode::Char('j') => scroll + 1,
                    KeyCode::PageDown => scroll + 10,
                    KeyCode::PageUp => scroll.saturating_sub(10),
                    _ => return (None, vec![]),
                };
                (Some(Popup::Help { scroll }), vec![])
            }
            Popup::Confirm { job, lines } => match code {
                KeyCode::Enter | KeyCode::Char('y' | 'k' | 'j') => (None, self.run_job(job)),
                KeyCode::Esc | KeyCode::Char('n' | 'e') => {
                    self.status = Some(Status::Info(self.words.t("status.cancelled").to_string()));
                    (None, vec![])
                }
                _ => (Some(Popup::Confirm { job, lines }), vec![]),
            },
            Popup::Secret { .. } | Popup::Error { .. } => match code {
                KeyCode::Enter | KeyCode::Esc | KeyCode::Char(' ') => (None, vec![]),
                _ => (Some(popup), vec![]),
            },
            Popup::RevealChoice {
                account_id,
                selected,
            } => self.reveal_choice_key(account_id, selected, code),
            Popup::PinForm(form) => self.pin_form_key(form, key),
            Popup::EmailForm(form) => self.email_form_key(form, key),
            Popup::TextForm(form) => self.text_form_key(form, key),
        }
    }

    /// Choosing which hidden field to show: arrows move, Enter or the
    /// field's first letter picks it.
    fn reveal_choice_key(
        &mut self,
        account_id: i64,
        selected: usize,
        code: KeyCode,
    ) -> (Option<Popup>, Vec<Effect>) {
        let stay = |selected| {
            let popup = Popup::RevealChoice {
                account_id,
                selected,
            };
            (Some(popup), vec![])
        };
        let pick = match code {
            KeyCode::Up => return stay(selected.saturating_sub(1)),
            KeyCode::Down => return stay((selected + 1).min(REVEAL_FIELDS.len() - 1)),
            KeyCode::Enter => Some(selected),
            KeyCode::Esc => return (None, vec![]),
            KeyCode::Char(c) => REVEAL_FIELDS.iter().position(|f| {
                self.words
                    .t(super::popup::reveal_field_key(*f))
                    .to_lowercase()
                    .starts_with(c)
            }),
            _ => None,
        };
        match pick {
            Some(i) => {
                let field = REVEAL_FIELDS[i];
                (None, self.run_job(Job::Reveal { account_id, field }))
            }
            None => stay(selected),
        }
    }

    fn pin_form_key(&mut self, mut form: PinForm, key: KeyEvent) -> (Option<Popup>, Vec<Effect>) {
        match key.code {
            KeyCode::Esc => return (None, vec![]),
            KeyCode::Up | KeyCode::BackTab => form.on_second = false,
            KeyCode::Down | KeyCode::Tab => form.on_second = true,
            KeyCode::Enter if !form.on_second => form.on_second = true,
            KeyCode::Enter => {
                if form.first.value().is_empty() {
                    form.error = Some(self.words.t("pin_form.empty").to_string());
                    form.on_second = false;
                } else if form.first.value() != form.second.value() {
                    form.error = Some(self.words.t("pin_form.differ").to_string());
                    form.second.reset();
                } else {
                    let job = Job::SetPin {
                        account_id: form.account_id,
                        first: Zeroizing::new(form.first.value().to_string()),
                        second: Zeroizing::new(form.second.value().to_string()),
                    };
                    let name = self
                        .detail()
                        .map(|d| crate::text::safe(&d.account.full_name))
                        .unwrap_or_default();
                    let lines = vec![
                        self.words
                            .f(&format!("confirm.set_{}", form.kind), &[("name", &name)]),
                        self.words.t("confirm.links_die").to_string(),
                    ];
                    return (Some(Popup::Confirm { job, lines }), vec![]);
                }
            }
            _ => {
                let field = if form.on_second {
                    &mut form.second
                } else {
                    &mut form.first
                };
                field.handle_event(&Event::Key(key));
                form.error = None;
            }
        }
        (Some(Popup::PinForm(form)), vec![])
    }

    fn email_form_key(
        &mut self,
        mut form: EmailForm,
        key: KeyEvent,
    ) -> (Option<Popup>, Vec<Effect>) {
        let choose = |form: &mut EmailForm, step: i64| {
            let at = form
                .check
                .and_then(|c| IDENTITY_CHECKS.iter().position(|x| *x == c));
            let next = match at {
                None => 0,
                Some(i) => (i as i64 + step).rem_euclid(IDENTITY_CHECKS.len() as i64) as usize,
            };
            form.check = Some(IDENTITY_CHECKS[next]);
        };
        match key.code {
            KeyCode::Esc => return (None, vec![]),
            KeyCode::Tab | KeyCode::Down => form.field = form.field.next(),
            KeyCode::BackTab | KeyCode::Up => form.field = form.field.previous(),
            KeyCode::Right | KeyCode::Char(' ') if form.field == EmailField::Check => {
                choose(&mut form, 1)
            }
            KeyCode::Left if form.field == EmailField::Check => choose(&mut form, -1),
            KeyCode::Char(c @ '1'..='3') if form.field == EmailField::Check => {
                form.check = Some(IDENTITY_CHECKS[c as usize - '1' as usize]);
            }
            KeyCode::Enter if form.field != EmailField::Note => form.field = form.field.next(),
            KeyCode::Enter => {
                let email = form.email.value().trim().to_string();
                let note = form.note.value().trim().to_string();
                form.error = if !crate::domain::normalize::is_plausible_email(&email) {
                    form.field = EmailField::Email;
                    Some(self.words.t("email_form.bad_email").to_string())
                } else if form.check.is_none() {
                    form.field = EmailField::Check;
                    Some(self.words.t("email_form.pick_check").to_string())
                } else if form.check == Some(IdentityCheck::Other) && note.is_empty() {
                    Some(self.words.t("email_form.note_needed").to_string())
                } else {
                    None
                };
                if form.error.is_none() {
                    let checked = form.check.unwrap_or(IdentityCheck::Other);
                    let lines = vec![
                        self.words.f(
                            "confirm.change_email",
                            &[("to", &crate::text::safe(&email))],
                        ),
                        self.words.t("confirm.old_links_die").to_string(),
                    ];
                    let job = Job::ChangeEmail {
                        account_id: form.account_id,
                        email,
                        checked,
                        note: (!note.is_empty()).then_some(note),
                    };
                    return (Some(Popup::Confirm { job, lines }), vec![]);
                }
            }
            _ => {
                let field = match form.field {
                    EmailField::Email => &mut form.email,
                    EmailField::Note => &mut form.note,
                    EmailField::Check => return (Some(Popup::EmailForm(form)), vec![]),
                };
                field.handle_event(&Event::Key(key));
                form.error = None;
            }
        }
        (Some(Popup::EmailForm(form)), vec![])
    }

    fn text_form_key(&mut self, mut form: TextForm, key: KeyEvent) -> (Option<Popup>, Vec<Effect>) {
        match key.code {
            KeyCode::Esc => return (None, vec![]),
            KeyCode::Enter => {
                let text = form.input.value().trim().to_string();
                if text.is_empty() {
                    form.error = Some(self.words.t("text_form.empty").to_string());
                    return (Some(Popup::TextForm(form)), vec![]);
                }
                let account_id = form.account_id;
                return match form.purpose {
                    TextPurpose::Note => {
                        let lines = vec![
                            self.words.t("confirm.add_note").to_string(),
                            crate::text::safe(&text),
                        ];
                        let job = Job::AddNote { account_id, text };
                        (Some(Popup::Confirm { job, lines }), vec![])
                    }
                    TextPurpose::UnlockReason => {
                        let lines = vec![self.words.t("confirm.unlock").to_string()];
                        let job = Job::Unlock {
                            account_id,
                            reason: text,
                        };
                        (Some(Popup::Confirm { job, lines }), vec![])
                    }
                };
            }
            _ => {
                form.input.handle_event(&Event::Key(key));
                form.error = None;
            }
        }
        (Some(Popup::TextForm(form)), vec![])
    }
}
