//! Configuration errors.

/// A configuration problem, naming the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("configuration file {path} is not valid TOML (line {line}, column {column}): {reason}")]
    Syntax {
        /// The file.
        path: String,
        /// Where the parser stopped, counted from 1.
        line: usize,
        /// The column on that line, in characters, counted from 1.
        column: usize,
        /// The parser's message.
        reason: String,
    },
    /// The file names a key Tollgate does not know (a typo would otherwise go unnoticed).
    #[error("unknown configuration key `{key}` in {path}")]
    UnknownKey {
        /// The key.
        key: String,
        /// The file.
        path: String,
    },
    /// A value was refused.
    #[error("invalid value for `{key}` (from {origin}): {reason}")]
    Invalid {
        /// The key.
        key: &'static str,
        /// Where the value came from: the file or the environment variable.
        origin: String,
        /// Why.
        reason: String,
    },
}
