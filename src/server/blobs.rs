//! Package storage through `object_store`: a local directory by default, S3 (or anything speaking
//! its protocol) for several instances, memory for tests. Packages are stored by their sha256, so
//! storing the same bytes twice is harmless.

use bytes::Bytes;
use futures_util::StreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload};
use std::sync::Arc;
use tokio::io::AsyncReadExt;

/// Where packages live.
#[derive(Clone)]
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
    describe: String,
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe)
    }
}

/// A failure of the store, with the operation it happened in. Never holds credentials.
#[derive(Debug, thiserror::Error)]
#[error("blob store {operation}: {source}")]
pub struct BlobError {
    operation: &'static str,
    #[source]
    source: object_store::Error,
}

/// Parts of at most this size are sent while a package is stored; memory stays flat.
const PART_BYTES: usize = 8 * 1024 * 1024;

impl BlobStore {
    /// Opens the store named by `KIKET_BLOB_URL`: `file://dir`, `memory://` or `s3://bucket`, the
    /// latter with `options` such as `aws_endpoint`, `aws_region`, `aws_access_key_id`,
    /// `aws_secret_access_key`, `aws_allow_http` (read from the `AWS_*` variables).
    pub fn from_url(url: &str, options: &[(String, String)]) -> Result<Self, String> {
        if let Some(dir) = url.strip_prefix("file://") {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {dir}: {e}"))?;
            let fs = object_store::local::LocalFileSystem::new_with_prefix(dir)
                .map_err(|e| format!("cannot use {dir}: {e}"))?;
            return Ok(Self::new(Arc::new(fs), format!("directory {dir}")));
        }
        if url == "memory://" {
            return Ok(Self::new(
                Arc::new(object_store::memory::InMemory::new()),
                "memory".into(),
            ));
        }
        if url.starts_with("s3://") {
            let mut builder = object_store::aws::AmazonS3Builder::new().with_url(url);
            for (key, value) in options {
                let key: object_store::aws::AmazonS3ConfigKey = key
                    .parse()
                    .map_err(|_| format!("{} is not an S3 setting", key.to_uppercase()))?;
                builder = builder.with_config(key, value);
            }
            let s3 = builder
                .build()
                .map_err(|e| format!("cannot use {url}: {e}"))?;
            return Ok(Self::new(Arc::new(s3), url.to_string()));
        }
        Err(format!(
            "{url:?} is not a blob store address: use file://DIR, s3://BUCKET or memory://"
        ))
    }

    /// Wraps any object store (tests use this for S3 with explicit settings).
    pub fn new(store: Arc<dyn ObjectStore>, describe: String) -> Self {
        Self { store, describe }
    }

    fn path(sha256: &str) -> ObjectPath {
        ObjectPath::from(format!(
            "packages/{}/{sha256}.tar.gz",
            &sha256[..2.min(sha256.len())]
        ))
    }

    /// Stores the package in `file` under its hash, reading it in parts.
    pub async fn put_file(
        &self,
        sha256: &str,
        file: &mut tokio::fs::File,
    ) -> Result<(), BlobError> {
        let err = |source| BlobError {
            operation: "put",
            source,
        };
        let path = Self::path(sha256);
        let len = file.metadata().await.map(|m| m.len()).unwrap_or(0) as usize;
        if len <= PART_BYTES {
            let mut buf = Vec::with_capacity(len);
            file.read_to_end(&mut buf).await.map_err(|e| err(io(e)))?;
            self.store
                .put(&path, PutPayload::from(buf))
                .await
                .map_err(err)?;
            return Ok(());
        }
        let mut upload = self.store.put_multipart(&path).await.map_err(err)?;
        let result = async {
            loop {
                let mut part = Vec::with_capacity(PART_BYTES);
                (&mut *file)
                    .take(PART_BYTES as u64)
                    .read_to_end(&mut part)
                    .await
                    .map_err(io)?;
                if part.is_empty() {
                    break;
                }
                upload.put_part(PutPayload::from(part)).await?;
            }
            upload.complete().await.map(|_| ())
        }
        .await;
        if let Err(e) = result {
            let _ = upload.abort().await;
            return Err(err(e));
        }
        Ok(())
    }

    /// Stores bytes under their hash.
    pub async fn put_bytes(&self, sha256: &str, bytes: Bytes) -> Result<(), BlobError> {
        self.store
            .put(&Self::path(sha256), PutPayload::from(bytes))
            .await
            .map(|_| ())
            .map_err(|source| BlobError {
                operation: "put",
                source,
            })
    }

    /// The package as a stream of chunks, or `None` when it is not stored.
    pub async fn get(
        &self,
        sha256: &str,
    ) -> Result<
        Option<futures_util::stream::BoxStream<'static, Result<Bytes, std::io::Error>>>,
        BlobError,
    > {
        match self.store.get(&Self::path(sha256)).await {
            Ok(r) => Ok(Some(
                r.into_stream()
                    .map(|c| c.map_err(std::io::Error::other))
                    .boxed(),
            )),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(source) => Err(BlobError {
                operation: "get",
                source,
            }),
        }
    }

    /// Whether the package is stored.
    pub async fn exists(&self, sha256: &str) -> Result<bool, BlobError> {
        match self.store.head(&Self::path(sha256)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(source) => Err(BlobError {
                operation: "head",
                source,
            }),
        }
    }

    /// Removes the package; removing what is not there is not an error.
    pub async fn delete(&self, sha256: &str) -> Result<(), BlobError> {
        match self.store.delete(&Self::path(sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(source) => Err(BlobError {
                operation: "delete",
                source,
            }),
        }
    }

    /// Hashes of every stored package (for tests and maintenance).
    pub async fn list(&self) -> Result<Vec<String>, BlobError> {
        let mut out = Vec::new();
        let mut stream = self.store.list(Some(&ObjectPath::from("packages")));
        while let Some(item) = stream.next().await {
            let meta = item.map_err(|source| BlobError {
                operation: "list",
                source,
            })?;
            if let Some(name) = meta.location.filename() {
                out.push(name.trim_end_matches(".tar.gz").to_string());
            }
        }
        out.sort();
        Ok(out)
    }
}

fn io(e: std::io::Error) -> object_store::Error {
    object_store::Error::Generic {
        store: "package file",
        source: Box::new(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_directory_store_keeps_packages_by_hash() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("file://{}", dir.path().join("blobs").display());
        let store = BlobStore::from_url(&url, &[]).unwrap();
        let sha = "ab".repeat(32);
        assert!(!store.exists(&sha).await.unwrap());
        store
            .put_bytes(&sha, Bytes::from_static(b"package"))
            .await
            .unwrap();
        assert!(store.exists(&sha).await.unwrap());
        assert_eq!(store.list().await.unwrap(), vec![sha.clone()]);
        let mut body = Vec::new();
        let mut s = store.get(&sha).await.unwrap().unwrap();
        while let Some(c) = s.next().await {
            body.extend_from_slice(&c.unwrap());
        }
        assert_eq!(body, b"package");
        store.delete(&sha).await.unwrap();
        store.delete(&sha).await.unwrap();
        assert!(store.get(&sha).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn large_files_go_up_in_parts() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::from_url("memory://", &[]).unwrap();
        let path = dir.path().join("pkg");
        let data: Vec<u8> = (0..(PART_BYTES * 2 + 123))
            .map(|i| (i % 251) as u8)
            .collect();
        std::fs::write(&path, &data).unwrap();
        let mut f = tokio::fs::File::open(&path).await.unwrap();
        store.put_file("cd", &mut f).await.unwrap();
        let mut body = Vec::new();
        let mut s = store.get("cd").await.unwrap().unwrap();
        while let Some(c) = s.next().await {
            body.extend_from_slice(&c.unwrap());
        }
        assert_eq!(body, data);
    }

    #[test]
    fn unknown_addresses_are_refused() {
        let err = BlobStore::from_url("ftp://x", &[]).unwrap_err();
        assert!(err.contains("file://DIR"), "{err}");
    }
}
