//! `/`: where the brand links. A signed-in user gets a short page of the
//! places they can go; a visitor who is not signed in is sent to the
//! sign-in page, which links to sign-up when it is enabled. Tollgate has
//! nothing to show anyone who is not signed in, so there is no landing page.

use super::nav::Nav;
use super::page_error::PageError;
use super::pages::{self, see_other};
use super::{session, AppState};
use crate::i18n;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home));
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    username: &'a str,
    is_admin: bool,
}

async fn home(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let Some(current) = session::current(&state, &req).await? else {
        return Ok(see_other("/login"));
    };
    Ok(pages::page_response(
        StatusCode::OK,
        &Nav::of(&current),
        &HomePage {
            username: &current.username,
            is_admin: current.is_admin,
        },
    ))
}
