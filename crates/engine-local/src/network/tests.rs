//! Unit tests of the parts that run no tool: names, validation, CNI configurations and
//! results, and the nftables scripts. `tests/network.rs` runs the real plugins.

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

use serde_json::{Value, json};
use strongroom_engine::TenantNetwork;

use super::attach::attachment_of;
use super::cni::{self, CniError, Operation};
use super::conflist::{self, PortMapping};
use super::hostport::{self, HostPortError};
use super::validate::{self, ValidNetwork};
use super::{HostPort, bridge, isolation, nat, netns};

fn tenant_network(bridge: &str, subnet: &str) -> TenantNetwork {
    TenantNetwork {
        tenant: "retail".into(),
        bridge: bridge.into(),
        subnet: subnet.into(),
    }
}

fn valid(subnet: &str) -> ValidNetwork {
    ValidNetwork::parse(&tenant_network("sr-retail", subnet)).unwrap()
}

#[test]
fn netns_name_is_short_stable_and_distinct() {
    let name = netns::name_for("sr.retail.web.0");

    assert!(name.starts_with("sr-"), "{name}");
    assert_eq!(name.len(), 3 + 16, "{name}");
    assert_eq!(name, netns::name_for("sr.retail.web.0"));
    assert_ne!(name, netns::name_for("sr.retail.web.1"));
    assert_eq!(netns::path_of(&name), Path::new("/run/netns").join(&name));
}

#[test]
fn valid_network_gateway_is_first_address() {
    let network = valid("10.89.4.0/24");

    assert_eq!(network.gateway, Ipv4Addr::new(10, 89, 4, 1));
    assert_eq!(network.gateway_cidr(), "10.89.4.1/24");
}

#[test]
fn valid_network_rejects_bad_values() {
    let cases = [
        ("sr-retail", "10.89.4.5/24", "host bits are set"),
        ("sr-retail", "10.89.4.0/31", "/30 or shorter"),
        ("sr-retail", "10.89.4.0", "IPv4 CIDR"),
        ("sr-retail", "fd00::/64", "IPv4 CIDR"),
        ("sixteen-chars-xx", "10.89.4.0/24", "invalid bridge name"),
        ("", "10.89.4.0/24", "invalid bridge name"),
        ("br\"0", "10.89.4.0/24", "invalid bridge name"),
        (".hidden", "10.89.4.0/24", "invalid bridge name"),
    ];
    for (bridge, subnet, expected) in cases {
        let error = ValidNetwork::parse(&tenant_network(bridge, subnet)).unwrap_err();
        assert!(error.contains(expected), "{bridge} {subnet}: {error}");
    }

    let mut bad_tenant = tenant_network("sr-retail", "10.89.4.0/24");
    bad_tenant.tenant = "../etc".into();
    let error = ValidNetwork::parse(&bad_tenant).unwrap_err();
    assert!(error.contains("invalid network name"), "{error}");
}

#[test]
fn container_id_check_rejects_path_and_empty() {
    assert!(validate::check_container_id("sr.retail.web.0").is_ok());
    assert!(validate::check_container_id("").is_err());
    assert!(validate::check_container_id("a/b").is_err());
    assert!(validate::check_container_id("a b").is_err());
}

#[test]
fn conflist_bridge_has_routable_gateway_settings() {
    let conflist = conflist::render(&valid("10.89.4.0/24"), Path::new("/state/ipam"), false);
    let plugins = conflist::plugins(&conflist);
    let bridge = &plugins[0];

    assert_eq!(conflist["cniVersion"], "1.0.0");
    assert_eq!(conflist["name"], "retail");
    assert_eq!(plugins.len(), 1);
    assert_eq!(bridge["type"], "bridge");
    assert_eq!(bridge["bridge"], "sr-retail");
    assert_eq!(bridge["isGateway"], false);
    assert_eq!(bridge["ipMasq"], false);
    assert_eq!(bridge["hairpinMode"], true);
    assert_eq!(bridge["ipam"]["type"], "host-local");
    assert_eq!(bridge["ipam"]["ranges"][0][0]["subnet"], "10.89.4.0/24");
    assert_eq!(bridge["ipam"]["ranges"][0][0]["gateway"], "10.89.4.1");
    assert_eq!(bridge["ipam"]["routes"][0]["dst"], "0.0.0.0/0");
    assert_eq!(bridge["ipam"]["dataDir"], "/state/ipam");
}

#[test]
fn conflist_adds_portmap_only_with_host_ports() {
    let conflist = conflist::render(&valid("10.89.4.0/24"), Path::new("/state/ipam"), true);
    let plugins = conflist::plugins(&conflist);

    assert_eq!(plugins.len(), 2);
    assert_eq!(conflist::plugin_type(&plugins[1]), "portmap");
    assert_eq!(plugins[1]["capabilities"]["portMappings"], true);
}

#[test]
fn plugin_config_carries_list_fields_and_runtime_config() {
    let conflist = conflist::render(&valid("10.89.4.0/24"), Path::new("/state/ipam"), true);
    let plugins = conflist::plugins(&conflist);
    let mappings = [PortMapping {
        host_port: 8080,
        container_port: 80,
        protocol: "tcp".into(),
    }];
    let previous = json!({ "cniVersion": "1.0.0", "ips": [] });

    let bridge = conflist::plugin_config(&conflist, &plugins[0], None, &mappings);
    let portmap = conflist::plugin_config(&conflist, &plugins[1], Some(&previous), &mappings);

    assert_eq!(bridge["name"], "retail");
    assert_eq!(bridge["cniVersion"], "1.0.0");
    assert!(bridge.get("prevResult").is_none());
    assert!(bridge.get("runtimeConfig").is_none());
    assert_eq!(portmap["prevResult"], previous);
    assert_eq!(
        portmap["runtimeConfig"]["portMappings"],
        json!([{ "hostPort": 8080, "containerPort": 80, "protocol": "tcp" }])
    );
}

#[test]
fn cni_error_object_becomes_plugin_error() {
    let stdout = br#"{"cniVersion":"1.0.0","code":11,"msg":"no IP addresses available",
        "details":"range 10.89.4.0/30"}"#;

    let error = cni::parse_error_object("bridge", Operation::Add, stdout).unwrap();

    let CniError::Plugin {
        code,
        ref msg,
        ref details,
        ..
    } = error
    else {
        panic!("expected a plugin error, got {error:?}");
    };
    assert_eq!(code, 11);
    assert_eq!(msg, "no IP addresses available");
    assert_eq!(details, "range 10.89.4.0/30");
    assert_eq!(
        error.to_string(),
        "CNI plugin bridge ADD failed with code 11: no IP addresses available (range 10.89.4.0/30)"
    );
}

#[test]
fn cni_output_without_error_object_is_not_parsed() {
    assert!(cni::parse_error_object("bridge", Operation::Del, b"panic: runtime error").is_none());
    assert!(cni::parse_error_object("bridge", Operation::Del, b"").is_none());
}

#[test]
fn attachment_of_reads_first_ipv4_address() {
    let result = json!({
        "cniVersion": "1.0.0",
        "interfaces": [{ "name": "eth0", "sandbox": "/run/netns/sr-0" }],
        "ips": [
            { "interface": 0, "address": "fd00::2/64", "gateway": "fd00::1" },
            { "interface": 0, "address": "10.89.4.2/24", "gateway": "10.89.4.1" }
        ]
    });

    let attachment = attachment_of("sr-0", &result).unwrap();

    assert_eq!(attachment.ip, IpAddr::V4(Ipv4Addr::new(10, 89, 4, 2)));
    assert_eq!(attachment.gateway, IpAddr::V4(Ipv4Addr::new(10, 89, 4, 1)));
    assert_eq!(attachment.netns_path, Path::new("/run/netns/sr-0"));
}

#[test]
fn attachment_of_needs_address_and_gateway() {
    let without_gateway = json!({ "ips": [{ "address": "10.89.4.2/24" }] });
    let without_ips = json!({ "cniVersion": "1.0.0" });

    assert!(attachment_of("sr-0", &without_gateway).is_none());
    assert!(attachment_of("sr-0", &without_ips).is_none());
}

#[test]
fn host_port_request_rejects_invalid_and_taken_ports() {
    let port = |host_port, protocol| HostPort {
        host_port,
        container_port: 80,
        protocol,
    };
    let taken = [PortMapping {
        host_port: 8443,
        container_port: 443,
        protocol: "tcp".into(),
    }];

    let in_use = hostport::check_request(&[port(8443, "tcp")], &taken);
    let duplicate = hostport::check_request(&[port(8080, "tcp"), port(8080, "tcp")], &[]);
    let sctp = hostport::check_request(&[port(8080, "sctp")], &[]);
    let zero = hostport::check_request(&[port(0, "tcp")], &[]);

    assert!(matches!(
        in_use,
        Err(HostPortError::InUse {
            port: 8443,
            protocol: "tcp"
        })
    ));
    assert!(matches!(duplicate, Err(HostPortError::Invalid(ref m)) if m.contains("twice")));
    assert!(matches!(sctp, Err(HostPortError::Invalid(ref m)) if m.contains("tcp or udp")));
    assert!(matches!(zero, Err(HostPortError::Invalid(ref m)) if m.contains("1 to 65535")));
    assert!(hostport::check_request(&[port(8443, "udp"), port(8080, "tcp")], &taken).is_ok());
}

#[test]
fn bridge_mac_is_stable_local_unicast() {
    let mac = bridge::stable_mac("sr-retail");
    let first_octet = u8::from_str_radix(&mac[..2], 16).unwrap();

    assert_eq!(mac, bridge::stable_mac("sr-retail"));
    assert_ne!(mac, bridge::stable_mac("sr-payments"));
    assert_eq!(mac.len(), 17, "{mac}");
    assert_eq!(
        first_octet & 0b11,
        0b10,
        "locally administered and unicast: {mac}"
    );
}

fn sample_table() -> isolation::Table {
    isolation::Table::for_state_dir(Path::new("/var/lib/strongroom/network"))
}

#[test]
fn isolation_table_name_hashes_state_dir() {
    let table = sample_table();
    let other = isolation::Table::for_state_dir(Path::new("/srv/strongroom-b/network"));
    let suffix = table.name().strip_prefix("strongroom_").unwrap_or_default();

    assert_eq!(suffix.len(), 8, "{}", table.name());
    assert!(
        suffix.chars().all(|c| c.is_ascii_hexdigit()),
        "{}",
        table.name()
    );
    assert_eq!(table, sample_table());
    assert_ne!(table.name(), other.name());
    assert_eq!(table.qualified(), format!("inet {}", table.name()));
}

#[test]
fn isolation_ruleset_drops_between_tenant_bridges() {
    let table = sample_table();
    let script = table.ruleset(&["sr-a".into(), "sr-b".into()]);
    let lines: Vec<&str> = script.lines().map(str::trim).collect();
    let qualified = table.qualified();

    assert_eq!(lines[0], format!("table {qualified} {{}}"));
    assert_eq!(lines[1], format!("delete table {qualified}"));
    assert!(
        lines.contains(&"elements = { \"sr-a\", \"sr-b\" }"),
        "{script}"
    );
    for bridge in ["sr-a", "sr-b"] {
        let rules = [
            format!("iifname \"{bridge}\" oifname != \"{bridge}\" oifname \"sr*\" counter drop"),
            format!("oifname \"{bridge}\" iifname != \"{bridge}\" iifname \"sr*\" counter drop"),
            format!(
                "iifname \"{bridge}\" oifname != \"{bridge}\" oifname @tenant_bridges counter drop"
            ),
        ];
        for rule in rules {
            assert!(lines.contains(&rule.as_str()), "missing {rule}: {script}");
        }
    }
}

#[test]
fn isolation_ruleset_without_bridges_has_no_rules() {
    let script = sample_table().ruleset(&[]);

    assert!(!script.contains("elements"), "{script}");
    assert!(!script.contains("drop"), "{script}");
    assert!(script.contains("policy accept"), "{script}");
}

/// `nft -j list table ip nat` after portmap's shared chains were created next to a chain
/// and a jump of another program (Podman's netavark), with nftables 1.0.6.
fn nat_listing() -> Value {
    let chain = |name: &str, handle: u32| {
        let chain = json!({ "family": "ip", "table": "nat", "name": name, "handle": handle });
        json!({ "chain": chain })
    };
    let base = |name: &str, handle: u32, hook: &str| {
        json!({ "chain": { "family": "ip", "table": "nat", "name": name, "handle": handle,
                           "type": "nat", "hook": hook, "prio": -100, "policy": "accept" } })
    };
    let rule = |chain: &str, handle: u32, target: Option<&str>| {
        let mut expr = vec![json!({ "xt": { "type": "match", "name": "addrtype" } })];
        if let Some(target) = target {
            expr.push(json!({ "jump": { "target": target } }));
        }
        json!({ "rule": { "family": "ip", "table": "nat", "chain": chain, "handle": handle,
                          "expr": expr } })
    };
    json!({ "nftables": [
        { "metainfo": { "version": "1.0.6", "json_schema_version": 1 } },
        { "table": { "family": "ip", "name": "nat", "handle": 1 } },
        chain("CNI-HOSTPORT-DNAT", 1),
        chain("CNI-HOSTPORT-SETMARK", 2),
        chain("CNI-HOSTPORT-MASQ", 3),
        chain("NETAVARK-HOSTPORT-DNAT", 4),
        base("PREROUTING", 7, "prerouting"),
        base("OUTPUT", 10, "output"),
        base("POSTROUTING", 12, "postrouting"),
        rule("CNI-HOSTPORT-SETMARK", 5, None),
        rule("PREROUTING", 8, Some("CNI-HOSTPORT-DNAT")),
        rule("PREROUTING", 9, Some("NETAVARK-HOSTPORT-DNAT")),
        rule("OUTPUT", 11, Some("CNI-HOSTPORT-DNAT")),
        rule("POSTROUTING", 13, Some("CNI-HOSTPORT-MASQ")),
    ]})
}

#[test]
fn nat_removal_deletes_only_our_chains_and_jumps() {
    let ours = [
        "CNI-HOSTPORT-DNAT",
        "CNI-HOSTPORT-SETMARK",
        "CNI-HOSTPORT-MASQ",
    ];

    let script = nat::removal_script("ip", &nat_listing(), &ours);
    let lines: Vec<&str> = script.lines().collect();

    assert_eq!(
        lines,
        [
            "delete rule ip nat PREROUTING handle 8",
            "delete rule ip nat OUTPUT handle 11",
            "delete rule ip nat POSTROUTING handle 13",
            "flush chain ip nat CNI-HOSTPORT-DNAT",
            "flush chain ip nat CNI-HOSTPORT-SETMARK",
            "flush chain ip nat CNI-HOSTPORT-MASQ",
            "delete chain ip nat CNI-HOSTPORT-DNAT",
            "delete chain ip nat CNI-HOSTPORT-SETMARK",
            "delete chain ip nat CNI-HOSTPORT-MASQ",
        ]
    );
}

#[test]
fn nat_removal_keeps_chains_that_existed_before() {
    // The masquerade chain existed before portmap's first ADD, so it and its jump stay.
    let ours = ["CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-SETMARK"];

    let script = nat::removal_script("ip", &nat_listing(), &ours);

    assert!(!script.contains("CNI-HOSTPORT-MASQ"), "{script}");
    assert!(!script.contains("handle 13"), "{script}");
    assert!(!script.contains("NETAVARK"), "{script}");
    assert!(!script.contains("handle 9"), "{script}");
}

#[test]
fn nat_removal_of_missing_chains_is_empty() {
    let listing = json!({ "nftables": [{ "table": { "family": "ip6", "name": "nat" } }] });

    assert_eq!(
        nat::removal_script("ip6", &listing, &["CNI-HOSTPORT-DNAT"]),
        ""
    );
}
