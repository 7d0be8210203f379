package org.hallufloor.bound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SpectrumTest {
  /** Contexts with evidence 1, 1, 2, 5 (four contexts): every quantity by hand. */
  @Test
  void smallSpectrumByHand() {
    Spectrum s = Spectrum.of(new double[] {1, 2, 5}, new double[] {2, 1, 1}, Double.NaN);
    assertEquals(9.0 / 4, s.mean(), 1e-15);
    assertEquals(0.5, s.fractionBelow(1.5), 0);
    assertEquals(0.75, s.fractionBelow(5), 0);
    assertEquals(1.0, s.fractionBelow(5.01), 0);
    assertEquals(0.0, s.fractionBelow(1), 0);
    // beta_S = T = 1: candidates sigmoid(-1) * 2/4, sigmoid(-2) * 3/4, sigmoid(-5) * 1.
    double byHand = Math.max(0.5 / (1 + Math.E), Math.max(0.75 / (1 + Math.exp(2)), 1 / (1 + Math.exp(5))));
    assertEquals(byHand, s.empiricalBound(1, 1).bound(), 1e-15);
    assertEquals(1, s.empiricalBound(1, 1).evidence());
  }

  /**
   * Weights whose sum depends on the order of adding (found by a search over random tenths):
   * added from the first they make a total a rounding below the tail added from the last, so
   * {@code 1 - tail / total} below every value came out -2^-52. The uniform distribution's
   * shares (which sum to 1) met this on the default job.
   */
  @Test
  void aFractionIsNeverNegative() {
    double[] weights = {0.5, 1.0, 0.9, 0.4, 0.7999999999999999, 0.30000000000000004, 0.6};
    Spectrum s = Spectrum.of(new double[] {1, 2, 3, 4, 5, 6, 7}, weights, Double.NaN);
    assertEquals(0.0, s.fractionBelow(0.5), 0);
    assertEquals(0.5 / 4.5, s.fractionBelow(1.5), 1e-15);
  }

  /** Unlisted mass sits at evidence 0, including a total far beyond a double (N_V^c). */
  @Test
  void zeroMassAndHugeTotals() {
    Spectrum s = Spectrum.of(new double[] {3}, new double[] {1}, Math.log10(4));
    assertEquals(0.75, s.fractionBelow(1), 1e-15);
    assertEquals(0.5 * 0.75, s.empiricalBound(1, 1).bound(), 1e-15);
    Spectrum huge = Spectrum.of(new double[] {3, 10}, new double[] {7, 2}, 400);
    assertEquals(1.0, huge.fractionBelow(5), 0);
    assertEquals(Math.log10(3 * 7 + 10 * 2) - 400, huge.log10Mean(), 1e-12);
    assertEquals(0.5, huge.empiricalBound(1, 1).bound(), 1e-15);
  }

  /**
   * Second method for the empirical bound: brute force over a fine grid of eps0 with f
   * counted directly from the raw evidence list, on random spectra; and the invariant that it
   * never falls below the k-bound of the same distribution.
   */
  @Test
  void empiricalBoundAgainstBruteForceAndAboveKBound() {
    Random random = new Random(7);
    for (int trial = 0; trial < 30; trial++) {
      int n = 1 + random.nextInt(40);
      double[] evidence = new double[n];
      double[] ones = new double[n];
      for (int i = 0; i < n; i++) {
        evidence[i] = 1 + random.nextInt(trial < 15 ? 4 : 60);
        ones[i] = 1;
      }
      double betaS = 0.2 + random.nextDouble() * 2;
      double temperature = 0.5 + random.nextDouble();
      Spectrum s = Spectrum.of(evidence, ones, Double.NaN);
      double brute = 0;
      for (int g = 1; g < 400_000; g++) {
        double eps0 = 0.5 * g / 400_000.0;
        double mPrime = Logit.mPrime(eps0, temperature, betaS);
        int below = 0;
        for (double e : evidence) {
          below += e < mPrime ? 1 : 0;
        }
        brute = Math.max(brute, eps0 * below / n);
      }
      Spectrum.Empirical empirical = s.empiricalBound(betaS, temperature);
      assertTrue(empirical.bound() >= brute * (1 - 1e-12), "sup is at least every grid value");
      assertEquals(brute, empirical.bound(), 1e-4 * empirical.bound() + 1e-6, "trial " + trial);
      double k = betaS * s.mean() / temperature;
      assertTrue(empirical.bound() >= OptimisedBound.ofK(k).bound() * (1 - 1e-12), "trial " + trial);
    }
  }

  @Test
  void fCurveAgainstMarkov() {
    Spectrum s = Spectrum.of(new double[] {1, 2, 5}, new double[] {2, 1, 1}, Double.NaN);
    FCurve p = FCurve.at(s, 0.01, 1, 1);
    double mPrime = Math.log(99);
    assertEquals(mPrime, p.mPrime(), 1e-12);
    assertEquals(0.75, p.f(), 0, "evidence 1, 1, 2 fall below M' = 4.595; 5 does not");
    assertEquals(1 - 2.25 / mPrime, p.fMarkovLower(), 1e-12);
    assertTrue(p.f() >= p.fMarkovLower());
    assertEquals(0.0, FCurve.at(s, 0.5, 1, 1).fMarkovLower(), 0);
  }

  /**
   * Values rounded up with their exact sum given: the mean is the sum's, f follows the
   * (rounded) values. By hand: contexts with evidence 3000 and 5000 kept as 3002 and 5008.
   */
  @Test
  void roundedValuesWithTheirExactSum() {
    Spectrum s = Spectrum.of(new double[] {3002, 5008}, new double[] {1, 1}, Double.NaN, 8000);
    assertEquals(4000, s.mean(), 1e-9);
    assertEquals(0.5, s.fractionBelow(5001), 1e-15, "5000 counts as 5008, so it is not below 5001");
    assertEquals(Spectrum.of(new double[] {3002, 5008}, new double[] {1, 1}, Double.NaN).fractionBelow(5001),
        s.fractionBelow(5001), "f does not depend on the sum");
  }
}
