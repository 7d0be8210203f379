package org.hallufloor.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.hallufloor.bound.OptimisedBound;
import org.hallufloor.bound.Spectrum;
import org.hallufloor.context.Cells;
import org.junit.jupiter.api.Test;

/** Kinds.rounded: what the cells keep of an evidence or margin value. */
class RoundingTest {
  @Test
  void valuesByHand() {
    assertEquals(0, Kinds.rounded(0));
    assertEquals(2047, Kinds.rounded(2047), "exact below 2048");
    assertEquals(2048, Kinds.rounded(2048));
    assertEquals(2050, Kinds.rounded(2049), "[2048, 4096) keeps multiples of 2");
    assertEquals(4095, Kinds.rounded(4095), "never past its power-of-two bucket");
    assertEquals(1954L * 512, Kinds.rounded(1_000_000), "[2^19, 2^20) keeps multiples of 512: ceil(1e6 / 512) = 1954");
    assertEquals((1L << 41) - 1, Kinds.rounded((1L << 41) - 3));
  }

  /** Brute force over whole octaves: never down, by less than 2^-10, same bucket, at most 1025 values. */
  @Test
  void everyValueOfAnOctaveStaysAboveByLessThan2ToTheMinus10() {
    for (int e : new int[] {11, 12, 17, 22}) {
      Set<Long> kept = new HashSet<>();
      for (long v = 1L << e; v < 1L << (e + 1); v++) {
        long r = Kinds.rounded(v);
        assertTrue(r >= v && r < 1L << (e + 1), v + " -> " + r);
        assertTrue(r - v < v / 1024.0, v + " -> " + r);
        assertTrue(Kinds.rounded(r) == r, "rounding is idempotent: " + v);
        kept.add(r);
      }
      assertTrue(kept.size() <= 1025, "octave 2^" + e + ": " + kept.size() + " values");
    }
  }

  /** Brute force over whole octaves (exact kernel) and over random reals (soft kernels): never above a value that rounds to it. */
  @Test
  void leastUnroundedIsNeverAboveAValueThatRoundsToIt() {
    for (long v = 0; v < 1L << 21; v++) {
      long r = Kinds.rounded(v);
      assertTrue(Kinds.leastUnrounded(r, false) <= v, v + " -> " + r);
    }
    assertEquals(2047.0, Kinds.leastUnrounded(2047, false), "exact values stand for themselves");
    // Generated reals: soft evidence takes any positive value, and real text gives no octave whole.
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 200_000; i++) {
      double v = Math.scalb(1 + random.nextDouble(), random.nextInt(-20, 40));
      double r = Cells.roundUp(v);
      assertTrue(r >= v && Kinds.leastUnrounded(r, true) <= v, v + " -> " + r);
    }
  }

  /**
   * The hot context of a real run (a document of " a" 8 million times, in a slice of its own:
   * one context at c = 1 seen 7,999,999 times): its exact empirical bound is above the k-bound,
   * by log10(e (k + 1)) ~ 7.3 (THEORY 3's large-k form); rounded up to 8,003,584 its empirical
   * bound falls 1,557 orders of magnitude below it, and the upper estimate from
   * {@link Kinds#leastUnrounded} is back above the exact one.
   */
  @Test
  void roundingAloneCanPutTheEmpiricalBoundBelowTheKBoundButNotItsUnroundedEstimate() {
    long n = 7_999_999;
    long r = Kinds.rounded(n);
    assertEquals(977L * 8192, r, "[2^22, 2^23) keeps multiples of 8192: ceil(7,999,999 / 8192) = 977");
    double log10K = Math.log10(n);
    double kBound = OptimisedBound.ofLog10K(log10K).log10Bound();
    double ln10 = Math.log(10);
    // By hand: eps0 = sigmoid(-x) = e^-x / (1 + e^-x), log10 = -x / ln 10 (1 + e^-x = 1 in doubles).
    double exact = Spectrum.of(new double[] {n}, new double[] {1}, Double.NaN).empiricalBound(1, 1).log10Bound();
    assertEquals(-n / ln10, exact, 1e-6);
    assertTrue(exact > kBound + 7, exact + " against the k-bound " + kBound);
    Spectrum rounded = Spectrum.of(new double[] {r}, new double[] {1}, Double.NaN, n);
    double low = rounded.empiricalBound(1, 1).log10Bound();
    assertEquals(-r / ln10, low, 1e-6);
    assertTrue(low < kBound - 1000, "rounding alone: " + low + " against " + kBound);
    double estimate = rounded.empiricalBound(1, 1, v -> Kinds.leastUnrounded(v, false)).log10Bound();
    assertTrue(estimate >= exact && estimate < exact + r / 1024.0 / ln10, estimate + " against the exact " + exact);
  }

  /**
   * Soft evidence is a sum of J x n over similar sets, added in whatever order Spark's
   * partitions hand them over. Generated sums (Jaccard values i / (a + b - i) of sets of up to
   * 8 ids, times counts up to 5; real text has no property that matters here beyond such
   * rationals), each added forwards and backwards: {@link Cells#roundUp} puts some of them in
   * different cells by order alone (a sum on a cell value comes out a unit in the last place
   * above it and is lifted a whole step), {@link Cells#roundUpSum} puts every one in the same
   * cell, never more than {@link Cells#SUM_TOLERANCE} below the sum nor above roundUp's cell.
   */
  @Test
  void aSumsCellDoesNotDependOnTheOrderOfItsTerms() {
    SplittableRandom random = new SplittableRandom(11);
    int orderMatteredBefore = 0;
    for (int trial = 0; trial < 100_000; trial++) {
      double[] terms = new double[random.nextInt(2, 40)];
      for (int t = 0; t < terms.length; t++) {
        int a = random.nextInt(1, 9);
        int b = random.nextInt(1, 9);
        int i = random.nextInt(1, Math.min(a, b) + 1);
        terms[t] = (double) i / (a + b - i) * random.nextInt(1, 6);
      }
      double forwards = 0;
      double backwards = 0;
      for (int t = 0; t < terms.length; t++) {
        forwards += terms[t];
        backwards += terms[terms.length - 1 - t];
      }
      orderMatteredBefore += Cells.roundUp(forwards) != Cells.roundUp(backwards) ? 1 : 0;
      double cell = Cells.roundUpSum(forwards);
      assertEquals(cell, Cells.roundUpSum(backwards), forwards + " / " + backwards);
      assertTrue(cell >= forwards * (1 - Cells.SUM_TOLERANCE) && cell <= Cells.roundUp(forwards), forwards + " -> " + cell);
      assertTrue(Kinds.leastUnrounded(cell, true) <= forwards, forwards + " -> " + cell);
    }
    // 58 of the 100,000 with this seed: the test tells the two apart.
    assertTrue(orderMatteredBefore > 0, "sums whose roundUp cell depended on the order: " + orderMatteredBefore);
    assertEquals(2.0, Cells.roundUpSum(Math.nextUp(2.0)), "a unit above a cell value stays in it");
    assertEquals(Cells.roundUp(2.0 * (1 + 1e-6)), Cells.roundUpSum(2.0 * (1 + 1e-6)), "further above, rounded up as before");
  }
}
