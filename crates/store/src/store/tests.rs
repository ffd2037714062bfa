use super::*;

async fn pragma(store: &Store, name: &'static str) -> String {
    let mut conn = store.pool.acquire().await.unwrap();
    let sql = match name {
        "journal_mode" => "PRAGMA journal_mode",
        "synchronous" => "PRAGMA synchronous",
        "foreign_keys" => "PRAGMA foreign_keys",
        _ => "PRAGMA busy_timeout",
    };
    let value: sqlx::sqlite::SqliteRow = sqlx::query(sql).fetch_one(&mut *conn).await.unwrap();
    let column: Result<String, _> = sqlx::Row::try_get(&value, 0);
    match column {
        Ok(text) => text,
        Err(_) => sqlx::Row::try_get::<i64, _>(&value, 0).unwrap().to_string(),
    }
}

#[tokio::test]
async fn open_sets_durable_pragmas() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("store.db")).await.unwrap();

    assert_eq!(pragma(&store, "journal_mode").await, "wal");
    // 2 is FULL: the WAL is synced on every commit.
    assert_eq!(pragma(&store, "synchronous").await, "2");
    assert_eq!(pragma(&store, "foreign_keys").await, "1");
    assert_eq!(pragma(&store, "busy_timeout").await, "5000");
    store.close().await;
}
