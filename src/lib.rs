//! Tollgate, an OAuth 2.0 authorization server.
//!
//! Layers, dependencies pointing one way: [`web`] (routes, pages) →
//! [`oauth`] (the protocol) → [`domain`] (pure types); `oauth` and `web`
//! reach the database only through [`storage`].
#![warn(missing_docs)]

pub mod allocator;
pub mod cli;
pub mod config;
pub mod domain;
pub mod email;
pub mod events;
pub mod gateway;
pub mod i18n;
pub mod oauth;
pub mod session_store;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod web;
