package org.hallufloor.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
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
}
