package org.hallufloor.evidence;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.hallufloor.bound.LogitModel;
import org.hallufloor.bound.Margin;
import org.hallufloor.context.Examples;
import org.hallufloor.context.Groups;

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
  /** Group-keyed cells pack value (28 bits), group (24), c (8) and kind (4); others go by slice. */
  private static final long MAX_GROUP_CELL_VALUE = 1L << 28;
  private static final int GROUP_CELL_BITS = 24;

  private final SortedFacts facts;
  private final ExactEvidence.Params params;
  private final CellMap cells = new CellMap();
  /**
   * Partial cells of contexts seen from one group only, keyed by group rather than slice: one
   * update per context instead of one per slice of its group; spread over the slices at the end.
   */
  private final CellMap groupCells = new CellMap();
  private final Map<List<Long>, double[]> largeCells = new HashMap<>();
  private final HeldoutFit fit;
  private Iterator<Row> output;
  /** The next fact row to read, the hash of the buffered context, and whether every row is read. */
  private int at;
  private long hash;
  private boolean finished;

  // The facts of the current context, as parallel arrays.
  private int size;
  private int[] contextLength = new int[16];
  private int[] next = new int[16];
  private long[] count = new long[16];
  private long[] document = new long[16];
  private int[] group = new int[16];
  private int[] order = new int[16];
  private long[] sortKeys = new long[16];
  // Reused per reduction: the training facts merged by next id.
  private long[] trainNext = new long[16];
  private long[] trainCount = new long[16];
  private long[] trainDocument = new long[16];
  // One reduction's cell updates, added to every slice that shares the reduction.
  private final PendingCells pending = new PendingCells();

  ContextStream(SortedFacts facts, ExactEvidence.Params params) {
    this.facts = facts;
    this.params = params;
    this.fit = new HeldoutFit(params.nVocab());
  }

  @Override
  public boolean hasNext() {
    while (output == null || !output.hasNext()) {
      if (finished) {
        return false;
      }
      finished = !consumeSome();
      output = flush().iterator();
    }
    return true;
  }

  /** Every partial cell held so far as rows, the maps emptied. */
  private List<Row> flush() {
    groupCells.forEach((key, a, b, d, e) -> {
      for (int slice : params.groups().slices((int) ((key >>> 12) & ((1 << GROUP_CELL_BITS) - 1)))) {
        addToSlice(slice, (int) ((key >>> 4) & 0xff), (int) (key & 0xf), key >>> 36, a, b, d, e);
      }
    });
    groupCells.clear();
    List<Row> rows = new ArrayList<>();
    cells.forEach((key, a, b, c, d) -> rows.add(row((int) ((key >>> 12) & ((1 << SLICE_BITS) - 1)),
        (int) ((key >>> 4) & 0xff), (int) (key & 0xf), key >>> 32, a, b, c, d)));
    cells.clear();
    largeCells.forEach((k, v) -> rows.add(row(k.get(0).intValue(), k.get(1).intValue(), k.get(2).intValue(), k.get(3),
        v[0], v[1], v[2], v[3])));
    largeCells.clear();
    fit.finish(new HeldoutFit.Sink() {
        @Override
        public void term(int slice, int c, int index, double sum) {
          if (sum != 0) {
            rows.add(row(slice, c, Kinds.SCALE_FIT, index, 0, 0, 0, sum));
          }
        }

        @Override
        public void profile(int slice, int c, long code, long examples) {
          rows.add(row(slice, c, Kinds.SCALE_FIT_PROFILE, code, 0, 0, examples, 0));
        }
      });
    return rows;
  }

  private static Row row(int slice, int c, int kind, long value, double contexts, double occurrences, double held,
      double amount) {
    return RowFactory.create(slice, c, kind, value, (long) contexts, (long) occurrences, (long) held,
        amount);
  }

  @Override
  public Row next() {
    hasNext();
    return output.next();
  }

  /**
   * Reads facts until every row is read (false) or, between two contexts, the partial cells
   * held reach the params' flushCells (true: more remain).
   */
  private boolean consumeSome() {
    for (; at < facts.size; at++) {
      long rh = facts.hash[at];
      if (size > 0 && rh != hash) {
        finishHash();
        if (cells.size() + groupCells.size() + largeCells.size() + fit.size() >= params.flushCells()) {
          return true;
        }
      }
      hash = rh;
      long meta = facts.meta[at];
      append(Examples.contextLength(meta), Examples.next(meta), Examples.group(meta), facts.count[at],
          facts.document[at]);
    }
    if (size > 0) {
      finishHash();
    }
    return false;
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
    long[] allDocument = Arrays.copyOf(document, total);
    int[] allGroup = Arrays.copyOf(group, total);
    int[] allLength = Arrays.copyOf(contextLength, total);
    for (int c : lengths) {
      size = 0;
      for (int i = 0; i < total; i++) {
        if (allLength[i] == c) {
          append(c, allNext[i], allGroup[i], allCount[i], allDocument[i]);
        }
      }
      finishContext(c);
    }
  }

  private void append(int c, int y, int g, long n, long doc) {
    if (size == next.length) {
      int grown = size * 2;
      contextLength = Arrays.copyOf(contextLength, grown);
      next = Arrays.copyOf(next, grown);
      count = Arrays.copyOf(count, grown);
      document = Arrays.copyOf(document, grown);
      group = Arrays.copyOf(group, grown);
      order = new int[grown];
      sortKeys = new long[grown];
      trainNext = new long[grown];
      trainCount = new long[grown];
      trainDocument = new long[grown];
    }
    contextLength[size] = c;
    next[size] = y;
    count[size] = n;
    document[size] = doc;
    group[size] = g;
    size++;
  }

  /** Adds one cell update to the partial sums of a slice. */
  private void addToSlice(int slice, int c, int kind, long value, double contexts, double occurrences, double held,
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

  /**
   * Reduces the buffered context once per distinct view of it, then clears the buffer. Most
   * contexts (every long one seen in a single document) come from one group, and then every
   * slice of that group sees all the facts: one reduction serves them all.
   */
  private void finishContext(int c) {
    // Facts sorted by next id, so equal facts from different tasks or groups are adjacent.
    // Token ids are non-negative, so (next, index) packed in a long sorts as the pair does.
    for (int i = 0; i < size; i++) {
      sortKeys[i] = ((long) next[i] << 32) | i;
    }
    Arrays.sort(sortKeys, 0, size);
    for (int i = 0; i < size; i++) {
      order[i] = (int) sortKeys[i];
    }
    boolean oneGroup = true;
    for (int i = 1; i < size && oneGroup; i++) {
      oneGroup = group[i] == group[0];
    }
    if (oneGroup) {
      // One group is training or held out, never both: no held-out example here has a seen context.
      reduce(order, 0, size, -1, c);
      pending.addToGroup(this, group[0], c);
    } else {
      reduceEachSlice(c);
    }
    size = 0;
  }

  /**
   * A context seen from several groups: the facts of each slice listed once (in next-id
   * order, slice after slice, as in a compressed sparse row), then one reduction per slice
   * over its own list, so the work is the facts times the slices of their groups.
   */
  private void reduceEachSlice(int c) {
    int[] slices = distinctSlices();
    int[] start = new int[slices.length + 1];
    int total = 0;
    for (int j = 0; j < size; j++) {
      for (int s : params.groups().slices(group[order[j]])) {
        start[Arrays.binarySearch(slices, s) + 1]++;
        total++;
      }
    }
    for (int k = 0; k < slices.length; k++) {
      start[k + 1] += start[k];
    }
    int[] members = new int[total];
    int[] fill = Arrays.copyOf(start, slices.length);
    for (int j = 0; j < size; j++) {
      int i = order[j];
      for (int s : params.groups().slices(group[i])) {
        members[fill[Arrays.binarySearch(slices, s)]++] = i;
      }
    }
    for (int k = 0; k < slices.length; k++) {
      reduce(members, start[k], start[k + 1], slices[k], c);
      pending.addTo(this, slices[k], c);
    }
  }

  /** The slices any fact of the context belongs to: one copy, one sort, however many facts. */
  private int[] distinctSlices() {
    int total = 0;
    for (int i = 0; i < size; i++) {
      total += params.groups().slices(group[i]).length;
    }
    int[] all = new int[total];
    int at = 0;
    for (int i = 0; i < size; i++) {
      int[] s = params.groups().slices(group[i]);
      System.arraycopy(s, 0, all, at, s.length);
      at += s.length;
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

  /**
   * The context seen through the facts {@code facts[from .. to-1]} (indices, in next-id order):
   * its training facts, then its held-out examples, into {@link #pending}; the held-out
   * log-likelihood's terms straight into {@link #fit}, for {@code slice} (when not -1).
   */
  private void reduce(int[] factIndex, int from, int to, int slice, int c) {
    pending.clear();
    // Training facts of this slice, merged by next id.
    int facts = 0;
    for (int j = from; j < to; j++) {
      int i = factIndex[j];
      if (params.groups().heldout(group[i])) {
        continue;
      }
      if (facts > 0 && trainNext[facts - 1] == next[i]) {
        trainCount[facts - 1] += count[i];
        trainDocument[facts - 1] = Examples.mergeDocuments(trainDocument[facts - 1], document[i]);
      } else {
        trainNext[facts] = next[i];
        trainCount[facts] = count[i];
        trainDocument[facts] = document[i];
        facts++;
      }
    }
    long evidence = 0;
    long top1 = 0;
    long top2 = 0;
    long monofacts = 0;
    // Examples whose fact occurs in one training document of the slice, and the context's one document (if so).
    long documentMonofacts = 0;
    long contextDocument = facts > 0 ? trainDocument[0] : Examples.MANY_DOCUMENTS;
    int argmax = -1;
    for (int f = 0; f < facts; f++) {
      long n = trainCount[f];
      evidence += n;
      monofacts += n == 1 ? 1 : 0;
      documentMonofacts += trainDocument[f] != Examples.MANY_DOCUMENTS ? n : 0;
      contextDocument = Examples.mergeDocuments(contextDocument, trainDocument[f]);
      if (n > top1) {
        top2 = top1;
        top1 = n;
        argmax = f;
      } else if (n > top2) {
        top2 = n;
      }
    }
    LogitModel[] softmax = new LogitModel[params.pairs().size()];
    for (int p = 0; p < softmax.length; p++) {
      softmax[p] = new LogitModel(trainCount, facts, argmax, params.nVocab(), params.pairs().scale(p));
    }
    if (evidence > 0) {
      pending.addRounded(Kinds.EVIDENCE, evidence, 1, evidence, 0);
      pending.addRounded(Kinds.GAP, Margin.inSample(top1, top2), 1, evidence, 0);
      if (evidence == 1) {
        pending.add(Kinds.SINGLETON_CONTEXTS, 0, 1, 0, 0, 0);
      }
      pending.add(Kinds.MONOFACTS, 0, monofacts, 0, 0, 0);
      pending.add(Kinds.DOCUMENT_MONOFACTS, 0, documentMonofacts, 0, 0, 0);
      if (contextDocument != Examples.MANY_DOCUMENTS) {
        pending.add(Kinds.DOCUMENT_SINGLETON_CONTEXTS, 0, evidence, 0, 0, 0);
      }
      for (int p = 0; p < softmax.length; p++) {
        double sum = 0;
        for (int f = 0; f < facts; f++) {
          sum += trainCount[f] * softmax[p].hallucination(f);
        }
        pending.add(Kinds.PH_INSAMPLE, p, 0, 0, 0, sum);
      }
    }
    long heldoutExamples = 0;
    // S of bound.ScaleFit: the held-out examples' own E(y|X).
    double linear = 0;
    int f = 0;
    for (int j = from; j < to; j++) {
      int i = factIndex[j];
      if (!params.groups().heldout(group[i])) {
        continue;
      }
      long m = count[i];
      heldoutExamples += m;
      while (f < facts && trainNext[f] < next[i]) {
        f++;
      }
      int seen = f < facts && trainNext[f] == next[i] ? f : -1;
      long ey = seen >= 0 ? trainCount[seen] : 0;
      linear += (double) m * ey;
      pending.addRounded(Kinds.HELDOUT_GAP, Margin.heldout(ey, seen == argmax, top1, top2), 0, 0, m);
      if (ey == 0) {
        pending.add(Kinds.HELDOUT_UNSEEN_FACTS, 0, 0, 0, m, 0);
      }
      for (int p = 0; p < softmax.length; p++) {
        pending.add(Kinds.PH_HELDOUT, p, 0, 0, 0, m * softmax[p].hallucination(seen));
        pending.add(Kinds.HELDOUT_LOG_LIKELIHOOD, p, 0, 0, 0, m * softmax[p].logProbability(seen));
      }
    }
    if (heldoutExamples > 0 && facts > 0 && slice >= 0 && params.fitScale()) {
      fit.add(slice, c, trainCount, facts, heldoutExamples, linear);
    }
    if (heldoutExamples > 0) {
      pending.addRounded(Kinds.EVIDENCE, evidence, 0, 0, heldoutExamples);
      if (evidence == 0) {
        pending.add(Kinds.HELDOUT_UNSEEN_CONTEXTS, 0, 0, 0, heldoutExamples, 0);
      }
    }
  }

  /** Cell updates of one reduction, in flat arrays, replayed onto each slice that shares it. */
  private static final class PendingCells {
    private int size;
    private int[] kind = new int[16];
    private long[] value = new long[16];
    private double[] sums = new double[64];

    void clear() {
      size = 0;
    }

    void add(int k, long v, double contexts, double occurrences, double held, double amount) {
      if (size == kind.length) {
        kind = Arrays.copyOf(kind, size * 2);
        value = Arrays.copyOf(value, size * 2);
        sums = Arrays.copyOf(sums, size * 8);
      }
      kind[size] = k;
      value[size] = v;
      sums[4 * size] = contexts;
      sums[4 * size + 1] = occurrences;
      sums[4 * size + 2] = held;
      sums[4 * size + 3] = amount;
      size++;
    }

    /**
     * A value-keyed update at its rounded value (Kinds.rounded), and where rounding moved it,
     * what each weight column needs to make the means exact again.
     */
    void addRounded(int k, long v, long contexts, long occurrences, long held) {
      long r = Kinds.rounded(v);
      add(k, r, contexts, occurrences, held, 0);
      if (r != v) {
        long[] weights = {contexts, occurrences, held};
        for (int column = 1; column <= 3; column++) {
          if (weights[column - 1] != 0) {
            add(Kinds.ROUNDING, Kinds.roundingKey(k, column), 0, 0, 0, (double) (v - r) * weights[column - 1]);
          }
        }
      }
    }

    void addToGroup(ContextStream stream, int g, int c) {
      for (int i = 0; i < size; i++) {
        if (value[i] < MAX_GROUP_CELL_VALUE && value[i] >= 0 && c < 256 && g < (1 << GROUP_CELL_BITS)) {
          long key = (value[i] << 36) | ((long) g << 12) | ((long) c << 4) | kind[i];
          stream.groupCells.add(key, sums[4 * i], sums[4 * i + 1], sums[4 * i + 2], sums[4 * i + 3]);
        } else {
          for (int slice : stream.params.groups().slices(g)) {
            stream.addToSlice(slice, c, kind[i], value[i], sums[4 * i], sums[4 * i + 1], sums[4 * i + 2],
                sums[4 * i + 3]);
          }
        }
      }
    }

    void addTo(ContextStream stream, int slice, int c) {
      for (int i = 0; i < size; i++) {
        stream.addToSlice(slice, c, kind[i], value[i], sums[4 * i], sums[4 * i + 1], sums[4 * i + 2], sums[4 * i + 3]);
      }
    }
  }
}
