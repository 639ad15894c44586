//! Whether two files of the same size hold the same bytes, reading as little as possible.
//!
//! - Two S3 objects: their ETags from the listing (or a HEAD, where a server lists objects
//!   without them). A single-part ETag is the MD5 of the
//!   content, so equal ETags mean equal files and different ones different files; two
//!   multipart ETags that are equal mean the same parts.
//! - An S3 object and a local file: the local file's MD5 (or its multipart ETag, for the part
//!   sizes rillmount, the AWS CLI and rclone upload with) against the object's ETag: only the
//!   local side is read.
//! - Otherwise (two local files, or multipart ETags that cannot be reproduced): SHA-256 of both
//!   contents, as before.
//!
//! ETags that are not an MD5 of the content (SSE-KMS, SSE-C) would make equal files look
//! changed: the copy then rewrites them, it never skips a changed one.

use futures::StreamExt;
use md5::{Digest, Md5};

use crate::store::part_size_for;
use crate::store::{Backend, FileMeta, FileStore, FsMountStore, StoreError};

/// What an ETag says about the content.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tag {
    /// MD5 of the whole content, lower-case hex.
    Md5(String),
    /// `md5-of-part-md5s-N`, lower-case, with its number of parts.
    Multipart(String, u64),
}

fn tag(meta: &FileMeta) -> Option<Tag> {
    let e = meta.etag.as_deref()?.trim_matches('"').to_ascii_lowercase();
    let hex = |s: &str| s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit());
    match e.split_once('-') {
        None if hex(&e) => Some(Tag::Md5(e)),
        Some((h, n)) if hex(h) => n.parse().ok().map(|n| Tag::Multipart(e.clone(), n)),
        _ => None,
    }
}

/// The ETag of a remote file: from the listing, else from a HEAD (some servers list objects
/// without ETags), which still beats downloading it.
async fn tag_of(store: &dyn FsMountStore, meta: &FileMeta) -> Result<Option<Tag>, StoreError> {
    if meta.etag.is_some() || local(store) {
        return Ok(tag(meta));
    }
    Ok(FileStore::stat(store, &meta.path)
        .await?
        .as_ref()
        .and_then(tag))
}

/// Whether `store` is read from the local disk (cheap to read whole).
fn local(store: &dyn FsMountStore) -> bool {
    FileStore::info(store).backend == Backend::Local
}

/// `src`'s file `s` and `dst`'s file `d`, of equal size: whether their bytes are equal.
pub(crate) async fn same_content(
    (src, s): (&dyn FsMountStore, &FileMeta),
    (dst, d): (&dyn FsMountStore, &FileMeta),
) -> Result<bool, StoreError> {
    let (ts, td) = tokio::try_join!(tag_of(src, s), tag_of(dst, d))?;
    match (ts, td) {
        (Some(Tag::Md5(a)), Some(Tag::Md5(b))) => return Ok(a == b),
        (Some(Tag::Multipart(a, _)), Some(Tag::Multipart(b, _))) if a == b => return Ok(true),
        (None, Some(t)) if local(src) => {
            if let Some(same) = local_matches(src, s, &t).await? {
                return Ok(same);
            }
        }
        (Some(t), None) if local(dst) => {
            if let Some(same) = local_matches(dst, d, &t).await? {
                return Ok(same);
            }
        }
        _ => {}
    }
    let (a, b) = tokio::try_join!(src.hash(&s.path), dst.hash(&d.path))?;
    Ok(a == b)
}

/// Part sizes multipart ETags are tried with: rillmount's own, then the AWS CLI's and boto's
/// 8 MiB, rclone's 5 MiB, 16 MiB and 64 MiB.
fn part_sizes(size: u64, parts: u64) -> Vec<u64> {
    const MIB: u64 = 1024 * 1024;
    let mut sizes = vec![part_size_for(Some(size)) as u64];
    for p in [8 * MIB, 5 * MIB, 16 * MIB, 64 * MIB] {
        if !sizes.contains(&p) {
            sizes.push(p);
        }
    }
    sizes.retain(|p| size.div_ceil(*p) == parts);
    sizes
}

/// Whether the local file `meta` of `store` has the ETag `t`: `Some(false)` only when that is
/// certain (an MD5 that differs), `None` when no part size reproduces a multipart ETag.
async fn local_matches(
    store: &dyn FsMountStore,
    meta: &FileMeta,
    t: &Tag,
) -> Result<Option<bool>, StoreError> {
    let sizes = match t {
        Tag::Md5(_) => Vec::new(),
        Tag::Multipart(_, parts) => {
            let sizes = part_sizes(meta.size, *parts);
            if sizes.is_empty() {
                return Ok(None);
            }
            sizes
        }
    };
    let mut whole = Md5::new();
    let mut multi: Vec<Multipart> = sizes.into_iter().map(Multipart::new).collect();
    let mut stream = FileStore::read(store, &meta.path).await?;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        whole.update(&chunk);
        for m in &mut multi {
            m.update(&chunk);
        }
    }
    Ok(match t {
        Tag::Md5(want) => Some(hex::encode(whole.finalize()) == *want),
        Tag::Multipart(want, _) => multi
            .into_iter()
            .any(|m| m.finish() == *want)
            .then_some(true),
    })
}

/// The multipart ETag of a content uploaded in parts of `part` bytes.
struct Multipart {
    part: u64,
    filled: u64,
    current: Md5,
    digests: Md5,
    parts: u64,
}

impl Multipart {
    fn new(part: u64) -> Multipart {
        Multipart {
            part,
            filled: 0,
            current: Md5::new(),
            digests: Md5::new(),
            parts: 0,
        }
    }

    fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let room = (self.part - self.filled) as usize;
            let (now, rest) = data.split_at(room.min(data.len()));
            self.current.update(now);
            self.filled += now.len() as u64;
            data = rest;
            if self.filled == self.part {
                self.close_part();
            }
        }
    }

    fn close_part(&mut self) {
        let done = std::mem::replace(&mut self.current, Md5::new());
        self.digests.update(done.finalize());
        self.parts += 1;
        self.filled = 0;
    }

    fn finish(mut self) -> String {
        if self.filled > 0 {
            self.close_part();
        }
        format!("{}-{}", hex::encode(self.digests.finalize()), self.parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(etag: Option<&str>) -> FileMeta {
        FileMeta {
            path: "f".into(),
            kind: crate::store::EntryKind::File,
            size: 0,
            modified: None,
            created: None,
            etag: etag.map(str::to_string),
            content_type: None,
        }
    }

    #[test]
    fn etags_are_read_as_md5_or_multipart() {
        assert_eq!(
            tag(&meta(Some("\"D41D8CD98F00B204E9800998ECF8427E\""))),
            Some(Tag::Md5("d41d8cd98f00b204e9800998ecf8427e".into()))
        );
        assert_eq!(
            tag(&meta(Some("\"0123456789abcdef0123456789abcdef-3\""))),
            Some(Tag::Multipart(
                "0123456789abcdef0123456789abcdef-3".into(),
                3
            ))
        );
        assert_eq!(tag(&meta(Some("W/\"xyz\""))), None);
        assert_eq!(tag(&meta(None)), None);
    }

    #[test]
    fn multipart_etag_is_md5_of_part_md5s() {
        // Two parts of 4 bytes and one of 2.
        let mut m = Multipart::new(4);
        m.update(b"abc");
        m.update(b"defghij");
        let parts = [&b"abcd"[..], b"efgh", b"ij"];
        let mut all = Md5::new();
        for p in parts {
            all.update(Md5::digest(p));
        }
        assert_eq!(m.finish(), format!("{}-3", hex::encode(all.finalize())));
    }

    #[test]
    fn part_sizes_fit_the_number_of_parts() {
        const MIB: u64 = 1024 * 1024;
        assert_eq!(part_sizes(20 * MIB, 3), vec![8 * MIB]);
        assert_eq!(part_sizes(20 * MIB, 4), vec![5 * MIB]);
        assert!(part_sizes(20 * MIB, 99).is_empty());
    }
}
