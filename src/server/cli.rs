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
