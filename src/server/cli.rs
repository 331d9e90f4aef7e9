//! Operator commands of the server binary (`kiket-marketplace admin …`).

use crate::model::account::{check_new_password, DisplayName, Email};
use crate::server::config::Config;
use crate::server::db::Db;
use clap::{Parser, Subcommand};
use secrecy::SecretString;
use std::io::Read;
use std::process::ExitCode;

/// Kiket Marketplace server.
#[derive(Debug, Parser)]
#[command(name = "kiket-marketplace", version, about)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the marketplace (the default).
    Serve {
        /// Fill an empty database with the demo dataset and print its logins.
        #[arg(long)]
        seed_demo: bool,
    },
    /// Operator tasks.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Secret store tasks.
    #[command(subcommand)]
    Secrets(SecretsCommand),
}

/// `secrets` sub-commands.
#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Re-wrap every organization's data key with a new master key, while the servers keep
    /// serving. The data keys are read with KIKET_MASTER_KEY and KIKET_PREVIOUS_MASTER_KEYS; the
    /// servers must know both the old and the new key until it completes (see the README).
    RotateKek {
        /// The environment variable that holds the new master key (base64 of 32 bytes).
        #[arg(long)]
        new_key_env: String,
    },
}

/// `admin` sub-commands.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a user; the password is read from standard input.
    CreateUser {
        /// Email address of the new user.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Make the user a marketplace admin.
        #[arg(long)]
        admin: bool,
    },
}

/// Runs an `admin` command and returns the process exit code.
pub async fn run_admin(config: Config, command: AdminCommand) -> ExitCode {
    match command {
        AdminCommand::CreateUser { email, name, admin } => {
            let mut password = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut password) {
                eprintln!("error: cannot read the password from standard input: {e}");
                return ExitCode::from(2);
            }
            let password = password.trim_end_matches(['\n', '\r']).to_string();
            match create_user(&config, &email, &name, password, admin).await {
                Ok(id) => {
                    println!(
                        "created {} {} ({id})",
                        if admin { "marketplace admin" } else { "user" },
                        email.trim().to_lowercase()
                    );
                    ExitCode::SUCCESS
                }
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

async fn create_user(
    config: &Config,
    email: &str,
    name: &str,
    password: String,
    admin: bool,
) -> Result<String, String> {
    let field_message = |e: crate::error::AppError| match e {
        crate::error::AppError::Validation { field, message } => format!("{field}: {message}"),
        other => other.to_string(),
    };
    let email = Email::parse(email).map_err(field_message)?;
    let name = DisplayName::parse(name).map_err(field_message)?;
    check_new_password("password", &password).map_err(field_message)?;
    let db = Db::connect(&config.database_url, 2)
        .await
        .map_err(|e| format!("cannot open the database (DATABASE_URL): {e}"))?;
    let user =
        crate::server::auth::register(&db, &email, &name, SecretString::from(password), admin)
            .await
            .map_err(field_message)?;
    Ok(user.id)
}

/// Runs a `secrets` command and returns the process exit code.
pub async fn run_secrets(config: Config, command: SecretsCommand) -> ExitCode {
    match command {
        SecretsCommand::RotateKek { new_key_env } => match rotate(&config, &new_key_env).await {
            Ok(report) => {
                println!(
                    "re-wrapped {} data key(s) with master key {}; {} already used it",
                    report.0.rewrapped, report.1, report.0.unchanged
                );
                ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::FAILURE
            }
        },
    }
}

async fn rotate(
    config: &Config,
    new_key_env: &str,
) -> Result<(crate::server::secrets::Rotation, String), String> {
    use crate::server::secrets::{self, crypto::Kek};
    let text = std::env::var(new_key_env)
        .map_err(|_| format!("{new_key_env} is not set: it must hold the new master key"))?;
    let new = Kek::from_base64(&text).map_err(|e| format!("{new_key_env}: {e}"))?;
    let keyring = secrets::keyring(&config.master_key)?;
    let db = Db::connect(&config.database_url, 2)
        .await
        .map_err(|e| format!("cannot open the database (DATABASE_URL): {e}"))?;
    let report = secrets::rotate_kek(&db.pool, &keyring, &new)
        .await
        .map_err(|e| format!("rotation stopped: {e}"))?;
    Ok((report, new.id().to_string()))
}
