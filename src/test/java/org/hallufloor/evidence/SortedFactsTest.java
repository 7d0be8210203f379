package org.hallufloor.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A task that gets a hot context: the same facts arrive again and again (once per map task).
 * Generated facts, for the property real text at this size lacks: more than MERGE_AT of them.
 * The held facts stay near the distinct ones, and every count and document tag equals a
 * brute-force array's (a fact seen from one document only keeps that document's tag, any other
 * becomes MANY_DOCUMENTS).
 */
class SortedFactsTest {
  @Test
  void repeatedFactsAreMergedAndCountedExactly() {
    int distinct = 50_000;
    int arrivals = SortedFacts.MERGE_AT + SortedFacts.MERGE_AT / 2;
    Random random = new Random(7);
    SortedFacts f = new SortedFacts();
    long[] expected = new long[distinct];
    long[] expectedDocument = new long[distinct];
    boolean[] seen = new boolean[distinct];
    for (int i = 0; i < arrivals; i++) {
      int k = random.nextInt(distinct);
      long h = k % 3 == 0 ? 42L : 0x9E3779B97F4A7C15L * k; // a third of them one hot context
      long m = k;
      long n = 1 + (i & 3);
      // Even facts always come from one document of their own; odd ones from the arrival's.
      long d = k % 2 == 0 ? 1_000_000L + k : i;
      f.add(h, m, n, d);
      expected[k] += n;
      expectedDocument[k] = !seen[k] || expectedDocument[k] == d ? d : org.hallufloor.context.Examples.MANY_DOCUMENTS;
      seen[k] = true;
    }
    f.sortByHash();
    assertTrue(f.size <= distinct + SortedFacts.MERGE_AT / 2, "held " + f.size + " of " + arrivals);
    // The brute force: a count per distinct fact (meta = its index k), summed as it arrived.
    long[] actual = new long[distinct];
    long[] actualDocument = new long[distinct];
    boolean[] held = new boolean[distinct];
    for (int i = 0; i < f.size; i++) {
      int k = (int) f.meta[i];
      actual[k] += f.count[i];
      actualDocument[k] = !held[k] || actualDocument[k] == f.document[i] ? f.document[i]
          : org.hallufloor.context.Examples.MANY_DOCUMENTS;
      held[k] = true;
      assertTrue(i == 0 || Long.compareUnsigned(f.hash[i - 1], f.hash[i]) <= 0, "sorted by hash at " + i);
    }
    org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual);
    org.junit.jupiter.api.Assertions.assertArrayEquals(expectedDocument, actualDocument);
    assertTrue(java.util.Arrays.stream(actualDocument).filter(d -> d >= 1_000_000L).count() > distinct / 3,
        "the even facts keep their one document");
  }
}
