//! The use cases called directly, without a transport, over a real sled store in a temporary
//! directory, by principals of different departments and roles.

mod admin;
mod catalogue;
mod exchange;
mod feed;
mod fixtures;
mod sharing;
mod support_sharing;
