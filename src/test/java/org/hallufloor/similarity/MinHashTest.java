package org.hallufloor.similarity;

import java.util.Random;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MinHashTest {
  /**
   * Bands and rows for tau, against a separate Python/numpy search (trapezoid rule on 401
   * points, the same 0.05 / 0.95 weights, b x r <= 128) run when the defaults were chosen.
   */
  @ParameterizedTest
  @CsvSource({"0.3, 41, 2", "0.5, 26, 3", "0.7, 21, 6", "0.8, 16, 8"})
  void bandsAndRowsForTau(double tau, int bands, int rows) {
    int[] chosen = MinHash.optimal(tau);
    Assertions.assertArrayEquals(new int[] {bands, rows}, chosen, "tau " + tau);
    // The point of the weights: a pair right at tau is a candidate with probability >= 0.92.
    Assertions.assertTrue(MinHash.candidateProbability(tau, bands, rows) >= 0.92);
  }

  /** By hand: 1 - (1 - 0.5^3)^26 = 1 - (7/8)^26. */
  @Test
  void candidateProbabilityByHand() {
    Assertions.assertEquals(1 - Math.pow(7.0 / 8, 26), MinHash.candidateProbability(0.5, 26, 3), 1e-15);
    Assertions.assertEquals(0.0, MinHash.candidateProbability(0, 26, 3));
    Assertions.assertEquals(1.0, MinHash.candidateProbability(1, 26, 3));
  }

  /** By hand: {1,2,3} and {2,3,4} share 2 of 4; {5} and {5,6} share 1 of 2; disjoint sets 0. */
  @Test
  void jaccardByHand() {
    Assertions.assertEquals(0.5, MinHash.jaccard(new int[] {1, 2, 3}, new int[] {2, 3, 4}));
    Assertions.assertEquals(0.5, MinHash.jaccard(new int[] {5}, new int[] {5, 6}));
    Assertions.assertEquals(0.0, MinHash.jaccard(new int[] {1, 2}, new int[] {3, 4}));
    Assertions.assertEquals(1.0, MinHash.jaccard(new int[] {7, 9}, new int[] {7, 9}));
  }

  /**
   * A one-row band of a MinHash is shared with probability J: over 128 bands and 300 pairs of
   * generated id sets (controlled similarity is what real text cannot give on demand), the
   * share of shared bands tracks the mean Jaccard within sampling error (sd ~ 0.003).
   */
  @Test
  void oneRowBandsCollideAtTheJaccardRate() {
    MinHash minHash = new MinHash(128, 1);
    Random random = new Random(7);
    double sumJ = 0;
    double shared = 0;
    int pairs = 300;
    for (int p = 0; p < pairs; p++) {
      int common = 1 + random.nextInt(6);
      int onlyA = random.nextInt(4);
      int onlyB = random.nextInt(4);
      int base = random.nextInt(90_000);
      int[] a = new int[common + onlyA];
      int[] b = new int[common + onlyB];
      for (int i = 0; i < common; i++) {
        a[i] = base + i;
        b[i] = base + i;
      }
      for (int i = 0; i < onlyA; i++) {
        a[common + i] = base + 100 + i;
      }
      for (int i = 0; i < onlyB; i++) {
        b[common + i] = base + 200 + i;
      }
      sumJ += MinHash.jaccard(a, b);
      for (int band = 0; band < 128; band++) {
        if (minHash.bandKey(4, a, band) == minHash.bandKey(4, b, band)) {
          shared++;
        }
      }
    }
    Assertions.assertEquals(sumJ / pairs, shared / (128.0 * pairs), 0.015);
    // c is part of the key: the same set at another length never meets this one.
    Assertions.assertNotEquals(minHash.bandKey(4, new int[] {1, 2}, 0), minHash.bandKey(8, new int[] {1, 2}, 0));
  }
}
