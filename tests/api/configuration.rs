//! A bad configuration stops start-up with the key and the reason, never a panic.

use crate::helpers::tollgate_binary;
use std::process::Command;

fn migrate_with(envs: &[(&str, &str)], args: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(tollgate_binary())
        .current_dir(dir.path())
        .args(args)
        .arg("migrate")
        .envs(envs.iter().copied())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_non_numeric_token_lifetime_is_refused_naming_the_key_and_variable() {
    let (code, stderr) = migrate_with(&[("TOLLGATE_ACCESS_TOKEN_TTL", "ten")], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("`access_token_ttl`"), "{stderr}");
    assert!(stderr.contains("TOLLGATE_ACCESS_TOKEN_TTL"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn an_unknown_signing_algorithm_is_refused() {
    let (code, stderr) = migrate_with(&[("TOLLGATE_SIGNING_ALG", "HS256")], &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("`signing_alg`") && stderr.contains("RS256, ES256 or EdDSA"),
        "{stderr}"
    );
}

#[test]
fn an_issuer_with_a_trailing_slash_is_refused() {
    let (code, stderr) = migrate_with(&[("TOLLGATE_ISSUER", "https://auth.example/")], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("`issuer`"), "{stderr}");
}

#[test]
fn a_bind_address_that_is_not_an_address_is_refused() {
    let (code, stderr) = migrate_with(&[("TOLLGATE_BIND", "localhost")], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("`bind`"), "{stderr}");
}

#[test]
fn an_unknown_key_in_the_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tollgate.toml");
    std::fs::write(&file, "acces_token_ttl = 600\n").unwrap();
    let (code, stderr) = migrate_with(&[], &["--config", file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown configuration key `acces_token_ttl`"),
        "{stderr}"
    );
}

#[test]
fn a_file_that_is_not_toml_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tollgate.toml");
    std::fs::write(&file, "bind = \n").unwrap();
    let (code, stderr) = migrate_with(&[], &["--config", file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not valid TOML"), "{stderr}");
}

#[test]
fn the_environment_overrides_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tollgate.toml");
    std::fs::write(&file, "log_format = \"xml\"\n").unwrap();
    let (code, stderr) = migrate_with(
        &[
            ("TOLLGATE_LOG_FORMAT", "json"),
            ("TOLLGATE_DATABASE_URL", "sqlite://db/t.db"),
        ],
        &["--config", file.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn a_missing_configuration_file_is_reported() {
    let (code, stderr) = migrate_with(&[], &["--config", "/nonexistent/tollgate.toml"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot read configuration file"), "{stderr}");
}

#[test]
fn an_unreachable_database_fails_start_up_with_a_clear_message() {
    let (code, stderr) = migrate_with(
        &[("TOLLGATE_DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")],
        &[],
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("cannot connect to the database"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
