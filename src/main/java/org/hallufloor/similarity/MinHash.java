package org.hallufloor.similarity;

import java.io.Serializable;

/**
 * MinHash signatures of sets of token ids, cut into {@code bands} bands of {@code rows} rows
 * (THEORY 4): two sets with Jaccard similarity s share a band's key with probability s^rows
 * (AND within a band) and are a candidate pair when they share any band, with probability
 * {@code 1 - (1 - s^rows)^bands} (OR across bands). Keys mix in c, so the contexts of different
 * lengths never meet in a bucket.
 */
public final class MinHash implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final long P1 = 0x9E3779B185EBCA87L;
  private static final long P2 = 0xC2B2AE3D27D4EB4FL;
  /** Permutations a signature may use at most when bands and rows are chosen for tau, as datasketch's default. */
  public static final int MAX_PERMUTATIONS = 128;
  /**
   * Weights of the false-positive and false-negative areas when choosing bands and rows: a false
   * positive costs one exact Jaccard of two sets of at most c ids, a false negative loses
   * evidence and biases Sbar low, so misses weigh 19 times more than datasketch's even split.
   */
  static final double FP_WEIGHT = 0.05;
  static final double FN_WEIGHT = 0.95;

  private final int bands;
  private final int rows;

  public MinHash(int bands, int rows) {
    if (bands < 1 || rows < 1) {
      throw new IllegalArgumentException("bands and rows must be >= 1: " + bands + ", " + rows);
    }
    this.bands = bands;
    this.rows = rows;
  }

  public int bands() {
    return bands;
  }

  public int rows() {
    return rows;
  }

  /** The key of band {@code band} of the set's signature (the set is not empty). */
  public long bandKey(int c, int[] set, int band) {
    long key = mix(c * P1 + band + 1);
    for (int row = 0; row < rows; row++) {
      long seed = mix((long) (band * rows + row) * P2 + P1);
      long min = Long.MAX_VALUE;
      for (int x : set) {
        long h = mix((x & 0xffffffffL) ^ seed);
        if (h < min) {
          min = h;
        }
      }
      key = mix(key ^ min) + row;
    }
    return key;
  }

  /** Probability that two sets of Jaccard similarity s become a candidate pair. */
  public static double candidateProbability(double s, int bands, int rows) {
    return 1 - Math.pow(1 - Math.pow(s, rows), bands);
  }

  /**
   * Bands and rows for threshold tau, minimising the weighted false-positive area (below tau)
   * plus false-negative area (above tau) of the candidate probability over b * r <= 128, as
   * datasketch's {@code _optimal_param} does (with the weights above).
   */
  public static int[] optimal(double tau) {
    double best = Double.POSITIVE_INFINITY;
    int[] choice = null;
    for (int b = 1; b <= MAX_PERMUTATIONS; b++) {
      for (int r = 1; b * r <= MAX_PERMUTATIONS; r++) {
        final int bb = b;
        final int rr = r;
        double fp = integrate(s -> candidateProbability(s, bb, rr), 0, tau);
        double fn = integrate(s -> 1 - candidateProbability(s, bb, rr), tau, 1);
        double error = FP_WEIGHT * fp + FN_WEIGHT * fn;
        if (error < best) {
          best = error;
          choice = new int[] {b, r};
        }
      }
    }
    return choice;
  }

  /** Simpson's rule on 200 intervals: the integrands are smooth polynomials in s. */
  private static double integrate(java.util.function.DoubleUnaryOperator f, double from, double to) {
    int n = 200;
    double h = (to - from) / n;
    double sum = f.applyAsDouble(from) + f.applyAsDouble(to);
    for (int i = 1; i < n; i++) {
      sum += f.applyAsDouble(from + i * h) * (i % 2 == 1 ? 4 : 2);
    }
    return sum * h / 3;
  }

  /** Jaccard similarity of two sorted sets of distinct ids. */
  public static double jaccard(int[] a, int[] b) {
    int i = 0;
    int j = 0;
    int common = 0;
    while (i < a.length && j < b.length) {
      if (a[i] == b[j]) {
        common++;
        i++;
        j++;
      } else if (a[i] < b[j]) {
        i++;
      } else {
        j++;
      }
    }
    return (double) common / (a.length + b.length - common);
  }

  /** murmur3's 64-bit finaliser. */
  static long mix(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
