package org.hallufloor.evidence;

import java.util.Iterator;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * A task's facts (context hash, packed meta, count, document tag) in four flat arrays, brought together by
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
  long[] document = new long[1024];
  int size;
  /**
   * Facts held before equal ones are merged. A task's share is about
   * {@code evidence-examples-per-task} (2 M) examples, so an ordinary task never merges; a task
   * that gets a hot short context (it arrives once per map task and distinct next id) merges
   * its equal facts whenever the arrays pass this, so they hold its distinct facts, not one
   * per map task: without it one task held tens of millions at 10^8 tokens.
   */
  static final int MERGE_AT = 1 << 22;
  private int mergeAt = MERGE_AT;

  /** Reads rows of the facts schema (context_hash, meta, n, document) as Spark keeps them, without conversion. */
  static SortedFacts load(Iterator<InternalRow> rows) {
    SortedFacts f = new SortedFacts();
    while (rows.hasNext()) {
      InternalRow r = rows.next();
      f.add(r.getLong(0), r.getLong(1), r.getLong(2), r.getLong(3));
    }
    f.sortByHash();
    return f;
  }

  void add(long h, long m, long n, long d) {
    if (size == mergeAt) {
      mergeEqual();
      // If little merged, the next merge waits for twice as many: merging stays linear overall.
      mergeAt = Math.max(MERGE_AT, (int) Math.min(2L * size, Integer.MAX_VALUE - 8));
    }
    if (size == hash.length) {
      int grown = Math.toIntExact(Math.min(2L * size, Integer.MAX_VALUE - 8));
      if (grown == size) {
        throw new IllegalStateException("more than " + size + " distinct facts in one task: raise the task count "
            + "(lower hallufloor.evidence-examples-per-task)");
      }
      hash = java.util.Arrays.copyOf(hash, grown);
      meta = java.util.Arrays.copyOf(meta, grown);
      count = java.util.Arrays.copyOf(count, grown);
      document = java.util.Arrays.copyOf(document, grown);
    }
    hash[size] = h;
    meta[size] = m;
    count[size] = n;
    document[size] = d;
    size++;
  }

  /** Adds up facts with equal (hash, meta), in place, through an open-addressing table of entry indices. */
  void mergeEqual() {
    // A power of two at least twice the entries: at most half full.
    int[] slots = new int[Integer.highestOneBit(Math.max(8, 2 * size - 1)) << 1];
    int mask = slots.length - 1;
    int kept = 0;
    for (int e = 0; e < size; e++) {
      // The meta is mixed on its own first: a hash and a meta that cancel must not share a slot.
      int slot = (int) (mix(hash[e] ^ mix(meta[e])) & mask);
      boolean merged = false;
      for (int at = slots[slot]; at != 0; at = slots[slot]) {
        if (hash[at - 1] == hash[e] && meta[at - 1] == meta[e]) {
          count[at - 1] += count[e];
          document[at - 1] = org.hallufloor.context.Examples.mergeDocuments(document[at - 1], document[e]);
          merged = true;
          break;
        }
        slot = (slot + 1) & mask;
      }
      if (!merged) {
        hash[kept] = hash[e];
        meta[kept] = meta[e];
        count[kept] = count[e];
        document[kept] = document[e];
        slots[slot] = ++kept;
      }
    }
    size = kept;
  }

  private static long mix(long x) {
    x ^= x >>> 33;
    x *= 0xff51afd7ed558ccdL;
    x ^= x >>> 33;
    return x;
  }

  /** Least-significant-digit radix sort on the hash as an unsigned number; only grouping matters. */
  void sortByHash() {
    long[] h2 = new long[size];
    long[] m2 = new long[size];
    long[] c2 = new long[size];
    long[] d2 = new long[size];
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
        d2[to] = document[i];
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
      t = document;
      document = d2;
      d2 = t;
    }
  }
}
