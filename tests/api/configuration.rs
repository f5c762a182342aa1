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
fn a_trusted_proxy_that_is_not_an_address_or_range_is_refused_naming_it() {
    let (code, stderr) = migrate_with(&[("TOLLGATE_TRUSTED_PROXIES", "10.0.0.0/8, proxy.internal")], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("`trusted_proxies`"), "{stderr}");
    assert!(stderr.contains("proxy.internal"), "{stderr}");
}

#[test]
fn trusted_proxies_take_addresses_and_ranges() {
    let (code, stderr) = migrate_with(&[("TOLLGATE_TRUSTED_PROXIES", "10.0.0.0/8 127.0.0.1, ::1")], &[]);
    assert_eq!(code, 0, "{stderr}");
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
            ("TOLLGATE_DATABASE_URL", "sqlite://t.db"),
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

#[test]
fn a_database_url_of_another_database_is_refused_naming_the_key() {
    for url in [
        "mysql://root:hunter2@db/tollgate",
        "postgress://tollgate@db/tollgate",
    ] {
        let (code, stderr) = migrate_with(&[("TOLLGATE_DATABASE_URL", url)], &[]);
        assert_eq!(code, 2, "{url}: {stderr}");
        assert!(stderr.contains("`database_url`"), "{stderr}");
        assert!(stderr.contains("postgresql://"), "{stderr}");
        assert!(!stderr.contains("hunter2"), "{stderr}");
    }
}

#[test]
fn an_sqlite_file_in_a_directory_that_does_not_exist_is_refused() {
    let (code, stderr) = migrate_with(&[("TOLLGATE_DATABASE_URL", "sqlite://typo/tollgate.db")], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("`database_url`"), "{stderr}");
    assert!(stderr.contains("does not exist"), "{stderr}");
}

#[test]
fn the_default_data_directory_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(tollgate_binary())
        .current_dir(dir.path())
        .arg("migrate")
        .env_remove("TOLLGATE_DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("tollgate-data/tollgate.db").is_file());
}

#[test]
fn setting_bind_without_issuer_warns_that_the_issuer_names_the_old_address() {
    let (code, stderr) = migrate_with(&[("TOLLGATE_BIND", "0.0.0.0:9000")], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("`issuer`"), "{stderr}");
    assert!(stderr.contains("http://127.0.0.1:8080"), "{stderr}");
}

#[test]
fn setting_bind_and_issuer_together_gives_no_warning() {
    let (code, stderr) = migrate_with(
        &[
            ("TOLLGATE_BIND", "0.0.0.0:9000"),
            ("TOLLGATE_ISSUER", "https://auth.example"),
        ],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("WARN"), "{stderr}");
}

#[test]
fn a_toml_syntax_error_names_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tollgate.toml");
    std::fs::write(&file, "log_format = \"json\"\nbind = \n").unwrap();
    let (code, stderr) = migrate_with(&[], &["--config", file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("line 2, column 8"), "{stderr}");
}

#[test]
fn an_unknown_tollgate_variable_is_warned_about() {
    let (code, stderr) = migrate_with(&[("TOLLGATE_ACCES_TOKEN_TTL", "60")], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("TOLLGATE_ACCES_TOKEN_TTL"), "{stderr}");
    assert!(stderr.contains("unknown environment variable"), "{stderr}");
}

#[test]
fn log_lines_carry_no_colour_codes_when_not_written_to_a_terminal() {
    let (_, stderr) = migrate_with(&[("TOLLGATE_ACCES_TOKEN_TTL", "60")], &[]);
    assert!(stderr.contains("WARN"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}
