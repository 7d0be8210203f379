package org.hallufloor.bound;

/**
 * Sbar of a soft kernel from a sampled similarity join (THEORY 3, 4), with a confidence
 * interval for the two ways the join can be off: sampling and missed pairs.
 *
 * <p>Sampling: sets are the sampling units, each kept with probability r; per kept set x is
 * its training examples and y its distinct contexts times their evidence, so Sbar = sum y /
 * sum x over all sets (sum x = |D|). The ratio estimator's linearised variance under this
 * Poisson sampling is {@code (1 - r) sum (y - R x)^2 / (sum x)^2}, zero when every set is kept.
 *
 * <p>Missed pairs: the join verifies every candidate exactly, so it never adds a pair that is
 * not there and the estimate can only be low. The part of y coming from other sets (not from
 * the set itself) is divided by the lower confidence limit of the join's measured recall for
 * the upper end; the lower end is the sampling limit of the estimate as found.
 */
public record SampledSbar(double estimate, double ciLow, double ciHigh, double standardError) {
  private static final double Z = 1.959963984540054;

  /**
   * @param sums x, xx, y, yy, xy, y_self summed over the sampled sets
   * @param rate the sampling rate r
   * @param recallLow lower confidence limit of the join's recall, in (0, 1]
   */
  public static SampledSbar of(double[] sums, double rate, double recallLow) {
    double x = sums[0];
    double xx = sums[1];
    double y = sums[2];
    double yy = sums[3];
    double xy = sums[4];
    double ySelf = sums[5];
    double r = y / x;
    double residuals = Math.max(0, yy - 2 * r * xy + r * r * xx);
    double se = Math.sqrt((1 - rate) * residuals) / x;
    double self = ySelf / x;
    double low = Math.max(1, r - Z * se);
    double high = self + (r + Z * se - self) / recallLow;
    return new SampledSbar(r, low, Math.max(high, r), se);
  }

  /**
   * Wilson score interval's lower limit (95%) of a proportion measured on {@code n} trials; for a
   * weighted proportion pass Kish's effective size {@code (sum w)^2 / sum w^2}. 1 when n is 0:
   * no similar pair was seen to be missed.
   */
  public static double wilsonLow(double proportion, double n) {
    if (n <= 0) {
      return 1;
    }
    double p = proportion;
    double z2 = Z * Z;
    return (p + z2 / (2 * n) - Z * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  }
}
