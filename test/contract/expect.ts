/**
 * The assertions of the contract suites: small enough to run unchanged in
 * Node and in a browser worker (no node:assert there).
 */

export class AssertionError extends Error {
  override name = 'AssertionError';
}

function show(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `Uint8Array(${v.length}) [${[...v.subarray(0, 16)].join(', ')}${v.length > 16 ? ', …' : ''}]`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export function ok(value: unknown, message = 'expected a truthy value'): asserts value {
  if (!value) throw new AssertionError(message);
}

export function equal<T>(actual: T, expected: T, message?: string): void {
  if (!Object.is(actual, expected)) {
    throw new AssertionError(`${message ? message + ': ' : ''}${show(actual)} !== ${show(expected)}`);
  }
}

/** Structural equality of arrays, typed arrays and plain objects. */
export function deepEqual(actual: unknown, expected: unknown, message?: string): void {
  const same = (a: unknown, b: unknown): boolean => {
    if (Object.is(a, b)) return true;
    if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
      const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      return x.length === y.length && x.every((v, i) => v === y[i]);
    }
    if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => same(v, b[i]));
    if (a && b && typeof a === 'object' && typeof b === 'object') {
      const ka = Object.keys(a).sort();
      const kb = Object.keys(b).sort();
      return same(ka, kb) && ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
    }
    return false;
  };
  if (!same(actual, expected)) {
    throw new AssertionError(`${message ? message + ': ' : ''}${show(actual)} is not ${show(expected)}`);
  }
}

export interface ErrorShape {
  name?: string;
  code?: string;
  message?: RegExp;
}

function check(err: unknown, shape: ErrorShape, message?: string): void {
  const e = err as { name?: string; code?: string; message?: string };
  const prefix = message ? message + ': ' : '';
  if (shape.name !== undefined && e?.name !== shape.name) {
    throw new AssertionError(`${prefix}threw ${e?.name} (${e?.code}: ${e?.message}), expected ${shape.name}`);
  }
  if (shape.code !== undefined && e?.code !== shape.code) {
    throw new AssertionError(`${prefix}threw code ${e?.code} (${e?.message}), expected ${shape.code}`);
  }
  if (shape.message !== undefined && !shape.message.test(String(e?.message))) {
    throw new AssertionError(`${prefix}message '${e?.message}' does not match ${shape.message}`);
  }
}

export function throws(fn: () => unknown, shape: ErrorShape, message?: string): void {
  try {
    fn();
  } catch (err) {
    check(err, shape, message);
    return;
  }
  throw new AssertionError(`${message ? message + ': ' : ''}expected an error ${shape.name ?? ''} ${shape.code ?? ''}`);
}

export async function rejects(promise: Promise<unknown> | (() => Promise<unknown>), shape: ErrorShape, message?: string): Promise<void> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (err) {
    check(err, shape, message);
    return;
  }
  throw new AssertionError(`${message ? message + ': ' : ''}expected a rejection ${shape.name ?? ''} ${shape.code ?? ''}`);
}
