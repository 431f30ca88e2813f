//! Lenient readers for the loose JSON the Chinese platforms write: ids and codes that
//! come as strings or numbers (or `null`), counts written as text, and the envelope TOP
//! and JD put an answer in (`{"<method>_response": …}` or `{"error_response": …}`).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::ChannelError;

/// Text written as a string or a number; `null` is empty.
#[derive(Debug, Default, Clone)]
pub(crate) struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) => Ok(Text(s)),
            Value::Number(n) => Ok(Text(n.to_string())),
            Value::Null => Ok(Text(String::new())),
            other => Err(serde::de::Error::custom(format!(
                "应为文本 / expected text, got {other}"
            ))),
        }
    }
}

/// A whole number written as a number or as text (JD's `itemTotal` is `"2"`); empty is 0.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Count(pub i64);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = Text::deserialize(d)?;
        let s = t.0.trim();
        if s.is_empty() {
            return Ok(Count(0));
        }
        s.parse().map(Count).map_err(|_| {
            serde::de::Error::custom(format!("应为整数 / expected a whole number: {s}"))
        })
    }
}

/// The first non-empty of `a` and `b`.
pub(crate) fn either(a: Text, b: Text) -> String {
    if a.0.trim().is_empty() { b.0 } else { a.0 }
}

/// The part of a TOP-style answer under `key`, or the platform's `error_response` read
/// by `error(raw_error, whole_body)`.
pub(crate) fn answer<T: DeserializeOwned>(
    body: &str,
    key: &str,
    error: fn(&str, &str) -> ChannelError,
) -> Result<T, ChannelError> {
    let top: std::collections::HashMap<String, Box<RawValue>> = serde_json::from_str(body)
        .map_err(|e| {
            ChannelError::malformed(format!("不是 JSON 对象 / not a JSON object: {e}"), body)
        })?;
    if let Some(e) = top.get("error_response") {
        return Err(error(e.get(), body));
    }
    let inner = top.get(key).ok_or_else(|| {
        ChannelError::malformed(format!("缺少 {key} / no {key} in the answer"), body)
    })?;
    serde_json::from_str(inner.get()).map_err(|e| {
        ChannelError::malformed(format!("{key} 格式不符 / unexpected shape: {e}"), body)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_as_numbers_or_text_read_the_same_and_a_list_is_an_error() {
        let t: Vec<Text> = serde_json::from_str(r#"["12", 12, null]"#).unwrap();
        assert_eq!(
            t.iter().map(|t| t.0.as_str()).collect::<Vec<_>>(),
            ["12", "12", ""]
        );
        assert!(serde_json::from_str::<Text>("[1]").is_err());
        let c: Vec<Count> = serde_json::from_str(r#"["2", 3, ""]"#).unwrap();
        assert_eq!(c.iter().map(|c| c.0).collect::<Vec<_>>(), [2, 3, 0]);
        assert!(serde_json::from_str::<Count>(r#""two""#).is_err());
    }
}
