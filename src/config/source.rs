//! Where values come from: the environment, the file, the defaults.

use super::{ConfigError, KEYS};
use std::collections::BTreeMap;
use std::path::Path;

/// The origin of a value nobody set.
pub(super) const DEFAULT_ORIGIN: &str = "the default";

pub(super) struct Source {
    pub(super) file: BTreeMap<String, String>,
    pub(super) file_name: String,
}

impl Source {
    /// The value of `key` and where it came from: environment, file or default.
    pub(super) fn get(&self, key: &'static str) -> (String, String) {
        let env_name = format!("TOLLGATE_{}", key.to_ascii_uppercase());
        if let Ok(v) = std::env::var(&env_name) {
            return (v, format!("environment variable {env_name}"));
        }
        if let Some(v) = self.file.get(key) {
            return (v.clone(), self.file_name.clone());
        }
        let default = KEYS
            .iter()
            .find(|k| k.name == key)
            .map(|k| k.default)
            .unwrap_or("");
        (default.to_string(), DEFAULT_ORIGIN.to_string())
    }

    pub(super) fn parse<T>(
        &self,
        key: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        let (value, origin) = self.get(key);
        parse(value.trim()).map_err(|reason| ConfigError::Invalid { key, origin, reason })
    }
}

/// Variables named like settings that name none: a typo would otherwise go
/// unnoticed. The test suite's own variables are not settings.
pub(super) fn unknown_variables() -> Vec<String> {
    let mut unknown: Vec<String> = std::env::vars_os()
        .filter_map(|(name, _)| name.into_string().ok())
        .filter(|name| name.starts_with("TOLLGATE_"))
        .filter(|name| {
            !name.starts_with("TOLLGATE_TEST_")
                && name != "TOLLGATE_REQUIRE_BROWSER"
                && name != "TOLLGATE_REQUIRE_SERVICES"
        })
        .filter(|name| {
            !KEYS
                .iter()
                .any(|k| format!("TOLLGATE_{}", k.name.to_ascii_uppercase()) == *name)
        })
        .collect();
    unknown.sort();
    unknown
}

pub(super) fn read_file(path: &Path) -> Result<BTreeMap<String, String>, ConfigError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: name.clone(),
        source,
    })?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let before = &text[..e.span().map_or(0, |s| s.start).min(text.len())];
        ConfigError::Syntax {
            path: name.clone(),
            line: before.matches('\n').count() + 1,
            column: before.rsplit('\n').next().unwrap_or("").chars().count() + 1,
            reason: e.message().to_string(),
        }
    })?;
    let mut values = BTreeMap::new();
    for (key, value) in table {
        let Some(known) = KEYS.iter().find(|k| k.name == key) else {
            return Err(ConfigError::UnknownKey { key, path: name });
        };
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => {
                return Err(ConfigError::Invalid {
                    key: known.name,
                    origin: name,
                    reason: format!("expected a string, number or boolean, got a {}", other.type_str()),
                })
            }
        };
        values.insert(key, text);
    }
    Ok(values)
}
