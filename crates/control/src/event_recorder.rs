//! Storing the events an engine reports.

use std::future::Future;
use std::pin::pin;

use strongroom_engine::{EngineEvent, Severity, tokio_mpsc::UnboundedReceiver};
use strongroom_store::{EventSeverity, NewEvent};

use crate::Platform;
use crate::convert::store_key;

impl Platform {
    /// Stores every event received from the engine until the engine drops its
    /// sender or `shutdown` completes. On shutdown, events already queued are
    /// stored before it returns.
    pub async fn run_event_recorder(
        &self,
        mut events: UnboundedReceiver<EngineEvent>,
        shutdown: impl Future<Output = ()>,
    ) {
        tracing::info!("event recorder started");
        let mut shutdown = pin!(shutdown);

        loop {
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                received = events.recv() => match received {
                    Some(event) => {
                        self.record_engine_event(event).await;
                        // An engine event marks a change of state: publish it in the status now
                        // rather than at the next periodic pass.
                        self.wake_reconciler();
                    }
                    None => break,
                },
            }
        }
        while let Ok(event) = events.try_recv() {
            self.record_engine_event(event).await;
        }
        tracing::info!("event recorder stopped");
    }

    async fn record_engine_event(&self, event: EngineEvent) {
        let severity = match event.severity {
            Severity::Normal => EventSeverity::Normal,
            Severity::Warning => EventSeverity::Warning,
        };
        let new = NewEvent {
            key: store_key(&event.key),
            instance: event.instance,
            severity,
            reason: event.reason,
            message: event.message,
        };
        let reports = &self.inner.reconciler.reports;
        match self.inner.store.append_event(&new).await {
            Ok(_) => {
                if reports.resolve("event recorder") {
                    tracing::info!("storing engine events works again");
                }
            }
            Err(error) => {
                let message = error.to_string();
                if reports.is_new("event recorder", &message) {
                    tracing::error!(error = %message, "storing an engine event failed; dropping it and later ones that fail the same way");
                } else {
                    tracing::debug!(error = %message, reason = %new.reason, "dropped an engine event");
                }
            }
        }
    }
}
