package org.hallufloor.evidence;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.hallufloor.bound.ScaleFit;

/**
 * A task's share of the held-out log-likelihood's terms (bound.ScaleFit) per (slice, c). A
 * context's terms depend only on its training counts, and most held-out contexts share a few
 * small count profiles ({1}, {2}, {1, 1}, ...): a profile that fits a long (ScaleFit.encode)
 * is only counted, per (slice, c, profile), and leaves the task as one cell, summed over every
 * task like any other; the estimate computes its terms once per slice. Only a larger profile
 * (mostly short contexts) is computed here, reusing the last one when the next slice of the
 * same context sees the same counts (the whole corpus and its nested fraction 1 always do).
 * So the cells this adds follow the distinct profiles, not the contexts.
 */
final class HeldoutFit {
  /** The code under which a (slice, c)'s S (the held-out examples' own E(y|X)) is summed: no profile encodes to 0. */
  private static final long LINEAR = 0;

  private final long nVocab;
  private final ScaleFit.Scratch scratch = new ScaleFit.Scratch();
  /** Held-out examples per (encoded profile, slice and c), and S per (LINEAR, slice and c). */
  private PairSums counted = new PairSums();
  /** (slice, c) to the summed terms of its large profiles. */
  private final Map<Long, double[]> large = new HashMap<>();
  private long[] descending = new long[16];
  private long[] lastLarge;
  private double[] lastLargeTerms;

  HeldoutFit(long nVocab) {
    this.nVocab = nVocab;
  }

  /**
   * {@code m} held-out examples of a context whose training counts in {@code slice} are
   * {@code counts[0 .. seen-1]}, with {@code linear} the sum of their own E(y|X).
   */
  void add(int slice, int c, long[] counts, int seen, long m, double linear) {
    long key = ((long) slice << 8) | c;
    counted.add(LINEAR, key, linear);
    if (descending.length < seen) {
      descending = new long[Math.max(seen, 2 * descending.length)];
    }
    System.arraycopy(counts, 0, descending, 0, seen);
    Arrays.sort(descending, 0, seen);
    for (int i = 0, j = seen - 1; i < j; i++, j--) {
      long t = descending[i];
      descending[i] = descending[j];
      descending[j] = t;
    }
    long code = ScaleFit.encode(descending, seen);
    if (code > 0) {
      counted.add(code, key, m);
      return;
    }
    if (lastLarge == null || !Arrays.equals(descending, 0, seen, lastLarge, 0, lastLarge.length)) {
      lastLarge = Arrays.copyOf(descending, seen);
      lastLargeTerms = ScaleFit.terms(lastLarge, nVocab, scratch);
    }
    ScaleFit.add(large.computeIfAbsent(key, k -> new double[ScaleFit.PROBE_TERMS]), lastLargeTerms, m);
  }

  interface Sink {
    /** A term (bound.ScaleFit's index) of a (slice, c), summed over the task. */
    void term(int slice, int c, int index, double sum);

    /** Held-out examples of an encoded profile in a (slice, c). */
    void profile(int slice, int c, long code, long examples);
  }

  /** Entries held: what the evidence pass weighs against its bound before it hands its sums on. */
  int size() {
    return counted.size + large.size() * ScaleFit.PROBE_TERMS;
  }

  /** Hands every sum to {@code sink} and starts again from none: sums from any number of finishes add up. */
  void finish(Sink sink) {
    counted.forEach((code, key, sum) -> {
      if (code == LINEAR) {
        sink.term((int) (key >>> 8), (int) (key & 0xff), ScaleFit.LINEAR, sum);
      } else {
        sink.profile((int) (key >>> 8), (int) (key & 0xff), code, (long) sum);
      }
    });
    large.forEach((key, terms) -> {
      for (int i = 0; i < terms.length; i++) {
        sink.term((int) (key >>> 8), (int) (key & 0xff), i, terms[i]);
      }
    });
    counted = new PairSums();
    large.clear();
  }

  /** A sum per pair of longs, by open addressing in flat arrays: one update per held-out context, no object. */
  private static final class PairSums {
    private long[] first = new long[1 << 10];
    private long[] second = new long[1 << 10];
    private double[] sums = new double[1 << 10];
    private boolean[] used = new boolean[1 << 10];
    private int size;

    void add(long a, long b, double v) {
      int slot = slot(a, b);
      if (!used[slot]) {
        used[slot] = true;
        first[slot] = a;
        second[slot] = b;
        if (++size > first.length / 2) {
          grow();
          slot = slot(a, b);
        }
      }
      sums[slot] += v;
    }

    private int slot(long a, long b) {
      int mask = first.length - 1;
      long h = a * 0x9E3779B97F4A7C15L + b;
      h ^= h >>> 33;
      h *= 0xff51afd7ed558ccdL;
      h ^= h >>> 33;
      int slot = (int) h & mask;
      while (used[slot] && (first[slot] != a || second[slot] != b)) {
        slot = (slot + 1) & mask;
      }
      return slot;
    }

    private void grow() {
      long[] oldFirst = first;
      long[] oldSecond = second;
      double[] oldSums = sums;
      boolean[] oldUsed = used;
      first = new long[oldFirst.length * 2];
      second = new long[first.length];
      sums = new double[first.length];
      used = new boolean[first.length];
      for (int i = 0; i < oldFirst.length; i++) {
        if (oldUsed[i]) {
          int slot = slot(oldFirst[i], oldSecond[i]);
          used[slot] = true;
          first[slot] = oldFirst[i];
          second[slot] = oldSecond[i];
          sums[slot] = oldSums[i];
        }
      }
    }

    interface Visitor {
      void visit(long a, long b, double sum);
    }

    void forEach(Visitor v) {
      for (int i = 0; i < first.length; i++) {
        if (used[i]) {
          v.visit(first[i], second[i], sums[i]);
        }
      }
    }
  }
}
