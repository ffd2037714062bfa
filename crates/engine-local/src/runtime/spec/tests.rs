use std::path::PathBuf;

use oci_spec::runtime::{Capability, LinuxNamespaceType, PosixRlimitType};
use strongroom_image::{Image, ImageConfig};
use strongroom_model::{Cpu, Memory, Resources};

use super::super::seccomp::{Target, builtin_profile};
use super::*;

fn container(resources: Resources) -> ContainerSpec {
    ContainerSpec {
        id: "web-1".to_owned(),
        hostname: "web-1".to_owned(),
        image: Image {
            reference: "registry.test/web:1".to_owned(),
            manifest_digest: "sha256:00".to_owned(),
            config: ImageConfig::default(),
            layers: vec![PathBuf::from("/layers/a")],
        },
        process_args: vec!["/bin/httpd".to_owned(), "-f".to_owned()],
        env: vec!["MODE=test".to_owned()],
        working_dir: "/srv".to_owned(),
        user: "app".to_owned(),
        resources,
        netns_path: PathBuf::from("/run/netns/web-1"),
        log_path: PathBuf::from("/logs/web-1.log"),
        labels: [("app".to_owned(), "web".to_owned())].into_iter().collect(),
    }
}

fn user() -> ResolvedUser {
    ResolvedUser {
        uid: 1000,
        gid: 1000,
        additional_gids: vec![2000],
        home: Some("/home/app".to_owned()),
    }
}

fn build_spec(resources: Resources) -> Spec {
    let container = container(resources);
    let bundle = Bundle {
        dir: PathBuf::from("/state/containers/web-1"),
    };
    let seccomp = builtin_profile(&Target::this_machine(Vec::new()));
    let user = user();
    build(&SpecInputs {
        container: &container,
        bundle: &bundle,
        user: &user,
        seccomp: &seccomp,
    })
    .unwrap()
}

#[test]
fn build_sets_process_user_and_args() {
    let spec = build_spec(Resources::default());
    let process = spec.process().as_ref().unwrap();
    assert_eq!(process.user().uid(), 1000);
    assert_eq!(process.user().gid(), 1000);
    assert_eq!(
        process.user().additional_gids().as_deref(),
        Some(&[2000][..])
    );
    assert_eq!(process.args().as_deref().unwrap()[0], "/bin/httpd");
    assert_eq!(process.cwd(), Path::new("/srv"));
    assert_eq!(process.no_new_privileges(), Some(true));
}

#[test]
fn build_adds_path_and_home() {
    let spec = build_spec(Resources::default());
    let env = spec.process().as_ref().unwrap().env().clone().unwrap();
    assert!(
        env.iter().any(|entry| entry.starts_with("PATH=")),
        "{env:?}"
    );
    assert!(env.contains(&"HOME=/home/app".to_owned()), "{env:?}");
    assert!(env.contains(&"MODE=test".to_owned()), "{env:?}");
}

#[test]
fn build_grants_only_default_capabilities() {
    let spec = build_spec(Resources::default());
    let capabilities = spec
        .process()
        .as_ref()
        .unwrap()
        .capabilities()
        .clone()
        .unwrap();
    let bounding = capabilities.bounding().clone().unwrap();
    assert_eq!(bounding.len(), 10);
    assert!(!bounding.contains(&Capability::NetRaw));
    assert!(!bounding.contains(&Capability::SysAdmin));
    assert_eq!(capabilities.effective().as_ref(), Some(&bounding));
    assert_eq!(capabilities.permitted().as_ref(), Some(&bounding));
    assert!(capabilities.ambient().as_ref().unwrap().is_empty());
    assert!(capabilities.inheritable().as_ref().unwrap().is_empty());
}

#[test]
fn build_caps_rlimits_at_hard_limits() {
    let spec = build_spec(Resources::default());
    let rlimits = spec.process().as_ref().unwrap().rlimits().clone().unwrap();
    let (_, nofile_hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    let nofile = rlimits
        .iter()
        .find(|limit| limit.typ() == PosixRlimitType::RlimitNofile)
        .unwrap();
    assert!(nofile.hard() <= nofile_hard);
    assert!(nofile.soft() <= nofile.hard());
    assert!(
        rlimits
            .iter()
            .any(|limit| limit.typ() == PosixRlimitType::RlimitNproc)
    );
}

#[test]
fn build_joins_network_namespace_by_path() {
    let spec = build_spec(Resources::default());
    let linux = spec.linux().as_ref().unwrap();
    let namespaces = linux.namespaces().clone().unwrap();
    let network = namespaces
        .iter()
        .find(|ns| ns.typ() == LinuxNamespaceType::Network)
        .unwrap();
    assert_eq!(
        network.path().as_deref(),
        Some(Path::new("/run/netns/web-1"))
    );
    for typ in [
        LinuxNamespaceType::Pid,
        LinuxNamespaceType::Mount,
        LinuxNamespaceType::Ipc,
        LinuxNamespaceType::Uts,
    ] {
        let namespace = namespaces.iter().find(|ns| ns.typ() == typ).unwrap();
        assert_eq!(namespace.path(), &None, "{typ:?}");
    }
}

#[test]
fn build_masks_and_protects_kernel_paths() {
    let spec = build_spec(Resources::default());
    let linux = spec.linux().as_ref().unwrap();
    let masked = linux.masked_paths().clone().unwrap();
    assert!(masked.contains(&"/proc/kcore".to_owned()));
    assert!(masked.contains(&"/sys/devices/virtual/powercap".to_owned()));
    let readonly = linux.readonly_paths().clone().unwrap();
    assert!(readonly.contains(&"/proc/sys".to_owned()));
    assert!(readonly.contains(&"/proc/sysrq-trigger".to_owned()));
}

#[test]
fn build_sets_cgroup_path_and_limits() {
    let resources = Resources {
        cpu: Some(Cpu { millicores: 250 }),
        memory: Some(Memory {
            bytes: 64 * 1024 * 1024,
        }),
        pids: Some(64),
    };
    let spec = build_spec(resources);
    let linux = spec.linux().as_ref().unwrap();
    assert_eq!(
        linux.cgroups_path().as_deref(),
        Some(Path::new("/strongroom/web-1"))
    );

    let resources = linux.resources().as_ref().unwrap();
    let cpu = resources.cpu().as_ref().unwrap();
    assert_eq!(cpu.quota(), Some(25_000));
    assert_eq!(cpu.period(), Some(100_000));
    let memory = resources.memory().as_ref().unwrap();
    assert_eq!(memory.limit(), Some(64 * 1024 * 1024));
    assert_eq!(memory.swap(), Some(64 * 1024 * 1024));
    assert_eq!(resources.pids().as_ref().unwrap().limit(), 64);
}

#[test]
fn build_defaults_pids_limit() {
    let spec = build_spec(Resources::default());
    let resources = spec.linux().as_ref().unwrap().resources().clone().unwrap();
    assert_eq!(
        resources.pids().as_ref().unwrap().limit(),
        DEFAULT_PIDS_LIMIT
    );
    assert!(resources.memory().is_none());
    assert!(resources.cpu().is_none());
}

#[test]
fn cpu_quota_has_kernel_minimum() {
    assert_eq!(cpu_quota_us(1), CPU_MIN_QUOTA_US);
    assert_eq!(cpu_quota_us(2000), 200_000);
}

#[test]
fn build_mounts_generated_etc_files_read_only() {
    let spec = build_spec(Resources::default());
    let mounts = spec.mounts().clone().unwrap();
    let hosts = mounts
        .iter()
        .find(|mount| mount.destination() == Path::new("/etc/hosts"))
        .unwrap();
    assert_eq!(
        hosts.source().as_deref(),
        Some(Path::new("/state/containers/web-1/hosts"))
    );
    assert!(hosts.options().as_ref().unwrap().contains(&"ro".to_owned()));
    let sys = mounts
        .iter()
        .find(|mount| mount.destination() == Path::new("/sys"))
        .unwrap();
    assert!(sys.options().as_ref().unwrap().contains(&"ro".to_owned()));
}

#[test]
fn labels_round_trip_through_annotations() {
    let spec = build_spec(Resources::default());
    let labels = labels(&spec);
    assert_eq!(labels.get("app").map(String::as_str), Some("web"));
    assert_eq!(labels.len(), 1);
    assert_eq!(
        annotation(&spec, IMAGE_ANNOTATION),
        Some("registry.test/web:1")
    );
    assert_eq!(
        annotation(&spec, LOG_PATH_ANNOTATION),
        Some("/logs/web-1.log")
    );
}
