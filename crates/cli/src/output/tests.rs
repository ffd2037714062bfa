use serde_json::{Value, json};
use strongroom_api::{ApiEvent, ApiMetadata, ApiObject};
use strongroom_model::Kind;
use time::macros::datetime;

use super::{
    Fields, Table, describe, events_table, format_age, object_reference, reference, render,
    render_events,
};
use crate::args::OutputFormat;

const NOW: time::OffsetDateTime = datetime!(2026-01-31 10:00:00 UTC);

fn metadata(name: &str, tenant: Option<&str>) -> ApiMetadata {
    ApiMetadata {
        name: name.to_owned(),
        tenant: tenant.map(str::to_owned),
        uid: format!("uid-{name}"),
        resource_version: "7".to_owned(),
        generation: 2,
        creation_timestamp: "2026-01-31T09:55:00Z".to_owned(),
        deletion_timestamp: None,
        labels: Default::default(),
        annotations: Default::default(),
    }
}

fn tenant() -> ApiObject {
    ApiObject {
        api_version: "strongroom/v1".to_owned(),
        kind: "Tenant".to_owned(),
        metadata: metadata("retail", None),
        spec: json!({"displayName": "Retail banking", "owner": "retail-platform"}),
        status: json!({"subnet": "10.89.4.0/24", "bridge": "sr-retail"}),
    }
}

fn application() -> ApiObject {
    ApiObject {
        api_version: "strongroom/v1".to_owned(),
        kind: "Application".to_owned(),
        metadata: metadata("web", Some("retail")),
        spec: json!({
            "owner": "payments-team",
            "contact": "oncall@bank.example",
            "securityLevel": 3,
            "networkZone": "business",
            "image": "127.0.0.1:5000/samples/httpd:1.0",
            "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
            "resources": {"cpu": "250m", "memory": "64Mi"},
            "instances": {"desired": 2, "min": 1, "max": 4}
        }),
        status: json!({
            "observedGeneration": 2,
            "phase": "Progressing",
            "desiredInstances": 2,
            "healthyInstances": 1,
            "reason": "instance web-1 is starting",
            "instances": [
                {"name": "web-0", "containerId": "c0", "ip": "10.89.4.2", "state": "Running",
                 "healthy": true, "restarts": 0, "startedAt": "2026-01-31T09:58:00Z"},
                {"name": "web-1", "containerId": "c1", "state": "BackOff",
                 "healthy": false, "restarts": 3, "reason": "exited with code 1"}
            ]
        }),
    }
}

fn event() -> ApiEvent {
    ApiEvent {
        id: 1,
        time: "2026-01-31T09:59:30Z".to_owned(),
        kind: "Application".to_owned(),
        tenant: Some("retail".to_owned()),
        name: "web".to_owned(),
        instance: Some("web-1".to_owned()),
        severity: "Warning".to_owned(),
        reason: "BackOff".to_owned(),
        message: "instance web-1 exited with code 1; restarting in 4s".to_owned(),
    }
}

#[test]
fn table_aligns_columns_without_trailing_spaces() {
    let mut table = Table::new(&["NAME", "X"]);
    table.push(vec!["a".to_owned(), "1".to_owned()]);
    table.push(vec!["longer".to_owned(), "".to_owned()]);

    assert_eq!(table.render(), "NAME     X\na        1\nlonger\n");
}

#[test]
fn table_cells_stay_on_one_line() {
    let mut table = Table::new(&["A", "B"]);
    table.push(vec!["x\ny".to_owned(), "z".to_owned()]);

    assert_eq!(table.render(), "A     B\nx y   z\n");
}

#[test]
fn fields_align_values() {
    let mut fields = Fields::default();
    fields.push("Name", "web");
    fields.push("Security level", "3");

    assert_eq!(
        fields.render(),
        "Name:            web\nSecurity level:  3\n"
    );
}

#[test]
fn applications_table_shows_health_and_phase() {
    let text = render(
        &[application()],
        Kind::Application,
        OutputFormat::Table,
        false,
        NOW,
    )
    .unwrap();

    assert_eq!(
        text,
        "TENANT   NAME   PHASE         HEALTHY   IMAGE                              AGE\n\
         retail   web    Progressing   1/2       127.0.0.1:5000/samples/httpd:1.0   5m\n"
    );
}

#[test]
fn tenants_table_shows_subnet() {
    let text = render(&[tenant()], Kind::Tenant, OutputFormat::Table, false, NOW).unwrap();

    assert_eq!(
        text,
        "NAME     DISPLAY NAME     OWNER             SUBNET         AGE\n\
         retail   Retail banking   retail-platform   10.89.4.0/24   5m\n"
    );
}

#[test]
fn deleting_application_shows_deleting() {
    let mut app = application();
    app.metadata.deletion_timestamp = Some("2026-01-31T09:59:00Z".to_owned());

    let text = render(&[app], Kind::Application, OutputFormat::Table, false, NOW).unwrap();

    assert!(text.contains("Deleting"), "{text}");
}

#[test]
fn json_list_is_an_array_of_objects() {
    let text = render(
        &[application()],
        Kind::Application,
        OutputFormat::Json,
        false,
        NOW,
    )
    .unwrap();

    let value: Value = serde_json::from_str(&text).unwrap();
    let first = &value[0];
    assert_eq!(first["metadata"]["name"], "web");
    assert_eq!(first["metadata"]["tenant"], "retail");
    let instance = &first["status"]["instances"][0];
    assert_eq!(instance["name"], "web-0");
    assert_eq!(instance["ip"], "10.89.4.2");
    assert_eq!(instance["state"], "Running");
    assert_eq!(instance["healthy"], true);
    assert_eq!(instance["restarts"], 0);
}

#[test]
fn json_single_is_one_object() {
    let text = render(&[tenant()], Kind::Tenant, OutputFormat::Json, true, NOW).unwrap();

    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["metadata"]["name"], "retail");
    assert_eq!(value["kind"], "Tenant");
}

#[test]
fn json_list_of_one_stays_an_array() {
    let text = render(&[tenant()], Kind::Tenant, OutputFormat::Json, false, NOW).unwrap();

    let value: Value = serde_json::from_str(&text).unwrap();
    assert!(value.is_array(), "{text}");
}

#[test]
fn yaml_reads_back_as_the_json_form() {
    let object = application();

    let single = render(
        std::slice::from_ref(&object),
        Kind::Application,
        OutputFormat::Yaml,
        true,
        NOW,
    )
    .unwrap();
    let list = render(
        std::slice::from_ref(&object),
        Kind::Application,
        OutputFormat::Yaml,
        false,
        NOW,
    )
    .unwrap();

    let expected = serde_json::to_value(&object).unwrap();
    assert_eq!(serde_saphyr::from_str::<Value>(&single).unwrap(), expected);
    assert_eq!(
        serde_saphyr::from_str::<Value>(&list).unwrap(),
        Value::Array(vec![expected])
    );
    assert!(single.contains("apiVersion: strongroom/v1"), "{single}");
}

#[test]
fn events_table_names_object_and_instance() {
    let text = events_table(&[event()], NOW).render();

    assert_eq!(
        text,
        "AGE   TYPE      REASON    OBJECT                   INSTANCE   MESSAGE\n\
         30s   Warning   BackOff   application/retail/web   web-1      \
         instance web-1 exited with code 1; restarting in 4s\n"
    );
}

#[test]
fn events_json_is_an_array_of_events() {
    let text = render_events(&[event()], OutputFormat::Json, NOW).unwrap();

    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value, serde_json::to_value([event()]).unwrap());
    assert_eq!(value[0]["reason"], "BackOff");
}

#[test]
fn events_yaml_is_a_sequence_of_events() {
    let text = render_events(&[event()], OutputFormat::Yaml, NOW).unwrap();

    let value: Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(value, serde_json::to_value([event()]).unwrap());
}

#[test]
fn no_events_render_as_empty_json_array() {
    let text = render_events(&[], OutputFormat::Json, NOW).unwrap();

    assert_eq!(text, "[]\n");
}

#[test]
fn reference_leaves_out_tenant_of_tenants() {
    assert_eq!(
        reference(Kind::Application, Some("nope"), "web"),
        "application/nope/web"
    );
    assert_eq!(reference(Kind::Tenant, None, "retail"), "tenant/retail");
    assert_eq!(
        reference(Kind::Tenant, Some("x"), "retail"),
        "tenant/retail"
    );
    assert_eq!(object_reference(&tenant()), "tenant/retail");
}

#[test]
fn describe_application_shows_instances_reasons_and_events() {
    let text = describe(&application(), Kind::Application, &[event()], NOW);

    for expected in [
        "Name:",
        "retail",
        "Security level:",
        "http 8080/TCP",
        "desired 2, min 1, max 4",
        "cpu 250m, memory 64Mi",
        "Phase:",
        "Progressing",
        "instance web-1 is starting",
        "Healthy:",
        "1/2",
        "NAME    IP          STATE     HEALTHY   RESTARTS   AGE   REASON",
        "web-0   10.89.4.2   Running   yes       0          2m    -",
        "web-1   -           BackOff   no        3          -     exited with code 1",
        "Events:",
        "restarting in 4s",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn describe_tenant_without_events_says_none() {
    let text = describe(&tenant(), Kind::Tenant, &[], NOW);

    assert!(text.contains("Subnet:"), "{text}");
    assert!(text.contains("sr-retail"), "{text}");
    assert!(text.ends_with("Events:\n  <none>\n"), "{text}");
}

#[test]
fn ages_use_the_largest_unit() {
    let cases = [
        (0, "0s"),
        (119, "119s"),
        (120, "2m"),
        (7_199, "119m"),
        (7_200, "2h"),
        (172_800, "2d"),
    ];
    for (seconds, expected) in cases {
        assert_eq!(
            format_age(time::Duration::seconds(seconds)),
            expected,
            "{seconds}s"
        );
    }
    assert_eq!(format_age(time::Duration::seconds(-5)), "0s");
}
