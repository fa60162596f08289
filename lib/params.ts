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

const show = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value));

function fail(name: string, value: unknown, allowed: string): never {
  throw new ParameterError(`Parameter ${name} is ${show(value)}; ${allowed}.`);
}

export function checkNumber(name: string, value: unknown, range: { min?: number; max?: number; exclusiveMin?: boolean } = {}): number {
  const { min, max, exclusiveMin } = range;
  const bounds = [
    min !== undefined ? `${exclusiveMin ? 'above' : 'at least'} ${min}` : '',
    max !== undefined ? `at most ${max}` : '',
  ].filter(Boolean).join(' and ');
  const allowed = `it must be a number${bounds ? ' ' + bounds : ''}`;
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(name, value, allowed);
  if (min !== undefined && (exclusiveMin ? value <= min : value < min)) fail(name, value, allowed);
  if (max !== undefined && value > max) fail(name, value, allowed);
  return value;
}

export function checkInteger(name: string, value: unknown, range: { min?: number; max?: number } = {}): number {
  const { min, max } = range;
  const bounds = [min !== undefined ? `at least ${min}` : '', max !== undefined ? `at most ${max}` : ''].filter(Boolean).join(' and ');
  const allowed = `it must be a whole number${bounds ? ' ' + bounds : ''}`;
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(name, value, allowed);
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) fail(name, value, allowed);
  return value;
}

export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!(allowed as readonly unknown[]).includes(value)) fail(name, value, `allowed: ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
  return value as T;
}

export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(name, value, 'it must be true or false');
  return value;
}

export function checkList<T>(name: string, value: unknown, item: (label: string, v: unknown) => T, size: { min?: number } = {}): T[] {
  if (!Array.isArray(value)) fail(name, value, 'it must be a list, e.g. [0, 1, 2]');
  if (size.min !== undefined && value.length < size.min) fail(name, value, `it must list at least ${size.min} value(s)`);
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

/** A file that must exist; relative paths are taken from the notebook's folder (the kernel's cwd). */
export function checkFile(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') fail(name, value, 'it must be the path of a file');
  const resolved = path.resolve(value);
  if (!fs.existsSync(resolved)) fail(name, value, `no such file (looked at ${resolved})`);
  if (!fs.statSync(resolved).isFile()) fail(name, value, `${resolved} is not a file`);
  return resolved;
}

export function checkNullableString(name: string, value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== 'string' || value.trim() === '') fail(name, value, 'it must be a name in quotes, or null');
  return value;
}

/** A folder that must exist; relative paths are taken from the notebook's folder (the kernel's cwd). */
export function checkDirectory(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') fail(name, value, 'it must be the path of a folder');
  const resolved = path.resolve(value);
  if (!fs.existsSync(resolved)) fail(name, value, `no such folder (looked at ${resolved})`);
  if (!fs.statSync(resolved).isDirectory()) fail(name, value, `${resolved} is not a folder`);
  return resolved;
}
