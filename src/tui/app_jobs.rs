//! Work coming back to the console: search results, the account read,
//! a verification, the lock screen's password check, and account actions
//! (the spinner while a confirmed job runs, then its result on the status
//! line or a popup, the mailer woken and the account and results read
//! again). A result for a request that has since been replaced is dropped.

use super::action::{Effect, Failure, Job, JobOutput, VerifyOutcome};
use super::app::{App, Busy, Status};
use super::popup::Popup;
use crate::domain::link::LinkPurpose;
use crate::domain::policy::CredentialKind;
use crate::service::{AccountDetail, AccountSummary};

impl App {
    pub(super) fn on_search_finished(
        &mut self,
        request: u64,
        result: Result<Vec<AccountSummary>, Failure>,
    ) -> Vec<Effect> {
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

    pub(super) fn on_detail_loaded(
        &mut self,
        request: u64,
        result: Result<Box<AccountDetail>, Failure>,
    ) -> Vec<Effect> {
        if request != self.account.latest {
            return Vec::new();
        }
        self.account.loading = None;
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

    pub(super) fn on_verify_finished(
        &mut self,
        request: u64,
        result: Result<VerifyOutcome, Failure>,
    ) -> Vec<Effect> {
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

    pub(super) fn on_unlock_checked(&mut self, ok: bool, message: Option<String>) -> Vec<Effect> {
        self.dirty = true;
        if ok {
            self.lock = None;
        } else if let Some(lock) = &mut self.lock {
            lock.checking = false;
            lock.password.reset();
            lock.error = Some(message.unwrap_or_else(|| self.words.t("lock.wrong").to_string()));
        }
        Vec::new()
    }

    pub(super) fn on_job_finished(
        &mut self,
        request: u64,
        result: Result<JobOutput, String>,
    ) -> Vec<Effect> {
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
                    title_key: match self.credential_here() {
                        CredentialKind::Pin => "secret.generated_pin",
                        CredentialKind::Password => "secret.generated_password",
                    },
                    note_key: "secret.once",
                    value,
                });
                t.t(credential_set_key(self.credential_here())).to_string()
            }
            JobOutput::CredentialSet => t.t(credential_set_key(self.credential_here())).to_string(),
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
            label_key: job.busy_key(self.credential_here()),
            frame: 0,
        });
        self.popup = None;
        self.dirty = true;
        vec![Effect::Run { request, job }]
    }
}

/// The status line after a new credential was saved.
fn credential_set_key(kind: CredentialKind) -> &'static str {
    match kind {
        CredentialKind::Pin => "status.pin_set",
        CredentialKind::Password => "status.password_set",
    }
}
