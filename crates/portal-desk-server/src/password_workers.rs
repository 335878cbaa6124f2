//! A fixed set of threads that check passwords, each hashing in one block of memory it
//! keeps for its life.
//!
//! Why not `spawn_blocking`: Argon2id allocates 19 MiB per check, and tokio's blocking
//! pool runs each check on whichever of up to 512 threads is free. The allocator keeps
//! what each thread freed for that thread to reuse (glibc's per-thread arenas, and its
//! mmap threshold rises after the first large free), so a burst of checks across many
//! threads left the server holding hundreds of megabytes it never used again. Here
//! there are exactly as many threads as checks may run at once (the hashing lanes'
//! permits), and each hashes in memory it allocated once ([`crate::auth::verify_password_in`]),
//! so the memory for hashing is bounded by `threads × 19 MiB` however many sign-ins
//! arrive. Hand-written rather than a pool crate: a channel and a loop.

use argon2::Block;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// The password-checking threads.
pub struct PasswordWorkers {
    jobs: Sender<Job>,
}

/// The workers have stopped (only when the process is ending).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stopped;

impl PasswordWorkers {
    /// `threads` workers, each with its own hashing memory.
    pub fn new(threads: usize) -> Self {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("password-check-{n}"))
                .spawn(move || {
                    let mut memory = Vec::new();
                    loop {
                        // The lock is held only while waiting for the next job.
                        let job = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(&mut memory),
                            Err(_) => return,
                        }
                    }
                })
                .expect("the system can start a thread");
        }
        Self { jobs }
    }

    /// Runs `check` on a worker with that worker's memory, and waits for its answer.
    pub async fn run<T: Send + 'static>(
        &self,
        check: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, Stopped> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let _ = answer.send(check(memory));
        });
        self.jobs.send(job).map_err(|_| Stopped)?;
        answered.await.map_err(|_| Stopped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_worker_keeps_its_memory_from_one_check_to_the_next() {
        let workers = PasswordWorkers::new(1);
        workers.run(|memory| memory.resize(8, Block::default())).await.unwrap();
        assert_eq!(workers.run(|memory| memory.len()).await, Ok(8));
    }

    #[tokio::test]
    async fn checks_run_on_the_named_threads_not_the_caller() {
        let workers = PasswordWorkers::new(2);
        let name = workers.run(|_| std::thread::current().name().map(str::to_owned)).await.unwrap();
        assert!(name.is_some_and(|n| n.starts_with("password-check-")));
    }
}
