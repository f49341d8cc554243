//! The merged identify() profile of the current visitor, remembered only as fingerprints so
//! the SDK can skip calls that change nothing (also across reloads and tabs) without ever
//! storing a raw email or property value. Each field is kept as a salted 64-bit hash of its
//! key and of its value; the salt is the visitor id, so a new visitor starts a new profile.

use crate::identify::Identify;

/// Most fields remembered; beyond it the least recently named are forgotten (the worst
/// case is a re-send).
pub const MAX_FIELDS: usize = 128;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Profile {
    owner: u64,
    /// (key hash, value hash), oldest first.
    fields: Vec<(u64, u64)>,
}

fn fnv1a(salt: &str, tag: u8, text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in salt.bytes().chain([0, tag]).chain(text.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

impl Profile {
    pub fn new(visitor_id: &str) -> Self {
        Profile { owner: fnv1a(visitor_id, b'v', ""), fields: Vec::new() }
    }

    pub fn belongs_to(&self, visitor_id: &str) -> bool {
        self.owner == fnv1a(visitor_id, b'v', "")
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Merges a call into the profile; true when it changed anything (the call must be sent).
    pub fn merge(&mut self, visitor_id: &str, call: &Identify) -> bool {
        let mut changed = false;
        // The two slots and the custom keys hash under different tags: no key aliases a slot.
        let slots = call.id.iter().map(|v| (b's', "id", v.clone()))
            .chain(call.email.iter().map(|v| (b's', "email", v.clone())));
        let custom = call.custom.iter().map(|(k, v)| (b'k', k.as_str(), v.to_json()));
        for (tag, key, value) in slots.chain(custom) {
            let k = fnv1a(visitor_id, tag, key);
            let v = fnv1a(visitor_id, b'=', &value);
            // Least recently used last to go: a field this call names moves to the back, so a
            // full profile never forgets a field of the call being merged.
            match self.fields.iter().position(|(fk, _)| *fk == k) {
                Some(pos) => {
                    let (_, old) = self.fields.remove(pos);
                    changed |= old != v;
                }
                None => {
                    if self.fields.len() >= MAX_FIELDS {
                        self.fields.remove(0);
                    }
                    changed = true;
                }
            }
            self.fields.push((k, v));
        }
        changed
    }

    /// `owner;key:value,…` in hex: fingerprints only.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        crate::json::push_hex16(&mut out, self.owner);
        out.push(';');
        for (i, (k, v)) in self.fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            crate::json::push_hex16(&mut out, *k);
            out.push(':');
            crate::json::push_hex16(&mut out, *v);
        }
        out
    }

    /// Reads what `encode` wrote; anything malformed reads as absent.
    pub fn decode(s: &str) -> Option<Profile> {
        let (owner, rest) = crate::text::cut(s, b';')?;
        let owner = crate::json::parse_u64(owner, 16)?;
        let mut fields = Vec::new();
        for pair in crate::text::parts(rest, b',').filter(|p| !p.is_empty()) {
            let (k, v) = crate::text::cut(pair, b':')?;
            fields.push((crate::json::parse_u64(k, 16)?, crate::json::parse_u64(v, 16)?));
        }
        fields.truncate(MAX_FIELDS);
        Some(Profile { owner, fields })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identify::{validate, Input};

    fn call(fields: &[(&str, &str)]) -> Identify {
        validate(fields.iter().map(|(k, v)| (k.to_string(), Input::Str(v.to_string()))).collect()).unwrap()
    }

    const V: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

    #[test]
    fn the_merge_sequence_of_the_seed() {
        let mut p = Profile::new(V);
        assert!(p.merge(V, &call(&[("email", "ana@example.com")])));
        assert!(p.merge(V, &call(&[("plan", "free")])));
        assert!(p.merge(V, &call(&[("plan", "pro"), ("team", "platform")])));
        assert!(p.merge(V, &call(&[("id", "user_abc123")])));
        // Nothing new: each of these is already in the merged profile.
        assert!(!p.merge(V, &call(&[("email", "ANA@example.com ")])));
        assert!(!p.merge(V, &call(&[("plan", "pro")])));
        assert!(!p.merge(V, &call(&[("id", "user_abc123"), ("team", "platform")])));
        assert!(!p.merge(V, &call(&[])));
        assert!(p.merge(V, &call(&[("plan", "free")])));
        assert_eq!(p.len(), 4);
    }

    #[test]
    fn id_slot_and_a_custom_key_named_like_it_differ() {
        let mut p = Profile::new(V);
        assert!(p.merge(V, &call(&[("id", "x1")])));
        assert!(p.merge(V, &call(&[("uid", "x1")])));
    }

    #[test]
    fn encoding_round_trips_and_holds_no_raw_values() {
        let mut p = Profile::new(V);
        p.merge(V, &call(&[("email", "ana@example.com"), ("plan", "pro")]));
        let text = p.encode();
        assert!(!text.contains("ana") && !text.contains("pro") && !text.contains("plan"));
        let back = Profile::decode(&text).unwrap();
        assert_eq!(back, p);
        assert!(back.belongs_to(V));
        assert!(!back.belongs_to("00000000-0000-4000-8000-000000000000"));
        for bad in ["", "zz;", "0;1:2,x", "0;12"] {
            assert_eq!(Profile::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_new_visitor_hashes_differently() {
        let other = "11111111-1111-4111-8111-111111111111";
        let mut a = Profile::new(V);
        a.merge(V, &call(&[("plan", "pro")]));
        let mut b = Profile::new(other);
        b.merge(other, &call(&[("plan", "pro")]));
        assert_ne!(a.encode(), b.encode());
    }

    #[test]
    fn size_is_bounded() {
        let mut p = Profile::new(V);
        for i in 0..(MAX_FIELDS + 10) {
            p.merge(V, &call(&[(&format!("k{i}"), "v")]));
        }
        assert_eq!(p.len(), MAX_FIELDS);
    }
}
