//! `resolve -`: lookups from stdin run on a bounded pool of threads, and their results are
//! printed in input order as soon as every earlier one is out.
//!
//! At most `window` inputs are between "read" and "printed", so a slow lookup holds back
//! memory and reading, not correctness; a reader thread keeps a slow stdin from holding back
//! results that are ready.

use std::collections::BTreeMap;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread;

enum Msg<R> {
    Done(usize, R),
    /// Input ended after this many items.
    End(usize),
}

/// Run `work` over `input` on `jobs` threads; `emit` gets the results in input order and
/// returns false to stop early (stdout closed). `flush` is called before waiting, so a
/// consumer sees what is ready while later lookups are still running.
pub fn ordered<T, R>(
    input: impl Iterator<Item = T> + Send + 'static,
    jobs: usize,
    window: usize,
    work: impl Fn(T) -> R + Send + Sync + 'static,
    mut emit: impl FnMut(R) -> bool,
    mut flush: impl FnMut(),
) where
    T: Send + 'static,
    R: Send + 'static,
{
    let (job_tx, job_rx) = mpsc::sync_channel::<(usize, T)>(jobs);
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (res_tx, res_rx) = mpsc::channel::<Msg<R>>();
    // A token per input in flight: the reader blocks once `window` are out.
    let (slot_tx, slot_rx) = mpsc::sync_channel::<()>(window);
    let work = Arc::new(work);
    for _ in 0..jobs {
        let (job_rx, res_tx, work) = (Arc::clone(&job_rx), res_tx.clone(), Arc::clone(&work));
        thread::spawn(move || {
            loop {
                // The lock is held only while taking the next job, not while working on it.
                let next = job_rx.lock().map(|rx| rx.recv());
                let Ok(Ok((i, item))) = next else { return };
                if res_tx.send(Msg::Done(i, work(item))).is_err() {
                    return;
                }
            }
        });
    }
    let end_tx = res_tx;
    // Detached: if output stops early, a reader blocked on stdin must not keep us alive.
    thread::spawn(move || {
        let mut n = 0;
        for item in input {
            if slot_tx.send(()).is_err() || job_tx.send((n, item)).is_err() {
                return;
            }
            n += 1;
        }
        let _ = end_tx.send(Msg::End(n));
    });
    drain(&res_rx, &slot_rx, &mut emit, &mut flush);
}

fn drain<R>(
    res_rx: &Receiver<Msg<R>>,
    slot_rx: &Receiver<()>,
    emit: &mut impl FnMut(R) -> bool,
    flush: &mut impl FnMut(),
) {
    let mut pending: BTreeMap<usize, R> = BTreeMap::new();
    let mut next = 0;
    let mut total: Option<usize> = None;
    while total != Some(next) {
        let msg = match res_rx.try_recv() {
            Ok(m) => m,
            Err(TryRecvError::Empty) => {
                flush();
                match res_rx.recv() {
                    Ok(m) => m,
                    Err(_) => return,
                }
            }
            Err(TryRecvError::Disconnected) => return,
        };
        match msg {
            Msg::Done(i, r) => {
                pending.insert(i, r);
            }
            Msg::End(n) => total = Some(n),
        }
        while let Some(r) = pending.remove(&next) {
            next += 1;
            let _ = slot_rx.recv();
            if !emit(r) {
                return;
            }
        }
    }
    flush();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn results_come_out_in_input_order() {
        // Earlier items take longer, so they finish last.
        let input = (0..40u64).collect::<Vec<_>>().into_iter();
        let mut seen = Vec::new();
        ordered(
            input,
            8,
            16,
            |i| {
                thread::sleep(Duration::from_millis((40 - i) % 7));
                i * 2
            },
            |r| {
                seen.push(r);
                true
            },
            || {},
        );
        assert_eq!(seen, (0..40u64).map(|i| i * 2).collect::<Vec<_>>());
    }

    #[test]
    fn emit_can_stop_early_and_empty_input_ends() {
        let mut seen = 0;
        ordered(
            0..1_000_000u32,
            4,
            8,
            |i| i,
            |_| {
                seen += 1;
                seen < 5
            },
            || {},
        );
        assert_eq!(seen, 5);
        let mut none = 0;
        ordered(
            std::iter::empty::<u8>(),
            2,
            2,
            |i| i,
            |_| {
                none += 1;
                true
            },
            || {},
        );
        assert_eq!(none, 0);
    }
}
