//! The bank's application model, `apiVersion: strongroom/v1`.
//!
//! Manifests are YAML files with one or more documents. Each document is one
//! object of a known kind ([`Tenant`], [`Application`]). The v1 format is
//! frozen: a manifest accepted once is accepted, and means the same, in every
//! later release.

mod application;
mod meta;
mod quantity;
mod duration;
mod status;
mod tenant;

pub use application::*;
pub use duration::Duration;
pub use meta::*;
pub use quantity::{Cpu, Memory};
pub use status::*;
pub use tenant::*;

/// The only API version this release reads and writes.
pub const API_VERSION: &str = "strongroom/v1";
