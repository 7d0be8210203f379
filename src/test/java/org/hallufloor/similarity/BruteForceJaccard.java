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
    long[] counts = pool.values().stream().mapToLong(Long::longValue).toArray();
    List<List<Integer>> sets = List.copyOf(pool.keySet());
    java.util.concurrent.atomic.LongAdder pairs = new java.util.concurrent.atomic.LongAdder();
    Map<List<Integer>, Double> evidence = similar(sets, queries, tau, (query, found) -> {
      double e = 0;
      for (int k = 0; k < found.size(); k++) {
        e += counts[found.sets()[k]] * found.j()[k];
        if (!sets.get(found.sets()[k]).equals(query)) {
          pairs.increment();
        }
      }
      return e;
    });
    return new Join(evidence, pairs.sum());
  }

  /** A query's similar pool sets (J >= tau, itself included when in the pool): their numbers in pool order and their J. */
  record Found(int[] sets, double[] j, int size) {}

  /**
   * Each distinct query's {@link Found} folded by {@code fold}: pool sets numbered in the
   * pool's order, so posting lists, and with them the order in which a fold sums, follow the
   * pool as a map walk would.
   */
  static <R> Map<List<Integer>, R> similar(List<List<Integer>> pool, Iterable<List<Integer>> queries, double tau,
      java.util.function.BiFunction<List<Integer>, Found, R> fold) {
    int n = pool.size();
    int[][] sets = new int[n][];
    Map<Integer, Integer> frequency = new HashMap<>();
    for (int next = 0; next < n; next++) {
      sets[next] = ids(pool.get(next));
      for (int id : sets[next]) {
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
    Map<List<Integer>, R> out = new java.util.concurrent.ConcurrentHashMap<>();
    // In a few interleaved chunks (each takes a share of every part of the list), each with
    // marks of its own, allocated once per chunk rather than once per query.
    List<List<Integer>> distinct = java.util.stream.StreamSupport.stream(queries.spliterator(), false).distinct().toList();
    int chunks = 4 * Runtime.getRuntime().availableProcessors();
    java.util.stream.IntStream.range(0, chunks).parallel().forEach(chunk -> {
      Seen marks = new Seen(n);
      for (int at = chunk; at < distinct.size(); at += chunks) {
        List<Integer> query = distinct.get(at);
        int[] x = ids(query);
        Seen seen = marks.next();
        IntList found = new IntList();
        double[] js = new double[4];
        for (int id : prefix(x, tau, frequency)) {
          IntList candidates = postings.get(id);
          for (int k = 0; candidates != null && k < candidates.size; k++) {
            int y = candidates.values[k];
            int size = sets[y].length;
            // J <= min(|x|, |y|) / max(|x|, |y|): a size outside [tau |x|, |x| / tau] cannot reach tau.
            if (size >= tau * x.length - 1e-12 && tau * size <= x.length + 1e-12 && seen.add(y)) {
              double j = jaccard(x, sets[y]);
              if (j >= tau) {
                js = found.size == js.length ? java.util.Arrays.copyOf(js, 2 * js.length) : js;
                js[found.size] = j;
                found.add(y);
              }
            }
          }
        }
        out.put(query, fold.apply(query, new Found(found.values, js, found.size)));
      }
    });
    return out;
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
