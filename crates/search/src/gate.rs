//! A first-come, first-served limit on concurrent searches. A search is pure CPU work: with
//! more searches running than cores, they all slow down together and a heavy one finishes
//! last of all; taking them in turn, as many at a time as there are cores, keeps the slowest
//! ones short.

use std::sync::{Condvar, Mutex, MutexGuard};

/// Admits at most `permits` holders at a time, in the order they arrived.
#[derive(Debug)]
pub(crate) struct Gate {
    permits: u64,
    state: Mutex<Tickets>,
    turn: Condvar,
}

#[derive(Debug, Default)]
struct Tickets {
    /// The ticket of the next arrival.
    next: u64,
    /// Holders that have left.
    done: u64,
}

/// Held while a search runs.
#[derive(Debug)]
pub(crate) struct Pass<'a>(&'a Gate);

impl Gate {
    pub fn new(permits: usize) -> Self {
        Gate {
            permits: u64::try_from(permits.max(1)).unwrap_or(1),
            state: Mutex::default(),
            turn: Condvar::new(),
        }
    }

    fn tickets(&self) -> MutexGuard<'_, Tickets> {
        // Two counters stay consistent whatever panicked while holding them.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for the caller's turn.
    pub fn enter(&self) -> Pass<'_> {
        let mut tickets = self.tickets();
        let ticket = tickets.next;
        tickets.next += 1;
        while ticket >= tickets.done + self.permits {
            tickets = self.turn.wait(tickets).unwrap_or_else(|p| p.into_inner());
        }
        Pass(self)
    }
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        self.0.tickets().done += 1;
        self.0.turn.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn no_more_than_the_permits_run_at_once() {
        let gate = Arc::new(Gate::new(2));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (gate, running, most) = (gate.clone(), running.clone(), most.clone());
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        let _pass = gate.enter();
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::yield_now();
                        running.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("a thread");
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
        assert_eq!(gate.tickets().done, 400);
    }
}
