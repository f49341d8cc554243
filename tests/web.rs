//! What only a browser has: JavaScript value kinds at the identify() boundary, real cookies,
//! localStorage and sessionStorage, and browsers that refuse them; consent and the visitor as
//! one site-wide state (another tab is simulated by writing its storage directly). Run by
//! wasm-bindgen-test in headless Chromium, Firefox and WebKit (`npm test` runs all three).
#![cfg(target_arch = "wasm32")]

use js_sys::{Function, Reflect};
use sessionsight::web::{explain_identify, Sdk};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const NOW: f64 = 1_795_860_000_000.0;
const A: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";
const B: &str = "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed";

/// Evaluates JavaScript in the test page.
fn js(src: &str) -> JsValue {
    Function::new_no_args(src).call0(&JsValue::NULL).unwrap_or_else(|e| e)
}

fn get(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
}

fn code_of(payload_js: &str) -> Option<String> {
    let err = get(&explain_identify(js(&format!("return {payload_js};"))), "error");
    if err.is_null() {
        return None;
    }
    assert_eq!(get(&err, "name").as_string().as_deref(), Some("SessionSightValidationError"));
    assert!(err.is_instance_of::<js_sys::Error>());
    get(&err, "code").as_string()
}

/// Deletes the SDK's cookies and storage and undoes any monkey-patching.
fn clean() {
    js(r#"
      if (window.__restore) { window.__restore(); window.__restore = null; }
      for (const n of ['ss_vid','ss_sid','fsid','ss_probe']) document.cookie = n + '=; Path=/; Max-Age=0';
      localStorage.clear(); sessionStorage.clear();
    "#);
}

fn options(extra: &str) -> JsValue {
    js(&format!("return {{ apiKey: 'pk_test', {extra} }};"))
}

fn started(extra: &str) -> Sdk {
    let mut sdk = Sdk::new(options(extra), NOW).unwrap_or_else(|_| panic!("init failed"));
    sdk.start(NOW, false, None);
    sdk
}

/// What a denial in another tab leaves behind: no SDK cookie, an empty localStorage.
fn other_tab_erases_everything() {
    js("for (const n of ['ss_vid','ss_sid','fsid']) document.cookie = n + '=; Path=/; Max-Age=0'; localStorage.clear();");
}

fn cookie(name: &str) -> Option<String> {
    js(&format!("const m = document.cookie.match(/(?:^|; ){name}=([^;]*)/); return m ? m[1] : null;")).as_string()
}

#[wasm_bindgen_test]
fn undefined_and_null_are_not_provided() {
    assert_eq!(code_of("{ id: undefined, email: null, plan: undefined, team: null }"), None);
}

#[wasm_bindgen_test]
fn javascript_only_kinds_are_type_errors() {
    for (payload, code) in [
        ("{ plan: NaN }", "value_type"),
        ("{ plan: Infinity }", "value_type"),
        ("{ plan: 10n }", "value_type"),
        ("{ plan: () => 1 }", "value_type"),
        ("{ plan: ['a'] }", "value_type"),
        ("{ plan: new Date() }", "value_type"),
        ("{ plan: new Map() }", "value_type"),
        ("{ plan: Symbol('x') }", "value_type"),
        ("{ plan: { nested: 1 } }", "value_type"),
        ("{ id: 1.5 }", "id_type"),
        ("{ id: 10n }", "id_type"),
        ("{ email: 42 }", "email_type"),
    ] {
        assert_eq!(code_of(payload).as_deref(), Some(code), "{payload}");
    }
}

#[wasm_bindgen_test]
fn payloads_that_are_not_plain_objects() {
    for payload in ["null", "undefined", "'user-1'", "42", "['a']", "new Date()", "new Map([['id','x']])", "() => 1",
        "new (class User { constructor() { this.id = 'x'; } })()", "new String('x')"] {
        assert_eq!(code_of(payload).as_deref(), Some("not_an_object"), "{payload}");
    }
    assert_eq!(code_of("Object.create(null)"), None);
    assert_eq!(code_of("Object.assign(Object.create(null), { id: 'user-1' })"), None);
}

#[wasm_bindgen_test]
fn lengths_count_utf16_units_like_string_length() {
    assert_eq!(code_of("{ bio: 'é'.repeat(1024) }"), None);
    assert_eq!(code_of("{ bio: 'é'.repeat(1025) }").as_deref(), Some("value_too_long"));
    assert_eq!(code_of("{ bio: '😀'.repeat(512) }"), None);
    assert_eq!(code_of("{ bio: '😀'.repeat(513) }").as_deref(), Some("value_too_long"));
    assert_eq!(code_of("{ id: 'ü'.repeat(256) }"), None);
    assert_eq!(code_of("{ id: 'ü'.repeat(257) }").as_deref(), Some("id_too_long"));
}

#[wasm_bindgen_test]
fn unreadable_payloads_are_validation_errors_not_raw_throws() {
    for payload in [
        "{ get plan() { throw new Error('boom'); } }",
        "{ get id() { throw new Error('boom'); } }",
        "{ get email() { throw 42; } }",
        "(() => { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; })()",
        "new Proxy({}, { ownKeys() { throw new Error('keys'); } })",
        "new Proxy({}, { getPrototypeOf() { throw new Error('proto'); } })",
        "new Proxy({ plan: 'pro' }, { get() { throw new Error('get'); } })",
    ] {
        assert_eq!(code_of(payload).as_deref(), Some("payload_unreadable"), "{payload}");
    }
    // A well-behaved Proxy over a plain object reads like the object.
    assert_eq!(code_of("new Proxy({ plan: 'pro' }, {})"), None);
}

#[wasm_bindgen_test]
fn identify_with_an_unreadable_payload_throws_the_validation_error_and_keeps_working() {
    clean();
    let mut sdk = started("");
    let err = sdk.identify(js("return { get plan() { throw new Error('boom'); } };"), NOW).err().expect("must throw");
    assert_eq!(get(&err, "name").as_string().as_deref(), Some("SessionSightValidationError"));
    assert_eq!(get(&err, "code").as_string().as_deref(), Some("payload_unreadable"));
    assert_eq!(sdk.identify(js("return { plan: 'pro' };"), NOW).ok(), Some(true));
    clean();
}

#[wasm_bindgen_test]
fn explain_names_dropped_keys_and_families_never_values() {
    let out = explain_identify(js("return { plan: 'pro', iban: 'de89370400440532013000', phone: '555-123-4567', key: 'sk_live_4eC39HqLyjWDarjtT1zdp7dc' };"));
    assert!(get(&out, "error").is_null());
    let text = js_sys::JSON::stringify(&get(&out, "dropped")).ok().and_then(|t| t.as_string()).unwrap_or_default();
    assert_eq!(text, r#"[{"key":"iban","family":"iban"},{"key":"phone","family":"phone"},{"key":"key","family":"credential"}]"#);
    let bad = explain_identify(js("return { id: 'ana@example.com', ssn: '123-45-6789' };"));
    assert_eq!(get(&get(&bad, "error"), "code").as_string().as_deref(), Some("id_email_shaped"));
    assert_eq!(js_sys::Array::from(&get(&bad, "dropped")).length(), 0);
}

#[wasm_bindgen_test]
fn identify_throws_the_validation_error_and_sends_nothing() {
    clean();
    let mut sdk = started("");
    let before = sdk.pending();
    let err = sdk.identify(js("return { id: 'ana@example.com' };"), NOW).err().expect("must throw");
    assert_eq!(get(&err, "code").as_string().as_deref(), Some("id_email_shaped"));
    assert_eq!(get(&err, "field").as_string().as_deref(), Some("id"));
    assert_eq!(sdk.pending(), before);
    assert_eq!(sdk.identify(js("return { id: 42, plan: 'pro' };"), NOW).ok(), Some(true));
    assert_eq!(sdk.identify(js("return { id: 42 };"), NOW).ok(), Some(false), "unchanged profile");
    clean();
}

#[wasm_bindgen_test]
fn fresh_visitor_writes_cookie_and_storage() {
    clean();
    let sdk = started("");
    let vid = sdk.visitor_id();
    assert_eq!(cookie("ss_vid").as_deref(), Some(vid.as_str()));
    assert_eq!(js("return localStorage.getItem('ss_vid')").as_string(), Some(vid.clone()));
    assert_eq!(cookie("ss_sid"), Some(sdk.session_id()));
    assert_eq!(cookie("fsid"), Some(sdk.session_id()));
    assert_eq!(&vid[14..15], "4");
    clean();
}

#[wasm_bindgen_test]
fn the_cookie_wins_and_storage_is_resynced() {
    clean();
    js(&format!("document.cookie = 'ss_vid={A}; Path=/'; localStorage.setItem('ss_vid', '{B}');"));
    assert_eq!(started("").visitor_id(), A);
    assert_eq!(js("return localStorage.getItem('ss_vid')").as_string().as_deref(), Some(A));
    clean();
}

#[wasm_bindgen_test]
fn storage_restores_a_missing_or_malformed_cookie() {
    for cookie_value in [None, Some("not-a-uuid"), Some("")] {
        clean();
        if let Some(v) = cookie_value {
            js(&format!("document.cookie = 'ss_vid={v}; Path=/';"));
        }
        js(&format!("localStorage.setItem('ss_vid', '{B}');"));
        assert_eq!(started("").visitor_id(), B, "{cookie_value:?}");
        assert_eq!(cookie("ss_vid").as_deref(), Some(B));
    }
    clean();
}

#[wasm_bindgen_test]
fn a_reload_keeps_the_session_and_a_new_tab_does_not() {
    clean();
    let first = started("");
    let again = started("");
    assert_eq!(again.session_id(), first.session_id());
    assert_eq!(again.tab_id(), first.tab_id());
    let mut dup = Sdk::new(options(""), NOW).unwrap_or_else(|_| panic!());
    dup.start(NOW, true, None);
    assert_ne!(dup.session_id(), first.session_id());
    assert_ne!(dup.tab_id(), first.tab_id());
    assert_eq!(dup.visitor_id(), first.visitor_id());
    clean();
}

#[wasm_bindgen_test]
fn retab_goes_on_as_a_new_tab_and_keeps_what_this_tab_queued() {
    clean();
    let mut sdk = started("");
    let (tab, session) = (sdk.tab_id(), sdk.session_id());
    let queued = sdk.pending();
    sdk.retab(NOW + 5.0);
    assert_ne!(sdk.tab_id(), tab);
    assert_ne!(sdk.session_id(), session);
    let stored_tab = js("return sessionStorage.getItem('ss_tab')").as_string();
    assert_eq!(stored_tab.as_deref(), Some(sdk.tab_id().as_str()));
    // The first session_start stays queued, with the new one after it, under the new id.
    assert_eq!(sdk.pending(), queued + 1);
    let under_new = js(&format!("return localStorage.getItem('ss_q:{}')", sdk.tab_id())).as_string().unwrap_or_default();
    assert!(under_new.contains(&session) && under_new.contains(&sdk.session_id()), "{under_new}");
    assert_eq!(cookie("ss_sid"), Some(sdk.session_id()));
    clean();
}

#[wasm_bindgen_test]
fn a_starting_tabs_queue_is_left_alone_until_its_lock_is_held() {
    clean();
    let mut starting = started("");
    let tab = starting.tab_id();
    // Another tab (its own sessionStorage): a new tab's queue is in localStorage before the
    // browser grants its lock.
    js("sessionStorage.clear()");
    let other = started("");
    assert_ne!(other.tab_id(), tab);
    assert_eq!(other.other_queues(NOW + 10.0), "", "not an orphan while its tab starts");
    assert_eq!(other.other_queues(NOW + 30_000.0), tab, "never held: a tab gone before its grant");
    assert_eq!(other.stale_queues(NOW + 180_000.0, 180_000.0), tab, "without Web Locks, staleness alone");
    starting.lock_held();
    starting.persist();
    assert_eq!(other.other_queues(NOW + 10.0), tab, "held: a candidate (its lock tells live from closed)");
    // A new id (retab) is unclaimed again until its own lock is held. (The old id's queue is
    // the copy's now, which holds that id's lock.)
    starting.retab(NOW + 20.0);
    let moved = starting.tab_id();
    assert!(!other.other_queues(NOW + 30.0).contains(&moved));
    starting.lock_held();
    starting.persist();
    assert!(other.other_queues(NOW + 30.0).contains(&moved));
    clean();
}

#[wasm_bindgen_test]
fn storage_that_throws_means_memory_only_silently() {
    clean();
    js(r#"
      const set = Storage.prototype.setItem, get = Storage.prototype.getItem;
      Storage.prototype.setItem = function () { throw new DOMException('quota', 'QuotaExceededError'); };
      Storage.prototype.getItem = function () { throw new DOMException('denied', 'SecurityError'); };
      window.__restore = () => { Storage.prototype.setItem = set; Storage.prototype.getItem = get; };
    "#);
    let mut sdk = started("");
    assert_eq!(sdk.visitor_id().len(), 36);
    assert_eq!(sdk.identify(js("return { plan: 'pro' };"), NOW).ok(), Some(true));
    assert!(sdk.pending() >= 2);
    // Cookies still work here, so the visitor id persists there.
    assert_eq!(cookie("ss_vid"), Some(sdk.visitor_id()));
    clean();
}

#[wasm_bindgen_test]
fn refused_cookies_and_storage_never_throw() {
    clean();
    js(r#"
      const proto = Storage.prototype, saved = {};
      window.__restore = () => { delete document.cookie; Object.assign(proto, saved); };
      for (const m of ['getItem', 'setItem', 'removeItem', 'key']) {
        saved[m] = proto[m];
        proto[m] = function () { throw new DOMException('denied', 'SecurityError'); };
      }
      Object.defineProperty(document, 'cookie', { configurable: true,
        get() { throw new DOMException('sandboxed', 'SecurityError'); },
        set() { throw new DOMException('sandboxed', 'SecurityError'); } });
    "#);
    let mut sdk = started("");
    assert!(!sdk.persistent());
    assert_eq!(sdk.visitor_id().len(), 36);
    assert_eq!(sdk.identify(js("return { id: 'user-1' };"), NOW).ok(), Some(true));
    sdk.activity(NOW + 1000.0, true);
    sdk.reset(NOW + 2000.0);
    sdk.set_consent(false, NOW + 3000.0);
    sdk.set_consent(true, NOW + 4000.0);
    clean();
}

#[wasm_bindgen_test]
fn consent_denied_erases_then_granted_mints_a_new_visitor() {
    clean();
    let mut sdk = started("");
    let before = sdk.visitor_id();
    sdk.identify(js("return { plan: 'pro' };"), NOW).ok();
    sdk.set_consent(false, NOW + 1.0);
    assert!(!sdk.persistent());
    assert_eq!(cookie("ss_vid"), None);
    assert_eq!(cookie("ss_sid"), None);
    assert_eq!(cookie("fsid"), None);
    assert_eq!(js("return Object.keys(localStorage).filter(k => k.startsWith('ss_')).length").as_f64(), Some(0.0));
    assert_eq!(js("return Object.keys(sessionStorage).filter(k => k.startsWith('ss_')).length").as_f64(), Some(0.0));
    let in_memory = sdk.visitor_id();
    assert_ne!(in_memory, before);
    sdk.set_consent(true, NOW + 2.0);
    assert!(sdk.persistent());
    assert_ne!(sdk.visitor_id(), in_memory);
    assert_eq!(cookie("ss_vid"), Some(sdk.visitor_id()));
    assert_eq!(cookie("ss_sid"), Some(sdk.session_id()));
    clean();
}

#[wasm_bindgen_test]
fn init_with_consent_denied_writes_nothing() {
    clean();
    let sdk = started("consent: 'denied'");
    assert_eq!(sdk.visitor_id().len(), 36);
    assert_eq!(cookie("ss_vid"), None);
    assert_eq!(js("return localStorage.length").as_f64(), Some(0.0));
    clean();
}

#[wasm_bindgen_test]
fn bad_options_are_clear_errors() {
    for opts in ["return {}", "return { apiKey: '' }", "return { apiKey: 'k', consent: 'maybe' }", "return { apiKey: 42 }"] {
        let err = Sdk::new(js(opts), NOW).err().unwrap_or_else(|| panic!("{opts} must fail"));
        assert_eq!(get(&err, "name").as_string().as_deref(), Some("SessionSightConfigError"), "{opts}");
    }
}


fn ss_keys(storage: &str) -> f64 {
    js(&format!("return Object.keys({storage}).filter(k => k.startsWith('ss_')).length")).as_f64().unwrap_or(-1.0)
}

/// Every body the SDK would send now (unload flushes, nothing settled).
fn bodies(sdk: &mut Sdk, now: f64) -> String {
    let mut all = String::new();
    loop {
        let b = sdk.next_batch(now, true);
        if b.is_null() {
            return all;
        }
        all.push_str(&get(&b, "body").as_string().unwrap_or_default());
    }
}

/// What an earlier visit (or another tab) left behind.
fn plant_everything() {
    js(&format!(r#"
      for (const n of ['ss_vid', 'ss_sid', 'fsid']) document.cookie = n + '={A}; Path=/; Max-Age=3600';
      localStorage.setItem('ss_vid', '{A}');
      localStorage.setItem('ss_prof', '0;');
      localStorage.setItem('ss_q:{B}', 'q1 0 1 0\n{B}\t{{"email":"ana@example.com"}}');
      localStorage.setItem('ss_future_key', 'x');
      localStorage.setItem('other_app', 'kept');
      sessionStorage.setItem('ss_sid', 'x');
      sessionStorage.setItem('ss_tab', '{B}');
    "#));
}

#[wasm_bindgen_test]
fn init_with_consent_denied_erases_what_an_earlier_visit_stored() {
    clean();
    plant_everything();
    let sdk = Sdk::new(options("consent: 'denied'"), NOW).unwrap_or_else(|_| panic!("init failed"));
    // Before start(): nothing of the earlier visit is left.
    for name in ["ss_vid", "ss_sid", "fsid"] {
        assert_eq!(cookie(name), None, "{name}");
    }
    assert_eq!(ss_keys("localStorage"), 0.0);
    assert_eq!(ss_keys("sessionStorage"), 0.0);
    assert_eq!(js("return localStorage.getItem('other_app')").as_string().as_deref(), Some("kept"));
    drop(sdk);
    clean();
}

#[wasm_bindgen_test]
fn denial_erases_other_tabs_queues_and_drops_the_old_visitors_events() {
    clean();
    let mut sdk = started("");
    let old = sdk.visitor_id();
    sdk.identify(js("return { email: 'ana@example.com', plan: 'pro' };"), NOW).ok();
    sdk.persist();
    plant_everything();
    sdk.set_consent(false, NOW + 1.0);
    assert_eq!(ss_keys("localStorage"), 0.0);
    assert_eq!(ss_keys("sessionStorage"), 0.0);
    assert_eq!(cookie("ss_vid"), None);
    assert_eq!(sdk.pending(), 0, "the old visitor's events are not sent");
    sdk.identify(js("return { plan: 'pro' };"), NOW + 2.0).ok();
    sdk.persist();
    let sent = bodies(&mut sdk, NOW + 3.0);
    assert!(!sent.contains(&old) && sent.contains(&sdk.visitor_id()), "{sent}");
    assert_eq!(ss_keys("localStorage"), 0.0, "memory only after the denial");
    clean();
}

#[wasm_bindgen_test]
fn a_denial_in_another_tab_is_followed_before_anything_is_written_or_sent() {
    clean();
    let mut sdk = started("");
    let old = sdk.visitor_id();
    sdk.identify(js("return { plan: 'pro' };"), NOW).ok();
    sdk.persist();
    // The other tab erased everything.
    other_tab_erases_everything();
    // identify() itself notices, without an explicit sync.
    sdk.identify(js("return { email: 'ana@example.com' };"), NOW + 1.0).ok();
    sdk.persist();
    assert!(!sdk.persistent());
    assert_ne!(sdk.visitor_id(), old);
    assert_eq!(ss_keys("localStorage"), 0.0, "nothing written after the denial");
    assert_eq!(ss_keys("sessionStorage"), 0.0);
    assert_eq!(cookie("ss_vid"), None);
    assert_eq!(cookie("ss_sid"), None);
    let sent = bodies(&mut sdk, NOW + 2.0);
    assert!(!sent.contains(&old), "{sent}");
    assert!(!sdk.sync(NOW + 3.0), "nothing more to follow");
    clean();
}

/// What a page's own `localStorage.clear()` (a logout, say) leaves: the cookies.
fn page_clears_local_storage() {
    js("localStorage.clear()");
}

#[wasm_bindgen_test]
fn a_page_clearing_local_storage_is_no_denial() {
    clean();
    let mut sdk = started("");
    let visitor = sdk.visitor_id();
    sdk.identify(js("return { plan: 'pro' };"), NOW).ok();
    sdk.persist();
    let queued = sdk.pending();
    page_clears_local_storage();
    sdk.sync(NOW + 10.0);
    assert_eq!(sdk.visitor_id(), visitor, "the cookie still names the visitor: no denial");
    assert_eq!(sdk.pending(), queued, "nothing dropped");
    assert_eq!(cookie("ss_vid"), Some(visitor.clone()), "nothing erased");
    // A denial elsewhere deletes the cookie first, but this tab may see that a moment late:
    // nothing is written or sent until the cookie has been seen to stay.
    sdk.persist();
    assert_eq!(ss_keys("localStorage"), 0.0);
    assert!(sdk.next_batch(NOW + 20.0, false).is_null(), "held while unsure");
    sdk.sync(NOW + 260.0);
    sdk.persist();
    assert!(sdk.persistent());
    assert_eq!(js("return localStorage.getItem('ss_vid')").as_string(), Some(visitor.clone()), "written back");
    let stored = js(&format!("return localStorage.getItem('ss_q:{}')", sdk.tab_id())).as_string().unwrap_or_default();
    assert!(stored.contains("\"plan\""), "the queue is written back: {stored}");
    assert!(bodies(&mut sdk, NOW + 270.0).contains(&visitor), "and sent");
    clean();
}

#[wasm_bindgen_test]
fn a_page_left_right_after_clearing_local_storage_sends_what_it_holds() {
    clean();
    let mut sdk = started("");
    let visitor = sdk.visitor_id();
    page_clears_local_storage();
    sdk.identify(js("return { plan: 'logout' };"), NOW + 1.0).ok();
    // The unload flush (urgent) cannot wait: the cookie decides at once.
    let sent = bodies(&mut sdk, NOW + 2.0);
    assert!(sent.contains("logout") && sent.contains(&visitor), "{sent}");
    assert!(sdk.persistent());
    clean();
}

#[wasm_bindgen_test]
fn a_logout_clearing_local_storage_then_resetting_keeps_the_new_visitor() {
    clean();
    let mut sdk = started("");
    let old = sdk.visitor_id();
    page_clears_local_storage();
    sdk.reset(NOW + 1.0);
    let fresh = sdk.visitor_id();
    assert_ne!(fresh, old);
    sdk.sync(NOW + 500.0);
    sdk.persist();
    assert_eq!(sdk.visitor_id(), fresh, "the old cookie is not followed back");
    assert_eq!(cookie("ss_vid"), Some(fresh.clone()));
    assert_eq!(js("return localStorage.getItem('ss_vid')").as_string(), Some(fresh));
    clean();
}

#[wasm_bindgen_test]
fn an_announced_denial_is_followed_at_once_unless_consent_was_granted_again_since() {
    clean();
    let mut sdk = started("");
    let old = sdk.visitor_id();
    sdk.identify(js("return { plan: 'pro' };"), NOW).ok();
    sdk.persist();
    // The announcement may arrive before this tab sees the stores change: followed anyway.
    assert!(sdk.denied_elsewhere(NOW + 1.0));
    assert!(!sdk.persistent());
    assert_ne!(sdk.visitor_id(), old);
    assert_eq!(cookie("ss_vid"), None);
    assert_eq!(ss_keys("localStorage"), 0.0);
    assert!(!bodies(&mut sdk, NOW + 2.0).contains(&old), "nothing of the old visitor goes out");
    assert!(!sdk.denied_elsewhere(NOW + 3.0), "already denied: nothing changes");
    clean();
    // Denied and granted again over there before the announcement arrived: the grant stands.
    let mut sdk = started("");
    other_tab_erases_everything();
    js(&format!("localStorage.setItem('ss_vid', '{B}'); localStorage.setItem('ss_grant', '{B}'); document.cookie = 'ss_vid={B}; Path=/';"));
    assert!(sdk.denied_elsewhere(NOW + 4.0), "follows the grant");
    assert_eq!(sdk.visitor_id(), B);
    assert!(sdk.persistent());
    assert_eq!(cookie("ss_vid").as_deref(), Some(B));
    clean();
}

#[wasm_bindgen_test]
fn a_denied_tab_following_a_grant_writes_its_cookie_back_if_it_deleted_it_late() {
    clean();
    let mut sdk = started("");
    other_tab_erases_everything();
    sdk.sync(NOW + 1.0);
    assert!(!sdk.persistent());
    // The grant wrote ss_vid in both places, then this tab's late erase deleted the cookie.
    js(&format!("localStorage.setItem('ss_vid', '{B}'); localStorage.setItem('ss_grant', '{B}');"));
    assert!(sdk.sync(NOW + 2.0));
    assert_eq!(sdk.visitor_id(), B);
    assert_eq!(cookie("ss_vid").as_deref(), Some(B));
    clean();
}

#[wasm_bindgen_test]
fn a_denial_seen_late_after_local_storage_is_still_a_denial() {
    clean();
    let mut sdk = started("");
    let old = sdk.visitor_id();
    sdk.identify(js("return { plan: 'pro' };"), NOW).ok();
    sdk.persist();
    // localStorage already erased, the cookie deletion not seen yet; then it is.
    page_clears_local_storage();
    sdk.sync(NOW + 10.0);
    other_tab_erases_everything();
    sdk.sync(NOW + 260.0);
    sdk.persist();
    assert!(!sdk.persistent());
    assert_ne!(sdk.visitor_id(), old);
    assert_eq!(ss_keys("localStorage"), 0.0, "nothing written back");
    assert_eq!(cookie("ss_vid"), None);
    assert!(!bodies(&mut sdk, NOW + 270.0).contains(&old), "nothing of the old visitor goes out");
    clean();
}

#[wasm_bindgen_test]
fn a_denial_in_another_tab_stops_the_old_visitors_events_at_the_next_send() {
    clean();
    let mut sdk = started("");
    let old = sdk.visitor_id();
    sdk.identify(js("return { plan: 'pro' };"), NOW).ok();
    sdk.persist();
    other_tab_erases_everything();
    assert!(sdk.next_batch(NOW + 1.0, false).is_null(), "nothing of the old visitor goes out");
    assert!(!sdk.persistent());
    assert!(!sdk.visitor_id().is_empty() && sdk.visitor_id() != old);
    clean();
}

#[wasm_bindgen_test]
fn a_reset_in_another_tab_is_adopted_by_sync_and_by_identify() {
    clean();
    let mut sdk = started("");
    let old_session = sdk.session_id();
    js(&format!("localStorage.setItem('ss_vid', '{B}');"));
    assert!(sdk.sync(NOW + 1.0));
    assert_eq!(sdk.visitor_id(), B);
    assert_ne!(sdk.session_id(), old_session);
    assert!(!sdk.sync(NOW + 2.0));
    let sent = bodies(&mut sdk, NOW + 3.0);
    assert!(sent.contains(r#""reason":"reset""#) && sent.contains(B), "{sent}");
    // Another reset, noticed by identify() itself: the event carries the new visitor.
    js(&format!("localStorage.setItem('ss_vid', '{A}');"));
    assert_eq!(sdk.identify(js("return { plan: 'pro' };"), NOW + 4.0).ok(), Some(true));
    assert_eq!(sdk.visitor_id(), A);
    clean();
}

#[wasm_bindgen_test]
fn a_denial_then_grant_elsewhere_unseen_in_between_still_drops_the_old_visitors_events() {
    clean();
    let mut sdk = started("");
    let old = sdk.visitor_id();
    sdk.identify(js("return { plan: 'pro' };"), NOW).ok();
    sdk.persist();
    // Another tab: denied (erases everything), then granted (a fresh visitor).
    let mut other = Sdk::new(options(""), NOW).unwrap_or_else(|_| panic!());
    other.start(NOW, true, None);
    other.set_consent(false, NOW + 1.0);
    other.set_consent(true, NOW + 2.0);
    let granted = other.visitor_id();
    assert!(sdk.sync(NOW + 3.0));
    assert_eq!(sdk.visitor_id(), granted);
    let sent = bodies(&mut sdk, NOW + 4.0);
    assert!(!sent.contains(&old), "{sent}");
    assert!(sent.contains(r#""reason":"consent""#), "{sent}");
    clean();
}

#[wasm_bindgen_test]
fn a_grant_in_another_tab_is_adopted_by_a_denied_tab() {
    clean();
    let mut sdk = started("consent: 'denied'");
    assert!(!sdk.sync(NOW));
    // A tab loading without a consent decision writes an id: not a grant, not followed.
    js(&format!("localStorage.setItem('ss_vid', '{A}');"));
    assert!(!sdk.sync(NOW + 1.0));
    assert!(!sdk.persistent());
    // An explicit grant in another tab is.
    js(&format!("localStorage.setItem('ss_vid', '{B}'); localStorage.setItem('ss_grant', '{B}');"));
    assert!(sdk.sync(NOW + 1.0));
    assert!(sdk.persistent());
    assert_eq!(sdk.visitor_id(), B);
    let sent = bodies(&mut sdk, NOW + 2.0);
    assert!(sent.contains(r#""reason":"consent""#), "{sent}");
    sdk.persist();
    assert!(ss_keys("sessionStorage") > 0.0, "persisting again");
    clean();
}

#[wasm_bindgen_test]
fn a_tab_loaded_hidden_claims_the_session_cookie_only_when_first_visible() {
    clean();
    js(&format!("document.cookie = 'ss_sid={A}; Path=/'; document.cookie = 'fsid={A}; Path=/';"));
    let mut sdk = Sdk::new(options(""), NOW).unwrap_or_else(|_| panic!());
    sdk.start(NOW, false, Some(false));
    sdk.activity(NOW + 1.0, false);
    sdk.persist();
    assert_eq!(cookie("ss_sid").as_deref(), Some(A), "the tab in use keeps the cookie");
    assert_eq!(cookie("fsid").as_deref(), Some(A));
    sdk.activity(NOW + 2.0, true);
    assert_eq!(cookie("ss_sid"), Some(sdk.session_id()));
    assert_eq!(cookie("fsid"), Some(sdk.session_id()));
    clean();
}

#[wasm_bindgen_test]
fn a_full_storage_is_reported_and_the_queue_lives_on_in_memory() {
    clean();
    let mut sdk = started("");
    assert!(!sdk.storage_failed());
    js(r#"
      const set = Storage.prototype.setItem;
      Storage.prototype.setItem = function () { throw new DOMException('full', 'QuotaExceededError'); };
      window.__restore = () => { Storage.prototype.setItem = set; };
    "#);
    assert_eq!(sdk.identify(js("return { plan: 'pro' };"), NOW).ok(), Some(true));
    sdk.persist();
    assert!(sdk.storage_failed());
    assert!(sdk.pending() >= 2);
    assert!(bodies(&mut sdk, NOW + 1.0).contains(r#""plan":"pro""#));
    clean();
}

#[wasm_bindgen_test]
fn a_rejected_identify_is_sent_again_when_called_again() {
    clean();
    let mut sdk = started("");
    let payload = "return { plan: 'pro' };";
    assert_eq!(sdk.identify(js(payload), NOW).ok(), Some(true));
    assert_eq!(sdk.identify(js(payload), NOW).ok(), Some(false));
    let batch = sdk.next_batch(NOW, false);
    let id = get(&batch, "id").as_f64().unwrap_or(0.0) as u32;
    let verdict = sdk.settle(id, 400, f64::NAN, NOW + 1.0, 0.5);
    assert_eq!(get(&verdict, "verdict").as_string().as_deref(), Some("rejected"));
    assert_eq!(get(&verdict, "retryIn").as_f64(), Some(0.0));
    assert_eq!(sdk.identify(js(payload), NOW + 2.0).ok(), Some(true), "not delivered, so not deduplicated");
    clean();
}

#[wasm_bindgen_test]
fn an_identify_dropped_by_the_queue_cap_is_sent_again_when_called_again() {
    clean();
    let mut sdk = started("maxQueueSize: 2");
    assert_eq!(sdk.identify(js("return { plan: 'pro' };"), NOW).ok(), Some(true));
    let version = sdk.profile_version();
    assert_eq!(sdk.identify(js("return { team: 'a' };"), NOW).ok(), Some(true)); // evicts session_start
    assert_eq!(sdk.identify(js("return { team: 'b' };"), NOW).ok(), Some(true)); // evicts { plan: 'pro' }
    assert_ne!(sdk.profile_version(), version, "the shim's fast path must not skip the next call");
    assert_eq!(sdk.identify(js("return { plan: 'pro' };"), NOW).ok(), Some(true));
    clean();
}

#[wasm_bindgen_test]
fn settle_gives_a_relative_bounded_wait() {
    clean();
    let mut sdk = started("");
    let batch = sdk.next_batch(NOW, false);
    let id = get(&batch, "id").as_f64().unwrap_or(0.0) as u32;
    let verdict = sdk.settle(id, 503, f64::NAN, NOW, 1.0);
    assert_eq!(get(&verdict, "verdict").as_string().as_deref(), Some("retry"));
    assert_eq!(get(&verdict, "retryIn").as_f64(), Some(1000.0));
    // The clock went back a day: still one second.
    assert_eq!(sdk.retry_in(NOW - 86_400_000.0), 1000.0);
    clean();
}
