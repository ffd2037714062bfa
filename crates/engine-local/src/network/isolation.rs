//! Default deny between tenants: an nftables table of this layer that drops forwarded
//! traffic from one tenant bridge to another.
//!
//! The host forwards between two bridges only when `net.ipv4.ip_forward` is 1; this layer
//! never changes that setting, so the table is what keeps tenants apart on hosts where the
//! platform team enables forwarding. Traffic within one bridge stays allowed: with
//! `br_netfilter` loaded it also passes the forward hook, with the same bridge as input and
//! output interface. Traffic between the host and containers never passes the forward
//! hook and stays allowed.

use super::command::{self, ToolError};

/// Family and name of the table.
///
/// NOTE: the name is fixed, so two layers with different state directories in one network
/// namespace overwrite each other's table. One layer per host is expected.
pub(super) const TABLE: &str = "inet strongroom";

/// Renders a script that replaces the table in one transaction with one that isolates
/// `bridges` from each other.
pub(super) fn ruleset(bridges: &[String]) -> String {
    // Declaring the table first makes the delete succeed when the table does not exist.
    let mut lines = vec![
        format!("table {TABLE} {{}}"),
        format!("delete table {TABLE}"),
        format!("table {TABLE} {{"),
        "\tcomment \"tenant isolation of Strongroom, rebuilt on every attach\"".to_owned(),
        "\tset tenant_bridges {".to_owned(),
        "\t\ttype ifname".to_owned(),
    ];
    if !bridges.is_empty() {
        lines.push(format!("\t\telements = {{ {} }}", quoted_list(bridges)));
    }
    lines.push("\t}".to_owned());

    // Priority ahead of the iptables-nft filter chains, which may accept the same packets.
    lines.push("\tchain forward {".to_owned());
    lines.push("\t\ttype filter hook forward priority filter - 10; policy accept;".to_owned());
    for bridge in bridges {
        lines.push(format!(
            "\t\tiifname \"{bridge}\" oifname != \"{bridge}\" oifname @tenant_bridges counter drop"
        ));
    }
    lines.push("\t}".to_owned());
    lines.push("}".to_owned());
    lines.join("\n") + "\n"
}

fn quoted_list(names: &[String]) -> String {
    names
        .iter()
        .map(|name| format!("\"{name}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Replaces the table with one that isolates `bridges`. The bridge names must be valid
/// interface names, which contain no quotes.
pub(super) async fn apply(bridges: &[String]) -> Result<(), ToolError> {
    command::run_with_input("nft", &["-f", "-"], ruleset(bridges).as_bytes()).await?;
    Ok(())
}

/// Deletes the table; a missing table is not an error.
pub(super) async fn remove() -> Result<(), ToolError> {
    let script = format!("table {TABLE} {{}}\ndelete table {TABLE}\n");
    command::run_with_input("nft", &["-f", "-"], script.as_bytes()).await?;
    Ok(())
}
