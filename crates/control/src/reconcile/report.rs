//! Memory of errors already reported, so that an error that repeats on every
//! pass is logged and recorded once per distinct message rather than once per
//! second. Losing it (on restart) only means one more report.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::{Mutex, PoisonError};

/// Last reported error message per subject, for example `orphan retail/web`.
#[derive(Debug, Default)]
pub(crate) struct ErrorReports {
    last: Mutex<HashMap<String, String>>,
}

const STORE: &str = "store";

impl ErrorReports {
    /// Remembers `message` for `subject` and returns whether it differs from
    /// the last one remembered, that is whether it should be reported.
    pub(crate) fn is_new(&self, subject: &str, message: &str) -> bool {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if last
            .get(subject)
            .is_some_and(|previous| previous == message)
        {
            return false;
        }
        last.insert(subject.to_owned(), message.to_owned());
        true
    }

    /// Forgets the error of `subject` and returns whether there was one.
    pub(crate) fn resolve(&self, subject: &str) -> bool {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        last.remove(subject).is_some()
    }

    /// Logs a store failure of the reconciler once per distinct message.
    pub(crate) fn store_failed(&self, error: &impl Display) {
        let message = error.to_string();
        if self.is_new(STORE, &message) {
            tracing::error!(error = %message, "reconciler cannot use the store; retrying every pass");
        } else {
            tracing::debug!(error = %message, "reconciler still cannot use the store");
        }
    }

    /// Logs that the store works again after a logged failure.
    pub(crate) fn store_recovered(&self) {
        if self.resolve(STORE) {
            tracing::info!("reconciler can use the store again");
        }
    }
}
