//! Cookie strings, read and written as pure text: the `Set-Cookie`-style string the browser
//! layer assigns to `document.cookie`, lookup in a `Cookie` header, and the candidate
//! domains tried (shortest first) to find the registrable domain by a trial write.

pub const VISITOR: &str = "ss_vid";
pub const SESSION: &str = "ss_sid";
pub const FIRSTPARTY_SESSION: &str = "fsid";
/// One year, in seconds.
pub const VISITOR_MAX_AGE_S: u32 = 31_536_000;

#[derive(Debug, Clone, Copy, Default)]
pub struct Attrs<'a> {
    /// `None`: a host-only cookie.
    pub domain: Option<&'a str>,
    /// `None`: a browser-session cookie.
    pub max_age_s: Option<u32>,
    pub secure: bool,
}

/// The string to assign to `document.cookie` to write `name=value`.
pub fn set_string(name: &str, value: &str, attrs: Attrs) -> String {
    let mut out = String::with_capacity(name.len() + value.len() + 64);
    out.push_str(name);
    out.push('=');
    out.push_str(value);
    out.push_str("; Path=/");
    if let Some(age) = attrs.max_age_s {
        out.push_str("; Max-Age=");
        crate::json::push_u64(&mut out, age.into());
    }
    if let Some(domain) = attrs.domain {
        out.push_str("; Domain=");
        out.push_str(domain);
    }
    out.push_str("; SameSite=Lax");
    if attrs.secure {
        out.push_str("; Secure");
    }
    out
}

/// The string that deletes `name` as written with `domain`.
pub fn delete_string(name: &str, domain: Option<&str>, secure: bool) -> String {
    let mut s = set_string(name, "", Attrs { domain, max_age_s: Some(0), secure });
    s.push_str("; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
    s
}

/// The first value of `name` in a `Cookie` header (`a=1; b=2`), surrounding quotes removed.
pub fn read<'h>(header: &'h str, name: &str) -> Option<&'h str> {
    crate::text::parts(header, b';').find_map(|pair| {
        let (k, v) = crate::text::cut(pair, b'=')?;
        (k.trim() == name).then(|| {
            let v = v.trim();
            v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v)
        })
    })
}

/// True where a `Domain` attribute makes no sense: localhost, IP literals, single labels.
pub fn is_host_only(host: &str) -> bool {
    let host = crate::text::trim_end(host, b'.');
    host.is_empty()
        || !crate::text::has(host, b'.')
        || host == "localhost"
        || host.ends_with(".localhost")
        || host.starts_with('[')
        || crate::text::has(host, b':')
        || crate::text::parts(host, b'.').all(|label| !label.is_empty() && label.bytes().all(|b| b.is_ascii_digit()))
}

/// Domains to try, shortest first: `app.shop.example.com` gives `com`, `example.com`,
/// `shop.example.com`, `app.shop.example.com`. The browser refuses public suffixes, so the
/// first that a trial write accepts is the registrable domain. Empty when host-only.
pub fn domain_candidates(host: &str) -> Vec<String> {
    let host = crate::text::trim_end(host, b'.').to_ascii_lowercase();
    if is_host_only(&host) {
        return Vec::new();
    }
    // Each candidate is the host from just after one of its dots, shortest first (a byte scan:
    // `match_indices` brings a char searcher, 0.8 KB of wasm).
    let mut out: Vec<String> = host.bytes().enumerate().filter(|&(_, b)| b == b'.').map(|(i, _)| host[i + 1..].to_string()).collect();
    out.reverse();
    out.push(host);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_attributes_of_spec_3() {
        let v = set_string("ss_vid", "abc", Attrs { domain: Some("example.com"), max_age_s: Some(VISITOR_MAX_AGE_S), secure: true });
        assert_eq!(v, "ss_vid=abc; Path=/; Max-Age=31536000; Domain=example.com; SameSite=Lax; Secure");
        let s = set_string("ss_sid", "x", Attrs::default());
        assert_eq!(s, "ss_sid=x; Path=/; SameSite=Lax");
        let d = delete_string("fsid", Some("example.com"), false);
        assert!(d.starts_with("fsid=; Path=/; Max-Age=0; Domain=example.com; SameSite=Lax"));
    }

    #[test]
    fn reads_a_cookie_header() {
        let h = "a=1; ss_vid=\"q\"; ss_sid=two; ss_sid=three;flag; x=a=b";
        assert_eq!(read(h, "ss_vid"), Some("q"));
        assert_eq!(read(h, "ss_sid"), Some("two"));
        assert_eq!(read(h, "x"), Some("a=b"));
        assert_eq!(read(h, "flag"), None);
        assert_eq!(read(h, "fsid"), None);
        assert_eq!(read("", "a"), None);
    }

    #[test]
    fn candidate_domains_shortest_first() {
        assert_eq!(domain_candidates("app.shop.example.com"), ["com", "example.com", "shop.example.com", "app.shop.example.com"]);
        assert_eq!(domain_candidates("www.example.co.uk."), ["uk", "co.uk", "example.co.uk", "www.example.co.uk"]);
        for host in ["localhost", "app.localhost", "127.0.0.1", "[::1]", "::1", "intranet", ""] {
            assert!(domain_candidates(host).is_empty(), "{host}");
        }
    }
}
