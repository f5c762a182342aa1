//! The protocol: accounts, the client registry, signing keys, server
//! metadata and secrets. Reaches the database only through `storage`.

pub mod accounts;
pub mod keys;
pub mod metadata;
pub mod registry;
pub mod secrets;
