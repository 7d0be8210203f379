package org.hallufloor.similarity;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * One bucket's margin rows ({@link JaccardJoin#bucket} with margins on) against a loop over the
 * same sets: per (next token, group), J times each similar training set's facts. Generated sets
 * and facts: the property under test is a training set with more facts than one margin row
 * holds (a long context repeated across thousands of document groups), which a small real
 * sample does not have.
 */
class BucketMarginsTest {
  private static final int C = 8;
  private static final int FACTS = 3 * JaccardJoin.MARGIN_CHUNK + 7;

  /**
   * A bucket member: one slice, its facts (token t, group t % 13, t + 1 examples) for t below
   * {@code facts}, ascending by key as the token is the key's high half.
   */
  private static Row member(int[] ids, boolean query, int facts) {
    long[] keys = new long[facts];
    long[] counts = new long[facts];
    long train = 0;
    for (int t = 0; t < facts; t++) {
      keys[t] = ContextSet.factKey(t, t % 13);
      counts[t] = t + 1;
      train += counts[t];
    }
    ContextSet s = new ContextSet(C, ids, new int[] {0}, new long[] {train}, new long[] {0}, new long[] {1}, keys,
        counts);
    return RowFactory.create(7L, 0, query, C, s.hash, s.forBuckets().toBytes());
  }

  @Test
  void marginRowsHoldAtMostAChunkAndSumJTimesTheSimilarSetsFacts() {
    int[] query = {1, 2, 3, 4, 5, 6, 7, 8};
    // J with the query: 7/8, 6/8, 6/10, and 4/12 (below tau 0.5: adds nothing).
    int[][] training = {{1, 2, 3, 4, 5, 6, 7}, {1, 2, 3, 4, 5, 6}, {1, 2, 3, 4, 5, 6, 9, 10}, {1, 2, 3, 4, 11, 12, 13, 14}};
    List<Row> rows = new ArrayList<>(List.of(member(query, true, 0)));
    for (int[] t : training) {
      rows.add(member(t, false, FACTS));
    }
    JaccardJoin.Params p = new JaccardJoin.Params(0.5, 26, 3, 1.0, 10, 64, List.of(C), 0);
    List<Row> out = new ArrayList<>();
    JaccardJoin.bucket(rows, new MinHash(26, 3), p, Map.of(C, 0.0), true).forEachRemaining(out::add);

    Map<Long, Double> expected = new HashMap<>();
    for (int[] t : training) {
      double j = MinHash.jaccard(query, t);
      for (int y = 0; y < FACTS && j >= 0.5; y++) {
        expected.merge(ContextSet.factKey(y, y % 13), j * (y + 1), Double::sum);
      }
    }
    Map<Long, Double> actual = new HashMap<>();
    int marginRows = 0;
    for (Row r : out) {
      double[] sums = ContextSet.bytesToDoubles((byte[]) r.get(Partial.SCHEMA.fieldIndex("found_j")));
      if (sums.length == 0) {
        continue;
      }
      marginRows++;
      long[] keys = ContextSet.bytesToLongs((byte[]) r.get(Partial.SCHEMA.fieldIndex("found")));
      Assertions.assertTrue(sums.length <= JaccardJoin.MARGIN_CHUNK, "a margin row of " + sums.length + " sums");
      Assertions.assertEquals(keys.length, sums.length);
      Assertions.assertEquals(C, r.getInt(Partial.SCHEMA.fieldIndex("c")));
      for (int i = 0; i < keys.length; i++) {
        actual.merge(keys[i], sums[i], Double::sum);
      }
    }
    Assertions.assertEquals(expected.keySet(), actual.keySet());
    expected.forEach((k, v) -> Assertions.assertEquals(v, actual.get(k), 1e-9 * v, "token " + ContextSet.factToken(k)));
    // FACTS distinct (token, group) keys, three sets' worth summed into them: at least FACTS / chunk rows.
    Assertions.assertTrue(marginRows >= FACTS / JaccardJoin.MARGIN_CHUNK + 1, marginRows + " margin rows");
  }
}
