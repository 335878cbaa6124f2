//! The routed screens, one per file.

pub mod admin;
mod case;
mod cases;
mod changes;
mod device_settings;
mod new_case;
mod not_found;
mod sign_in;
pub mod supervisor;
mod unlock;

pub use admin::AdminStaffPage;
pub use case::CasePage;
pub use cases::CasesPage;
pub use changes::ChangesPage;
pub use device_settings::{DeviceSettingsPage, PinReminder, SetPinPage};
pub use new_case::NewCasePage;
pub use not_found::NotFoundPage;
pub use sign_in::SignInPage;
pub use supervisor::SupervisorPage;
pub use unlock::{unlock_with_pin, who_and_pin_problems, LockedApp, UnlockPage};
