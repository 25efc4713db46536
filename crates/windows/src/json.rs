//! A small JSON tree for the records `evtx` renders: objects are short
//! vectors (no hashing) and strings borrow from the rendered bytes where
//! they have no escapes. Building a `serde_json::Value` cost more than
//! the rest of reading a record; the lookups here behave as `Value`'s do
//! (a repeated key keeps its last value).

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// One JSON value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json<'a> {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(Cow<'a, str>),
    Arr(Vec<Json<'a>>),
    Obj(Vec<(Cow<'a, str>, Json<'a>)>),
}

impl<'a> Json<'a> {
    /// The member `key` of an object.
    pub(crate) fn get(&self, key: &str) -> Option<&Json<'a>> {
        match self {
            Json::Obj(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A scalar as text, as `serde_json::Value`'s `Display` writes it
    /// (strings unquoted); `None` for null, arrays and objects.
    pub(crate) fn scalar(&self) -> Option<String> {
        match self {
            Json::Bool(b) => Some(b.to_string()),
            Json::U64(n) => Some(n.to_string()),
            Json::I64(n) => Some(n.to_string()),
            Json::F64(f) => Some(
                serde_json::Number::from_f64(*f)
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
            ),
            Json::Str(s) => Some(s.to_string()),
            Json::Null | Json::Arr(_) | Json::Obj(_) => None,
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Json<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor(std::marker::PhantomData))
    }
}

struct JsonVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for JsonVisitor<'a> {
    type Value = Json<'a>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Json::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Json::Bool(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Json::U64(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Json::I64(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Json::F64(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Owned(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element()? {
            out.push(v);
        }
        Ok(Json::Arr(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out: Vec<(Cow<'a, str>, Json<'a>)> = Vec::new();
        while let Some((Key(k), v)) = map.next_entry::<Key<'a>, Json<'a>>()? {
            // As a `Value` map: a repeated key keeps its first place and its last value.
            match out.iter_mut().find(|(have, _)| *have == k) {
                Some(slot) => slot.1 = v,
                None => out.push((k, v)),
            }
        }
        Ok(Json::Obj(out))
    }
}

/// An object key, borrowed from the text when it has no escapes (serde's
/// own `Cow` always copies).
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Key<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_like_serde_json_value() {
        let src = r##"{"a":{"#attributes":{"Name":"x\"y"},"#text":7036},"b":[1,-2,1.5,true,null,"s"],"a":{"#text":"last"},"c":1e20}"##;
        let j: Json = serde_json::from_str(src).unwrap();
        let v: serde_json::Value = serde_json::from_str(src).unwrap();
        assert_eq!(
            j.get("a")
                .and_then(|a| a.get("#text"))
                .and_then(Json::scalar),
            Some("last".into())
        );
        let Some(Json::Arr(b)) = j.get("b") else {
            panic!()
        };
        let want: Vec<Option<String>> = v["b"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| match x {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some(s.clone()),
                other => Some(other.to_string()),
            })
            .collect();
        assert_eq!(b.iter().map(Json::scalar).collect::<Vec<_>>(), want);
        assert_eq!(j.get("c").and_then(Json::scalar), Some(v["c"].to_string()));
        let Json::Obj(m) = &j else { panic!() };
        assert_eq!(
            m.iter().map(|(k, _)| k.as_ref()).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
    }
}
