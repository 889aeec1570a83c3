//! The `jalin` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Config, ConfigError};
use crate::startup;

#[derive(Parser)]
#[command(
    name = "jalin",
    version,
    about = "Regional foreign cooperation registry and PP 28/2018 workflow API"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Args, Default, Clone)]
pub struct DbArgs {
    /// Overrides JALIN_DATABASE_URL.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Overrides JALIN_DATA_DIR.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Migrate, load reference data and serve the API.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Overrides JALIN_LISTEN.
        #[arg(long)]
        listen: Option<String>,
    },
    /// Apply pending migrations and load reference data, then exit.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Print the OpenAPI contract (JSON).
    Openapi {
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

fn config(db: &DbArgs, listen: Option<&str>) -> Result<Config, ConfigError> {
    Config::from_lookup(|var| {
        let flag = match var {
            "JALIN_DATABASE_URL" => db.database_url.clone(),
            "JALIN_DATA_DIR" => db.data_dir.as_ref().map(|d| d.display().to_string()),
            "JALIN_LISTEN" => listen.map(str::to_owned),
            _ => None,
        };
        flag.or_else(|| std::env::var(var).ok())
    })
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("jalin: {msg}");
    ExitCode::from(2)
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Openapi { output } => {
            let json = crate::openapi::document_json();
            match output {
                Some(path) => match std::fs::write(&path, json) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => fail(format!("cannot write {}: {e}", path.display())),
                },
                None => {
                    print!("{json}");
                    ExitCode::SUCCESS
                }
            }
        }
        Command::Migrate { db } => {
            let cfg = match config(&db, None) {
                Ok(c) => c,
                Err(e) => return fail(format!("configuration error: {e}")),
            };
            let result =
                startup::open_database(&cfg).and_then(|pool| startup::load_reference_data(&pool));
            match result {
                Ok(()) => {
                    println!("database {} is up to date", cfg.database_url);
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Command::Serve { db, listen } => {
            let cfg = match config(&db, listen.as_deref()) {
                Ok(c) => c,
                Err(e) => return fail(format!("configuration error: {e}")),
            };
            serve(cfg)
        }
    }
}

fn serve(cfg: Config) -> ExitCode {
    let database = cfg.database_url.to_string();
    let state = match startup::prepare(cfg) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let purge_state = state.clone();
    let running = match startup::start(state, None) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    log::info!(
        "jalin {} serving http://{} (database {database}); docs at http://{}/docs/",
        env!("CARGO_PKG_VERSION"),
        running.addr,
        running.addr
    );
    let result = actix_web::rt::System::new().block_on(async move {
        // Expired idempotency keys are purged hourly.
        actix_web::rt::spawn(async move {
            let mut tick = actix_web::rt::time::interval(std::time::Duration::from_secs(3600));
            loop {
                tick.tick().await;
                let now = chrono::Utc::now().naive_utc();
                match purge_state
                    .db(move |c| Ok(jalin_persistence::idempotency::purge_expired(c, now)?))
                    .await
                {
                    Ok(n) if n > 0 => log::info!("purged {n} expired idempotency key(s)"),
                    Ok(_) => {}
                    Err(e) => log::warn!("idempotency purge failed: {e}"),
                }
            }
        });
        running.server.await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(format!("server error: {e}")),
    }
}
