//! The process's allocator: mimalloc, counting the bytes native code holds. A leak is then seen
//! directly, as bytes still allocated after the work that allocated them ended, where the
//! process's resident memory also moves with the JVM's code cache, metaspace and threads.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicI64, Ordering};

use mimalloc::MiMalloc;

/// Bytes allocated and not yet freed (relaxed: a statistic, not a synchronization point).
static LIVE_BYTES: AtomicI64 = AtomicI64::new(0);

pub struct CountingAllocator;

/// The bytes native code holds now.
pub fn live_bytes() -> i64 {
    LIVE_BYTES.load(Ordering::Relaxed)
}

fn count(bytes: i64) {
    LIVE_BYTES.fetch_add(bytes, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to mimalloc with the same arguments; counting touches no memory
// the caller owns.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = MiMalloc.alloc(layout);
        if !p.is_null() {
            count(layout.size() as i64);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = MiMalloc.alloc_zeroed(layout);
        if !p.is_null() {
            count(layout.size() as i64);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        MiMalloc.dealloc(ptr, layout);
        count(-(layout.size() as i64));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = MiMalloc.realloc(ptr, layout, new_size);
        if !p.is_null() {
            count(new_size as i64 - layout.size() as i64);
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::live_bytes;

    #[test]
    fn freed_bytes_are_no_longer_counted() {
        // Other test threads allocate and free too: compare across the drop alone, with a margin
        // far below the block's size.
        let block = vec![0u8; 1 << 24];
        let holding = live_bytes();
        drop(block);
        assert!(holding - live_bytes() > (1 << 24) - (1 << 22));
    }
}
