package org.hallufloor.bound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OptimisedBoundTest {
  /** THEORY 3's reference values, from an independent solver. */
  @Test
  void referenceValues() {
    OptimisedBound one = OptimisedBound.ofK(1);
    assertEquals(1.69716427429, one.lStar(), 1e-10);
    assertEquals(0.0636038139326, one.bound(), 1e-12);
    assertEquals(0.302862373134, OptimisedBound.ofK(0.1).bound(), 1e-11);
    assertEquals(1.52428261209e-06, OptimisedBound.ofK(10).bound(), 1e-16);
  }

  /** L* solves L^2 = k (L + 1 + e^-L) to double precision across the whole range. */
  @ParameterizedTest
  @ValueSource(doubles = {1e-300, 1e-200, 1e-100, 1e-30, 1e-8, 1e-3, 0.5, 1, 2, 7, 30, 700, 1e4, 1e8, 1e12})
  void rootSolvesTheEquation(double k) {
    OptimisedBound b = OptimisedBound.ofK(k);
    double l = b.lStar();
    assertTrue(l > 0, "positive root for k=" + k);
    double lhs = l * l;
    double rhs = k * (l + 1 + Math.exp(-l));
    assertEquals(1.0, lhs / rhs, 1e-13, "k=" + k);
    assertEquals(1 / (1 + Math.exp(l)), b.eps0Star(), 1e-15 + 1e-13 * b.eps0Star());
  }

  /** Found on a real run (uniform, c = 8, k ~ 6e-35): rounding once gave 0.5000000000000001. */
  @ParameterizedTest
  @ValueSource(doubles = {5.967563619721822E-35, 1e-20, 1e-17, 1e-16, 1e-15})
  void neverAboveOneHalf(double k) {
    OptimisedBound b = OptimisedBound.ofK(k);
    assertTrue(b.bound() <= 0.5, "bound " + b.bound());
    assertTrue(b.log10Bound() <= Math.log10(0.5), "log10 " + b.log10Bound());
  }

  @Test
  void smallKAsymptote() {
    for (double k : new double[] {1e-12, 1e-9, 1e-6}) {
      OptimisedBound b = OptimisedBound.ofK(k);
      assertEquals(1.0, b.lStar() / Math.sqrt(2 * k), 1e-5, "L* ~ sqrt(2k)");
      assertEquals(0.5 - Math.sqrt(k / 2), b.bound(), 2 * k, "bound ~ 1/2 - sqrt(k/2)");
    }
    assertEquals(0.5, OptimisedBound.ofLog10K(-400).bound());
  }

  /**
   * Large k: L* ~ k + 1 (next term -1/k, from L - k = k (1 + e^-L) / L) and log10 bound ~
   * log10(e^-(k+1) / (k+1)) to within O(1/k), with no underflow to 0.
   */
  @Test
  void largeKAsymptote() {
    for (double k : new double[] {1e3, 1e6, 1e9, 1e12}) {
      OptimisedBound b = OptimisedBound.ofK(k);
      assertEquals(k + 1 - 1 / k, b.lStar(), 3 / (k * k) + 4 * Math.ulp(k), "L* ~ k + 1 - 1/k");
      double expected = (-(k + 1) / Math.log(10) - Math.log10(k + 1));
      assertEquals(expected, b.log10Bound(), 2 / k + 4 * Math.ulp(expected), "k=" + k);
      assertTrue(Double.isFinite(b.log10Bound()));
    }
    // The bound itself underflows near k = 700; its log10 does not.
    assertEquals(0.0, OptimisedBound.ofK(800).bound());
    assertTrue(OptimisedBound.ofK(800).log10Bound() < -340);
  }

  /** Second method: brute-force maximisation of eps0 (1 - k / L(eps0)) on a fine grid of eps0. */
  @ParameterizedTest
  @ValueSource(doubles = {1e-4, 0.01, 0.1, 0.5, 1, 3, 10, 25})
  void bruteForceMaximisation(double k) {
    double best = Double.NEGATIVE_INFINITY;
    double bestEps0 = Double.NaN;
    // eps0 on a log grid over (1e-14, 0.5): 2e6 points.
    int n = 2_000_000;
    for (int i = 0; i < n; i++) {
      double eps0 = Math.exp(Math.log(1e-14) + (Math.log(0.5) - Math.log(1e-14)) * i / n);
      double g = OptimisedBound.g(eps0, k);
      if (g > best) {
        best = g;
        bestEps0 = eps0;
      }
    }
    OptimisedBound b = OptimisedBound.ofK(k);
    assertEquals(best, b.bound(), 1e-9 * b.bound(), "k=" + k);
    assertTrue(b.bound() >= best * (1 - 1e-12), "the optimum is not below any grid point");
    assertEquals(1.0, bestEps0 / b.eps0Star(), 1e-3, "k=" + k);
  }
}
