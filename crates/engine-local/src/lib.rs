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
//!
//! # Log files
//!
//! ```text
//! LOG_DIR/TENANT/APP/INSTANCE.log        current file of one instance
//! LOG_DIR/TENANT/APP/INSTANCE.log.N      rotated files, 1 the newest
//! LOG_DIR/_removed/TENANT/APP-<time>/    logs of a removed application
//! ```
//!
//! A supervisor checks every second whether `INSTANCE.log` reached
//! `log_max_bytes` and has it rotated. Rotation renames each `.N` to `.N+1`
//! over the oldest, so at most `log_max_files` rotated files (at least 1)
//! are kept. NOTE: files numbered above a `log_max_files` that was lowered
//! since they were written stay until the application is removed.
//!
//! `remove` renames the application's directory under `_removed/`, with the
//! UTC time of removal such as `20261204T172100Z` and a `-N` suffix if that
//! name exists, so that a new application of the same name starts without
//! the old lines. `_removed` cannot collide with a tenant, because tenant
//! names are DNS labels, which the model's validation enforces and which
//! have no `_`. `purge` deletes `LOG_DIR` with everything in it.

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
