//! Account actions running and finished: the spinner while a confirmed
//! job runs, then its result on the status line (or a popup), the mailer
//! woken and the account and results read again.

use super::action::{Effect, Job, JobOutput};
use super::app::{App, Busy, Status};
use super::popup::Popup;
use crate::domain::link::LinkPurpose;

impl App {
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
