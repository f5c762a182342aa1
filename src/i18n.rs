//! The words of every page and email, in the reader's language.
//!
//! Messages are Fluent catalogues, `locales/<language>/<area>.ftl`, compiled
//! into the binary (`fluent-templates`). English (`en`) is the fallback;
//! German (`de`) has the same messages (the tests below check that both
//! catalogues have the same ids, attributes and variables, and that every id
//! the code and templates use exists).
//!
//! The language is chosen once per request (`web::language`: `ui_locales`
//! of an authorization request, then `Accept-Language`, then English) and
//! held for the request's task, so that a page, an error page or an email
//! rendered while answering it need not be handed it: templates write
//! `{{ i18n::t("id") }}` (with `use crate::i18n;` beside their struct) and
//! code calls [`t`]. Outside a request (the CLI, background work) the
//! language is English.
//!
//! A new catalogue file is picked up when this file is compiled again
//! (touch it).

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{langid, LanguageIdentifier, Loader};
use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashMap;

fluent_templates::static_loader! {
    static CATALOGUES = {
        locales: "./locales",
        fallback_language: "en",
        // No Unicode isolation marks around arguments: every page is
        // left-to-right, and the marks would end up inside form values.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static EN: LanguageIdentifier = langid!("en");
static DE: LanguageIdentifier = langid!("de");

/// A language Tollgate speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English, the fallback.
    #[default]
    En,
    /// German.
    De,
}

impl Lang {
    /// Every language with a catalogue.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::De];

    /// Its BCP 47 tag (`<html lang>`, `Content-Language`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::En => &EN,
            Lang::De => &DE,
        }
    }

    /// The language of a BCP 47 tag, by its primary subtag (`de-AT` is
    /// German), if Tollgate speaks it.
    pub fn of_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?;
        Lang::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(primary))
    }

    /// The first language Tollgate speaks of a space-separated list in
    /// order of preference (OpenID Connect Core §3.1.2.1 `ui_locales`).
    pub fn of_ui_locales(list: &str) -> Option<Lang> {
        list.split(' ').take(16).find_map(Lang::of_tag)
    }

    /// The most preferred language Tollgate speaks of an `Accept-Language`
    /// header (RFC 9110 §12.5.4): by weight, then by order; `q=0` means
    /// "not this one".
    pub fn of_accept_language(header: &str) -> Option<Lang> {
        let mut ranges: Vec<(u16, Lang)> = header
            .split(',')
            .take(32)
            .filter_map(|range| {
                let mut parts = range.split(';');
                let lang = Lang::of_tag(parts.next()?)?;
                let weight = parts
                    .find_map(|p| {
                        p.trim()
                            .strip_prefix("q=")
                            .or_else(|| p.trim().strip_prefix("Q="))
                    })
                    .map_or(Some(1000), |q| {
                        q.trim()
                            .parse::<f32>()
                            .ok()
                            .map(|q| (q.clamp(0.0, 1.0) * 1000.0) as u16)
                    })?;
                (weight > 0).then_some((weight, lang))
            })
            .collect();
        // Stable: equal weights keep the header's order.
        ranges.sort_by_key(|r| std::cmp::Reverse(r.0));
        ranges.first().map(|(_, lang)| *lang)
    }
}

tokio::task_local! {
    static CURRENT: Cell<Chosen>;
}

/// The language of a request, and how it was chosen.
#[derive(Debug, Clone, Copy, Default)]
struct Chosen {
    lang: Lang,
    /// What the request's browser asks for (`Accept-Language`, else English).
    browser: Lang,
    /// An authorization request's `ui_locales`, once read: the language it
    /// names, if Tollgate speaks one.
    client: Option<Option<Lang>>,
}

/// Runs `work` with `lang` as the language of everything it renders;
/// `browser` is the language without a client's `ui_locales`.
pub async fn scope<F: std::future::Future>(lang: Lang, browser: Lang, work: F) -> F::Output {
    let chosen = Chosen {
        lang,
        browser,
        client: None,
    };
    CURRENT.scope(Cell::new(chosen), work).await
}

/// The language of the request being answered (English outside one).
pub fn current() -> Lang {
    CURRENT.try_with(|c| c.get().lang).unwrap_or_default()
}

/// An authorization request's `ui_locales` (OpenID Connect Core
/// §3.1.2.1): from here on the request is answered in the first language
/// of the list Tollgate speaks, else in the browser's. Outside a request,
/// nothing.
pub fn choose_for_client(ui_locales: Option<&str>) {
    let _ = CURRENT.try_with(|c| {
        let mut chosen = c.get();
        let named = ui_locales.and_then(Lang::of_ui_locales);
        chosen.lang = named.unwrap_or(chosen.browser);
        chosen.client = Some(named);
        c.set(chosen);
    });
}

/// What [`choose_for_client`] was told in this request, if it was called:
/// the language the client's `ui_locales` named, if any.
pub fn client_choice() -> Option<Option<Lang>> {
    CURRENT.try_with(|c| c.get().client).ok().flatten()
}

/// `<html lang>` of the page being rendered.
pub fn lang() -> &'static str {
    current().code()
}

/// A value a message is given (`{ $name }`): text, or a number (which
/// chooses plural forms).
pub trait Arg {
    /// As Fluent sees it.
    fn value(&self) -> FluentValue<'static>;
}

impl Arg for str {
    fn value(&self) -> FluentValue<'static> {
        FluentValue::from(self.to_string())
    }
}
impl Arg for String {
    fn value(&self) -> FluentValue<'static> {
        self.as_str().value()
    }
}
impl<T: Arg + ?Sized> Arg for &T {
    fn value(&self) -> FluentValue<'static> {
        (**self).value()
    }
}
macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl Arg for $t {
            fn value(&self) -> FluentValue<'static> {
                FluentValue::from(*self)
            }
        }
    )*};
}
number_arg!(i32, i64, u32, u64, usize);

/// The message `id` in the current language.
pub fn t(id: &str) -> String {
    lookup(current(), id, None)
}

/// The message `id` with one argument.
pub fn t1<A: Arg + ?Sized>(id: &str, name: &'static str, value: &A) -> String {
    let args = HashMap::from([(Cow::Borrowed(name), value.value())]);
    lookup(current(), id, Some(&args))
}

/// The message `id` with two arguments.
pub fn t2<A: Arg + ?Sized, B: Arg + ?Sized>(
    id: &str,
    name_a: &'static str,
    a: &A,
    name_b: &'static str,
    b: &B,
) -> String {
    let args = HashMap::from([
        (Cow::Borrowed(name_a), a.value()),
        (Cow::Borrowed(name_b), b.value()),
    ]);
    lookup(current(), id, Some(&args))
}

/// The message `id` with any number of arguments.
pub fn tn(id: &str, args: &[(&'static str, &dyn Arg)]) -> String {
    let args = args
        .iter()
        .map(|(name, value)| (Cow::Borrowed(*name), value.value()))
        .collect::<HashMap<_, _>>();
    lookup(current(), id, Some(&args))
}

fn lookup(lang: Lang, id: &str, args: Option<&HashMap<Cow<'static, str>, FluentValue<'static>>>) -> String {
    CATALOGUES
        .try_lookup_complete(lang.id(), id, args)
        .unwrap_or_else(|| {
            // The catalogue tests make this unreachable; a page still shows.
            tracing::error!(id, "a message is missing from the catalogue");
            id.to_string()
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::{Path, PathBuf};

    #[test]
    fn accept_language_is_read_by_weight_then_order() {
        assert_eq!(
            Lang::of_accept_language("de-DE,de;q=0.9,en;q=0.8"),
            Some(Lang::De)
        );
        assert_eq!(Lang::of_accept_language("fr, de;q=0.5, en;q=0.9"), Some(Lang::En));
        assert_eq!(Lang::of_accept_language("en;q=0, de;q=0.1"), Some(Lang::De));
        assert_eq!(Lang::of_accept_language("fr-CH, fr;q=0.9, *;q=0.5"), None);
        assert_eq!(Lang::of_accept_language("de;q=x, en"), Some(Lang::En));
        assert_eq!(Lang::of_accept_language(""), None);
    }

    #[test]
    fn ui_locales_takes_the_first_spoken_language() {
        assert_eq!(Lang::of_ui_locales("fr-CA de en"), Some(Lang::De));
        assert_eq!(Lang::of_ui_locales("ja"), None);
    }

    #[test]
    fn outside_a_request_the_language_is_english() {
        assert_eq!(current(), Lang::En);
        choose_for_client(Some("de"));
        assert_eq!((current(), client_choice()), (Lang::En, None));
    }

    #[tokio::test]
    async fn a_request_scope_sets_the_language_of_its_messages() {
        let (de, code) = scope(Lang::De, Lang::En, async { (t("sign-in"), lang()) }).await;
        assert_eq!((de.as_str(), code), ("Anmelden", "de"));
        assert_eq!(t("sign-in"), "Sign in");
    }

    #[tokio::test]
    async fn a_clients_ui_locales_outrank_the_remembered_language_and_fall_back_to_the_browsers() {
        let named = scope(Lang::En, Lang::En, async {
            choose_for_client(Some("fr de"));
            (current(), client_choice())
        });
        assert_eq!(named.await, (Lang::De, Some(Some(Lang::De))));
        let unnamed = scope(Lang::De, Lang::En, async {
            choose_for_client(None);
            (current(), client_choice())
        });
        assert_eq!(unnamed.await, (Lang::En, Some(None)));
    }

    #[test]
    fn numbers_choose_plural_forms() {
        let one = t1("login-throttled", "seconds", &1);
        let many = t1("login-throttled", "seconds", &5);
        assert!(one.ends_with("in 1 second."), "{one}");
        assert!(many.ends_with("in 5 seconds."), "{many}");
    }

    /// Each message id of a catalogue, with its attributes and the variables
    /// it uses.
    fn messages(lang: &str) -> BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> {
        use fluent_syntax::ast;
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales").join(lang);
        let mut out = BTreeMap::new();
        for file in ftl_files(&dir) {
            let source = std::fs::read_to_string(&file).unwrap();
            let resource = fluent_syntax::parser::parse(source.as_str())
                .unwrap_or_else(|(_, errors)| panic!("{}: {errors:?}", file.display()));
            for entry in resource.body {
                let (id, value, attributes) = match entry {
                    ast::Entry::Message(m) => (m.id.name.to_string(), m.value, m.attributes),
                    ast::Entry::Term(t) => (format!("-{}", t.id.name), Some(t.value), t.attributes),
                    _ => continue,
                };
                let attrs = attributes.iter().map(|a| a.id.name.to_string()).collect();
                let mut vars = BTreeSet::new();
                let patterns = value.iter().chain(attributes.iter().map(|a| &a.value));
                for p in patterns {
                    variables(p, &mut vars);
                }
                let previous = out.insert(id.clone(), (attrs, vars));
                assert!(previous.is_none(), "{lang}: {id} is defined twice");
            }
        }
        out
    }

    fn variables(pattern: &fluent_syntax::ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
        use fluent_syntax::ast::{Expression, InlineExpression, PatternElement};
        fn inline(e: &InlineExpression<&str>, vars: &mut BTreeSet<String>) {
            match e {
                InlineExpression::VariableReference { id } => {
                    vars.insert(id.name.to_string());
                }
                InlineExpression::Placeable { expression } => expression_vars(expression, vars),
                _ => {}
            }
        }
        fn expression_vars(e: &Expression<&str>, vars: &mut BTreeSet<String>) {
            match e {
                Expression::Inline(i) => inline(i, vars),
                Expression::Select { selector, variants } => {
                    inline(selector, vars);
                    for v in variants {
                        variables(&v.value, vars);
                    }
                }
            }
        }
        for element in &pattern.elements {
            if let PatternElement::Placeable { expression } = element {
                expression_vars(expression, vars);
            }
        }
    }

    fn ftl_files(dir: &Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "ftl"))
            .collect();
        files.sort();
        files
    }

    #[test]
    fn every_catalogue_has_the_same_messages_attributes_and_variables_as_english() {
        let english = messages("en");
        assert!(english.len() > 20, "the English catalogue is loaded");
        for lang in Lang::ALL {
            let other = messages(lang.code());
            let missing: Vec<_> = english.keys().filter(|k| !other.contains_key(*k)).collect();
            let extra: Vec<_> = other.keys().filter(|k| !english.contains_key(*k)).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{}: missing {missing:?}, extra {extra:?}",
                lang.code()
            );
            for (id, shape) in &english {
                assert_eq!(
                    &other[id],
                    shape,
                    "{}: {id} differs in attributes or variables",
                    lang.code()
                );
            }
        }
    }

    #[test]
    fn every_catalogue_has_the_same_files() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
        let names = |lang: &str| -> Vec<_> {
            ftl_files(&root.join(lang))
                .iter()
                .map(|p| p.file_name().unwrap().to_owned())
                .collect()
        };
        for lang in Lang::ALL {
            assert_eq!(names(lang.code()), names("en"));
        }
    }

    /// Every `i18n::t…("id"` in the code and templates names a message.
    #[test]
    fn every_message_the_code_uses_exists() {
        let english = messages("en");
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut missing = Vec::new();
        let mut used = 0;
        for dir in ["src", "templates"] {
            // This file's own examples are not uses.
            for file in all_files(&root.join(dir))
                .into_iter()
                .filter(|f| !f.ends_with("src/i18n.rs"))
            {
                let text = std::fs::read_to_string(&file).unwrap_or_default();
                for (at, _) in text.match_indices("i18n::t") {
                    let rest = &text[at + "i18n::t".len()..];
                    let Some(open) = rest.find("(\"") else { continue };
                    if open > 2 {
                        continue;
                    }
                    let id: String = rest[open + 2..].chars().take_while(|c| *c != '"').collect();
                    used += 1;
                    if !english.contains_key(&id) {
                        missing.push(format!("{}: {id}", file.display()));
                    }
                }
            }
        }
        assert!(used > 20, "the search finds the uses ({used})");
        assert!(missing.is_empty(), "missing messages: {missing:#?}");
    }

    fn all_files(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(all_files(&path));
            } else {
                out.push(path);
            }
        }
        out
    }
}
