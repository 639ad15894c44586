//! The event source: one task merges the terminal's `EventStream`, a tick and (through the
//! same sender, from `tasks.rs`) task results into one channel the UI loop reads.

use std::time::Duration;

use crossterm::event::{Event as TermEvent, EventStream, KeyEvent, MouseEvent};
use futures::StreamExt;
use tokio::sync::mpsc;

use super::action::Action;

/// Something for the UI loop.
#[derive(Debug)]
pub enum Event {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Paste(String),
    Tick,
    /// A task result or progress.
    Action(Action),
    /// The terminal input failed (the loop ends).
    Error(String),
}

/// The merged channel.
#[derive(Debug)]
pub struct Events {
    rx: mpsc::UnboundedReceiver<Event>,
    tx: mpsc::UnboundedSender<Event>,
}

impl Events {
    /// Starts the reader task with a tick every `tick`.
    pub fn start(tick: Duration) -> Events {
        let (tx, rx) = mpsc::unbounded_channel();
        let out = tx.clone();
        tokio::spawn(async move {
            let mut term = EventStream::new();
            let mut ticks = tokio::time::interval(tick);
            loop {
                let ev = tokio::select! {
                    _ = ticks.tick() => Event::Tick,
                    e = term.next() => match e {
                        Some(Ok(TermEvent::Key(k))) => Event::Key(k),
                        Some(Ok(TermEvent::Mouse(m))) => Event::Mouse(m),
                        Some(Ok(TermEvent::Resize(w, h))) => Event::Resize(w, h),
                        Some(Ok(TermEvent::Paste(s))) => Event::Paste(s),
                        Some(Ok(_)) => continue,
                        Some(Err(e)) => Event::Error(format!("cannot read the terminal: {e}")),
                        None => break,
                    },
                };
                if out.send(ev).is_err() {
                    break;
                }
            }
        });
        Events { rx, tx }
    }

    /// A sender for task results.
    pub fn sender(&self) -> mpsc::UnboundedSender<Event> {
        self.tx.clone()
    }

    pub async fn next(&mut self) -> Option<Event> {
        self.rx.recv().await
    }
}
