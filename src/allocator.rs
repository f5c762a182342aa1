//! Settings of the C library's allocator (glibc's malloc, which Rust's
//! global allocator calls), so that a long-running server's memory stays
//! near what it uses after a burst of load (`benches/signin.sh`).
//!
//! - **One arena per core.** glibc gives each new thread that allocates
//!   under contention an arena of its own, up to 8 per core, and each
//!   arena keeps the memory freed into it: after a flood of 64 connections
//!   twelve arenas held 11 MiB. Only as many threads as cores run at once,
//!   so more arenas than cores buy little.
//! - **Large blocks always mapped on their own.** glibc maps an allocation
//!   of 128 KiB or more by itself and unmaps it when freed, but after the
//!   first such free it raises that threshold to the freed size, so the
//!   next 19 MiB argon2 buffer would come from a heap and stay there.
//!   A fixed threshold keeps it at [`MAP_ALONE`].
//! - [`give_back`] returns the free memory of every arena to the system;
//!   the password hashing threads call it when they give their buffers
//!   back after a flood.
//!
//! Elsewhere (another C library) these are no-ops.

/// Allocations at least this large get a mapping of their own, returned to
/// the system when freed.
pub const MAP_ALONE: usize = 1 << 20;

/// Applies the settings; call before the server starts its threads.
pub fn configure() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        // SAFETY: mallopt only reads its integer arguments; it returns 0
        // (nothing changed) for a value it refuses.
        let (arenas, threshold) = unsafe {
            (
                libc::mallopt(libc::M_ARENA_MAX, cores.min(64) as libc::c_int),
                libc::mallopt(libc::M_MMAP_THRESHOLD, MAP_ALONE as libc::c_int),
            )
        };
        if arenas == 0 || threshold == 0 {
            tracing::warn!("the allocator refused a memory setting; memory after load may stay higher");
        }
    }
}

/// Returns the allocator's free memory to the system (glibc `malloc_trim`).
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes the allocator's own locks and only frees
    // pages that hold no allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}
