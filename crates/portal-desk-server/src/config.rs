//! Settings parsed from the command line and environment into the forms the server uses.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// The database named by `--database-url`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file: `sqlite://PATH` (relative to the working directory) or
    /// `sqlite:///ABSOLUTE/PATH`. The file and its folder are created if missing.
    Sqlite(PathBuf),
    /// A PostgreSQL database: `postgres://USER:PASSWORD@HOST:PORT/DATABASE`, for running
    /// several servers on one database.
    Postgres(String),
}

/// Why a database URL was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DatabaseUrlError {
    /// A scheme this build cannot use.
    #[error("'{0}' is not a database URL this server can use: give sqlite://PATH (for example sqlite://data/portal-desk.db) or postgres://USER@HOST/DATABASE")]
    Unsupported(String),
    /// `sqlite://` with no path.
    #[error("the SQLite URL names no file: give sqlite://PATH (for example sqlite://data/portal-desk.db)")]
    NoPath,
}

impl FromStr for DatabaseUrl {
    type Err = DatabaseUrlError;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        if let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            // Query options (?mode=...) are not ours to honour; the server sets its own.
            let path = rest.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(DatabaseUrlError::NoPath);
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_owned()));
        }
        Err(DatabaseUrlError::Unsupported(url.to_owned()))
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            // Never print the password.
            DatabaseUrl::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(scheme_end), Some(at)) if at > scheme_end => {
                    let credentials = &url[scheme_end + 3..at];
                    let user = credentials.split(':').next().unwrap_or_default();
                    write!(f, "{}{user}{}", &url[..scheme_end + 3], &url[at..])
                }
                _ => f.write_str(url),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_relative_and_absolute_files() {
        assert_eq!("sqlite://data/pd.db".parse(), Ok(DatabaseUrl::Sqlite("data/pd.db".into())));
        assert_eq!("sqlite:///tmp/pd.db".parse(), Ok(DatabaseUrl::Sqlite("/tmp/pd.db".into())));
        assert_eq!("sqlite://x.db?mode=rwc".parse(), Ok(DatabaseUrl::Sqlite("x.db".into())));
    }

    #[test]
    fn other_urls_are_refused_with_a_way_forward() {
        assert_eq!("sqlite://".parse::<DatabaseUrl>(), Err(DatabaseUrlError::NoPath));
        assert!("mysql://x".parse::<DatabaseUrl>().unwrap_err().to_string().contains("sqlite://PATH"));
    }

    #[test]
    fn postgres_urls_are_accepted_and_shown_without_the_password() {
        let url: DatabaseUrl = "postgres://desk:s3cret@db.internal:5432/portal".parse().unwrap();
        assert_eq!(url, DatabaseUrl::Postgres("postgres://desk:s3cret@db.internal:5432/portal".into()));
        assert_eq!(url.to_string(), "postgres://desk@db.internal:5432/portal");
    }
}
