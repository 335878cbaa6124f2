//! Words and times as people read them. Pure, so it is tested natively.

use portal_desk_core::zone::TimeZone;

/// The outbox badge: how many changes are still only on this device. "All changes
/// synced" only when the server also refused none of them: a refused change is not
/// synced, and the banner beside the badge says which.
pub fn waiting_label(waiting: usize, rejected: usize) -> String {
    match (waiting, rejected) {
        (0, 0) => "All changes synced".to_owned(),
        (0, _) => "Nothing waiting to sync".to_owned(),
        (1, _) => "1 change waiting to sync".to_owned(),
        (n, _) => format!("{n} changes waiting to sync"),
    }
}

/// What the Changes screen says of views of records the server's audit log refused.
pub fn refused_views_label(count: usize) -> String {
    match count {
        1 => {
            "1 view of a record made on this device was refused by the server's audit log and is kept here.".to_owned()
        }
        n => format!(
            "{n} views of records made on this device were refused by the server's audit log and are kept here."
        ),
    }
}

/// The count of changes the server refused, or `None` when there are none.
pub fn rejected_label(count: usize) -> Option<String> {
    match count {
        0 => None,
        1 => Some("1 change was not accepted".to_owned()),
        n => Some(format!("{n} changes were not accepted")),
    }
}

/// A number of bytes as people read it: `512 bytes`, `1.2 MB`, `10 GB`. Integer
/// arithmetic only: float formatting would add kilobytes of code to the app.
pub fn bytes(count: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if count < 1_000 {
        return format!("{count} bytes");
    }
    // The value in tenths of the unit, rounded.
    let mut unit = 0;
    let mut scale = 1_000u64;
    while count >= scale * 1_000 && unit < UNITS.len() - 1 {
        scale *= 1_000;
        unit += 1;
    }
    let tenths = (count * 10 + scale / 2) / scale;
    if tenths < 100 {
        format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
    } else {
        format!("{} {}", (tenths + 5) / 10, UNITS[unit])
    }
}

/// How much of its storage allowance the app uses, in one sentence.
pub fn storage_label(usage: u64, quota: u64) -> String {
    format!("Portal Desk is using {} of the {} this browser allows it on this device.", bytes(usage), bytes(quota))
}

/// The short reference staff quote for a case: `PD-` and the first eight letters and
/// digits of its id in capitals, such as `PD-1A2B3C4D`. Searchable in the case queue.
pub fn case_reference(id: &portal_desk_core::RecordId) -> String {
    let short: String = id.as_str().chars().filter(char::is_ascii_alphanumeric).take(8).collect();
    format!("PD-{}", short.to_uppercase())
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A calendar date such as `4 Nov 1958`, the way NHS services write dates of birth.
pub fn day_month_year(year: i32, month: u8, day: u8) -> String {
    let month = MONTHS.get(usize::from(month).saturating_sub(1)).unwrap_or(&"?");
    format!("{day} {month} {year}")
}

/// The civil date (year, month 1–12, day 1–31) of a day counted from 1970-01-01.
/// Howard Hinnant's days-to-civil algorithm, so no date library is needed in the bundle.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Splits an instant into its date and hour and minute in `zone`, at the offset in
/// force at that instant (a July note reads in summer time in January too).
fn local_parts(ms: u64, zone: &TimeZone) -> ((i64, u32, u32), u32, u32) {
    let local_ms = ms as i64 + i64::from(zone.offset_at(ms)) * 60_000;
    let days = local_ms.div_euclid(86_400_000);
    let minute_of_day = local_ms.rem_euclid(86_400_000) / 60_000;
    (civil_from_days(days), (minute_of_day / 60) as u32, (minute_of_day % 60) as u32)
}

/// A time of day such as `14:05`, in `zone` (the site's, never the browser's).
pub fn time_of_day(ms: u64, zone: &TimeZone) -> String {
    let (_, hour, minute) = local_parts(ms, zone);
    format!("{hour:02}:{minute:02}")
}

/// A date and time such as `22 Nov 2026 at 14:05`, the way NHS services write them.
pub fn date_time(ms: u64, zone: &TimeZone) -> String {
    let ((year, month, day), hour, minute) = local_parts(ms, zone);
    format!("{day} {} {year} at {hour:02}:{minute:02}", MONTHS[month as usize - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_views_are_counted_in_good_english() {
        assert!(refused_views_label(1).starts_with("1 view of a record made on this device was refused"));
        assert!(refused_views_label(3).starts_with("3 views of records made on this device were refused"));
    }

    #[test]
    fn a_refused_change_is_never_called_synced() {
        assert_eq!(waiting_label(0, 1), "Nothing waiting to sync");
        assert_eq!(waiting_label(2, 1), "2 changes waiting to sync");
    }

    #[test]
    fn badge_counts_in_plain_words() {
        assert_eq!(waiting_label(0, 0), "All changes synced");
        assert_eq!(waiting_label(1, 0), "1 change waiting to sync");
        assert_eq!(waiting_label(2, 0), "2 changes waiting to sync");
        assert_eq!(rejected_label(0), None);
        assert_eq!(rejected_label(3).unwrap(), "3 changes were not accepted");
    }

    #[test]
    fn a_case_reference_is_short_and_in_capitals() {
        assert_eq!(case_reference(&"1a2b3c4d-5e6f-4000-8000-000000000000".into()), "PD-1A2B3C4D");
        assert_eq!(case_reference(&"ab".into()), "PD-AB");
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(bytes(512), "512 bytes");
        assert_eq!(bytes(1_234_567), "1.2 MB");
        assert_eq!(bytes(10_000_000_000), "10 GB");
        assert!(storage_label(2_000, 5_000_000).contains("2.0 KB of the 5.0 MB"));
    }

    #[test]
    fn dates_and_times_are_local_and_readable() {
        let utc = TimeZone::fixed("UTC", 0);
        // 2026-11-22T05:03:00Z
        let ms = 1_795_323_780_000;
        assert_eq!(time_of_day(ms, &utc), "05:03");
        assert_eq!(date_time(ms, &utc), "22 Nov 2026 at 05:03");
        assert_eq!(time_of_day(ms, &TimeZone::fixed("Europe/Paris", 60)), "06:03");
        assert_eq!(date_time(ms, &TimeZone::fixed("America/Chicago", -360)), "21 Nov 2026 at 23:03");
        assert_eq!(date_time(0, &utc), "1 Jan 1970 at 00:00");
        assert_eq!(day_month_year(1958, 11, 4), "4 Nov 1958");
        // A leap day.
        assert_eq!(date_time(951_782_400_000, &utc), "29 Feb 2000 at 00:00");
    }

    #[test]
    fn each_instant_reads_at_its_own_offset_whenever_it_is_read() {
        let london = crate::queue::calendar::uk_time();
        // 14 July 2026 13:30 UTC is 14:30 British Summer Time; 15 January 14:30 UTC is
        // 14:30 GMT. Neither depends on the day the screen is read.
        assert_eq!(date_time(1_784_035_800_000, &london), "14 Jul 2026 at 14:30");
        assert_eq!(date_time(1_768_487_400_000, &london), "15 Jan 2026 at 14:30");
        // The spring change: 00:59 GMT, then 02:00 BST a minute later.
        assert_eq!(time_of_day(1_774_745_940_000, &london), "00:59");
        assert_eq!(time_of_day(1_774_746_000_000, &london), "02:00");
    }
}
