//! The `jalin` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Config, ConfigError};
use crate::service::service_accounts::CreateServiceAccount;
use crate::service::users::CreateUser;
use crate::service::Ctx;
use crate::startup;
use jalin_domain::identity::parse_scopes;

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
    /// Manage users.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Manage service accounts.
    #[command(name = "service-accounts")]
    ServiceAccounts {
        #[command(subcommand)]
        command: ServiceAccountsCommand,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Import data from a file.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// The holiday calendar.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Background jobs.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Load the demo data (seed scenarios and one user per role); running it again changes nothing.
    Demo {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Serve SIOLA's, SIMPEL's and Exit Permit's side of the integration contract on loopback
    /// (a simulator for tests and demos): accepts permit requests and calls back with decisions.
    #[command(name = "simulate-externals")]
    SimulateExternals {
        /// Where to listen.
        #[arg(long, default_value = "127.0.0.1:9090")]
        listen: String,
        /// jalin's base URL, for callbacks.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        jalin_url: String,
        /// A service account with the integrations:siola, :simpel and :exit_permit scopes.
        #[arg(long, env = "JALIN_SIMULATOR_CLIENT_ID")]
        client_id: String,
        #[arg(long, env = "JALIN_SIMULATOR_CLIENT_SECRET", hide_env_values = true)]
        client_secret: String,
        /// Milliseconds between accepting a request and calling back.
        #[arg(long, default_value_t = 500)]
        delay_ms: u64,
        /// Share of requests answered 503, from 0 to 1.
        #[arg(long, default_value_t = 0.0)]
        failure_rate: f64,
        /// Refuse every permit instead of granting it.
        #[arg(long)]
        reject: bool,
    },
    /// Generate the deterministic benchmark dataset (BENCHMARKS.md) into an empty database:
    /// partners, agreements across statuses, an approval case at every stage before signing
    /// for those in approval, activities, one officer per region (`bench-33`, `bench-33-74`, …)
    /// and a national `bench-admin`, all with the password `bench-password`.
    #[command(name = "seed-bench")]
    SeedBench {
        #[command(flatten)]
        db: DbArgs,
        /// `national` (20,000 partners, 100,000 agreements, 1,000,000 activities), `province`
        /// (a tenth) or `small` (a hundredth).
        #[arg(long, default_value = "national")]
        scale: String,
    },
    /// Time the benchmark's filtered agreement list (a province with its regencies/cities,
    /// status active, by expiry) as a raw diesel query in a loop, without HTTP.
    #[command(name = "bench-list")]
    BenchList {
        #[command(flatten)]
        db: DbArgs,
        /// The province whose list is timed.
        #[arg(long, default_value = "33")]
        province: String,
        /// Threads, each with its own pooled connection.
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Queries per thread.
        #[arg(long, default_value_t = 2000)]
        iterations: usize,
    },
    /// Take a consistent backup while the server runs: the database (SQLite snapshot, or
    /// `pg_dump` for PostgreSQL), the local documents and the generated JWT secret, with a
    /// manifest of SHA-256s, into a new or empty directory.
    Backup {
        #[command(flatten)]
        db: DbArgs,
        /// The directory to write (created; an existing one must be empty).
        #[arg(long)]
        output: PathBuf,
    },
    /// Restore a backup into a new or empty data directory (a PostgreSQL backup also into an
    /// empty database, with `pg_restore`); checks the manifest's SHA-256s and the schema
    /// version first and writes nothing if they do not hold. Start the server on it afterwards.
    Restore {
        /// The backup directory (with its manifest.json).
        #[arg(long)]
        input: PathBuf,
        /// The new data directory (JALIN_DATA_DIR of the restored server).
        #[arg(long)]
        data_dir: PathBuf,
        /// PostgreSQL backups: the empty database to restore into.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Print the OpenAPI contract (JSON).
    Openapi {
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum UsersCommand {
    /// Create a user; the password is read from standard input.
    Create {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        /// admin, central_reviewer, province_officer, region_officer, agency_officer,
        /// dprd_secretariat, evaluator or viewer.
        #[arg(long)]
        role: String,
        /// Region code, e.g. 33 or 33.74 (none for admin and central_reviewer).
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (one line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
pub enum ServiceAccountsCommand {
    /// Create a service account and print its client id and secret (shown once).
    Create {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        name: String,
        /// Comma-separated scopes, e.g. reference:read,users:read.
        #[arg(long, value_delimiter = ',')]
        scopes: Vec<String>,
        #[arg(long)]
        region: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Import agreements from a CSV file (the template in the README, or an export), all or
    /// nothing; rows matching an agreement update it or leave it unchanged.
    Agreements {
        #[command(flatten)]
        db: DbArgs,
        /// The CSV file (UTF-8, `;`, `,` or TAB separated).
        file: PathBuf,
        /// Report what would be created, updated or refused, writing nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn run_import(cmd: ImportCommand) -> ExitCode {
    use crate::service::transfer::{self, ImportError};
    let ImportCommand::Agreements { db, file, dry_run } = cmd;
    let text = match std::fs::read(&file).map(|b| transfer::decode(&b)) {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => return fail(format!("cannot read {}: {}", file.display(), e.en)),
        Err(e) => return fail(format!("cannot read {}: {e}", file.display())),
    };
    let clock = match config(&db, None) {
        Ok(c) => c.clock,
        Err(e) => return fail(format!("configuration error: {e}")),
    };
    let pool = match open_pool(&db) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let mut conn = match pool.get() {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows checked")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let ctx = crate::service::Ctx::system("import", clock);
    // All or nothing: a file with any bad row is rolled back whole.
    let result = jalin_persistence::write_transaction(&mut conn, |c| {
        transfer::import(
            c,
            &ctx,
            &jalin_domain::access::Visibility::All,
            &text,
            dry_run,
            |done, total| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            },
        )
    });
    bar.finish_and_clear();
    match result {
        Ok(report) | Err(ImportError::DryRun(report)) => {
            use transfer::Outcome as O;
            let numbers = report.created();
            let verb = if report.dry_run {
                "would import"
            } else {
                "imported"
            };
            println!(
                "{verb} {} agreement(s): {}; updated {}, unchanged {}, duplicates {}, refused {}",
                numbers.len(),
                numbers.join(", "),
                report.count(O::Updated),
                report.count(O::Unchanged),
                report.count(O::Duplicate),
                report.count(O::Refused),
            );
            for e in report.rows.iter().flat_map(|r| &r.errors) {
                println!(
                    "  line {} column {}: {} ({})",
                    e.row, e.column, e.en, e.code
                );
            }
            ExitCode::SUCCESS
        }
        Err(ImportError::Rows(errors)) => {
            eprintln!("nothing imported: {} problem(s)", errors.len());
            for e in &errors {
                eprintln!(
                    "  line {} column {}: {} ({})",
                    e.row, e.column, e.en, e.code
                );
            }
            ExitCode::from(2)
        }
        Err(ImportError::Failed(e)) => fail(format!("nothing imported: {}", describe(&e))),
    }
}

#[derive(Subcommand)]
pub enum CalendarCommand {
    /// Load one year's national holidays and cuti bersama from a CSV file (`date,name_id,kind`,
    /// kind `holiday` or `cuti_bersama`) as the year's next version, as
    /// `PUT /v1/calendar/years/{year}` does; bad rows are reported by line and nothing is loaded.
    /// With `--region CODE`: one year of that region's own days off (`date,name_id`), as
    /// `PUT /v1/calendar/regions/{region_code}/years/{year}` does.
    Import {
        #[command(flatten)]
        db: DbArgs,
        /// The CSV file.
        file: PathBuf,
        /// Load the file as this region's own days off (`NN` province, `NN.NN` regency/city).
        #[arg(long)]
        region: Option<String>,
        /// The decree (SKB) number.
        #[arg(long)]
        decree_number: Option<String>,
        /// The decree's date, YYYY-MM-DD.
        #[arg(long)]
        decree_date: Option<String>,
        /// Where the days come from.
        #[arg(long)]
        source_note: String,
    },
}

/// `jalin calendar import`: the same use case as the HTTP load, as the CLI.
pub fn run_calendar(cmd: CalendarCommand) -> ExitCode {
    use crate::service::calendar::{self, Decree, ImportError};
    let CalendarCommand::Import {
        db,
        file,
        region,
        decree_number,
        decree_date,
        source_note,
    } = cmd;
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) => return fail(format!("cannot read {}: {e}", file.display())),
    };
    let decree_date = match decree_date
        .as_deref()
        .map(jalin_domain::Date::parse)
        .transpose()
    {
        Ok(d) => d.map(jalin_domain::Date::naive),
        Err(e) => return fail(format!("--decree-date: {e}")),
    };
    let policy = match config(&db, None) {
        Ok(c) => c.calendar,
        Err(e) => return fail(format!("configuration error: {e}")),
    };
    let (pool, ctx) = match as_cli(&db) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let mut conn = match pool.get() {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let decree = Decree {
        decree_number,
        decree_date,
        source_note,
    };
    let result = jalin_persistence::write_transaction(&mut conn, |c| match &region {
        None => calendar::import_csv(c, &ctx, policy, &text, decree).map(|loaded| {
            let v = &loaded.record.current;
            format!(
                "loaded {} version {} ({} day(s)); {} stored due date(s) recomputed",
                v.year, v.version, v.day_count, loaded.recomputed
            )
        }),
        Some(region) => {
            crate::service::regional_calendar::import_csv(c, &ctx, policy, region, &text, decree)
                .map(|loaded| {
                    let v = &loaded.record.current;
                    format!(
                        "loaded {} {} version {} ({} day(s)); {} stored due date(s) recomputed",
                        v.region_code, v.year, v.version, v.day_count, loaded.recomputed
                    )
                })
        }
    });
    match result {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(ImportError::Rows(bad)) => {
            eprintln!("nothing loaded: {} bad row(s)", bad.len());
            for b in &bad {
                match b.line {
                    0 => eprintln!("  {}", b.message),
                    line => eprintln!("  line {line}: {}", b.message),
                }
            }
            ExitCode::from(2)
        }
        Err(ImportError::Failed(e)) => fail(format!("nothing loaded: {}", describe(&e))),
    }
}

#[derive(Subcommand)]
pub enum JobsCommand {
    /// Run every background job once (automatic expiry), then exit.
    Run {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Verify the hash chain; exit 1 at the first broken link.
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
}

fn open_pool(db: &DbArgs) -> Result<jalin_persistence::Pool, String> {
    let cfg = config(db, None).map_err(|e| format!("configuration error: {e}"))?;
    let pool = startup::open_database(&cfg).map_err(|e| e.to_string())?;
    startup::load_reference_data(&pool).map_err(|e| e.to_string())?;
    Ok(pool)
}

/// Approval cases for the seeded agreements awaiting approval, spread over the stages before
/// signing: each is started and walked through the domain's state machine with valid records,
/// as the API would, and stored with its due date from the working-day calendar.
fn seed_bench_cases(pool: &jalin_persistence::Pool, db: &DbArgs) -> Result<usize, String> {
    use crate::service::cases::Revision;
    use jalin_domain::case::{illustrative_path_to_signing, Case, CaseAction};
    let cfg = config(db, None).map_err(|e| format!("configuration error: {e}"))?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let days_off =
        jalin_persistence::reference::all_days_off(&mut conn).map_err(|e| e.to_string())?;
    let cal = jalin_domain::calendar::Calendar::new(days_off, cfg.calendar);
    let def = jalin_domain::workflow::latest("ksdpl").ok_or("no ksdpl workflow definition")?;
    let ids = jalin_persistence::bench::in_approval_ids(&mut conn).map_err(|e| e.to_string())?;
    drop(conn);
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let path = illustrative_path_to_signing(jalin_domain::Date::ymd(2030, 12, 31));
    let (now, today) = (cfg.clock.now().naive_utc(), cfg.clock.today());
    for (chunk_no, chunk) in ids.chunks(1000).enumerate() {
        in_write(pool, |c| {
            for (n, id) in chunk.iter().enumerate() {
                // 0 to 10 stages done: every stage before signing holds some cases.
                let done = (chunk_no * 1000 + n) % path.len();
                let mut case = Case::start(&def, day(2025, 1, 2));
                for (actor, record) in path.iter().take(done) {
                    case = case
                        .apply(
                            &def,
                            CaseAction::Complete(record.clone()),
                            *actor,
                            day(2025, 7, 1),
                        )
                        .map_err(|r| crate::ApiError::internal(format!("{r:?}")))?;
                }
                let due = case.due_on(&cal, &def, today);
                let stored = crate::service::cases::row(id, case, due, Revision::first(now));
                jalin_persistence::cases::insert(c, &stored)?;
            }
            Ok(())
        })?;
    }
    Ok(ids.len())
}

/// The database, and the CLI itself as the actor on the configured clock.
fn as_cli(db: &DbArgs) -> Result<(jalin_persistence::Pool, Ctx), String> {
    let clock = config(db, None)
        .map_err(|e| format!("configuration error: {e}"))?
        .clock;
    Ok((open_pool(db)?, Ctx::system("cli", clock)))
}

fn in_write<T>(
    pool: &jalin_persistence::Pool,
    f: impl FnOnce(&mut jalin_persistence::DbConnection) -> Result<T, crate::ApiError>,
) -> Result<T, String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    jalin_persistence::write_transaction(&mut conn, f).map_err(|e| describe(&e))
}

/// An API error as one line for the terminal.
fn describe(e: &crate::ApiError) -> String {
    let p = e.problem();
    let mut line = format!("{} ({})", p.detail.en, p.code);
    for issue in &p.errors {
        let at = issue
            .pointer
            .as_deref()
            .or(issue.parameter.as_deref())
            .unwrap_or("");
        line.push_str(&format!("; {at}: {}", issue.message.en));
    }
    line
}

fn run_users(cmd: UsersCommand) -> ExitCode {
    match cmd {
        UsersCommand::Create {
            db,
            username,
            role,
            region,
            display_name,
            password_stdin: _,
        } => {
            let role = match role.parse::<jalin_domain::access::Role>() {
                Ok(r) => r,
                Err(e) => return fail(format!("--role: {e}")),
            };
            let mut password = String::new();
            if let Err(e) = std::io::stdin().read_line(&mut password) {
                return fail(format!("cannot read the password from standard input: {e}"));
            }
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let (pool, ctx) = match as_cli(&db) {
                Ok(p) => p,
                Err(e) => return fail(e),
            };
            let input = CreateUser {
                display_name: display_name.unwrap_or_else(|| username.clone()),
                username,
                password,
                role,
                region_code: region,
            };
            match in_write(&pool, |c| {
                crate::service::users::create(
                    c,
                    &ctx,
                    &jalin_domain::identity::UserGrant::system(),
                    input,
                )
            }) {
                Ok(u) => {
                    println!("created user {} ({}) with id {}", u.username, u.role, u.id);
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
    }
}

fn run_service_accounts(cmd: ServiceAccountsCommand) -> ExitCode {
    match cmd {
        ServiceAccountsCommand::Create {
            db,
            name,
            scopes,
            region,
        } => {
            let (pool, ctx) = match as_cli(&db) {
                Ok(p) => p,
                Err(e) => return fail(e),
            };
            let result = in_write(&pool, |c| {
                let input = CreateServiceAccount {
                    name,
                    scopes: parse_scopes(&scopes, "/scopes")?,
                    region_code: region,
                };
                let grant = jalin_domain::identity::AccountGrant::system();
                crate::service::service_accounts::create(c, &ctx, &grant, input)
            });
            match result {
                Ok((acc, secret)) => {
                    println!("client_id={}", acc.client_id);
                    println!("client_secret={secret}");
                    eprintln!("The secret is shown only now; store it safely.");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
    }
}

fn run_audit(cmd: AuditCommand) -> ExitCode {
    match cmd {
        AuditCommand::Verify { db } => {
            let pool = match open_pool(&db) {
                Ok(p) => p,
                Err(e) => return fail(e),
            };
            let result = pool.get().map_err(|e| e.to_string()).and_then(|mut c| {
                crate::service::audit_log::verify(&mut c).map_err(|e| describe(&e))
            });
            match result {
                Ok(v) => match v.first_broken {
                    None => {
                        println!("audit chain intact: {} event(s)", v.checked);
                        ExitCode::SUCCESS
                    }
                    Some(b) => {
                        println!(
                            "audit chain BROKEN at seq {}{}: {} ({} event(s) verified before it)",
                            b.seq,
                            b.id.map(|i| format!(" (event {i})")).unwrap_or_default(),
                            b.reason,
                            v.checked
                        );
                        ExitCode::from(1)
                    }
                },
                Err(e) => fail(e),
            }
        }
    }
}

fn print_demo(report: &crate::demo::DemoReport) {
    if report.loaded {
        println!(
            "demo data loaded: {} users, {} partners, {} agreements, {} coordination meetings",
            report.users, report.partners, report.agreements, report.meetings
        );
    } else {
        println!("demo data already loaded; nothing changed");
    }
    println!(
        "sign in with password `{}` as one of:",
        crate::demo::DEMO_PASSWORD
    );
    for (name, role, region) in crate::demo::DEMO_USERS {
        println!(
            "  {name:<16} {:<18} {}",
            role.as_str(),
            region.unwrap_or("(all regions)")
        );
    }
    println!("e.g. curl -s localhost:8080/v1/auth/login -H 'content-type: application/json' -d '{{\"username\":\"demo.jateng\",\"password\":\"{}\"}}'", crate::demo::DEMO_PASSWORD);
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

/// One line on standard error (a multi-line message, e.g. libpq's, is joined) and exit code 2.
fn fail(msg: impl std::fmt::Display) -> ExitCode {
    let msg = msg.to_string();
    let line: Vec<&str> = msg
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    eprintln!("jalin: {}", line.join("; "));
    ExitCode::from(2)
}

fn run_backup(db: &DbArgs, output: &std::path::Path) -> ExitCode {
    let cfg = match config(db, None) {
        Ok(c) => c,
        Err(e) => return fail(format!("configuration error: {e}")),
    };
    match crate::backup::backup(&cfg, output) {
        Ok(m) => {
            let bytes: u64 = m.files.iter().map(|f| f.bytes).sum();
            println!(
                "backup written to {}: {} database at schema {}, {} file(s), {bytes} bytes; documents {}; JWT secret {}",
                output.display(),
                m.backend,
                m.schema_version,
                m.files.len(),
                m.documents,
                m.jwt_secret
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("backup failed: {e}")),
    }
}

fn run_restore(
    input: &std::path::Path,
    data_dir: &std::path::Path,
    database_url: Option<&str>,
) -> ExitCode {
    let url = match database_url
        .map(jalin_persistence::DatabaseUrl::parse)
        .transpose()
    {
        Ok(u) => u,
        Err(e) => return fail(format!("--database-url: {e}")),
    };
    match crate::backup::restore(input, data_dir, url.as_ref()) {
        Ok(m) => {
            println!(
                "restored the {} backup of {} (jalin {}, schema {}) into {}; start the server with JALIN_DATA_DIR={}{}",
                m.backend,
                m.created_at,
                m.jalin_version,
                m.schema_version,
                data_dir.display(),
                data_dir.display(),
                match &url {
                    Some(u) if m.backend == "postgres" => format!(" JALIN_DATABASE_URL={u}"),
                    _ => String::new(),
                }
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("restore failed: {e}")),
    }
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
        Command::Backup { db, output } => run_backup(&db, &output),
        Command::Restore {
            input,
            data_dir,
            database_url,
        } => run_restore(&input, &data_dir, database_url.as_deref()),
        Command::Users { command } => run_users(command),
        Command::Import { command } => run_import(command),
        Command::Calendar { command } => run_calendar(command),
        Command::Jobs {
            command: JobsCommand::Run { db },
        } => {
            let (policy, integrations, clock) = match config(&db, None) {
                Ok(c) => (c.monitoring, c.integrations, c.clock),
                Err(e) => return fail(format!("configuration error: {e}")),
            };
            let pool = match open_pool(&db) {
                Ok(p) => p,
                Err(e) => return fail(e),
            };
            let result = pool.get().map_err(|e| e.to_string()).and_then(|mut c| {
                let jobs =
                    crate::jobs::run_all(&mut c, &policy, &clock).map_err(|e| describe(&e))?;
                let sent = crate::integrations::deliver_due(
                    &mut c,
                    &integrations,
                    clock.now().naive_utc(),
                )
                .map_err(|e| describe(&e))?;
                Ok((jobs, sent))
            });
            match result {
                Ok((r, sent)) => {
                    println!(
                        "jobs done: {} agreement(s) expired, {} flagged dormant, {} no longer dormant; \
                         deliveries: {} delivered, {} to retry, {} dead",
                        r.expired, r.dormant, r.revived, sent.delivered, sent.retrying, sent.dead
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Command::SeedBench { db, scale } => {
            use jalin_persistence::bench::{seed, Scale};
            let scale = match scale.as_str() {
                "national" => Scale::NATIONAL,
                "province" => Scale::PROVINCE,
                "small" => Scale::SMALL,
                other => return fail(format!("--scale {other}: national, province or small")),
            };
            let pool = match open_pool(&db) {
                Ok(p) => p,
                Err(e) => return fail(e),
            };
            let hash = match crate::auth::hash_secret("bench-password") {
                Ok(h) => h,
                Err(e) => return fail(describe(&e)),
            };
            let bar = indicatif::ProgressBar::new(0);
            let started = std::time::Instant::now();
            let result = pool.get().map_err(|e| e.to_string()).and_then(|mut c| {
                seed(&mut c, scale, &hash, |step, done, total| {
                    bar.set_length(total as u64);
                    bar.set_position(done as u64);
                    bar.set_message(step.to_owned());
                })
                .map_err(|e| e.to_string())
            });
            bar.finish_and_clear();
            let result = result
                .and_then(|s| seed_bench_cases(&pool, &db).map(|n| (s, n)))
                .and_then(|done| {
                    let mut c = pool.get().map_err(|e| e.to_string())?;
                    jalin_persistence::bench::analyze(&mut c).map_err(|e| e.to_string())?;
                    Ok(done)
                });
            match result {
                Ok((s, cases)) => {
                    println!(
                        "seeded in {:.1} s: {} regions, {} users, {} partners, {} agreements ({} with an approval case), {} activities",
                        started.elapsed().as_secs_f64(),
                        s.regions,
                        s.users,
                        s.partners,
                        s.agreements,
                        cases,
                        s.activities
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(format!("seeding failed (is the database empty?): {e}")),
            }
        }
        Command::BenchList {
            db,
            province,
            threads,
            iterations,
        } => {
            let province = match province.parse::<jalin_domain::RegionCode>() {
                Ok(p) if p.is_province() => p,
                _ => return fail(format!("--province {province}: a province code such as 33")),
            };
            let pool = match open_pool(&db) {
                Ok(p) => p,
                Err(e) => return fail(e),
            };
            match jalin_persistence::bench::time_filtered_list(
                &pool, &province, threads, iterations,
            ) {
                Ok(t) => {
                    println!(
                        "raw filtered list: {} thread(s) × {} queries: {:.0} lists/s, p50 {} µs, p99 {} µs",
                        t.threads, t.iterations, t.per_second, t.p50_us, t.p99_us
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(format!("timing failed: {e}")),
            }
        }
        Command::SimulateExternals {
            listen,
            jalin_url,
            client_id,
            client_secret,
            delay_ms,
            failure_rate,
            reject,
        } => {
            let Ok(addr) = listen.parse::<std::net::SocketAddr>() else {
                return fail(format!("--listen {listen}: HOST:PORT with an IP address"));
            };
            if !(0.0..=1.0).contains(&failure_rate) {
                return fail("--failure-rate is from 0 to 1");
            }
            // The same secrets jalin verifies with (JALIN_{SYSTEM}_SECRET; the first one signs).
            let integrations = match Config::from_env() {
                Ok(c) => c.integrations,
                Err(e) => return fail(format!("configuration error: {e}")),
            };
            let secrets = integrations
                .systems
                .iter()
                .filter_map(|(s, l)| l.secrets.first().map(|k| (*s, k.clone())))
                .collect();
            let config = crate::simulator::SimulatorConfig {
                jalin_url: jalin_url.trim_end_matches('/').to_owned(),
                client_id,
                client_secret,
                secrets,
                delay: std::time::Duration::from_millis(delay_ms),
                failure_rate,
                reject,
            };
            actix_web::rt::System::new().block_on(async move {
                match crate::simulator::bind(config, addr) {
                    Ok(running) => {
                        println!(
                            "simulating SIOLA, SIMPEL and Exit Permit at {} (set JALIN_SIOLA_URL={0}/siola, JALIN_SIMPEL_URL={0}/simpel, JALIN_EXIT_PERMIT_URL={0}/exit-permit)",
                            running.url
                        );
                        match running.server.await {
                            Ok(()) => ExitCode::SUCCESS,
                            Err(e) => fail(format!("simulator error: {e}")),
                        }
                    }
                    Err(e) => fail(format!("cannot listen on {addr}: {e}")),
                }
            })
        }
        Command::Demo { db } => {
            let cfg = match config(&db, None) {
                Ok(c) => c,
                Err(e) => return fail(format!("configuration error: {e}")),
            };
            let state = match startup::prepare(cfg) {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            match crate::demo::load(&state) {
                Ok(report) => {
                    print_demo(&report);
                    ExitCode::SUCCESS
                }
                Err(e) => fail(describe(&e)),
            }
        }
        Command::ServiceAccounts { command } => run_service_accounts(command),
        Command::Audit { command } => run_audit(command),
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
    if std::env::var("JALIN_DEMO").is_ok_and(|v| v == "1" || v == "true") {
        match crate::demo::load(&state) {
            Ok(report) => print_demo(&report),
            Err(e) => return fail(format!("demo data: {}", describe(&e))),
        }
    }
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
        // Background jobs (automatic expiry) every 15 minutes.
        let job_state = purge_state.clone();
        actix_web::rt::spawn(async move {
            let mut tick = actix_web::rt::time::interval(std::time::Duration::from_secs(900));
            loop {
                tick.tick().await;
                let policy = job_state.config.monitoring.clone();
                let clock = job_state.config.clock;
                match job_state
                    .db(move |c| crate::jobs::run_all(c, &policy, &clock))
                    .await
                {
                    Ok(r) if r != crate::jobs::JobReport::default() => {
                        job_state.summaries.written();
                        log::info!(
                            "jobs: {} expired, {} flagged dormant, {} no longer dormant",
                            r.expired,
                            r.dormant,
                            r.revived
                        )
                    }
                    Ok(_) => {}
                    Err(e) => log::warn!("background jobs failed: {e}"),
                }
            }
        });
        // The outbox is delivered to the external systems continuously.
        let outbox_state = purge_state.clone();
        actix_web::rt::spawn(async move {
            let cfg = outbox_state.config.integrations.clone();
            let mut tick = actix_web::rt::time::interval(std::time::Duration::from_millis(
                cfg.poll_milliseconds,
            ));
            loop {
                tick.tick().await;
                let cfg = cfg.clone();
                let now = outbox_state.clock.now().naive_utc();
                match outbox_state
                    .db(move |c| crate::integrations::deliver_due(c, &cfg, now))
                    .await
                {
                    Ok(r) if r != crate::integrations::DeliveryReport::default() => log::info!(
                        "deliveries: {} delivered, {} to retry, {} dead",
                        r.delivered,
                        r.retrying,
                        r.dead
                    ),
                    Ok(_) => {}
                    Err(e) => log::warn!("delivery pass failed: {e}"),
                }
            }
        });
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
