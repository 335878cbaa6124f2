//! Admin: checklist templates (list with current version, edit steps, live preview). Being written now by the templates helper (started 13:30 UTC).
