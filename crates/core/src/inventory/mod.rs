//! 库存: stock documents, the ledger, balances, valuation and reservations.
//!
//! The store loads the balances a document touches into a [`Book`], [`posting::post`]
//! computes the ledger rows (moves) and the new balances in memory, and the store writes
//! both in the same transaction. Every stock change in jxc goes through that one path.

pub mod adjustment;
pub mod balance;
pub mod check;
pub mod count;
pub mod count_schedule;
pub mod document;
pub mod posting;
pub mod reservation;
pub mod transfer;
pub mod valuation;

pub use balance::{Balance, BalanceKey, Book, LiveReservation, SkuPolicy, SlotMeta};
pub use document::{Document, DocumentInput, DocumentKind, Line, LineInput, LotSpec};
pub use posting::{PlannedMove, PostingLine, post};
pub use reservation::{ReserveRequest, hold, release, reserve};
