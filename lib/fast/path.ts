/**
 * Which path the models train on. `fast`: this folder's machinery wherever it applies, falling
 * back to plain TensorFlow.js elsewhere. `plain`: TensorFlow.js ops, autodiff and tf.train only,
 * the reference every fast piece is tested against. Set with `AE_PATH=plain` or `setSpeedPath`.
 */
export type SpeedPath = 'fast' | 'plain';
export const SPEED_PATHS: readonly SpeedPath[] = ['fast', 'plain'];

function parse(value: string | undefined): SpeedPath {
  if (value === undefined || value === '') return 'fast';
  if ((SPEED_PATHS as readonly string[]).includes(value)) return value as SpeedPath;
  throw new Error(`AE_PATH is ${JSON.stringify(value)}; allowed: ${SPEED_PATHS.join(', ')}.`);
}

let chosen: SpeedPath = parse(process.env.AE_PATH);

/** The path new trainers take. */
export function speedPath(): SpeedPath {
  return chosen;
}

export function setSpeedPath(path: SpeedPath): void {
  chosen = parse(path);
}
