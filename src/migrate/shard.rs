//! `--shard I/N`: a deterministic share of a mount's items, so that N processes (on N
//! machines, a Kubernetes Indexed Job) cover it exactly once between them. An item belongs
//! to shard `hash(name) mod N`, where `hash` is 64-bit FNV-1a over the UTF-8 bytes of the key
//! or path: stable across runs, machines and versions (it is part of the contract: shards
//! run by different builds must agree), and cheap enough for millions of keys. Each shard
//! keeps its own journal.

use std::fmt;

/// Shard `index` of `count` (0-based, as `JOB_COMPLETION_INDEX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// `I/N` with `0 <= I < N`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("`{text}`: a shard is I/N with 0 <= I < N, such as 0/4");
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether the item `name` is this shard's.
    pub fn contains(&self, name: &str) -> bool {
        fnv1a(name.as_bytes()) % self.count == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// 64-bit FNV-1a.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_the_items_exactly_once_and_stably() {
        let shards: Vec<Shard> = (0..4).map(|i| Shard { index: i, count: 4 }).collect();
        let mut sizes = [0usize; 4];
        for k in 0..10_000 {
            let name = format!("user:{k}");
            let owners: Vec<usize> = (0..4).filter(|&i| shards[i].contains(&name)).collect();
            assert_eq!(owners.len(), 1, "{name}");
            sizes[owners[0]] += 1;
        }
        assert!(
            sizes.iter().all(|&s| (2_300..2_700).contains(&s)),
            "{sizes:?}"
        );
        // the published FNV-1a test vectors: the hash is the contract
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn shard_syntax() {
        assert_eq!(Shard::parse("2/4"), Ok(Shard { index: 2, count: 4 }));
        assert_eq!(Shard::parse("0/1").unwrap().to_string(), "0/1");
        for bad in ["4/4", "1/0", "x/2", "3", "-1/2", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }
}
