//! The command line, run as a real process: `site add`, `user add` (password from
//! standard input), `audit verify` and `key create`.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run(database: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portal-desk-server"))
        .args(args)
        .env("PORTAL_DESK_DATABASE_URL", database)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server binary");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[track_caller]
fn stdout_of(output: &Output) -> String {
    assert!(output.status.success(), "failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[test]
fn site_add_and_user_add_make_an_account_that_can_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/nested/folder/pd.db", dir.path().display());
    let site = stdout_of(&run(&database, &["site", "add", "Riverside Clinic"], ""));
    assert_eq!(site, "riverside-clinic");
    let second = stdout_of(&run(&database, &["site", "add", "Riverside Clinic"], ""));
    assert_eq!(second, "riverside-clinic-2", "a taken id gets a suffix");
    let user_args =
        ["user", "add", "--site", &site, "--role", "supervisor", "--name", "Carys Jones", "carys@example.test"];
    let staff_id = stdout_of(&run(&database, &user_args, "a long enough password\n"));
    assert_eq!(staff_id.len(), 36);
    let duplicate = run(&database, &user_args, "a long enough password\n");
    assert!(!duplicate.status.success());
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("exists"));
    let moved =
        stdout_of(&run(&database, &["user", "sites", "--site", &second, "--site", &site, "Carys@Example.test"], ""));
    assert_eq!(moved, "carys@example.test now works at: riverside-clinic-2, riverside-clinic");
    assert!(!run(&database, &["user", "sites", "--site", &site, "nobody@example.test"], "").status.success());
    let verified = stdout_of(&run(&database, &["audit", "verify"], ""));
    assert!(verified.contains("intact"));
    let export = dir.path().join("audit.csv");
    stdout_of(&run(&database, &["audit", "export", "--output", export.to_str().unwrap()], ""));
    let csv = std::fs::read_to_string(&export).unwrap();
    assert!(csv.starts_with("seq,at_ms,staff_id,device_id,action,detail,prev_hash,hash,hash_scheme\r\n"), "{csv}");
}

#[test]
fn user_add_refuses_a_short_password_and_an_unknown_site() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/pd.db", dir.path().display());
    let short = run(&database, &["user", "add", "--site", "x", "--role", "analyst", "a@example.test"], "short\n");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least"));
    let args = ["user", "add", "--site", "nowhere", "--role", "analyst", "a@example.test"];
    let no_site = run(&database, &args, "a long enough password\n");
    assert!(!no_site.status.success());
    assert!(String::from_utf8_lossy(&no_site.stderr).contains("no site"));
}

#[test]
fn key_create_makes_an_owner_only_key_file_once_and_never_overwrites_it() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/pd.db", dir.path().display());
    let key_file = dir.path().join("shared.key");
    let key_flag = key_file.to_str().unwrap();
    stdout_of(&run(&database, &["key", "create", "--key-file", key_flag], ""));
    let first = std::fs::read_to_string(&key_file).unwrap();
    assert_eq!(first.trim().len(), 64, "64 hex characters");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert!(!dir.path().join("pd.db").exists(), "no database is made for a key");
    let again = run(&database, &["key", "create", "--key-file", key_flag], "");
    assert!(!again.status.success(), "a second create must fail rather than replace the key");
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), first);
}
