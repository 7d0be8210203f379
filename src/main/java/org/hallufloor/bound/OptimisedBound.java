package org.hallufloor.bound;

/**
 * The optimised lower bound of THEORY 3 for a scaling parameter k: the positive root L* of
 * {@code L^2 = k (L + 1 + e^-L)}, {@code eps0* = 1 / (1 + e^L*)} and
 * {@code bound = eps0* (1 - k / L*)}.
 *
 * <p>Two rewritings keep every k from 1e-300 to 1e12 (and beyond) accurate. The root is found
 * for {@code u = L / sqrt(k)}, which solves {@code u^2 = sqrt(k) u + 1 + e^(-sqrt(k) u)} and is
 * of order 1 for small k, so nothing underflows near {@code L ~ sqrt(2k)}. And at the root
 * {@code L (L - k) = k (1 + e^-L)}, so {@code 1 - k/L = k (1 + e^-L) / L^2} without the
 * cancellation of {@code 1 - k/L} for large k; with {@code eps0* (1 + e^-L) = e^-L} the bound
 * is {@code k e^-L* / L*^2}, and its log10 never underflows.
 */
public record OptimisedBound(double log10K, double k, double lStar, double eps0Star, double bound, double log10Bound) {
  private static final double LN10 = Math.log(10);
  private static final int MAX_NEWTON_STEPS = 200;

  /** The bound for {@code k = 10^log10K}; works where k itself would underflow a double. */
  public static OptimisedBound ofLog10K(double log10K) {
    if (Double.isNaN(log10K)) {
      throw new IllegalArgumentException("log10 k is NaN");
    }
    if (log10K == Double.NEGATIVE_INFINITY) {
      return new OptimisedBound(log10K, 0, 0, 0.5, 0.5, Math.log10(0.5));
    }
    double k = Math.pow(10, log10K);
    if (log10K < -300) {
      // u^2 = 2 to within 1e-150: L* = sqrt(2k), eps0* = 1/2 and bound = 1/2 - sqrt(k/2) = 1/2 in doubles.
      double lnLStar = 0.5 * (Math.log(2) + log10K * LN10);
      return new OptimisedBound(log10K, k, Math.exp(lnLStar), 0.5, 0.5, Math.log10(0.5));
    }
    double s = Math.sqrt(k);
    double u = rootU(s);
    double lStar = s * u;
    double eps0Star = 1 / (1 + Math.exp(lStar));
    // log10(k e^-L / L^2) = log10 k - L / ln 10 - 2 log10 L, and k / L^2 = 1 / u^2. The bound
    // is below 1/2 (eps0* <= 1/2, 1 - k/L* < 1); rounding near k = 0 must not lift it past.
    double log10Bound = Math.min(Math.log10(0.5), -lStar / LN10 - 2 * Math.log10(u));
    double bound = Math.min(0.5, Math.exp(-lStar) / (u * u));
    return new OptimisedBound(log10K, k, lStar, eps0Star, bound, log10Bound);
  }

  public static OptimisedBound ofK(double k) {
    if (!(k >= 0) || Double.isInfinite(k)) {
      throw new IllegalArgumentException("k must be finite and >= 0, got " + k);
    }
    return ofLog10K(Math.log10(k));
  }

  /**
   * Newton's method on {@code q(u) = u^2 - s u - 1 - e^(-s u)} from a point right of the root.
   * q is convex right of the root ({@code q'' = 2 - k e^-L > 0} there), so the iterates fall
   * monotonically onto it; the loop stops when they stop falling.
   */
  static double rootU(double s) {
    double u = 2 * Math.sqrt(2) + 2 * s;
    for (int i = 0; i < MAX_NEWTON_STEPS; i++) {
      double e = Math.exp(-s * u);
      double q = u * u - s * u - 1 - e;
      double dq = 2 * u - s + s * e;
      double next = u - q / dq;
      if (!(next < u)) {
        return u;
      }
      u = next;
    }
    return u;
  }

  /** The seed's {@code g(eps0) = eps0 (1 - k / L(eps0))}, the quantity L* maximises. */
  public static double g(double eps0, double k) {
    return eps0 * (1 - k / Logit.l(eps0));
  }
}
