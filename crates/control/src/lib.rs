//! Control plane: object service and the reconcile loop that drives an engine.
//!
//! [`Platform`] is what the API server calls: it validates requests, keeps
//! desired state in the store and hands out objects as wire types. The
//! reconcile loop ([`Platform::run_reconciler`]) runs beside it and drives the
//! engine until what runs matches what is stored, and the event recorder
//! ([`Platform::run_event_recorder`]) stores what the engine reports.
//!
//! # Request path
//!
//! [`Platform::apply`] writes a whole batch in one store transaction, after
//! checking that every application's tenant exists and giving each new tenant
//! a subnet and a bridge name. [`Platform::delete`] only marks an object as
//! deleting. Both wake the reconciler, which does the work on the engine.
//!
//! # Reconcile loop
//!
//! Each pass reads every object from the store and, for each application,
//! calls [`Engine::sync`](strongroom_engine::Engine::sync) with the whole
//! desired state, or [`Engine::remove`](strongroom_engine::Engine::remove)
//! when deletion was requested and then deletes the row. It then removes every
//! application the engine runs but the store does not know, and finally the
//! networks of deleting tenants. Passes run when a request changes something
//! and at least once per [`PlatformConfig::resync_interval`].
//!
//! # Why a crash at any moment converges
//!
//! The store is the only source of truth, and every engine call is idempotent
//! and carries the whole desired state of one application. The reconciler
//! keeps nothing essential in memory between passes: the one thing it
//! remembers, which error messages it already reported, only decides whether
//! to log and record an event again. So a control plane killed at any point
//! and started again runs the same pass on the same stored state:
//!
//! - Killed during `apply` or `delete`: the store transaction did not commit,
//!   so nothing of the request is stored, and the client saw no success.
//! - Killed after storing but before or during `sync`: the next pass calls
//!   `sync` again with the same deployment. The engine converges from
//!   whatever it had done, so it starts no instance twice.
//! - Killed between `engine.remove` and deleting the row: the row is still
//!   marked deleting, so the next pass calls `remove` again, which succeeds
//!   on an application that is already gone, and then deletes the row.
//! - Killed after an application's row was deleted while the engine still ran
//!   it (for example a store restored from an older backup): the engine lists
//!   the application and the orphan sweep removes it.
//!
//! This relies on the engine keeping the contract of
//! [`Engine`](strongroom_engine::Engine): `sync` converges to the desired
//! count, so calling it again never duplicates an instance, and `remove`
//! succeeds on what is already gone. Given that, no instance is duplicated,
//! none is lost (a live row keeps being synced) and none is orphaned (the
//! sweep removes what no row describes).

mod apply;
mod capacity;
mod config;
mod convert;
mod delete;
mod error;
mod event_recorder;
mod network;
mod platform;
mod reconcile;
mod request;

pub use config::{ConfigError, PlatformConfig};
pub use error::ServiceError;
pub use platform::Platform;
pub use reconcile::PassSummary;
pub use request::{ApplyAction, ApplyItem, EventFilter, Identity};
