//! The command line: `serve`, `site add`, `user add`, `audit verify` and the rest,
//! every flag also read from an environment variable so that containers and scripts
//! can configure the server.

use crate::config::DatabaseUrl;
use clap::{Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

/// The Portal Desk sync server: serves the app and its sync API from one origin.
#[derive(Debug, Parser)]
#[command(name = "portal-desk-server", version, about)]
pub struct Cli {
    /// The database: sqlite://PATH (created if missing) or postgres://USER@HOST/DATABASE.
    #[arg(long, env = "PORTAL_DESK_DATABASE_URL", default_value = "sqlite://data/portal-desk.db", global = true)]
    pub database_url: DatabaseUrl,

    /// The server's key file (64 hex characters; made on first start beside a SQLite
    /// database if missing). Every server on one database must use the same file.
    /// Defaults to `portal-desk.key` beside a SQLite database, or in the working
    /// directory for PostgreSQL.
    #[arg(long, env = "PORTAL_DESK_KEY_FILE", global = true)]
    pub key_file: Option<PathBuf>,

    /// The file of signed checkpoints of the audit log's head, outside the database:
    /// `serve` and the commands that write to the log append to it, `audit verify`
    /// checks the log against it. Defaults to the key file's name with `.checkpoints`
    /// (`portal-desk.key` -> `portal-desk.checkpoints`). Give each replica its own.
    #[arg(long, env = "PORTAL_DESK_AUDIT_CHECKPOINTS", global = true)]
    pub audit_checkpoints: Option<PathBuf>,

    /// How logs are written to standard error: `text` for people, `json` (one object
    /// a line) for log collectors.
    #[arg(long, env = "PORTAL_DESK_LOG_FORMAT", value_enum, default_value = "text", global = true)]
    pub log_format: LogFormat,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Log formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object a line.
    Json,
}

/// The server's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the app and the API.
    Serve(ServeArgs),
    /// Manage sites.
    Site {
        /// What to do with sites.
        #[command(subcommand)]
        command: SiteCommand,
    },
    /// Manage staff.
    User {
        /// What to do with staff.
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Check or export the audit log.
    Audit {
        /// What to do with the audit log.
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Manage the server's key file.
    Key {
        /// What to do with the key file.
        #[command(subcommand)]
        command: KeyCommand,
    },
}

/// Key file commands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Make a new key file at --key-file (never over an existing one), for the first of
    /// several servers on one PostgreSQL database; copy it to the others.
    Create,
}

/// `serve`'s settings.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, env = "PORTAL_DESK_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// The built app (Trunk's dist folder) to serve.
    #[arg(long, env = "PORTAL_DESK_STATIC_DIR", default_value = "dist")]
    pub static_dir: PathBuf,

    /// Seed demo sites, staff and cases, if the database is empty. The environment
    /// variable takes true/false, 1/0, yes/no or on/off.
    #[arg(long, env = "PORTAL_DESK_DEMO", action = clap::ArgAction::SetTrue,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub demo: bool,

    /// Seconds a client has to send a request's whole header, counted from when the
    /// server is ready for it (a new connection, or the end of the previous answer).
    #[arg(long, env = "PORTAL_DESK_HEADER_TIMEOUT_S", default_value_t = 15,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout_s: u64,

    /// Seconds a connection may move no byte while no handler works on it (an idle
    /// kept-alive connection, a silent socket, a client that stopped reading or
    /// sending) before it is closed.
    #[arg(long, env = "PORTAL_DESK_IDLE_TIMEOUT_S", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub idle_timeout_s: u64,

    /// The most connections served at once (lowered to fit the open-files limit).
    #[arg(long, env = "PORTAL_DESK_MAX_CONNECTIONS", default_value_t = 1024,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,

    /// Send Strict-Transport-Security: only when a TLS proxy fronts the server, so the
    /// browser uses https for the app's origin from then on. The environment variable
    /// takes true/false, 1/0, yes/no or on/off.
    #[arg(long, env = "PORTAL_DESK_HSTS", action = clap::ArgAction::SetTrue,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub hsts: bool,
}

impl ServeArgs {
    /// The connection layer's settings these flags give.
    pub fn connection_settings(&self) -> crate::serve::ServeSettings {
        crate::serve::ServeSettings {
            header_timeout: std::time::Duration::from_secs(self.header_timeout_s),
            idle_timeout: std::time::Duration::from_secs(self.idle_timeout_s),
            max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
        }
    }
}

/// Site commands.
#[derive(Debug, Subcommand)]
pub enum SiteCommand {
    /// Add a site with its settings (time zone, weekday hours 08:00–18:00, bank
    /// holidays for ten years), which admins then edit in the app; prints its id.
    Add {
        /// The site's name, e.g. "Riverside Clinic".
        name: String,
        /// Its time zone, as the time-zone database names it.
        #[arg(long, default_value = portal_desk_core::zone::DEFAULT_TIME_ZONE)]
        time_zone: String,
        /// Whose bank holidays it closes on.
        #[arg(long, value_enum, default_value_t = DivisionArg::EnglandAndWales)]
        bank_holidays: DivisionArg,
    },
}

/// The parts of the UK with their own bank holidays, as given on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DivisionArg {
    /// England and Wales.
    EnglandAndWales,
    /// Scotland.
    Scotland,
    /// Northern Ireland.
    NorthernIreland,
}

impl From<DivisionArg> for portal_desk_core::bank_holidays::Division {
    fn from(arg: DivisionArg) -> Self {
        use portal_desk_core::bank_holidays::Division;
        match arg {
            DivisionArg::EnglandAndWales => Division::EnglandAndWales,
            DivisionArg::Scotland => Division::Scotland,
            DivisionArg::NorthernIreland => Division::NorthernIreland,
        }
    }
}

/// Staff roles, as given on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// Front-line staff.
    Analyst,
    /// Sees every case of their sites, restricted ones included.
    Supervisor,
    /// Runs the service.
    Admin,
}

/// Staff commands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a member of staff; the password is read from standard input.
    Add {
        /// A site they work at (repeat for several).
        #[arg(long = "site", required = true)]
        sites: Vec<String>,
        /// Their role.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Their full name (defaults to the part of the email before the @).
        #[arg(long)]
        name: Option<String>,
        /// Their email address, used to sign in.
        email: String,
    },
    /// Replace the sites a member of staff works at. Their devices are told to drop
    /// other sites' cases and re-sync at their next pull.
    Sites {
        /// A site they work at from now on (repeat for several).
        #[arg(long = "site", required = true)]
        sites: Vec<String>,
        /// Their email address.
        email: String,
    },
}

/// Audit commands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the audit log's keyed hash chain against the checkpoint file (needs the
    /// key file); exits non-zero if anything was edited, removed, re-hashed or cut.
    Verify,
    /// Write the whole log as CSV (to standard output unless --output is given).
    Export {
        /// The file to write.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One test, because environment variables are process-wide and tests run in
    /// parallel; no other unit test in the crate parses the command line.
    #[test]
    fn flags_default_as_documented_and_come_from_the_environment_too() {
        let names = [
            "PORTAL_DESK_DEMO",
            "PORTAL_DESK_LISTEN",
            "PORTAL_DESK_STATIC_DIR",
            "PORTAL_DESK_DATABASE_URL",
            "PORTAL_DESK_HEADER_TIMEOUT_S",
            "PORTAL_DESK_IDLE_TIMEOUT_S",
            "PORTAL_DESK_MAX_CONNECTIONS",
            "PORTAL_DESK_HSTS",
        ];
        names.iter().for_each(|name| std::env::remove_var(name));
        let cli = Cli::try_parse_from(["portal-desk-server", "serve"]).unwrap();
        let Command::Serve(serve) = cli.command else { panic!("not serve") };
        assert!(!serve.demo);
        assert_eq!(serve.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(serve.static_dir, std::path::PathBuf::from("dist"));
        assert_eq!(cli.database_url, DatabaseUrl::Sqlite("data/portal-desk.db".into()));
        assert_eq!(serve.connection_settings(), crate::serve::ServeSettings::default());
        assert!(!serve.hsts);

        std::env::set_var("PORTAL_DESK_DEMO", "1");
        std::env::set_var("PORTAL_DESK_LISTEN", "127.0.0.1:9999");
        std::env::set_var("PORTAL_DESK_STATIC_DIR", "/srv/portal-desk");
        std::env::set_var("PORTAL_DESK_DATABASE_URL", "sqlite:///var/lib/pd.db");
        std::env::set_var("PORTAL_DESK_HEADER_TIMEOUT_S", "5");
        std::env::set_var("PORTAL_DESK_IDLE_TIMEOUT_S", "3");
        std::env::set_var("PORTAL_DESK_MAX_CONNECTIONS", "100");
        std::env::set_var("PORTAL_DESK_HSTS", "yes");
        let cli = Cli::try_parse_from(["portal-desk-server", "serve"]);
        names.iter().for_each(|name| std::env::remove_var(name));
        let cli = cli.unwrap();
        let Command::Serve(serve) = cli.command else { panic!("not serve") };
        assert!(serve.demo);
        assert_eq!(serve.listen.to_string(), "127.0.0.1:9999");
        assert_eq!(serve.static_dir, std::path::PathBuf::from("/srv/portal-desk"));
        assert_eq!(cli.database_url, DatabaseUrl::Sqlite("/var/lib/pd.db".into()));
        let settings = serve.connection_settings();
        assert_eq!(settings.header_timeout, std::time::Duration::from_secs(5));
        assert_eq!(settings.idle_timeout, std::time::Duration::from_secs(3));
        assert_eq!(settings.max_connections, 100);
        assert!(serve.hsts);
    }
}
