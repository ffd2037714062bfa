//! The chains that portmap creates in the nat tables, and their removal on purge.
//!
//! portmap (containernetworking-plugins 1.1.1) runs iptables, which on Debian 12 is
//! iptables-nft, so its rules live in the nftables tables `ip nat` and `ip6 nat`. Its DEL
//! removes a container's own chain but leaves the chains shared by all containers and the
//! jumps to them from the base chains. Before the first portmap ADD this layer records
//! which of those tables and chains do not exist yet. Purge removes exactly those, and
//! only when no port mapping is left in them.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tracing::warn;

use super::command::{self, ToolError};

/// nftables families that iptables and ip6tables use.
const FAMILIES: [&str; 2] = ["ip", "ip6"];

/// The chains portmap shares between all containers.
const SHARED_CHAINS: [&str; 3] = [
    "CNI-HOSTPORT-DNAT",
    "CNI-HOSTPORT-SETMARK",
    "CNI-HOSTPORT-MASQ",
];

/// The shared chain holding one jump per forwarded container.
const MAPPINGS_CHAIN: &str = "CNI-HOSTPORT-DNAT";

/// Record of the nat tables and chains that did not exist before portmap's first ADD.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct NatRecord {
    /// One entry per family.
    pub(super) families: Vec<FamilyRecord>,
}

/// Record of the nat table and chains of one family that did not exist before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FamilyRecord {
    /// `ip` or `ip6`.
    pub(super) family: String,
    /// Whether the whole table was missing.
    pub(super) table_created: bool,
    /// Shared portmap chains that were missing.
    pub(super) chains_created: Vec<String>,
}

/// Records which nat tables and shared portmap chains do not exist yet.
pub(super) async fn probe() -> Result<NatRecord, ToolError> {
    let mut families = Vec::new();
    for family in FAMILIES {
        let listing = list_table(family).await?;
        let present = listing.as_ref().map(chain_names).unwrap_or_default();
        families.push(FamilyRecord {
            family: family.to_owned(),
            table_created: listing.is_none(),
            chains_created: SHARED_CHAINS
                .iter()
                .filter(|chain| !present.iter().any(|name| name == *chain))
                .map(|chain| (*chain).to_owned())
                .collect(),
        });
    }
    Ok(NatRecord { families })
}

/// Removes what `record` lists, in each family where no port mapping is left. Returns an
/// error message for each family that failed.
pub(super) async fn release(record: &NatRecord) -> Vec<String> {
    let mut errors = Vec::new();
    for family in &record.families {
        if let Err(error) = release_family(family).await {
            errors.push(format!(
                "removing portmap chains from table {} nat: {error}",
                family.family
            ));
        }
    }
    errors
}

async fn release_family(record: &FamilyRecord) -> Result<(), ToolError> {
    let Some(listing) = list_table(&record.family).await? else {
        return Ok(());
    };
    let ours: Vec<&str> = record.chains_created.iter().map(String::as_str).collect();
    let mappings_left = rules(&listing).any(|rule| rule["chain"] == MAPPINGS_CHAIN);
    if ours.contains(&MAPPINGS_CHAIN) && mappings_left {
        warn!(
            family = record.family,
            "port mappings remain in table nat chain {MAPPINGS_CHAIN}; its chains are kept"
        );
        return Ok(());
    }

    let script = removal_script(&record.family, &listing, &ours);
    if !script.is_empty() {
        command::run_with_input("nft", &["-f", "-"], script.as_bytes()).await?;
    }
    if record.table_created {
        delete_table_if_unused(&record.family).await?;
    }
    Ok(())
}

/// Renders the nft commands that delete the jumps to `ours` from other chains, then the
/// chains in `ours` themselves.
pub(super) fn removal_script(family: &str, listing: &Value, ours: &[&str]) -> String {
    let present: Vec<String> = chain_names(listing);
    let ours_present: Vec<&str> = ours
        .iter()
        .copied()
        .filter(|chain| present.iter().any(|name| name == chain))
        .collect();
    let mut lines = Vec::new();

    for rule in rules(listing) {
        let chain = rule["chain"].as_str().unwrap_or_default();
        if !ours_present.contains(&chain) && jumps_to(&rule["expr"], &ours_present) {
            lines.push(format!(
                "delete rule {family} nat {chain} handle {}",
                rule["handle"]
            ));
        }
    }

    // Flush all first, because the shared chains may jump to each other.
    for chain in &ours_present {
        lines.push(format!("flush chain {family} nat {chain}"));
    }
    for chain in &ours_present {
        lines.push(format!("delete chain {family} nat {chain}"));
    }
    lines.iter().map(|line| format!("{line}\n")).collect()
}

/// Deletes a table that portmap created for this layer, once it contains no rule and no
/// chain of its own, only the base chains that iptables-nft adds.
async fn delete_table_if_unused(family: &str) -> Result<(), ToolError> {
    let Some(listing) = list_table(family).await? else {
        return Ok(());
    };
    let has_rules = rules(&listing).next().is_some();
    let has_own_chains = objects(&listing, "chain").any(|chain| chain.get("hook").is_none());
    if has_rules || has_own_chains {
        warn!(
            family,
            "table nat holds rules of another program; it is kept"
        );
        return Ok(());
    }
    command::run("nft", &["delete", "table", family, "nat"]).await?;
    Ok(())
}

/// Lists the nat table of `family` as nftables JSON; `None` when the table does not exist.
async fn list_table(family: &str) -> Result<Option<Value>, ToolError> {
    match command::run("nft", &["-j", "list", "table", family, "nat"]).await {
        Ok(stdout) => Ok(Some(serde_json::from_str(&stdout).unwrap_or(Value::Null))),
        Err(error) if error.stderr().contains("No such file or directory") => Ok(None),
        Err(error) => Err(error),
    }
}

fn objects<'a>(listing: &'a Value, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    let items = listing["nftables"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    items.iter().filter_map(move |item| item.get(kind))
}

fn rules(listing: &Value) -> impl Iterator<Item = &Value> {
    objects(listing, "rule")
}

fn chain_names(listing: &Value) -> Vec<String> {
    objects(listing, "chain")
        .filter_map(|chain| chain["name"].as_str())
        .map(str::to_owned)
        .collect()
}

/// Returns whether an nftables JSON expression jumps or goes to one of `chains`.
fn jumps_to(expression: &Value, chains: &[&str]) -> bool {
    match expression {
        Value::Object(map) => map.iter().any(|(key, value)| {
            let is_verdict = key == "jump" || key == "goto";
            let target = value["target"].as_str().unwrap_or_default();
            (is_verdict && chains.contains(&target)) || jumps_to(value, chains)
        }),
        Value::Array(items) => items.iter().any(|item| jumps_to(item, chains)),
        _ => false,
    }
}
