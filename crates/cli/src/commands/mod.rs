//! One module per command.

pub mod apply;
pub mod delete;
pub mod describe;
pub mod down;
pub mod events;
pub mod get;
pub mod logs;
pub mod schema;
pub mod server;
pub mod up;
pub mod wait;
