//! DataFusion's memory pool backed by Spark's task memory manager: every reservation a native
//! operator makes is acquired from Spark (through the task's `ThermiteMemoryConsumer`), so the
//! query stays within the budget Spark gives the task, and operators spill when Spark refuses.
//!
//! DataFusion's `grow` cannot fail. What Spark refuses of it is an overdraft: used, visible to
//! Spark (the consumer is told its size, and reports it per task), and bounded: while it lasts,
//! every `try_grow` first asks Spark for the overdraft too and fails when refused, so operators
//! spill until their `shrink`s repay it. Memory is then never held natively beyond Spark's grant
//! except between an infallible `grow` and the next fallible reservation.
//!
//! A Java exception in a call to Spark (a task killed in a reservation, an interrupt) is kept,
//! every later reservation fails without calling Java, and the JNI boundary throws that exception
//! instead of a native one, so Spark sees its own failure (a `TaskKilledException`, say).

use std::sync::{Arc, Mutex, MutexGuard};

use datafusion::common::{DataFusionError, Result};
use datafusion::execution::memory_pool::{MemoryPool, MemoryReservation};
use jni::objects::{GlobalRef, JValue, JValueOwned};
use jni::{JNIEnv, JavaVM};

/// One task's pool; cheap to clone (the JNI handle keeps a clone to rethrow Java exceptions).
#[derive(Debug, Clone)]
pub struct SparkMemoryPool {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    jvm: JavaVM,
    /// The task's `dev.thermite.exec.ThermiteMemoryConsumer`.
    consumer: GlobalRef,
    /// Held across calls to Spark, so the accounts and Spark's agree at every moment.
    accounts: Mutex<Accounts>,
    /// The first Java exception a call to Spark raised.
    failure: Mutex<Option<GlobalRef>>,
}

/// What native reservations hold: Spark granted `reserved - overdraft` of it.
#[derive(Debug, Default)]
struct Accounts {
    reserved: usize,
    overdraft: usize,
}

impl SparkMemoryPool {
    pub fn new(jvm: JavaVM, consumer: GlobalRef) -> Self {
        let shared = Shared { jvm, consumer, accounts: Mutex::default(), failure: Mutex::default() };
        Self { shared: Arc::new(shared) }
    }

    /// The Java exception a call to Spark raised, if any; the caller throws it.
    pub fn java_failure(&self) -> Option<GlobalRef> {
        lock(&self.shared.failure).clone()
    }

    /// Whether Spark killed the task (its `TaskContext.isInterrupted`).
    pub fn task_interrupted(&self) -> bool {
        self.call("interrupted", "()Z", &[], |v| v.z()).unwrap_or(true)
    }

    fn accounts(&self) -> MutexGuard<'_, Accounts> {
        lock(&self.shared.accounts)
    }

    /// Asks Spark for `bytes`; returns what it granted (possibly less, after spilling others).
    fn acquire(&self, bytes: usize) -> Result<usize> {
        self.call_bytes("acquire", bytes).map(|granted| granted.max(0) as usize)
    }

    fn release(&self, bytes: usize) {
        // A failed release leaves the bytes with the consumer, which frees them when it closes.
        let _ = self.call_bytes("release", bytes);
    }

    /// Tells the consumer the overdraft's new size.
    fn report_overdraft(&self, before: usize, after: usize) {
        if before != after {
            let _ = self.call("overdrawn", "(J)V", &[JValue::Long(after as i64)], |v| v.v());
        }
    }

    fn call_bytes(&self, method: &str, bytes: usize) -> Result<i64> {
        if bytes == 0 {
            return Ok(0);
        }
        self.call(method, "(J)J", &[JValue::Long(bytes as i64)], |v| v.j())
    }

    /// Calls the consumer's `method`; `get` takes the primitive result out of its return value.
    fn call<T>(
        &self,
        method: &str,
        signature: &str,
        args: &[JValue],
        get: impl FnOnce(JValueOwned) -> jni::errors::Result<T>,
    ) -> Result<T> {
        if self.java_failure().is_some() {
            return Err(DataFusionError::Execution(format!(
                "Spark memory manager: {method} skipped after a Java exception in this task"
            )));
        }
        // Operators may reserve from runtime threads too: attach them (a no-op when attached).
        let mut env = self.shared.jvm.attach_current_thread_permanently().map_err(jni_error)?;
        match env.call_method(self.shared.consumer.as_obj(), method, signature, args).and_then(get) {
            Ok(value) => Ok(value),
            Err(jni::errors::Error::JavaException) => {
                self.keep_exception(&mut env);
                Err(DataFusionError::Execution(format!("Spark memory manager: {method} raised a Java exception")))
            }
            Err(e) => Err(jni_error(e)),
        }
    }

    /// Takes the pending Java exception out of `env` and keeps the first one.
    fn keep_exception(&self, env: &mut JNIEnv) {
        let Ok(throwable) = env.exception_occurred() else { return };
        let _ = env.exception_clear();
        if let Ok(global) = env.new_global_ref(&throwable) {
            lock(&self.shared.failure).get_or_insert(global);
        }
        let _ = env.delete_local_ref(throwable);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn jni_error(e: jni::errors::Error) -> DataFusionError {
    DataFusionError::Execution(format!("Spark memory manager: JNI: {e}"))
}

impl Accounts {
    /// After an infallible `grow` that Spark granted `granted` of.
    fn grew(&mut self, additional: usize, granted: usize) {
        self.reserved += additional;
        self.overdraft += additional - granted.min(additional);
    }

    /// Returns the bytes to give back to Spark: freed bytes repay the overdraft first.
    fn shrink(&mut self, shrink: usize) -> usize {
        let repaid = shrink.min(self.overdraft);
        self.overdraft -= repaid;
        self.reserved -= shrink;
        shrink - repaid
    }

    /// What a `try_grow` of `additional` asks Spark for: the overdraft too.
    fn asked(&self, additional: usize) -> usize {
        additional + self.overdraft
    }

    /// After Spark granted `granted` of [`Self::asked`]: whether the reservation holds, and the
    /// bytes to give back (a refused reservation keeps only what repays the overdraft).
    fn settle(&mut self, additional: usize, granted: usize) -> (bool, usize) {
        let asked = self.asked(additional);
        let granted = granted.min(asked);
        if granted == asked {
            self.reserved += additional;
            self.overdraft = 0;
            return (true, 0);
        }
        let repaid = granted.min(self.overdraft);
        self.overdraft -= repaid;
        (false, granted - repaid)
    }
}

impl MemoryPool for SparkMemoryPool {
    fn grow(&self, _reservation: &MemoryReservation, additional: usize) {
        let mut accounts = self.accounts();
        let before = accounts.overdraft;
        accounts.grew(additional, self.acquire(additional).unwrap_or(0));
        self.report_overdraft(before, accounts.overdraft);
    }

    fn shrink(&self, _reservation: &MemoryReservation, shrink: usize) {
        let mut accounts = self.accounts();
        let before = accounts.overdraft;
        let release = accounts.shrink(shrink);
        self.release(release);
        self.report_overdraft(before, accounts.overdraft);
    }

    fn try_grow(&self, reservation: &MemoryReservation, additional: usize) -> Result<()> {
        let mut accounts = self.accounts();
        let before = accounts.overdraft;
        let granted = self.acquire(accounts.asked(additional))?;
        let (held, release) = accounts.settle(additional, granted);
        self.release(release);
        self.report_overdraft(before, accounts.overdraft);
        if held {
            return Ok(());
        }
        Err(DataFusionError::ResourcesExhausted(format!(
            "{} asked Spark for {additional} bytes, {granted} granted ({} reserved by this task{})",
            reservation.consumer().name(),
            accounts.reserved,
            match before {
                0 => String::new(),
                n => format!(", {n} of them beyond Spark's grant, asked for too"),
            }
        )))
    }

    fn reserved(&self) -> usize {
        self.accounts().reserved
    }
}

#[cfg(test)]
mod tests {
    use super::Accounts;

    #[test]
    fn a_refused_grow_is_an_overdraft_that_fails_reservations_until_repaid() {
        let mut accounts = Accounts::default();
        accounts.grew(100, 60);
        assert_eq!((accounts.reserved, accounts.overdraft), (100, 40));
        // The next reservation asks for the overdraft too; a partial grant repays part of it.
        assert_eq!(accounts.asked(10), 50);
        assert_eq!(accounts.settle(10, 25), (false, 0));
        assert_eq!((accounts.reserved, accounts.overdraft), (100, 15));
        // Freed bytes repay the rest before any goes back to Spark.
        assert_eq!(accounts.shrink(20), 5);
        assert_eq!((accounts.reserved, accounts.overdraft), (80, 0));
        assert_eq!(accounts.settle(10, 10), (true, 0));
        assert_eq!((accounts.reserved, accounts.overdraft), (90, 0));
    }

    #[test]
    fn a_refused_reservation_gives_back_what_the_overdraft_does_not_need() {
        let mut accounts = Accounts::default();
        accounts.grew(30, 20);
        assert_eq!(accounts.settle(50, 45), (false, 35));
        assert_eq!((accounts.reserved, accounts.overdraft), (30, 0));
        // Without an overdraft, a full grant holds and a partial one is given back whole.
        assert_eq!(accounts.settle(8, 5), (false, 5));
        assert_eq!(accounts.settle(8, 8), (true, 0));
        assert_eq!(accounts.shrink(38), 38);
        assert_eq!((accounts.reserved, accounts.overdraft), (0, 0));
    }
}
