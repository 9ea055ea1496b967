//! Runs the app's effects against the services in background tasks and
//! sends each result back as an `Action`; the screen never waits. Also the
//! console's own mail worker, woken when an action queues mail.

use super::action::{Action, Effect, Job, JobOutput};
use super::app::SEARCH_LIMIT;
use crate::service::{NewCredential, ServiceError, Services, Staff};
use crate::text::Words;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, mpsc, watch};
use zeroize::Zeroizing;

/// How often the mailer looks for due retries when nothing wakes it.
const MAIL_POLL: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct Runner {
    services: Services,
    staff: Arc<Staff>,
    words: Arc<Words>,
    actions: mpsc::UnboundedSender<Action>,
    mail_wake: Arc<Notify>,
}

impl Runner {
    pub fn new(
        services: Services,
        staff: Staff,
        words: Words,
        actions: mpsc::UnboundedSender<Action>,
    ) -> Runner {
        Runner {
            services,
            staff: Arc::new(staff),
            words: Arc::new(words),
            actions,
            mail_wake: Arc::new(Notify::new()),
        }
    }

    fn fail(&self, e: ServiceError) -> String {
        e.describe(&self.words)
    }

    /// Starts one effect in the background.
    pub fn start(&self, effect: Effect) {
        match effect {
            Effect::WakeMailer => self.mail_wake.notify_one(),
            Effect::Search { request, query } => self.spawn(
                move |r| async move {
                    let result = r
                        .services
                        .search(&r.staff, &query, SEARCH_LIMIT)
                        .await
                        .map_err(|e| r.fail(e));
                    Action::SearchFinished { request, result }
                },
                move |message| Action::SearchFinished {
                    request,
                    result: Err(message),
                },
            ),
            Effect::LoadDetail {
                request,
                account_id,
                audited,
            } => self.spawn(
                move |r| async move {
                    // Opening reads the account from its directory first.
                    let result = if audited {
                        r.services.open_account(&r.staff, account_id).await
                    } else {
                        r.services.reread_account_detail(&r.staff, account_id).await
                    };
                    let result = result.map(Box::new).map_err(|e| r.fail(e));
                    Action::DetailLoaded { request, result }
                },
                move |message| Action::DetailLoaded {
                    request,
                    result: Err(message),
                },
            ),
            Effect::Verify {
                request,
                org,
                card,
                email,
            } => self.spawn(
                move |r| async move {
                    let result = r
                        .services
                        .verify_in(&r.staff, org.as_deref(), card.as_deref(), &email)
                        .await
                        .map_err(|e| r.fail(e));
                    Action::VerifyFinished { request, result }
                },
                move |message| Action::VerifyFinished {
                    request,
                    result: Err(message),
                },
            ),
            Effect::LoadStats { request, org, days } => self.spawn(
                move |r| async move {
                    let result = r
                        .services
                        .org_stats(&r.staff, &org, days)
                        .await
                        .map(Box::new)
                        .map_err(|e| r.fail(e));
                    Action::StatsLoaded { request, result }
                },
                move |message| Action::StatsLoaded {
                    request,
                    result: Err(message),
                },
            ),
            Effect::Run { request, job } => self.spawn(
                move |r| async move {
                    let result = r.run_job(job).await.map_err(|e| r.fail(e));
                    Action::JobFinished { request, result }
                },
                move |message| Action::JobFinished {
                    request,
                    result: Err(message),
                },
            ),
            Effect::CheckStaffPassword { password } => self.spawn(
                move |r| async move { r.check_staff_password(password).await },
                |message| Action::UnlockChecked {
                    ok: false,
                    message: Some(message),
                },
            ),
        }
    }

    /// The lock screen's check: the password must be the signed-in staff
    /// member's own.
    async fn check_staff_password(&self, password: Zeroizing<String>) -> Action {
        let (ok, message) = match self
            .services
            .identify_password(&self.staff.login, password)
            .await
        {
            Ok(s) => (s.id == self.staff.id, None),
            Err(e) => (false, Some(self.fail(e))),
        };
        Action::UnlockChecked { ok, message }
    }

    /// Runs `work` in a task; if it panics, `on_panic` reports it instead,
    /// so a spinner never turns forever.
    fn spawn<W, F>(&self, work: W, on_panic: impl FnOnce(String) -> Action + Send + 'static)
    where
        W: FnOnce(Runner) -> F,
        F: std::future::Future<Output = Action> + Send + 'static,
    {
        let future = work(self.clone());
        let actions = self.actions.clone();
        let internal = self.words.t("error.internal").to_string();
        tokio::spawn(async move {
            let action = match tokio::spawn(future).await {
                Ok(action) => action,
                Err(e) => {
                    tracing::error!("console task failed: {e}");
                    on_panic(internal)
                }
            };
            let _ = actions.send(action);
        });
    }

    async fn run_job(&self, job: Job) -> Result<JobOutput, ServiceError> {
        let s = &self.services;
        let staff = &*self.staff;
        Ok(match job {
            Job::SendLink {
                account_id,
                purpose,
            } => JobOutput::LinkSent(s.send_link(staff, account_id, Some(purpose)).await?),
            Job::SetPin {
                account_id,
                first,
                second,
            } => {
                s.set_credential(staff, account_id, NewCredential::Typed { first, second })
                    .await?;
                JobOutput::CredentialSet
            }
            Job::GeneratePin { account_id } => match s
                .set_credential(staff, account_id, NewCredential::Generate)
                .await?
            {
                Some(secret) => JobOutput::Generated(secret),
                None => JobOutput::CredentialSet,
            },
            Job::ChangeEmail {
                account_id,
                email,
                checked,
                note,
            } => {
                s.change_email(staff, account_id, &email, checked, note.as_deref())
                    .await?;
                JobOutput::EmailChanged
            }
            Job::Unlock { account_id, reason } => {
                s.unlock(staff, account_id, &reason).await?;
                JobOutput::Unlocked
            }
            Job::Revoke { token_id, .. } => {
                s.revoke_link(staff, token_id).await?;
                JobOutput::Revoked
            }
            Job::AddNote { account_id, text } => {
                s.add_note(staff, account_id, &text).await?;
                JobOutput::NoteAdded
            }
            Job::Reveal { account_id, field } => JobOutput::Revealed {
                field,
                value: Zeroizing::new(s.reveal(staff, account_id, field).await?),
            },
        })
    }

    /// Uses an outbox worker this process already runs (the SSH door's):
    /// queued mail wakes it, and each pass that did something refreshes
    /// the open account.
    pub fn share_mailer(&mut self, signal: &crate::service::MailSignal) {
        self.mail_wake = signal.wake.clone();
        let mut progressed = signal.progressed.subscribe();
        let actions = self.actions.clone();
        tokio::spawn(async move {
            use tokio::sync::broadcast::error::RecvError;
            loop {
                match progressed.recv().await {
                    Ok(()) | Err(RecvError::Lagged(_)) => {
                        if actions.send(Action::MailProgressed).is_err() {
                            return;
                        }
                    }
                    Err(RecvError::Closed) => return,
                }
            }
        });
    }

    /// Delivers queued mail while the console runs, and says when it did
    /// something so the links pane can show it.
    pub fn spawn_mailer(&self, mailer: crate::service::Delivery, mut stop: watch::Receiver<bool>) {
        let actions = self.actions.clone();
        let wake = self.mail_wake.clone();
        tokio::spawn(async move {
            loop {
                match mailer.deliver_due(100).await {
                    Ok(report) if report != crate::service::DeliveryReport::default() => {
                        let _ = actions.send(Action::MailProgressed);
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!("console mailer: {e:#}"),
                }
                tokio::select! {
                    _ = wake.notified() => {}
                    _ = tokio::time::sleep(MAIL_POLL) => {}
                    _ = stop.changed() => return,
                }
            }
        });
    }
}
