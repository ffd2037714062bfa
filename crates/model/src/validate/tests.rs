use std::collections::BTreeMap;

use super::validate;
use crate::{
    API_VERSION, Application, ApplicationSpec, Cpu, Duration, EnvVar, ExecCheck, FieldPath,
    HealthCheck, HealthChecks, HttpCheck, Instances, Memory, Object, ObjectMeta, Port, PortRef,
    Protocol, Resources, RestartBackoff, TcpCheck, Tenant, TenantNetwork, TenantSpec,
};

fn metadata(name: &str, tenant: Option<&str>) -> ObjectMeta {
    ObjectMeta {
        name: name.to_owned(),
        tenant: tenant.map(str::to_owned),
        labels: BTreeMap::new(),
        annotations: BTreeMap::new(),
    }
}

fn health_check() -> HealthCheck {
    HealthCheck {
        http: None,
        tcp: Some(TcpCheck {
            port: PortRef::Name("http".to_owned()),
        }),
        exec: None,
        initial_delay: Duration::zero(),
        period: Duration::from_secs(2),
        timeout: Duration::from_secs(1),
        failure_threshold: 3,
        success_threshold: 1,
    }
}

fn http_check(path: &str) -> HttpCheck {
    HttpCheck {
        path: path.to_owned(),
        port: PortRef::Name("http".to_owned()),
        headers: BTreeMap::new(),
    }
}

fn port(name: &str, number: u16, protocol: Protocol) -> Port {
    Port {
        name: name.to_owned(),
        port: number,
        protocol,
        host_port: None,
    }
}

/// Returns a valid application like `examples/web.yaml`, for the tests to break one field at a time.
fn application() -> Application {
    let readiness = HealthCheck {
        http: Some(http_check("/")),
        tcp: None,
        ..health_check()
    };
    Application {
        api_version: API_VERSION.to_owned(),
        metadata: metadata("web", Some("retail")),
        spec: ApplicationSpec {
            owner: "retail-web-team".to_owned(),
            contact: "retail-web-oncall@bank.example".to_owned(),
            security_level: 3,
            network_zone: "business".to_owned(),
            image: "127.0.0.1:5000/samples/httpd:1.0".to_owned(),
            command: None,
            args: None,
            env: Vec::new(),
            working_dir: None,
            ports: vec![port("http", 8080, Protocol::Tcp)],
            resources: Resources {
                cpu: Some(Cpu { millicores: 250 }),
                memory: Some(Memory { bytes: 64 << 20 }),
                pids: None,
            },
            instances: Instances {
                desired: 3,
                min: 2,
                max: Some(5),
            },
            health_checks: HealthChecks {
                liveness: Some(health_check()),
                readiness: Some(readiness),
            },
            restart_backoff: RestartBackoff::default(),
            stop_grace_period: Duration::from_secs(5),
        },
    }
}

fn tenant() -> Tenant {
    Tenant {
        api_version: API_VERSION.to_owned(),
        metadata: metadata("retail", None),
        spec: TenantSpec::default(),
    }
}

/// Returns the paths of the violations after `change` is applied to a valid application.
fn application_paths(change: impl FnOnce(&mut Application)) -> Vec<String> {
    let mut object = application();
    change(&mut object);
    paths(&Object::Application(object))
}

fn tenant_paths(change: impl FnOnce(&mut Tenant)) -> Vec<String> {
    let mut object = tenant();
    change(&mut object);
    paths(&Object::Tenant(object))
}

fn paths(object: &Object) -> Vec<String> {
    validate(object)
        .iter()
        .map(|violation| violation.path.to_string())
        .collect()
}

fn none() -> Vec<String> {
    Vec::new()
}

#[test]
fn sample_objects_are_valid() {
    assert_eq!(application_paths(|_| {}), none());
    assert_eq!(tenant_paths(|_| {}), none());
}

#[test]
fn api_version_must_be_v1() {
    assert_eq!(
        application_paths(|a| a.api_version = "strongroom/v2".to_owned()),
        ["apiVersion"]
    );
    assert_eq!(
        tenant_paths(|t| t.api_version = "v1".to_owned()),
        ["apiVersion"]
    );
}

#[test]
fn object_name_rules() {
    let forty = "a".repeat(40);
    for valid in ["web", "payments-gateway-2", "a", forty.as_str()] {
        assert_eq!(
            application_paths(|a| a.metadata.name = valid.to_owned()),
            none(),
            "{valid}"
        );
    }
    let forty_one = "a".repeat(41);
    for invalid in [
        "",
        "Web",
        "1web",
        "-web",
        "web-",
        "web_1",
        "web.1",
        forty_one.as_str(),
    ] {
        let name = invalid.to_owned();
        assert_eq!(
            application_paths(|a| a.metadata.name = name),
            ["metadata.name"],
            "{invalid:?}"
        );
    }
}

#[test]
fn tenant_name_rules() {
    assert_eq!(
        tenant_paths(|t| t.metadata.name = "corporate-2".to_owned()),
        none()
    );
    assert_eq!(
        tenant_paths(|t| t.metadata.name = "Retail".to_owned()),
        ["metadata.name"]
    );
}

#[test]
fn application_needs_valid_tenant() {
    assert_eq!(
        application_paths(|a| a.metadata.tenant = None),
        ["metadata.tenant"]
    );
    assert_eq!(
        application_paths(|a| a.metadata.tenant = Some("Retail Bank".to_owned())),
        ["metadata.tenant"]
    );
    assert_eq!(
        application_paths(|a| a.metadata.tenant = Some("corporate".to_owned())),
        none()
    );
}

#[test]
fn tenant_must_not_name_tenant() {
    assert_eq!(
        tenant_paths(|t| t.metadata.tenant = Some("retail".to_owned())),
        ["metadata.tenant"]
    );
}

#[test]
fn label_keys_and_values() {
    let valid = [
        ("tier", "frontend"),
        ("app.bank.example/cost-centre", "CC_4711.a"),
        ("empty", ""),
    ];
    assert_eq!(
        application_paths(|a| {
            a.metadata.labels = valid
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        }),
        none()
    );

    let invalid_keys = [
        "-tier",
        "Bank.Example/tier",
        "a/b/c",
        "/tier",
        "app.bank.example/",
        "tier-",
    ];
    for key in invalid_keys {
        let labels = BTreeMap::from([(key.to_owned(), "x".to_owned())]);
        let expected = FieldPath::root()
            .key("metadata")
            .key("labels")
            .key(key)
            .to_string();
        assert_eq!(
            application_paths(|a| a.metadata.labels = labels),
            [expected],
            "{key}"
        );
    }

    let long_value = "v".repeat(64);
    for value in ["has space", "-x", "x.", long_value.as_str()] {
        let labels = BTreeMap::from([("tier".to_owned(), value.to_owned())]);
        assert_eq!(
            application_paths(|a| a.metadata.labels = labels),
            ["metadata.labels.tier"],
            "{value}"
        );
    }
}

#[test]
fn annotation_keys_checked_values_free() {
    let annotations = BTreeMap::from([(
        "bank.example/change".to_owned(),
        "CHG-1 : any text\n".to_owned(),
    )]);
    assert_eq!(
        tenant_paths(|t| t.metadata.annotations = annotations),
        none()
    );

    let annotations = BTreeMap::from([("bad key".to_owned(), String::new())]);
    assert_eq!(
        tenant_paths(|t| t.metadata.annotations = annotations),
        ["metadata.annotations[\"bad key\"]"]
    );
}

#[test]
fn owner_and_contact_not_empty() {
    assert_eq!(
        application_paths(|a| a.spec.owner = " ".to_owned()),
        ["spec.owner"]
    );
    assert_eq!(
        application_paths(|a| a.spec.contact = String::new()),
        ["spec.contact"]
    );
}

#[test]
fn security_level_one_to_five() {
    for valid in [1, 5] {
        assert_eq!(
            application_paths(|a| a.spec.security_level = valid),
            none(),
            "{valid}"
        );
    }
    for invalid in [0, 6] {
        assert_eq!(
            application_paths(|a| a.spec.security_level = invalid),
            ["spec.securityLevel"]
        );
    }
}

#[test]
fn network_zone_lowercase_name() {
    assert_eq!(
        application_paths(|a| a.spec.network_zone = "dmz".to_owned()),
        none()
    );
    assert_eq!(
        application_paths(|a| a.spec.network_zone = "DMZ".to_owned()),
        ["spec.networkZone"]
    );
}

#[test]
fn image_references_accepted() {
    let digest = format!("sha256:{}", "0123456789abcdef".repeat(4));
    let with_digest = format!("registry.bank.example/payments/gateway@{digest}");
    let with_tag_and_digest = format!("registry.bank.example:443/payments/gateway:2.4.1@{digest}");
    let valid = [
        "127.0.0.1:5000/samples/httpd:1.0",
        "localhost/app",
        "localhost:5000/team/app",
        "registry.bank.example/core-banking/adapter_v2/api:2024.06-rc.1",
        "reg-1.bank.example/a.b/c__d/e---f:_latest",
        "[::1]:5000/samples/httpd:1.0",
        with_digest.as_str(),
        with_tag_and_digest.as_str(),
    ];
    for image in valid {
        assert_eq!(
            application_paths(|a| a.spec.image = image.to_owned()),
            none(),
            "{image}"
        );
    }
}

#[test]
fn image_references_rejected() {
    let long_path = format!("registry.bank.example/{}", "a".repeat(255));
    let long_tag = format!("registry.bank.example/app:{}", "t".repeat(129));
    let invalid = [
        "",
        "httpd",
        "httpd:1.0",
        "samples/httpd:1.0",
        "127.0.0.1:5000",
        "127.0.0.1:5000/",
        "127.0.0.1:0/samples/httpd",
        "127.0.0.1:99999/samples/httpd",
        "-registry.example/app",
        "registry.example/Samples/httpd",
        "registry.example/samples//httpd",
        "registry.example/samples/httpd-",
        "registry.example/samples/ht..tpd",
        "registry.example/samples/httpd:",
        "registry.example/samples/httpd:-1",
        "registry.example/samples/httpd:1.0:2",
        "registry.example/samples/httpd@sha256:abc",
        "registry.example/samples/httpd@md5:0123456789abcdef0123456789abcdef",
        "[::1/samples/httpd",
        "[::ffff:127.0.0.1]:5000/samples/httpd",
        "[fe80::1%eth0]:5000/samples/httpd",
        long_path.as_str(),
        long_tag.as_str(),
    ];
    for image in invalid {
        assert_eq!(
            application_paths(|a| a.spec.image = image.to_owned()),
            ["spec.image"],
            "{image:?}"
        );
    }
}

#[test]
fn command_present_needs_entries() {
    assert_eq!(
        application_paths(|a| a.spec.command = Some(vec!["/bin/app".to_owned()])),
        none()
    );
    assert_eq!(
        application_paths(|a| a.spec.command = Some(Vec::new())),
        ["spec.command"]
    );
    assert_eq!(
        application_paths(|a| a.spec.command = Some(vec!["/bin/app".to_owned(), String::new()])),
        ["spec.command[1]"]
    );
}

#[test]
fn args_entries_not_empty() {
    assert_eq!(
        application_paths(|a| a.spec.args = Some(Vec::new())),
        none()
    );
    assert_eq!(
        application_paths(|a| a.spec.args = Some(vec![String::new()])),
        ["spec.args[0]"]
    );
}

#[test]
fn env_names_valid_and_unique() {
    let variable = |name: &str| EnvVar {
        name: name.to_owned(),
        value: String::new(),
    };
    assert_eq!(
        application_paths(|a| a.spec.env = vec![variable("JAVA_OPTS"), variable("_x1")]),
        none()
    );
    for invalid in ["", "1X", "A-B", "A B"] {
        assert_eq!(
            application_paths(|a| a.spec.env = vec![variable(invalid)]),
            ["spec.env[0].name"],
            "{invalid}"
        );
    }
    assert_eq!(
        application_paths(|a| a.spec.env = vec![variable("TZ"), variable("LANG"), variable("TZ")]),
        ["spec.env[2].name"]
    );
}

#[test]
fn working_dir_absolute() {
    assert_eq!(
        application_paths(|a| a.spec.working_dir = Some("/srv/app".to_owned())),
        none()
    );
    assert_eq!(
        application_paths(|a| a.spec.working_dir = Some("srv/app".to_owned())),
        ["spec.workingDir"]
    );
}

#[test]
fn port_names_valid_and_unique() {
    for valid in ["h", "grpc-admin", "http2", "abcdefghijklmno"] {
        let ports = vec![
            port("http", 8080, Protocol::Tcp),
            port(valid, 9000, Protocol::Tcp),
        ];
        assert_eq!(
            application_paths(|a| a.spec.ports = ports),
            none(),
            "{valid}"
        );
    }
    for invalid in [
        "",
        "HTTP",
        "8080",
        "-http",
        "http-",
        "grpc--admin",
        "abcdefghijklmnop",
    ] {
        let ports = vec![
            port("http", 8080, Protocol::Tcp),
            port(invalid, 9000, Protocol::Tcp),
        ];
        assert_eq!(
            application_paths(|a| a.spec.ports = ports),
            ["spec.ports[1].name"],
            "{invalid:?}"
        );
    }
    let ports = vec![
        port("http", 8080, Protocol::Tcp),
        port("http", 9000, Protocol::Tcp),
    ];
    assert_eq!(
        application_paths(|a| a.spec.ports = ports),
        ["spec.ports[1].name"]
    );
}

#[test]
fn port_numbers_unique_per_protocol() {
    let ports = vec![
        port("http", 8080, Protocol::Tcp),
        port("quic", 8080, Protocol::Udp),
    ];
    assert_eq!(application_paths(|a| a.spec.ports = ports), none());

    let ports = vec![
        port("http", 8080, Protocol::Tcp),
        port("admin", 8080, Protocol::Tcp),
    ];
    assert_eq!(
        application_paths(|a| a.spec.ports = ports),
        ["spec.ports[1].port"]
    );

    let ports = vec![
        port("http", 8080, Protocol::Tcp),
        port("admin", 0, Protocol::Tcp),
    ];
    assert_eq!(
        application_paths(|a| a.spec.ports = ports),
        ["spec.ports[1].port"]
    );
}

#[test]
fn host_ports_in_range_and_unique() {
    let with_host_port = |name: &str, number: u16, host_port: u16| Port {
        host_port: Some(host_port),
        ..port(name, number, Protocol::Tcp)
    };
    let ports = vec![
        with_host_port("http", 8080, 18080),
        with_host_port("admin", 9000, 65535),
    ];
    assert_eq!(application_paths(|a| a.spec.ports = ports), none());

    let ports = vec![with_host_port("http", 8080, 0)];
    assert_eq!(
        application_paths(|a| a.spec.ports = ports),
        ["spec.ports[0].hostPort"]
    );

    let ports = vec![
        with_host_port("http", 8080, 18080),
        with_host_port("admin", 9000, 18080),
    ];
    assert_eq!(
        application_paths(|a| a.spec.ports = ports),
        ["spec.ports[1].hostPort"]
    );
}

#[test]
fn cpu_from_one_millicore_to_256_cores() {
    for valid in [1, 256_000] {
        assert_eq!(
            application_paths(|a| a.spec.resources.cpu = Some(Cpu { millicores: valid })),
            none()
        );
    }
    for invalid in [0, 256_001] {
        let cpu = Some(Cpu {
            millicores: invalid,
        });
        assert_eq!(
            application_paths(|a| a.spec.resources.cpu = cpu),
            ["spec.resources.cpu"],
            "{invalid}"
        );
    }
}

#[test]
fn memory_from_6_mebibytes_to_4_tebibytes() {
    for valid in [6 << 20, 4 << 40] {
        assert_eq!(
            application_paths(|a| a.spec.resources.memory = Some(Memory { bytes: valid })),
            none()
        );
    }
    for invalid in [0, (6 << 20) - 1, (4 << 40) + 1] {
        let memory = Some(Memory { bytes: invalid });
        assert_eq!(
            application_paths(|a| a.spec.resources.memory = memory),
            ["spec.resources.memory"]
        );
    }
}

#[test]
fn pids_at_least_one() {
    assert_eq!(
        application_paths(|a| a.spec.resources.pids = Some(1)),
        none()
    );
    assert_eq!(
        application_paths(|a| a.spec.resources.pids = Some(0)),
        ["spec.resources.pids"]
    );
}

#[test]
fn instances_desired_at_most_1000() {
    let instances = |desired, min, max| Instances { desired, min, max };
    assert_eq!(
        application_paths(|a| a.spec.instances = instances(1000, 1, None)),
        none()
    );
    assert_eq!(
        application_paths(|a| a.spec.instances = instances(0, 0, None)),
        none()
    );
    assert_eq!(
        application_paths(|a| a.spec.instances = instances(1001, 1, None)),
        ["spec.instances.desired"]
    );
}

#[test]
fn instances_min_at_most_desired() {
    let instances = |desired, min| Instances {
        desired,
        min,
        max: None,
    };
    assert_eq!(
        application_paths(|a| a.spec.instances = instances(3, 3)),
        none()
    );
    assert_eq!(
        application_paths(|a| a.spec.instances = instances(3, 4)),
        ["spec.instances.min"]
    );
}

#[test]
fn instances_desired_at_most_max() {
    let instances = |desired, max| Instances {
        desired,
        min: 1,
        max: Some(max),
    };
    assert_eq!(
        application_paths(|a| a.spec.instances = instances(5, 5)),
        none()
    );
    assert_eq!(
        application_paths(|a| a.spec.instances = instances(6, 5)),
        ["spec.instances.desired"]
    );
    assert_eq!(
        application_paths(|a| a.spec.instances = instances(5, 1001)),
        ["spec.instances.max"]
    );
}

#[test]
fn health_check_needs_exactly_one_probe() {
    let path = "spec.healthChecks.liveness";
    let change =
        |check: HealthCheck| move |a: &mut Application| a.spec.health_checks.liveness = Some(check);

    let none_given = HealthCheck {
        tcp: None,
        ..health_check()
    };
    assert_eq!(application_paths(change(none_given)), [path]);

    let two_given = HealthCheck {
        http: Some(http_check("/")),
        ..health_check()
    };
    assert_eq!(application_paths(change(two_given)), [path]);

    let exec = HealthCheck {
        tcp: None,
        exec: Some(ExecCheck {
            command: vec!["/bin/check".to_owned()],
        }),
        ..health_check()
    };
    assert_eq!(application_paths(change(exec)), none());
}

#[test]
fn health_check_timing_positive() {
    let liveness =
        |check: HealthCheck| move |a: &mut Application| a.spec.health_checks.liveness = Some(check);
    let cases = [
        (
            "period",
            HealthCheck {
                period: Duration::zero(),
                ..health_check()
            },
        ),
        (
            "timeout",
            HealthCheck {
                timeout: Duration::zero(),
                ..health_check()
            },
        ),
        (
            "failureThreshold",
            HealthCheck {
                failure_threshold: 0,
                ..health_check()
            },
        ),
        (
            "successThreshold",
            HealthCheck {
                success_threshold: 0,
                ..health_check()
            },
        ),
    ];
    for (field, check) in cases {
        let expected = format!("spec.healthChecks.liveness.{field}");
        assert_eq!(application_paths(liveness(check)), [expected]);
    }

    let shortest = HealthCheck {
        period: Duration::from_millis(1),
        timeout: Duration::from_millis(1),
        failure_threshold: 1,
        success_threshold: 1,
        ..health_check()
    };
    assert_eq!(application_paths(liveness(shortest)), none());
}

#[test]
fn health_check_port_must_be_declared_tcp() {
    let tcp_check = |port: PortRef| HealthCheck {
        tcp: Some(TcpCheck { port }),
        ..health_check()
    };
    let path = "spec.healthChecks.readiness.tcp.port";
    let readiness = |check: HealthCheck| {
        move |a: &mut Application| a.spec.health_checks.readiness = Some(check)
    };

    assert_eq!(
        application_paths(readiness(tcp_check(PortRef::Number(9000)))),
        none()
    );
    assert_eq!(
        application_paths(readiness(tcp_check(PortRef::Number(0)))),
        [path]
    );
    assert_eq!(
        application_paths(readiness(tcp_check(PortRef::Name("admin".to_owned())))),
        [path]
    );

    let udp_port = tcp_check(PortRef::Name("dns".to_owned()));
    let paths = application_paths(|a| {
        a.spec.ports.push(port("dns", 53, Protocol::Udp));
        a.spec.health_checks.readiness = Some(udp_port);
    });
    assert_eq!(paths, [path]);
}

#[test]
fn http_check_path_and_headers() {
    let readiness = |http: HttpCheck| {
        let check = HealthCheck {
            http: Some(http),
            tcp: None,
            ..health_check()
        };
        move |a: &mut Application| a.spec.health_checks.readiness = Some(check)
    };
    let path = "spec.healthChecks.readiness.http";

    assert_eq!(
        application_paths(readiness(http_check("/health/ready?full=1"))),
        none()
    );
    for invalid in ["health", "", "/health check"] {
        assert_eq!(
            application_paths(readiness(http_check(invalid))),
            [format!("{path}.path")],
            "{invalid:?}"
        );
    }

    let with_header = |name: &str, value: &str| HttpCheck {
        headers: BTreeMap::from([(name.to_owned(), value.to_owned())]),
        ..http_check("/")
    };
    assert_eq!(
        application_paths(readiness(with_header("X-Probe", "strongroom 1"))),
        none()
    );
    assert_eq!(
        application_paths(readiness(with_header("X Probe", "1"))),
        [format!("{path}.headers[\"X Probe\"]")]
    );
    assert_eq!(
        application_paths(readiness(with_header("X-Probe", "1\r\nHost: evil"))),
        [format!("{path}.headers.X-Probe")]
    );
}

#[test]
fn exec_check_command_not_empty() {
    let liveness = |command: Vec<&str>| {
        let exec = ExecCheck {
            command: command.into_iter().map(str::to_owned).collect(),
        };
        let check = HealthCheck {
            tcp: None,
            exec: Some(exec),
            ..health_check()
        };
        move |a: &mut Application| a.spec.health_checks.liveness = Some(check)
    };
    let path = "spec.healthChecks.liveness.exec.command";

    assert_eq!(
        application_paths(liveness(vec!["/bin/check", "--quick"])),
        none()
    );
    assert_eq!(application_paths(liveness(Vec::new())), [path]);
    assert_eq!(
        application_paths(liveness(vec!["/bin/check", ""])),
        [format!("{path}[1]")]
    );
}

#[test]
fn restart_backoff_initial_positive_and_at_most_max() {
    let backoff = |initial, max| RestartBackoff {
        initial: Duration::from_millis(initial),
        max: Duration::from_millis(max),
    };
    assert_eq!(
        application_paths(|a| a.spec.restart_backoff = backoff(500, 500)),
        none()
    );
    assert_eq!(
        application_paths(|a| a.spec.restart_backoff = backoff(0, 500)),
        ["spec.restartBackoff.initial"]
    );
    assert_eq!(
        application_paths(|a| a.spec.restart_backoff = backoff(600, 500)),
        ["spec.restartBackoff.initial"]
    );
}

#[test]
fn stop_grace_period_at_most_one_hour() {
    assert_eq!(
        application_paths(|a| a.spec.stop_grace_period = Duration::from_secs(3600)),
        none()
    );
    assert_eq!(
        application_paths(|a| a.spec.stop_grace_period = Duration::from_secs(3601)),
        ["spec.stopGracePeriod"]
    );
}

#[test]
fn tenant_subnet_cidr_16_to_28() {
    let subnet = |text: &str| {
        let network = TenantNetwork {
            subnet: Some(text.to_owned()),
            vlan: None,
        };
        move |t: &mut Tenant| t.spec.network = Some(network)
    };
    for valid in ["10.89.4.0/24", "10.89.0.0/16", "192.0.2.16/28"] {
        assert_eq!(tenant_paths(subnet(valid)), none(), "{valid}");
    }
    for invalid in [
        "10.89.4.1/24",
        "10.0.0.0/8",
        "10.89.4.0/29",
        "10.89.4.0",
        "fd00::/64",
        "x/24",
    ] {
        assert_eq!(
            tenant_paths(subnet(invalid)),
            ["spec.network.subnet"],
            "{invalid}"
        );
    }
}

fn tenant_with_subnet(subnet: &str) -> Object {
    let mut tenant = tenant();
    tenant.spec.network = Some(TenantNetwork {
        subnet: Some(subnet.to_owned()),
        vlan: None,
    });
    Object::Tenant(tenant)
}

#[test]
fn tenant_subnet_in_reserved_range_is_rejected() {
    let cases = [
        ("0.0.0.0/24", "inside 0.0.0.0/8, which is \"this network\""),
        ("0.255.0.0/16", "inside 0.0.0.0/8"),
        ("127.0.0.0/24", "inside 127.0.0.0/8, which is loopback"),
        ("127.255.255.240/28", "inside 127.0.0.0/8"),
        (
            "169.254.169.0/24",
            "inside 169.254.0.0/16, which is link-local",
        ),
        ("169.254.0.0/16", "inside 169.254.0.0/16"),
        ("224.0.0.0/24", "inside 224.0.0.0/4, which is multicast"),
        ("239.255.0.0/16", "inside 224.0.0.0/4"),
        ("240.0.0.0/24", "inside 240.0.0.0/4, which is reserved"),
        ("255.255.255.0/28", "inside 240.0.0.0/4"),
    ];
    for (subnet, reason) in cases {
        let violations = validate(&tenant_with_subnet(subnet));

        assert_eq!(violations.len(), 1, "{subnet}: {violations:?}");
        let message = violations[0].to_string();
        assert!(message.starts_with("spec.network.subnet: "), "{message}");
        assert!(message.contains(reason), "{subnet}: {message}");
        assert!(
            message.contains("must be routable in the bank's network"),
            "{message}"
        );
    }
}

#[test]
fn tenant_subnet_private_or_public_is_accepted() {
    for subnet in [
        "10.0.0.0/16",
        "172.16.0.0/24",
        "192.168.1.0/24",
        "198.51.100.0/24",
        "1.0.0.0/16",
        "223.255.255.0/24",
        "169.253.0.0/16",
        "128.0.0.0/16",
    ] {
        let violations = validate(&tenant_with_subnet(subnet));

        assert!(violations.is_empty(), "{subnet}: {violations:?}");
    }
}

#[test]
fn tenant_vlan_1_to_4094() {
    let vlan = |id: u16| {
        let network = TenantNetwork {
            subnet: None,
            vlan: Some(id),
        };
        move |t: &mut Tenant| t.spec.network = Some(network)
    };
    for valid in [1, 4094] {
        assert_eq!(tenant_paths(vlan(valid)), none());
    }
    for invalid in [0, 4095] {
        assert_eq!(tenant_paths(vlan(invalid)), ["spec.network.vlan"]);
    }
}

#[test]
fn violation_message_says_what_is_allowed() {
    let mut object = application();
    object.spec.instances.min = 4;
    let violations = validate(&Object::Application(object));
    assert_eq!(violations.len(), 1);
    assert_eq!(
        violations[0].to_string(),
        "spec.instances.min: min 4 is greater than desired 3: set min to at most desired"
    );
}
