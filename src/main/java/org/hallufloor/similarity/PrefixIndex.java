package org.hallufloor.similarity;

import java.util.Arrays;
import java.util.List;

/**
 * The training sets of one large bucket, indexed by a prefix of their ids, so a query meets
 * only the sets that can reach tau with it instead of every set in the bucket. A bucket's
 * members share the band's minhash ids, so comparing them all wastes most of the work on
 * pairs that share only those; ordering ids by how rare they are in the bucket puts the shared
 * ones last. With any fixed order, two sets with J >= tau share an id among the first
 * {@code |s| - ceil(tau |s|) + 1} ids of each (Bayardo et al.'s All-Pairs): the index loses no
 * similar pair, so nothing is capped.
 *
 * <p>Primitive arrays throughout (JFR put the boxed first version at a tenth of the join's
 * CPU): the bucket's distinct ids sorted, their frequencies, and the postings as one array
 * with offsets.
 */
final class PrefixIndex {
  private final double tau;
  /** The pool's distinct ids, sorted, and how many pool sets hold each. */
  private final int[] ids;
  private final int[] frequency;
  /** Pool positions of the sets with ids[k] in their prefix: postings[start[k] .. start[k + 1]). */
  private final int[] start;
  private final int[] postings;
  private final int[] sizes;
  private final int[] seen;
  private int stamp;
  private static final long ABSENT = -1;

  PrefixIndex(List<ContextSet> pool, double tau) {
    this.tau = tau;
    int total = 0;
    for (ContextSet s : pool) {
      total += s.ids.length;
    }
    int[] all = new int[total];
    int n = 0;
    for (ContextSet s : pool) {
      System.arraycopy(s.ids, 0, all, n, s.ids.length);
      n += s.ids.length;
    }
    Arrays.sort(all);
    int distinct = 0;
    for (int i = 0; i < all.length; i++) {
      distinct += i == 0 || all[i] != all[i - 1] ? 1 : 0;
    }
    ids = new int[distinct];
    frequency = new int[distinct];
    for (int i = 0, k = -1; i < all.length; i++) {
      if (i == 0 || all[i] != all[i - 1]) {
        ids[++k] = all[i];
      }
      frequency[k]++;
    }
    sizes = new int[pool.size()];
    seen = new int[pool.size()];
    int[][] prefixes = new int[pool.size()][];
    start = new int[distinct + 1];
    for (int i = 0; i < pool.size(); i++) {
      sizes[i] = pool.get(i).ids.length;
      prefixes[i] = prefix(pool.get(i).ids);
      for (int k : prefixes[i]) {
        start[k + 1]++;
      }
    }
    for (int k = 0; k < distinct; k++) {
      start[k + 1] += start[k];
    }
    postings = new int[start[distinct]];
    int[] next = Arrays.copyOf(start, distinct);
    for (int i = 0; i < pool.size(); i++) {
      for (int k : prefixes[i]) {
        postings[next[k]++] = i;
      }
    }
  }

  /** Positions in the pool of the sets sharing a prefix id with the query, of a size that can reach tau, each once. */
  int[] candidates(int[] query) {
    stamp++;
    int[] out = new int[16];
    int n = 0;
    for (int k : prefix(query)) {
      for (int p = start[k]; p < start[k + 1]; p++) {
        int i = postings[p];
        // J <= min / max of the sizes: a size outside [tau |q|, |q| / tau] cannot reach tau.
        if (seen[i] != stamp && sizes[i] >= tau * query.length - 1e-9 && tau * sizes[i] <= query.length + 1e-9) {
          seen[i] = stamp;
          if (n == out.length) {
            out = Arrays.copyOf(out, 2 * n);
          }
          out[n++] = i;
        }
      }
    }
    return Arrays.copyOf(out, n);
  }

  /**
   * The positions in {@link #ids} of the set's first ids, rarest in the bucket first (ties by
   * id; an id no pool set holds is rarest of all and indexes nothing, so it is left out after
   * taking its place): as many as J >= tau allows to miss, plus one.
   */
  private int[] prefix(int[] set) {
    long[] order = new long[set.length];
    for (int j = 0; j < set.length; j++) {
      int k = Arrays.binarySearch(ids, set[j]);
      // Frequency, then position in the sorted ids (the id's own order), as one sortable number;
      // an absent id has frequency 0 and no position (ABSENT), so it sorts first and is dropped.
      order[j] = k >= 0 ? ((long) frequency[k] << 32) | k : ABSENT;
    }
    Arrays.sort(order);
    int length = Math.min(set.length, set.length - (int) Math.ceil(tau * set.length - 1e-12) + 1);
    int[] out = new int[length];
    int n = 0;
    for (int j = 0; j < length; j++) {
      if (order[j] != ABSENT) {
        out[n++] = (int) order[j];
      }
    }
    return Arrays.copyOf(out, n);
  }
}
