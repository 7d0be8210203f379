package org.hallufloor.evidence;

import java.util.Iterator;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * A task's facts (context hash, packed meta, count) in three flat arrays, brought together by
 * hash with a radix sort. Spark's own sort visits its records through a pointer array in
 * sorted order, a cache miss per record; here every pass is sequential and nothing is made
 * per fact. The task's share is bounded by the partition count the caller derives from
 * {@code evidence-examples-per-task}.
 */
final class SortedFacts {
  private static final int DIGIT_BITS = 16;
  private static final int BUCKETS = 1 << DIGIT_BITS;

  long[] hash = new long[1024];
  long[] meta = new long[1024];
  long[] count = new long[1024];
  int size;

  /** Reads rows of the facts schema (context_hash, meta, n) as Spark keeps them, without conversion. */
  static SortedFacts load(Iterator<InternalRow> rows) {
    SortedFacts f = new SortedFacts();
    while (rows.hasNext()) {
      InternalRow r = rows.next();
      f.add(r.getLong(0), r.getLong(1), r.getLong(2));
    }
    f.sortByHash();
    return f;
  }

  void add(long h, long m, long n) {
    if (size == hash.length) {
      int grown = Math.toIntExact(Math.min(2L * size, Integer.MAX_VALUE - 8));
      if (grown == size) {
        throw new IllegalStateException("more than " + size + " facts in one task: raise the task count "
            + "(lower hallufloor.evidence-examples-per-task)");
      }
      hash = java.util.Arrays.copyOf(hash, grown);
      meta = java.util.Arrays.copyOf(meta, grown);
      count = java.util.Arrays.copyOf(count, grown);
    }
    hash[size] = h;
    meta[size] = m;
    count[size] = n;
    size++;
  }

  /** Least-significant-digit radix sort on the hash as an unsigned number; only grouping matters. */
  void sortByHash() {
    long[] h2 = new long[size];
    long[] m2 = new long[size];
    long[] c2 = new long[size];
    int[] counts = new int[BUCKETS];
    for (int shift = 0; shift < 64; shift += DIGIT_BITS) {
      java.util.Arrays.fill(counts, 0);
      for (int i = 0; i < size; i++) {
        counts[(int) (hash[i] >>> shift) & (BUCKETS - 1)]++;
      }
      int at = 0;
      for (int b = 0; b < BUCKETS; b++) {
        int n = counts[b];
        counts[b] = at;
        at += n;
      }
      for (int i = 0; i < size; i++) {
        int to = counts[(int) (hash[i] >>> shift) & (BUCKETS - 1)]++;
        h2[to] = hash[i];
        m2[to] = meta[i];
        c2[to] = count[i];
      }
      long[] t = hash;
      hash = h2;
      h2 = t;
      t = meta;
      meta = m2;
      m2 = t;
      t = count;
      count = c2;
      c2 = t;
    }
  }
}
