//! `application/x-www-form-urlencoded` bodies, parsed strictly: RFC 6749
//! §3.2 forbids repeating a parameter, and a value that is not UTF-8 is
//! malformed, not something to guess at.

use std::collections::HashMap;

/// Largest body accepted by the OAuth endpoints.
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// Most parameters accepted in one body.
pub const MAX_PARAMS: usize = 64;

/// Parameters that RFC 8707 allows more than once.
const REPEATABLE: [&str; 1] = ["resource"];

/// A parsed form.
#[derive(Debug, Default)]
pub struct Params {
    single: HashMap<String, String>,
    resources: Vec<String>,
}

impl Params {
    /// Parses a form body; the error says what is wrong with it.
    pub fn parse(body: &[u8]) -> Result<Params, String> {
        let mut params = Params::default();
        let mut count = 0;
        for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
            count += 1;
            if count > MAX_PARAMS {
                return Err(format!("more than {MAX_PARAMS} parameters"));
            }
            let (name, value) = match pair.iter().position(|b| *b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &b""[..]),
            };
            let name = decode(name)?;
            let value = decode(value)?;
            if REPEATABLE.contains(&name.as_str()) {
                params.resources.push(value);
            } else if params.single.insert(name.clone(), value).is_some() {
                return Err(format!("the parameter {name:?} is repeated"));
            }
        }
        Ok(params)
    }

    /// A parameter's value; an empty value counts as absent (RFC 6749 §3.1).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.single
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// A required parameter, or the `invalid_request` description.
    pub fn require(&self, name: &str) -> Result<&str, String> {
        self.get(name)
            .ok_or_else(|| format!("the {name} parameter is missing"))
    }

    /// Every `resource` parameter (RFC 8707).
    pub fn resources(&self) -> &[String] {
        &self.resources
    }

    /// Every parameter as a name and value, `resource` once per value.
    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> =
            self.single.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        pairs.sort();
        pairs.extend(self.resources.iter().map(|r| ("resource".to_string(), r.clone())));
        pairs
    }

    /// Parameters from names and values, by the rules of [`Params::parse`].
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Params, String> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        Params::parse(body.as_bytes())
    }
}

fn decode(raw: &[u8]) -> Result<String, String> {
    let plus_as_space: Vec<u8> = raw.iter().map(|b| if *b == b'+' { b' ' } else { *b }).collect();
    let bytes: Vec<u8> = percent_encoding::percent_decode(&plus_as_space).collect();
    let text = String::from_utf8(bytes).map_err(|_| "a parameter is not valid UTF-8".to_string())?;
    if text.contains('\0') {
        return Err("a parameter contains a NUL character".into());
    }
    Ok(text)
}

#[cfg(test)]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_percent_and_plus_decoded() {
        let p = Params::parse(b"a=x%20y+z&b=%C3%A9").unwrap();
        assert_eq!(p.get("a"), Some("x y z"));
        assert_eq!(p.get("b"), Some("é"));
    }

    #[test]
    fn a_repeated_parameter_is_refused() {
        assert!(Params::parse(b"scope=a&scope=b").is_err());
    }

    #[test]
    fn resource_may_be_repeated() {
        let p = Params::parse(b"resource=https%3A%2F%2Fa&resource=https%3A%2F%2Fb").unwrap();
        assert_eq!(p.resources(), ["https://a", "https://b"]);
    }

    #[test]
    fn bytes_that_are_not_utf8_are_refused() {
        assert!(Params::parse(b"a=%FF%FE").is_err());
        assert!(Params::parse(b"a=\xff").is_err());
    }

    #[test]
    fn a_nul_is_refused() {
        assert!(Params::parse(b"a=x%00y").is_err());
    }

    #[test]
    fn a_trailing_percent_is_kept_literally() {
        assert_eq!(Params::parse(b"a=50%").unwrap().get("a"), Some("50%"));
        assert_eq!(Params::parse(b"a=%4").unwrap().get("a"), Some("%4"));
    }

    #[test]
    fn too_many_parameters_are_refused() {
        let body: String = (0..100).map(|i| format!("p{i}=v&")).collect();
        assert!(Params::parse(body.as_bytes()).is_err());
    }
}
