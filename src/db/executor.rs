//! The threads that run database work for async callers: one per pooled connection, and
//! on SQLite one more for the single writer. Work waits its turn in a queue, in arrival
//! order, instead of on a parked thread of its own: under 64 concurrent requests and 8
//! connections tokio's blocking pool grew to 64 threads, each with its own stack and
//! malloc arena (the portal's RSS rose from 60 to 100 MiB under SQLite writes), and the
//! writer's mutex, which is not fair, let a stream of filings starve the outbox worker.
//! A thread that finishes takes the next job at once; a semaphore in front of
//! `spawn_blocking` (tried first) left the connection idle for a hop through the async
//! worker each time and cost up to a quarter of the throughput at c=64.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::DbError;

/// One piece of work; `true` when it waited too long and must not start.
type Job = Box<dyn FnOnce(bool) + Send>;

/// Queues and the threads that drain them. The threads end when the last
/// [`super::DbPool`] clone (and so every sender) is dropped.
pub(super) struct Executor {
    connections: Sender<(Instant, Job)>,
    writer: Option<Sender<(Instant, Job)>>,
    wait: Duration,
}

/// Which queue a job joins.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Lane {
    /// Any pooled connection: reads, and PostgreSQL transactions.
    Connection,
    /// SQLite's one writer connection.
    SqliteWriter,
}

impl Executor {
    /// Starts `connections` threads, and one writer thread when `sqlite_writer`.
    pub(super) fn start(connections: u32, sqlite_writer: bool, wait: Duration) -> Result<Executor, DbError> {
        let (tx, rx) = channel();
        let shared = Arc::new(Mutex::new(rx));
        for n in 0..connections {
            spawn(format!("db-{n}"), shared.clone(), wait)?;
        }
        let writer = if sqlite_writer {
            let (wtx, wrx) = channel();
            spawn("db-writer".into(), Arc::new(Mutex::new(wrx)), wait)?;
            Some(wtx)
        } else {
            None
        };
        Ok(Executor { connections: tx, writer, wait })
    }

    /// Runs `work` on the lane's next free thread and hands back its result. Work that
    /// waited in the queue longer than the connect timeout is not started: the caller
    /// hears the database is unavailable (and nothing was written).
    pub(super) async fn submit<T, F>(&self, lane: Lane, work: F) -> Result<T, DbError>
    where
        F: FnOnce() -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        let (done, result) = tokio::sync::oneshot::channel();
        let wait = self.wait;
        let job: Job = Box::new(move |late| {
            let outcome = if late {
                let what = if lane == Lane::SqliteWriter { "the SQLite writer" } else { "every pooled connection" };
                Err(DbError::Unavailable(format!("{what} stayed busy for {wait:?}")))
            } else {
                work()
            };
            // The caller may have gone (a closed browser tab); the work is done anyway.
            let _ = done.send(outcome);
        });
        let queue = match (lane, &self.writer) {
            (Lane::SqliteWriter, Some(writer)) => writer,
            _ => &self.connections,
        };
        queue
            .send((Instant::now(), job))
            .map_err(|_| DbError::Unavailable("the database threads have stopped".into()))?;
        // The sender is dropped unsent only if the work panicked.
        result.await.map_err(|_| DbError::Cancelled)?
    }
}

fn spawn(name: String, queue: Arc<Mutex<Receiver<(Instant, Job)>>>, wait: Duration) -> Result<(), DbError> {
    std::thread::Builder::new()
        .name(name)
        .spawn(move || {
            loop {
                let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
                let Ok((queued, job)) = next else { return };
                let late = queued.elapsed() > wait;
                // A panic in one job (a bug) must not take the thread with it; the
                // caller hears `Cancelled` from the dropped sender.
                let _ = std::panic::catch_unwind(AssertUnwindSafe(move || job(late)));
            }
        })
        .map(drop)
        .map_err(|e| DbError::Unavailable(format!("cannot start a database thread: {e}")))
}
