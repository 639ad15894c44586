//! Uploads for the S3 backend, three ways:
//! - up to [`MULTIPART_THRESHOLD`] (8 MiB): one PutObject of the buffered content;
//! - a known size above it, up to the mount's `uploadCutoff` (128 MiB by default, as rclone's
//!   `--s3-upload-cutoff`): one PutObject streamed from the source (not held in memory; one
//!   request spares the server reassembling parts);
//! - otherwise (larger, or a size not known up front): a multipart upload with concurrent
//!   parts.
//!
//! No partial object is ever visible: a PutObject lands whole or not at all, a multipart upload
//! is either completed or aborted (on any error, and when the write future is dropped mid-way:
//! then from `Drop`, in a task that [`super::FileStore::settle`] waits for; an upload whose
//! CreateMultipartUpload was still under way is aborted by the task that sent it). At most `UPLOAD_CONCURRENCY + 1` parts are held in memory at a time. Every object gets rill's
//! `Content-Type: text/plain; charset=utf-8` and nothing else (§6.2).
//!
//! Every upload is verified by hash: each buffered PutObject and UploadPart carries
//! `Content-MD5`, so the server refuses bytes damaged on the way (`BadDigest`), and the ETag it
//! answers is checked against the MD5 of what was sent (for a multipart upload, the MD5 of the
//! parts' MD5s and `-N`), so an object stored differently is an error, not a silent success. A
//! streamed PutObject cannot carry `Content-MD5` (the hash is known only at the end): its MD5 is
//! computed on the way and checked against the ETag, and a mismatch deletes the object. Objects
//! encrypted with SSE-KMS or SSE-C have ETags that are not MD5s; for them only `Content-MD5`
//! applies. Payloads are not SigV4-signed (`UNSIGNED-PAYLOAD`): the MD5 checks cover integrity
//! and the SHA-256 of every body, on both ends, is saved.

use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::operation::create_multipart_upload::CreateMultipartUploadOutput;
use aws_sdk_s3::primitives::ByteStream as SdkBody;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart, ServerSideEncryption};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use md5::{Digest, Md5};
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

/// MD5 of `data`.
fn md5_of(data: &[u8]) -> [u8; 16] {
    Md5::digest(data).into()
}

/// MD5 of an upload body. A large one is hashed on the blocking pool so that the runtime's
/// workers keep driving the other uploads' I/O meanwhile (hashing 8 MiB takes ~15 ms).
async fn md5_of_body(data: &Bytes) -> [u8; 16] {
    if data.len() < 256 * 1024 {
        return md5_of(data);
    }
    let d = data.clone();
    match tokio::task::spawn_blocking(move || md5_of(&d)).await {
        Ok(digest) => digest,
        Err(_) => md5_of(data),
    }
}

/// The ETag S3 gives a multipart object whose parts have these MD5s.
fn multipart_etag(part_md5s: &[[u8; 16]]) -> String {
    let mut h = Md5::new();
    for d in part_md5s {
        h.update(d);
    }
    format!("{}-{}", hex::encode(h.finalize()), part_md5s.len())
}

/// Does the ETag the server answered name the content we sent? `encrypted`: SSE-KMS / SSE-C,
/// whose ETags are not content hashes (then only `Content-MD5` verified the upload).
fn check_etag(etag: Option<&str>, expected: &str, encrypted: bool) -> Result<(), Failure> {
    let Some(etag) = etag else {
        return Ok(()); // no ETag to compare: Content-MD5 was still checked by the server
    };
    let got = etag.trim_matches('"').to_ascii_lowercase();
    if encrypted || got == expected {
        return Ok(());
    }
    Err(Failure {
        kind: ErrorKind::Corrupt,
        message: format!(
            "the server stored different bytes: ETag {got}, expected {expected} from the content sent"
        ),
        code: None,
        status: None,
        raw: format!("ETag mismatch: {got} != {expected}"),
    })
}

fn sse_hides_md5(sse: Option<&ServerSideEncryption>, customer_key: Option<&str>) -> bool {
    customer_key.is_some()
        || matches!(
            sse,
            Some(ServerSideEncryption::AwsKms) | Some(ServerSideEncryption::AwsKmsDsse)
        )
}

/// Part size for an upload of `size` bytes (whole MiB, at least [`PART_SIZE`]).
fn part_size_for(size: Option<u64>) -> usize {
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

    /// One PutObject with rill's content type, verified by hash (see the module notes).
    pub(crate) async fn put_object(
        &self,
        key: &str,
        data: Bytes,
    ) -> Result<Option<String>, Failure> {
        let len = data.len() as u64;
        let digest = md5_of_body(&data).await;
        let out = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(RILL_CONTENT_TYPE)
            .content_length(len as i64)
            .content_md5(aws_smithy_types::base64::encode(digest))
            .body(SdkBody::from(data))
            .customize()
            .disable_payload_signing()
            .config_override(self.upload_config(len))
            .send()
            .await
            .map_err(|e| Failure::from_sdk(e, &self.bucket))?;
        check_etag(
            out.e_tag(),
            &hex::encode(digest),
            sse_hides_md5(out.server_side_encryption(), out.sse_customer_algorithm()),
        )?;
        Ok(out.e_tag().map(str::to_string))
    }

    /// [`super::FileStore::write`]: a streamed PutObject, a buffered one, or a multipart upload.
    pub(crate) async fn upload(
        &self,
        path: &str,
        body: ByteStream,
        size: Option<u64>,
    ) -> Result<FileMeta, StoreError> {
        let key = self.key(path);
        // Known size from the threshold up to the mount's `uploadCutoff`: one streamed
        // PutObject (not held in memory; one request spares the server reassembling parts).
        let (etag, total) =
            match size.filter(|n| *n > MULTIPART_THRESHOLD && *n <= self.upload_cutoff) {
                Some(n) => (self.put_streamed(path, &key, body, n).await?, n),
                None => {
                    self.put_buffered_or_in_parts(path, &key, body, size)
                        .await?
                }
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

    /// Reads up to the threshold: content that ends there is one PutObject, longer content a
    /// multipart upload. Returns the ETag and the size written.
    async fn put_buffered_or_in_parts(
        &self,
        path: &str,
        key: &str,
        mut body: ByteStream,
        size: Option<u64>,
    ) -> Result<(Option<String>, u64), StoreError> {
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
        if !ended {
            return self.multipart(path, key, buf, body, size).await;
        }
        let total = buf.len() as u64;
        self.check_length(path, size, total)?;
        let etag = self
            .put_object(key, buf.freeze())
            .await
            .map_err(|f| self.err(f, "write", path))?;
        Ok((etag, total))
    }

    /// One PutObject of `size` bytes streamed from `body` (see `uploadCutoff`). The body
    /// cannot carry `Content-MD5` (its hash is known only at the end), so the MD5 computed on
    /// the way is checked against the ETag afterwards; on a mismatch, or when the content was
    /// not `size` bytes, the object is deleted and the write fails.
    async fn put_streamed(
        &self,
        path: &str,
        key: &str,
        mut body: ByteStream,
        size: u64,
    ) -> Result<Option<String>, StoreError> {
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, StoreError>>(4);
        // Feeds the request body, hashing and counting what passes; ends when the content
        // ends or the request stops reading (failed or cancelled).
        let feeder = tokio::spawn(async move {
            let mut hasher = Md5::new();
            let mut count = 0u64;
            while let Some(chunk) = body.next().await {
                if let Ok(b) = &chunk {
                    hasher.update(b);
                    count += b.len() as u64;
                }
                let failed = chunk.is_err();
                if tx.send(chunk).await.is_err() || failed {
                    break;
                }
            }
            (<[u8; 16]>::from(hasher.finalize()), count)
        });
        let sent = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(RILL_CONTENT_TYPE)
            .content_length(size as i64)
            .body(SdkBody::from_body_1_x(ChannelBody { rx }))
            .customize()
            .disable_payload_signing()
            .config_override(self.upload_config(size))
            .send()
            .await;
        let out = match sent {
            Ok(out) => out,
            Err(e) => {
                feeder.abort();
                return Err(self.err(Failure::from_sdk(e, &self.bucket), "write", path));
            }
        };
        let checked = match feeder.await {
            Ok((digest, count)) => self.check_length(path, Some(size), count).and_then(|()| {
                check_etag(
                    out.e_tag(),
                    &hex::encode(digest),
                    sse_hides_md5(out.server_side_encryption(), out.sse_customer_algorithm()),
                )
                .map_err(|f| self.err(f, "write", path))
            }),
            Err(e) => Err(StoreError::new(
                ErrorKind::Other,
                self.label.clone(),
                format!("the upload's reader failed: {e}"),
            )
            .during("write", path.to_string())),
        };
        if let Err(e) = checked {
            // Never leave an object that is not what was sent.
            let _ = self
                .client
                .delete_object()
                .bucket(&self.bucket)
                .key(key)
                .send()
                .await;
            return Err(e);
        }
        Ok(out.e_tag().map(str::to_string))
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

/// An http-body 1 `Body` over a channel of chunks (the SDK needs a `Sync` body; a boxed
/// stream is only `Send`).
struct ChannelBody {
    rx: tokio::sync::mpsc::Receiver<Result<Bytes, StoreError>>,
}

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = StoreError;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, StoreError>>> {
        self.rx
            .poll_recv(cx)
            .map(|chunk| chunk.map(|r| r.map(http_body::Frame::data)))
    }
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

    #[test]
    fn etags_are_checked_against_what_was_sent() {
        let d = md5_of(b"hello");
        let hex = hex::encode(d);
        assert_eq!(hex, "5d41402abc4b2a76b9719d911017c592");
        // S3 quotes ETags; case does not matter.
        assert!(check_etag(Some(&format!("\"{}\"", hex.to_uppercase())), &hex, false).is_ok());
        let bad = check_etag(Some("\"0123456789abcdef0123456789abcdef\""), &hex, false)
            .expect_err("a different ETag must fail");
        assert_eq!(bad.kind, ErrorKind::Corrupt);
        assert!(
            bad.message.contains("stored different bytes"),
            "{}",
            bad.message
        );
        // SSE-KMS / SSE-C ETags are not MD5s; no ETag at all: nothing to compare.
        assert!(check_etag(Some("\"opaque\""), &hex, true).is_ok());
        assert!(check_etag(None, &hex, false).is_ok());
        assert!(sse_hides_md5(Some(&ServerSideEncryption::AwsKms), None));
        assert!(sse_hides_md5(None, Some("AES256")));
        assert!(!sse_hides_md5(Some(&ServerSideEncryption::Aes256), None));
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
