//! Application logos: uploaded in the portal, kept in the database
//! (`client_branding`), served from Tollgate's own origin. An uploaded
//! file is accepted only as a PNG or JPEG by its bytes (not its name or
//! declared type), at most 100 KB and 32×32 to 512×512 pixels, decoded in
//! full under bounded limits before it is kept. A registration's
//! `logo_uri` is never shown: a hot-linked image would leak every consent
//! page's visitors to its host, and pages allow images from here only.

use super::app_form::AppForm;
use super::nav::Nav;
use super::page_error::PageError;
use super::pages::{self, read_form, see_other};
use super::portal::{extras, form_page};
use super::{body, session, AppState};
use crate::i18n;
use crate::oauth::registry::{self, Registration};
use crate::oauth::sessions::Session;
use crate::storage::branding::{self, Logo};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use std::io::Cursor;

/// The largest logo kept, in bytes.
pub const MAX_LOGO_BYTES: usize = 100 * 1024;
/// The largest upload read (the logo and the form around it); more is a 413.
const MAX_UPLOAD_BYTES: usize = 1024 * 1024;
const MIN_SIDE: u32 = 32;
const MAX_SIDE: u32 = 512;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/logos/{client_id}", web::get().to(serve))
        .route("/portal/apps/{id}/logo", web::post().to(upload))
        .route("/portal/apps/{id}/logo/remove", web::post().to(remove));
}

/// The address of a logo uploaded at `updated_at` (the version makes a
/// new upload a new address for caches).
pub(super) fn logo_path(client_id: &str, updated_at: i64) -> String {
    let id: String = url::form_urlencoded::byte_serialize(client_id.as_bytes()).collect();
    format!("/logos/{id}?v={updated_at}")
}

/// Why an upload is refused. The check runs on a blocking thread, outside
/// the request's language: the form words it ([`Refused::words`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refused {
    NoFile,
    TooLarge,
    NotPngOrJpeg,
    Unreadable,
    WrongSize,
}

impl Refused {
    /// In the request's language, for the form.
    fn words(self) -> String {
        match self {
            Refused::NoFile => i18n::t("portal-logo-choose-file"),
            Refused::TooLarge => i18n::t("portal-logo-too-large"),
            Refused::NotPngOrJpeg => i18n::t("portal-logo-not-png-or-jpeg"),
            Refused::Unreadable => i18n::t("portal-logo-unreadable"),
            Refused::WrongSize => i18n::t("portal-logo-size"),
        }
    }
}

/// The upload's content type, or why it is refused.
fn check(bytes: &[u8]) -> Result<&'static str, Refused> {
    if bytes.is_empty() {
        return Err(Refused::NoFile);
    }
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(Refused::TooLarge);
    }
    let (format, content_type) = match image::guess_format(bytes) {
        Ok(image::ImageFormat::Png) => (image::ImageFormat::Png, "image/png"),
        Ok(image::ImageFormat::Jpeg) => (image::ImageFormat::Jpeg, "image/jpeg"),
        _ => return Err(Refused::NotPngOrJpeg),
    };
    let reader = |limits| {
        let mut r = image::ImageReader::with_format(Cursor::new(bytes), format);
        r.limits(limits);
        r
    };
    // The header first: a claimed size of 60000×60000 is refused before
    // anything is allocated for it.
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(8192);
    limits.max_image_height = Some(8192);
    limits.max_alloc = Some(4 * 1024 * 1024);
    let (width, height) = reader(limits.clone())
        .into_dimensions()
        .map_err(|_| Refused::Unreadable)?;
    if !(MIN_SIDE..=MAX_SIDE).contains(&width) || !(MIN_SIDE..=MAX_SIDE).contains(&height) {
        return Err(Refused::WrongSize);
    }
    reader(limits).decode().map_err(|_| Refused::Unreadable)?;
    Ok(content_type)
}

/// The posted parts of a `multipart/form-data` upload: the CSRF token and
/// the file's bytes.
async fn read_upload(req: &HttpRequest, payload: web::Payload) -> Result<(String, Vec<u8>), PageError> {
    let body = body::read(req, payload, "multipart/form-data", MAX_UPLOAD_BYTES)
        .await
        .map_err(|e| match e {
            body::BodyError::TooLarge => PageError::refused(
                StatusCode::PAYLOAD_TOO_LARGE,
                i18n::t("form-too-large-title"),
                i18n::t("portal-logo-too-large"),
            ),
            _ => PageError::bad_request(i18n::t("portal-upload-unreadable")),
        })?;
    let boundary = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok())
        .ok_or_else(|| PageError::bad_request(i18n::t("portal-upload-malformed")))?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut parts = multer::Multipart::new(stream, boundary);
    let malformed = |_| PageError::bad_request(i18n::t("portal-upload-malformed"));
    let (mut csrf, mut file) = (String::new(), Vec::new());
    while let Some(part) = parts.next_field().await.map_err(malformed)? {
        match part.name() {
            Some("csrf_token") => csrf = part.text().await.map_err(malformed)?,
            Some("logo") => file = part.bytes().await.map_err(malformed)?.to_vec(),
            _ => {}
        }
    }
    Ok((csrf, file))
}

/// The developer of `id` (or an administrator), signed in, or the way to sign in.
async fn manager(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
) -> Result<(Session, Registration), PageError> {
    let current = session::current(state, req).await?.ok_or_else(|| {
        let back: String = url::form_urlencoded::byte_serialize(req.path().as_bytes()).collect();
        PageError::SeeOther(format!("/login?return_to={back}"))
    })?;
    match registry::registration(&state.oauth.db, id).await? {
        Some(r) if r.is_managed_by(&current.user_id, current.is_admin) => Ok((current, r)),
        _ => Err(PageError::not_found(i18n::t("portal-no-such-application"))),
    }
}

async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (csrf, file) = read_upload(&req, payload).await?;
    let (current, row) = manager(&state, &req, &id).await?;
    if !current.csrf_matches(&csrf) {
        return Err(PageError::form_expired());
    }
    // Decoding is CPU work: off the request's thread.
    let checked = web::block(move || check(&file).map(|t| (t, file)))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "a logo check did not finish");
            PageError::bad_request(i18n::t("portal-logo-not-checked"))
        })?;
    let (content_type, bytes) = match checked {
        Ok(ok) => ok,
        Err(refused) => {
            let catalogue = registry::catalogue(&state.oauth.db).await?;
            let extras = extras(&state, &row).await?;
            return Ok(form_page(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                &current,
                Some(&row),
                AppForm::from_registration(&row),
                vec![("logo", refused.words())],
                catalogue,
                extras,
            ));
        }
    };
    let logo = Logo {
        bytes,
        content_type: content_type.to_string(),
        updated_at: state.oauth.clock.now(),
    };
    let client_id = row.id.clone();
    state
        .oauth
        .db
        .run(move |conn| branding::set_logo(conn, &client_id, Some(logo)))
        .await?;
    Ok(see_other(&format!("/portal/apps/{}?done=logo", row.id)))
}

async fn remove(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let form = read_form(&req, payload).await?;
    let (current, row) = manager(&state, &req, &id).await?;
    if !form.get("csrf_token").is_some_and(|t| current.csrf_matches(t)) {
        return Err(PageError::form_expired());
    }
    let client_id = row.id.clone();
    state
        .oauth
        .db
        .run(move |conn| branding::set_logo(conn, &client_id, None))
        .await?;
    Ok(see_other(&format!("/portal/apps/{}?done=logo_removed", row.id)))
}

/// `GET /logos/{client_id}`: the image as uploaded, with its checked type,
/// never sniffed, never a document (`default-src 'none'`), revalidated by
/// its `ETag`.
async fn serve(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let client_id = id.into_inner();
    let logo = state
        .oauth
        .db
        .run(move |conn| branding::logo(conn, &client_id))
        .await?;
    let Some(logo) = logo else {
        return Ok(pages::page_response(
            StatusCode::NOT_FOUND,
            &Nav::none(),
            &pages::ErrorPage {
                title: &i18n::t("error-not-found"),
                message: &i18n::t("portal-logo-none"),
            },
        ));
    };
    let etag = format!("\"{}-{}\"", logo.updated_at, logo.bytes.len());
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut builder = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    builder
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300, must-revalidate"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox"))
        .insert_header(("Cross-Origin-Resource-Policy", "same-origin"));
    if fresh {
        return Ok(builder.finish());
    }
    Ok(builder.content_type(logo.content_type).body(logo.bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_file_named_like_an_image_is_refused() {
        assert_eq!(check(b"not an image at all"), Err(Refused::NotPngOrJpeg));
        assert_eq!(
            Refused::NotPngOrJpeg.words(),
            "The logo must be a PNG or JPEG image."
        );
    }

    #[test]
    fn an_empty_upload_asks_for_a_file() {
        assert_eq!(check(b""), Err(Refused::NoFile));
        assert_eq!(Refused::NoFile.words(), "Choose an image file to upload.");
    }
}
