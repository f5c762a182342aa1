//! The header every page carries: the brand, and for a signed-in user the
//! places they can go. Pages hand `pages::page_response` a `Nav`; the
//! layout (`base.html`) marks where it goes.
//!
//! A page that is one of the header's places says so with [`Nav::at`], and
//! its link is marked `aria-current="page"`.

use crate::i18n;
use crate::oauth::sessions::Session;
use askama::Template;

/// What the header shows.
#[derive(Debug, Clone, Default)]
pub struct Nav {
    /// The signed-in user, if the page knows one.
    user: Option<NavUser>,
    /// Whether to offer "Sign in" (pages of a signed-out visitor).
    offer_sign_in: bool,
    /// Whether to offer "Sign up" too (sign-up is enabled).
    offer_sign_up: bool,
    /// The header place this page is, if any.
    current: Option<Section>,
}

/// The places the header links to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// `/account`.
    Account,
    /// `/portal` and its pages.
    Portal,
    /// The administrators' pages.
    Admin,
    /// `/login`.
    SignIn,
    /// `/signup`.
    SignUp,
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

    /// A visitor who is not signed in: "Sign in" (see [`Nav::with_sign_up`]).
    pub fn signed_out() -> Self {
        Self {
            offer_sign_in: true,
            ..Self::default()
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
            ..Self::default()
        }
    }

    /// Offers "Sign up" beside "Sign in" when `enabled` (the operator's
    /// `signup_enabled`).
    pub fn with_sign_up(mut self, enabled: bool) -> Self {
        self.offer_sign_up = enabled && self.offer_sign_in;
        self
    }

    /// Marks `section` as the page being shown.
    pub fn at(mut self, section: Section) -> Self {
        self.current = Some(section);
        self
    }

    /// ` aria-current="page"` for the link to `section` if it is this page.
    fn current(&self, section: Section) -> &'static str {
        if self.current == Some(section) {
            r#" aria-current="page""#
        } else {
            ""
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
