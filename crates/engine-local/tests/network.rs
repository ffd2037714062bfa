//! The network layer with the real CNI plugins of containernetworking-plugins, iproute2
//! and nftables. Needs root; each test runs in a sandbox namespace of its own
//! (see `network/sandbox.rs`) and only talks to addresses on the bridges it creates.

#[path = "network/sandbox.rs"]
mod sandbox;

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, UdpSocket};

use ipnet::Ipv4Net;
use sandbox::{Sandbox, fetch, netns_exists, netns_name};
use strongroom_engine_local::network::{self, HostPort, NetworkError};

fn ipv4(ip: IpAddr) -> Ipv4Addr {
    match ip {
        IpAddr::V4(ip) => ip,
        IpAddr::V6(ip) => panic!("expected an IPv4 address, got {ip}"),
    }
}

fn tcp_port(host_port: u16, container_port: u16) -> HostPort {
    HostPort {
        host_port,
        container_port,
        protocol: "tcp",
    }
}

fn assert_port_in_use<T: std::fmt::Debug>(
    result: Result<T, NetworkError>,
    expected_port: u16,
    expected_protocol: &str,
) {
    match result {
        Err(NetworkError::PortInUse { port, protocol }) => {
            assert_eq!(port, expected_port);
            assert_eq!(protocol, expected_protocol);
        }
        other => panic!("expected PortInUse for {expected_port}, got {other:?}"),
    }
}

/// Returns a host port unused in the sandbox, different per test.
fn host_port(offset: u16) -> u16 {
    20_000 + offset
}

#[test]
fn new_rejects_missing_plugins() {
    let empty = std::env::temp_dir().join(format!("strongroom-no-cni-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let config = network::NetworkConfig {
        cni_bin_dir: empty.clone(),
        state_dir: empty.join("state"),
    };

    let error = network::Networks::new(config).unwrap_err();
    std::fs::remove_dir_all(&empty).unwrap();

    assert!(matches!(error, NetworkError::Setup { .. }), "{error:?}");
    assert!(
        error.to_string().contains("CNI plugin bridge not found"),
        "{error}"
    );
}

#[test]
fn attach_gives_each_container_own_address() {
    let sandbox = Sandbox::new("own-address");
    let network = sandbox.tenant_network("retail", 213, 24);
    let subnet: Ipv4Net = network.subnet.parse().unwrap();
    sandbox.set_ip_forward(false);

    sandbox.run(async {
        let networks = sandbox.networks();
        let first = networks
            .attach(&network, &sandbox.container_id("web-0"), &[])
            .await
            .unwrap();
        let second = networks
            .attach(&network, &sandbox.container_id("web-1"), &[])
            .await
            .unwrap();

        assert_ne!(first.ip, second.ip);
        assert!(
            subnet.contains(&ipv4(first.ip)),
            "{} outside {subnet}",
            first.ip
        );
        assert!(
            subnet.contains(&ipv4(second.ip)),
            "{} outside {subnet}",
            second.ip
        );
        assert_eq!(
            ipv4(first.gateway),
            Ipv4Addr::from(u32::from(subnet.network()) + 1)
        );
        assert_eq!(first.gateway, second.gateway);
        assert!(netns_exists(&first.netns_path));
        assert_ne!(first.netns_path, second.netns_path);

        // The bridge keeps its MAC address as ports come, so the first result stays valid.
        networks
            .check(&network, &sandbox.container_id("web-0"))
            .await
            .unwrap();
        networks
            .check(&network, &sandbox.container_id("web-1"))
            .await
            .unwrap();

        // Containers of one tenant reach each other over the bridge.
        assert!(sandbox.ping(&first.netns_path, second.ip));
        assert!(sandbox.ping(&second.netns_path, first.ip));

        // The host reaches both addresses.
        sandbox.listen(&first.netns_path, 8080, "first");
        sandbox.listen(&second.netns_path, 8080, "second");
        assert_eq!(
            fetch(SocketAddr::new(first.ip, 8080)).as_deref(),
            Some("first")
        );
        assert_eq!(
            fetch(SocketAddr::new(second.ip, 8080)).as_deref(),
            Some("second")
        );
    });

    // The bridge plugin with isGateway would have set this to 1.
    assert!(!sandbox.ip_forward(), "attach changed net.ipv4.ip_forward");
}

#[test]
fn concurrent_attaches_get_distinct_addresses() {
    const CONTAINERS: usize = 10;
    let sandbox = Sandbox::new("concurrent");
    let network = sandbox.tenant_network("retail", 213, 24);
    let ids: Vec<String> = (0..CONTAINERS)
        .map(|n| sandbox.container_id(&format!("web-{n}")))
        .collect();

    sandbox.run(async {
        let networks = sandbox.networks();
        let started = std::time::Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for id in ids.clone() {
            let (networks, network) = (networks.clone(), network.clone());
            tasks.spawn(async move { networks.attach(&network, &id, &[]).await });
        }
        let attachments: Vec<_> = tasks
            .join_all()
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        eprintln!(
            "{CONTAINERS} concurrent attaches took {:?}",
            started.elapsed()
        );

        let mut addresses: Vec<IpAddr> =
            attachments.iter().map(|attachment| attachment.ip).collect();
        addresses.sort();
        addresses.dedup();
        assert_eq!(addresses.len(), CONTAINERS, "{attachments:?}");
        assert_eq!(networks.attached().await.unwrap().len(), CONTAINERS);
        for id in &ids {
            networks.check(&network, id).await.unwrap();
        }
    });

    assert_eq!(
        sandbox.veths().len(),
        CONTAINERS,
        "links: {:?}",
        sandbox.links()
    );
    assert_eq!(reserved_addresses(&sandbox, "retail").len(), CONTAINERS);
}

#[test]
fn attach_twice_returns_same_attachment() {
    let sandbox = Sandbox::new("idempotent");
    let network = sandbox.tenant_network("retail", 213, 24);
    let id = sandbox.container_id("web-0");

    sandbox.run(async {
        let networks = sandbox.networks();
        let first = networks.attach(&network, &id, &[]).await.unwrap();
        let second = networks.attach(&network, &id, &[]).await.unwrap();

        assert_eq!(first, second);
        assert_eq!(networks.attached().await.unwrap().len(), 1);
    });

    assert_eq!(sandbox.veths().len(), 1, "links: {:?}", sandbox.links());
    let reservations = reserved_addresses(&sandbox, "retail");
    assert_eq!(reservations.len(), 1, "{reservations:?}");
}

/// Lists the addresses host-local has reserved for `tenant` in the sandbox's state directory.
fn reserved_addresses(sandbox: &Sandbox, tenant: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(sandbox.state_dir.join("ipam").join(tenant)) else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.parse::<Ipv4Addr>().is_ok())
        .collect()
}

#[test]
fn attachment_survives_layer_restart() {
    let sandbox = Sandbox::new("restart");
    let network = sandbox.tenant_network("retail", 213, 24);
    let other = sandbox.tenant_network("payments", 214, 24);
    let id = sandbox.container_id("web-0");

    sandbox.run(async {
        let attached = sandbox.networks().attach(&network, &id, &[]).await.unwrap();

        let restarted = sandbox.networks();

        assert_eq!(
            restarted.attachment(&network, &id).await,
            Some(attached.clone())
        );
        assert_eq!(restarted.attachment(&other, &id).await, None);
        assert_eq!(
            restarted
                .attachment(&network, &sandbox.container_id("web-9"))
                .await,
            None
        );
        restarted.check(&network, &id).await.unwrap();
        let listed = restarted.attached().await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].container_id, id);
        assert_eq!(listed[0].network, network);
        assert_eq!(listed[0].attachment, Some(attached));
    });
}

#[test]
fn detach_frees_address_and_namespace() {
    let sandbox = Sandbox::new("detach");
    // A /30 has room for the gateway and exactly one container.
    let network = sandbox.tenant_network("retail", 213, 30);
    let (first_id, second_id) = (sandbox.container_id("web-0"), sandbox.container_id("web-1"));

    sandbox.run(async {
        let networks = sandbox.networks();
        let first = networks.attach(&network, &first_id, &[]).await.unwrap();

        // The subnet is full: the failed attach leaves nothing behind.
        let full = networks
            .attach(&network, &second_id, &[])
            .await
            .unwrap_err();
        let message = full.to_string();
        assert!(
            matches!(
                full,
                NetworkError::Failed {
                    operation: "attach",
                    ..
                }
            ),
            "{full:?}"
        );
        assert!(
            message.contains("CNI plugin bridge ADD failed"),
            "{message}"
        );
        assert!(message.contains("no IP addresses available"), "{message}");
        assert_eq!(networks.attached().await.unwrap().len(), 1);
        assert!(!netns_exists(&network::netns_path(&second_id)));
        assert_eq!(sandbox.veths().len(), 1, "links: {:?}", sandbox.links());

        networks.detach(&network, &first_id).await.unwrap();

        assert!(!netns_exists(&first.netns_path));
        assert_eq!(networks.attachment(&network, &first_id).await, None);
        assert!(sandbox.veths().is_empty(), "links: {:?}", sandbox.links());
        let second = networks.attach(&network, &second_id, &[]).await.unwrap();
        assert_eq!(second.ip, first.ip);

        // Detaching again, or a container never attached, succeeds.
        networks.detach(&network, &first_id).await.unwrap();
        networks
            .detach(&network, &sandbox.container_id("never"))
            .await
            .unwrap();
        networks.detach(&network, &second_id).await.unwrap();
        assert!(!netns_exists(&second.netns_path));
    });

    assert!(reserved_addresses(&sandbox, "retail").is_empty());
}

#[test]
fn tenants_cannot_reach_each_other() {
    let sandbox = Sandbox::new("isolation");
    let retail = sandbox.tenant_network("retail", 213, 24);
    let payments = sandbox.tenant_network("payments", 214, 24);
    let retail_id = sandbox.container_id("retail-0");

    // With forwarding on, only the isolation table keeps the tenants apart.
    sandbox.set_ip_forward(true);

    sandbox.run(async {
        let networks = sandbox.networks();
        let a = networks.attach(&retail, &retail_id, &[]).await.unwrap();
        let b = networks
            .attach(&payments, &sandbox.container_id("payments-0"), &[])
            .await
            .unwrap();
        sandbox.listen(&a.netns_path, 8080, "retail");
        sandbox.listen(&b.netns_path, 8080, "payments");

        assert_eq!(
            fetch(SocketAddr::new(a.ip, 8080)).as_deref(),
            Some("retail")
        );
        assert_eq!(
            fetch(SocketAddr::new(b.ip, 8080)).as_deref(),
            Some("payments")
        );
        assert!(
            !sandbox.ping(&a.netns_path, b.ip),
            "retail reached payments"
        );
        assert!(
            !sandbox.ping(&b.netns_path, a.ip),
            "payments reached retail"
        );
        assert_eq!(
            sandbox.fetch_from(&a.netns_path, SocketAddr::new(b.ip, 8080)),
            None
        );
        assert_eq!(
            sandbox.fetch_from(&b.netns_path, SocketAddr::new(a.ip, 8080)),
            None
        );

        // Without the table the host forwards between the bridges: the checks above can fail.
        let table = networks.isolation_table();
        sandbox.exec_ok(&["nft", "delete", "table", "inet", table]);
        assert!(
            sandbox.ping(&a.netns_path, b.ip),
            "forwarding between bridges is off"
        );

        // Attaching again rebuilds the table.
        networks.attach(&retail, &retail_id, &[]).await.unwrap();
        assert!(!sandbox.ping(&a.netns_path, b.ip), "table not rebuilt");
    });
}

#[test]
fn installations_isolate_each_other() {
    let sandbox = Sandbox::new("installations");
    let retail = sandbox.tenant_network("retail", 213, 24);
    let payments = sandbox.tenant_network("payments", 214, 24);
    let (retail_id, payments_id) = (
        sandbox.container_id("retail-0"),
        sandbox.container_id("payments-0"),
    );

    // With forwarding on, only the isolation tables keep the tenants apart.
    sandbox.set_ip_forward(true);

    sandbox.run(async {
        let first = sandbox.networks();
        let second = sandbox.installation("second");
        let a = first.attach(&retail, &retail_id, &[]).await.unwrap();
        let b = second.attach(&payments, &payments_id, &[]).await.unwrap();
        sandbox.listen(&a.netns_path, 8080, "retail");
        sandbox.listen(&b.netns_path, 8080, "payments");

        // Each installation owns a table of its own.
        let (first_table, second_table) = (first.isolation_table(), second.isolation_table());
        assert_ne!(first_table, second_table);
        let tables = sandbox.nft_tables();
        assert!(
            tables.contains(&format!("inet {first_table}")),
            "{tables:?}"
        );
        assert!(
            tables.contains(&format!("inet {second_table}")),
            "{tables:?}"
        );

        // The host reaches both containers, so a failed check below is the firewall's doing.
        assert_eq!(
            fetch(SocketAddr::new(a.ip, 8080)).as_deref(),
            Some("retail")
        );
        assert_eq!(
            fetch(SocketAddr::new(b.ip, 8080)).as_deref(),
            Some("payments")
        );
        assert!(
            !sandbox.ping(&a.netns_path, b.ip),
            "retail reached payments"
        );
        assert!(
            !sandbox.ping(&b.netns_path, a.ip),
            "payments reached retail"
        );
        assert_eq!(
            sandbox.fetch_from(&a.netns_path, SocketAddr::new(b.ip, 8080)),
            None
        );
        assert_eq!(
            sandbox.fetch_from(&b.netns_path, SocketAddr::new(a.ip, 8080)),
            None
        );

        // Purging the first leaves the second's table and its bridge protected.
        first.purge().await.unwrap();
        let tables = sandbox.nft_tables();
        assert!(
            !tables.contains(&format!("inet {first_table}")),
            "{tables:?}"
        );
        assert!(
            tables.contains(&format!("inet {second_table}")),
            "{tables:?}"
        );
        let c = first.attach(&retail, &retail_id, &[]).await.unwrap();
        sandbox.listen(&c.netns_path, 8080, "retail again");
        assert_eq!(
            fetch(SocketAddr::new(c.ip, 8080)).as_deref(),
            Some("retail again")
        );
        assert!(
            !sandbox.ping(&c.netns_path, b.ip),
            "retail reached payments after purge"
        );
        assert!(
            !sandbox.ping(&b.netns_path, c.ip),
            "payments reached retail after purge"
        );

        // The second table alone still separates the tenants: the checks above can fail.
        first.purge().await.unwrap();
        let d = first.attach(&retail, &retail_id, &[]).await.unwrap();
        sandbox.exec_ok(&["nft", "delete", "table", "inet", first_table]);
        assert!(
            !sandbox.ping(&d.netns_path, b.ip),
            "retail reached payments"
        );
        assert!(
            !sandbox.ping(&b.netns_path, d.ip),
            "payments reached retail"
        );
        sandbox.exec_ok(&["nft", "delete", "table", "inet", second_table]);
        assert!(
            sandbox.ping(&d.netns_path, b.ip),
            "forwarding between bridges is off"
        );

        first.purge().await.unwrap();
        second.purge().await.unwrap();
    });
}

#[test]
fn attach_rejects_host_port_in_use() {
    let sandbox = Sandbox::new("port-in-use");
    let network = sandbox.tenant_network("retail", 213, 24);
    let (tcp, udp, shared) = (host_port(1), host_port(2), host_port(3));

    sandbox.run(async {
        let networks = sandbox.networks();
        let tcp_holder = TcpListener::bind((Ipv4Addr::UNSPECIFIED, tcp)).unwrap();
        let udp_holder = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, udp)).unwrap();
        let udp_port = HostPort {
            host_port: udp,
            container_port: 53,
            protocol: "udp",
        };

        let a = sandbox.container_id("a");
        let b = sandbox.container_id("b");
        let tcp_error = networks.attach(&network, &a, &[tcp_port(tcp, 80)]).await;
        let udp_error = networks.attach(&network, &b, &[udp_port]).await;

        assert_port_in_use(tcp_error, tcp, "tcp");
        assert_port_in_use(udp_error, udp, "udp");
        assert!(networks.attached().await.unwrap().is_empty());
        drop((tcp_holder, udp_holder));

        // A port forwarded to one container is in use for the next.
        let (c, d) = (sandbox.container_id("c"), sandbox.container_id("d"));
        networks
            .attach(&network, &c, &[tcp_port(shared, 80)])
            .await
            .unwrap();
        let taken = networks.attach(&network, &d, &[tcp_port(shared, 80)]).await;
        assert_port_in_use(taken, shared, "tcp");
        assert_eq!(networks.attached().await.unwrap().len(), 1);
    });

    // Nothing of the rejected containers stays behind.
    for name in ["a", "b", "d"] {
        let id = sandbox.container_id(name);
        assert!(
            !netns_exists(&network::netns_path(&id)),
            "namespace of {id} left behind"
        );
    }
    assert_eq!(sandbox.veths().len(), 1, "links: {:?}", sandbox.links());
    assert_eq!(reserved_addresses(&sandbox, "retail").len(), 1);
}

#[test]
fn host_port_forwards_to_container() {
    let sandbox = Sandbox::new("portmap");
    let network = sandbox.tenant_network("retail", 213, 24);
    let port = host_port(4);

    sandbox.run(async {
        let networks = sandbox.networks();
        let attached = networks
            .attach(
                &network,
                &sandbox.container_id("web-0"),
                &[tcp_port(port, 8080)],
            )
            .await
            .unwrap();
        sandbox.listen(&attached.netns_path, 8080, "forwarded");

        let loopback = SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port);
        let gateway = SocketAddr::new(attached.gateway, port);
        assert_eq!(fetch(loopback).as_deref(), Some("forwarded"));
        assert_eq!(fetch(gateway).as_deref(), Some("forwarded"));
    });
}

#[test]
fn check_reports_broken_attachment() {
    let sandbox = Sandbox::new("check");
    let network = sandbox.tenant_network("retail", 213, 24);
    let id = sandbox.container_id("web-0");

    sandbox.run(async {
        let networks = sandbox.networks();
        let attached = networks
            .attach(&network, &id, &[tcp_port(host_port(5), 80)])
            .await
            .unwrap();
        networks.check(&network, &id).await.unwrap();

        let netns = netns_name(&attached.netns_path);
        sandbox::run_in(&netns, &["ip", "link", "delete", "eth0"]);
        let error = networks.check(&network, &id).await.unwrap_err();

        let message = error.to_string();
        assert!(
            matches!(
                error,
                NetworkError::Failed {
                    operation: "check",
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(
            message.contains("CNI plugin bridge CHECK failed"),
            "{message}"
        );
    });
}

#[test]
fn attach_rejects_foreign_bridge_and_overlap() {
    let sandbox = Sandbox::new("foreign");
    let retail = sandbox.tenant_network("retail", 213, 24);
    let mut foreign = sandbox.tenant_network("payments", 214, 24);
    foreign.bridge = format!("host{}", std::process::id());
    let mut overlapping = sandbox.tenant_network("payments", 213, 25);
    overlapping.bridge = format!("srp{}", std::process::id());
    sandbox.exec_ok(&["ip", "link", "add", &foreign.bridge, "type", "bridge"]);

    sandbox.run(async {
        let networks = sandbox.networks();
        networks
            .attach(&retail, &sandbox.container_id("retail-0"), &[])
            .await
            .unwrap();

        let mut resized = retail.clone();
        resized.subnet = retail.subnet.replace("/24", "/25");
        let on_resized = networks
            .attach(&resized, &sandbox.container_id("r-1"), &[])
            .await;
        let on_resized = on_resized.unwrap_err().to_string();
        assert!(
            on_resized.contains("before changing the subnet"),
            "{on_resized}"
        );

        let on_foreign = networks
            .attach(&foreign, &sandbox.container_id("p-0"), &[])
            .await
            .unwrap_err();
        let on_overlap = networks
            .attach(&overlapping, &sandbox.container_id("p-1"), &[])
            .await
            .unwrap_err();

        assert!(
            on_foreign
                .to_string()
                .contains("was not created by Strongroom"),
            "{on_foreign}"
        );
        assert!(
            on_overlap.to_string().contains("overlaps subnet"),
            "{on_overlap}"
        );
        assert_eq!(networks.attached().await.unwrap().len(), 1);

        // Purge leaves the foreign bridge alone.
        networks.purge().await.unwrap();
    });

    assert!(
        sandbox.links().contains(&foreign.bridge),
        "links: {:?}",
        sandbox.links()
    );
    assert!(
        !sandbox.links().contains(&overlapping.bridge),
        "links: {:?}",
        sandbox.links()
    );
}

#[test]
fn attach_recovers_after_namespace_loss() {
    let sandbox = Sandbox::new("recover");
    let network = sandbox.tenant_network("retail", 213, 24);
    let id = sandbox.container_id("web-0");

    sandbox.run(async {
        let networks = sandbox.networks();
        let before = networks.attach(&network, &id, &[]).await.unwrap();

        // A host restart empties /run/netns but keeps the records in the state directory.
        sandbox::run_host(&["ip", "netns", "delete", &netns_name(&before.netns_path)]);
        assert_eq!(networks.attachment(&network, &id).await, None);
        let after = networks.attach(&network, &id, &[]).await.unwrap();

        assert!(netns_exists(&after.netns_path));
        assert!(sandbox.ping(&after.netns_path, after.gateway));
    });

    assert_eq!(reserved_addresses(&sandbox, "retail").len(), 1);
    assert_eq!(sandbox.veths().len(), 1, "links: {:?}", sandbox.links());
}

#[test]
fn remove_network_deletes_bridge_and_reservations() {
    let sandbox = Sandbox::new("remove-network");
    let retail = sandbox.tenant_network("retail", 213, 24);
    let payments = sandbox.tenant_network("payments", 214, 24);
    let id = sandbox.container_id("web-0");

    let table = sandbox.run(async {
        let networks = sandbox.networks();
        networks.attach(&retail, &id, &[]).await.unwrap();
        networks
            .attach(&payments, &sandbox.container_id("pay-0"), &[])
            .await
            .unwrap();

        let in_use = networks.remove_network(&retail).await;
        assert!(
            matches!(in_use, Err(NetworkError::InUse { attached: 1, .. })),
            "{in_use:?}"
        );

        networks.detach(&retail, &id).await.unwrap();
        networks.remove_network(&retail).await.unwrap();
        networks.remove_network(&retail).await.unwrap();
        networks.isolation_table().to_owned()
    });

    let links = sandbox.links();
    assert!(!links.contains(&retail.bridge), "links: {links:?}");
    assert!(links.contains(&payments.bridge), "links: {links:?}");
    assert!(!sandbox.state_dir.join("ipam").join("retail").exists());
    let table = sandbox.exec_ok(&["nft", "list", "table", "inet", &table]);
    assert!(!table.contains(&retail.bridge), "{table}");
    assert!(table.contains(&payments.bridge), "{table}");
}

#[test]
fn purge_leaves_nothing_behind() {
    let sandbox = Sandbox::new("purge");
    let retail = sandbox.tenant_network("retail", 213, 24);
    let payments = sandbox.tenant_network("payments", 214, 24);

    let paths = sandbox.run(async {
        let networks = sandbox.networks();
        let a = networks
            .attach(
                &retail,
                &sandbox.container_id("a"),
                &[tcp_port(host_port(6), 80)],
            )
            .await;
        let b = networks
            .attach(&payments, &sandbox.container_id("b"), &[])
            .await;
        let paths = [a.unwrap().netns_path, b.unwrap().netns_path];

        // The checks below can fail: the layer has created all of these.
        let tables = sandbox.nft_tables();
        let table = format!("inet {}", networks.isolation_table());
        assert!(tables.contains(&table), "{tables:?}");
        assert!(tables.contains(&"ip nat".to_owned()), "{tables:?}");
        assert_eq!(sandbox.veths().len(), 2);

        networks.purge().await.unwrap();
        networks.purge().await.unwrap();
        paths
    });

    for path in &paths {
        assert!(!netns_exists(path), "{} left behind", path.display());
    }
    assert_eq!(sandbox.links(), ["lo"]);
    assert_eq!(sandbox.nft_tables(), Vec::<String>::new());
    assert!(
        !sandbox.state_dir.exists(),
        "{} left behind",
        sandbox.state_dir.display()
    );
}
