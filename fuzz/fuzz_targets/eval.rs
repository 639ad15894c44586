//! cargo-fuzz target: any bytes (UTF-8 lossy) run as a rill script by the interpreter.
//! No host functions or mounts are registered; the run is bounded by a 20,000-step limit and a
//! 2 s watchdog that sets the interpreter's cancel flag (`RILL-R013`). Contract: the
//! interpreter never panics, aborts or hangs; it returns a value or a rill error, and frees
//! what the run allocated (leak detection stays on).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rillmount::rill::eval::{Interp, Options};
use rillmount::rill::host::HostRegistry;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The run in flight: its deadline and cancel flag, watched by one background thread.
type Watched = Mutex<Option<(Instant, Arc<AtomicBool>)>>;

fn watched() -> &'static Watched {
    static W: OnceLock<&'static Watched> = OnceLock::new();
    W.get_or_init(|| {
        let w: &'static Watched = Box::leak(Box::new(Mutex::new(None)));
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(50));
                if let Ok(g) = w.lock()
                    && let Some((deadline, flag)) = g.as_ref()
                    && Instant::now() >= *deadline
                {
                    flag.store(true, Ordering::Relaxed);
                }
            }
        });
        w
    })
}

fuzz_target!(|data: &[u8]| {
    let src = String::from_utf8_lossy(data);
    let opts = Options {
        max_steps: 20_000,
        ..Options::default()
    };
    let cancel = opts.cancel.clone();
    if let Ok(mut g) = watched().lock() {
        *g = Some((Instant::now() + Duration::from_secs(2), cancel));
    }
    let mut it = Interp::new(&rillmount::rill::builtins::V0_8, HostRegistry::default(), opts);
    let _ = it.run_outcome(&src);
    // Dropping the interpreter breaks closure/scope Rc cycles (Interp::release_cycles), so
    // LeakSanitizer stays on.
    drop(it);
    if let Ok(mut g) = watched().lock() {
        *g = None;
    }
});
