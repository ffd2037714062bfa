//! Semantic rules of the v1 model: the limits that the types alone cannot express.
//!
//! [`validate`] works on objects from any source (a manifest file, an API
//! request body), so its findings carry field paths but no text positions.
//! [`crate::parse_manifests`] adds the line and column of each path.

mod application;
mod health;
mod image;
mod metadata;
mod names;
mod ports;
mod tenant;

#[cfg(test)]
mod tests;

use std::fmt;

use crate::{API_VERSION, FieldPath, Object};

pub use names::NAME_MAX_LENGTH;

/// One broken rule: where and what is allowed instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Field at fault, for example `spec.instances.min`.
    pub path: FieldPath,
    /// Description of the fault and of the allowed values, for example
    /// `min 4 is greater than desired 3: set min to at most desired`.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Checks every semantic rule of an object and returns each broken one, in field order.
pub fn validate(object: &Object) -> Vec<Violation> {
    let mut violations = Violations::default();
    let root = FieldPath::root();
    match object {
        Object::Tenant(tenant) => {
            check_api_version(&tenant.api_version, &root, &mut violations);
            tenant::check_tenant(tenant, &mut violations);
        }
        Object::Application(application) => {
            check_api_version(&application.api_version, &root, &mut violations);
            application::check_application(application, &mut violations);
        }
    }
    violations.0
}

/// The findings of one object, in the order the checks ran.
#[derive(Default)]
struct Violations(Vec<Violation>);

impl Violations {
    fn add(&mut self, path: FieldPath, message: impl Into<String>) {
        self.0.push(Violation {
            path,
            message: message.into(),
        });
    }

    /// Records `result`'s message at `path` when it is an error.
    fn check(&mut self, path: FieldPath, result: Result<(), String>) {
        if let Err(message) = result {
            self.add(path, message);
        }
    }
}

fn check_api_version(api_version: &str, root: &FieldPath, violations: &mut Violations) {
    if api_version != API_VERSION {
        violations.add(
            root.key("apiVersion"),
            format!("unsupported apiVersion {api_version:?}: expected {API_VERSION}"),
        );
    }
}
