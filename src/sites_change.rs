//! The notice shown when a person's sites change and the device drops the cases of the
//! sites they left: plain words, with the sites' names where the device knows them.

use portal_desk_core::protocol::SiteSummary;

/// What a sync run did about a change of sites.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SitesChange {
    /// The sites whose cases were removed from this device.
    pub dropped: Vec<String>,
    /// The sites whose cases are now being downloaded.
    pub added: Vec<String>,
    /// How many records were removed.
    pub removed: usize,
}

impl SitesChange {
    /// The notice for the person. `known` are the sites the signed-in session names (the
    /// sites as they were at sign-in, so they include the ones just left); a site not
    /// among them is called by its id.
    pub fn notice(&self, known: &[SiteSummary]) -> String {
        let names = |ids: &[String]| {
            let named: Vec<&str> = ids
                .iter()
                .map(|id| known.iter().find(|s| s.id.as_str() == id).map_or(id.as_str(), |s| s.name.as_str()))
                .collect();
            named.join(", ")
        };
        let mut text = "Your sites have changed".to_owned();
        if !self.dropped.is_empty() {
            text += &format!(": cases from {} were removed from this device", names(&self.dropped));
        }
        if !self.added.is_empty() {
            let joiner = if self.dropped.is_empty() { ": " } else { ", and " };
            text += &format!("{joiner}cases from your new sites are being downloaded");
        }
        text + "."
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_sites_left_and_says_new_ones_are_coming() {
        let known = [SiteSummary { id: "hilltop".into(), name: "Hilltop Health Centre".into() }];
        let change = SitesChange { dropped: vec!["hilltop".into()], added: vec!["riverside".into()], removed: 3 };
        assert_eq!(
            change.notice(&known),
            "Your sites have changed: cases from Hilltop Health Centre were removed from this device, and cases from your new sites are being downloaded."
        );
        let only_added = SitesChange { added: vec!["x".into()], ..Default::default() };
        assert_eq!(only_added.notice(&[]), "Your sites have changed: cases from your new sites are being downloaded.");
        let unknown = SitesChange { dropped: vec!["oak".into()], ..Default::default() };
        assert_eq!(unknown.notice(&[]), "Your sites have changed: cases from oak were removed from this device.");
    }
}
