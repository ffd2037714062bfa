use super::*;

fn store() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(blob_dir(root.path())).unwrap();
    root
}

fn directory_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn store_bytes_writes_verified_blob() {
    let root = store();
    let digest = Digest::of(b"content");

    let path = store_bytes(root.path(), "config", &digest, b"content")
        .await
        .unwrap();

    assert_eq!(path, blob_path(root.path(), &digest));
    assert_eq!(std::fs::read(&path).unwrap(), b"content");
    assert!(has_blob(root.path(), &digest, 7).await);
    assert_eq!(
        directory_names(&blob_dir(root.path())),
        vec![digest.hex().to_owned()]
    );
}

#[tokio::test]
async fn store_bytes_rejects_digest_mismatch() {
    let root = store();
    let expected = Digest::of(b"expected");

    let error = store_bytes(root.path(), "config", &expected, b"altered")
        .await
        .unwrap_err();

    assert!(matches!(error, BlobError::DigestMismatch { .. }), "{error}");
    let message = error.to_string();
    assert!(message.contains(&expected.to_string()), "{message}");
    assert!(
        message.contains(&Digest::of(b"altered").to_string()),
        "{message}"
    );
    assert!(directory_names(&blob_dir(root.path())).is_empty());
}

#[tokio::test]
async fn blob_writer_rejects_excess_bytes_and_removes_temporary() {
    let root = store();
    let digest = Digest::of(b"abc");
    let mut writer = BlobWriter::create(root.path(), "layer", &digest, 3)
        .await
        .unwrap();

    let error = writer.write(b"abcd").await.unwrap_err();
    drop(writer);

    assert!(
        matches!(
            error,
            BlobError::SizeMismatch {
                expected: 3,
                actual: 4,
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(error.kind(), PullErrorKind::DigestMismatch);
    assert!(directory_names(&blob_dir(root.path())).is_empty());
}

#[tokio::test]
async fn blob_writer_rejects_short_content() {
    let root = store();
    let digest = Digest::of(b"abc");
    let mut writer = BlobWriter::create(root.path(), "layer", &digest, 3)
        .await
        .unwrap();
    writer.write(b"ab").await.unwrap();

    let error = writer.commit().await.unwrap_err();

    assert!(
        matches!(
            error,
            BlobError::SizeMismatch {
                expected: 3,
                actual: 2,
                ..
            }
        ),
        "{error}"
    );
    assert!(directory_names(&blob_dir(root.path())).is_empty());
}

#[tokio::test]
async fn read_blob_enforces_limit() {
    let root = store();
    let digest = Digest::of(b"0123456789");
    store_bytes(root.path(), "config", &digest, b"0123456789")
        .await
        .unwrap();

    assert_eq!(
        read_blob(root.path(), &digest, 10).await.unwrap(),
        b"0123456789"
    );
    let error = read_blob(root.path(), &digest, 9).await.unwrap_err();
    assert!(
        matches!(
            error,
            BlobError::TooLarge {
                size: 10,
                limit: 9,
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn remove_stale_temporaries_keeps_live_owners() {
    let root = store();
    let dir = blob_dir(root.path());
    let live = temporary_path(&dir, "live");
    // Process ids are below 2^22 on Linux, so this owner cannot be running.
    let stale_file = dir.join(".tmp-4294967-0-file");
    let stale_dir = dir.join(".tmp-4294967-1-dir");
    std::fs::write(&live, b"").unwrap();
    std::fs::write(&stale_file, b"").unwrap();
    std::fs::create_dir_all(stale_dir.join("nested")).unwrap();
    std::fs::write(dir.join("unrelated"), b"").unwrap();

    remove_stale_temporaries(&dir);

    assert!(live.exists());
    assert!(!stale_file.exists());
    assert!(!stale_dir.exists());
    assert!(dir.join("unrelated").exists());
}

#[test]
fn blob_error_write_names_directory_when_disk_full() {
    let path = Path::new("/store/blobs/sha256/.tmp-1-0-abc");
    let error = BlobError::write(path, io::Error::from(io::ErrorKind::StorageFull));
    assert_eq!(error.kind(), PullErrorKind::DiskFull);
    assert!(
        error
            .to_string()
            .contains("no space left in /store/blobs/sha256"),
        "{error}"
    );
}
