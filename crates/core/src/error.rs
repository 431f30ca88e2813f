//! The one error type of jxc-core.

use serde::Serialize;

/// A field of an input that failed to parse, with a reason a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The input field, e.g. `code` or `lines[2].qty`.
    pub field: String,
    /// Why, in Chinese then English.
    pub reason: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// One or more fields of an input are invalid.
    #[error("invalid input: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// A business rule refused the action (the message says which and why).
    #[error("{0}")]
    Rule(String),
    /// Not enough available stock and the SKU may not go negative.
    #[error(
        "库存不足 / insufficient stock: sku {sku} in warehouse {warehouse}: requested {requested}, available {available}"
    )]
    InsufficientStock {
        sku: i64,
        warehouse: i64,
        requested: i64,
        available: i64,
    },
}

impl Error {
    pub fn field(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Invalid(vec![FieldError::new(field, reason)])
    }
}

impl From<FieldError> for Error {
    fn from(e: FieldError) -> Self {
        Error::Invalid(vec![e])
    }
}

/// Collects field errors while parsing an input, so a person sees all of them at once.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    /// Keeps the value of a parse, or records its error and gives `None`.
    pub fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }
    pub fn push(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.0.push(FieldError::new(field, reason));
    }
    pub fn into_result(self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.0))
        }
    }
}
