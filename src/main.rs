//! The `kiket-marketplace` server binary: serves the marketplace, or runs an operator command.

use clap::Parser;
use kiket_marketplace::server::{cli, config::Config, delivery, demo, startup, telemetry};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    telemetry::init();
    let args = cli::Cli::parse();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match args
        .command
        .unwrap_or(cli::Command::Serve { seed_demo: false })
    {
        cli::Command::Serve { seed_demo } => match serve(config, seed_demo).await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                std::process::ExitCode::FAILURE
            }
        },
        cli::Command::Admin(cmd) => cli::run_admin(config, cmd).await,
        cli::Command::Secrets(cmd) => cli::run_secrets(config, cmd).await,
    }
}

async fn serve(config: Config, seed_demo: bool) -> Result<(), Box<dyn std::error::Error>> {
    let addr = config.site_addr;
    let public_url = config.public_url.clone();
    let state = startup::build_state(config).await?;
    if seed_demo {
        if let Some(logins) = demo::seed(&state).await? {
            println!("{logins}");
        } else {
            println!("{}", demo::LOGINS_AGAIN);
        }
    }
    startup::spawn_session_cleanup(&state.db, std::time::Duration::from_secs(600));
    let workers = delivery::worker::spawn(&state, state.config.delivery_workers);
    delivery::worker::spawn_retention(&state);
    tracing::info!(workers = workers.len(), "delivery workers started");
    let router = startup::build_router(state);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr} (LEPTOS_SITE_ADDR): {e}"))?;
    tracing::info!(%addr, "Kiket Marketplace listening");
    println!("Kiket Marketplace is running at {public_url}");
    startup::serve(listener, router, startup::shutdown_signal()).await?;
    Ok(())
}
