//! Keeps the keyboard's place when part of a screen is drawn again: a case's panels are
//! drawn afresh each time the case changes (a save, a sync), and the browser hands the
//! focus of a control it removes to the page itself, which would send a person working
//! from the keyboard, or with a screen reader, back to the top of the page.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement};

/// Where the focus was, told by what will still be there once the part is drawn again:
/// the control's id, its name (a button's label), the checklist step it was in and the
/// heading of its panel.
struct FocusPlace {
    id: Option<String>,
    name: String,
    step: Option<String>,
    heading: Option<String>,
}

/// Wraps `draw`, which draws part of a screen, so that a control focused inside that
/// part is focused again after it is drawn anew: the same control if it is there (by
/// id, or by name within its step or panel), else its checklist step, else its panel's
/// heading. The focus is moved only when the browser had given it up to the page.
pub fn keeping_focus<V>(draw: impl Fn() -> V) -> impl Fn() -> V {
    move || {
        let place = FocusPlace::of_focused();
        let drawn = draw();
        if let Some(place) = place {
            // After this task's redraw, before the frame is painted.
            queue_microtask(move || place.restore_if_lost());
        }
        drawn
    }
}

fn document() -> Option<Document> {
    web_sys::window()?.document()
}

/// A control's name as a person hears it: its `aria-label`, else its text.
fn name_of(element: &Element) -> String {
    element
        .get_attribute("aria-label")
        .or_else(|| element.text_content())
        .map(|name| name.trim().to_owned())
        .unwrap_or_default()
}

/// Focuses `element`, letting a place that is not a control (a step, a heading) take
/// the focus from a script without putting it in the Tab order.
fn focus(element: Element) {
    if !element.has_attribute("tabindex") && !element.matches("a, button, input, select, textarea").unwrap_or(false) {
        let _ = element.set_attribute("tabindex", "-1");
    }
    if let Ok(element) = element.dyn_into::<HtmlElement>() {
        let _ = element.focus();
    }
}

/// The control inside `within` named `name`, if there is one.
fn control_named(within: &Element, name: &str) -> Option<Element> {
    let controls = within.query_selector_all("button, a, select, input, textarea").ok()?;
    (0..controls.length())
        .filter_map(|i| controls.item(i)?.dyn_into::<Element>().ok())
        .find(|control| name_of(control) == name)
}

impl FocusPlace {
    /// The place of the focused element, when it is inside the page's main content.
    fn of_focused() -> Option<FocusPlace> {
        let focused = document()?.active_element()?;
        focused.closest("main").ok()??;
        let id = Some(focused.id()).filter(|id| !id.is_empty());
        let step = focused.closest(".checklist__step[id]").ok().flatten().map(|step| step.id());
        let heading = focused
            .closest("section[aria-labelledby]")
            .ok()
            .flatten()
            .and_then(|section| section.get_attribute("aria-labelledby"));
        Some(FocusPlace { id, name: name_of(&focused), step, heading })
    }

    /// Focuses this place again if the focus has fallen back to the page.
    fn restore_if_lost(self) {
        let Some(document) = document() else { return };
        let body = document.body().map(wasm_bindgen::JsValue::from);
        let lost = document.active_element().is_none_or(|a| body == Some(a.into()));
        if !lost {
            return;
        }
        let by_id = |id: &Option<String>| id.as_deref().and_then(|id| document.get_element_by_id(id));
        if let Some(control) = by_id(&self.id) {
            return focus(control);
        }
        if let Some(step) = by_id(&self.step) {
            return focus(control_named(&step, &self.name).unwrap_or(step));
        }
        let Some(heading_id) = self.heading else { return };
        let section = document.query_selector(&format!("section[aria-labelledby=\"{heading_id}\"]")).ok().flatten();
        let again = section.and_then(|section| control_named(&section, &self.name));
        if let Some(place) = again.or_else(|| document.get_element_by_id(&heading_id)) {
            focus(place);
        }
    }
}
