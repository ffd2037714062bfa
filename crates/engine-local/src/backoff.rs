//! Restart delays of a failing instance.

use std::time::Duration;

/// An instance that ran healthy this long before failing starts a fresh backoff schedule.
pub(crate) const RESET_AFTER_HEALTHY: Duration = Duration::from_secs(600);

/// Consecutive failures of one instance and the delay before its next start.
///
/// The first restart after a failure is immediate. Each further consecutive
/// failure waits `initial`, then twice as long, up to `max`.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    initial: Duration,
    max: Duration,
    consecutive_failures: u32,
}

impl Backoff {
    /// Returns a schedule with no failures recorded yet.
    pub(crate) fn new(initial: Duration, max: Duration) -> Backoff {
        Backoff {
            initial,
            max,
            consecutive_failures: 0,
        }
    }

    /// Replaces the delays, for example after the spec changed; keeps the failure count.
    pub(crate) fn set_limits(&mut self, initial: Duration, max: Duration) {
        self.initial = initial;
        self.max = max;
    }

    /// Records a failure and returns the delay before the next start.
    ///
    /// `healthy_run` is how long the instance had been healthy when it
    /// failed; a run of [`RESET_AFTER_HEALTHY`] or more resets the count of
    /// earlier failures.
    pub(crate) fn next_delay(&mut self, healthy_run: Duration) -> Duration {
        if healthy_run >= RESET_AFTER_HEALTHY {
            self.consecutive_failures = 0;
        }
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);

        match self.consecutive_failures {
            1 => Duration::ZERO,
            failures => doubling_delay(self.initial, self.max, failures - 2),
        }
    }

    /// Returns the consecutive failures recorded so far, for the container labels.
    pub(crate) fn consecutive_failures(&self) -> u32 {
        self.consecutive_failures
    }

    /// Continues the schedule of an earlier engine from its failure count,
    /// read back from the container labels after a control-plane restart.
    pub(crate) fn resume(&mut self, consecutive_failures: u32) {
        self.consecutive_failures = consecutive_failures;
    }

    /// Returns the largest delay, used for failures that retrying rarely heals.
    pub(crate) fn max_delay(&self) -> Duration {
        self.max
    }

    /// Resets the failure count, for example when a new spec replaces the instance.
    pub(crate) fn reset(&mut self) {
        self.consecutive_failures = 0;
    }
}

/// Returns `initial * 2^step`, at most `max`.
pub(crate) fn doubling_delay(initial: Duration, max: Duration, step: u32) -> Duration {
    let factor = 2u32.checked_pow(step).unwrap_or(u32::MAX);
    initial.checked_mul(factor).unwrap_or(max).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn backoff_first_restart_is_immediate() {
        let mut backoff = Backoff::new(SECOND, 300 * SECOND);
        assert_eq!(backoff.next_delay(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn backoff_doubles_up_to_max() {
        let mut backoff = Backoff::new(SECOND, 10 * SECOND);
        let delays: Vec<u64> = (0..7)
            .map(|_| backoff.next_delay(Duration::ZERO).as_secs())
            .collect();
        assert_eq!(delays, [0, 1, 2, 4, 8, 10, 10]);
    }

    #[test]
    fn backoff_resets_after_ten_healthy_minutes() {
        let mut backoff = Backoff::new(SECOND, 300 * SECOND);
        for _ in 0..4 {
            backoff.next_delay(Duration::ZERO);
        }

        assert_eq!(backoff.next_delay(RESET_AFTER_HEALTHY), Duration::ZERO);
        assert_eq!(backoff.next_delay(Duration::ZERO), SECOND);
    }

    #[test]
    fn backoff_keeps_counting_after_short_healthy_run() {
        let mut backoff = Backoff::new(SECOND, 300 * SECOND);
        backoff.next_delay(Duration::ZERO);
        backoff.next_delay(Duration::ZERO);

        let almost = RESET_AFTER_HEALTHY - SECOND;
        assert_eq!(backoff.next_delay(almost), 2 * SECOND);
    }

    #[test]
    fn backoff_reset_forgets_failures() {
        let mut backoff = Backoff::new(SECOND, 300 * SECOND);
        backoff.next_delay(Duration::ZERO);
        backoff.next_delay(Duration::ZERO);
        backoff.reset();
        assert_eq!(backoff.next_delay(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn backoff_resume_continues_schedule() {
        let mut earlier = Backoff::new(SECOND, 300 * SECOND);
        for _ in 0..5 {
            earlier.next_delay(Duration::ZERO);
        }

        let mut resumed = Backoff::new(SECOND, 300 * SECOND);
        resumed.resume(earlier.consecutive_failures());
        assert_eq!(resumed.consecutive_failures(), 5);
        assert_eq!(resumed.next_delay(Duration::ZERO), 16 * SECOND);
        assert_eq!(
            resumed.next_delay(Duration::ZERO),
            earlier.next_delay(Duration::ZERO) * 2
        );
    }

    #[test]
    fn doubling_delay_saturates_at_max() {
        let max = 300 * SECOND;
        assert_eq!(doubling_delay(SECOND, max, 0), SECOND);
        assert_eq!(doubling_delay(SECOND, max, 8), 256 * SECOND);
        assert_eq!(doubling_delay(SECOND, max, 9), max);
        assert_eq!(doubling_delay(SECOND, max, 40), max);
        assert_eq!(doubling_delay(Duration::MAX, max, 3), max);
    }
}
