//! What the eval targets share: one run of the input as a script of a dialect's library, and
//! the watchdog (one background thread sets the cancel flag of the run in flight once its
//! deadline passes; the interpreter then ends with `RILL-R013`).

use rillmount::rill::eval::{Interp, Library, Options};
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

/// Watches `cancel` for `secs` seconds from now.
fn start(cancel: Arc<AtomicBool>, secs: u64) {
    if let Ok(mut g) = watched().lock() {
        *g = Some((Instant::now() + Duration::from_secs(secs), cancel));
    }
}

/// The run ended: nothing to watch.
fn stop() {
    if let Ok(mut g) = watched().lock() {
        *g = None;
    }
}

/// `data` (UTF-8 lossy) run by `lib` with no host functions or mounts, 20,000 steps and 2 s.
pub fn run(lib: &'static dyn Library, data: &[u8]) {
    let src = String::from_utf8_lossy(data);
    let opts = Options {
        max_steps: 20_000,
        ..Options::default()
    };
    start(opts.cancel.clone(), 2);
    let mut it = Interp::new(lib, HostRegistry::default(), opts);
    let _ = it.run_outcome(&src);
    // Dropping the interpreter breaks closure/scope Rc cycles (Interp::release_cycles), so
    // LeakSanitizer stays on.
    drop(it);
    stop();
}
