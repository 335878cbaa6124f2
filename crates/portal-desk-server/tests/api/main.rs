//! The server's in-process API tests: each test gets a fresh SQLite database and drives
//! the router with `oneshot`, one behaviour per test.

mod access_matrix;
mod admin_records;
mod audit_checkpoints;
mod cli;
mod demo;
mod device_key;
mod devices;
mod errors;
mod hostile_input;
mod kiosk_and_sites;
mod openapi;
mod operations;
mod process;
mod pull;
mod push;
mod red_team;
mod replicas;
mod replicas_as_processes;
mod sign_in;
mod staff_admin;
mod static_files;
mod storage;
mod support;
mod view_reason;
