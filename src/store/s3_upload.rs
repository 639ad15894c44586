//! Uploads for the S3 backend: a single PutObject for small content, a multipart upload with
//! concurrent parts for large content.
//!
//! No partial object is ever visible: a multipart upload is either completed or aborted (on any
//! error, and from `Drop` when the write future is cancelled mid-way). At most
//! `UPLOAD_CONCURRENCY + 1` parts are held in memory at a time. Every object gets rill's
//! `Content-Type: text/plain; charset=utf-8` and nothing else (§6.2).

use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::primitives::ByteStream as SdkBody;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use tokio::task::JoinSet;

use super::s3::{Failure, RILL_CONTENT_TYPE, S3Store};
use super::{ByteStream, EntryKind, ErrorKind, FileMeta, StoreError};

/// Content of this many bytes or more is uploaded in parts.
pub const MULTIPART_THRESHOLD: u64 = 8 * 1024 * 1024;
/// Size of each part (the last may be smaller); raised for huge known sizes so that the
/// upload stays within S3's 10 000 parts.
pub const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts uploaded at the same time.
pub const UPLOAD_CONCURRENCY: usize = 4;
const MAX_PARTS: u64 = 10_000;

/// Part size for an upload of `size` bytes (whole MiB, at least [`PART_SIZE`]).
fn part_size_for(size: Option<u64>) -> usize {
    const MIB: u64 = 1024 * 1024;
    let needed = size.map_or(0, |n| n.div_ceil(MAX_PARTS).div_ceil(MIB) * MIB);
    (needed as usize).max(PART_SIZE)
}

/// Aborts a multipart upload that was neither completed nor aborted explicitly, e.g. when the
/// write future is dropped.
struct AbortGuard {
    store: S3Store,
    key: String,
    upload_id: Option<String>,
}

impl AbortGuard {
    fn disarm(&mut self) {
        self.upload_id = None;
    }

    async fn abort_now(&mut self) {
        if let Some(id) = self.upload_id.take() {
            // Best effort: the caller reports the original error, not this one.
            let _ = abort(&self.store, &self.key, &id).await;
        }
    }
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        let Some(id) = self.upload_id.take() else {
            return;
        };
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let store = self.store.clone();
            let key = std::mem::take(&mut self.key);
            rt.spawn(async move {
                let _ = abort(&store, &key, &id).await;
            });
        }
    }
}

async fn abort(store: &S3Store, key: &str, upload_id: &str) -> Result<(), Failure> {
    store
        .client
        .abort_multipart_upload()
        .bucket(&store.bucket)
        .key(key)
        .upload_id(upload_id)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| Failure::from_sdk(e, &store.bucket))
}

impl S3Store {
    /// Timeouts of one upload request of `len` bytes (the client-wide ones are too short).
    fn upload_config(&self, len: u64) -> aws_sdk_s3::config::Builder {
        let t = self.upload_timeout(len);
        aws_sdk_s3::config::Builder::default().timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(self.connect_timeout)
                .read_timeout(t)
                .operation_attempt_timeout(t)
                .operation_timeout(t)
                .build(),
        )
    }

    /// One PutObject with rill's content type.
    pub(crate) async fn put_object(
        &self,
        key: &str,
        data: Bytes,
    ) -> Result<Option<String>, Failure> {
        let len = data.len() as u64;
        let out = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(RILL_CONTENT_TYPE)
            .content_length(len as i64)
            .body(SdkBody::from(data))
            .customize()
            .config_override(self.upload_config(len))
            .send()
            .await
            .map_err(|e| Failure::from_sdk(e, &self.bucket))?;
        Ok(out.e_tag().map(str::to_string))
    }

    /// [`super::FileStore::write`]: reads up to the threshold to choose single or multipart.
    pub(crate) async fn upload(
        &self,
        path: &str,
        mut body: ByteStream,
        size: Option<u64>,
    ) -> Result<FileMeta, StoreError> {
        let key = self.key(path);
        let mut buf = BytesMut::new();
        let mut ended = false;
        while (buf.len() as u64) < MULTIPART_THRESHOLD {
            match body.next().await {
                Some(chunk) => buf.extend_from_slice(&chunk?),
                None => {
                    ended = true;
                    break;
                }
            }
        }
        let (etag, total) = if ended {
            let total = buf.len() as u64;
            self.check_length(path, size, total)?;
            let etag = self
                .put_object(&key, buf.freeze())
                .await
                .map_err(|f| self.err(f, "write", path))?;
            (etag, total)
        } else {
            self.multipart(path, &key, buf, body, size).await?
        };
        Ok(FileMeta {
            path: path.to_string(),
            kind: EntryKind::File,
            size: total,
            modified: None,
            created: None,
            etag,
            content_type: Some(RILL_CONTENT_TYPE.to_string()),
        })
    }

    fn check_length(&self, path: &str, size: Option<u64>, got: u64) -> Result<(), StoreError> {
        match size {
            Some(n) if n != got => Err(StoreError::new(
                ErrorKind::Other,
                self.label.clone(),
                format!("the content changed during the upload (expected {n} bytes, got {got})"),
            )
            .during("write", path.to_string())),
            _ => Ok(()),
        }
    }

    async fn multipart(
        &self,
        path: &str,
        key: &str,
        buf: BytesMut,
        body: ByteStream,
        size: Option<u64>,
    ) -> Result<(Option<String>, u64), StoreError> {
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type(RILL_CONTENT_TYPE)
            .send()
            .await
            .map_err(|e| self.err(Failure::from_sdk(e, &self.bucket), "write", path))?;
        let Some(upload_id) = created.upload_id().map(str::to_string) else {
            return Err(StoreError::new(
                ErrorKind::Other,
                self.label.clone(),
                "the server started a multipart upload without an id",
            )
            .during("write", path.to_string()));
        };
        let mut guard = AbortGuard {
            store: self.clone(),
            key: key.to_string(),
            upload_id: Some(upload_id.clone()),
        };
        let result = async {
            let (parts, total) = self
                .upload_parts(path, key, &upload_id, buf, body, part_size_for(size))
                .await?;
            self.check_length(path, size, total)?;
            let done = self
                .client
                .complete_multipart_upload()
                .bucket(&self.bucket)
                .key(key)
                .upload_id(&upload_id)
                .multipart_upload(
                    CompletedMultipartUpload::builder()
                        .set_parts(Some(parts))
                        .build(),
                )
                .send()
                .await
                .map_err(|e| self.err(Failure::from_sdk(e, &self.bucket), "write", path))?;
            Ok((done.e_tag().map(str::to_string), total))
        }
        .await;
        match result {
            Ok(r) => {
                guard.disarm();
                Ok(r)
            }
            Err(e) => {
                guard.abort_now().await;
                Err(e)
            }
        }
    }

    /// Cuts the stream into parts and uploads up to [`UPLOAD_CONCURRENCY`] of them at once, as
    /// tasks (they progress while the next part is read). Dropping this future aborts the
    /// tasks.
    async fn upload_parts(
        &self,
        path: &str,
        key: &str,
        upload_id: &str,
        mut buf: BytesMut,
        mut body: ByteStream,
        part_size: usize,
    ) -> Result<(Vec<CompletedPart>, u64), StoreError> {
        let mut tasks: JoinSet<Result<CompletedPart, Failure>> = JoinSet::new();
        let mut parts = Vec::new();
        let mut total = 0u64;
        let mut number = 1u64;
        let mut ended = false;
        let joined = |r: Result<Result<CompletedPart, Failure>, tokio::task::JoinError>| {
            r.map_err(|e| Failure {
                kind: ErrorKind::Other,
                message: format!("part upload task failed: {e}"),
                code: None,
                status: None,
                raw: e.to_string(),
            })
            .and_then(|r| r)
            .map_err(|f| self.err(f, "write", path))
        };
        loop {
            while buf.len() >= part_size || (ended && !buf.is_empty()) {
                let data = buf.split_to(part_size.min(buf.len())).freeze();
                while tasks.len() >= UPLOAD_CONCURRENCY {
                    if let Some(r) = tasks.join_next().await {
                        parts.push(joined(r)?);
                    }
                }
                if number > MAX_PARTS {
                    return Err(StoreError::new(
                        ErrorKind::Unsupported,
                        self.label.clone(),
                        "the content is too large for a multipart upload (10000 parts)",
                    )
                    .during("write", path.to_string()));
                }
                total += data.len() as u64;
                tasks.spawn(upload_part(
                    self.clone(),
                    key.to_string(),
                    upload_id.to_string(),
                    number as i32,
                    data,
                ));
                number += 1;
            }
            if ended {
                break;
            }
            // Surface a failed part before reading further.
            while let Some(r) = tasks.try_join_next() {
                parts.push(joined(r)?);
            }
            match body.next().await {
                Some(chunk) => buf.extend_from_slice(&chunk?),
                None => ended = true,
            }
        }
        while let Some(r) = tasks.join_next().await {
            parts.push(joined(r)?);
        }
        parts.sort_by_key(|p| p.part_number());
        Ok((parts, total))
    }
}

async fn upload_part(
    store: S3Store,
    key: String,
    upload_id: String,
    number: i32,
    data: Bytes,
) -> Result<CompletedPart, Failure> {
    let len = data.len() as u64;
    let out = store
        .client
        .upload_part()
        .bucket(&store.bucket)
        .key(&key)
        .upload_id(&upload_id)
        .part_number(number)
        .content_length(len as i64)
        .body(SdkBody::from(data))
        .customize()
        .config_override(store.upload_config(len))
        .send()
        .await
        .map_err(|e| Failure::from_sdk(e, &store.bucket))?;
    Ok(CompletedPart::builder()
        .set_e_tag(out.e_tag().map(str::to_string))
        .part_number(number)
        .build())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn part_size_grows_only_for_huge_content() {
        assert_eq!(part_size_for(None), PART_SIZE);
        assert_eq!(part_size_for(Some(20 << 20)), PART_SIZE);
        assert_eq!(part_size_for(Some(80_000 << 20)), PART_SIZE);
        let big = 200_000u64 << 20; // 200 000 MiB needs 20 MiB parts
        assert_eq!(part_size_for(Some(big)), 20 << 20);
        assert!(big.div_ceil(part_size_for(Some(big)) as u64) <= MAX_PARTS);
    }
}
