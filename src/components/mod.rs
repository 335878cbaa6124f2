//! View pieces shared by several screens.

mod error_summary;
mod focus_keeper;
mod header;
mod lock_button;
mod signed_in;
mod update_banner;

pub use error_summary::{field_error, focus_field, ErrorSummary, FieldErrorMessage, ProblemSummary};
pub use focus_keeper::keeping_focus;
pub use header::AppHeader;
pub use lock_button::LockButton;
pub use signed_in::SignedIn;
pub use update_banner::UpdateBanner;
