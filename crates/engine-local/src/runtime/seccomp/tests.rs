use super::*;

const PROFILE: &str = r#"{
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 38,
  "archMap": [
    {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
    {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}
  ],
  "syscalls": [
    {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW", "args": [], "includes": {}, "excludes": {}},
    {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 8, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]},
    {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "x32"]}},
    {"names": ["sync_file_range2"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["ppc64le"]}},
    {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
    {"names": ["mount"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
     "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
    {"names": ["chown"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_CHOWN"]}},
    {"names": ["chown"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "excludes": {"caps": ["CAP_CHOWN"]}},
    {"names": ["future_call"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "99.0"}},
    {"names": ["old_call"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}},
    {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": null,
     "includes": {"caps": ["CAP_AUDIT_WRITE"]}}
  ]
}"#;

fn amd64_target(capabilities: &[&str]) -> Target {
    Target {
        go_arch: "amd64".to_owned(),
        seccomp_arch: Some("SCMP_ARCH_X86_64".to_owned()),
        kernel: (6, 1),
        capabilities: capabilities.iter().map(|cap| (*cap).to_owned()).collect(),
    }
}

fn rules_for<'a>(seccomp: &'a LinuxSeccomp, name: &str) -> Vec<&'a LinuxSyscall> {
    let syscalls = seccomp.syscalls().as_deref().unwrap_or_default();
    syscalls
        .iter()
        .filter(|syscall| syscall.names().iter().any(|n| n == name))
        .collect()
}

#[test]
fn profile_for_keeps_default_action_and_errno() {
    let seccomp = profile_for(PROFILE, &amd64_target(&["CAP_CHOWN"])).unwrap();
    assert_eq!(seccomp.default_action(), LinuxSeccompAction::ScmpActErrno);
    assert_eq!(seccomp.default_errno_ret(), Some(38));
}

#[test]
fn profile_for_selects_native_arch_and_sub_arches() {
    let seccomp = profile_for(PROFILE, &amd64_target(&[])).unwrap();
    assert_eq!(
        seccomp.architectures().as_deref(),
        Some(&[Arch::ScmpArchX86_64, Arch::ScmpArchX86, Arch::ScmpArchX32][..])
    );
}

#[test]
fn profile_for_honours_arch_includes() {
    let seccomp = profile_for(PROFILE, &amd64_target(&[])).unwrap();
    assert_eq!(rules_for(&seccomp, "arch_prctl").len(), 1);
    assert!(rules_for(&seccomp, "sync_file_range2").is_empty());
}

#[test]
fn profile_for_denies_mount_without_sys_admin() {
    let seccomp = profile_for(PROFILE, &amd64_target(&["CAP_CHOWN"])).unwrap();
    let mount = rules_for(&seccomp, "mount");
    assert_eq!(mount.len(), 1, "{mount:?}");
    assert_eq!(mount[0].action(), LinuxSeccompAction::ScmpActErrno);
    assert_eq!(mount[0].errno_ret(), Some(1));
}

#[test]
fn profile_for_allows_chown_with_cap_chown() {
    let seccomp = profile_for(PROFILE, &amd64_target(&["CAP_CHOWN"])).unwrap();
    let chown = rules_for(&seccomp, "chown");
    assert_eq!(chown.len(), 1, "{chown:?}");
    assert_eq!(chown[0].action(), LinuxSeccompAction::ScmpActAllow);
}

#[test]
fn profile_for_honours_min_kernel() {
    let seccomp = profile_for(PROFILE, &amd64_target(&[])).unwrap();
    assert!(rules_for(&seccomp, "future_call").is_empty());
    assert_eq!(rules_for(&seccomp, "old_call").len(), 1);
}

#[test]
fn profile_for_copies_args() {
    let seccomp = profile_for(PROFILE, &amd64_target(&[])).unwrap();
    let personality = rules_for(&seccomp, "personality");
    let args = personality[0].args().as_deref().unwrap();
    assert_eq!(args.len(), 1);
    assert_eq!(args[0].value(), 8);
    assert_eq!(args[0].op(), LinuxSeccompOperator::ScmpCmpEq);
}

#[test]
fn profile_for_accepts_null_args() {
    let seccomp = profile_for(PROFILE, &amd64_target(&["CAP_AUDIT_WRITE"])).unwrap();
    assert_eq!(rules_for(&seccomp, "socket").len(), 1);
}

#[test]
fn profile_for_rejects_invalid_json() {
    assert!(profile_for("{\"syscalls\": 3}", &amd64_target(&[])).is_err());
}

#[test]
fn profile_for_containers_common_file() {
    let Ok(text) = std::fs::read_to_string(CONTAINERS_COMMON_PROFILE) else {
        eprintln!("skipped: {CONTAINERS_COMMON_PROFILE} is not installed");
        return;
    };
    let target = amd64_target(&["CAP_CHOWN", "CAP_SETUID"]);
    let seccomp = profile_for(&text, &target).unwrap();

    let allowed_read = rules_for(&seccomp, "read")
        .iter()
        .any(|rule| rule.action() == LinuxSeccompAction::ScmpActAllow);
    assert!(allowed_read);
    for name in ["bpf", "init_module", "kexec_load", "perf_event_open"] {
        let rules = rules_for(&seccomp, name);
        assert!(!rules.is_empty(), "{name}");
        let denied = rules
            .iter()
            .all(|rule| rule.action() == LinuxSeccompAction::ScmpActErrno);
        assert!(denied, "{name}: {rules:?}");
    }
}

#[test]
fn builtin_profile_denies_dangerous_calls() {
    let seccomp = builtin_profile(&amd64_target(&[]));
    assert_eq!(seccomp.default_action(), LinuxSeccompAction::ScmpActAllow);
    for name in [
        "kexec_load",
        "init_module",
        "mount",
        "umount2",
        "pivot_root",
        "reboot",
        "bpf",
        "ptrace",
        "unshare",
    ] {
        let rules = rules_for(&seccomp, name);
        assert_eq!(rules.len(), 1, "{name}");
        assert_eq!(
            rules[0].action(),
            LinuxSeccompAction::ScmpActErrno,
            "{name}"
        );
    }
}

#[test]
fn load_falls_back_to_builtin_when_missing() {
    let target = amd64_target(&[]);
    let seccomp = load(Path::new("/nonexistent/seccomp.json"), &target).unwrap();
    assert_eq!(seccomp.default_action(), LinuxSeccompAction::ScmpActAllow);
}

#[test]
fn parse_kernel_version_reads_release_strings() {
    assert_eq!(parse_kernel_version("6.18.0-1-amd64\n"), Some((6, 18)));
    assert_eq!(parse_kernel_version("4.8"), Some((4, 8)));
    assert_eq!(parse_kernel_version("x"), None);
}
