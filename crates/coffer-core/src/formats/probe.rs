//! A first, shallow read of a JSON import that tells its format, skipping
//! what it does not need. Every field a format is told by is read
//! leniently: a JSON file of another kind whose `variables` or `accounts`
//! happen to be something else is "of no format Coffer knows", not
//! "invalid JSON".

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// The top-level fields that tell the formats apart.
#[derive(Deserialize)]
pub(crate) struct JsonProbe {
    pub(crate) format: Option<String>,
    pub(crate) version: Option<serde_json::Value>,
    pub(crate) encryption: Option<String>,
    pub(crate) values: Option<IgnoredAny>,
    pub(crate) items: Option<IgnoredAny>,
    pub(crate) encrypted: Option<IgnoredAny>,
    #[serde(rename = "__export_format")]
    pub(crate) export_format: Option<IgnoredAny>,
    #[serde(default)]
    pub(crate) variables: List,
    #[serde(default)]
    pub(crate) accounts: List,
    #[serde(default)]
    pub(crate) info: Info,
}

impl JsonProbe {
    /// Whether its first variable has a `name` and no `key` (Bruno's do;
    /// Hoppscotch's have a `key`).
    pub(crate) fn has_named_variables(&self) -> bool {
        matches!(
            self.variables,
            List::First {
                name: true,
                key: false
            }
        )
    }

    /// Whether its first variable has a `key` (Hoppscotch).
    pub(crate) fn has_keyed_variables(&self) -> bool {
        matches!(self.variables, List::First { key: true, .. })
    }

    /// Whether it says it is Bruno's environment export.
    pub(crate) fn is_bruno(&self) -> bool {
        self.info.bruno
    }
}

/// What a field that should be a list of objects turned out to be.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum List {
    /// Absent, or not a list of objects.
    #[default]
    Not,
    /// An empty list.
    Empty,
    /// A list whose first element is an object, with or without these keys.
    First { key: bool, name: bool },
}

impl List {
    pub(crate) fn is_list(self) -> bool {
        !matches!(self, List::Not)
    }
}

impl<'de> Deserialize<'de> for List {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ListVisitor)
    }
}

struct ListVisitor;

/// Everything but a list is `List::Not`, read and dropped.
macro_rules! not_a_list {
    ($($method:ident: $ty:ty),*) => {
        $(fn $method<E: de::Error>(self, _: $ty) -> Result<List, E> {
            Ok(List::Not)
        })*
    };
}

impl<'de> Visitor<'de> for ListVisitor {
    type Value = List;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    not_a_list!(visit_bool: bool, visit_i64: i64, visit_u64: u64, visit_f64: f64, visit_str: &str);

    fn visit_unit<E: de::Error>(self) -> Result<List, E> {
        Ok(List::Not)
    }

    fn visit_none<E: de::Error>(self) -> Result<List, E> {
        Ok(List::Not)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<List, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(List::Not)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List, A::Error> {
        let first = match seq.next_element::<Keys>()? {
            None => return Ok(List::Empty),
            Some(Keys(None)) => List::Not,
            Some(Keys(Some((key, name)))) => List::First { key, name },
        };
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(first)
    }
}

/// Whether an object has a `key` and a `name`; `None` for a non-object.
struct Keys(Option<(bool, bool)>);

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeysVisitor;
        impl<'de> Visitor<'de> for KeysVisitor {
            type Value = Keys;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let (mut key, mut name) = (false, false);
                while let Some(k) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    key |= k == "key";
                    name |= k == "name";
                    map.next_value::<IgnoredAny>()?;
                }
                Ok(Keys(Some((key, name))))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Keys, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Keys(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Keys, E> {
                Ok(Keys(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Keys, E> {
                Ok(Keys(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Keys, E> {
                Ok(Keys(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Keys, E> {
                Ok(Keys(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Keys, E> {
                Ok(Keys(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Keys, E> {
                Ok(Keys(None))
            }
        }
        d.deserialize_any(KeysVisitor)
    }
}

/// Whether `info.type` is `bruno-environment`; anything else is not.
#[derive(Default)]
pub(crate) struct Info {
    bruno: bool,
}

impl<'de> Deserialize<'de> for Info {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        Ok(Info {
            bruno: value.get("type").and_then(|t| t.as_str()) == Some("bruno-environment"),
        })
    }
}

/// The first element of a JSON list, to tell whose list it is.
pub(crate) struct FirstOfList(pub(crate) Option<JsonProbe>);

impl<'de> Deserialize<'de> for FirstOfList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct FirstVisitor;
        impl<'de> Visitor<'de> for FirstVisitor {
            type Value = FirstOfList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FirstOfList, A::Error> {
                let first = seq.next_element::<JsonProbe>()?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(FirstOfList(first))
            }
        }
        d.deserialize_seq(FirstVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(text: &str) -> JsonProbe {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn fields_of_another_shape_are_read_as_not_telling() {
        // A Packer template: `variables` is an object.
        let p = probe(r#"{"variables":{"region":"eu"},"builders":[]}"#);
        assert_eq!(p.variables, List::Not);
        let p = probe(r#"{"accounts":"none","info":"text","environments":7}"#);
        assert!(!p.accounts.is_list() && !p.is_bruno());
        let p = probe(r#"{"variables":[1,2]}"#);
        assert_eq!(p.variables, List::Not);
        let p = probe(r#"{"variables":[]}"#);
        assert_eq!(p.variables, List::Empty);
    }

    #[test]
    fn bruno_and_hoppscotch_variables_are_told_apart() {
        let p = probe(
            r#"{"name":"e","variables":[{"name":"a","value":"1"},{"key":"x"}],"info":{"type":"bruno-environment"}}"#,
        );
        assert!(p.has_named_variables() && !p.has_keyed_variables() && p.is_bruno());
        let p = probe(r#"{"name":"e","variables":[{"key":"a","value":"1"}]}"#);
        assert!(p.has_keyed_variables() && !p.has_named_variables());
        let first: FirstOfList =
            serde_json::from_str(r#"[{"variables":[{"key":"k"}]},[1]]"#).expect("list");
        assert!(first.0.is_some_and(|p| p.has_keyed_variables()));
    }
}
