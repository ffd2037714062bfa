//! Resolution of the image's user against the image's `/etc/passwd` and `/etc/group`.

/// The ids a container process runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResolvedUser {
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    /// Supplementary groups from `/etc/group`, without the primary group.
    pub(crate) additional_gids: Vec<u32>,
    /// Home directory from `/etc/passwd`, for `HOME` when the image sets none.
    pub(crate) home: Option<String>,
}

struct PasswdEntry<'a> {
    name: &'a str,
    uid: u32,
    gid: u32,
    home: &'a str,
}

struct GroupEntry<'a> {
    name: &'a str,
    gid: u32,
    members: Vec<&'a str>,
}

/// Resolves `user`, `uid`, `user:group`, `uid:gid` (or mixed) as Docker and
/// runc do: names must exist in the files, numeric ids need not. An empty
/// `user` is root. Returns the reason when a name is not found.
pub(crate) fn resolve_user(
    user: &str,
    passwd: Option<&str>,
    group: Option<&str>,
) -> Result<ResolvedUser, String> {
    let passwd: Vec<PasswdEntry<'_>> = passwd.map(parse_passwd).unwrap_or_default();
    let groups: Vec<GroupEntry<'_>> = group.map(parse_group).unwrap_or_default();
    let (user_part, group_part) = match user.split_once(':') {
        Some((user_part, group_part)) => (user_part, Some(group_part)),
        None => (user, None),
    };

    let entry = find_user(user_part, &passwd)?;
    let uid = match (&entry, user_part.parse::<u32>()) {
        (_, Ok(uid)) => uid,
        (Some(entry), Err(_)) => entry.uid,
        (None, Err(_)) => 0,
    };

    let gid = match group_part.filter(|part| !part.is_empty()) {
        Some(part) => find_group(part, &groups)?,
        None => entry.as_ref().map_or(0, |entry| entry.gid),
    };

    let additional_gids = match (&entry, group_part) {
        (Some(entry), None) => supplementary_gids(entry.name, gid, &groups),
        _ => Vec::new(),
    };
    let home = entry
        .as_ref()
        .map(|entry| entry.home.to_owned())
        .filter(|home| !home.is_empty());
    Ok(ResolvedUser {
        uid,
        gid,
        additional_gids,
        home,
    })
}

fn find_user<'a>(
    user_part: &str,
    passwd: &'a [PasswdEntry<'a>],
) -> Result<Option<&'a PasswdEntry<'a>>, String> {
    if user_part.is_empty() {
        return Ok(passwd.iter().find(|entry| entry.uid == 0));
    }
    if let Ok(uid) = user_part.parse::<u32>() {
        return Ok(passwd.iter().find(|entry| entry.uid == uid));
    }
    match passwd.iter().find(|entry| entry.name == user_part) {
        Some(entry) => Ok(Some(entry)),
        None => Err(format!("no user {user_part:?} in /etc/passwd")),
    }
}

fn find_group(group_part: &str, groups: &[GroupEntry<'_>]) -> Result<u32, String> {
    if let Ok(gid) = group_part.parse::<u32>() {
        return Ok(gid);
    }
    groups
        .iter()
        .find(|entry| entry.name == group_part)
        .map(|entry| entry.gid)
        .ok_or_else(|| format!("no group {group_part:?} in /etc/group"))
}

fn supplementary_gids(name: &str, primary_gid: u32, groups: &[GroupEntry<'_>]) -> Vec<u32> {
    let mut gids: Vec<u32> = groups
        .iter()
        .filter(|entry| entry.gid != primary_gid && entry.members.contains(&name))
        .map(|entry| entry.gid)
        .collect();
    gids.sort_unstable();
    gids.dedup();
    gids
}

/// Parses `name:password:uid:gid:gecos:home:shell` lines, skipping malformed ones.
fn parse_passwd(text: &str) -> Vec<PasswdEntry<'_>> {
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            if fields.len() < 4 || line.starts_with('#') {
                return None;
            }
            Some(PasswdEntry {
                name: fields[0],
                uid: fields[2].parse().ok()?,
                gid: fields[3].parse().ok()?,
                home: fields.get(5).copied().unwrap_or(""),
            })
        })
        .collect()
}

/// Parses `name:password:gid:member,member` lines, skipping malformed ones.
fn parse_group(text: &str) -> Vec<GroupEntry<'_>> {
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            if fields.len() < 3 || line.starts_with('#') {
                return None;
            }
            let members = fields.get(3).map_or_else(Vec::new, |members| {
                members
                    .split(',')
                    .map(str::trim)
                    .filter(|m| !m.is_empty())
                    .collect()
            });
            Some(GroupEntry {
                name: fields[0],
                gid: fields[2].parse().ok()?,
                members,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\n\
                          www:x:33:33:web:/var/www:/bin/false\n\
                          app:x:1000:1000::/home/app:/bin/sh\n";
    const GROUP: &str = "root:x:0:\nwww:x:33:\napp:x:1000:\nmetrics:x:2000:app,www\n";

    fn resolve(user: &str) -> Result<ResolvedUser, String> {
        resolve_user(user, Some(PASSWD), Some(GROUP))
    }

    #[test]
    fn resolve_user_empty_is_root() {
        let user = resolve("").unwrap();
        assert_eq!((user.uid, user.gid), (0, 0));
        assert_eq!(user.home.as_deref(), Some("/root"));
    }

    #[test]
    fn resolve_user_name_uses_passwd_and_groups() {
        let user = resolve("app").unwrap();
        assert_eq!((user.uid, user.gid), (1000, 1000));
        assert_eq!(user.additional_gids, vec![2000]);
        assert_eq!(user.home.as_deref(), Some("/home/app"));
    }

    #[test]
    fn resolve_user_name_and_group_name() {
        let user = resolve("app:www").unwrap();
        assert_eq!((user.uid, user.gid), (1000, 33));
        assert!(user.additional_gids.is_empty());
    }

    #[test]
    fn resolve_user_numeric_ids_need_no_entry() {
        let user = resolve("4242:4343").unwrap();
        assert_eq!((user.uid, user.gid), (4242, 4343));
        assert_eq!(user.home, None);
    }

    #[test]
    fn resolve_user_numeric_uid_takes_gid_from_passwd() {
        let user = resolve("33").unwrap();
        assert_eq!((user.uid, user.gid), (33, 33));
    }

    #[test]
    fn resolve_user_unknown_name_is_error() {
        let error = resolve("nobody").unwrap_err();
        assert!(error.contains("\"nobody\""), "{error}");
    }

    #[test]
    fn resolve_user_unknown_group_is_error() {
        let error = resolve("app:staff").unwrap_err();
        assert!(error.contains("\"staff\""), "{error}");
    }

    #[test]
    fn resolve_user_without_files_accepts_numbers_only() {
        assert_eq!(resolve_user("7:8", None, None).unwrap().uid, 7);
        assert!(resolve_user("app", None, None).is_err());
    }
}
