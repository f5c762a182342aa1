use clap::Parser;
use std::process::ExitCode;
use tollgate::cli::{
    self, AuditCommand, Cli, ClientCommand, Command, KeysCommand, ScopeCommand, UserCommand,
};
use tollgate::config::Settings;

fn main() -> ExitCode {
    let args = Cli::parse();
    let settings = match Settings::load(args.config.as_deref()) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("tollgate: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    tollgate::telemetry::init(settings.log_format, &settings.log_filter);
    for warning in &settings.warnings {
        tracing::warn!("{warning}");
    }
    let result = match args.command {
        Command::Serve => cli::serve(settings),
        Command::Migrate => cli::migrate(&settings),
        Command::Purge => cli::purge(&settings),
        Command::User(UserCommand::Create {
            username,
            password_stdin,
            admin,
            profile,
        }) => cli::create_user(&settings, &username, password_stdin, admin, &profile),
        Command::User(UserCommand::Update(args)) => cli::update_user(&settings, &args),
        Command::User(UserCommand::Suspend { username }) => cli::suspend_user(&settings, &username, true),
        Command::User(UserCommand::Reinstate { username }) => cli::suspend_user(&settings, &username, false),
        Command::User(UserCommand::List { json }) => cli::list_users(&settings, json),
        Command::User(UserCommand::Passwd {
            username,
            password_stdin,
        }) => cli::change_password(&settings, &username, password_stdin),
        Command::User(UserCommand::Delete { username }) => cli::delete_user(&settings, &username),
        Command::User(UserCommand::Unlock { username }) => cli::unlock_user(&settings, &username),
        Command::User(UserCommand::Role(command)) => cli::user_role(&settings, command),
        Command::Client(ClientCommand::Create(args)) => cli::create_client(&settings, &args),
        Command::Client(ClientCommand::Update {
            client_id,
            introspect_for,
            access_token_format,
            require_par,
            keys,
            dpop_bound_access_tokens,
        }) => cli::update_client(
            &settings,
            &client_id,
            &introspect_for,
            access_token_format,
            require_par,
            &keys,
            dpop_bound_access_tokens,
        ),
        Command::Client(ClientCommand::Role(command)) => cli::client_role(&settings, command),
        Command::Api(command) => cli::api(&settings, command),
        Command::Client(ClientCommand::List { json }) => cli::list_clients(&settings, json),
        Command::Client(ClientCommand::Delete { client_id }) => cli::delete_client(&settings, &client_id),
        Command::Keys(KeysCommand::Rotate { alg }) => cli::rotate_keys(&settings, alg),
        Command::Keys(KeysCommand::List { json }) => cli::list_keys(&settings, json),
        Command::Scope(ScopeCommand::Add { name, description }) => {
            cli::add_scope(&settings, &name, &description)
        }
        Command::Scope(ScopeCommand::List) => cli::list_scopes(&settings),
        Command::Exchange(command) => cli::run_exchange(&settings, &command),
        Command::Scope(ScopeCommand::Remove { name }) => cli::remove_scope(&settings, &name),
        Command::Audit(AuditCommand::List {
            user,
            client,
            since,
            limit,
            json,
        }) => cli::list_audit(
            &settings,
            user.as_deref(),
            client.as_deref(),
            since.as_deref(),
            limit,
            json,
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that stopped reading (`client list | head`) is no failure.
        Err(e) if cli::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tollgate: {}", cli::error_message(&e));
            if e.downcast_ref::<cli::UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
