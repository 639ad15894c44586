#!/usr/bin/env python3
"""Builds assets/demo/cache.db: the demo profile's SQLite kv mount (`cache`).

The layout is exactly what rill's kv-sqlite backend creates (spec/backends.md §3.2):
journal_mode WAL and the table DDL below, byte for byte; each value is compact
JSON.stringify text. The rows are plausible cache entries of a small web app.
Values are mostly JSON strings (rill scripts can only pass strings to kv::set),
some dicts (written through kv::merge) and a few numbers and lists.

Run from anywhere: python3 assets/demo/make_cache_db.py  (rewrites the file)
The output is deterministic (fixed seed).
"""

import json
import os
import random
import sqlite3

HERE = os.path.dirname(os.path.abspath(__file__))
DB = os.path.join(HERE, "cache.db")
TABLE = "cache_entries"

# Exactly the DDL of rill-ext-kv-sqlite, whitespace included.
DDL = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL
        )"""


def js_numbers(value):
    """Integral floats as ints, so that 12.0 is written 12 as JavaScript does."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: js_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [js_numbers(v) for v in value]
    return value


def compact(value):
    """JSON.stringify(value) for the values used here."""
    return json.dumps(js_numbers(value), separators=(",", ":"), ensure_ascii=False)


def rows():
    rnd = random.Random(20261125)
    cities = ["berlin", "lisbon", "osaka", "toronto", "nairobi", "lima", "oslo", "hanoi",
              "austin", "porto", "kyiv", "perth", "quito", "tunis", "cork", "malmo"]
    conditions = ["clear", "cloudy", "light rain", "fog", "snow showers", "windy"]
    out = []
    # Weather lookups cached by a script: JSON text stored as a string value.
    for i, city in enumerate(cities):
        for day in ("2026-11-24", "2026-11-25"):
            payload = {
                "city": city,
                "day": day,
                "tempC": round(rnd.uniform(-8, 31), 1),
                "condition": rnd.choice(conditions),
                "humidity": rnd.randint(20, 98),
            }
            out.append((f"weather:{city}:{day}", compact(payload)))
    # HTTP responses cached by URL: a dict written via kv::merge.
    for uid in range(1, 61):
        body = {
            "status": 200,
            "etag": f'W/"{rnd.getrandbits(40):010x}"',
            "fetchedAt": f"2026-11-25T{rnd.randint(0, 23):02d}:{rnd.randint(0, 59):02d}:00Z",
            "user": {"id": uid, "name": f"user{uid:03d}", "plan": rnd.choice(["free", "pro", "team"])},
        }
        out.append((f"http:GET:/api/users/{uid}", body))
    # Rendered markdown fragments: HTML text as a string.
    for n in range(1, 41):
        digest = f"{rnd.getrandbits(64):016x}"
        html = f"<h2>Release note {n}</h2><p>Fixed {rnd.randint(1, 9)} issues in the sync engine.</p>"
        out.append((f"render:md:{digest}", html))
    # Geo-IP lookups: strings "country/region".
    for n in range(1, 41):
        ip = f"203.0.113.{n}"
        out.append((f"geoip:{ip}", rnd.choice(["DE/BE", "PT/11", "JP/27", "CA/ON", "KE/30", "PE/LIM"])))
    # Rate-limit counters and recent ids (numbers and lists, written by the host API).
    for n in range(1, 21):
        out.append((f"ratelimit:api-key-{n:02d}", rnd.randint(0, 120)))
    for n in range(1, 7):
        out.append((f"recent:searches:{n}", [rnd.choice(["sqlite wal", "redis ttl", "s3 prefix", "rill kv", "json schema"]) for _ in range(3)]))
    out.append(("meta:schemaVersion", "3"))
    out.append(("meta:warmedAt", "2026-11-25T06:00:00Z"))
    return out


def main():
    for suffix in ("", "-wal", "-shm"):
        try:
            os.remove(DB + suffix)
        except FileNotFoundError:
            pass
    con = sqlite3.connect(DB)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute(DDL)
    with con:
        con.executemany(
            f"INSERT OR REPLACE INTO {TABLE} (key, value) VALUES (?, ?)",
            [(k, compact(v)) for k, v in rows()],
        )
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    n = sqlite3.connect(DB).execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0]
    print(f"wrote {n} rows to {DB}")


if __name__ == "__main__":
    main()
