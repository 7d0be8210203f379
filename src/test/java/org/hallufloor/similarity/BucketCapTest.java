package org.hallufloor.similarity;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.hallufloor.testing.Europarl;
import org.hallufloor.tokenize.TokenizerSpec;
import org.hallufloor.tokenize.Tokenizers;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * One bucket of the join alone ({@link JaccardJoin#bucket}), on sets of real cl100k ids (the
 * first eight-token windows of Europarl documents): the capped-bucket count travels in the
 * data, once per capped bucket, so a retried task cannot count it twice (an accumulator did).
 * Expected values by hand from the bucket's make-up.
 */
class BucketCapTest {
  private static final int C = 8;

  /** {@code n} distinct training sets, the first {@code queries} of them also queries. */
  private static List<Row> bucket(int n, int queries) {
    var cl100k = Tokenizers.get(TokenizerSpec.of("cl100k_base"));
    List<Row> rows = new ArrayList<>();
    for (Europarl.Doc d : Europarl.docs()) {
      int[] ids = cl100k.encode(d.body());
      if (ids.length < C) {
        continue;
      }
      int[] set = java.util.Arrays.stream(ids, 0, C).distinct().sorted().toArray();
      ContextSet s = new ContextSet(C, set, new int[] {0}, new long[] {1}, new long[] {0}, new long[] {1});
      if (rows.stream().anyMatch(r -> r.getLong(4) == s.hash)) {
        continue;
      }
      rows.add(RowFactory.create(42L, 0, rows.size() < queries, C, s.hash, s.forBuckets().toBytes()));
      if (rows.size() == n) {
        return rows;
      }
    }
    throw new AssertionError("too few distinct sets in the sample");
  }

  private static long cappedBuckets(List<Row> bucket, int cap) {
    JaccardJoin.Params p = new JaccardJoin.Params(0.5, 26, 3, 1.0, 10, cap, List.of(C));
    List<Row> out = new ArrayList<>();
    JaccardJoin.bucket(bucket, new MinHash(26, 3), p, Map.of(C, 0.0), out);
    long total = 0;
    long rowsCarrying = 0;
    for (Row r : out) {
      Partial partial = Partial.of(r);
      total += partial.cappedBuckets;
      rowsCarrying += partial.cappedBuckets > 0 ? 1 : 0;
    }
    Assertions.assertTrue(rowsCarrying <= 1, "one partial carries the bucket's count: " + rowsCarrying);
    return total;
  }

  @Test
  void aBucketOverTheCapIsCountedOnceAndOneUnderItNot() {
    // 30 sets, 5 of them queries: over a cap of 20, under a cap of 30.
    Assertions.assertEquals(1, cappedBuckets(bucket(30, 5), 20));
    Assertions.assertEquals(0, cappedBuckets(bucket(30, 5), 30));
    // Capped, and its one query dropped by the cap itself: still counted once.
    Assertions.assertEquals(1, cappedBuckets(bucket(30, 1), 2));
  }
}
