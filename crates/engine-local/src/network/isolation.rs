//! Default deny between tenants: an nftables table of this layer that drops forwarded
//! traffic between a tenant bridge and any other Strongroom bridge.
//!
//! Each installation (each network layer state directory) owns one table, `inet
//! strongroom_<hash>`, where `<hash>` is the first 8 hex digits of the SHA-256 of the
//! canonical state directory path. An attach rebuilds only that table, and purge deletes
//! only that table, so several installations on one host never remove each other's rules.
//!
//! The table drops packets between each own bridge and every interface whose name starts
//! with `sr`, the prefix of the bridges the control plane names, so that it also protects
//! the bridges of other installations. An own bridge with another name is covered against
//! the other own bridges through the set `tenant_bridges`.
//!
//! The host forwards between two bridges only when `net.ipv4.ip_forward` is 1; this layer
//! never changes that setting, so the table is what keeps tenants apart on hosts where the
//! platform team enables forwarding. Traffic within one bridge stays allowed: with
//! `br_netfilter` loaded it also passes the forward hook, with the same bridge as input and
//! output interface. Traffic between the host and containers never passes the forward
//! hook and stays allowed.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::command::{self, ToolError};

/// nftables family of every isolation table.
const FAMILY: &str = "inet";

/// Prefix of every isolation table name.
const NAME_PREFIX: &str = "strongroom_";

/// Interface name pattern (an nft wildcard) of every Strongroom bridge, of this
/// installation or another.
///
/// NOTE: any other interface whose name starts with `sr` is cut off from the tenant bridges
/// too, for forwarded traffic only.
const BRIDGE_PATTERN: &str = "sr*";

/// The isolation table of one installation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Table {
    name: String,
}

impl Table {
    /// Returns the table of the installation whose network state directory is `state_dir`,
    /// which should be canonical so that every path to one directory gives one table.
    pub(super) fn for_state_dir(state_dir: &Path) -> Table {
        let digest = Sha256::digest(state_dir.as_os_str().as_encoded_bytes());
        Table {
            name: format!("{NAME_PREFIX}{}", hex::encode(&digest[..4])),
        }
    }

    /// Returns the table name without the family, for example `strongroom_1a2b3c4d`.
    pub(super) fn name(&self) -> &str {
        &self.name
    }

    /// Returns the family and name as nft commands take them, for example
    /// `inet strongroom_1a2b3c4d`.
    pub(super) fn qualified(&self) -> String {
        format!("{FAMILY} {}", self.name)
    }

    /// Renders a script that replaces the table in one transaction with one that isolates
    /// each of `bridges` from every other Strongroom bridge.
    pub(super) fn ruleset(&self, bridges: &[String]) -> String {
        let table = self.qualified();

        // Declaring the table first makes the delete succeed when the table does not exist.
        let mut lines = vec![
            format!("table {table} {{}}"),
            format!("delete table {table}"),
            format!("table {table} {{"),
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
            lines.extend(bridge_rules(bridge).map(|rule| format!("\t\t{rule}")));
        }
        lines.push("\t}".to_owned());
        lines.push("}".to_owned());
        lines.join("\n") + "\n"
    }

    /// Replaces the table with one that isolates `bridges`. The bridge names must be valid
    /// interface names, which contain no quotes.
    pub(super) async fn apply(&self, bridges: &[String]) -> Result<(), ToolError> {
        let script = self.ruleset(bridges);
        command::run_with_input("nft", &["-f", "-"], script.as_bytes()).await?;
        Ok(())
    }

    /// Deletes the table. A missing table is not an error, and the tables of other
    /// installations stay.
    pub(super) async fn remove(&self) -> Result<(), ToolError> {
        let table = self.qualified();
        let script = format!("table {table} {{}}\ndelete table {table}\n");
        command::run_with_input("nft", &["-f", "-"], script.as_bytes()).await?;
        Ok(())
    }
}

/// Returns the rules that drop forwarded packets between `bridge` and any other bridge.
/// Two rules cover the Strongroom bridges of every installation, one per direction, and the
/// third covers own bridges whose names lack the `sr` prefix.
fn bridge_rules(bridge: &str) -> [String; 3] {
    [
        format!(
            "iifname \"{bridge}\" oifname != \"{bridge}\" oifname \"{BRIDGE_PATTERN}\" counter drop"
        ),
        format!(
            "oifname \"{bridge}\" iifname != \"{bridge}\" iifname \"{BRIDGE_PATTERN}\" counter drop"
        ),
        format!(
            "iifname \"{bridge}\" oifname != \"{bridge}\" oifname @tenant_bridges counter drop"
        ),
    ]
}

fn quoted_list(names: &[String]) -> String {
    names
        .iter()
        .map(|name| format!("\"{name}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
