//! The one CSV writer: every file Portal Desk exports (the dashboard's tables, the audit
//! log) is written here, so every export is RFC 4180 and every one carries the formula
//! guard.
//!
//! The guard matters because exported cells hold what people and devices typed (a
//! patient's name, an email address tried at sign-in): a cell that starts like a
//! formula (`=`, `+`, `-`, `@`, a tab or a carriage return) would run when the file is
//! opened in a spreadsheet, so it is written with a leading `'`, which spreadsheets show
//! as text. Hand-written rather than the `csv` crate: two functions, no I/O, and the
//! guard is the part no library adds.

/// One cell: prefixed with `'` when it starts like a formula, then quoted when it holds
/// a comma, quote or line break.
pub fn cell(value: &str) -> String {
    let value =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// One row of cells, ending in CRLF as RFC 4180 asks.
pub fn row<S: AsRef<str>>(cells: impl IntoIterator<Item = S>) -> String {
    let mut line = cells.into_iter().map(|value| cell(value.as_ref())).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_with_commas_quotes_and_line_breaks_are_quoted() {
        assert_eq!(
            row(["a,b", "say \"hi\"", "two\nlines", "plain"]),
            "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",plain\r\n"
        );
    }

    #[test]
    fn a_cell_that_starts_like_a_formula_never_runs_as_one() {
        for attack in ["=HYPERLINK(\"x\")", "+1", "-1+1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(cell(attack).trim_start_matches('"').starts_with('\''), "{attack:?}");
        }
        assert_eq!(cell("=1,2"), "\"'=1,2\"");
        assert_eq!(cell("a=b"), "a=b", "only a leading sign is a formula");
    }
}
