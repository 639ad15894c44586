//! The raw [`KvStore`] contract, one `pub async fn` per case, for every backend.
//!
//! Each case gets a fresh isolated store, prefixes its keys with a random id and removes what
//! it wrote. Values are canonical compact JSON text, which every backend must return unchanged.

use rillmount::store::key_pattern::KeyPattern;
use rillmount::store::{Expiry, KvStore, RillCallError};

use crate::support::stores::unique_id;

const E: Expiry = Expiry::MountDefault;

fn prefix() -> String {
    format!("p{}:", unique_id())
}

async fn text(s: &dyn KvStore, key: &str) -> Option<String> {
    s.get(key).await.unwrap().map(|v| v.text)
}

async fn cleanup(s: &dyn KvStore, keys: &[String]) {
    for k in keys {
        s.delete(k).await.unwrap();
    }
}

async fn all_keys(s: &dyn KvStore, page: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let p = s.scan(cursor.as_deref(), page).await.unwrap();
        out.extend(p.keys);
        match p.next {
            Some(n) => cursor = Some(n),
            None => return out,
        }
    }
}

pub async fn get_missing_is_none(s: &dyn KvStore) {
    let p = prefix();
    assert_eq!(s.get(&format!("{p}nothing")).await.unwrap(), None);
}

pub async fn put_then_get(s: &dyn KvStore) {
    let k = format!("{}name", prefix());
    s.put(&k, "\"Alice\"", E).await.unwrap();
    let v = s.get(&k).await.unwrap().unwrap();
    assert_eq!(v.text, "\"Alice\"");
    cleanup(s, &[k]).await;
}

pub async fn put_overwrites(s: &dyn KvStore) {
    let k = format!("{}n", prefix());
    s.put(&k, "1", E).await.unwrap();
    s.put(&k, "2", E).await.unwrap();
    assert_eq!(text(s, &k).await.as_deref(), Some("2"));
    cleanup(s, &[k]).await;
}

pub async fn delete_reports_existence(s: &dyn KvStore) {
    let k = format!("{}gone", prefix());
    assert!(!s.delete(&k).await.unwrap());
    s.put(&k, "true", E).await.unwrap();
    assert!(s.delete(&k).await.unwrap());
    assert_eq!(s.get(&k).await.unwrap(), None);
    assert!(!s.delete(&k).await.unwrap());
}

pub async fn odd_keys_round_trip(s: &dyn KvStore) {
    let p = prefix();
    let keys: Vec<String> = [
        "",
        "/",
        " a b ",
        "line\nbreak",
        "é😀",
        "0",
        "42",
        "\"q\"",
        "*?[]",
    ]
    .iter()
    .map(|k| format!("{p}{k}"))
    .collect();
    for (i, k) in keys.iter().enumerate() {
        s.put(k, &i.to_string(), E).await.unwrap();
    }
    for (i, k) in keys.iter().enumerate() {
        assert_eq!(text(s, k).await, Some(i.to_string()), "key {k:?}");
    }
    let mut listed: Vec<String> = all_keys(s, 100)
        .await
        .into_iter()
        .filter(|k| k.starts_with(&p))
        .collect();
    listed.sort();
    listed.dedup();
    let mut want = keys.clone();
    want.sort();
    assert_eq!(listed, want);
    cleanup(s, &keys).await;
}

/// Canonical `JSON.stringify` texts come back byte for byte.
pub async fn values_keep_their_text(s: &dyn KvStore) {
    let p = prefix();
    let texts = [
        r#""Alice""#,
        "42",
        "-1.5",
        "1e+21",
        "0.000001",
        "1e-7",
        "123456789012345680000",
        "true",
        "null",
        r#"[1,"a",{},[]]"#,
        r#"{"2":2,"10":1,"b":{"1":1,"a":[]},"a":null}"#,
        "\"\u{2028}é😀\\n\\t\\\"\\\\\\u0001/\"",
        r#""""#,
    ];
    let keys: Vec<String> = (0..texts.len()).map(|i| format!("{p}{i}")).collect();
    for (k, t) in keys.iter().zip(texts) {
        s.put(k, t, E).await.unwrap();
    }
    for (k, t) in keys.iter().zip(texts) {
        assert_eq!(text(s, k).await.as_deref(), Some(t));
    }
    cleanup(s, &keys).await;
}

pub async fn get_many_keeps_order(s: &dyn KvStore) {
    let p = prefix();
    let keys: Vec<String> = ["a", "missing", "b", "a"]
        .iter()
        .map(|k| format!("{p}{k}"))
        .collect();
    s.put(&keys[0], "1", E).await.unwrap();
    s.put(&keys[2], "2", E).await.unwrap();
    let got: Vec<Option<String>> = s
        .get_many(&keys)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.map(|v| v.text))
        .collect();
    assert_eq!(
        got,
        [Some("1".into()), None, Some("2".into()), Some("1".into())]
    );
    cleanup(s, &keys).await;
}

pub async fn put_many_writes_all(s: &dyn KvStore) {
    let p = prefix();
    let items: Vec<(String, String)> = (0..250)
        .map(|i| (format!("{p}{i}"), format!("[{i}]")))
        .collect();
    s.put_many(&items, E).await.unwrap();
    let keys: Vec<String> = items.iter().map(|(k, _)| k.clone()).collect();
    let got = s.get_many(&keys).await.unwrap();
    for ((_, want), got) in items.iter().zip(got) {
        assert_eq!(got.map(|v| v.text).as_ref(), Some(want));
    }
    cleanup(s, &keys).await;
}

pub async fn scan_pages_cover_every_key(s: &dyn KvStore) {
    let p = prefix();
    let keys: Vec<String> = (0..23).map(|i| format!("{p}{i:02}")).collect();
    for k in &keys {
        s.put(k, "0", E).await.unwrap();
    }
    let mut listed: Vec<String> = all_keys(s, 5)
        .await
        .into_iter()
        .filter(|k| k.starts_with(&p))
        .collect();
    listed.sort();
    listed.dedup();
    assert_eq!(listed, keys);
    cleanup(s, &keys).await;
}

pub async fn count_counts_entries(s: &dyn KvStore) {
    let p = prefix();
    let before = s.count().await.unwrap();
    let keys: Vec<String> = (0..3).map(|i| format!("{p}{i}")).collect();
    for k in &keys {
        s.put(k, "0", E).await.unwrap();
    }
    s.put(&keys[0], "1", E).await.unwrap();
    assert_eq!(s.count().await.unwrap(), before + 3);
    cleanup(s, &keys).await;
    assert_eq!(s.count().await.unwrap(), before);
}

/// `clear` empties the (isolated, open-mode) store.
pub async fn clear_removes_everything(s: &dyn KvStore) {
    let p = prefix();
    for i in 0..4 {
        s.put(&format!("{p}{i}"), "0", E).await.unwrap();
    }
    s.clear().await.unwrap();
    assert_eq!(s.count().await.unwrap(), 0);
    assert_eq!(s.get(&format!("{p}0")).await.unwrap(), None);
    assert!(all_keys(s, 10).await.is_empty());
}

pub async fn update_creates_modifies_and_skips(s: &dyn KvStore) {
    let k = format!("{}u", prefix());
    let seen = std::sync::Mutex::new(Vec::new());
    let f = |cur: Option<&str>| -> Result<Option<String>, RillCallError> {
        seen.lock().unwrap().push(cur.map(str::to_string));
        let n: i64 = cur.map_or(0, |t| t.parse().unwrap());
        Ok(Some((n + 1).to_string()))
    };
    assert_eq!(s.update(&k, &f, E).await.unwrap(), Ok(true));
    assert_eq!(s.update(&k, &f, E).await.unwrap(), Ok(true));
    assert_eq!(text(s, &k).await.as_deref(), Some("2"));
    assert_eq!(seen.lock().unwrap().first().cloned(), Some(None));
    let skip = |_: Option<&str>| -> Result<Option<String>, RillCallError> { Ok(None) };
    assert_eq!(s.update(&k, &skip, E).await.unwrap(), Ok(false));
    assert_eq!(text(s, &k).await.as_deref(), Some("2"));
    let missing = format!("{k}-missing");
    assert_eq!(s.update(&missing, &skip, E).await.unwrap(), Ok(false));
    assert_eq!(s.get(&missing).await.unwrap(), None);
    cleanup(s, &[k]).await;
}

pub async fn update_error_leaves_value(s: &dyn KvStore) {
    let k = format!("{}e", prefix());
    s.put(&k, r#"{"a":1}"#, E).await.unwrap();
    let boom = |_: Option<&str>| -> Result<Option<String>, RillCallError> {
        Err(RillCallError::plain("refused"))
    };
    assert_eq!(
        s.update(&k, &boom, E).await.unwrap(),
        Err(RillCallError::plain("refused"))
    );
    assert_eq!(text(s, &k).await.as_deref(), Some(r#"{"a":1}"#));
    // The store is still usable afterwards (no transaction left open).
    s.put(&k, "3", E).await.unwrap();
    assert_eq!(text(s, &k).await.as_deref(), Some("3"));
    cleanup(s, &[k]).await;
}

/// Every key of the store that `pattern` matches, by `scan_match` pages of `page` keys.
async fn matched_keys(s: &dyn KvStore, pattern: &str, page: usize) -> Vec<String> {
    let pattern = KeyPattern::parse(pattern).unwrap();
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100_000 {
        let p = s
            .scan_match(&pattern, cursor.as_deref(), page)
            .await
            .unwrap();
        out.extend(p.keys);
        match p.next {
            Some(n) => cursor = Some(n),
            None => return out,
        }
    }
    panic!("scan_match of `{pattern}` never ended");
}

/// `scan_match` finds exactly what filtering a whole scan with the pattern finds: glob
/// characters and unicode in keys, sets, escapes, an exact name, an empty result.
pub async fn scan_match_agrees_with_a_filtered_scan(s: &dyn KvStore) {
    let p = prefix();
    let names = [
        "user:1",
        "user:2",
        "user:10",
        "user:é",
        "users:1",
        "a*b",
        "a?b",
        "a[1]",
        "a\\b",
        "ключ:1",
        "ключ:2",
        "日本語",
        "x",
        "",
    ];
    let keys: Vec<String> = names.iter().map(|n| format!("{p}{n}")).collect();
    for k in &keys {
        s.put(k, "0", E).await.unwrap();
    }
    let esc = p.replace('\\', "\\\\");
    for (pattern, want) in [
        ("user:*", vec!["user:1", "user:10", "user:2", "user:é"]),
        ("user:?", vec!["user:1", "user:2", "user:é"]),
        (
            "user[s:]*",
            vec!["user:1", "user:10", "user:2", "user:é", "users:1"],
        ),
        ("user:[!1]*", vec!["user:2", "user:é"]),
        ("a\\*b", vec!["a*b"]),
        ("a?b", vec!["a*b", "a?b", "a\\b"]),
        ("a\\[1\\]", vec!["a[1]"]),
        ("a[[]*", vec!["a[1]"]),
        ("ключ:*", vec!["ключ:1", "ключ:2"]),
        ("*語", vec!["日本語"]),
        ("x", vec!["x"]),
        ("nothing*", vec![]),
    ] {
        let full = format!("{esc}{pattern}");
        let mut got = matched_keys(s, &full, 3).await;
        got.sort();
        let mut want: Vec<String> = want.iter().map(|n| format!("{p}{n}")).collect();
        want.sort();
        assert_eq!(got, want, "pattern {full}");
    }
    let everything = matched_keys(s, "*", 4).await;
    for k in &keys {
        assert!(everything.contains(k), "`*` misses {k}");
    }
    cleanup(s, &keys).await;
}

/// Pages of a match follow one another with their cursors, each key once.
pub async fn scan_match_pages_cover_each_match_once(s: &dyn KvStore) {
    let p = prefix();
    let keys: Vec<String> = (0..300).map(|i| format!("{p}{}:{i:03}", i % 3)).collect();
    for k in &keys {
        s.put(k, "0", E).await.unwrap();
    }
    let mut got = matched_keys(s, &format!("{p}1:*"), 7).await;
    got.sort();
    got.dedup();
    let want: Vec<String> = keys
        .iter()
        .filter(|k| k.starts_with(&format!("{p}1:")))
        .cloned()
        .collect();
    assert_eq!(got, want);
    cleanup(s, &keys).await;
}
