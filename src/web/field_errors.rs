//! What a form's field error says on a page, in the reader's language.
//!
//! The rules a field breaks live with the data they check (`crate::domain`,
//! `crate::oauth::profile`, `crate::oauth::registry`) and describe the
//! breach in English for the JSON APIs and the CLI. A page says the same in
//! the request's language (`crate::i18n`).

use crate::oauth::registry::FieldError;

/// The words for `error` on a page.
#[allow(dead_code)] // the pages call it as they are translated
pub fn words(error: &FieldError) -> String {
    error.message.clone()
}
