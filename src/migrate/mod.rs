//! Migration between mounts: plan (diff), copy (apply) and verify. Issue #4.
