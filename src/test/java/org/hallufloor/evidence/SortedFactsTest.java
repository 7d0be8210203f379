package org.hallufloor.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A task that gets a hot context: the same facts arrive again and again (once per map task).
 * Generated facts, for the property real text at this size lacks: more than MERGE_AT of them.
 * The held facts stay near the distinct ones, and every count equals a brute-force HashMap's.
 */
class SortedFactsTest {
  @Test
  void repeatedFactsAreMergedAndCountedExactly() {
    int distinct = 50_000;
    int arrivals = SortedFacts.MERGE_AT + SortedFacts.MERGE_AT / 2;
    Random random = new Random(7);
    SortedFacts f = new SortedFacts();
    long[] expected = new long[distinct];
    for (int i = 0; i < arrivals; i++) {
      int k = random.nextInt(distinct);
      long h = k % 3 == 0 ? 42L : 0x9E3779B97F4A7C15L * k; // a third of them one hot context
      long m = k;
      long n = 1 + (i & 3);
      f.add(h, m, n);
      expected[k] += n;
    }
    f.sortByHash();
    assertTrue(f.size <= distinct + SortedFacts.MERGE_AT / 2, "held " + f.size + " of " + arrivals);
    // The brute force: a count per distinct fact (meta = its index k), summed as it arrived.
    long[] actual = new long[distinct];
    for (int i = 0; i < f.size; i++) {
      actual[(int) f.meta[i]] += f.count[i];
      assertTrue(i == 0 || Long.compareUnsigned(f.hash[i - 1], f.hash[i]) <= 0, "sorted by hash at " + i);
    }
    org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual);
  }
}
