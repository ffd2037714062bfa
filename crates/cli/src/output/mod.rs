//! Output of objects and events: tables, JSON and YAML.

mod age;
mod describe;
mod objects;
mod table;

pub use age::{age, format_age};
pub use describe::describe;
pub use objects::{
    application_status, events_table, instances_table, object_reference, reference, render,
    render_events,
};
pub use table::{Fields, Table};

#[cfg(test)]
mod tests;
