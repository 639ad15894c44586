//! The terminal UI. Issue #5.
