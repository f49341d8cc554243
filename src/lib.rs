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
pub mod json;
pub mod pii;
pub mod profile;
pub mod queue;
pub mod session;
pub mod wire;

#[cfg(target_arch = "wasm32")]
pub mod web;

// talc instead of the default dlmalloc: 2.6 KB less gzip for the page, and faster in
// wasm (single-threaded, grows linear memory as needed and reuses what is freed).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
