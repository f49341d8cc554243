//! The size floor of the PII engine: the smallest wasm-bindgen module that compiles and runs
//! one regex-lite pattern (feature `regex`), against the same module without it. `npm run
//! bench` builds both with the SDK's release profile and wasm-opt settings and reports the
//! gzip sizes, which bound from below what any regex-lite-based SDK can weigh.
use wasm_bindgen::prelude::*;

#[global_allocator]
// SAFETY: wasm32 without atomics has one thread.
static ALLOC: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

#[cfg(feature = "regex")]
static KEY: std::sync::OnceLock<Option<regex_lite::Regex>> = std::sync::OnceLock::new();

#[wasm_bindgen]
pub fn check(s: &str) -> bool {
    #[cfg(feature = "regex")]
    {
        KEY.get_or_init(|| regex_lite::Regex::new(r"^(?:sk|pk)-[A-Za-z0-9_\-]{16}").ok())
            .as_ref()
            .is_some_and(|r| r.is_match(s))
    }
    #[cfg(not(feature = "regex"))]
    {
        s.len() > 3
    }
}
