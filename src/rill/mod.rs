//! The rill v0.8.6 interpreter. Issue #3; see `README.md` in this folder for the phase map.
