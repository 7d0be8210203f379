package org.hallufloor.bound;

import java.util.Random;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

class SampledSbarTest {
  /** Published Wilson 95% intervals: 10 of 10 gives [0.7225, 1]; 50 of 100 gives [0.4038, 0.5962]. */
  @Test
  void wilsonLowerLimits() {
    Assertions.assertEquals(0.7225, SampledSbar.wilsonLow(1.0, 10), 1e-4);
    Assertions.assertEquals(0.4038, SampledSbar.wilsonLow(0.5, 100), 1e-4);
    Assertions.assertEquals(1.0, SampledSbar.wilsonLow(0, 0));
  }

  /** Every set kept: no sampling error, and with full recall the interval is the point. */
  @Test
  void fullSampleIsExact() {
    double[] x = {3, 1, 7};
    double[] y = {9, 1, 7};
    SampledSbar s = SampledSbar.of(sums(x, y, new double[] {3, 1, 7}, new boolean[] {true, true, true}), 1.0, 1.0);
    Assertions.assertEquals(17.0 / 11, s.estimate(), 1e-15);
    Assertions.assertEquals(17.0 / 11, s.ciLow(), 1e-15);
    Assertions.assertEquals(17.0 / 11, s.ciHigh(), 1e-15);
  }

  /**
   * Coverage by simulation: a generated population of 4,000 sets (heavy-tailed counts, which is
   * the property under test and is chosen, not taken from text), Poisson-sampled at r = 0.3
   * 1,000 times; the 95% interval holds the population's Sbar in 92-98% of the samples.
   */
  @Test
  void intervalCoversAtItsLevel() {
    Random random = new Random(11);
    int n = 4000;
    double[] x = new double[n];
    double[] y = new double[n];
    double[] self = new double[n];
    double sumX = 0;
    double sumY = 0;
    for (int i = 0; i < n; i++) {
      x[i] = Math.floor(Math.exp(random.nextGaussian() * 1.2)) + 1;
      self[i] = x[i];
      y[i] = self[i] + x[i] * random.nextDouble() * 3;
      sumX += x[i];
      sumY += y[i];
    }
    double truth = sumY / sumX;
    int covered = 0;
    int trials = 1000;
    for (int t = 0; t < trials; t++) {
      boolean[] kept = new boolean[n];
      for (int i = 0; i < n; i++) {
        kept[i] = random.nextDouble() < 0.3;
      }
      SampledSbar s = SampledSbar.of(sums(x, y, self, kept), 0.3, 1.0);
      if (s.ciLow() <= truth && truth <= s.ciHigh()) {
        covered++;
      }
    }
    Assertions.assertTrue(covered >= 0.92 * trials && covered <= 0.98 * trials, "covered " + covered + " of " + trials);
  }

  /** With recall below 1, the upper end rises by the part of y from other sets, divided by recall. */
  @Test
  void recallWidensTheUpperEndOnly() {
    double[] s = sums(new double[] {2, 2}, new double[] {4, 6}, new double[] {2, 2}, new boolean[] {true, true});
    SampledSbar full = SampledSbar.of(s, 1.0, 1.0);
    SampledSbar half = SampledSbar.of(s, 1.0, 0.5);
    Assertions.assertEquals(full.ciLow(), half.ciLow());
    // estimate 10/4 = 2.5, self part 4/4 = 1: upper = 1 + 1.5 / 0.5 = 4.
    Assertions.assertEquals(4.0, half.ciHigh(), 1e-12);
  }

  private static double[] sums(double[] x, double[] y, double[] self, boolean[] kept) {
    double[] s = new double[6];
    for (int i = 0; i < x.length; i++) {
      if (kept[i]) {
        s[0] += x[i];
        s[1] += x[i] * x[i];
        s[2] += y[i];
        s[3] += y[i] * y[i];
        s[4] += x[i] * y[i];
        s[5] += self[i];
      }
    }
    return s;
  }
}
