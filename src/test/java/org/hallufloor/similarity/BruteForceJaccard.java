package org.hallufloor.similarity;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The second method for the jaccard kernel: the exact similarity join by prefix filtering
 * (Bayardo et al.'s All-Pairs; no hashing, no sampling, no LSH), on sets kept as sorted
 * lists. Sets with J >= tau share a token among the first {@code |s| - ceil(tau |s|) + 1}
 * tokens of each, rarest first, so every similar pair is a candidate and each is verified
 * by counting the common ids.
 */
final class BruteForceJaccard {
  private BruteForceJaccard() {}

  /**
   * Evid of each distinct query set (the sum over pool sets y with J >= tau of count(y) * J(x, y),
   * the set itself included), and the number of similar (query set, other pool set) pairs.
   */
  record Join(Map<List<Integer>, Double> evidence, long similarPairs) {}

  static Join join(Map<List<Integer>, Long> pool, Iterable<List<Integer>> queries, double tau) {
    Map<Integer, Integer> frequency = new HashMap<>();
    for (List<Integer> y : pool.keySet()) {
      for (int id : y) {
        frequency.merge(id, 1, Integer::sum);
      }
    }
    Comparator<Integer> rarestFirst = Comparator.<Integer>comparingInt(id -> frequency.getOrDefault(id, 0))
        .thenComparingInt(id -> id);
    Map<Integer, List<List<Integer>>> index = new HashMap<>();
    for (List<Integer> y : pool.keySet()) {
      for (int id : prefix(y, tau, rarestFirst)) {
        index.computeIfAbsent(id, k -> new ArrayList<>()).add(y);
      }
    }
    // Queries are independent: each runs on a core of its own (the test's second method, not the job).
    Map<List<Integer>, Double> out = new java.util.concurrent.ConcurrentHashMap<>();
    java.util.concurrent.atomic.LongAdder pairs = new java.util.concurrent.atomic.LongAdder();
    java.util.stream.StreamSupport.stream(queries.spliterator(), false).distinct().toList().parallelStream()
        .forEach(x -> {
          // Index entries are the pool's own set objects: each is seen once per query by identity.
          java.util.Set<List<Integer>> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
          double evidence = 0;
          for (int id : prefix(x, tau, rarestFirst)) {
            for (List<Integer> y : index.getOrDefault(id, List.of())) {
              // J <= min(|x|, |y|) / max(|x|, |y|): a size outside [tau |x|, |x| / tau] cannot reach tau.
              if (y.size() >= tau * x.size() - 1e-12 && tau * y.size() <= x.size() + 1e-12 && seen.add(y)) {
                double j = jaccard(x, y);
                if (j >= tau) {
                  evidence += pool.get(y) * j;
                  if (!y.equals(x)) {
                    pairs.increment();
                  }
                }
              }
            }
          }
          out.put(x, evidence);
        });
    return new Join(out, pairs.sum());
  }

  private static List<Integer> prefix(List<Integer> set, double tau, Comparator<Integer> order) {
    List<Integer> sorted = new ArrayList<>(set);
    sorted.sort(order);
    int length = set.size() - (int) Math.ceil(tau * set.size() - 1e-12) + 1;
    return sorted.subList(0, Math.min(set.size(), length));
  }

  /** J of two sets given as sorted distinct ids (see {@link #set}): common ids by one merge. */
  static double jaccard(List<Integer> a, List<Integer> b) {
    int common = 0;
    for (int i = 0, j = 0; i < a.size() && j < b.size(); ) {
      int cmp = Integer.compare(a.get(i), b.get(j));
      if (cmp == 0) {
        common++;
        i++;
        j++;
      } else if (cmp < 0) {
        i++;
      } else {
        j++;
      }
    }
    return (double) common / (a.size() + b.size() - common);
  }

  /** The sorted distinct ids of a context. */
  static List<Integer> set(List<Integer> context) {
    return List.copyOf(new TreeSet<>(context));
  }
}
