//! Rules for `Application` objects, apart from ports and health checks.

use std::collections::BTreeSet;

use super::Violations;
use super::health::check_health_checks;
use super::image::check_image_reference;
use super::metadata::check_metadata;
use super::names::{check_env_name, check_name};
use super::ports::check_ports;
use crate::{
    Application, ApplicationSpec, Cpu, Duration, EnvVar, FieldPath, Instances, Kind, Memory,
    Resources, RestartBackoff,
};

/// Graded protection levels, 1 (lowest) to 5 (highest).
const SECURITY_LEVELS: std::ops::RangeInclusive<u8> = 1..=5;

/// Most instances one application may ask for.
pub(super) const INSTANCES_MAX: u32 = 1000;

/// Smallest CPU limit: one millicore.
const CPU_MIN: Cpu = Cpu { millicores: 1 };

/// Largest CPU limit: 256 cores.
const CPU_MAX: Cpu = Cpu {
    millicores: 256_000,
};

/// Smallest memory limit: 6 MiB, the minimum that the Docker daemon also enforces
/// (moby's `linuxMinMemory`) to leave room for the container's start-up.
const MEMORY_MIN: Memory = Memory { bytes: 6 << 20 };

/// Largest memory limit: 4 TiB.
const MEMORY_MAX: Memory = Memory { bytes: 4 << 40 };

/// Maximum stop grace period.
const STOP_GRACE_PERIOD_MAX: Duration = Duration::from_secs(3600);

pub(super) fn check_application(application: &Application, violations: &mut Violations) {
    check_metadata(Kind::Application, &application.metadata, violations);

    let spec = &application.spec;
    let path = FieldPath::root().key("spec");
    check_identity(spec, &path, violations);
    violations.check(path.key("image"), check_image_reference(&spec.image));
    check_process(spec, &path, violations);
    check_ports(&spec.ports, &path.key("ports"), violations);
    check_resources(&spec.resources, &path.key("resources"), violations);
    check_instances(&spec.instances, &path.key("instances"), violations);
    check_health_checks(spec, &path.key("healthChecks"), violations);
    check_restart_backoff(
        &spec.restart_backoff,
        &path.key("restartBackoff"),
        violations,
    );
    check_stop_grace_period(
        spec.stop_grace_period,
        &path.key("stopGracePeriod"),
        violations,
    );
}

/// Checks who owns the application and where it may run.
fn check_identity(spec: &ApplicationSpec, path: &FieldPath, violations: &mut Violations) {
    if spec.owner.trim().is_empty() {
        violations.add(
            path.key("owner"),
            "empty owner: name the accountable team or person",
        );
    }
    if spec.contact.trim().is_empty() {
        violations.add(
            path.key("contact"),
            "empty contact: give an e-mail address, a phone number or an on-call alias",
        );
    }
    if !SECURITY_LEVELS.contains(&spec.security_level) {
        violations.add(
            path.key("securityLevel"),
            format!(
                "invalid security level {}: expected 1 to 5",
                spec.security_level
            ),
        );
    }
    violations.check(
        path.key("networkZone"),
        check_name("network zone", &spec.network_zone),
    );
}

/// Checks the overrides of the image's entrypoint, arguments, environment and directory.
fn check_process(spec: &ApplicationSpec, path: &FieldPath, violations: &mut Violations) {
    if let Some(command) = &spec.command {
        if command.is_empty() {
            violations.add(
                path.key("command"),
                "empty command: give the program to run, or remove command to keep the image's entrypoint",
            );
        }
        check_no_empty_entries(command, &path.key("command"), violations);
    }
    if let Some(args) = &spec.args {
        check_no_empty_entries(args, &path.key("args"), violations);
    }
    check_env(&spec.env, &path.key("env"), violations);
    if let Some(working_dir) = &spec.working_dir
        && !working_dir.starts_with('/')
    {
        violations.add(
            path.key("workingDir"),
            format!("invalid working directory {working_dir:?}: expected an absolute path starting with '/'"),
        );
    }
}

/// Checks that no entry of a command line is empty.
pub(super) fn check_no_empty_entries(
    entries: &[String],
    path: &FieldPath,
    violations: &mut Violations,
) {
    for (index, entry) in entries.iter().enumerate() {
        if entry.is_empty() {
            violations.add(path.index(index), "empty entry: remove it or give a value");
        }
    }
}

fn check_env(env: &[EnvVar], path: &FieldPath, violations: &mut Violations) {
    let mut seen = BTreeSet::new();
    for (index, variable) in env.iter().enumerate() {
        let name_path = path.index(index).key("name");
        if let Err(message) = check_env_name(&variable.name) {
            violations.add(name_path, message);
        } else if !seen.insert(variable.name.as_str()) {
            violations.add(
                name_path,
                format!(
                    "duplicate environment variable {:?}: set each name once",
                    variable.name
                ),
            );
        }
    }
}

fn check_resources(resources: &Resources, path: &FieldPath, violations: &mut Violations) {
    if let Some(cpu) = resources.cpu
        && !(CPU_MIN..=CPU_MAX).contains(&cpu)
    {
        violations.add(
            path.key("cpu"),
            format!("invalid CPU {cpu}: expected at least {CPU_MIN} and at most {CPU_MAX} cores"),
        );
    }
    if let Some(memory) = resources.memory
        && !(MEMORY_MIN..=MEMORY_MAX).contains(&memory)
    {
        violations.add(
            path.key("memory"),
            format!(
                "invalid memory {memory}: expected at least {MEMORY_MIN} and at most {MEMORY_MAX}"
            ),
        );
    }
    if resources.pids == Some(0) {
        violations.add(
            path.key("pids"),
            "invalid pids limit 0: expected at least 1",
        );
    }
}

fn check_instances(instances: &Instances, path: &FieldPath, violations: &mut Violations) {
    let Instances { desired, min, max } = *instances;
    if desired > INSTANCES_MAX {
        violations.add(
            path.key("desired"),
            format!(
                "too many instances: desired is {desired}, at most {INSTANCES_MAX} are allowed"
            ),
        );
    }
    if min > desired {
        violations.add(
            path.key("min"),
            format!("min {min} is greater than desired {desired}: set min to at most desired"),
        );
    }
    let Some(max) = max else {
        return;
    };
    if max > INSTANCES_MAX {
        violations.add(
            path.key("max"),
            format!("too many instances: max is {max}, at most {INSTANCES_MAX} are allowed"),
        );
    }
    if desired > max {
        violations.add(
            path.key("desired"),
            format!("desired {desired} is greater than max {max}: raise max or lower desired"),
        );
    }
}

fn check_restart_backoff(backoff: &RestartBackoff, path: &FieldPath, violations: &mut Violations) {
    if backoff.initial == Duration::zero() {
        violations.add(
            path.key("initial"),
            "invalid initial delay 0s: expected more than 0s",
        );
    }
    if backoff.initial > backoff.max {
        violations.add(
            path.key("initial"),
            format!(
                "initial delay {} is longer than max {}: set initial to at most max",
                backoff.initial, backoff.max
            ),
        );
    }
}

fn check_stop_grace_period(period: Duration, path: &FieldPath, violations: &mut Violations) {
    if period > STOP_GRACE_PERIOD_MAX {
        violations.add(
            path.clone(),
            format!(
                "stop grace period {period} is too long: expected at most {STOP_GRACE_PERIOD_MAX}"
            ),
        );
    }
}
