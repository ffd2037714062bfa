//! A writer process killed with SIGKILL in the middle of a batch leaves the
//! database with every committed batch and nothing of the unfinished one.
//!
//! The test runs its own test binary a second time as the writer, so the kill
//! hits a real process with an open transaction and SQLite's recovery of the
//! write-ahead log runs when the database is opened again.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::{app_key, tenant_key, write};
use strongroom_model::Kind;
use strongroom_store::Store;

const WRITER_DATABASE: &str = "STRONGROOM_STORE_CRASH_WRITER_DATABASE";
const MID_BATCH: &str = "writer is in the middle of a batch";

/// Kills the writer when the test ends early, so no process outlives it.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn killed_writer_leaves_no_partial_batch() {
    if let Ok(database) = std::env::var(WRITER_DATABASE) {
        return write_until_killed(&database).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("store.db");

    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "killed_writer_leaves_no_partial_batch",
            "--nocapture",
        ])
        .env(WRITER_DATABASE, &database)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut writer = KillOnDrop(child);
    let stdout = BufReader::new(writer.0.stdout.take().unwrap());
    let reached = stdout
        .lines()
        .map_while(Result::ok)
        .any(|line| line == MID_BATCH);
    assert!(
        reached,
        "the writer exited before it reached the middle of the batch"
    );

    // Child::kill sends SIGKILL to the writer's pid.
    writer.0.kill().unwrap();
    writer.0.wait().unwrap();
    let store = Store::open(&database).await.unwrap();

    let tenants = store.list(Kind::Tenant, None).await.unwrap();
    let names: Vec<_> = tenants.iter().map(|r| r.key.name.as_str()).collect();
    assert_eq!(names, ["committed"]);
    assert!(
        store
            .list(Kind::Application, None)
            .await
            .unwrap()
            .is_empty()
    );
    store.close().await;
}

/// Commits one batch, writes half of a second one and waits to be killed.
async fn write_until_killed(database: &str) {
    let store = Store::open(database).await.unwrap();
    store
        .apply_batch(vec![write(&tenant_key("committed"), "a")], "admin")
        .await
        .unwrap();

    let mut tx = store.begin().await.unwrap();
    tx.put(&write(&tenant_key("uncommitted"), "a"), "admin")
        .await
        .unwrap();
    tx.put(&write(&app_key("uncommitted", "web"), "a"), "admin")
        .await
        .unwrap();
    println!("{MID_BATCH}");

    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    panic!("the writer was not killed within 60 seconds");
}
