use super::*;

fn net(text: &str) -> Ipv4Net {
    text.parse().unwrap()
}

#[test]
fn parse_subnet_accepts_network_address() {
    assert_eq!(parse_subnet("10.89.4.0/24"), Ok(net("10.89.4.0/24")));
}

#[test]
fn parse_subnet_rejects_host_bits() {
    let error = parse_subnet("10.89.4.1/24").unwrap_err();
    assert!(error.contains("write 10.89.4.0/24"), "{error}");
}

#[test]
fn parse_subnet_rejects_ipv6_and_garbage() {
    for text in ["fd00::/64", "10.89.4.0", "10.89.4.0/33", "retail"] {
        assert!(parse_subnet(text).is_err(), "{text} was accepted");
    }
}

#[test]
fn overlaps_detects_containment_both_ways() {
    assert!(overlaps(net("10.89.0.0/16"), net("10.89.4.0/24")));
    assert!(overlaps(net("10.89.4.0/24"), net("10.89.0.0/16")));
    assert!(overlaps(net("10.89.4.0/24"), net("10.89.4.0/24")));
    assert!(!overlaps(net("10.89.4.0/24"), net("10.89.5.0/24")));
}

#[test]
fn allocate_takes_first_free_subnet() {
    let used = [net("10.89.0.0/24"), net("10.89.1.128/25")];

    let allocated = allocate(net("10.89.0.0/16"), 24, &used);

    assert_eq!(allocated, Some(net("10.89.2.0/24")));
}

#[test]
fn allocate_returns_none_when_pool_is_full() {
    let used = [net("10.89.0.0/23")];

    assert_eq!(allocate(net("10.89.0.0/23"), 24, &used), None);
}

#[test]
fn bridge_name_is_short_and_stable() {
    let name = bridge_name("retail");

    // Bridges outlive the control plane, so the name must never change for a
    // tenant: this pins it to `sr` and the first 8 hex digits of SHA-256("retail").
    assert_eq!(name, "sr1778c2d9");
    assert_ne!(name, bridge_name("treasury"));
}
