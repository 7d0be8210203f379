package org.hallufloor.similarity;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.hallufloor.testing.Europarl;
import org.hallufloor.tokenize.TokenizerSpec;
import org.hallufloor.tokenize.Tokenizers;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * One bucket of the join alone ({@link JaccardJoin#bucket}), on the id sets of real
 * eight-token Europarl windows (cl100k; neighbouring windows share most ids, so the bucket
 * holds many similar pairs): over {@code bucket-cap} training sets the bucket is joined
 * through its {@link PrefixIndex}, and finds exactly what comparing every query with every set
 * finds (the second method: the same bucket under a cap it does not reach), while examining
 * fewer pairs.
 */
class PrefixIndexTest {
  private static final int C = 8;

  /** {@code n} distinct training sets from consecutive windows, every third one also a query. */
  private static List<Row> bucket(int n) {
    var cl100k = Tokenizers.get(TokenizerSpec.of("cl100k_base"));
    List<Row> rows = new ArrayList<>();
    Set<Long> hashes = new HashSet<>();
    for (Europarl.Doc d : Europarl.docs()) {
      int[] ids = cl100k.encode(d.body());
      for (int i = C; i <= ids.length; i++) {
        int[] set = java.util.Arrays.stream(ids, i - C, i).distinct().sorted().toArray();
        // Two slices, 0 for every set and 1 for every other one, with counts that differ by set.
        boolean both = rows.size() % 2 == 0;
        ContextSet s = new ContextSet(C, set, both ? new int[] {0, 1} : new int[] {0},
            both ? new long[] {1 + i % 3, 2} : new long[] {1 + i % 5}, null, null);
        if (hashes.add(s.hash)) {
          rows.add(RowFactory.create(42L, 2, rows.size() % 3 == 0, C, s.hash, s.forBuckets().toBytes()));
          if (rows.size() == n) {
            return rows;
          }
        }
      }
    }
    throw new AssertionError("too few distinct sets in the sample");
  }

  /** Each query's partial, by query hash: candidates, verified, evidence per slice, found sets. */
  private static Map<Long, Partial> join(List<Row> bucket, int cap) {
    JaccardJoin.Params p = new JaccardJoin.Params(0.5, 26, 3, 1.0, 10, cap, List.of(C), 0);
    List<Row> out = new ArrayList<>();
    JaccardJoin.bucket(bucket, new MinHash(26, 3), p, Map.of(C, 1.0), false).forEachRemaining(out::add);
    Map<Long, Partial> byQuery = new TreeMap<>();
    for (Row r : out) {
      byQuery.put(r.getLong(0), Partial.of(r));
    }
    return byQuery;
  }

  @Test
  void anIndexedBucketFindsWhatComparingEveryPairFinds() {
    List<Row> rows = bucket(1_500);
    Map<Long, Partial> everyPair = join(rows, Integer.MAX_VALUE);
    Map<Long, Partial> indexed = join(rows, 100);
    long similar = 0;
    long examinedAll = 0;
    long examinedIndexed = 0;
    for (Map.Entry<Long, Partial> e : everyPair.entrySet()) {
      Partial expected = e.getValue();
      Partial actual = indexed.getOrDefault(e.getKey(), new Partial());
      String where = "query " + e.getKey();
      Assertions.assertEquals(expected.verified, actual.verified, where);
      Assertions.assertArrayEquals(expected.slices, actual.slices, where);
      Assertions.assertArrayEquals(expected.evidence, actual.evidence, 1e-9, where);
      long[] found = expected.found.clone();
      long[] foundIndexed = actual.found.clone();
      java.util.Arrays.sort(found);
      java.util.Arrays.sort(foundIndexed);
      Assertions.assertArrayEquals(found, foundIndexed, where);
      similar += expected.verified;
      examinedAll += expected.candidates;
      examinedIndexed += actual.candidates;
    }
    System.out.println("PrefixIndexTest: " + similar + " similar pairs; pairs examined " + examinedAll
        + " comparing all, " + examinedIndexed + " through the index");
    Assertions.assertTrue(similar > 100, "the bucket holds similar pairs: " + similar);
    Assertions.assertTrue(examinedIndexed < examinedAll, examinedIndexed + " vs " + examinedAll);
  }
}
