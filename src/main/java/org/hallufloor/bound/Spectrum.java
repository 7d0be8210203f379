package org.hallufloor.bound;

import java.util.Arrays;
import java.util.function.DoubleUnaryOperator;

/**
 * The distribution of evidence under one of THEORY 2's context distributions: distinct
 * evidence values with their weights (contexts, occurrences, held-out examples), and the
 * distribution's total mass, whose unlisted part sits at evidence 0. The total is kept as its
 * log10 because for {@code uniform} it is {@code N_V^c}, which overflows a double.
 */
public final class Spectrum {
  private static final double LN10 = Math.log(10);

  private final double[] values;
  /** weight of values[i]. */
  private final double[] weights;
  /** sum of weights[j] for j >= i; tail[n] = 0. */
  private final double[] tail;
  private final double log10Total;
  /** {@code sum(value * weight)} where the caller knows it exactly (values rounded up); NaN: from the values. */
  private final double valueSum;

  private Spectrum(double[] values, double[] weights, double log10Total, double valueSum) {
    this.values = values;
    this.weights = weights;
    this.log10Total = log10Total;
    this.valueSum = valueSum;
    this.tail = new double[values.length + 1];
    for (int i = values.length - 1; i >= 0; i--) {
      tail[i] = tail[i + 1] + weights[i];
    }
  }

  /**
   * @param values evidence values, any order, duplicates allowed (merged)
   * @param weights their weights, each >= 0
   * @param log10Total log10 of the total mass, at least log10 of the weights' sum; the rest is at 0.
   *     Use {@link Double#NaN} for "the weights' sum".
   */
  public static Spectrum of(double[] values, double[] weights, double log10Total) {
    return of(values, weights, log10Total, Double.NaN);
  }

  /**
   * The same, for values that were rounded up (a step function a little to the right of the
   * real one) whose exact {@code sum(value * weight)} is known: the mean is that sum's, while
   * f and the empirical bound follow the values.
   */
  public static Spectrum of(double[] values, double[] weights, double log10Total, double valueSum) {
    if (values.length != weights.length) {
      throw new IllegalArgumentException("values and weights differ in length");
    }
    Integer[] order = new Integer[values.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(values[a], values[b]));
    double[] v = new double[values.length];
    double[] w = new double[values.length];
    int n = 0;
    for (Integer i : order) {
      if (values[i] < 0 || weights[i] < 0 || Double.isNaN(values[i]) || Double.isNaN(weights[i])) {
        throw new IllegalArgumentException("evidence and weights must be >= 0: " + values[i] + ", " + weights[i]);
      }
      if (weights[i] == 0) {
        continue;
      }
      if (n > 0 && v[n - 1] == values[i]) {
        w[n - 1] += weights[i];
      } else {
        v[n] = values[i];
        w[n] = weights[i];
        n++;
      }
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += w[i];
    }
    double total = Double.isNaN(log10Total) ? Math.log10(sum) : Math.max(log10Total, Math.log10(sum));
    return new Spectrum(Arrays.copyOf(v, n), Arrays.copyOf(w, n), total, valueSum);
  }

  /** log10 of the mean evidence: {@code sum(value * weight) / total}. */
  public double log10Mean() {
    if (!Double.isNaN(valueSum)) {
      return Math.log10(valueSum) - log10Total;
    }
    double s = 0;
    for (int i = 0; i < values.length; i++) {
      s += values[i] * weights[i];
    }
    return Math.log10(s) - log10Total;
  }

  public double mean() {
    return Math.pow(10, log10Mean());
  }

  /** {@code weight / total} for a weight, in doubles even when the total overflows. */
  private double share(double weight) {
    return weight == 0 ? 0 : Math.pow(10, Math.log10(weight) - log10Total);
  }

  /** {@code P(Evid < m)}. */
  public double fractionBelow(double m) {
    int i = firstIndexAtLeast(m);
    // A tail equal to the total in real numbers can come out a rounding above it (weights
    // added in another order): a fraction stays in [0, 1].
    return Math.max(0, 1 - share(tail[i]));
  }

  /** {@code log10 P(Evid <= e)}, exact near 1 (log1p of the tail share). */
  public double log10FractionAtMost(double e) {
    int i = firstIndexAbove(e);
    double tailShare = share(tail[i]);
    return Math.log1p(-tailShare) / LN10;
  }

  private int firstIndexAtLeast(double m) {
    int lo = 0;
    int hi = values.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (values[mid] < m) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private int firstIndexAbove(double e) {
    int lo = 0;
    int hi = values.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (values[mid] <= e) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** The empirical optimised bound and where it is reached. */
  public record Empirical(double bound, double log10Bound, double eps0, double evidence) {}

  /**
   * {@code sup over eps0 of eps0 f(eps0)} with the real step function f (THEORY 3): the sup is
   * approached as {@code M'} falls to a distinct evidence value e, where {@code f = P(Evid <= e)}
   * and {@code eps0 = sigmoid(-beta_S e / T)}; e = 0 stands for {@code eps0 -> 1/2}.
   */
  public Empirical empiricalBound(double betaS, double temperature) {
    return empiricalBound(betaS, temperature, DoubleUnaryOperator.identity());
  }

  /**
   * The same with each candidate's {@code eps0} taken at {@code least(e)}, the least exact value
   * a (rounded-up) value e can stand for: an upper estimate of the empirical bound of the
   * unrounded spectrum. Rounding is monotone, so an exact x that rounds to e has
   * {@code P(Evid <= x) <= P(rounded Evid <= e)} and {@code sigmoid(-x) <= sigmoid(-least(e))}.
   * With the identity it is the bound of the values as they are.
   */
  public Empirical empiricalBound(double betaS, double temperature, DoubleUnaryOperator least) {
    double bestLog = Double.NEGATIVE_INFINITY;
    double bestE = Double.NaN;
    // Mass not listed sits at 0; a total equal to the listed sum up to rounding has none.
    double gap = tail[0] == 0 ? Double.POSITIVE_INFINITY : log10Total - Math.log10(tail[0]);
    double zeroMass = gap < 1e-12 ? 0 : 1 - share(tail[0]);
    if (zeroMass > 0) {
      bestLog = Math.log10(0.5) + Math.log10(zeroMass);
      bestE = 0;
    }
    for (double e : values) {
      double candidate = Logit.log10Eps0(betaS * least.applyAsDouble(e) / temperature) + log10FractionAtMost(e);
      if (candidate > bestLog) {
        bestLog = candidate;
        bestE = e;
      }
    }
    return new Empirical(Math.pow(10, bestLog), bestLog, Logit.eps0(betaS * bestE / temperature), bestE);
  }
}
