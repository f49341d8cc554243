//! SessionSight Insights: the browser SDK's core.
//!
//! Everything that decides something lives in plain Rust modules that take time (`now_ms`)
//! and random bytes as arguments, so `cargo test` exercises them natively in seconds:
//! identify validation and PII scrubbing, ids, cookie strings, the session lifecycle, the
//! delivery queue and the wire types (`wire`, with serde). The `web` module is the thin wasm shell that reads
//! and writes the browser (cookies, storage, crypto) and exposes a narrow API to the
//! JavaScript shim, which owns the network and the page lifecycle.

pub mod cookie;
pub mod error;
pub mod ids;
pub mod identify;
#[cfg(any(feature = "collector", not(target_arch = "wasm32")))]
pub mod intake;
pub mod json;
pub mod pii;
pub mod profile;
pub mod queue;
pub mod session;
pub mod text;
pub mod wire;

#[cfg(target_arch = "wasm32")]
pub mod web;

// lol_alloc's free list instead of the default dlmalloc: the smallest allocator that reuses and
// coalesces what is freed (426 B less of the page than talc, itself 2.6 KB gzip under dlmalloc).
// The SDK holds few live blocks (one tab's queue and profile), so its first-fit walk stays
// short: identify() costs the same as with talc in the bench, and memory still levels off.
// The collector's own wasm (`collector` feature) keeps the default allocator: it allocates per
// field of every batch, where a first-fit walk would cost throughput.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics"), not(feature = "collector")))]
#[global_allocator]
// SAFETY: wasm32 without the atomics feature has one thread: nothing allocates concurrently.
static ALLOC: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
