//! Rules for `spec.ports`.

use std::collections::HashSet;

use super::Violations;
use super::names::check_port_name;
use crate::{FieldPath, Port};

pub(super) fn check_ports(ports: &[Port], path: &FieldPath, violations: &mut Violations) {
    let mut names = HashSet::new();
    let mut numbers = HashSet::new();
    let mut host_ports = HashSet::new();
    for (index, port) in ports.iter().enumerate() {
        let item = path.index(index);
        if let Err(message) = check_port_name(&port.name) {
            violations.add(item.key("name"), message);
        } else if !names.insert(port.name.as_str()) {
            violations.add(
                item.key("name"),
                format!(
                    "duplicate port name {:?}: give each port its own name",
                    port.name
                ),
            );
        }

        check_number(
            "port",
            port.port,
            (port.protocol, port.port),
            &mut numbers,
            &item.key("port"),
            violations,
        );
        if let Some(host_port) = port.host_port {
            let key = (port.protocol, host_port);
            check_number(
                "host port",
                host_port,
                key,
                &mut host_ports,
                &item.key("hostPort"),
                violations,
            );
        }
    }
}

/// Checks that a port number is in range and not yet taken for its protocol.
fn check_number(
    field_label: &str,
    number: u16,
    key: (crate::Protocol, u16),
    used_numbers: &mut HashSet<(crate::Protocol, u16)>,
    path: &FieldPath,
    violations: &mut Violations,
) {
    if number == 0 {
        violations.add(
            path.clone(),
            format!("invalid {field_label} 0: expected 1 to 65535"),
        );
    } else if !used_numbers.insert(key) {
        let protocol = key.0.as_str();
        violations.add(
            path.clone(),
            format!("duplicate {field_label} {number}/{protocol}: use each {protocol} {field_label} once"),
        );
    }
}
