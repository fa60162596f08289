/**
 * Checks for the values of a notebook's parameters cell. Each failure is one sentence naming the
 * parameter, the value and what is allowed, thrown as a ParameterError.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validateLayers } from './autoencoder';

export class ParameterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParameterError';
  }
}

/** Throws the one sentence every bad parameter gets: its name, its value, then what is allowed. */
export function failParameter(name: string, value: unknown, allowed: string): never {
  throw new ParameterError(`Parameter ${name} is ${JSON.stringify(value) ?? String(value)}; ${allowed}.`);
}

type Range = { min?: number; max?: number };

function checkRange(name: string, value: unknown, what: string, isKind: (v: number) => boolean, range: Range & { exclusiveMin?: boolean }): number {
  const { min, max, exclusiveMin } = range;
  const bounds = [min !== undefined ? `${exclusiveMin ? 'above' : 'at least'} ${min}` : '', max !== undefined ? `at most ${max}` : ''];
  const tooLow = (v: number): boolean => min !== undefined && (exclusiveMin ? v <= min : v < min);
  if (typeof value !== 'number' || !isKind(value) || tooLow(value) || (max !== undefined && value > max)) {
    failParameter(name, value, ['it must be', what, bounds.filter(Boolean).join(' and ')].filter(Boolean).join(' '));
  }
  return value;
}

export function checkNumber(name: string, value: unknown, range: Range & { exclusiveMin?: boolean } = {}): number {
  return checkRange(name, value, 'a number', Number.isFinite, range);
}

export function checkInteger(name: string, value: unknown, range: Range = {}): number {
  return checkRange(name, value, 'a whole number', Number.isInteger, range);
}

export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!(allowed as readonly unknown[]).includes(value)) failParameter(name, value, `allowed: ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
  return value as T;
}

export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') failParameter(name, value, 'it must be true or false');
  return value;
}

export function checkList<T>(name: string, value: unknown, item: (label: string, v: unknown) => T, size: { min?: number } = {}): T[] {
  if (!Array.isArray(value)) failParameter(name, value, 'it must be a list, e.g. [0, 1, 2]');
  if (size.min !== undefined && value.length < size.min) failParameter(name, value, `it must list at least ${size.min} value(s)`);
  return value.map((v, i) => item(`${name}[${i}]`, v));
}

/** A layer list for an autoencoder of `inputSize` inputs: ends match the data, smallest is latent. */
export function checkLayers(name: string, value: unknown, inputSize: number): number[] {
  try {
    return validateLayers(value, inputSize, `Parameter ${name}`);
  } catch (err) {
    throw new ParameterError((err as Error).message);
  }
}

export function checkNullableString(name: string, value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== 'string' || value.trim() === '') failParameter(name, value, 'it must be a name in quotes, or null');
  return value;
}

/** A file or folder that must exist; relative paths are taken from the notebook's folder (the kernel's cwd). */
function checkPath(name: string, value: unknown, kind: 'file' | 'folder'): string {
  if (typeof value !== 'string' || value.trim() === '') failParameter(name, value, `it must be the path of a ${kind}`);
  const resolved = path.resolve(value);
  if (!fs.existsSync(resolved)) failParameter(name, value, `no such ${kind} (looked at ${resolved})`);
  const stat = fs.statSync(resolved);
  if (kind === 'file' ? !stat.isFile() : !stat.isDirectory()) failParameter(name, value, `${resolved} is not a ${kind}`);
  return resolved;
}

export const checkFile = (name: string, value: unknown): string => checkPath(name, value, 'file');
export const checkDirectory = (name: string, value: unknown): string => checkPath(name, value, 'folder');

/**
 * One knob of a notebook: its default and the check that turns a value into a typed one (or
 * throws a ParameterError naming the parameter). A notebook declares its knobs once, in one object
 * (see `declareParameters`); its parameters cell holds the same names as plain `let` lines.
 */
export interface Knob<T> {
  readonly default: T;
  readonly check: (name: string, value: unknown) => T;
}

/** The typed values of a declaration. */
export type ParameterValues<D extends Record<string, Knob<unknown>>> = { [K in keyof D]: D[K] extends Knob<infer T> ? T : never };

/** Builders of knobs, one per kind of value. */
export const knob = {
  number: (value: number, range: Range & { exclusiveMin?: boolean } = {}): Knob<number> =>
    ({ default: value, check: (name, v) => checkNumber(name, v, range) }),
  integer: (value: number, range: Range = {}): Knob<number> =>
    ({ default: value, check: (name, v) => checkInteger(name, v, range) }),
  oneOf: <T extends string>(allowed: readonly T[], value: T): Knob<T> =>
    ({ default: value, check: (name, v) => checkOneOf(name, v, allowed) }),
  /** A list whose every item passes `item` (a knob's check), e.g. `knob.list(knob.integer(0, { min: 0 }).check, [0, 1, 2])`. */
  list: <T>(item: (name: string, v: unknown) => T, value: T[], size: { min?: number } = {}): Knob<T[]> =>
    ({ default: value, check: (name, v) => checkList(name, v, item, size) }),
  /** `null` or what `inner` accepts. */
  nullable: <T>(inner: Knob<T> | ((name: string, v: unknown) => T), value: T | null = null): Knob<T | null> => {
    const check = typeof inner === 'function' ? inner : inner.check;
    return { default: value, check: (name, v) => (v === null ? null : check(name, v)) };
  },
  /** A file that must exist (the value is kept as written; `checkFile` resolves it where it is read). */
  file: (value: string): Knob<string> => ({ default: value, check: (name, v) => (checkFile(name, v), v as string) }),
  /** Any non-empty text, e.g. a folder that is created when missing. */
  text: (value: string, what = 'a non-empty text in quotes'): Knob<string> => ({
    default: value,
    check: (name, v) => (typeof v === 'string' && v.trim() !== '' ? v : failParameter(name, v, `it must be ${what}`)),
  }),
  /** An autoencoder's layer list for inputs of `inputSize` values. */
  layers: (value: number[], inputSize: number): Knob<number[]> =>
    ({ default: value, check: (name, v) => checkLayers(name, v, inputSize) }),
  /** Anything else: a default and a check of your own (throw a ParameterError). */
  custom: <T>(value: T, check: (name: string, v: unknown) => T): Knob<T> => ({ default: value, check }),
};

/** Names the knobs of a notebook once; `readParameters` then reads and checks them. */
export function declareParameters<D extends Record<string, Knob<unknown>>>(knobs: D): D {
  return knobs;
}

/**
 * The checked, typed values of a notebook's knobs. Values come from `values` when given, else from
 * the notebook's own `let` lines (the tslab kernel's top-level declarations, which include the
 * injected-parameters cell of a headless run); a knob that is not declared there takes its default.
 */
export function readParameters<D extends Record<string, Knob<unknown>>>(declaration: D, values?: Record<string, unknown>): ParameterValues<D> {
  const source = values ?? (globalThis as { __tslab__?: { exports?: Record<string, unknown> } }).__tslab__?.exports ?? {};
  if (values) {
    const unknown = Object.keys(values).filter((k) => !(k in declaration));
    if (unknown.length) {
      throw new ParameterError(`Unknown parameter(s) ${unknown.join(', ')}; this notebook's parameters are: ${Object.keys(declaration).join(', ')}.`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [name, k] of Object.entries(declaration)) {
    out[name] = k.check(name, name in source && source[name] !== undefined ? source[name] : k.default);
  }
  return out as ParameterValues<D>;
}

/** The default values of a declaration (what a fresh parameters cell holds). */
export function parameterDefaults<D extends Record<string, Knob<unknown>>>(declaration: D): ParameterValues<D> {
  return Object.fromEntries(Object.entries(declaration).map(([name, k]) => [name, k.default])) as ParameterValues<D>;
}
