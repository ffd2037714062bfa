//! Local engine: real containers on this host with an OCI runtime, conmon and CNI.
//!
//! - [`runtime`] prepares bundles (OCI runtime spec, overlayfs root
//!   filesystem) and runs containers with runc or crun under conmon, so that
//!   containers outlive the control plane.
//! - [`network`] gives each container a network namespace and an address on
//!   its tenant's bridge with the CNI plugins.
//! - [`LocalEngine`] implements [`strongroom_engine::Engine`]: it supervises
//!   each instance (health checks, restarts with backoff, graceful stop) and
//!   adopts running containers again after a control-plane restart.

pub mod network;
pub mod runtime;
