package org.hallufloor.similarity;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.hallufloor.testing.Europarl;
import org.hallufloor.tokenize.TextTokenizer;
import org.hallufloor.tokenize.TokenizerSpec;
import org.hallufloor.tokenize.Tokenizers;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * The subset lookups' counting, alone and without Spark, on the id sets of real Europarl
 * contexts (cl100k), against a brute-force loop over every (query, training set) pair that
 * counts common ids with a hash set: for each query, the training examples of its similar
 * sets weighted by J and the number of those sets, at several tau and c = 2, 3 and 4.
 */
class ShapeLookupTest {
  private static final int TRAINING_DOCS = 40;
  private static final int HELDOUT_DOCS = 5;
  private static final List<Double> TAUS = List.of(0.3, 0.5, 0.6, 0.75, 1.0);

  @Test
  void lookedUpNeighboursEqualABruteForceLoop() {
    TextTokenizer tokenizer = Tokenizers.get(TokenizerSpec.of("cl100k_base"));
    List<Europarl.Doc> docs = Europarl.first(TRAINING_DOCS + HELDOUT_DOCS);
    int checked = 0;
    for (int c : List.of(2, 3, 4)) {
      Map<List<Integer>, Long> pool = new LinkedHashMap<>();
      Set<List<Integer>> heldout = new LinkedHashSet<>();
      for (int d = 0; d < docs.size(); d++) {
        int[] ids = tokenizer.encode(docs.get(d).body());
        for (int i = c; i < ids.length; i++) {
          TreeSet<Integer> set = new TreeSet<>();
          for (int j = i - c; j < i; j++) {
            set.add(ids[j]);
          }
          if (d < TRAINING_DOCS) {
            pool.merge(List.copyOf(set), 1L, Long::sum);
          } else {
            heldout.add(List.copyOf(set));
          }
        }
      }
      // Queries: every 7th training set, and the held-out sets the pool lacks (self = 0).
      List<List<Integer>> queries = new ArrayList<>();
      int n = 0;
      for (List<Integer> s : pool.keySet()) {
        if (n++ % 7 == 0) {
          queries.add(s);
        }
      }
      heldout.stream().filter(s -> !pool.containsKey(s)).limit(300).forEach(queries::add);
      // Each query's J with every other training set, once for every tau.
      Map<List<Integer>, double[][]> similarities = new HashMap<>();
      for (List<Integer> q : queries) {
        similarities.put(q, similarities(pool, q));
      }
      for (double tau : TAUS) {
        Map<List<Object>, long[]> m = lookupTable(pool, c, tau);
        for (List<Integer> q : queries) {
          double[] expected = bruteForce(similarities.get(q), tau);
          int[] ids = q.stream().mapToInt(Integer::intValue).toArray();
          ShapeLookup.Neighbours neighbours = new ShapeLookup.Neighbours(ids.length, c);
          for (byte[] t : ShapeLookup.subsets(ids, ShapeLookup.floor(ids.length, c, tau))) {
            List<Integer> key = toList(t);
            for (int b = 1; b <= c; b++) {
              long[] entry = m.get(List.of(key, b));
              if (entry != null) {
                neighbours.add(key.size(), b, entry[0], entry[1]);
              }
            }
          }
          double[] actual = neighbours.of(tau, pool.getOrDefault(q, 0L));
          String where = "c=" + c + " tau=" + tau + " q=" + q;
          Assertions.assertEquals(expected[1], actual[1], where + ": similar sets");
          Assertions.assertEquals(expected[0], actual[0], 1e-12 * Math.max(1, expected[0]), where + ": evidence");
          checked++;
        }
      }
    }
    System.out.println("ShapeLookupTest: " + checked + " (query, c, tau) cases checked");
    Assertions.assertTrue(checked > 5_000, "cases: " + checked);
  }

  /** The exact intersection sizes a lookup needs, for a hand check of the thresholds at tau = 0.5. */
  @Test
  void thresholdsAtHalfAreTheSmallestSharedIdsWithJAtLeastHalf() {
    // {a} and {a, b}: J = 1/2; {a, b} and {a, c}: 1/3, so sets of two need both ids.
    Assertions.assertEquals(1, ShapeLookup.minShared(1, 2, 0.5));
    Assertions.assertEquals(2, ShapeLookup.minShared(2, 2, 0.5));
    // 4 and 4: 3 shared ids give 3/5; 2 give 2/6.
    Assertions.assertEquals(3, ShapeLookup.minShared(4, 4, 0.5));
    // 2 and 4: J = 2/4 needs both of the smaller set's ids; 1 and 3 never reach 1/2.
    Assertions.assertEquals(2, ShapeLookup.minShared(2, 4, 0.5));
    Assertions.assertEquals(0, ShapeLookup.minShared(1, 3, 0.5));
    Assertions.assertEquals(11, ShapeLookup.subsets(new int[] {1, 2, 3, 4}, 2).size(), "C(4,2)+C(4,3)+C(4,4)");
    Assertions.assertEquals(70, ShapeLookup.binomial(8, 4));
  }

  /** M(T, b): training examples and sets of size b holding T, over every subset a training set offers. */
  private static Map<List<Object>, long[]> lookupTable(Map<List<Integer>, Long> pool, int c, double tau) {
    Map<List<Object>, long[]> m = new HashMap<>();
    pool.forEach((p, count) -> {
      int[] ids = p.stream().mapToInt(Integer::intValue).toArray();
      for (byte[] t : ShapeLookup.subsets(ids, ShapeLookup.floor(ids.length, c, tau))) {
        long[] entry = m.computeIfAbsent(List.of(toList(t), ids.length), k -> new long[2]);
        entry[0] += count;
        entry[1]++;
      }
    });
    return m;
  }

  /** {J(q, p), n(p)} for every training set p other than q sharing an id with q (common ids counted with a hash set). */
  private static double[][] similarities(Map<List<Integer>, Long> pool, List<Integer> q) {
    Set<Integer> qs = new HashSet<>(q);
    List<double[]> out = new ArrayList<>();
    for (Map.Entry<List<Integer>, Long> p : pool.entrySet()) {
      int common = 0;
      for (int id : p.getKey()) {
        common += qs.contains(id) ? 1 : 0;
      }
      if (common > 0 && !p.getKey().equals(q)) {
        out.add(new double[] {(double) common / (q.size() + p.getKey().size() - common), p.getValue()});
      }
    }
    return out.toArray(new double[0][]);
  }

  /** {sum of J(q, p) n(p), number of p} over the pairs with J >= tau. */
  private static double[] bruteForce(double[][] similarities, double tau) {
    double evidence = 0;
    long similar = 0;
    for (double[] p : similarities) {
      if (p[0] >= tau) {
        evidence += p[0] * p[1];
        similar++;
      }
    }
    return new double[] {evidence, similar};
  }

  private static List<Integer> toList(byte[] packed) {
    List<Integer> out = new ArrayList<>();
    for (int id : ContextSet.bytesToInts(packed)) {
      out.add(id);
    }
    return out;
  }
}
