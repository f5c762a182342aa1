//! Sending one email: over SMTP when `smtp_url` is set, else into the log.

use crate::config::Settings;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use std::time::Duration;

/// Longest an SMTP conversation may take, each command and the whole of
/// it: a slow or silent server delays only the email, never a page.
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

/// An email ready to go: its subject and its bodies, as text and as HTML.
#[derive(Debug, Clone)]
pub struct Mail {
    /// What it is, for the log: `verify`, `reset`, `password_changed`, `email_changed`.
    pub kind: &'static str,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body.
    pub html: String,
}

/// Why the mailer could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("cannot use smtp_url: {0}")]
pub struct MailerError(#[source] lettre::transport::smtp::Error);

/// Sends emails; held in the application state.
pub struct Mailer {
    /// `None`: development mode, emails are logged instead.
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    /// Emails one subject may cause per hour.
    pub rate_limit: i32,
}

impl Mailer {
    /// The mailer the settings describe. The SMTP server is not contacted
    /// here: a mail server that is down delays emails, not the start.
    pub fn new(settings: &Settings) -> Result<Mailer, MailerError> {
        let transport = match &settings.smtp_url {
            None => None,
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .map_err(MailerError)?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build(),
            ),
        };
        Ok(Mailer {
            transport,
            from: settings.email_from.clone(),
            rate_limit: settings.email_rate_limit,
        })
    }

    /// Whether emails are only logged (no `smtp_url`).
    pub fn is_development(&self) -> bool {
        self.transport.is_none()
    }

    /// Sends `mail` to `to` in the background and returns at once: the
    /// page that caused it answers the same, and as fast, whether sending
    /// works or not. A failure is logged with its cause (never the body:
    /// it may hold a link that works).
    pub fn send(&self, to: &str, mail: Mail) {
        let Some(transport) = self.transport.clone() else {
            // Development mode: the log is the only place the link goes.
            tracing::info!(
                to,
                subject = %mail.subject,
                kind = mail.kind,
                body = %mail.text,
                "email NOT SENT (no smtp_url is set: development mode); it would have said this"
            );
            return;
        };
        let kind = mail.kind;
        let message = match self.message(to, mail) {
            Ok(m) => m,
            Err(e) => {
                tracing::error!(kind, error = %e, "cannot build an email");
                return;
            }
        };
        tokio::spawn(async move {
            match tokio::time::timeout(SMTP_TIMEOUT * 3, transport.send(message)).await {
                Ok(Ok(_)) => tracing::info!(kind, "email sent"),
                Ok(Err(e)) => tracing::warn!(kind, error = %e, "cannot send an email"),
                Err(_) => tracing::warn!(kind, "cannot send an email: the SMTP server took too long"),
            }
        });
    }

    fn message(&self, to: &str, mail: Mail) -> Result<Message, String> {
        let to: Mailbox = to.parse().map_err(|e| format!("the recipient's address: {e}"))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject)
            .multipart(MultiPart::alternative_plain_html(mail.text, mail.html))
            .map_err(|e| e.to_string())
    }
}
