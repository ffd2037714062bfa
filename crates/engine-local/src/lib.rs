//! Local engine: real containers on this host with an OCI runtime, conmon and CNI.
//!
//! - [`runtime`] prepares bundles (OCI runtime spec, overlayfs root
//!   filesystem) and runs containers with runc or crun under conmon, so that
//!   containers outlive the control plane.
//! - [`network`] gives each container a network namespace and an address on
//!   its tenant's bridge with the CNI plugins.
//! - [`LocalEngine`] implements [`strongroom_engine::Engine`]: it supervises
//!   each instance (health checks, restarts with backoff, graceful stop) and
//!   adopts running containers again after a control-plane restart. One
//!   supervisor task per instance ordinal keeps its container running and
//!   reports its state; `sync` only updates what they work toward.
//! - [`naming`] maps instances to container ids (`sr.TENANT.APP.N`) and to
//!   the labels from which a restarted engine rebuilds its table.
//! - Instance output is read from conmon's CRI log files with
//!   [`strongroom_engine::Engine::read_logs`].

mod app;
mod backoff;
mod config;
mod engine;
mod events;
mod host;
mod instance;
mod logs;
pub mod naming;
pub mod network;
mod probe;
mod process;
pub mod runtime;
mod supervisor;
mod template;
#[cfg(test)]
mod testing;

pub use config::{
    DEFAULT_CNI_BIN_DIR, DEFAULT_CONMON, DEFAULT_CRUN, DEFAULT_LOG_MAX_BYTES,
    DEFAULT_LOG_MAX_FILES, DEFAULT_RUNC, EngineStartError, LocalEngineConfig,
};
pub use engine::LocalEngine;
pub use host::ImageSource;
