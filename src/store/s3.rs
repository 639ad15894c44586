//! The fs-s3 backend, raw side: one bucket + key prefix as a [`FileStore`] (spec/backends.md §6).
//!
//! Object key = mount prefix + path, nothing normalised. Directories are only common prefixes
//! of keys (plus "marker" objects ending in `/` written by other tools, shown as empty
//! directories). Listings page through ListObjectsV2 continuation tokens without a cap; reads
//! stream the response body; writes are a single PutObject (buffered below
//! [`MULTIPART_THRESHOLD`], streamed up to `uploadCutoff`) or a multipart upload
//! (`s3_upload.rs`, `s3_multipart.rs`), every one verified by MD5; rill's own fs functions are in `s3_rill.rs`.
//!
//! Limits: the SDK's own retries are disabled (retrying is a wrapper's job, and an unreachable
//! endpoint must fail within the connect timeout); request timeouts derive from the mount's
//! `connect_timeout` (see [`S3Store::connect`]). Every SDK error goes through one translation
//! (`s3_error.rs`) and never leaves this backend as a native type.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::types::Object;
use aws_smithy_http_client::tls;
use bytes::Bytes;

use super::key_pattern::KeyPattern;
pub(crate) use super::s3_error::Failure;
use super::{
    ByteStream, Capability, EntryKind, ErrorKind, FileMeta, FilePage, FileStore, StoreError,
    StoreInfo,
};
use crate::config::{FsMountConfig, S3FsConfig};

pub use super::s3_multipart::{PART_SIZE, UPLOAD_CONCURRENCY};
pub use super::s3_upload::MULTIPART_THRESHOLD;

/// The content type rill's fs-s3 puts on every object it writes (§6.2).
pub const RILL_CONTENT_TYPE: &str = "text/plain; charset=utf-8";

/// How many connect timeouts a whole request (metadata calls, first byte of a download) may
/// take before it fails as timed out.
pub const REQUEST_TIMEOUT_FACTOR: u32 = 6;

/// An S3 bucket + prefix as rill's fs-s3 sees it: raw [`FileStore`] and [`super::RillFs`].
///
/// Cheap to clone (the SDK client is shared). `Debug` shows the location only, never
/// credentials.
#[derive(Clone)]
pub struct S3Store {
    pub(crate) client: Client,
    pub(crate) mount: Arc<FsMountConfig>,
    pub(crate) bucket: String,
    pub(crate) prefix: String,
    /// `s3://bucket/prefix` plus the endpoint when it is not AWS; no credentials.
    pub(crate) label: String,
    /// Bound on one whole request ([`REQUEST_TIMEOUT_FACTOR`] × connect timeout); uploads get
    /// more, per byte (`upload_timeout`).
    pub(crate) request_timeout: Duration,
    pub(crate) connect_timeout: Duration,
    /// Known sizes up to this are one streamed PutObject (see `s3_upload`).
    pub(crate) upload_cutoff: u64,
    /// Clean-up of cancelled uploads (AbortMultipartUpload of a dropped multipart upload),
    /// shared by the clones; [`FileStore::settle`] waits for it.
    pub(crate) cleanup: tokio_util::task::TaskTracker,
}

impl fmt::Debug for S3Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Store")
            .field("mount", &self.mount.name)
            .field("location", &self.label)
            .finish()
    }
}

/// Checks the options rill's `createS3FsExtension` validates, with rill's texts (§6.1):
/// a non-blank region, and an endpoint that is non-blank and parses as a URL.
///
/// The URL check follows WHATWG `new URL()` for the cases that matter (scheme, and a host for
/// `http`/`https`); we additionally require `http` or `https`, which the SDK needs.
pub fn check_config(s: &S3FsConfig) -> Result<(), String> {
    if s.region.trim().is_empty() {
        return Err("S3 configuration requires non-empty region".into());
    }
    if let Some(ep) = &s.endpoint {
        if ep.trim().is_empty() {
            return Err("S3 endpoint must be a non-empty string".into());
        }
        if !url_parses(ep.trim()) {
            return Err(format!("S3 endpoint must be a valid URL: {ep}"));
        }
        let lower = ep.trim().to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return Err(format!("S3 endpoint must be an http or https URL: {ep}"));
        }
    }
    Ok(())
}

/// Whether `new URL(v)` would accept `v` (scheme, then a host for the special schemes).
fn url_parses(v: &str) -> bool {
    let Some((scheme, rest)) = v.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    let scheme_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return false;
    }
    let special = ["http", "https", "ws", "wss", "ftp"];
    if !special.contains(&scheme.to_ascii_lowercase().as_str()) {
        return true;
    }
    let after = rest.trim_start_matches(['/', '\\']);
    let authority = after.split(['/', '\\', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = if host_port.starts_with('[') {
        host_port
            .split(']')
            .next()
            .map(|h| h.trim_start_matches('['))
            .unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    let port_ok = match host_port.rsplit_once("]:").or_else(|| {
        (!host_port.starts_with('['))
            .then(|| host_port.split_once(':'))
            .flatten()
    }) {
        Some((_, port)) => port.is_empty() || port.parse::<u16>().is_ok(),
        None => true,
    };
    !host.is_empty() && !host.contains([' ', '<', '>', '^', '|', '%']) && port_ok
}

/// The endpoint without any `user:password@` part, for labels.
fn endpoint_label(ep: &str) -> String {
    match ep.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let host = authority.rsplit('@').next().unwrap_or(authority);
            format!("{scheme}://{host}{path}")
        }
        None => ep.to_string(),
    }
}

impl S3Store {
    /// Builds the client for one fs mount: region, endpoint, path style, static credentials
    /// (with an optional session token) or the AWS default provider chain, over the
    /// rustls + ring HTTPS client (which also serves `http://` endpoints).
    ///
    /// Does not contact the server. Timeouts: `connect_timeout` for TCP/TLS connects,
    /// [`REQUEST_TIMEOUT_FACTOR`] times it for a whole request attempt (uploads get more,
    /// scaled by size). SDK retries are off, so an unreachable endpoint fails within the
    /// connect timeout instead of after several backed-off attempts.
    pub async fn connect(cfg: &FsMountConfig, s: &S3FsConfig) -> Result<S3Store, StoreError> {
        let label = Self::label_for(s);
        check_config(s).map_err(|m| {
            StoreError::new(ErrorKind::Config, label.clone(), m).during("open", cfg.name.clone())
        })?;
        let connect_timeout = s.connect_timeout.max(Duration::from_millis(1));
        let request_timeout = connect_timeout * REQUEST_TIMEOUT_FACTOR;
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(connect_timeout)
            .read_timeout(request_timeout)
            .operation_attempt_timeout(request_timeout)
            .operation_timeout(request_timeout)
            .build();

        let mut b = match &s.credentials {
            Some(c) => {
                let creds = Credentials::new(
                    c.access_key_id.clone(),
                    c.secret_access_key.expose().to_string(),
                    c.session_token.as_ref().map(|t| t.expose().to_string()),
                    None,
                    "rillmount-profile",
                );
                aws_sdk_s3::config::Builder::new().credentials_provider(creds)
            }
            None => {
                // The default chain (environment, profile files, SSO cache, web identity,
                // container and instance metadata), using the same HTTP client and timeouts.
                let sdk = aws_config::defaults(BehaviorVersion::latest())
                    .http_client(http.clone())
                    .timeout_config(timeouts.clone())
                    .region(Region::new(s.region.clone()))
                    .load()
                    .await;
                aws_sdk_s3::config::Builder::from(&sdk)
            }
        };
        b = b
            .behavior_version(BehaviorVersion::latest())
            .http_client(http)
            .region(Region::new(s.region.clone()))
            .force_path_style(s.force_path_style)
            .timeout_config(timeouts)
            .retry_config(RetryConfig::disabled())
            // Checksums only where S3 requires them: several S3-compatible servers reject
            // the aws-chunked trailers the SDK adds by default. Contents are verified by
            // hash at a higher level.
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
        if let Some(ep) = &s.endpoint {
            b = b.endpoint_url(ep.trim());
        }
        Ok(S3Store {
            client: Client::from_conf(b.build()),
            mount: Arc::new(cfg.clone()),
            bucket: s.bucket.clone(),
            prefix: s.prefix.clone(),
            label,
            request_timeout,
            connect_timeout,
            upload_cutoff: s.upload_cutoff,
            cleanup: tokio_util::task::TaskTracker::new(),
        })
    }

    fn label_for(s: &S3FsConfig) -> String {
        let mut l = format!("s3://{}/{}", s.bucket, s.prefix);
        if let Some(ep) = &s.endpoint {
            l.push_str(&format!(" at {}", endpoint_label(ep.trim())));
        }
        l
    }

    /// The mount's configuration.
    pub fn mount_config(&self) -> &FsMountConfig {
        &self.mount
    }

    /// The bucket this mount lives in.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The raw key prefix, exactly as configured (may be empty or lack a trailing `/`).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Object key of a raw path (mount prefix + path).
    pub(crate) fn key(&self, path: &str) -> String {
        format!("{}{}", self.prefix, path)
    }

    /// The path of `key` relative to the mount prefix (`None` if outside it).
    fn rel<'k>(&self, key: &'k str) -> Option<&'k str> {
        key.strip_prefix(self.prefix.as_str())
    }

    pub(crate) fn err(&self, f: Failure, op: &'static str, target: &str) -> StoreError {
        StoreError::new(f.kind, self.label.clone(), f.message).during(op, target.to_string())
    }

    /// Time allowed for one upload request of `len` bytes: the request timeout plus one
    /// second per 256 KiB (a floor of 256 KiB/s that still fails a dead server).
    pub(crate) fn upload_timeout(&self, len: u64) -> Duration {
        self.request_timeout + Duration::from_secs(len / (256 * 1024))
    }

    /// HeadObject; `Ok(None)` when the object does not exist.
    pub(crate) async fn head(
        &self,
        key: &str,
    ) -> Result<Option<aws_sdk_s3::operation::head_object::HeadObjectOutput>, Failure> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(o) => Ok(Some(o)),
            Err(e) => {
                let f = Failure::from_sdk(e, &self.bucket);
                if f.is_missing_object() {
                    Ok(None)
                } else {
                    Err(f)
                }
            }
        }
    }

    /// One ListObjectsV2 page.
    pub(crate) async fn list_page(
        &self,
        prefix: &str,
        delimiter: bool,
        token: Option<&str>,
        max_keys: Option<i32>,
    ) -> Result<aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output, Failure> {
        let mut req = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix);
        if delimiter {
            req = req.delimiter("/");
        }
        if let Some(t) = token {
            req = req.continuation_token(t);
        }
        if let Some(m) = max_keys {
            req = req.max_keys(m);
        }
        req.send()
            .await
            .map_err(|e| Failure::from_sdk(e, &self.bucket))
    }

    fn object_meta(&self, path: &str, o: &Object) -> FileMeta {
        FileMeta {
            path: path.to_string(),
            kind: EntryKind::File,
            size: o.size().map_or(0, |s| s.max(0) as u64),
            modified: o
                .last_modified()
                .and_then(|d| SystemTime::try_from(*d).ok()),
            created: None,
            etag: o.e_tag().map(str::to_string),
            content_type: None,
        }
    }

    /// Whether some key after `marker` (a key ending in `/`) starts with it, i.e. whether the
    /// marker's directory has content.
    async fn marker_has_children(&self, marker: &str) -> Result<bool, Failure> {
        let out = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(marker)
            .start_after(marker)
            .max_keys(1)
            .send()
            .await
            .map_err(|e| Failure::from_sdk(e, &self.bucket))?;
        Ok(!out.contents().is_empty())
    }
}

fn dir_meta(path: &str) -> FileMeta {
    FileMeta {
        path: path.to_string(),
        kind: EntryKind::Directory,
        size: 0,
        modified: None,
        created: None,
        etag: None,
        content_type: None,
    }
}

fn clamp_limit(limit: usize) -> i32 {
    limit.clamp(1, 1000) as i32
}

#[async_trait]
impl FileStore for S3Store {
    fn info(&self) -> StoreInfo {
        StoreInfo {
            backend: super::Backend::S3,
            location: self.label.clone(),
            capability: Capability {
                ttl: false,
                ranged_read: true,
                atomic_rename: false,
                directories: false,
            },
        }
    }

    /// Directory `d` is the key prefix `prefix + d + "/"` (the root is `prefix` itself).
    async fn list(
        &self,
        dir: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<FilePage, StoreError> {
        let p = if dir.is_empty() {
            self.prefix.clone()
        } else {
            format!("{}{dir}/", self.prefix)
        };
        let out = self
            .list_page(&p, true, cursor, Some(clamp_limit(limit)))
            .await
            .map_err(|f| self.err(f, "list", dir))?;
        let mut entries = Vec::new();
        for cp in out.common_prefixes() {
            let Some(rel) = cp.prefix().and_then(|k| self.rel(k)) else {
                continue;
            };
            let path = rel.strip_suffix('/').unwrap_or(rel);
            // `prefix/` itself under a prefix without trailing slash: not a named entry.
            if !path.is_empty() {
                entries.push(dir_meta(path));
            }
        }
        for o in out.contents() {
            // A marker object for the listed directory itself is not an entry of it.
            let Some(key) = o.key().filter(|k| *k != p) else {
                continue;
            };
            let Some(rel) = self.rel(key) else { continue };
            entries.push(self.object_meta(rel, o));
        }
        Ok(FilePage {
            entries,
            next: out.next_continuation_token().map(str::to_string),
            scanned: 0,
        })
    }

    /// Every object under the prefix; a marker object `d/` with nothing under it is reported as
    /// the empty directory `d`, never as a file with an empty name.
    async fn walk(&self, cursor: Option<&str>, limit: usize) -> Result<FilePage, StoreError> {
        self.walk_listing(&self.prefix, cursor, limit).await
    }

    /// The listing of the keys under the mount's prefix and the pattern's literal prefix,
    /// each path checked with the pattern.
    async fn walk_match(
        &self,
        pattern: &KeyPattern,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<FilePage, StoreError> {
        let under = format!("{}{}", self.prefix, pattern.literal_prefix());
        let mut page = self.walk_listing(&under, cursor, limit).await?;
        page.scanned = page.entries.len() as u64;
        page.entries.retain(|m| pattern.matches(&m.path));
        Ok(page)
    }

    /// An object, or a directory when the path is only a common prefix of keys.
    async fn stat(&self, path: &str) -> Result<Option<FileMeta>, StoreError> {
        if path.is_empty() {
            return Ok(Some(dir_meta("")));
        }
        let key = self.key(path);
        if let Some(h) = self
            .head(&key)
            .await
            .map_err(|f| self.err(f, "stat", path))?
        {
            return Ok(Some(FileMeta {
                path: path.to_string(),
                kind: EntryKind::File,
                size: h.content_length().map_or(0, |s| s.max(0) as u64),
                modified: h
                    .last_modified()
                    .and_then(|d| SystemTime::try_from(*d).ok()),
                created: None,
                etag: h.e_tag().map(str::to_string),
                content_type: h.content_type().map(str::to_string),
            }));
        }
        let out = self
            .list_page(&format!("{key}/"), false, None, Some(1))
            .await
            .map_err(|f| self.err(f, "stat", path))?;
        Ok((!out.contents().is_empty()).then(|| dir_meta(path)))
    }

    async fn read(&self, path: &str) -> Result<ByteStream, StoreError> {
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(self.key(path))
            .send()
            .await
            .map_err(|e| self.err(Failure::from_sdk(e, &self.bucket), "read", path))?;
        Ok(body_stream(out.body, self.label.clone(), path.to_string()))
    }

    async fn read_range(&self, path: &str, offset: u64, len: u64) -> Result<Bytes, StoreError> {
        if len == 0 {
            return Ok(Bytes::new());
        }
        let range = format!("bytes={}-{}", offset, offset.saturating_add(len - 1));
        let out = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(self.key(path))
            .range(range)
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) => {
                let f = Failure::from_sdk(e, &self.bucket);
                // 416: the range starts at or past the end of the object.
                if f.status == Some(416) {
                    return Ok(Bytes::new());
                }
                return Err(self.err(f, "read", path));
            }
        };
        let ranged = out.content_range().is_some();
        let data = out
            .body
            .collect()
            .await
            .map_err(|e| self.err(Failure::body(&e), "read", path))?
            .into_bytes();
        // A server ignoring the Range header sends everything: cut it ourselves.
        if data.len() as u64 > len {
            let start = if ranged {
                0
            } else {
                (offset as usize).min(data.len())
            };
            let end = start.saturating_add(len as usize).min(data.len());
            return Ok(data.slice(start..end));
        }
        Ok(data)
    }

    async fn write(
        &self,
        path: &str,
        body: ByteStream,
        size: Option<u64>,
    ) -> Result<FileMeta, StoreError> {
        self.upload(path, body, size).await
    }

    /// Waits until every multipart upload whose write was dropped is aborted.
    async fn settle(&self) {
        self.cleanup.close();
        self.cleanup.wait().await;
        self.cleanup.reopen();
    }

    async fn delete(&self, path: &str) -> Result<bool, StoreError> {
        let key = self.key(path);
        let existed = self
            .head(&key)
            .await
            .map_err(|f| self.err(f, "delete", path))?
            .is_some();
        if existed {
            self.delete_key(&key)
                .await
                .map_err(|f| self.err(f, "delete", path))?;
        }
        Ok(existed)
    }

    /// S3 has no directories: nothing to create.
    async fn mkdir(&self, _path: &str) -> Result<bool, StoreError> {
        Ok(false)
    }
}

impl S3Store {
    /// One page of [`FileStore::walk`] over the keys that start with `list_prefix` (the
    /// mount's prefix, maybe longer).
    async fn walk_listing(
        &self,
        list_prefix: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<FilePage, StoreError> {
        let out = self
            .list_page(list_prefix, false, cursor, Some(clamp_limit(limit)))
            .await
            .map_err(|f| self.err(f, "walk", ""))?;
        let objects = out.contents();
        let mut entries = Vec::with_capacity(objects.len());
        for (i, o) in objects.iter().enumerate() {
            let Some(key) = o.key() else { continue };
            let Some(rel) = self.rel(key) else { continue };
            if rel.is_empty() {
                continue; // a marker for the mount root itself
            }
            let Some(dir) = rel.strip_suffix('/') else {
                entries.push(self.object_meta(rel, o));
                continue;
            };
            // Keys sharing the marker as prefix sort right after it: look at the next key,
            // on the next page if this one ends here.
            let has_children = match objects.get(i + 1).and_then(|n| n.key()) {
                Some(next) => next.starts_with(key),
                None if out.next_continuation_token().is_some() => self
                    .marker_has_children(key)
                    .await
                    .map_err(|f| self.err(f, "walk", ""))?,
                None => false,
            };
            if !has_children && !dir.is_empty() {
                entries.push(dir_meta(dir));
            }
        }
        Ok(FilePage {
            entries,
            next: out.next_continuation_token().map(str::to_string),
            scanned: 0,
        })
    }

    pub(crate) async fn delete_key(&self, key: &str) -> Result<(), Failure> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| Failure::from_sdk(e, &self.bucket))
    }
}

/// The SDK's response body as our [`ByteStream`], chunk by chunk (never buffered whole).
fn body_stream(
    body: aws_sdk_s3::primitives::ByteStream,
    store: String,
    path: String,
) -> ByteStream {
    let s = futures::stream::unfold(Some(body), move |state| {
        let store = store.clone();
        let path = path.clone();
        async move {
            let mut body = state?;
            match body.next().await {
                Some(Ok(chunk)) => Some((Ok(chunk), Some(body))),
                Some(Err(e)) => {
                    let f = Failure::body(&e);
                    let err = StoreError::new(f.kind, store, f.message).during("read", path);
                    Some((Err(err), None))
                }
                None => None,
            }
        }
    });
    Box::pin(s)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn cfg(region: &str, endpoint: Option<&str>) -> S3FsConfig {
        S3FsConfig {
            bucket: "b".into(),
            prefix: "p/".into(),
            region: region.into(),
            endpoint: endpoint.map(str::to_string),
            force_path_style: true,
            credentials: None,
            connect_timeout: Duration::from_secs(1),
            upload_cutoff: crate::config::profiles::DEFAULT_UPLOAD_CUTOFF,
        }
    }

    #[test]
    fn config_texts_match_rill() {
        assert_eq!(
            check_config(&cfg("  ", None)).unwrap_err(),
            "S3 configuration requires non-empty region"
        );
        assert_eq!(
            check_config(&cfg("us-east-1", Some(" "))).unwrap_err(),
            "S3 endpoint must be a non-empty string"
        );
        assert_eq!(
            check_config(&cfg("us-east-1", Some("not a url"))).unwrap_err(),
            "S3 endpoint must be a valid URL: not a url"
        );
        assert_eq!(
            check_config(&cfg("us-east-1", Some("http://"))).unwrap_err(),
            "S3 endpoint must be a valid URL: http://"
        );
        assert!(check_config(&cfg("auto", Some("https://x.r2.cloudflarestorage.com"))).is_ok());
        assert!(check_config(&cfg("us-east-1", Some("http://127.0.0.1:9000"))).is_ok());
        assert!(check_config(&cfg("us-east-1", Some("http://[::1]:9000/"))).is_ok());
        assert!(check_config(&cfg("us-east-1", Some("http://h:99999"))).is_err());
        assert!(
            check_config(&cfg("us-east-1", Some("ftp://h")))
                .unwrap_err()
                .contains("http or https")
        );
    }

    #[test]
    fn labels_hide_user_info() {
        assert_eq!(
            endpoint_label("http://user:pw@host:9000/x"),
            "http://host:9000/x"
        );
        let mut c = cfg("r", Some("http://k:s@h:1"));
        c.bucket = "bk".into();
        assert_eq!(S3Store::label_for(&c), "s3://bk/p/ at http://h:1");
    }
}
