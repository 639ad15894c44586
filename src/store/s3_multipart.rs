//! Multipart uploads for the S3 backend (`s3_upload.rs` decides when): parts cut from the
//! stream and uploaded [`UPLOAD_CONCURRENCY`] at a time, each with `Content-MD5`, the
//! completed object's ETag checked against the MD5 of the parts' MD5s.
//!
//! An upload is either completed or aborted: on any error at once, and when the write future
//! is dropped mid-way (a cancelled copy) from `Drop`, in a task of the store's `cleanup`
//! tracker that [`super::FileStore::settle`] waits for: the part uploads still running are
//! stopped first, then AbortMultipartUpload is sent. CreateMultipartUpload itself runs in such
//! a task, so an upload the server starts while the write is being dropped is aborted too.

use aws_sdk_s3::operation::create_multipart_upload::CreateMultipartUploadOutput;
use aws_sdk_s3::primitives::ByteStream as SdkBody;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use md5::{Digest, Md5};
use tokio::task::JoinSet;

use super::s3::{Failure, RILL_CONTENT_TYPE, S3Store};
use super::s3_upload::{check_etag, md5_of_body, sse_hides_md5};
use super::{ByteStream, ErrorKind, StoreError};

/// Size of each part (the last may be smaller); raised for huge known sizes so that the
/// upload stays within S3's 10 000 parts.
pub const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts uploaded at the same time.
pub const UPLOAD_CONCURRENCY: usize = 4;
const MAX_PARTS: u64 = 10_000;

/// The ETag S3 gives a multipart object whose parts have these MD5s.
fn multipart_etag(part_md5s: &[[u8; 16]]) -> String {
    let mut h = Md5::new();
    for d in part_md5s {
        h.update(d);
    }
    format!("{}-{}", hex::encode(h.finalize()), part_md5s.len())
}

/// Part size for an upload of `size` bytes (whole MiB, at least [`PART_SIZE`]).
pub fn part_size_for(size: Option<u64>) -> usize {
    const MIB: u64 = 1024 * 1024;
    let needed = size.map_or(0, |n| n.div_ceil(MAX_PARTS).div_ceil(MIB) * MIB);
    (needed as usize).max(PART_SIZE)
}

/// What one part upload task answers: the completed part and the MD5 of its content.
type PartResult = Result<(CompletedPart, [u8; 16]), Failure>;

/// A started multipart upload and its part upload tasks. Unless completed (`disarm`), it is
/// aborted: at once after an error (`abort_now`), or from `Drop` when the write future is
/// dropped (a cancelled copy). Either way the part uploads are stopped first, then
/// AbortMultipartUpload is sent; from `Drop` this runs as a task of the store's `cleanup`
/// tracker, which [`super::FileStore::settle`] waits for.
struct Upload {
    store: S3Store,
    key: String,
    id: String,
    parts: JoinSet<PartResult>,
    /// Neither completed nor aborted yet.
    armed: bool,
}

impl Upload {
    fn disarm(&mut self) {
        self.armed = false;
    }

    async fn abort_now(&mut self) {
        if std::mem::take(&mut self.armed) {
            // Best effort: the caller reports the original error, not this one.
            let parts = std::mem::take(&mut self.parts);
            stop_then_abort(&self.store, &self.key, &self.id, parts).await;
        }
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let store = self.store.clone();
            let (key, id) = (std::mem::take(&mut self.key), std::mem::take(&mut self.id));
            let parts = std::mem::take(&mut self.parts);
            let cleanup = store.cleanup.clone();
            cleanup.spawn_on(
                async move { stop_then_abort(&store, &key, &id, parts).await },
                &rt,
            );
        }
    }
}

/// The answer to a CreateMultipartUpload being awaited. Dropped before it was taken (the
/// write was dropped), it closes the channel (so that the sending task aborts what it still
/// receives) and aborts an upload whose answer had already arrived.
struct Created {
    store: S3Store,
    key: String,
    rx: tokio::sync::oneshot::Receiver<Result<CreateMultipartUploadOutput, Failure>>,
    taken: bool,
}

impl Drop for Created {
    fn drop(&mut self) {
        if self.taken {
            return;
        }
        self.rx.close();
        let Ok(Ok(created)) = self.rx.try_recv() else {
            return;
        };
        let (Some(id), Ok(rt)) = (
            created.upload_id().map(str::to_string),
            tokio::runtime::Handle::try_current(),
        ) else {
            return;
        };
        let (store, key) = (self.store.clone(), std::mem::take(&mut self.key));
        let cleanup = store.cleanup.clone();
        cleanup.spawn_on(async move { abort(&store, &key, &id).await }, &rt);
    }
}

/// Stops the part uploads still running (so that none lands after the abort), then aborts
/// the upload.
async fn stop_then_abort(
    store: &S3Store,
    key: &str,
    upload_id: &str,
    mut parts: JoinSet<PartResult>,
) {
    parts.abort_all();
    while parts.join_next().await.is_some() {}
    let _ = abort(store, key, upload_id).await;
}

fn task_failure(e: tokio::task::JoinError) -> Failure {
    Failure {
        kind: ErrorKind::Other,
        message: format!("upload task failed: {e}"),
        code: None,
        status: None,
        raw: e.to_string(),
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
    /// A multipart upload of `buf` (the first bytes read) and the rest of `body`; returns the
    /// ETag and the size written.
    pub(super) async fn multipart(
        &self,
        path: &str,
        key: &str,
        buf: BytesMut,
        body: ByteStream,
        size: Option<u64>,
    ) -> Result<(Option<String>, u64), StoreError> {
        let created = self
            .create_upload(key)
            .await
            .map_err(|f| self.err(f, "write", path))?;
        let Some(upload_id) = created.upload_id().map(str::to_string) else {
            return Err(StoreError::new(
                ErrorKind::Other,
                self.label.clone(),
                "the server started a multipart upload without an id",
            )
            .during("write", path.to_string()));
        };
        let mut upload = Upload {
            store: self.clone(),
            key: key.to_string(),
            id: upload_id.clone(),
            parts: JoinSet::new(),
            armed: true,
        };
        let up = &mut upload;
        let result = async {
            let (parts, md5s, total) = self
                .upload_parts(path, up, buf, body, part_size_for(size))
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
            check_etag(
                done.e_tag(),
                &multipart_etag(&md5s),
                sse_hides_md5(done.server_side_encryption(), None)
                    || created.sse_customer_algorithm().is_some(),
            )
            .map_err(|f| self.err(f, "write", path))?;
            Ok((done.e_tag().map(str::to_string), total))
        }
        .await;
        match result {
            Ok(r) => {
                upload.disarm();
                Ok(r)
            }
            Err(e) => {
                upload.abort_now().await;
                Err(e)
            }
        }
    }

    /// CreateMultipartUpload, sent from a task of the `cleanup` tracker, so that an upload
    /// the server starts is aborted even when the write is dropped while the request is
    /// under way (nobody else would know its id): the task aborts it when the answer can no
    /// longer be delivered, and [`Created`] when it was delivered but never taken.
    async fn create_upload(&self, key: &str) -> Result<CreateMultipartUploadOutput, Failure> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let (store, k) = (self.clone(), key.to_string());
        self.cleanup.spawn(async move {
            let created = store
                .client
                .create_multipart_upload()
                .bucket(&store.bucket)
                .key(&k)
                .content_type(RILL_CONTENT_TYPE)
                .send()
                .await
                .map_err(|e| Failure::from_sdk(e, &store.bucket));
            if let Err(Ok(orphan)) = tx.send(created)
                && let Some(id) = orphan.upload_id()
            {
                let _ = abort(&store, &k, id).await;
            }
        });
        let mut pending = Created {
            store: self.clone(),
            key: key.to_string(),
            rx,
            taken: false,
        };
        let answer = (&mut pending.rx).await;
        pending.taken = true;
        answer.unwrap_or_else(|_| {
            Err(Failure {
                kind: ErrorKind::Other,
                message: "the task starting the multipart upload ended without an answer".into(),
                code: None,
                status: None,
                raw: "create_multipart_upload task dropped".into(),
            })
        })
    }

    /// Cuts the stream into parts and uploads up to [`UPLOAD_CONCURRENCY`] of them at once, as
    /// `tasks` (they progress while the next part is read; the caller's [`Upload`] owns them,
    /// so that an abort stops them first).
    async fn upload_parts(
        &self,
        path: &str,
        up: &mut Upload,
        mut buf: BytesMut,
        mut body: ByteStream,
        part_size: usize,
    ) -> Result<(Vec<CompletedPart>, Vec<[u8; 16]>, u64), StoreError> {
        let mut parts = Vec::new();
        let mut total = 0u64;
        let mut number = 1u64;
        let mut ended = false;
        let joined = |r: Result<PartResult, tokio::task::JoinError>| {
            r.map_err(task_failure)
                .and_then(|r| r)
                .map_err(|f| self.err(f, "write", path))
        };
        loop {
            while buf.len() >= part_size || (ended && !buf.is_empty()) {
                let data = buf.split_to(part_size.min(buf.len())).freeze();
                while up.parts.len() >= UPLOAD_CONCURRENCY {
                    if let Some(r) = up.parts.join_next().await {
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
                up.parts.spawn(upload_part(
                    self.clone(),
                    up.key.clone(),
                    up.id.clone(),
                    number as i32,
                    data,
                ));
                number += 1;
            }
            if ended {
                break;
            }
            // Surface a failed part before reading further.
            while let Some(r) = up.parts.try_join_next() {
                parts.push(joined(r)?);
            }
            match body.next().await {
                Some(chunk) => buf.extend_from_slice(&chunk?),
                None => ended = true,
            }
        }
        while let Some(r) = up.parts.join_next().await {
            parts.push(joined(r)?);
        }
        parts.sort_by_key(|(p, _)| p.part_number());
        let (parts, md5s) = parts.into_iter().unzip();
        Ok((parts, md5s, total))
    }
}

async fn upload_part(
    store: S3Store,
    key: String,
    upload_id: String,
    number: i32,
    data: Bytes,
) -> PartResult {
    let len = data.len() as u64;
    let digest = md5_of_body(&data).await;
    let out = store
        .client
        .upload_part()
        .bucket(&store.bucket)
        .key(&key)
        .upload_id(&upload_id)
        .part_number(number)
        .content_length(len as i64)
        .content_md5(aws_smithy_types::base64::encode(digest))
        .body(SdkBody::from(data))
        .customize()
        .disable_payload_signing()
        .config_override(store.upload_config(len))
        .send()
        .await
        .map_err(|e| Failure::from_sdk(e, &store.bucket))?;
    check_etag(
        out.e_tag(),
        &hex::encode(digest),
        sse_hides_md5(out.server_side_encryption(), out.sse_customer_algorithm()),
    )?;
    Ok((
        CompletedPart::builder()
            .set_e_tag(out.e_tag().map(str::to_string))
            .part_number(number)
            .build(),
        digest,
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::store::s3_upload::md5_of;

    #[test]
    fn part_size_grows_only_for_huge_content() {
        assert_eq!(part_size_for(None), PART_SIZE);
        assert_eq!(part_size_for(Some(20 << 20)), PART_SIZE);
        assert_eq!(part_size_for(Some(80_000 << 20)), PART_SIZE);
        let big = 200_000u64 << 20; // 200 000 MiB needs 20 MiB parts
        assert_eq!(part_size_for(Some(big)), 20 << 20);
        assert!(big.div_ceil(part_size_for(Some(big)) as u64) <= MAX_PARTS);
    }

    #[test]
    fn multipart_etag_is_the_md5_of_the_part_md5s() {
        let parts = [md5_of(b"part one"), md5_of(b"part two")];
        let mut joined = Vec::new();
        joined.extend_from_slice(&parts[0]);
        joined.extend_from_slice(&parts[1]);
        assert_eq!(
            multipart_etag(&parts),
            format!("{}-2", hex::encode(md5_of(&joined)))
        );
    }
}
