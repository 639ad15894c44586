//! rill's fs functions on an S3 mount, exactly as `@rcrsr/rill-ext-fs-s3` v0.8.6 behaves
//! (spec/backends.md §6.2, §6.3, §7.2), quirks included: key = prefix + path with one leading
//! `/` stripped; `list` is one ListObjectsV2 page (at most 1000 entries) under `P/`, so the
//! root of a mount with an empty prefix lists nothing; `exists`/`remove` throw mode errors;
//! `stat` has no `created`; `mkdir` is a no-op.
//!
//! Errors rill raises itself are plain [`RillCallError`]s with rill's texts; errors rill lets
//! through from the AWS SDK ("raw") carry the SDK's message or error name instead
//! ([`Failure::raw`]).

use async_trait::async_trait;

use super::rill_glob::matches_glob;
use super::s3::{Failure, S3Store};
use super::{Json, JsonObject, RillCallError, RillFs};

/// The error of any fs function called with a mount name that is not configured.
pub fn mount_not_configured(mount: &str) -> RillCallError {
    RillCallError::plain(format!("mount \"{mount}\" not configured"))
}

fn raw(f: Failure) -> RillCallError {
    RillCallError::plain(f.raw)
}

/// Last `/`-separated segment (`""` for a key ending in `/`).
fn basename(key: &str) -> &str {
    key.rsplit('/').next().unwrap_or(key)
}

fn entry(name: &str, kind: &str, size: f64) -> Json {
    let mut o = JsonObject::new();
    o.insert("name".into(), Json::String(name.to_string()));
    o.insert("type".into(), Json::String(kind.to_string()));
    o.insert("size".into(), Json::Number(size));
    Json::Object(o)
}

/// Percent-encodes a CopySource `bucket/key` (everything but unreserved characters and `/`).
fn encode_copy_source(bucket: &str, key: &str) -> String {
    let mut out = String::with_capacity(bucket.len() + key.len() + 1);
    for b in format!("{bucket}/{key}").bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl S3Store {
    /// rill's `mapPath`: one leading `/` removed, nothing else normalised.
    pub fn rill_key(&self, path: &str) -> String {
        self.key(path.strip_prefix('/').unwrap_or(path))
    }

    fn mode_text(&self) -> &str {
        // An absent mode prints as JavaScript's `undefined`.
        self.mount.mode.as_str().unwrap_or("undefined")
    }

    fn check_read(&self) -> Result<(), RillCallError> {
        if self.mount.mode.fs_allows_read() {
            Ok(())
        } else {
            Err(self.mode_error("read"))
        }
    }

    fn check_write(&self) -> Result<(), RillCallError> {
        if self.mount.mode.fs_allows_write() {
            Ok(())
        } else {
            Err(self.mode_error("write"))
        }
    }

    fn mode_error(&self, op: &str) -> RillCallError {
        RillCallError::plain(format!(
            "mount does not permit {op} operations (mode: {})",
            self.mode_text()
        ))
    }

    fn check_size(&self, size: u64, key: &str) -> Result<(), RillCallError> {
        let max = self.mount.max_file_size;
        if size > max {
            return Err(RillCallError::plain(format!(
                "file exceeds size limit ({size} > {max} bytes): {key}"
            )));
        }
        Ok(())
    }

    fn glob_allows(&self, name: &str) -> bool {
        match self.mount.glob.as_deref() {
            // An empty glob is falsy in JavaScript: no filter.
            None | Some("") => true,
            Some(g) => matches_glob(name, g),
        }
    }

    /// HeadObject whose errors are all raw. A missing object gives the JS SDK's `NotFound`
    /// error: HEAD answers have no body, so the error carries only that name (the JS SDK's
    /// message is `UnknownError`; we show the name, which says more).
    async fn head_raw(
        &self,
        key: &str,
    ) -> Result<aws_sdk_s3::operation::head_object::HeadObjectOutput, Failure> {
        self.client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| Failure::from_sdk(e, &self.bucket))
    }

    /// GetObject decoded as UTF-8 (invalid bytes become U+FFFD, as `transformToString` does).
    async fn get_text(&self, key: &str) -> Result<String, Failure> {
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| Failure::from_sdk(e, &self.bucket))?;
        let data = out.body.collect().await.map_err(|e| Failure::body(&e))?;
        Ok(String::from_utf8_lossy(&data.into_bytes()).into_owned())
    }
}

#[async_trait]
impl RillFs for S3Store {
    /// HeadObject (size check) then GetObject. Only `NoSuchKey` becomes `file not found`; a
    /// missing object normally fails at HeadObject and that raw `NotFound` is what rill shows.
    async fn read(&self, path: &str) -> Result<Json, RillCallError> {
        self.check_read()?;
        let key = self.rill_key(path);
        let not_found = |f: Failure| {
            if f.code.as_deref() == Some("NoSuchKey") {
                RillCallError::plain(format!("file not found: {path}"))
            } else {
                raw(f)
            }
        };
        let head = self.head_raw(&key).await.map_err(not_found)?;
        let size = head.content_length().unwrap_or(0).max(0) as u64;
        self.check_size(size, &key)?;
        let text = self.get_text(&key).await.map_err(not_found)?;
        Ok(Json::String(text))
    }

    async fn write(&self, path: &str, content: &str) -> Result<Json, RillCallError> {
        self.check_write()?;
        let key = self.rill_key(path);
        let size = content.len() as u64;
        self.check_size(size, &key)?;
        self.put_object(&key, bytes::Bytes::copy_from_slice(content.as_bytes()))
            .await
            .map_err(raw)?;
        Ok(Json::String(size.to_string()))
    }

    /// Read, concatenate, size check on the whole, put the whole. Not atomic (as in rill).
    async fn append(&self, path: &str, content: &str) -> Result<Json, RillCallError> {
        self.check_write()?;
        let key = self.rill_key(path);
        let existing = match self.get_text(&key).await {
            Ok(t) => t,
            Err(f) if f.code.as_deref() == Some("NoSuchKey") => String::new(),
            Err(f) => return Err(raw(f)),
        };
        let whole = existing + content;
        self.check_size(whole.len() as u64, &key)?;
        self.put_object(&key, bytes::Bytes::from(whole))
            .await
            .map_err(raw)?;
        Ok(Json::String(content.len().to_string()))
    }

    /// One ListObjectsV2 call (server default page size, so at most 1000 entries): files
    /// (glob-filtered) then directories.
    async fn list(&self, path: &str) -> Result<Json, RillCallError> {
        self.check_read()?;
        let mut p = self.rill_key(path);
        if !p.ends_with('/') {
            p.push('/');
        }
        let out = self.list_page(&p, true, None, None).await.map_err(raw)?;
        let mut items = Vec::new();
        for o in out.contents() {
            let Some(key) = o.key().filter(|k| *k != p) else {
                continue;
            };
            let name = basename(key);
            if !self.glob_allows(name) {
                continue;
            }
            items.push(entry(name, "file", o.size().unwrap_or(0) as f64));
        }
        for cp in out.common_prefixes() {
            let Some(pfx) = cp.prefix() else { continue };
            let rest = pfx.strip_prefix(p.as_str()).unwrap_or(pfx);
            items.push(entry(
                rest.strip_suffix('/').unwrap_or(rest),
                "directory",
                0.0,
            ));
        }
        Ok(Json::Array(items))
    }

    /// Every key under the raw prefix, paged; basename must match `pattern` and the mount glob.
    /// Marker objects (`dir/`) have an empty basename, which `*` matches.
    async fn find(&self, pattern: &str) -> Result<Json, RillCallError> {
        self.check_read()?;
        let mut found = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .list_page(&self.prefix, false, token.as_deref(), None)
                .await
                .map_err(raw)?;
            for o in out.contents() {
                let Some(key) = o.key() else { continue };
                let name = basename(key);
                if matches_glob(name, pattern) && self.glob_allows(name) {
                    let rel = key.get(self.prefix.len()..).unwrap_or("");
                    found.push(Json::String(rel.to_string()));
                }
            }
            token = out.next_continuation_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        Ok(Json::Array(found))
    }

    /// Mode errors are thrown; any S3 error (missing, denied, network) is `false`.
    async fn exists(&self, path: &str) -> Result<Json, RillCallError> {
        self.check_read()?;
        Ok(Json::Bool(
            self.head_raw(&self.rill_key(path)).await.is_ok(),
        ))
    }

    /// Needs write, then read (through `exists`): write-only mounts throw.
    async fn remove(&self, path: &str) -> Result<Json, RillCallError> {
        self.check_write()?;
        if self.exists(path).await? != Json::Bool(true) {
            return Ok(Json::Bool(false));
        }
        self.delete_key(&self.rill_key(path)).await.map_err(raw)?;
        Ok(Json::Bool(true))
    }

    /// `{name, type: 'file', size, modified}`; `modified` is an ISO string or `''`.
    async fn stat(&self, path: &str) -> Result<Json, RillCallError> {
        self.check_read()?;
        let key = self.rill_key(path);
        let head = self.head_raw(&key).await.map_err(|f| {
            if f.code.as_deref() == Some("NotFound") || f.status == Some(404) {
                RillCallError::plain(format!("file not found: {path}"))
            } else {
                raw(f)
            }
        })?;
        let modified = head
            .last_modified()
            .map(|d| super::js_date::iso_string(d.secs(), d.subsec_nanos() / 1_000_000))
            .unwrap_or_default();
        let mut o = JsonObject::new();
        o.insert("name".into(), Json::String(basename(&key).to_string()));
        o.insert("type".into(), Json::String("file".into()));
        o.insert(
            "size".into(),
            Json::Number(head.content_length().unwrap_or(0) as f64),
        );
        o.insert("modified".into(), Json::String(modified));
        Ok(Json::Object(o))
    }

    /// No mode check, nothing created.
    async fn mkdir(&self, _path: &str) -> Result<Json, RillCallError> {
        Ok(Json::Bool(true))
    }

    /// Needs read and write. The size check names the destination key, as rill's does.
    ///
    /// Deviation: rill sends `CopySource = "<bucket>/<srcKey>"` without URL-encoding, which
    /// breaks keys with spaces, `+`, `%`, `?`, `#` or non-ASCII; we encode it properly.
    async fn copy(&self, src: &str, dest: &str) -> Result<Json, RillCallError> {
        self.check_read()?;
        self.check_write()?;
        let src_key = self.rill_key(src);
        let dest_key = self.rill_key(dest);
        let head = self.head_raw(&src_key).await.map_err(raw)?;
        self.check_size(head.content_length().unwrap_or(0).max(0) as u64, &dest_key)?;
        self.client
            .copy_object()
            .bucket(&self.bucket)
            .copy_source(encode_copy_source(&self.bucket, &src_key))
            .key(&dest_key)
            .send()
            .await
            .map_err(|e| raw(Failure::from_sdk(e, &self.bucket)))?;
        Ok(Json::Bool(true))
    }

    /// Copy, then delete the source; not atomic.
    async fn move_(&self, src: &str, dest: &str) -> Result<Json, RillCallError> {
        self.copy(src, dest).await?;
        self.delete_key(&self.rill_key(src)).await.map_err(raw)?;
        Ok(Json::Bool(true))
    }

    fn mount_entry(&self) -> Json {
        let mut o = JsonObject::new();
        o.insert("name".into(), Json::String(self.mount.name.clone()));
        o.insert(
            "mode".into(),
            self.mount
                .mode
                .as_str()
                .map_or(Json::Null, |m| Json::String(m.to_string())),
        );
        o.insert(
            "glob".into(),
            Json::String(self.mount.glob.clone().unwrap_or_default()),
        );
        o.insert("bucket".into(), Json::String(self.bucket.clone()));
        o.insert("prefix".into(), Json::String(self.prefix.clone()));
        Json::Object(o)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn copy_source_is_percent_encoded() {
        assert_eq!(encode_copy_source("b", "a/x y+z.txt"), "b/a/x%20y%2Bz.txt");
        assert_eq!(encode_copy_source("b", "é?#%"), "b/%C3%A9%3F%23%25");
    }

    #[test]
    fn basenames_of_markers_are_empty() {
        assert_eq!(basename("a/b/c.txt"), "c.txt");
        assert_eq!(basename("a/b/"), "");
        assert_eq!(basename("top"), "top");
    }
}
