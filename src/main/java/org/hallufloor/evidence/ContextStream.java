package org.hallufloor.evidence;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * One pass over the facts of a partition, sorted by context, that computes every per-context
 * figure of THEORY 1, 3 and 5 and folds it at once into partial cells, so nothing per context
 * is written out. For one context and one slice: the training counts {@code E(y|X)} (held-out
 * facts never add to them), {@code Evid(X)}, the in-sample margin, and for each held-out
 * example its context's evidence, its own margin (y* = the token that followed) and the logit
 * model's hallucination probability.
 */
final class ContextStream implements Iterator<Row> {
  private static final int SLICE_BITS = 20;
  private static final long MAX_PACKED_VALUE = Integer.MAX_VALUE;

  private final Iterator<Row> facts;
  private final ExactEvidence.Params params;
  private final CellMap cells = new CellMap();
  private final Map<List<Long>, double[]> largeCells = new HashMap<>();
  private Iterator<Row> output;

  // The facts of the current context, as parallel arrays.
  private int size;
  private int[] contextLength = new int[16];
  private int[] next = new int[16];
  private long[] count = new long[16];
  private boolean[] heldout = new boolean[16];
  private int[][] slices = new int[16][];
  private Integer[] order = new Integer[16];

  ContextStream(Iterator<Row> facts, ExactEvidence.Params params) {
    this.facts = facts;
    this.params = params;
  }

  @Override
  public boolean hasNext() {
    if (output == null) {
      consumeAll();
      List<Row> rows = new ArrayList<>();
      cells.forEach((key, a, b, c, d) -> rows.add(row((int) ((key >>> 12) & ((1 << SLICE_BITS) - 1)),
          (int) ((key >>> 4) & 0xff), (int) (key & 0xf), key >>> 32, a, b, c, d)));
      largeCells.forEach((k, v) -> rows.add(row(k.get(0).intValue(), k.get(1).intValue(), k.get(2).intValue(), k.get(3),
          v[0], v[1], v[2], v[3])));
      output = rows.iterator();
    }
    return output.hasNext();
  }

  private static Row row(int slice, int c, int kind, long value, double contexts, double occurrences, double held,
      double amount) {
    return RowFactory.create(slice, c, Kinds.NAMES.get(kind), value, (long) contexts, (long) occurrences, (long) held,
        amount);
  }

  @Override
  public Row next() {
    hasNext();
    return output.next();
  }

  private void consumeAll() {
    long hash = 0;
    while (facts.hasNext()) {
      Row r = facts.next();
      long rh = r.getLong(1);
      if (size > 0 && rh != hash) {
        finishHash();
      }
      hash = rh;
      List<Integer> s = r.getList(3);
      int[] ids = new int[s.size()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = s.get(i);
      }
      append(r.getInt(0), r.getInt(2), ids, r.getBoolean(4), r.getLong(5));
    }
    if (size > 0) {
      finishHash();
    }
  }

  /**
   * Rows arrive grouped by hash alone; contexts of different lengths that share a hash (a
   * 2^-64 event) are told apart here by c.
   */
  private void finishHash() {
    boolean oneLength = true;
    for (int i = 1; i < size; i++) {
      oneLength &= contextLength[i] == contextLength[0];
    }
    if (oneLength) {
      finishContext(contextLength[0]);
      return;
    }
    int[] lengths = Arrays.stream(contextLength, 0, size).distinct().toArray();
    int total = size;
    int[] allNext = Arrays.copyOf(next, total);
    long[] allCount = Arrays.copyOf(count, total);
    boolean[] allHeldout = Arrays.copyOf(heldout, total);
    int[][] allSlices = Arrays.copyOf(slices, total);
    int[] allLength = Arrays.copyOf(contextLength, total);
    for (int c : lengths) {
      size = 0;
      for (int i = 0; i < total; i++) {
        if (allLength[i] == c) {
          append(c, allNext[i], allSlices[i], allHeldout[i], allCount[i]);
        }
      }
      finishContext(c);
    }
  }

  private void append(int c, int y, int[] sliceIds, boolean isHeldout, long n) {
    if (size == next.length) {
      int grown = size * 2;
      contextLength = Arrays.copyOf(contextLength, grown);
      next = Arrays.copyOf(next, grown);
      count = Arrays.copyOf(count, grown);
      heldout = Arrays.copyOf(heldout, grown);
      slices = Arrays.copyOf(slices, grown);
      order = Arrays.copyOf(order, grown);
    }
    contextLength[size] = c;
    next[size] = y;
    count[size] = n;
    heldout[size] = isHeldout;
    slices[size] = sliceIds;
    size++;
  }

  private void add(int slice, int c, int kind, long value, double contexts, double occurrences, double held,
      double amount) {
    if (value <= MAX_PACKED_VALUE && value >= 0 && slice < (1 << SLICE_BITS)) {
      long key = (value << 32) | ((long) slice << 12) | ((long) c << 4) | kind;
      cells.add(key, contexts, occurrences, held, amount);
    } else {
      double[] v = largeCells.computeIfAbsent(List.of((long) slice, (long) c, (long) kind, value), k -> new double[4]);
      v[0] += contexts;
      v[1] += occurrences;
      v[2] += held;
      v[3] += amount;
    }
  }

  /** Reduces the buffered context, slice by slice, then clears the buffer. */
  private void finishContext(int c) {
    // Facts sorted by next id, so equal facts from different tasks or groups are adjacent.
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    if (size > 1) {
      Arrays.sort(order, 0, size, (a, b) -> Integer.compare(next[a], next[b]));
    }
    int[] distinctSlices = distinctSlices();
    for (int slice : distinctSlices) {
      reduceSlice(slice, c);
    }
    size = 0;
  }

  /** The slices any row of the context belongs to: one copy, one sort, however many rows. */
  private int[] distinctSlices() {
    if (size == 1) {
      return slices[0];
    }
    int total = 0;
    for (int i = 0; i < size; i++) {
      total += slices[i].length;
    }
    int[] all = new int[total];
    int at = 0;
    for (int i = 0; i < size; i++) {
      System.arraycopy(slices[i], 0, all, at, slices[i].length);
      at += slices[i].length;
    }
    Arrays.sort(all);
    int distinct = 0;
    for (int i = 0; i < total; i++) {
      if (i == 0 || all[i] != all[i - 1]) {
        all[distinct++] = all[i];
      }
    }
    return Arrays.copyOf(all, distinct);
  }


  private static boolean contains(int[] sorted, int slice) {
    return Arrays.binarySearch(sorted, slice) >= 0;
  }

  /** The context seen from one slice: its training facts, then its held-out examples. */
  private void reduceSlice(int slice, int c) {
    // Training facts of this slice, merged by next id.
    long[] trainNext = new long[size];
    long[] trainCount = new long[size];
    int facts = 0;
    for (int j = 0; j < size; j++) {
      int i = order[j];
      if (heldout[i] || !contains(slices[i], slice)) {
        continue;
      }
      if (facts > 0 && trainNext[facts - 1] == next[i]) {
        trainCount[facts - 1] += count[i];
      } else {
        trainNext[facts] = next[i];
        trainCount[facts] = count[i];
        facts++;
      }
    }
    long evidence = 0;
    long top1 = 0;
    long top2 = 0;
    long monofacts = 0;
    int argmax = -1;
    for (int f = 0; f < facts; f++) {
      long n = trainCount[f];
      evidence += n;
      monofacts += n == 1 ? 1 : 0;
      if (n > top1) {
        top2 = top1;
        top1 = n;
        argmax = f;
      } else if (n > top2) {
        top2 = n;
      }
    }
    Softmax[] softmax = new Softmax[params.betaOverT().length];
    for (int p = 0; p < softmax.length; p++) {
      softmax[p] = new Softmax(trainCount, facts, argmax, params.nVocab(), params.betaOverT()[p]);
    }
    if (evidence > 0) {
      add(slice, c, Kinds.EVIDENCE, evidence, 1, evidence, 0, 0);
      add(slice, c, Kinds.GAP, top1 - top2, 1, evidence, 0, 0);
      if (evidence == 1) {
        add(slice, c, Kinds.SINGLETON_CONTEXTS, 0, 1, 0, 0, 0);
      }
      add(slice, c, Kinds.MONOFACTS, 0, monofacts, 0, 0, 0);
      for (int p = 0; p < softmax.length; p++) {
        double sum = 0;
        for (int f = 0; f < facts; f++) {
          sum += trainCount[f] * softmax[p].hallucination(f);
        }
        add(slice, c, Kinds.PH_INSAMPLE, p, 0, 0, 0, sum);
      }
    }
    long heldoutExamples = 0;
    int f = 0;
    for (int j = 0; j < size; j++) {
      int i = order[j];
      if (!heldout[i] || !contains(slices[i], slice)) {
        continue;
      }
      long m = count[i];
      heldoutExamples += m;
      while (f < facts && trainNext[f] < next[i]) {
        f++;
      }
      int seen = f < facts && trainNext[f] == next[i] ? f : -1;
      long ey = seen >= 0 ? trainCount[seen] : 0;
      long other = seen == argmax ? top2 : top1;
      add(slice, c, Kinds.HELDOUT_GAP, Math.max(ey - other, 0), 0, 0, m, 0);
      if (ey == 0) {
        add(slice, c, Kinds.HELDOUT_UNSEEN_FACTS, 0, 0, 0, m, 0);
      }
      for (int p = 0; p < softmax.length; p++) {
        add(slice, c, Kinds.PH_HELDOUT, p, 0, 0, 0, m * softmax[p].hallucination(seen));
      }
    }
    if (heldoutExamples > 0) {
      add(slice, c, Kinds.EVIDENCE, evidence, 0, 0, heldoutExamples, 0);
      if (evidence == 0) {
        add(slice, c, Kinds.HELDOUT_UNSEEN_CONTEXTS, 0, 0, 0, heldoutExamples, 0);
      }
    }
  }

  /**
   * The logit model's softmax over the full vocabulary (THEORY 5) for one context and one
   * {@code a = beta_S / T}: seen tokens have logit {@code a E(y|X)}, the {@code N_V - n_seen}
   * unseen ones logit 0. Weights are taken relative to the largest logit, and the most likely
   * token's {@code 1 - P} is the sum of the other weights, kept apart, so a probability near 1
   * does not cancel to a wrong 0; every other token has {@code P <= 1/2}, where plain
   * subtraction is exact enough.
   */
  static final class Softmax {
    private final long[] counts;
    private final int argmax;
    private final double a;
    private final double shift;
    private final double total;
    private final double othersOfArgmax;

    /** Over {@code counts[0 .. facts-1]}, the seen tokens' E(y|X); {@code argmax} indexes the largest. */
    Softmax(long[] counts, int facts, int argmax, long nVocab, double a) {
      this.counts = counts;
      this.argmax = argmax;
      this.a = a;
      this.shift = argmax < 0 ? 0 : a * counts[argmax];
      double unseenWeight = (nVocab - facts) * Math.exp(-shift);
      double others = unseenWeight;
      double sum = unseenWeight;
      for (int f = 0; f < facts; f++) {
        double w = Math.exp(a * counts[f] - shift);
        sum += w;
        if (f != argmax) {
          others += w;
        }
      }
      this.total = sum;
      this.othersOfArgmax = others;
    }

    /** {@code 1 - P(y | X)} for the seen token at index {@code f}, or an unseen token when f < 0. */
    double hallucination(int f) {
      if (f >= 0 && f == argmax) {
        return othersOfArgmax / total;
      }
      double w = Math.exp((f < 0 ? 0 : a * counts[f]) - shift);
      return (total - w) / total;
    }
  }
}
