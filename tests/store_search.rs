//! Pattern searches pushed down to the backends: what each server is asked, beyond the
//! results the conformance suites check for every backend.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use rillmount::store::key_pattern::KeyPattern;
use rillmount::store::{Expiry, KvStore};
use support::redis::{RedisServer, redis_store};

async fn all_pages(s: &dyn KvStore, pattern: &str, count: usize) -> (Vec<String>, u64, usize) {
    let pattern = KeyPattern::parse(pattern).unwrap();
    let (mut keys, mut scanned, mut pages) = (Vec::new(), 0, 0);
    let mut cursor: Option<String> = None;
    loop {
        let p = s
            .scan_match(&pattern, cursor.as_deref(), count)
            .await
            .unwrap();
        pages += 1;
        keys.extend(p.keys);
        scanned += p.scanned;
        match p.next {
            Some(n) => cursor = Some(n),
            None => return (keys, scanned, pages),
        }
    }
}

/// A mount prefix with glob characters (`app:[eu]:`) does not widen the server's MATCH: keys
/// of `app:e:` are not found, and a key's own `*` is matched literally only when escaped.
#[tokio::test]
async fn redis_prefix_glob_characters_do_not_widen_the_match() {
    let server = RedisServer::start();
    let s = redis_store(&server, "app:[eu]:", None).await;
    for k in ["user:1", "user:2", "u*x", "uzx"] {
        s.put(k, "1", Expiry::Never).await.unwrap();
    }
    server.cli(&["SET", "app:e:user:9", "1"]);
    server.cli(&["SET", "app:u:user:8", "1"]);
    let (mut keys, _, _) = all_pages(&s, "user:*", 10).await;
    keys.sort();
    assert_eq!(keys, vec!["user:1", "user:2"]);
    let (keys, _, _) = all_pages(&s, "u\\*x", 10).await;
    assert_eq!(keys, vec!["u*x"]);
    let (mut keys, _, _) = all_pages(&s, "u?x", 10).await;
    keys.sort();
    assert_eq!(keys, vec!["u*x", "uzx"]);
    let (keys, _, _) = all_pages(&s, "nothing*", 10).await;
    assert!(keys.is_empty());
}

/// A prefix search on SQLite reads only the index range of the literal prefix: the rows
/// looked at are the matching ones, not the table.
#[tokio::test]
async fn sqlite_prefix_search_reads_only_its_index_range() {
    let factory = support::stores::sqlite_tmp();
    let s = factory.store().await;
    let items: Vec<(String, String)> = (0..30_000)
        .map(|i| (format!("item:{i:05}"), i.to_string()))
        .collect();
    s.put_many(&items, Expiry::Never).await.unwrap();
    let (keys, scanned, _) = all_pages(s.as_ref(), "item:123*", 50).await;
    assert_eq!(keys.len(), 100); // item:12300 … item:12399
    assert!(scanned <= keys.len() as u64 + 1, "looked at {scanned} rows");
}
