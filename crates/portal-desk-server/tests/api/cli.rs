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

/// The ids of the site settings records in the database: every site added has one,
/// so admins can edit its calendar in the app.
fn settings_records(database: &str) -> Vec<String> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let pool = sqlx::SqlitePool::connect(database).await.unwrap();
        sqlx::query_scalar("SELECT id FROM records WHERE id LIKE 'site:%' ORDER BY id").fetch_all(&pool).await.unwrap()
    })
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
    let scottish = ["site", "add", "--time-zone", "Europe/London", "--bank-holidays", "scotland", "Leith Clinic"];
    assert_eq!(stdout_of(&run(&database, &scottish, "")), "leith-clinic");
    let atlantis = run(&database, &["site", "add", "--time-zone", "Europe/Atlantis", "Nowhere"], "");
    assert!(String::from_utf8_lossy(&atlantis.stderr).contains("no time zone called 'Europe/Atlantis'"));
    assert_eq!(settings_records(&database), ["site:leith-clinic", "site:riverside-clinic", "site:riverside-clinic-2"]);
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

#[tokio::test]
async fn a_server_checkpoints_the_log_as_it_starts_and_stops_and_verify_skips_a_line_cut_short() {
    use crate::support::process::{free_port, http, key_file_for, run_command, ServerProcess};
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/pd.db", dir.path().display());
    let checkpoints = dir.path().join("audit.checkpoints");
    let flag = ["--audit-checkpoints", checkpoints.to_str().unwrap()];
    let mut server = ServerProcess::start(&database, free_port(), &["--demo", flag[0], flag[1]]).await;
    let started = std::fs::read_to_string(&checkpoints).expect("a checkpoint as the server started");
    assert_eq!(started.lines().count(), 1, "{started}");
    let sign_in = serde_json::json!({
        "email": portal_desk_server::demo::DEMO_STAFF[0].email,
        "password": portal_desk_server::demo::DEMO_PASSWORD,
        "device": "tablet-1",
    });
    let (status, _) = http(server.port, "POST", "/api/v1/sign-in", None, Some(&sign_in)).await.unwrap();
    assert_eq!(status, 200);
    let stopped = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(stopped.success());
    assert!(server.wait().success());
    let written = std::fs::read_to_string(&checkpoints).unwrap();
    assert_eq!(written.lines().count(), 2, "one more as it stopped, after the sign-in: {written}");

    // A crash in the middle of writing a checkpoint leaves its line cut short.
    let last = written.lines().last().unwrap();
    std::fs::write(&checkpoints, format!("{written}{}", &last[..last.len() / 2])).unwrap();
    let key_file = key_file_for(&database);
    let output = run_command(&database, &key_file, &["audit", "verify", flag[0], flag[1]]);
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{report}{}", String::from_utf8_lossy(&output.stderr));
    assert!(report.contains("The audit log is intact"), "{report}");
    assert!(report.contains("every signed checkpoint"), "{report}");
    assert!(report.contains("line 3 of") && report.contains("(its last line) is not a whole checkpoint"), "{report}");
}
