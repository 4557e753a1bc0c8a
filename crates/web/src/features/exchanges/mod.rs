//! Sealed exchanges: both members write a part; neither can read the other's
//! until both are in; then both open at once, for both.

pub mod api;
pub mod pages;
pub mod service;

crate::path_id!(ExchangeId, "exchange_id");
