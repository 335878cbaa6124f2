//! Starts Portal Desk in the browser. Everything else lives in the library.

fn main() {
    console_error_panic_hook::set_once();
    portal_desk::start();
}
