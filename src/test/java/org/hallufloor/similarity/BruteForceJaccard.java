package org.hallufloor.similarity;

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
    // Sets become int arrays numbered in the pool's order, so posting lists, and with them the
    // order in which each query's evidence is summed, follow the pool as a map walk would.
    int n = pool.size();
    int[][] sets = new int[n][];
    long[] counts = new long[n];
    Map<Integer, Integer> frequency = new HashMap<>();
    int next = 0;
    for (Map.Entry<List<Integer>, Long> e : pool.entrySet()) {
      sets[next] = ids(e.getKey());
      counts[next++] = e.getValue();
      for (int id : sets[next - 1]) {
        frequency.merge(id, 1, Integer::sum);
      }
    }
    Map<Integer, IntList> postings = new HashMap<>();
    for (int y = 0; y < n; y++) {
      for (int id : prefix(sets[y], tau, frequency)) {
        postings.computeIfAbsent(id, k -> new IntList()).add(y);
      }
    }
    // Queries are independent: each runs on a core of its own (the test's second method, not the job).
    Map<List<Integer>, Double> out = new java.util.concurrent.ConcurrentHashMap<>();
    java.util.concurrent.atomic.LongAdder pairs = new java.util.concurrent.atomic.LongAdder();
    ThreadLocal<Seen> seenByThread = ThreadLocal.withInitial(() -> new Seen(n));
    java.util.stream.StreamSupport.stream(queries.spliterator(), false).distinct().toList().parallelStream()
        .forEach(query -> {
          int[] x = ids(query);
          Seen seen = seenByThread.get().next();
          double evidence = 0;
          for (int id : prefix(x, tau, frequency)) {
            IntList candidates = postings.get(id);
            for (int k = 0; candidates != null && k < candidates.size; k++) {
              int y = candidates.values[k];
              int size = sets[y].length;
              // J <= min(|x|, |y|) / max(|x|, |y|): a size outside [tau |x|, |x| / tau] cannot reach tau.
              if (size >= tau * x.length - 1e-12 && tau * size <= x.length + 1e-12 && seen.add(y)) {
                double j = jaccard(x, sets[y]);
                if (j >= tau) {
                  evidence += counts[y] * j;
                  if (!java.util.Arrays.equals(sets[y], x)) {
                    pairs.increment();
                  }
                }
              }
            }
          }
          out.put(query, evidence);
        });
    return new Join(out, pairs.sum());
  }

  /** The first {@code |s| - ceil(tau |s|) + 1} ids of a set, rarest in the pool first (ties by id). */
  private static int[] prefix(int[] set, double tau, Map<Integer, Integer> frequency) {
    long[] keys = new long[set.length];
    for (int i = 0; i < set.length; i++) {
      keys[i] = ((long) frequency.getOrDefault(set[i], 0) << 32) | (set[i] & 0xffffffffL);
    }
    java.util.Arrays.sort(keys);
    int length = Math.min(set.length, set.length - (int) Math.ceil(tau * set.length - 1e-12) + 1);
    int[] out = new int[length];
    for (int i = 0; i < length; i++) {
      out[i] = (int) keys[i];
    }
    return out;
  }

  /** J of two sets given as sorted distinct ids (see {@link #set}): common ids by one merge. */
  static double jaccard(int[] a, int[] b) {
    int common = 0;
    for (int i = 0, j = 0; i < a.length && j < b.length; ) {
      int cmp = Integer.compare(a[i], b[j]);
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
    return (double) common / (a.length + b.length - common);
  }

  private static int[] ids(List<Integer> set) {
    return set.stream().mapToInt(Integer::intValue).toArray();
  }

  /** A growing list of pool numbers. */
  private static final class IntList {
    int[] values = new int[4];
    int size;

    void add(int v) {
      if (size == values.length) {
        values = java.util.Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }
  }

  /** Which pool sets one query has met: a mark per set, cleared for the next query by a new generation. */
  private static final class Seen {
    private final int[] marks;
    private int generation;

    Seen(int n) {
      marks = new int[n];
    }

    Seen next() {
      generation++;
      return this;
    }

    boolean add(int y) {
      if (marks[y] == generation) {
        return false;
      }
      marks[y] = generation;
      return true;
    }
  }

  /** The sorted distinct ids of a context. */
  static List<Integer> set(List<Integer> context) {
    return List.copyOf(new TreeSet<>(context));
  }
}
