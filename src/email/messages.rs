//! What each email says: a text and an HTML body from the templates under
//! `templates/email/`, and a subject, all in the language of the request
//! being answered (`crate::i18n`): an email is composed while the request
//! that causes it is answered, so it speaks as that page does. Outside a
//! request (the unit tests below) it is English.

use super::mailer::Mail;
use crate::i18n;
use askama::Template;

/// What an email is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A link that confirms the address is the user's.
    Verify,
    /// A link to set a new password.
    Reset,
    /// The password was changed.
    PasswordChanged,
    /// The address was changed (sent to the old one).
    EmailChanged,
}

/// The facts an email is made of.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The login name of the account.
    pub username: String,
    /// Where Tollgate is (the issuer).
    pub site: String,
    /// The link to follow (verification, reset), else empty.
    pub link: String,
    /// The new address (an address change), else empty.
    pub address: String,
}

#[derive(Template)]
#[template(path = "email/verify.txt")]
struct VerifyText<'a> {
    m: &'a Facts,
}
#[derive(Template)]
#[template(path = "email/verify.html")]
struct VerifyHtml<'a> {
    m: &'a Facts,
}
#[derive(Template)]
#[template(path = "email/reset.txt")]
struct ResetText<'a> {
    m: &'a Facts,
}
#[derive(Template)]
#[template(path = "email/reset.html")]
struct ResetHtml<'a> {
    m: &'a Facts,
}
#[derive(Template)]
#[template(path = "email/password_changed.txt")]
struct PasswordChangedText<'a> {
    m: &'a Facts,
    /// The "forgot password" page, written out: a text email has no links.
    forgot_page: String,
}
#[derive(Template)]
#[template(path = "email/password_changed.html")]
struct PasswordChangedHtml<'a> {
    m: &'a Facts,
}
#[derive(Template)]
#[template(path = "email/email_changed.txt")]
struct EmailChangedText<'a> {
    m: &'a Facts,
}
#[derive(Template)]
#[template(path = "email/email_changed.html")]
struct EmailChangedHtml<'a> {
    m: &'a Facts,
}

/// The email of `kind` made of `m`.
pub fn compose(kind: Kind, m: &Facts) -> Result<Mail, askama::Error> {
    let (name, subject, text, html) = match kind {
        Kind::Verify => (
            "verify",
            i18n::t("mail-verify-subject"),
            VerifyText { m }.render()?,
            VerifyHtml { m }.render()?,
        ),
        Kind::Reset => (
            "reset",
            i18n::t("mail-reset-subject"),
            ResetText { m }.render()?,
            ResetHtml { m }.render()?,
        ),
        Kind::PasswordChanged => (
            "password_changed",
            i18n::t("mail-password-changed-subject"),
            PasswordChangedText {
                m,
                forgot_page: format!("{}/password/forgot", m.site),
            }
            .render()?,
            PasswordChangedHtml { m }.render()?,
        ),
        Kind::EmailChanged => (
            "email_changed",
            i18n::t("mail-email-changed-subject"),
            EmailChangedText { m }.render()?,
            EmailChangedHtml { m }.render()?,
        ),
    };
    Ok(Mail {
        kind: name,
        subject,
        text,
        html,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts {
            username: "<alice>".into(),
            site: "https://login.example".into(),
            link: "https://login.example/password/reset?token=a-b_c&x=1".into(),
            address: "new@example.com".into(),
        }
    }

    #[test]
    fn the_text_body_carries_the_link_as_it_is_and_the_html_body_escaped() {
        let mail = compose(Kind::Reset, &facts()).unwrap();
        assert!(mail
            .text
            .contains("https://login.example/password/reset?token=a-b_c&x=1"));
        assert!(mail.html.contains("token=a-b_c&"), "{}", mail.html);
        assert!(!mail.html.contains("&x=1"), "{}", mail.html);
        assert!(!mail.html.contains("<alice>"), "{}", mail.html);
    }

    #[test]
    fn every_email_names_the_account_it_is_about() {
        for kind in [
            Kind::Verify,
            Kind::Reset,
            Kind::PasswordChanged,
            Kind::EmailChanged,
        ] {
            let mail = compose(kind, &facts()).unwrap();
            assert!(mail.text.contains("<alice>"), "{kind:?}");
            assert!(!mail.subject.is_empty());
        }
    }

    #[tokio::test]
    async fn an_email_composed_while_a_german_request_is_answered_is_german() {
        let german = i18n::scope(i18n::Lang::De, i18n::Lang::De, async {
            compose(Kind::Reset, &facts()).unwrap()
        });
        let mail = german.await;
        assert_eq!(mail.subject, "Setzen Sie Ihr Passwort zurück");
        assert!(mail.text.starts_with("Hallo <alice>,"), "{}", mail.text);
        assert!(mail.html.contains(r#"<html lang="de">"#), "{}", mail.html);
        assert!(mail.html.contains("Neues Passwort wählen"), "{}", mail.html);
    }

    #[test]
    fn an_email_composed_outside_a_request_is_english() {
        let mail = compose(Kind::EmailChanged, &facts()).unwrap();
        assert_eq!(mail.subject, "Your email address was changed");
        assert!(
            mail.text.contains("was just changed to new@example.com."),
            "{}",
            mail.text
        );
        assert!(mail.html.contains(r#"<html lang="en">"#), "{}", mail.html);
    }
}
