//! `jalin backup` and `jalin restore`: a consistent online snapshot of the database (SQLite
//! `VACUUM INTO`, PostgreSQL `pg_dump`), the local document store, and the generated JWT
//! secret, with a manifest of SHA-256s that a restore checks before it writes anything.
//!
//! A backup directory holds:
//!
//! ```text
//! manifest.json   what this is and every file's SHA-256 and size
//! jalin.db        SQLite: the database (a consistent copy taken while the server runs)
//! jalin.pgdump    PostgreSQL: `pg_dump --format=custom` of the database
//! jwt-secret      the generated signing secret (absent when JALIN_JWT_SECRET is configured)
//! documents/…     the local document store (absent when documents are on S3)
//! ```

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use jalin_persistence::snapshot;
use jalin_persistence::{DatabaseUrl, Pool, PoolOptions};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Config;

/// The manifest's file name in a backup.
pub const MANIFEST: &str = "manifest.json";
/// The manifest format this binary writes and reads.
pub const FORMAT: u32 = 1;
const SQLITE_FILE: &str = "jalin.db";
const PG_DUMP_FILE: &str = "jalin.pgdump";
const SECRET_FILE: &str = "jwt-secret";
const DOCUMENTS: &str = "documents";

/// What a backup holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub format: u32,
    pub jalin_version: String,
    /// The newest schema migration applied to the database that was backed up.
    pub schema_version: String,
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// When the backup started (UTC, RFC 3339).
    pub created_at: String,
    /// `included`, or where the documents are kept instead (S3: not part of the backup).
    pub documents: String,
    /// `included`, or why not (configured in JALIN_JWT_SECRET, or none generated yet).
    pub jwt_secret: String,
    pub files: Vec<FileEntry>,
}

/// One file of a backup.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileEntry {
    /// Relative to the backup directory, `/`-separated.
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

/// Why a backup or restore did not happen (one line for the terminal; the CLI exits 2).
#[derive(Debug)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

fn refuse<T>(msg: impl Into<String>) -> Result<T, Refused> {
    Err(Refused(msg.into()))
}

fn io(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> Refused {
    let (what, path) = (what.to_owned(), path.display().to_string());
    move |e| Refused(format!("{what} {path}: {e}"))
}

/// Creates `dir` owner-only (0700) if absent; its parent must exist. An existing `dir` must be
/// an empty directory.
fn empty_dir(dir: &Path, what: &str) -> Result<(), Refused> {
    match fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return refuse(format!(
                    "{what} {} is not empty: name a new or empty directory",
                    dir.display()
                ));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => fs::DirBuilder::new()
            .mode(0o700)
            .create(dir)
            .map_err(io(&format!("cannot create {what}"), dir)),
        Err(e) => refuse(format!("{what} {}: {e}", dir.display())),
    }
}

fn sha256_file(path: &Path) -> Result<(String, u64), Refused> {
    let mut f = fs::File::open(path).map_err(io("cannot read", path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(io("cannot read", path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    let hex = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((hex, total))
}

/// Copies `from` to `to` (created new, owner-only 0600), syncing it to disk.
fn copy_private(from: &Path, to: &Path) -> Result<(), Refused> {
    let mut src = fs::File::open(from).map_err(io("cannot read", from))?;
    let mut dst = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(to)
        .map_err(io("cannot create", to))?;
    std::io::copy(&mut src, &mut dst).map_err(io("cannot write", to))?;
    dst.sync_all().map_err(io("cannot write", to))
}

/// Every regular file under `dir`, relative to it, sorted.
fn files_under(dir: &Path) -> Result<Vec<PathBuf>, Refused> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Refused> {
        for entry in fs::read_dir(dir).map_err(io("cannot list", dir))? {
            let entry = entry.map_err(io("cannot list", dir))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(io("cannot read", &path))?;
            if kind.is_dir() {
                walk(root, &path, out)?;
            } else if kind.is_file() {
                out.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort();
    Ok(out)
}

/// Copies the tree `from` into `to` (directories 0700, files 0600).
fn copy_tree(from: &Path, to: &Path) -> Result<usize, Refused> {
    let files = files_under(from)?;
    for rel in &files {
        let target = to.join(rel);
        if let Some(parent) = target.parent() {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(parent)
                .map_err(io("cannot create", parent))?;
        }
        copy_private(&from.join(rel), &target)?;
    }
    Ok(files.len())
}

/// The local document directory of the configuration (`None`: documents are on S3).
fn local_documents(config: &Config) -> Option<PathBuf> {
    match config.storage_url.as_deref() {
        None => Some(config.data_dir.join(DOCUMENTS)),
        Some(u) => u.strip_prefix("file://").map(PathBuf::from),
    }
}

/// A PostgreSQL URL without its password, and the password (given to `pg_dump`/`pg_restore`
/// in `PGPASSWORD`, never on a command line other users can read).
fn split_password(url: &str) -> (String, Option<String>) {
    match url::Url::parse(url) {
        Ok(mut u) => {
            let password = u.password().map(percent_decode);
            if password.is_some() {
                let _ = u.set_password(None);
            }
            (u.to_string(), password)
        }
        Err(_) => (url.to_owned(), None),
    }
}

fn percent_decode(s: &str) -> String {
    form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_owned())
}

/// Finds a PostgreSQL client tool on PATH, or explains what to do.
fn find_pg_tool(tool: &str) -> Result<PathBuf, Refused> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(tool))
        .find(|p| {
            fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
        .ok_or_else(|| {
            Refused(format!(
                "`{tool}` is not on PATH: install the PostgreSQL client tools of the server's major version or newer (e.g. apt install postgresql-client), or run `{tool}` yourself (README: Backup, restore and upgrade)"
            ))
        })
}

/// Runs a PostgreSQL client tool; a failure is reported in one line.
fn pg_tool(tool: &str, args: &[&str], url: &str) -> Result<(), Refused> {
    let program = find_pg_tool(tool)?;
    let (url, password) = split_password(url);
    let mut cmd = Command::new(program);
    cmd.args(args).arg("--dbname").arg(&url);
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    let out = cmd
        .output()
        .map_err(|e| Refused(format!("cannot run `{tool}`: {e}")))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let message: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    refuse(format!(
        "`{tool}` failed ({}): {}",
        out.status,
        message.join("; ")
    ))
}

fn open_pool(url: &DatabaseUrl) -> Result<Pool, Refused> {
    let opts = PoolOptions {
        max_size: 1,
        ..PoolOptions::default()
    };
    Pool::open(url, &opts).map_err(|e| Refused(format!("database: {e}")))
}

/// Takes a backup of the configured instance into `output` (a new or empty directory) while
/// the server may run, and returns its manifest.
///
/// The database is copied first and the documents after it, so every document a backed-up
/// row names is in the backup (documents are written before their row and never changed).
pub fn backup(config: &Config, output: &Path) -> Result<Manifest, Refused> {
    let created_at = crate::clock::Clock::system()
        .now()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let database_url = crate::startup::with_connect_timeout(&config.database_url);
    match &database_url {
        DatabaseUrl::Sqlite(path) if !path.is_file() => {
            return refuse(format!(
                "no SQLite database at {} (JALIN_DATABASE_URL / JALIN_DATA_DIR)",
                path.display()
            ));
        }
        DatabaseUrl::Sqlite(_) => {}
        DatabaseUrl::Postgres(_) => {
            find_pg_tool("pg_dump")?;
        }
    }
    let pool = open_pool(&database_url)?;
    let mut conn = pool.get().map_err(|e| Refused(format!("database: {e}")))?;
    let schema_version = snapshot::applied_schema_version(&mut conn)
        .map_err(|e| Refused(format!("database: {e}")))?
        .ok_or_else(|| Refused("the database has no schema yet: nothing to back up".into()))?;
    empty_dir(output, "the backup directory")?;
    match &database_url {
        DatabaseUrl::Sqlite(_) => {
            snapshot::sqlite_snapshot(&mut conn, &output.join(SQLITE_FILE))
                .map_err(|e| Refused(format!("database snapshot: {e}")))?;
        }
        DatabaseUrl::Postgres(url) => {
            drop(conn);
            let dump = output.join(PG_DUMP_FILE);
            let dump = dump
                .to_str()
                .ok_or_else(|| Refused("the backup path is not valid UTF-8".into()))?;
            // One consistent snapshot (pg_dump reads in one repeatable-read transaction);
            // the custom format restores with pg_restore, also selectively.
            pg_tool(
                "pg_dump",
                &["--format=custom", "--no-password", "--file", dump],
                url,
            )?;
        }
    }
    drop(pool);

    let jwt_secret = if config.jwt_secret.is_some() {
        "not included: configured in JALIN_JWT_SECRET (keep it with the configuration)".to_owned()
    } else {
        let path = config.data_dir.join(SECRET_FILE);
        if path.is_file() {
            copy_private(&path, &output.join(SECRET_FILE))?;
            "included".to_owned()
        } else {
            "not included: none generated yet".to_owned()
        }
    };
    let documents = match local_documents(config) {
        Some(dir) => {
            if dir.is_dir() {
                copy_tree(&dir, &output.join(DOCUMENTS))?;
            }
            "included".to_owned()
        }
        None => format!(
            "not included: {} (protect it with bucket versioning and replication)",
            config.storage_url.as_deref().unwrap_or_default()
        ),
    };

    let mut files = Vec::new();
    for rel in files_under(output)? {
        let (sha256, bytes) = sha256_file(&output.join(&rel))?;
        files.push(FileEntry {
            path: rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/"),
            sha256,
            bytes,
        });
    }
    let manifest = Manifest {
        format: FORMAT,
        jalin_version: env!("CARGO_PKG_VERSION").to_owned(),
        schema_version,
        backend: database_url.backend().as_str().to_owned(),
        created_at,
        documents,
        jwt_secret,
        files,
    };
    let json =
        serde_json::to_vec_pretty(&manifest).map_err(|e| Refused(format!("manifest: {e}")))?;
    let path = output.join(MANIFEST);
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(io("cannot create", &path))?;
    f.write_all(&json)
        .and_then(|()| f.sync_all())
        .map_err(io("cannot write", &path))?;
    Ok(manifest)
}

/// A manifest path as a safe relative path (no `..`, not absolute).
fn relative(path: &str) -> Result<PathBuf, Refused> {
    let p = PathBuf::from(path);
    if path.is_empty() || !p.components().all(|c| matches!(c, Component::Normal(_))) {
        return refuse(format!("the manifest names an unsafe path `{path}`"));
    }
    Ok(p)
}

/// Reads a backup's manifest and checks it against this binary and the files beside it.
pub fn check(input: &Path) -> Result<Manifest, Refused> {
    let path = input.join(MANIFEST);
    let text = match fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return refuse(format!(
                "{} is not a jalin backup: it has no {MANIFEST}",
                input.display()
            ))
        }
        Err(e) => return refuse(format!("cannot read {}: {e}", path.display())),
    };
    let manifest: Manifest = serde_json::from_slice(&text)
        .map_err(|e| Refused(format!("{} is not a jalin manifest: {e}", path.display())))?;
    if manifest.format != FORMAT {
        return refuse(format!(
            "the backup's manifest format {} is not {FORMAT}: restore it with jalin {}",
            manifest.format, manifest.jalin_version
        ));
    }
    let known =
        snapshot::known_schema_version().map_err(|e| Refused(format!("this binary: {e}")))?;
    if snapshot::compare_versions(&manifest.schema_version, &known).is_gt() {
        return refuse(format!(
            "the backup's schema {} is newer than this jalin knows ({known}): restore it with jalin {} or newer",
            manifest.schema_version, manifest.jalin_version
        ));
    }
    let database = match manifest.backend.as_str() {
        "sqlite" => SQLITE_FILE,
        "postgres" => PG_DUMP_FILE,
        other => return refuse(format!("the manifest names an unknown backend `{other}`")),
    };
    if !manifest.files.iter().any(|f| f.path == database) {
        return refuse(format!("the manifest lists no {database}"));
    }
    for entry in &manifest.files {
        let file = input.join(relative(&entry.path)?);
        if !file.is_file() {
            return refuse(format!(
                "{} is missing: the backup is incomplete",
                file.display()
            ));
        }
        let (sha256, bytes) = sha256_file(&file)?;
        if sha256 != entry.sha256 || bytes != entry.bytes {
            return refuse(format!(
                "{} does not match the manifest (SHA-256 or size differs): the backup is damaged or was changed",
                file.display()
            ));
        }
    }
    Ok(manifest)
}

/// Restores the backup in `input` into the empty (or new) `data_dir`; a PostgreSQL backup into
/// the empty database `database_url`. Checks everything before it writes anything.
pub fn restore(
    input: &Path,
    data_dir: &Path,
    database_url: Option<&DatabaseUrl>,
) -> Result<Manifest, Refused> {
    let manifest = check(input)?;
    let postgres = match (manifest.backend.as_str(), database_url) {
        ("sqlite", None) => None,
        ("sqlite", Some(DatabaseUrl::Sqlite(p))) if *p == data_dir.join(SQLITE_FILE) => None,
        ("sqlite", Some(_)) => {
            return refuse(format!(
                "an SQLite backup restores to {}: leave out --database-url",
                data_dir.join(SQLITE_FILE).display()
            ))
        }
        ("postgres", Some(url @ DatabaseUrl::Postgres(_))) => Some(url),
        _ => return refuse(
            "a PostgreSQL backup restores into an empty database: pass --database-url postgres://…",
        ),
    };
    // The target must be empty before anything is written.
    if let Ok(mut entries) = fs::read_dir(data_dir) {
        if entries.next().is_some() {
            return refuse(format!(
                "the data directory {} is not empty: restore into a new or empty directory",
                data_dir.display()
            ));
        }
    }
    if let Some(url) = postgres {
        find_pg_tool("pg_restore")?;
        let url = crate::startup::with_connect_timeout(url);
        let pool = open_pool(&url)?;
        let mut conn = pool.get().map_err(|e| Refused(format!("database: {e}")))?;
        let tables = snapshot::postgres_table_count(&mut conn)
            .map_err(|e| Refused(format!("database: {e}")))?;
        if tables > 0 {
            return refuse(format!(
                "the database {url} is not empty ({tables} table(s)): restore into a new, empty database"
            ));
        }
    }
    empty_dir(data_dir, "the data directory")?;
    match postgres {
        None => copy_private(&input.join(SQLITE_FILE), &data_dir.join(SQLITE_FILE))?,
        Some(url) => {
            let url = crate::startup::with_connect_timeout(url);
            let DatabaseUrl::Postgres(url) = &url else {
                unreachable!("checked above")
            };
            let dump = input.join(PG_DUMP_FILE);
            let dump = dump
                .to_str()
                .ok_or_else(|| Refused("the backup path is not valid UTF-8".into()))?;
            pg_tool(
                "pg_restore",
                &[
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                    "--no-password",
                    dump,
                ],
                url,
            )?;
        }
    }
    if manifest.files.iter().any(|f| f.path == SECRET_FILE) {
        copy_private(&input.join(SECRET_FILE), &data_dir.join(SECRET_FILE))?;
    }
    let documents: Vec<&FileEntry> = manifest
        .files
        .iter()
        .filter(|f| f.path.starts_with("documents/"))
        .collect();
    for entry in documents {
        let rel = relative(&entry.path)?;
        let target = data_dir.join(&rel);
        if let Some(parent) = target.parent() {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(parent)
                .map_err(io("cannot create", parent))?;
        }
        copy_private(&input.join(&rel), &target)?;
    }
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_never_reaches_the_command_line() {
        let (url, password) = split_password("postgres://jalin:s%40cr+t@db.internal:5432/jalin");
        assert_eq!(url, "postgres://jalin@db.internal:5432/jalin");
        assert_eq!(password.as_deref(), Some("s@cr+t"));
        let (url, password) = split_password("postgres://postgres@127.0.0.1/test");
        assert_eq!(url, "postgres://postgres@127.0.0.1/test");
        assert_eq!(password, None);
    }

    #[test]
    fn a_manifest_path_stays_inside_the_backup() {
        assert!(relative("documents/ab/cd").is_ok());
        for bad in ["../etc/passwd", "/etc/passwd", "documents/../../x", ""] {
            assert!(relative(bad).is_err(), "{bad}");
        }
    }
}
