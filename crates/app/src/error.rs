//! The one error type of jxc-app. The web layer maps it to HTTP in one place.

use jxc_core::FieldError;
use jxc_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid input: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    #[error("{entity} {id} 不存在 / not found")]
    NotFound { entity: &'static str, id: String },
    #[error("{}", .0.reason)]
    Conflict(FieldError),
    /// A business rule refused the action.
    #[error("{0}")]
    Rule(String),
    #[error(
        "库存不足 / insufficient stock: sku {sku} warehouse {warehouse}: requested {requested}, available {available}"
    )]
    InsufficientStock {
        sku: i64,
        warehouse: i64,
        requested: i64,
        available: i64,
    },
    #[error("未登录或令牌无效 / not authenticated")]
    Unauthorized,
    /// Signed in, but the roles do not allow this action (or this warehouse or shop).
    #[error("无权限 / not allowed: {0}")]
    Forbidden(String),
    #[error(
        "尝试次数过多，请 {retry_after} 秒后再试 / too many attempts, retry in {retry_after} s"
    )]
    RateLimited { retry_after: u64 },
    /// A sales platform (or its simulator) failed or refused a call.
    #[error("平台接口错误 / platform error: {0}")]
    Upstream(String),
    /// The database or a file failed: not the user's fault.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::Invalid(vec![FieldError::new(field, reason)])
    }
    pub fn not_found(entity: &'static str, id: impl ToString) -> Error {
        Error::NotFound {
            entity,
            id: id.to_string(),
        }
    }
}

impl From<jxc_core::Error> for Error {
    fn from(e: jxc_core::Error) -> Error {
        match e {
            jxc_core::Error::Invalid(v) => Error::Invalid(v),
            jxc_core::Error::Rule(m) => Error::Rule(m),
            jxc_core::Error::InsufficientStock {
                sku,
                warehouse,
                requested,
                available,
            } => Error::InsufficientStock {
                sku,
                warehouse,
                requested,
                available,
            },
        }
    }
}

impl From<FieldError> for Error {
    fn from(e: FieldError) -> Error {
        Error::Invalid(vec![e])
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Error {
        match e {
            StoreError::NotFound { entity, id } => Error::NotFound { entity, id },
            StoreError::Conflict(f) => Error::Conflict(f),
            StoreError::Domain(d) => d.into(),
            StoreError::Database(m) => Error::Internal(m),
        }
    }
}

impl From<jxc_channels::ChannelError> for Error {
    fn from(e: jxc_channels::ChannelError) -> Error {
        use jxc_channels::ChannelError as C;
        match e {
            C::MissingCredential(k) => {
                Error::invalid("credentials", C::MissingCredential(k).to_string())
            }
            C::BadSignature => Error::Unauthorized,
            other => Error::Upstream(other.to_string()),
        }
    }
}
