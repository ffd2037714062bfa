//! Pulling an application's image in the background, with retries.

use std::sync::Arc;
use std::time::Duration;

use strongroom_image::{PullError, PullErrorKind};
use tokio::task::JoinHandle;
use tracing::Instrument;

use super::shared::{AppShared, ImageState};
use crate::backoff::doubling_delay;
use crate::events::Reason;
use crate::host::Host;

/// First delay before a failed pull is tried again.
const RETRY_INITIAL: Duration = Duration::from_secs(1);

/// Largest delay between pull attempts; also the delay after failures that
/// retrying rarely heals, so that an image pushed later is still found.
const RETRY_MAX: Duration = Duration::from_secs(60);

/// A running pull of one reference for one generation.
pub(crate) struct PullTask {
    pub(crate) generation: i64,
    task: JoinHandle<()>,
}

impl PullTask {
    /// Starts pulling `reference` and retries until it succeeds.
    pub(crate) fn spawn(
        host: Arc<Host>,
        app: Arc<AppShared>,
        reference: String,
        generation: i64,
    ) -> PullTask {
        let span = tracing::info_span!("pull", tenant = %app.key.tenant, app = %app.key.app, reference = %reference, generation);
        let task = tokio::spawn(pull_until_done(host, app, reference).instrument(span));
        PullTask { generation, task }
    }

    /// Returns whether the pull task ended, after a success or an abort.
    pub(crate) fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    pub(crate) fn abort(&self) {
        self.task.abort();
    }
}

impl Drop for PullTask {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn pull_until_done(host: Arc<Host>, app: Arc<AppShared>, reference: String) {
    let mut last_failure: Option<String> = None;
    for attempt in 0u32.. {
        let error = match host.images.pull(&reference).await {
            Ok(image) => {
                let digest = image.manifest_digest.clone();
                let unchanged = has_image_digest(&app, &reference, &digest);
                set_image(&app, &reference, ImageState::Ready(Arc::new(image)), true);

                // A new generation pulls its reference again in case the tag
                // moved; an unchanged digest is no news to record.
                if unchanged {
                    tracing::debug!(%digest, "image pulled again; digest unchanged");
                } else {
                    tracing::info!(%digest, "image pulled");
                    let message = format!("pulled image {reference} ({digest})");
                    host.events.send(&app.key, None, Reason::Pulled, message);
                }
                return;
            }
            Err(error) => error,
        };

        let reason = error.to_string();
        let permanent = is_permanent(&error);
        let delay = if permanent {
            RETRY_MAX
        } else {
            doubling_delay(RETRY_INITIAL, RETRY_MAX, attempt)
        };
        tracing::warn!(error = %reason, permanent, attempt, retry_in_ms = delay.as_millis(), "image pull failed");
        set_image(
            &app,
            &reference,
            ImageState::Failed {
                reason: reason.clone(),
                permanent,
            },
            false,
        );

        if last_failure.as_ref() != Some(&reason) {
            host.events
                .send(&app.key, None, Reason::PullFailed, reason.clone());
            last_failure = Some(reason);
        }

        // A pull for a new generation of an image already pulled is tried
        // once: the pulled image keeps serving, and the next generation tries again.
        if app.target.borrow().image.ready().is_some() {
            return;
        }
        tokio::time::sleep(delay).await;
    }
}

/// Stores the outcome of a pull of `reference`, unless the spec moved on to
/// another image. A failure never replaces a pulled image: a pull for a new
/// generation of the same reference keeps the old image usable meanwhile.
fn set_image(app: &AppShared, reference: &str, state: ImageState, success: bool) {
    app.target.send_if_modified(|target| {
        let same_reference = target.spec.image == reference;
        let keeps_pulled = !success && target.image.ready().is_some();
        if !same_reference || keeps_pulled {
            return false;
        }
        target.image = state;
        true
    });
}

/// Returns whether the application already runs `reference` pulled with `digest`.
fn has_image_digest(app: &AppShared, reference: &str, digest: &str) -> bool {
    let target = app.target.borrow();
    target.spec.image == reference
        && target
            .image
            .ready()
            .is_some_and(|image| image.manifest_digest == digest)
}

/// Returns whether a pull failure is unlikely to heal by retrying: a missing image
/// or tag, an image for another platform, a malformed image, or a rejected
/// reference or credential.
pub(crate) fn is_permanent(error: &PullError) -> bool {
    matches!(
        error.kind,
        PullErrorKind::NotFound
            | PullErrorKind::WrongPlatform
            | PullErrorKind::InvalidReference
            | PullErrorKind::InvalidImage
            | PullErrorKind::Unauthorized
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(kind: PullErrorKind) -> PullError {
        PullError {
            reference: "127.0.0.1:5000/web:1".into(),
            message: "failed".into(),
            kind,
        }
    }

    #[test]
    fn missing_image_is_permanent() {
        assert!(is_permanent(&error(PullErrorKind::NotFound)));
        assert!(is_permanent(&error(PullErrorKind::WrongPlatform)));
    }

    #[test]
    fn unreachable_registry_is_transient() {
        assert!(!is_permanent(&error(PullErrorKind::Unreachable)));
        assert!(!is_permanent(&error(PullErrorKind::DigestMismatch)));
        assert!(!is_permanent(&error(PullErrorKind::DiskFull)));
    }
}
