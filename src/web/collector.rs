//! The reference collector's entry into the core: a whole batch checked in one call (the body's
//! bytes in, the accepted records out as text), so the boundary is crossed once per batch, not
//! once per field. The rules live in `crate::intake`; built only with the `collector` feature,
//! into the collector's own wasm: browsers never download it.

use wasm_bindgen::prelude::*;

use crate::intake;

/// Checks an inflated wire-format body. Answers `ok\t<dropped>` then one line per accepted
/// event, `messageId\ttype\tvisitorId\tsessionId\ttimestamp\t<record JSON>` (none of the
/// checked fields can hold a tab or a newline, and JSON text escapes both), or a single line
/// `error\t<status>\t<code>\t<detail>`.
#[wasm_bindgen(js_name = checkBatch)]
pub fn check_batch(body: &[u8], received_at: &str) -> String {
    match intake::check_batch(body, received_at) {
        Ok(batch) => {
            let mut out = String::with_capacity(16 + batch.records.iter().map(|r| r.json.len() + 160).sum::<usize>());
            out.push_str("ok\t");
            out.push_str(&batch.dropped.to_string());
            for r in &batch.records {
                out.push('\n');
                out.push_str(&r.message_id);
                for part in [r.kind, &r.visitor_id, &r.session_id, &r.timestamp, &r.json] {
                    out.push('\t');
                    out.push_str(part);
                }
            }
            out
        }
        Err(e) => format!("error\t{}\t{}\t{}", e.status, e.error, e.detail.replace(['\t', '\n'], " ")),
    }
}
