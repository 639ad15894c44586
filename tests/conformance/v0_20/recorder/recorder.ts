// rillmount's recording shim for the rill v0.20.0 reference (written here, not
// taken from the reference). It stands in for the `@rcrsr/rill` module: it
// re-exports everything of the real one (`@rill-real`, mapped to the
// checkout's packages/core/src/index.ts) and wraps `parse`,
// `createRuntimeContext` (its host functions and resolvers) and `execute` so
// that every script a test or a docs example runs is appended, with its real
// outcome, to REC_OUT/raw-<pid>.jsonl. build.py turns the raw lines into the
// corpus (ids, dedup, counts).
//
// Each raw line: {source, name, script, phase, expect, host?}.

import { appendFileSync, mkdirSync } from 'node:fs';
import * as real from '@rill-real';

export * from '@rill-real';

const OUT = process.env.REC_OUT ?? '/tmp/rill-rec';
mkdirSync(OUT, { recursive: true });
const RAW = `${OUT}/raw-${process.pid}.jsonl`;

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const sourceOf = new WeakMap<object, string>();
const hostOf = new WeakMap<object, HostRecord>();

interface HostRecord {
  option_keys: string[];
  functions?: Record<string, Any>;
  calls: Any[];
  variables?: Record<string, Any>;
  variable_names?: string[];
  timeout?: number;
  autoExceptions?: string[];
  maxCallStackDepth?: number;
  nowMs?: number;
  timezone?: number;
  signal?: boolean;
  resolved: Any[];
  logs: string[];
  replayable: boolean;
  why: string[];
  initialVars: number;
  runs: number;
}

// ---------------------------------------------------------------- naming

function currentName(script: string): { source: string; name: string } {
  const g = globalThis as Any;
  const docs = g.__rillRecDocs as ((script: string) => Any) | undefined;
  if (g.expect?.getState) {
    const st = g.expect.getState();
    if (st.testPath) {
      const m = String(st.testPath).match(/tests\/(.*)\.test\.ts$/);
      return { source: m ? `${m[1]}.test.ts` : String(st.testPath), name: st.currentTestName ?? '' };
    }
  }
  if (docs) return docs(script);
  return { source: 'unknown', name: '' };
}

// ---------------------------------------------------------------- values

const NUM = (n: number): Any => {
  if (Number.isNaN(n)) return { __rill: 'number', repr: 'NaN' };
  if (n === Infinity) return { __rill: 'number', repr: 'Infinity' };
  if (n === -Infinity) return { __rill: 'number', repr: '-Infinity' };
  return Object.is(n, -0) ? 0 : n;
};

let hostFnDepth = 0;

export function encodeValue(v: Any, seen: Set<object> = new Set()): Any {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return NUM(v);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v !== 'object' && typeof v !== 'function') return { __rill: 'unknown', repr: String(v) };
  if (seen.has(v)) return { __rill: 'cycle' };
  seen.add(v);
  try {
    const inner = encodeInner(v, seen);
    if (real.isInvalid(v)) {
      const st = real.getStatus(v);
      return { __rill: 'invalid', code: `#${real.atomName(st.code)}`, message: st.message, value: inner };
    }
    return inner;
  } finally {
    seen.delete(v);
  }
}

function encodeInner(v: Any, seen: Set<object>): Any {
  if (Array.isArray(v)) return v.map((x) => encodeValue(x, seen));
  if (v.__type === 'callable') {
    const out: Any = { __rill: 'closure', kind: v.kind ?? 'runtime' };
    if (v.kind === 'script' && Array.isArray(v.params)) out.params = v.params.map((p: Any) => p.name);
    if (v.isProperty) out.property = true;
    return out;
  }
  if (v.__rill_tuple) return { __rill: 'tuple', entries: v.entries.map((x: Any, i: number) => [i, encodeValue(x, seen)]) };
  if (v.__rill_ordered)
    return { __rill: 'ordered', entries: v.entries.map((e: Any) => [e[0], encodeValue(e[1], seen)]) };
  if (v.__rill_vector) return { __rill: 'vector', model: v.model, data: Array.from(v.data as Float32Array) };
  if (v.__rill_atom) return { __rill: 'atom', name: real.atomName(v.atom) };
  if (v.__rill_datetime) return { __rill: 'datetime', unix: NUM(v.unix) };
  if (v.__rill_duration) return { __rill: 'duration', months: NUM(v.months), ms: NUM(v.ms) };
  if (v.__rill_type) return { __rill: 'type', name: v.typeName, repr: safe(() => real.formatStructure(v.structure)) };
  if (v.__rill_stream) return { __rill: 'stream' };
  if (v.__rill_field_descriptor) return { __rill: 'field_descriptor' };
  const out: Any = {};
  for (const k of Object.keys(v)) out[k] = encodeValue(v[k], seen);
  return out;
}

function safe(f: () => Any): Any {
  try {
    return f();
  } catch {
    return null;
  }
}

function containsCallable(v: Any, seen: Set<object> = new Set()): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (seen.has(v)) return false;
  seen.add(v);
  if (v.__type === 'callable') return true;
  if (v.__rill_tuple) return v.entries.some((x: Any) => containsCallable(x, seen));
  if (v.__rill_ordered) return v.entries.some((e: Any) => containsCallable(e[1], seen));
  if (Array.isArray(v)) return v.some((x) => containsCallable(x, seen));
  return Object.keys(v).some((k) => containsCallable(v[k], seen));
}

export function encodeType(t: Any): Any {
  if (t === undefined || t === null) return null;
  const out: Any = { kind: t.kind };
  if (t.fields !== undefined) {
    out.fields = Array.isArray(t.fields)
      ? t.fields.map(encodeField)
      : Object.fromEntries(Object.entries(t.fields).map(([k, f]) => [k, encodeField(f)]));
  }
  if (t.elements !== undefined) out.elements = t.elements.map(encodeField);
  if (t.params !== undefined) out.params = t.params.map(encodeField);
  for (const k of ['valueType', 'element', 'ret', 'chunk']) if (t[k] !== undefined) out[k] = encodeType(t[k]);
  if (t.members !== undefined) out.members = t.members.map(encodeType);
  if (t.kind !== undefined && !['number', 'string', 'bool', 'vector', 'type', 'any', 'dict', 'list', 'closure', 'tuple', 'ordered', 'union', 'iterator', 'stream'].includes(t.kind) && t.data !== undefined)
    out.data = safe(() => JSON.parse(JSON.stringify(t.data)));
  return out;
}

function encodeField(f: Any): Any {
  const out: Any = { type: encodeType(f.type) };
  if (f.name !== undefined) out.name = f.name;
  if (f.defaultValue !== undefined) out.defaultValue = encodeValue(f.defaultValue);
  if (f.annotations && Object.keys(f.annotations).length > 0) out.annotations = encodeValue(f.annotations);
  return out;
}

function encodeParam(p: Any): Any {
  const out: Any = { name: p.name, type: encodeType(p.type) };
  if (p.defaultValue !== undefined) out.defaultValue = encodeValue(p.defaultValue);
  if (p.annotations && Object.keys(p.annotations).length > 0) out.annotations = encodeValue(p.annotations);
  return out;
}

// ---------------------------------------------------------------- errors

export function encodeError(e: Any): Any {
  if (e instanceof real.RuntimeHaltSignal) {
    const st = real.getStatus(e.value);
    const out: Any = { code: `#${real.atomName(st.code)}`, message: st.message, class: 'RuntimeHaltSignal' };
    if (st.provider) out.provider = st.provider;
    out.catchable = e.catchable;
    return out;
  }
  if (e instanceof real.RillError) {
    const out: Any = { code: e.errorId, message: e.message, class: e.constructor?.name ?? 'RillError' };
    if (e.location) out.location = { line: e.location.line, column: e.location.column };
    return out;
  }
  if (e instanceof Error) return { code: null, message: e.message, class: e.constructor?.name ?? 'Error' };
  return { code: null, message: String(e), class: typeof e };
}

// ---------------------------------------------------------------- host

// options a replay host can give (any other one makes the case non-replayable)
const REPLAYABLE = new Set(['variables', 'functions', 'callbacks', 'observability', 'autoExceptions', 'maxCallStackDepth', 'nowMs', 'timezone', 'resolvers', 'configurations', 'requireDescriptions', 'metadata']);

function wrapFunctions(fns: Record<string, Any>, rec: HostRecord): Record<string, Any> {
  const out: Record<string, Any> = {};
  rec.functions = {};
  for (const [name, def] of Object.entries(fns)) {
    const sig: Any = { params: (def.params ?? []).map(encodeParam), returnType: def.returnType ? encodeType(def.returnType.structure) : null };
    if (def.description !== undefined) sig.description = def.description;
    if (def.skipReceiverValidation) sig.skipReceiverValidation = true;
    rec.functions[name] = sig;
    const fn = def.fn;
    const wrapped = (args: Any, ctx: Any, loc: Any) => {
      const call: Any = { name, args: encodeValue(args) };
      rec.calls.push(call);
      const done = (r: Any) => {
        call.result = encodeValue(r);
        if (containsCallable(r)) {
          rec.replayable = false;
          rec.why.push('host function returned a callable');
        }
        return r;
      };
      const fail = (e: Any) => {
        call.error = encodeError(e);
        throw e;
      };
      hostFnDepth++;
      try {
        const r = fn(args, ctx, loc);
        if (r && typeof r.then === 'function') return r.then(done, fail);
        return done(r);
      } catch (e) {
        return fail(e);
      } finally {
        hostFnDepth--;
      }
    };
    // keep every other property (e.g. mockFn's calls/callCount getters)
    const copy = Object.create(Object.getPrototypeOf(def));
    Object.defineProperties(copy, Object.getOwnPropertyDescriptors(def));
    Object.defineProperty(copy, 'fn', { value: wrapped, enumerable: true, writable: true, configurable: true });
    out[name] = copy;
  }
  return out;
}

export function createRuntimeContext(options: Any = {}, ...rest: Any[]): Any {
  const keys = Object.keys(options ?? {}).filter((k) => options[k] !== undefined);
  const rec: HostRecord = { option_keys: keys, calls: [], resolved: [], logs: [], replayable: true, why: [], initialVars: 0, runs: 0 };
  for (const k of keys) {
    if (!REPLAYABLE.has(k)) {
      rec.replayable = false;
      rec.why.push(`option ${k}`);
    }
  }
  const opts: Any = { ...options };
  if (options.functions) opts.functions = wrapFunctions(options.functions, rec);
  if (options.variables) {
    rec.variables = encodeValue(options.variables);
    rec.variable_names = Object.keys(options.variables);
    if (containsCallable(options.variables)) {
      rec.replayable = false;
      rec.why.push('callable in variables');
    }
  }
  if (options.resolvers) {
    // a script that resolves `use<scheme:…>` depends on the host's resolver: not replayable
    opts.resolvers = {};
    for (const [scheme, fn] of Object.entries(options.resolvers as Record<string, Any>)) {
      opts.resolvers[scheme] = (resource: Any, ...more: Any[]) => {
        rec.resolved.push({ scheme, resource });
        rec.replayable = false;
        if (!rec.why.includes('use<…> resolved')) rec.why.push('use<…> resolved');
        return fn(resource, ...more);
      };
    }
  }
  if (options.timeout !== undefined) rec.timeout = options.timeout;
  if (options.autoExceptions !== undefined) rec.autoExceptions = options.autoExceptions;
  if (options.maxCallStackDepth !== undefined) rec.maxCallStackDepth = options.maxCallStackDepth;
  if (options.nowMs !== undefined) rec.nowMs = options.nowMs;
  if (options.timezone !== undefined) rec.timezone = options.timezone;
  if (options.signal !== undefined) rec.signal = true;
  const userLog = options.callbacks?.onLog;
  opts.callbacks = {
    ...(options.callbacks ?? {}),
    onLog: (msg: string) => {
      rec.logs.push(msg);
      if (userLog) userLog(msg);
    },
  };
  const ctx = real.createRuntimeContext(opts, ...rest);
  rec.initialVars = ctx.variables?.size ?? 0;
  hostOf.set(ctx, rec);
  return ctx;
}


// ---------------------------------------------------------------- parse / execute

function write(line: Any) {
  appendFileSync(RAW, JSON.stringify(line) + '\n');
}

export function parse(source: string, ...rest: Any[]): Any {
  try {
    const ast = (real.parse as Any)(source, ...rest);
    if (ast && typeof ast === 'object') sourceOf.set(ast, source);
    return ast;
  } catch (e) {
    if (rest.length === 0 && hostFnDepth === 0) {
      const where = currentName(source);
      write({ ...where, script: source, phase: 'parse', expect: { error: encodeError(e) } });
    }
    throw e;
  }
}

export async function execute(ast: Any, ctx: Any, ...rest: Any[]): Promise<Any> {
  const script = ast && typeof ast === 'object' ? sourceOf.get(ast) : undefined;
  const rec = ctx ? hostOf.get(ctx) : undefined;
  const record = script !== undefined && rest.length === 0 && hostFnDepth === 0;
  const before = rec ? { calls: rec.calls.length, logs: rec.logs.length, resolved: rec.resolved.length } : undefined;
  const where = currentName(script ?? '');
  if (rec) rec.runs++;
  let outcome: Any;
  try {
    const r = await (real.execute as Any)(ast, ctx, ...rest);
    outcome = { value: encodeValue(r.result) };
    return r;
  } catch (e) {
    outcome = { error: encodeError(e) };
    throw e;
  } finally {
    if (record) emit(where, script, outcome, rec, before, ctx);
  }
}

function emit(where: Any, script: string, outcome: Any, rec: HostRecord | undefined, before: Any, ctx: Any) {
  const line: Any = { ...where, script, phase: 'execute', expect: outcome };
  if (rec) {
    const logs = rec.logs.slice(before.logs);
    if (logs.length > 0) line.expect.logs = logs;
    const host: Any = { option_keys: rec.option_keys };
    if (rec.functions) host.functions = rec.functions;
    host.calls = rec.calls.slice(before.calls);
    if (rec.variables) {
      host.variables = rec.variables;
      host.variable_names = rec.variable_names;
    }
    for (const k of ['timeout', 'autoExceptions', 'maxCallStackDepth', 'nowMs', 'timezone', 'signal'] as const)
      if (rec[k] !== undefined) host[k] = rec[k];
    if (rec.resolved.length > before.resolved) host.resolved = rec.resolved.slice(before.resolved);
    let replayable = rec.replayable;
    const why = [...rec.why];
    if (rec.runs > 1 || (ctx.variables?.size ?? 0) < rec.initialVars) {
      replayable = false;
      why.push('context reused or modified');
    }
    host.replayable = replayable;
    if (why.length > 0) host.why = why;
    line.host = host;
  }
  write(line);
}
