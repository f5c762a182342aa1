//! Black-box tests: each starts the real server on a random port with a
//! database of its own (a fresh SQLite file, or a fresh PostgreSQL database
//! when `TOLLGATE_TEST_DATABASE_URL` names a server).

mod helpers;

mod cli;
mod configuration;
mod discovery;
mod lifecycle;
mod migrations;
mod readiness;
