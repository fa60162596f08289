/**
 * The standard normal distribution's CDF, its log and its inverse, and grids of latent points at
 * regular quantiles of N(0, I): Kingma and Welling's manifold figure ("linearly spaced coordinates on
 * the unit square were transformed through the inverse CDF of the Gaussian").
 */

// Peter J. Acklam's rational approximations of the inverse normal CDF (relative error below
// 1.15e-9 over the whole range), in three regions: a lower tail, a central part and an upper tail.
const A = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
const B = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
const C = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
const D = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
const P_LOW = 0.02425;

function tail(q: number): number {
  return (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
}

/**
 * Φ⁻¹(p): the z with P(Z <= z) = p for Z ~ N(0, 1). Acklam's algorithm followed by one Halley step
 * on Φ(z) - p, which brings it to about full double precision. Φ⁻¹(0) = -Infinity, Φ⁻¹(1) = Infinity;
 * p outside [0, 1] (or NaN) is an error.
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`normalQuantile: p is ${p}; it must be a probability in [0, 1].`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  let x: number;
  if (p < P_LOW) {
    x = tail(Math.sqrt(-2 * Math.log(p)));
  } else if (p <= 1 - P_LOW) {
    const q = p - 0.5;
    const r = q * q;
    x = (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q /
      (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
  } else {
    x = -tail(Math.sqrt(-2 * Math.log1p(-p)));
  }
  // Halley's refinement. Both forms equal Φ(x) - p; each measures it on the side of the smaller tail
  // probability, without cancellation (1 - p is exact for p >= 0.5).
  const e = x <= 0 ? normalCdf(x) - p : (1 - p) - normalCdf(-x);
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp(0.5 * x * x);
  const refined = x - u / (1 + 0.5 * x * u);
  return Number.isFinite(refined) ? refined : x;
}

/**
 * The continued fraction f(x) with erfc(x) = exp(-x^2) / (sqrt(pi) f(x)), for x >= 2.5:
 * f = x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))), by modified Lentz.
 */
function erfcContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = x + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return f;
}

/** Below this, erfc comes from erf's Taylor series; above, from the continued fraction. */
const SERIES_LIMIT = 2.5;

/** erfc(x) for x >= 0: a Taylor series of erf near 0, a continued fraction beyond. */
function erfcNonNegative(x: number): number {
  if (x < SERIES_LIMIT) {
    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1)); at x < 2.5 it converges to ~1e-15.
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * erfcContinuedFraction(x));
}

/** Φ(x) = P(Z <= x) for Z ~ N(0, 1), to about 1e-15 relative accuracy (also far in the tails). */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return 1;
  if (x === -Infinity) return 0;
  const t = Math.abs(x) / Math.SQRT2;
  const upper = 0.5 * erfcNonNegative(t); // P(Z > |x|)
  return x < 0 ? upper : 1 - upper;
}

/**
 * log Φ(x), as accurate as `normalCdf` and finite far in the lower tail, where Φ(x) itself
 * underflows (log Φ(-100) is about -5005.5).
 */
export function logNormalCdf(x: number): number {
  const t = Math.abs(x) / Math.SQRT2;
  if (x < 0 && t >= SERIES_LIMIT) return -t * t - Math.log(2 * Math.sqrt(Math.PI) * erfcContinuedFraction(t));
  return x < 0 ? Math.log(normalCdf(x)) : Math.log1p(-normalCdf(-x));
}

/**
 * `n` probabilities evenly spaced from `pMin` to 1 - `pMin` (default 0.5 / n: the centres of n equal
 * slices of [0, 1], so no level is 0 or 1).
 */
export function quantileLevels(n: number, pMin = 0.5 / n): number[] {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`quantileLevels: n is ${n}; it must be a whole number of at least 2.`);
  if (!(pMin > 0 && pMin < 0.5)) throw new RangeError(`quantileLevels: pMin is ${pMin}; it must be above 0 and below 0.5.`);
  return Array.from({ length: n }, (_, i) => pMin + (i * (1 - 2 * pMin)) / (n - 1));
}

/**
 * An n x n grid of 2-D latent points at regular quantiles of N(0, I): column j sits at
 * z₁ = Φ⁻¹(p_j) and row i at z₂ = Φ⁻¹(p_(n-1-i)), with p = quantileLevels(n, pMin). Rows run from the
 * top (largest z₂) down and columns left to right, as `latentGrid` does: read as a mosaic of n
 * columns, each image sits where its point sits on a plot of the plane. Each cell of the grid holds
 * the same prior probability mass.
 */
export function normalQuantileGrid(n: number, pMin?: number): number[][] {
  const z = quantileLevels(n, pMin).map(normalQuantile);
  const points: number[][] = [];
  for (let row = 0; row < n; row++) for (let column = 0; column < n; column++) points.push([z[column], z[n - 1 - row]]);
  return points;
}
