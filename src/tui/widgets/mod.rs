//! Small building blocks the screens draw with: the JSON highlighter, the hex dump and the
//! centred popup frame. Pure functions of their input: no I/O, no state.

pub mod hex;
pub mod json;
pub mod popup;
pub mod rill;
