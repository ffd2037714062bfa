//! The summary of an application's instances: phase, counts and reason.

use strongroom_model::{ApplicationPhase, InstanceState};

use super::shared::ImageState;
use crate::instance::InstanceRecord;

/// Inputs of the phase computation.
pub(crate) struct PhaseInput<'a> {
    pub(crate) desired: u32,
    pub(crate) min: u32,
    /// Records of instances that exist, including retiring ones.
    pub(crate) records: &'a [InstanceRecord],
    /// Template hash of the current spec.
    pub(crate) template: &'a str,
    pub(crate) image: &'a ImageState,
    /// Whether at least `min` instances were healthy at some point.
    pub(crate) has_run: bool,
}

/// Phase, reason and healthy count of an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PhaseSummary {
    pub(crate) phase: ApplicationPhase,
    pub(crate) reason: Option<String>,
    /// Healthy instances among the desired ordinals.
    pub(crate) healthy: u32,
}

/// Computes the phase of an application.
///
/// The phase is `Failed` when the app cannot run until something changes,
/// and `Running` when every desired instance is healthy on the current spec.
/// It is `Degraded` when fewer than `min` are healthy after the app has run,
/// `Pending` before any instance started, and `Progressing` otherwise.
pub(crate) fn compute_phase(input: &PhaseInput<'_>) -> PhaseSummary {
    let wanted: Vec<&InstanceRecord> = input
        .records
        .iter()
        .filter(|record| is_wanted(input, record))
        .collect();
    let healthy = count(wanted.iter().filter(|record| record.healthy));
    let summary = |phase, reason| PhaseSummary {
        phase,
        reason,
        healthy,
    };

    if let Some(reason) = failure_reason(input, &wanted) {
        return summary(ApplicationPhase::Failed, Some(reason));
    }
    let surplus = input
        .records
        .iter()
        .find(|record| !is_wanted(input, record));
    let up_to_date = wanted
        .iter()
        .all(|record| record.template.as_deref() == Some(input.template));
    if healthy == input.desired
        && count(wanted.iter()) == input.desired
        && up_to_date
        && surplus.is_none()
    {
        return summary(ApplicationPhase::Running, None);
    }

    let mut reason = format!("{healthy} of {} instances are healthy.", input.desired);
    if let Some(detail) = progress_detail(input, &wanted, surplus, up_to_date) {
        reason.push(' ');
        reason.push_str(&detail);
    }
    let phase = if input.has_run && healthy < input.min.min(input.desired) {
        ApplicationPhase::Degraded
    } else if !input.has_run && wanted.iter().all(|record| record.started_at.is_none()) {
        ApplicationPhase::Pending
    } else {
        ApplicationPhase::Progressing
    };
    summary(phase, Some(reason))
}

fn is_wanted(input: &PhaseInput<'_>, record: &InstanceRecord) -> bool {
    record.ordinal < input.desired && !record.retiring
}

fn count<T>(items: impl Iterator<Item = T>) -> u32 {
    u32::try_from(items.count()).unwrap_or(u32::MAX)
}

/// Returns why the application cannot run without a change, if it cannot.
fn failure_reason(input: &PhaseInput<'_>, wanted: &[&InstanceRecord]) -> Option<String> {
    if let ImageState::Failed {
        reason,
        permanent: true,
    } = input.image
    {
        return Some(reason.clone());
    }
    wanted
        .iter()
        .find(|record| record.state == InstanceState::Failed)
        .map(|record| {
            format!(
                "{}: {}",
                record.name,
                record.reason.as_deref().unwrap_or("failed")
            )
        })
}

/// Returns the most useful detail about what the application waits for.
fn progress_detail(
    input: &PhaseInput<'_>,
    wanted: &[&InstanceRecord],
    surplus: Option<&InstanceRecord>,
    up_to_date: bool,
) -> Option<String> {
    match input.image {
        ImageState::Failed { reason, .. } => return Some(reason.clone()),
        ImageState::Pulling => return Some("Pulling the image.".to_owned()),
        ImageState::Ready(_) => {}
    }
    let waiting = wanted
        .iter()
        .find(|record| !record.healthy && record.reason.is_some());
    if let Some(record) = waiting {
        return Some(format!(
            "{}: {}",
            record.name,
            record.reason.as_deref().unwrap_or_default()
        ));
    }
    if let Some(record) = surplus {
        return Some(format!(
            "Stopping {} and any other surplus instances.",
            record.name
        ));
    }
    (!up_to_date).then(|| "Replacing instances one at a time with the new spec.".to_owned())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use strongroom_engine::AppKey;

    use super::*;

    const TEMPLATE: &str = "current";

    fn record(ordinal: u32, healthy: bool) -> InstanceRecord {
        let key = AppKey {
            tenant: "retail".into(),
            app: "web".into(),
        };
        let mut record = InstanceRecord::new(&key, ordinal);
        record.state = InstanceState::Running;
        record.healthy = healthy;
        record.template = Some(TEMPLATE.to_owned());
        record.started_at = Some(time::OffsetDateTime::UNIX_EPOCH);
        record
    }

    fn ready() -> ImageState {
        ImageState::Ready(Arc::new(strongroom_image::Image {
            reference: "r/web:1".into(),
            manifest_digest: "sha256:00".into(),
            config: Default::default(),
            layers: Vec::new(),
        }))
    }

    fn phase(records: &[InstanceRecord], image: &ImageState, has_run: bool) -> PhaseSummary {
        compute_phase(&PhaseInput {
            desired: 3,
            min: 2,
            records,
            template: TEMPLATE,
            image,
            has_run,
        })
    }

    #[test]
    fn phase_running_when_all_desired_healthy() {
        let records = [record(0, true), record(1, true), record(2, true)];
        let summary = phase(&records, &ready(), true);
        assert_eq!(summary.phase, ApplicationPhase::Running);
        assert_eq!(summary.reason, None);
        assert_eq!(summary.healthy, 3);
    }

    #[test]
    fn phase_pending_before_any_start() {
        let mut waiting = record(0, false);
        waiting.started_at = None;
        let summary = phase(&[waiting], &ImageState::Pulling, false);
        assert_eq!(summary.phase, ApplicationPhase::Pending);
        assert_eq!(
            summary.reason.as_deref(),
            Some("0 of 3 instances are healthy. Pulling the image.")
        );
    }

    #[test]
    fn phase_progressing_while_starting() {
        let mut starting = record(2, false);
        starting.reason = Some("readiness check has not passed yet".into());
        let records = [record(0, true), record(1, true), starting];
        let summary = phase(&records, &ready(), false);
        assert_eq!(summary.phase, ApplicationPhase::Progressing);
        assert_eq!(
            summary.reason.as_deref(),
            Some("2 of 3 instances are healthy. web-2: readiness check has not passed yet")
        );
    }

    #[test]
    fn phase_degraded_below_min_after_running() {
        let records = [record(0, true), record(1, false), record(2, false)];
        assert_eq!(
            phase(&records, &ready(), true).phase,
            ApplicationPhase::Degraded
        );
    }

    #[test]
    fn phase_not_degraded_at_min() {
        let records = [record(0, true), record(1, true), record(2, false)];
        assert_eq!(
            phase(&records, &ready(), true).phase,
            ApplicationPhase::Progressing
        );
    }

    #[test]
    fn phase_not_degraded_before_first_run() {
        let records = [record(0, true), record(1, false), record(2, false)];
        assert_eq!(
            phase(&records, &ready(), false).phase,
            ApplicationPhase::Progressing
        );
    }

    #[test]
    fn phase_failed_on_permanent_pull_failure() {
        let image = ImageState::Failed {
            reason: "image r/web:1 not found".into(),
            permanent: true,
        };
        let summary = phase(&[record(0, false)], &image, false);
        assert_eq!(summary.phase, ApplicationPhase::Failed);
        assert_eq!(summary.reason.as_deref(), Some("image r/web:1 not found"));
    }

    #[test]
    fn phase_progressing_on_transient_pull_failure() {
        let image = ImageState::Failed {
            reason: "registry unreachable".into(),
            permanent: false,
        };
        let summary = phase(&[record(0, true), record(1, true)], &image, true);
        assert_eq!(summary.phase, ApplicationPhase::Progressing);
        assert_eq!(
            summary.reason.as_deref(),
            Some("2 of 3 instances are healthy. registry unreachable")
        );
    }

    #[test]
    fn phase_failed_when_instance_failed() {
        let mut failed = record(1, false);
        failed.state = InstanceState::Failed;
        failed.reason = Some("command \"/app\" not found".into());
        let summary = phase(&[record(0, true), failed, record(2, true)], &ready(), true);
        assert_eq!(summary.phase, ApplicationPhase::Failed);
        assert_eq!(
            summary.reason.as_deref(),
            Some("web-1: command \"/app\" not found")
        );
    }

    #[test]
    fn phase_progressing_while_surplus_stops() {
        let mut surplus = record(3, true);
        surplus.retiring = true;
        let records = [record(0, true), record(1, true), record(2, true), surplus];
        let summary = phase(&records, &ready(), true);
        assert_eq!(summary.phase, ApplicationPhase::Progressing);
        assert_eq!(summary.healthy, 3);
    }

    #[test]
    fn phase_progressing_while_rolling_out() {
        let mut old = record(0, true);
        old.template = Some("previous".into());
        let summary = phase(&[old, record(1, true), record(2, true)], &ready(), true);
        assert_eq!(summary.phase, ApplicationPhase::Progressing);
        assert_eq!(
            summary.reason.as_deref(),
            Some(
                "3 of 3 instances are healthy. Replacing instances one at a time with the new spec."
            )
        );
    }

    #[test]
    fn phase_running_when_scaled_to_zero() {
        let summary = compute_phase(&PhaseInput {
            desired: 0,
            min: 1,
            records: &[],
            template: TEMPLATE,
            image: &ready(),
            has_run: true,
        });
        assert_eq!(summary.phase, ApplicationPhase::Running);
    }
}
