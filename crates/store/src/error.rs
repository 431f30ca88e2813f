use jxc_core::FieldError;

/// The one error type of the store crates.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{entity} {id} 不存在 / not found")]
    NotFound { entity: &'static str, id: String },
    /// A unique value (code, barcode …) is taken, or the action conflicts with the data.
    #[error("{}", .0.reason)]
    Conflict(FieldError),
    /// A business rule from jxc-core refused the change.
    #[error(transparent)]
    Domain(#[from] jxc_core::Error),
    /// The database failed (connection, I/O, a bug in SQL). Not the user's fault.
    #[error("database error: {0}")]
    Database(String),
}

impl StoreError {
    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        StoreError::NotFound {
            entity,
            id: id.to_string(),
        }
    }
    pub fn conflict(field: impl Into<String>, reason: impl Into<String>) -> Self {
        StoreError::Conflict(FieldError::new(field, reason))
    }
}
