//! The behaviour every [`govshare_store::Store`] backend must show, as backend-independent
//! async functions taking a fresh, empty store. A backend's test file runs each function as its
//! own test (see `sled.rs`); a function no backend runs is dead code, which clippy rejects.
//!
//! Concurrency tests spawn tasks: run them on a multi-thread runtime.

pub mod durability;
pub mod entries;
pub mod events;
pub mod exchange;
pub mod fixtures;
pub mod identity;
pub mod lifecycle;
pub mod listing;
pub mod model;
pub mod sharing;
