//! Process-wide async locks keyed by store path.
//!
//! The locks are global rather than per [`crate::ImageStore`] so that two
//! stores opened on the same directory in one process still exclude each
//! other.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, Weak};

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

type LockTable = Mutex<HashMap<PathBuf, Weak<AsyncMutex<()>>>>;

static LOCKS: LazyLock<LockTable> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// Waits for and takes the lock on `path`; it is released when the guard drops.
pub(crate) async fn lock_path(path: &Path) -> OwnedMutexGuard<()> {
    let mutex = {
        let mut table = LOCKS
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Entries whose lock no task holds or waits for are dropped here, so the
        // table stays as small as the number of blobs in flight.
        table.retain(|_, lock| lock.strong_count() > 0);
        match table.get(path).and_then(Weak::upgrade) {
            Some(existing) => existing,
            None => {
                let created = Arc::new(AsyncMutex::new(()));
                table.insert(path.to_owned(), Arc::downgrade(&created));
                created
            }
        }
    };
    mutex.lock_owned().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn lock_path_excludes_same_path() {
        let path = Path::new("/lock-test/same");
        let guard = lock_path(path).await;
        let second = tokio::time::timeout(Duration::from_millis(50), lock_path(path)).await;
        assert!(
            second.is_err(),
            "the second lock on the same path must wait"
        );
        drop(guard);

        let third = tokio::time::timeout(Duration::from_secs(5), lock_path(path)).await;
        assert!(
            third.is_ok(),
            "the lock must be free once the guard is dropped"
        );
    }

    #[tokio::test]
    async fn lock_path_allows_other_paths() {
        let _first = lock_path(Path::new("/lock-test/a")).await;
        let second =
            tokio::time::timeout(Duration::from_secs(5), lock_path(Path::new("/lock-test/b")))
                .await;
        assert!(second.is_ok());
    }
}
