//! Rules for `spec.healthChecks`.

use super::Violations;
use super::application::check_no_empty_entries;
use super::names::{check_header_name, check_header_value};
use crate::{
    ApplicationSpec, Duration, FieldPath, HealthCheck, HttpCheck, Port, PortRef, Protocol,
};

pub(super) fn check_health_checks(
    spec: &ApplicationSpec,
    path: &FieldPath,
    violations: &mut Violations,
) {
    let checks = &spec.health_checks;
    if let Some(liveness) = &checks.liveness {
        check_health_check(liveness, &spec.ports, &path.key("liveness"), violations);
    }
    if let Some(readiness) = &checks.readiness {
        check_health_check(readiness, &spec.ports, &path.key("readiness"), violations);
    }
}

fn check_health_check(
    check: &HealthCheck,
    ports: &[Port],
    path: &FieldPath,
    violations: &mut Violations,
) {
    check_one_probe(check, path, violations);
    if let Some(http) = &check.http {
        check_http(http, ports, &path.key("http"), violations);
    }
    if let Some(tcp) = &check.tcp {
        check_port_ref(&tcp.port, ports, &path.key("tcp").key("port"), violations);
    }
    if let Some(exec) = &check.exec {
        let command_path = path.key("exec").key("command");
        if exec.command.is_empty() {
            violations.add(
                command_path.clone(),
                "empty command: give the program to run",
            );
        }
        check_no_empty_entries(&exec.command, &command_path, violations);
    }
    check_timing(check, path, violations);
}

/// Checks that exactly one of `http`, `tcp` and `exec` is given.
fn check_one_probe(check: &HealthCheck, path: &FieldPath, violations: &mut Violations) {
    let probes: Vec<&str> = [
        ("http", check.http.is_some()),
        ("tcp", check.tcp.is_some()),
        ("exec", check.exec.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, present)| present.then_some(name))
    .collect();
    if probes.len() == 1 {
        return;
    }
    let found = if probes.is_empty() {
        "none".to_owned()
    } else {
        probes.join(" and ")
    };
    violations.add(
        path.clone(),
        format!("a health check needs exactly one of http, tcp and exec, found {found}"),
    );
}

fn check_http(http: &HttpCheck, ports: &[Port], path: &FieldPath, violations: &mut Violations) {
    let path_valid = http.path.starts_with('/')
        && !http
            .path
            .chars()
            .any(|c| c.is_whitespace() || c.is_control());
    if !path_valid {
        violations.add(
            path.key("path"),
            format!(
                "invalid HTTP path {:?}: expected a path starting with '/' and without spaces",
                http.path
            ),
        );
    }
    check_port_ref(&http.port, ports, &path.key("port"), violations);
    for (name, value) in &http.headers {
        let header_path = path.key("headers").key(name);
        let name_result = check_header_name(name);
        let name_valid = name_result.is_ok();
        violations.check(header_path.clone(), name_result);
        if name_valid {
            violations.check(header_path, check_header_value(value));
        }
    }
}

/// Checks a port given by number or by the name of a TCP port in `spec.ports`.
fn check_port_ref(port: &PortRef, ports: &[Port], path: &FieldPath, violations: &mut Violations) {
    match port {
        PortRef::Number(0) => violations.add(
            path.clone(),
            "invalid port 0: expected 1 to 65535 or the name of a port in spec.ports",
        ),
        PortRef::Number(_) => {}
        PortRef::Name(name) => match ports.iter().find(|declared| &declared.name == name) {
            None => violations.add(
                path.clone(),
                format!("port {name:?} is not in spec.ports: declare it there or give a number"),
            ),
            Some(declared) if declared.protocol != Protocol::Tcp => violations.add(
                path.clone(),
                format!(
                    "port {name:?} is {}: health checks connect over TCP",
                    declared.protocol.as_str()
                ),
            ),
            Some(_) => {}
        },
    }
}

fn check_timing(check: &HealthCheck, path: &FieldPath, violations: &mut Violations) {
    for (field, value) in [("period", check.period), ("timeout", check.timeout)] {
        if value == Duration::zero() {
            violations.add(
                path.key(field),
                format!("invalid {field} 0s: expected more than 0s"),
            );
        }
    }
    let thresholds = [
        ("failureThreshold", check.failure_threshold),
        ("successThreshold", check.success_threshold),
    ];
    for (field, value) in thresholds {
        if value == 0 {
            violations.add(
                path.key(field),
                format!("invalid {field} 0: expected at least 1"),
            );
        }
    }
}
