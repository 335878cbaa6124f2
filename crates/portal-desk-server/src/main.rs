//! `portal-desk-server`: parses the command line and runs the chosen command; the
//! server itself lives in the library.

use anyhow::{bail, Context};
use clap::Parser;
use portal_desk_core::bank_holidays::Division;
use portal_desk_core::SiteId;
use portal_desk_server::audit::checkpoint::CheckpointKey;
use portal_desk_server::audit::checkpointer::{self, Checkpointer};
use portal_desk_server::audit::{checkpoint_file, AuditEntry, ChainKey};
use portal_desk_server::auth::{self, HashCost, MIN_PASSWORD_CHARS};
use portal_desk_server::cli::{
    AuditCommand, Cli, Command, KeyCommand, LogFormat, RoleArg, ServeArgs, SiteCommand, UserCommand,
};
use portal_desk_server::config::DatabaseUrl;
use portal_desk_server::db::{self, NewStaff, Role, SharedStore, Store};
use portal_desk_server::keys::{self, KeyFileError, ServerKeys};
use portal_desk_server::{app, audit, demo, now_ms, serve, site_settings, AppState};
use serde_json::json;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("portal_desk_server=info,tower_http=info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
    let key_file = cli.key_file.clone().unwrap_or_else(|| keys::default_key_file(&cli.database_url));
    if let Command::Key { command: KeyCommand::Create } = cli.command {
        // Needs no database: the key is made before any server has started on one.
        ServerKeys::random().write_new(&key_file)?;
        println!("Made a new key file at {}; keep it apart from the database and its backups.", key_file.display());
        return Ok(ExitCode::SUCCESS);
    }
    let checkpoints = cli.audit_checkpoints.clone().unwrap_or_else(|| checkpoint_file::default_path(&key_file));
    // The audit commands only read: they must never make a key file, nor adopt the one
    // they are given as the database's.
    let (store, keys) = match cli.command {
        Command::Audit { .. } => open_to_read(&cli.database_url, &key_file).await?,
        _ => open_to_write(&cli.database_url, &key_file).await?,
    };
    match cli.command {
        Command::Serve(args) => serve_app(store, keys, args, checkpoints).await?,
        Command::Site { command: SiteCommand::Add { name, time_zone, bank_holidays } } => {
            add_site(store.clone(), &keys, &name, &time_zone, bank_holidays.into()).await?;
            checkpoint_after(&store, &keys, &checkpoints).await;
        }
        Command::User { command: UserCommand::Add { sites, role, name, email } } => {
            add_user(store.clone(), sites, role, name, &email).await?;
            checkpoint_after(&store, &keys, &checkpoints).await;
        }
        Command::User { command: UserCommand::Sites { sites, email } } => {
            set_sites(store.clone(), sites, &email).await?;
            checkpoint_after(&store, &keys, &checkpoints).await;
        }
        Command::Audit { command: AuditCommand::Verify } => {
            return verify_audit(store.as_ref(), &keys, &checkpoints).await
        }
        Command::Audit { command: AuditCommand::Export { output } } => export_audit(store, output).await?,
        Command::Key { command: KeyCommand::Create } => unreachable!("handled before the database is opened"),
    }
    Ok(ExitCode::SUCCESS)
}

/// The server's keys from `key_file`, made there if missing for a SQLite database (one
/// server, one machine) but never for PostgreSQL, whose servers must all share one
/// file; and the database, opened to append audit entries keyed with them. The database
/// keeps the keys' fingerprint, so a server with other keys stops here instead of
/// refusing every device's changes as forged and breaking the audit chain.
async fn open_to_write(database: &DatabaseUrl, key_file: &Path) -> anyhow::Result<(SharedStore, Arc<ServerKeys>)> {
    let keys = match database {
        DatabaseUrl::Sqlite(_) => ServerKeys::load_or_create(key_file)?,
        DatabaseUrl::Postgres(_) => ServerKeys::load(key_file)?,
    };
    let store = db::open(database, ChainKey::new(&keys)).await.with_context(|| format!("cannot open {database}"))?;
    if !store.claim_key_fingerprint(&keys.fingerprint()).await? {
        bail!(
            "the key file {} is not the one this database was used with; restore the right key file \
             (every server on one database must use the same one)",
            key_file.display()
        );
    }
    Ok((store, Arc::new(keys)))
}

/// The server's keys from `key_file`, which must exist, and the database, for the audit
/// commands: they check that the database remembers these keys, but claim nothing.
async fn open_to_read(database: &DatabaseUrl, key_file: &Path) -> anyhow::Result<(SharedStore, Arc<ServerKeys>)> {
    let keys = match ServerKeys::load(key_file) {
        Err(KeyFileError::Missing(path)) => bail!(
            "there is no key file at {}: the audit commands need the key file the servers use (--key-file), \
             since the chain is keyed with it",
            path.display()
        ),
        loaded => loaded?,
    };
    let store = db::open(database, ChainKey::new(&keys)).await.with_context(|| format!("cannot open {database}"))?;
    if store.key_fingerprint().await?.is_some_and(|known| known != keys.fingerprint()) {
        bail!(
            "the key file {} is not the one this database was used with; give the key file its servers use",
            key_file.display()
        );
    }
    Ok((store, Arc::new(keys)))
}

async fn serve_app(
    store: SharedStore,
    keys: Arc<ServerKeys>,
    args: ServeArgs,
    checkpoints: std::path::PathBuf,
) -> anyhow::Result<()> {
    if args.demo && demo::seed(store.as_ref(), &keys, HashCost::Standard, now_ms()).await? {
        tracing::info!("seeded the demo data into the empty database");
    }
    if !args.static_dir.join("index.html").is_file() {
        tracing::warn!(dir = %args.static_dir.display(), "no index.html in the static directory: the API works, the app will not load");
    }
    let checkpointer = Checkpointer::start(store.clone(), CheckpointKey::new(&keys), checkpoints).await?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}; is another server using it?", args.listen))?;
    let address = listener.local_addr()?;
    println!("Portal Desk is running: open http://{address}/ in your browser (Ctrl+C stops it).");
    // Only promise the demo accounts when they exist: --demo leaves a database that
    // already held other data alone.
    if args.demo && store.staff_credentials(demo::DEMO_STAFF[0].email).await?.is_some() {
        print!("{}", demo::sign_in_help());
    }
    std::io::stdout().flush()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let checkpointing = tokio::spawn(checkpointer.run(async {
        let _ = stopped.await;
    }));
    let settings = args.connection_settings().fitted_to_open_files();
    let mut state = AppState::new(store, args.static_dir, HashCost::Standard, keys);
    state.hsts = args.hsts;
    let served = serve::serve(listener, app(state), settings, shutdown_signal()).await;
    // The last checkpoint covers every request the server finished.
    let _ = stop.send(());
    checkpointing.await?;
    served?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl+C or SIGTERM; in-flight requests then finish before the server stops.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// A site id from its name: lower case, words joined by hyphens ("Riverside Clinic" →
/// "riverside-clinic"), so that `user add --site` is easy to type.
fn slug(name: &str) -> String {
    let words: Vec<String> =
        name.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(|w| w.to_lowercase()).collect();
    words.join("-")
}

async fn add_site(
    store: SharedStore,
    keys: &ServerKeys,
    name: &str,
    time_zone: &str,
    division: Division,
) -> anyhow::Result<()> {
    let name = name.trim();
    let base = slug(name);
    if base.is_empty() {
        bail!("give the site a name with at least one letter or digit, e.g. \"Riverside Clinic\"");
    }
    // Checked before anything is written, so a mistyped zone adds no site.
    site_settings::new_site(&SiteId::from(base.as_str()), name, time_zone, division, now_ms())?;
    let mut id = base.clone();
    let mut n = 2;
    while store.site_exists(&SiteId::from(id.as_str())).await? {
        id = format!("{base}-{n}");
        n += 1;
    }
    store.add_site(&SiteId::from(id.as_str()), name).await?;
    store.append_audit(&AuditEntry::new(now_ms(), "add_site", json!({ "site": id, "name": name }))).await?;
    let site = site_settings::new_site(&SiteId::from(id.as_str()), name, time_zone, division, now_ms())?;
    site_settings::create_record(store.as_ref(), keys, &site, now_ms()).await?;
    println!("{id}");
    Ok(())
}

async fn add_user(
    store: SharedStore,
    sites: Vec<String>,
    role: RoleArg,
    name: Option<String>,
    email: &str,
) -> anyhow::Result<()> {
    let email = email.trim().to_lowercase();
    if !email.contains('@') {
        bail!("'{email}' is not an email address");
    }
    let password = read_password()?;
    if password.chars().count() < MIN_PASSWORD_CHARS {
        bail!("the password must be at least {MIN_PASSWORD_CHARS} characters long");
    }
    let role = match role {
        RoleArg::Analyst => Role::Analyst,
        RoleArg::Supervisor => Role::Supervisor,
        RoleArg::Admin => Role::Admin,
    };
    let name = name.unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_owned());
    let password_hash =
        tokio::task::spawn_blocking(move || auth::hash_password(&password, HashCost::Standard)).await??;
    let id = auth::new_id();
    let staff = NewStaff {
        id: id.clone().into(),
        email,
        name,
        role,
        password_hash,
        sites: sites.into_iter().map(SiteId::from).collect(),
    };
    store.add_staff(&staff, now_ms()).await?;
    let detail = json!({ "staff": id, "email": staff.email, "role": staff.role.code(), "sites": staff.sites });
    store.append_audit(&AuditEntry::new(now_ms(), "add_staff", detail)).await?;
    println!("{id}");
    Ok(())
}

async fn set_sites(store: SharedStore, sites: Vec<String>, email: &str) -> anyhow::Result<()> {
    let email = email.trim().to_lowercase();
    let sites: Vec<SiteId> = sites.into_iter().map(SiteId::from).collect();
    let audit = AuditEntry::new(now_ms(), "set_staff_sites", json!({ "email": email, "sites": sites }));
    if !store.set_staff_sites(&email, &sites, &audit).await? {
        bail!("there is no member of staff with email '{email}'");
    }
    println!("{email} now works at: {}", sites.iter().map(SiteId::as_str).collect::<Vec<_>>().join(", "));
    Ok(())
}

/// Reads the password from the first line of standard input, never the command line
/// (which other users of the machine can see).
fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password (it will show as you type; pipe it in to avoid that): ");
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

async fn export_audit(store: SharedStore, output: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    let csv = audit::to_csv(&store.audit_log().await?);
    match output {
        Some(path) => std::fs::write(&path, csv).with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout().write_all(csv.as_bytes())?,
    }
    Ok(())
}

/// Checks the log against the checkpoint file; the report goes to standard output, and
/// the exit code is non-zero if anything was found.
async fn verify_audit(store: &dyn Store, keys: &ServerKeys, checkpoints: &Path) -> anyhow::Result<ExitCode> {
    let text = checkpoint_file::read(checkpoints)
        .with_context(|| format!("cannot read the checkpoint file {}", checkpoints.display()))?;
    let file = text.map(|text| CheckpointKey::new(keys).read(&text));
    let verification = audit::verify::verify_log(store, &ChainKey::new(keys), file.as_ref(), checkpoints).await?;
    print!("{verification}");
    Ok(if verification.is_intact() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// After a command that wrote to the log: a checkpoint of it. The change is made either
/// way, so a checkpoint that cannot be written is a warning, not a failure.
async fn checkpoint_after(store: &SharedStore, keys: &ServerKeys, checkpoints: &Path) {
    if let Err(error) = checkpointer::write_checkpoint(store, &CheckpointKey::new(keys), checkpoints).await {
        tracing::warn!(%error, "the change was made, but no audit checkpoint was written");
    }
}
