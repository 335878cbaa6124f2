//! Red-team tests: each plays one attack on the server, as someone who wants to read a
//! safeguarding case, frame a colleague, lock someone out or hide what they did, and
//! is named for what must not happen. They run on SQLite and on PostgreSQL.

mod audit_tamper;
mod clocks_and_ids;
mod connections;
mod device_identity;
mod forged_authorship;
mod held_changes;
mod http_hygiene;
mod sign_in_abuse;
