//! Uploads for the S3 backend, three ways:
//! - up to [`MULTIPART_THRESHOLD`] (8 MiB): one PutObject of the buffered content;
//! - a known size above it, up to the mount's `uploadCutoff` (128 MiB by default, as rclone's
//!   `--s3-upload-cutoff`): one PutObject streamed from the source (not held in memory; one
//!   request spares the server reassembling parts);
//! - otherwise (larger, or a size not known up front): a multipart upload with concurrent
//!   parts (`s3_multipart.rs`).
//!
//! No partial object is ever visible: a PutObject lands whole or not at all, a multipart upload
//! is either completed or aborted (also when the write future is dropped mid-way, see
//! `s3_multipart.rs`). At most `UPLOAD_CONCURRENCY + 1` parts are held in memory at a time.
//! Every object gets rill's `Content-Type: text/plain; charset=utf-8` and nothing else (§6.2).
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
use aws_sdk_s3::primitives::ByteStream as SdkBody;
use aws_sdk_s3::types::ServerSideEncryption;
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use md5::{Digest, Md5};

use super::s3::{Failure, RILL_CONTENT_TYPE, S3Store};
use super::{ByteStream, EntryKind, ErrorKind, FileMeta, StoreError};

/// Content of this many bytes or more is uploaded in parts.
pub const MULTIPART_THRESHOLD: u64 = 8 * 1024 * 1024;

/// MD5 of `data`.
pub(super) fn md5_of(data: &[u8]) -> [u8; 16] {
    Md5::digest(data).into()
}

/// MD5 of an upload body. A large one is hashed on the blocking pool so that the runtime's
/// workers keep driving the other uploads' I/O meanwhile (hashing 8 MiB takes ~15 ms).
pub(super) async fn md5_of_body(data: &Bytes) -> [u8; 16] {
    if data.len() < 256 * 1024 {
        return md5_of(data);
    }
    let d = data.clone();
    match tokio::task::spawn_blocking(move || md5_of(&d)).await {
        Ok(digest) => digest,
        Err(_) => md5_of(data),
    }
}

/// Does the ETag the server answered name the content we sent? `encrypted`: SSE-KMS / SSE-C,
/// whose ETags are not content hashes (then only `Content-MD5` verified the upload).
pub(super) fn check_etag(
    etag: Option<&str>,
    expected: &str,
    encrypted: bool,
) -> Result<(), Failure> {
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

pub(super) fn sse_hides_md5(
    sse: Option<&ServerSideEncryption>,
    customer_key: Option<&str>,
) -> bool {
    customer_key.is_some()
        || matches!(
            sse,
            Some(ServerSideEncryption::AwsKms) | Some(ServerSideEncryption::AwsKmsDsse)
        )
}

impl S3Store {
    /// Timeouts of one upload request of `len` bytes (the client-wide ones are too short).
    pub(super) fn upload_config(&self, len: u64) -> aws_sdk_s3::config::Builder {
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

    pub(super) fn check_length(
        &self,
        path: &str,
        size: Option<u64>,
        got: u64,
    ) -> Result<(), StoreError> {
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
}
