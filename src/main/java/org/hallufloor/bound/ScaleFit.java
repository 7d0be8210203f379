package org.hallufloor.bound;

import java.util.Arrays;

/**
 * The fitted scale of THEORY 5: the {@code a = beta_S / T} that maximises the held-out
 * log-likelihood of the logit model with the full vocabulary,
 * {@code n ll(a) = a S - sum_X m_X log Z_X(a) - u ln N_V}, where {@code S} sums {@code E(y|X)}
 * over the held-out examples, {@code m_X} counts the held-out examples of a seen context,
 * {@code Z_X(a) = (N_V - n_seen) + sum_y exp(a E(y|X))}, and {@code u} counts the held-out
 * examples whose context was never seen ({@code Z = N_V} for every a).
 *
 * <p>Why probes: the sum over contexts has no fixed-size summary, and a slice's held-out
 * contexts are spread over every task of the evidence pass. So each context adds
 * {@code m log Z}, and its first three derivatives in {@code a}, at a fixed geometric grid of
 * {@link #PROBES} scales (four a octave, 2^-36 to 2^12); the sums add up across tasks like any
 * cell. The estimate then interpolates {@code ll} in {@code ln a} between the two probes around
 * the maximum with the Hermite polynomial of degree 7 that matches all four numbers at both
 * ends, and finds the maximum and the likelihood-ratio interval on it. A context's
 * {@code log Z} changes shape over about one unit of {@code ln a} (where {@code a E} crosses
 * {@code ln N_V}), so a step of {@code ln 2 / 4} resolves it; the interpolation error is
 * measured against exact evaluation in {@code ScaleFitTest}.
 *
 * <p>{@code ll} is concave in {@code a} (a linear term minus log-sum-exps of linear terms), so
 * its derivative changes sign once and the probes bracket the one maximum.
 */
public final class ScaleFit {
  private static final int LOWEST_OCTAVE = -36;
  private static final int HIGHEST_OCTAVE = 12;
  private static final int STEPS_PER_OCTAVE = 4;
  /** Scales probed: {@code a_j = 2^(-36 + j/4)}. */
  public static final int PROBES = (HIGHEST_OCTAVE - LOWEST_OCTAVE) * STEPS_PER_OCTAVE + 1;
  /** The index of the linear term S among the terms; probe j's four terms are {@code 4j .. 4j+3}. */
  public static final int LINEAR = 4 * PROBES;
  /** How many sums a slice's fit is made of. */
  public static final int TERMS = LINEAR + 1;
  private static final double STEP = Math.log(2) / STEPS_PER_OCTAVE;
  /** Half the chi-square(1) 95% point: the interval is where {@code 2 n (ll* - ll) <= 3.84}. */
  private static final double HALF_CHI2_95 = 3.841458820694124 / 2;
  /** Below {@code a max E = SERIES_BELOW}, Z is summed as its power series (no exponential per count). */
  private static final double SERIES_BELOW = 1.0 / 32;
  private static final int SERIES_TERMS = 8;
  /** Counts whose weight is below e^-40 of the largest add less than 1e-17 of it (see Profile.direct). */
  private static final double NEGLIGIBLE = 40;

  private ScaleFit() {}

  private static final double[] SCALES = new double[PROBES];

  static {
    for (int j = 0; j < PROBES; j++) {
      SCALES[j] = Math.exp(ln(j));
    }
  }

  /** The scale of probe j. */
  public static double probe(int j) {
    return SCALES[j];
  }

  private static double ln(int j) {
    return (LOWEST_OCTAVE + (double) j / STEPS_PER_OCTAVE) * Math.log(2);
  }

  /** Per probe j, {@code log Z(a_j)} and its first three derivatives in a: {@code 4 * PROBES} numbers. */
  public static final int PROBE_TERMS = 4 * PROBES;

  /**
   * {@code log Z(a)} and its first three derivatives in {@code a} at every probe, for one
   * context: what {@code m} held-out examples of it add, divided by m.
   *
   * @param descending E(y|X) of the context's seen next tokens, largest first, all > 0
   * @return {@link #PROBE_TERMS} numbers, probe j's at {@code 4j .. 4j+3}
   */
  public static double[] terms(long[] descending, long nVocab, Scratch scratch) {
    Profile p = scratch.profile.of(descending);
    p.cumulants(nVocab);
    double kMax = p.k[0];
    double unseenTokens = nVocab - descending.length;
    double lnVocabulary = Math.log(nVocab);
    double[] out = new double[PROBE_TERMS];
    for (int j = 0; j < PROBES; j++) {
      double a = probe(j);
      double[] h = a * kMax < SERIES_BELOW ? p.series(a, lnVocabulary, scratch.h) : p.direct(a, unseenTokens, scratch.h);
      System.arraycopy(h, 0, out, 4 * j, 4);
    }
    return out;
  }

  /** Adds {@code m} times a context's {@link #terms} to a slice's sums. */
  public static void add(double[] sums, double[] terms, double m) {
    for (int i = 0; i < PROBE_TERMS; i++) {
      sums[i] += m * terms[i];
    }
  }

  /**
   * A profile (training counts, largest first) as one long, or -1 when it does not fit: each
   * count in Elias' gamma code (count 1 takes one bit, 2-3 three, 4-7 five, ...), after a
   * leading 1 bit. The profiles of most held-out contexts ({1}, {2}, {1, 1}, ...) fit, so they
   * travel as one cell per (slice, c, profile), summed over every task, and their terms are
   * computed once per slice in the estimate.
   */
  public static long encode(long[] descending) {
    return encode(descending, descending.length);
  }

  /** {@link #encode} of {@code descending[0 .. size-1]}. */
  public static long encode(long[] descending, int size) {
    long code = 1;
    int bits = 1;
    for (int i = 0; i < size; i++) {
      long k = descending[i];
      int width = 64 - Long.numberOfLeadingZeros(k);
      bits += 2 * width - 1;
      if (k <= 0 || bits > 63) {
        return -1;
      }
      code = (code << (width - 1)) << width | k;
    }
    return code;
  }

  /** The profile of an {@link #encode}d long. */
  public static long[] decode(long code) {
    int bits = 63 - Long.numberOfLeadingZeros(code);
    long[] out = new long[bits];
    int size = 0;
    int at = bits - 1;
    while (at >= 0) {
      int zeros = 0;
      while (((code >>> at) & 1) == 0) {
        zeros++;
        at--;
      }
      out[size++] = (code >>> (at - zeros)) & ((1L << (zeros + 1)) - 1);
      at -= zeros + 1;
    }
    return Arrays.copyOf(out, size);
  }

  /**
   * The terms of encoded profiles, the most recent ones kept: a slice's small profiles recur in
   * every other slice of an estimate task, so each is computed about once per task. At most
   * {@link #CACHED} profiles (6 KB each) are held.
   */
  public static final class Cache {
    static final int CACHED = 1024;
    private final Scratch scratch = new Scratch();
    private final long nVocab;
    private final java.util.LinkedHashMap<Long, double[]> terms = new java.util.LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(java.util.Map.Entry<Long, double[]> eldest) {
        return size() > CACHED;
      }
    };

    public Cache(long nVocab) {
      this.nVocab = nVocab;
    }

    /** {@link #terms} of the profile {@link #encode} made {@code code}. */
    public double[] of(long code) {
      double[] t = terms.get(code);
      if (t == null) {
        t = ScaleFit.terms(decode(code), nVocab, scratch);
        terms.put(code, t);
      }
      return t;
    }
  }

  /** Buffers of {@link #terms}, one per task (no allocation per probe). */
  public static final class Scratch {
    private final Profile profile = new Profile();
    private final double[] h = new double[4];
  }

  /** A context's counts as distinct values {@code k} (largest first) with multiplicities {@code n}. */
  static final class Profile {
    double[] k = new double[16];
    double[] n = new double[16];
    private double[] w = new double[16];
    int size;
    /**
     * Where a count's weight, relative to the largest's, is left out: a term enters the third
     * central moment times up to (max k)^3, so only below e^-40 of the largest weight after that.
     */
    private double negligible;
    /** Power sums {@code P_r = sum n k^r}, r = 1..SERIES_TERMS, for the series. */
    final double[] power = new double[SERIES_TERMS + 1];
    /** {@code kappa_r / r!}: the series of {@code log Z - ln N_V} in a, for a small a. */
    final double[] cumulant = new double[SERIES_TERMS + 1];

    Profile of(long[] descending) {
      size = 0;
      Arrays.fill(power, 0);
      for (long count : descending) {
        double v = count;
        if (size > 0 && k[size - 1] == v) {
          n[size - 1]++;
        } else {
          if (size == k.length) {
            k = Arrays.copyOf(k, 2 * size);
            n = Arrays.copyOf(n, 2 * size);
            w = new double[2 * size];
          }
          k[size] = v;
          n[size] = 1;
          size++;
        }
        double x = v;
        for (int r = 1; r <= SERIES_TERMS; r++) {
          power[r] += x;
          x *= v;
        }
      }
      negligible = -NEGLIGIBLE - 3 * Math.log1p(k[0]);
      return this;
    }

    /**
     * log Z and its derivatives from the weights relative to the largest count's, with central
     * moments about the mean (the unseen tokens sit at count 0), so nothing cancels.
     */
    double[] direct(double a, double unseenTokens, double[] h) {
      double top = a * k[0];
      double w0 = unseenTokens * Math.exp(-top);
      double z = w0;
      double first = 0;
      int used = 0;
      for (int i = 0; i < size; i++) {
        double e = a * (k[i] - k[0]);
        if (e < negligible) {
          break;
        }
        w[i] = n[i] * Math.exp(e);
        z += w[i];
        first += w[i] * k[i];
        used++;
      }
      double mean = first / z;
      double second = w0 * mean * mean;
      double third = -w0 * mean * mean * mean;
      for (int i = 0; i < used; i++) {
        double dev = k[i] - mean;
        second += w[i] * dev * dev;
        third += w[i] * dev * dev * dev;
      }
      h[0] = top + Math.log(z);
      h[1] = mean;
      h[2] = second / z;
      h[3] = third / z;
      return h;
    }

    /**
     * Where {@code a max k < 1/32}: {@code log Z = ln N_V + K(a)}, with K the cumulant generating
     * function of the count of a token drawn uniformly from the vocabulary (0 for unseen
     * ones), as its series {@code sum_r kappa_r a^r / r!} up to r = 8. Every term of
     * {@code Z = sum_i p_i e^(a k_i)} has a positive real part while {@code |Im a| max k < pi/2},
     * so K's radius of convergence is at least {@code pi / (2 max k)}, 50 times the largest
     * {@code a} it is used at: the first term left out is below {@code 50^-(9 - order)} of the
     * kept ones (1e-10 for the third derivative, 1e-15 for K itself).
     */
    double[] series(double a, double lnVocabulary, double[] h) {
      double v = 0;
      double d1 = 0;
      double d2 = 0;
      double d3 = 0;
      for (int r = SERIES_TERMS; r >= 1; r--) {
        double c = cumulant[r];
        d3 = d3 * a + (r >= 3 ? c * r * (r - 1) * (r - 2) : 0);
        d2 = d2 * a + (r >= 2 ? c * r * (r - 1) : 0);
        d1 = d1 * a + c * r;
        v = v * a + c;
      }
      h[0] = lnVocabulary + v * a;
      h[1] = d1;
      h[2] = d2 / a;
      h[3] = d3 / (a * a);
      return h;
    }

    /**
     * {@code kappa_r / r!} for r = 1..8 from the raw moments {@code mu_r = P_r / N_V}, by
     * {@code kappa_r = mu_r - sum_{i<r} C(r-1, i-1) kappa_i mu_(r-i)}.
     */
    void cumulants(long nVocab) {
      double[] mu = new double[SERIES_TERMS + 1];
      double[] kappa = new double[SERIES_TERMS + 1];
      for (int r = 1; r <= SERIES_TERMS; r++) {
        mu[r] = power[r] / nVocab;
      }
      double factorial = 1;
      for (int r = 1; r <= SERIES_TERMS; r++) {
        double k = mu[r];
        double binomial = 1;
        for (int i = 1; i < r; i++) {
          k -= binomial * kappa[i] * mu[r - i];
          binomial = binomial * (r - 1 - (i - 1)) / i;
        }
        kappa[r] = k;
        factorial *= r;
        cumulant[r] = k / factorial;
      }
    }
  }

  /**
   * The fit of one slice and c.
   *
   * @param aStar the maximising scale, or null where the maximum lies outside the probed range
   *     ({@link #status} says which side)
   * @param ciLow lower end of the 95% likelihood-ratio interval (0 where it reaches a = 0), or null
   * @param ciHigh upper end, or null where it lies past the probed range
   * @param logLikelihood mean held-out log-likelihood at {@code aStar} (nats per example), or null
   * @param status {@code fitted}, {@code below_range} or {@code above_range}
   */
  public record Fit(Double aStar, Double ciLow, Double ciHigh, Double logLikelihood, long heldoutExamples,
      String status) {}

  /**
   * The maximum of the held-out log-likelihood and its interval, from a slice's summed terms.
   *
   * @param sums the {@link #TERMS} sums of {@link #terms} (times their held-out examples, {@link #add}) over held-out examples of seen
   *     contexts, and S at {@link #LINEAR}
   * @param heldoutExamples all held-out examples of the slice
   * @param unseenExamples those whose context no training example has
   */
  public static Fit fit(double[] sums, long heldoutExamples, long unseenExamples, long nVocab) {
    Curve g = new Curve(sums, unseenExamples * Math.log(nVocab));
    int firstFalling = -1;
    for (int j = 0; j < PROBES && firstFalling < 0; j++) {
      if (g.slope(j) <= 0) {
        firstFalling = j;
      }
    }
    if (firstFalling == 0) {
      return new Fit(null, null, null, null, heldoutExamples, "below_range");
    }
    if (firstFalling < 0) {
      return new Fit(null, null, null, null, heldoutExamples, "above_range");
    }
    double uStar = g.peak(firstFalling - 1);
    double best = g.value(uStar);
    double target = best - HALF_CHI2_95;
    // At a = 0 every Z is N_V: g(0) = -n ln N_V.
    Double low = -heldoutExamples * Math.log(nVocab) > target ? 0.0 : g.crossing(target, uStar, -1);
    Double high = g.crossing(target, uStar, +1);
    return new Fit(Math.exp(uStar), low, high, best / heldoutExamples, heldoutExamples, "fitted");
  }

  /** {@code n ll} as a function of {@code u = ln a}, exact at the probes, Hermite between them. */
  private static final class Curve {
    /** Per probe: g, dg/du, d2g/du2, d3g/du3. */
    private final double[][] at = new double[PROBES][];

    Curve(double[] sums, double unseenTerm) {
      double s = sums[LINEAR];
      for (int j = 0; j < PROBES; j++) {
        double a = probe(j);
        double g = a * s - sums[4 * j] - unseenTerm;
        double ga = s - sums[4 * j + 1];
        double gaa = -sums[4 * j + 2];
        double gaaa = -sums[4 * j + 3];
        at[j] = new double[] {g, a * ga, a * ga + a * a * gaa, a * ga + 3 * a * a * gaa + a * a * a * gaaa};
      }
    }

    double slope(int j) {
      return at[j][1];
    }

    /** The maximum in [u_j, u_j+1], where the slope falls from > 0 to <= 0: bisection on p'. */
    double peak(int j) {
      double[] p = hermite(j);
      double lo = 0;
      double hi = 1;
      for (int i = 0; i < 100 && hi - lo > 1e-16; i++) {
        double mid = (lo + hi) / 2;
        if (derivative(p, mid) > 0) {
          lo = mid;
        } else {
          hi = mid;
        }
      }
      return ln(j) + STEP * (lo + hi) / 2;
    }

    double value(double u) {
      int j = Math.min(PROBES - 2, Math.max(0, (int) Math.floor((u - ln(0)) / STEP)));
      return evaluate(hermite(j), (u - ln(j)) / STEP);
    }

    /**
     * Where g falls to {@code target} going from the peak in {@code direction} (-1 lower, +1
     * higher), or null past the probed range. g is unimodal, so one bisection suffices once a
     * probe below the target is found.
     */
    Double crossing(double target, double uPeak, int direction) {
      int j = direction < 0 ? (int) Math.floor((uPeak - ln(0)) / STEP) : (int) Math.ceil((uPeak - ln(0)) / STEP);
      while (j >= 0 && j < PROBES && at[j][0] > target) {
        j += direction;
      }
      if (j < 0 || j >= PROBES) {
        return null;
      }
      double inside = uPeak;
      double outside = ln(j);
      for (int i = 0; i < 200 && Math.abs(outside - inside) > 1e-14; i++) {
        double mid = (inside + outside) / 2;
        if (value(mid) > target) {
          inside = mid;
        } else {
          outside = mid;
        }
      }
      return Math.exp((inside + outside) / 2);
    }

    /**
     * Coefficients in {@code t = (u - u_j) / STEP} of the degree-7 polynomial matching g and its
     * first three derivatives at both ends of [u_j, u_j+1].
     */
    double[] hermite(int j) {
      double[] f0 = at[j];
      double[] f1 = at[j + 1];
      double[] c = new double[8];
      double scale = 1;
      double[] fact = {1, 1, 2, 6};
      for (int r = 0; r < 4; r++) {
        c[r] = f0[r] * scale / fact[r];
        scale *= STEP;
      }
      // The rest from the conditions at t = 1: sum_i c_i i!/(i-r)! = f1_r STEP^r, r = 0..3.
      double[][] m = new double[4][5];
      scale = 1;
      for (int r = 0; r < 4; r++) {
        double rhs = f1[r] * scale;
        for (int i = 0; i < 8; i++) {
          double falling = fallingFactorial(i, r);
          if (i < 4) {
            rhs -= c[i] * falling;
          } else {
            m[r][i - 4] = falling;
          }
        }
        m[r][4] = rhs;
        scale *= STEP;
      }
      double[] high = solve(m);
      System.arraycopy(high, 0, c, 4, 4);
      return c;
    }

    private static double fallingFactorial(int i, int r) {
      if (i < r) {
        return 0;
      }
      double out = 1;
      for (int q = 0; q < r; q++) {
        out *= i - q;
      }
      return out;
    }

    private static double evaluate(double[] c, double t) {
      double v = 0;
      for (int i = c.length - 1; i >= 0; i--) {
        v = v * t + c[i];
      }
      return v;
    }

    private static double derivative(double[] c, double t) {
      double v = 0;
      for (int i = c.length - 1; i >= 1; i--) {
        v = v * t + i * c[i];
      }
      return v;
    }

    /** Gaussian elimination with partial pivoting on a 4 x 5 augmented matrix. */
    private static double[] solve(double[][] m) {
      int n = 4;
      for (int col = 0; col < n; col++) {
        int pivot = col;
        for (int r = col + 1; r < n; r++) {
          if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) {
            pivot = r;
          }
        }
        double[] t = m[col];
        m[col] = m[pivot];
        m[pivot] = t;
        for (int r = col + 1; r < n; r++) {
          double f = m[r][col] / m[col][col];
          for (int q = col; q <= n; q++) {
            m[r][q] -= f * m[col][q];
          }
        }
      }
      double[] x = new double[n];
      for (int r = n - 1; r >= 0; r--) {
        double v = m[r][n];
        for (int q = r + 1; q < n; q++) {
          v -= m[r][q] * x[q];
        }
        x[r] = v / m[r][r];
      }
      return x;
    }
  }
}
