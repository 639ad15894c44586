#!/usr/bin/env python3
"""Turn the shim's raw recordings into the v0.20 corpus files.

    build.py RAW_TESTS_DIR RAW_DOCS_DIR OUT_DIR

Writes OUT_DIR/cases.jsonl (vitest suites) and OUT_DIR/docs_cases.jsonl (docs
examples) in the case format of spec/language.md section 17, and prints the
counts the README quotes. Same script + same host setup = one case; a script
that gave two different outcomes under the same setup is reported and dropped.
"""
import collections
import glob
import json
import os
import re
import sys

OUTCOME_ONLY = ('why', 'replayable')


def raw_lines(folder):
    for path in sorted(glob.glob(os.path.join(folder, 'raw-*.jsonl'))):
        with open(path, encoding='utf-8') as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)


def setup_key(rec):
    host = {k: v for k, v in (rec.get('host') or {}).items() if k not in OUTCOME_ONLY}
    return json.dumps([rec['script'], host], sort_keys=True, ensure_ascii=False)


def outcome_key(rec):
    return json.dumps(rec['expect'], sort_keys=True, ensure_ascii=False)


def mentions(script, names):
    return any(re.search(r'\$' + re.escape(n) + r'(?![A-Za-z0-9_])', script) for n in names)


def shape(rec, docs):
    host = rec.get('host')
    needs = False
    if host is not None:
        keys = set(host.get('option_keys', [])) - {'callbacks', 'observability'}
        if docs:
            # the docs runner always installs its mocks; a block needs them only
            # when it called one, resolved an extension or names a mock variable
            needs = bool(host.get('calls')) or bool(host.get('resolved')) or mentions(
                rec['script'], host.get('variable_names', []))
        else:
            needs = bool(keys)
    case = {
        'file': rec['source'],
        'name': rec['name'],
        'script': rec['script'],
        'needs_host': needs,
        'phase': rec['phase'],
        'expect': rec['expect'],
    }
    if needs:
        case['host'] = host
    return case


def build(folder, docs):
    by_key = {}
    order = collections.OrderedDict()
    conflicts = []
    for rec in raw_lines(folder):
        if rec['source'] in ('unknown', 'docs/unknown'):
            continue
        key = setup_key(rec)
        if key in by_key:
            if outcome_key(by_key[key]) != outcome_key(rec):
                conflicts.append(rec)
                by_key[key]['_conflict'] = True
            continue
        by_key[key] = rec
        order.setdefault(rec['source'], []).append(key)
    cases = []
    for source in sorted(order):
        stem = re.sub(r'\.(test\.ts|md)$', '', source)
        n = 0
        for key in order[source]:
            rec = by_key[key]
            if rec.get('_conflict'):
                continue
            case = {'id': f'{stem}:{n}'}
            case.update(shape(rec, docs))
            cases.append(case)
            n += 1
    return cases, conflicts


def counts(cases):
    pure = sum(1 for c in cases if not c['needs_host'])
    host = [c for c in cases if c['needs_host']]
    replay = sum(1 for c in host if c['host'].get('replayable'))
    values = sum(1 for c in cases if 'value' in c['expect'])
    parse = sum(1 for c in cases if c['phase'] == 'parse')
    return dict(total=len(cases), pure=pure, host=len(host), replayable=replay,
                values=values, errors=len(cases) - values, parse_errors=parse)


def main():
    tests_dir, docs_dir, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    for name, folder, docs in (('cases.jsonl', tests_dir, False), ('docs_cases.jsonl', docs_dir, True)):
        cases, conflicts = build(folder, docs)
        with open(os.path.join(out, name), 'w', encoding='utf-8') as f:
            for c in cases:
                f.write(json.dumps(c, ensure_ascii=False) + '\n')
        print(name, json.dumps(counts(cases)), f'conflicting outcomes dropped: {len(conflicts)}')
        for c in conflicts[:10]:
            print('  conflict:', c['source'], json.dumps(c['script'])[:80])


if __name__ == '__main__':
    main()
