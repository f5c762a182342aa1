//! The header every page carries: the brand, and for a signed-in user the
//! places they can go. Pages hand `pages::page_response` a `Nav`; the
//! layout (`base.html`) marks where it goes.

use crate::oauth::sessions::Session;
use askama::Template;

/// What the header shows.
#[derive(Debug, Clone, Default)]
pub struct Nav {
    /// The signed-in user, if the page knows one.
    user: Option<NavUser>,
    /// Whether to offer "Sign in" (pages of a signed-out visitor).
    offer_sign_in: bool,
}

#[derive(Debug, Clone)]
struct NavUser {
    username: String,
    is_admin: bool,
    csrf: String,
}

impl Nav {
    /// The brand only: error pages and pages that do not know who is asking.
    pub fn none() -> Self {
        Self::default()
    }

    /// A visitor who is not signed in.
    pub fn signed_out() -> Self {
        Self {
            user: None,
            offer_sign_in: true,
        }
    }

    /// The signed-in user of `session`.
    pub fn of(session: &Session) -> Self {
        Self {
            user: Some(NavUser {
                username: session.username.clone(),
                is_admin: session.is_admin,
                csrf: session.csrf.clone(),
            }),
            offer_sign_in: false,
        }
    }

    /// The header's HTML (escaped by the template).
    pub(crate) fn render(&self) -> Result<String, askama::Error> {
        NavBar { nav: self }.render()
    }
}

#[derive(Template)]
#[template(path = "nav.html")]
struct NavBar<'a> {
    nav: &'a Nav,
}

/// Where the layout puts the header.
pub(crate) const MARKER: &str = "<!--nav-->";
