package org.hallufloor.evidence;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.hallufloor.bound.BackoffNode;
import org.hallufloor.bound.SuffixKernel;
import org.hallufloor.context.Examples;
import org.hallufloor.context.Groups;
import org.hallufloor.context.RowScan;
import org.hallufloor.context.TokenizedDocs;
import org.hallufloor.context.Cells;

/**
 * Evidence under the back-off kernel {@code suffix(lambda)} (THEORY 1), exactly, from the counts
 * of every suffix of every training context (no pairwise join): see {@link SuffixKernel}.
 *
 * <p>Seen suffixes form a tree per slice and length (a suffix's parent is itself without its
 * first token). Contexts are written last token first, so in sorted order a suffix's contexts
 * are contiguous. Contexts counted per group cross one shuffle, by (c, last token, slice
 * bucket), and are sorted by their ids; one scan merges each context's groups into its slices and, with a stack
 * of depth c per (slice, c), sums each node's count and writes the node when its contexts end
 * (post-order). Post-order read backwards puts every node before what is under it, so a second
 * walk over those records, last first ({@link ReversedRecords}), hands every context its
 * longest seen suffix's evidence. No second sort; memory per task is one last token's stacks
 * (of its buckets' slices), one block and a bounded number of cells.
 *
 * <p>A context of the {@code N_V^c} space takes the evidence of its longest suffix seen in
 * training, so the uniform distribution is one cell per tree node: its evidence and the share
 * of the space whose longest seen suffix it is ({@link SuffixKernel#spaceShare}).
 */
public final class SuffixEvidence {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SuffixEvidence.class);
  private static final StructType CELLS = Cells.SOFT;

  /**
   * A context's ids, last token first ({@link PackedIds}) in three sort columns (the first 16
   * bytes as two longs, the rest as bytes), its length, the next token (0 for all when the
   * margins are left out), a group, its examples there and the bucket of the group's slices the
   * row counts for.
   */
  static final StructType CONTEXTS = new StructType()
      .add("k1", DataTypes.LongType, false)
      .add("k2", DataTypes.LongType, false)
      .add("rest", DataTypes.BinaryType, false)
      .add("c", DataTypes.IntegerType, false)
      .add("y", DataTypes.IntegerType, false)
      .add("grp", DataTypes.IntegerType, false)
      .add("n", DataTypes.LongType, false)
      .add("bucket", DataTypes.IntegerType, false);
  private static final int K1 = CONTEXTS.fieldIndex("k1");
  private static final int K2 = CONTEXTS.fieldIndex("k2");
  private static final int REST = CONTEXTS.fieldIndex("rest");
  private static final int LENGTH = CONTEXTS.fieldIndex("c");
  private static final int NEXT = CONTEXTS.fieldIndex("y");
  private static final int GROUP = CONTEXTS.fieldIndex("grp");
  private static final int EXAMPLES = CONTEXTS.fieldIndex("n");
  private static final int BUCKET = CONTEXTS.fieldIndex("bucket");

  /**
   * Slices are taken 2^12 at a time by default ({@code slice >>> bucketBits}): a context's row goes once
   * per bucket its group's slices fall in, and each task scans the slices of its buckets only.
   * A task keeps a small state per (slice, c) it meets within one last token's contexts, so
   * with a slice per document a common last token no longer brings every slice to one task.
   * A run with at most 4,096 slices has one bucket, and rows as before.
   */
  static final int BUCKET_BITS = 12;

  /**
   * Kinds of scan records: a seen suffix (n = N_m, children) or a context (training and held-out
   * examples), each followed by its next-token counts in FACTS records (the node's N_m(v, y), the
   * context's held-out examples by token) when the margins are counted.
   */
  private static final byte NODE = 0;
  private static final byte LEAF = 1;
  private static final byte FACTS = 2;
  /** Next tokens per FACTS record: 12 bytes each, within ReversedRecords.MAX_RECORD. */
  static final int FACTS_PER_RECORD = 4096;
  /** Root facts (slices x lengths x next tokens) above which the margins are left out: about 100 MB per executor JVM. */
  static final long ROOT_FACTS_MAX = 1L << 23;
  /** Next tokens of the roots a task keeps built (about 24 bytes each beyond the loaded table). */
  static final long ROOT_NODES_MAX = 1L << 20;

  /**
   * @param scratch a folder of the run's own for the examples per (slice, c) ({@link TrainingExamples})
   * @param bucketBits log2 of the slices a bucket holds
   * @param combineChunk distinct (context, group) a task counts per length before it emits them
   * @param flushCells cells a task holds before it emits them as partial sums
   * @param scales the logit scales a = beta_S / T of the (beta_S, T) pairs, in their order (P_h)
   * @param rootFactsMax the root facts above which the margins and P_h are left out
   * @param factsPerRecord next tokens per FACTS record of the scan
   * @param rootNodesMax next tokens of the built roots a task keeps
   */
  public record Params(double lambda, long nVocab, List<Integer> contextLengths, Groups groups, String scratch,
      double[] scales, int bucketBits, int combineChunk, int flushCells, long rootFactsMax, int factsPerRecord,
      long rootNodesMax) implements Serializable {
    public Params {
      if (bucketBits < 0 || bucketBits > 30) {
        throw new IllegalArgumentException("slices per bucket must be 2^0 to 2^30: 2^" + bucketBits);
      }
      if (factsPerRecord < 1 || 12L * factsPerRecord + 5 > ReversedRecords.MAX_RECORD) {
        throw new IllegalArgumentException("next tokens per scan record must be 1 to "
            + (ReversedRecords.MAX_RECORD - 5) / 12 + ": " + factsPerRecord);
      }
      if (combineChunk < 1 || flushCells < 1) {
        throw new IllegalArgumentException("chunks of contexts and of cells must hold at least one: "
            + combineChunk + ", " + flushCells);
      }
    }

    /** The defaults: buckets of 2^12 slices, chunks of 2^17 contexts, CountEvidence's flush of cells. */
    public Params(double lambda, long nVocab, List<Integer> contextLengths, Groups groups, String scratch,
        double[] scales) {
      this(lambda, nVocab, contextLengths, groups, scratch, scales, BUCKET_BITS, 1 << 17, CountEvidence.FLUSH_CELLS,
          ROOT_FACTS_MAX, FACTS_PER_RECORD, ROOT_NODES_MAX);
    }
  }

  private SuffixEvidence() {}

  /**
   * Tokenized documents ({@code slices}, {@code heldout}, {@code ids}) to cells: {@code evidence}
   * (value Evid(X); a training context counts once in contexts, its examples in occurrences,
   * held-out examples in heldout), {@code uniform} (value Evid, amount its share of the space)
   * and {@code uniform_mean}. Values are rounded up to {@link Cells#EVIDENCE_BITS} bits,
   * as the jaccard kernel's, so a slice has a bounded number of cells however large the corpus.
   */
  public static Dataset<Row> cells(Dataset<Row> tokenized, Params params, List<Broadcast<?>> owned) {
    SparkSession spark = tokenized.sparkSession();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<Params> shared = jsc.broadcast(params);
    // The cells are lazy: the caller destroys this once it has computed them.
    owned.add(shared);
    RootFacts written = RootFacts.write(tokenized, params.groups(), params.contextLengths(),
        params.scratch() + "/root-facts");
    // |D| of (slice, c) is the sum of its root's next-token counts: no second pass over the corpus.
    TrainingExamples examples = TrainingExamples.write(written.rows(spark).groupBy("slice", "c")
        .agg(sum("n").as("n")), params.scratch() + "/examples");
    // Every task loads the whole root table: past the cap the margins are left out, not the run.
    RootFacts roots = written.size() <= params.rootFactsMax() ? written : null;
    if (roots == null) {
      LOG.warn("suffix kernel: {} (slice, c, next token) root facts, more than {}: margin forms and model_ph "
          + "left out of the suffix rows", written.size(), params.rootFactsMax());
    }
    Dataset<Row> cells = sorted(contexts(tokenized, shared, roots != null), new PackedIds(params.nVocab()))
        .mapPartitions((MapPartitionsFunction<Row, Row>) rows -> new Scan(shared.value(), examples, roots).cells(rows),
            Encoders.row(CELLS));
    // The root (the empty suffix) covers the space less its children, each of which takes
    // N_V^-1 off it in the scan: here the whole space at the root's evidence, lambda^c |D|,
    // made on the executors from the examples' table (two rows per slice and c).
    double lambda = params.lambda();
    Dataset<Row> rootCells = examples.rows(spark).flatMap((FlatMapFunction<Row, Row>) r -> {
      int slice = r.getInt(0);
      int c = r.getInt(1);
      double e = SuffixKernel.evidence(lambda, c, r.getLong(2), new long[0], 0);
      return List.of(RowFactory.create(slice, c, Kinds.UNIFORM, Cells.roundUp(e), 0L, 0L, 0L, 1.0),
          RowFactory.create(slice, c, Kinds.UNIFORM_MEAN, 0.0, 0L, 0L, 0L, e)).iterator();
    }, Encoders.row(CELLS));
    // Summed on the executors; the estimate reads them once into its kept rows.
    return Cells.sum(cells.union(rootCells));
  }

  /**
   * Rows of {@link #CONTEXTS} by (c, last token, bucket) over spark.sql.shuffle.partitions tasks
   * (coalesced by adaptive execution), sorted within each so that a context's rows are
   * contiguous and each length's contexts are in id order, last token first. Groups are
   * expanded to slices after the shuffle, by the scan. Spark's sort prefix is k1; ties on it
   * compare k2 as a long before any bytes are copied. c comes after the ids: a context and a longer one
   * whose further ids pack to zero bits (id 0) tie on the packed columns.
   */
  static Dataset<Row> sorted(Dataset<Row> contexts, PackedIds packed) {
    return contexts.repartition(col("c"), packed.lastToken(col("k1")), col("bucket"))
        .sortWithinPartitions("k1", "k2", "rest", "c", "y");
  }

  /**
   * Each example's context with its group, last token first, counted within the task in
   * bounded chunks (short contexts repeat; the scan after the shuffle merges the rest).
   */
  private static Dataset<Row> contexts(Dataset<Row> tokenized, Broadcast<Params> shared, boolean withNext) {
    return tokenized.sparkSession().createDataFrame(TokenizedDocs.of(tokenized)
        .mapPartitions(docs -> new Combiner(docs, shared.value(), withNext)), CONTEXTS);
  }

  /**
   * A context's ids, last token first, as the shuffle carries and sorts them: each id in the
   * fewest bits that hold N_V ids (at least 8), big-endian and packed, so byte order is id order
   * and Spark's 8-byte sort prefix holds three or more ids, not two (ties in the prefix fall to
   * a comparison of whole rows, the sort's costliest step).
   */
  static final class PackedIds {
    private final int width;

    PackedIds(long nVocab) {
      this.width = Math.max(8, 64 - Long.numberOfLeadingZeros(Math.max(1, nVocab - 1)));
      if (width > 32) {
        throw new IllegalArgumentException("N_V = " + nVocab + " needs more than 32 bits per id");
      }
    }

    /** The context of length {@code c} ending before {@code end}. */
    byte[] pack(int[] ids, int end, int c) {
      byte[] out = new byte[(c * width + 7) / 8];
      long bits = 0;
      int held = 0;
      int at = 0;
      for (int j = end - 1; j >= end - c; j--) {
        if (ids[j] >>> width != 0) {
          throw new IllegalStateException("token id " + ids[j] + " is not below N_V (2^" + width + " at most)");
        }
        bits = bits << width | ids[j];
        held += width;
        while (held >= 8) {
          out[at++] = (byte) (bits >>> (held - 8));
          held -= 8;
        }
      }
      if (held > 0) {
        out[at] = (byte) (bits << (8 - held));
      }
      return out;
    }

    /** A row of {@link #CONTEXTS}: the packed ids split into the sort columns. */
    static Row row(byte[] packed, int c, int next, int group, long n, int bucket) {
      return RowFactory.create(word(packed, 0), word(packed, 8), rest(packed), c, next, group, n, bucket);
    }

    private static byte[] rest(byte[] packed) {
      return packed.length <= 16 ? new byte[0] : java.util.Arrays.copyOfRange(packed, 16, packed.length);
    }

    /** The last token, as a column: k1's top bits (the flipped sign bit hashes as well as any). */
    org.apache.spark.sql.Column lastToken(org.apache.spark.sql.Column k1) {
      return org.apache.spark.sql.functions.shiftrightunsigned(k1, 64 - width);
    }

    /** Bytes [from, from + 8), zero-padded, big-endian, sign bit flipped so signed order is byte order. */
    static long word(byte[] packed, int from) {
      long w = 0;
      for (int i = from; i < from + 8; i++) {
        w = w << 8 | (i < packed.length ? packed[i] & 0xFF : 0);
      }
      return w ^ Long.MIN_VALUE;
    }

    void unpack(byte[] packed, int c, int[] into) {
      unpack(word(packed, 0), word(packed, 8), rest(packed), c, into);
    }

    /** The ids straight from the sort columns, with no array made per context. */
    void unpack(long k1, long k2, byte[] rest, int c, int[] into) {
      long bits = 0;
      int held = 0;
      int at = 0;
      long mask = (1L << width) - 1;
      for (int d = 0; d < c; d++) {
        while (held < width) {
          bits = bits << 8 | byteAt(k1, k2, rest, at++);
          held += 8;
        }
        into[d] = (int) ((bits >>> (held - width)) & mask);
        held -= width;
      }
    }

    private static int byteAt(long k1, long k2, byte[] rest, int i) {
      if (i < 16) {
        long w = (i < 8 ? k1 : k2) ^ Long.MIN_VALUE;
        return (int) (w >>> (56 - 8 * (i & 7))) & 0xFF;
      }
      return rest[i - 16] & 0xFF;
    }
  }

  /**
   * Counts (context, group) within a task in chunks of the params' combineChunk distinct ones
   * per length, a document a step of {@link #STEP} examples at a time (a document of millions of
   * tokens never sits whole in a chunk or in the rows ready to go).
   * Short contexts repeat and combine well; long ones barely repeat, and hashing them cost a
   * third of the stage for a tenth fewer rows, so a length whose chunk held more than
   * {@link #WORTH} distinct contexts per example goes through uncombined from then on.
   */
  private static final class Combiner extends RowScan<TokenizedDocs.Doc> {
    static final double WORTH = 0.5;
    /** Examples taken per refill: a document of millions of tokens is walked a step at a time. */
    static final int STEP = 1 << 12;
    private final Params params;
    private final boolean withNext;
    private final PackedIds packed;
    private final int[] lengths;
    private final List<Map<GroupedContext, long[]>> counts = new ArrayList<>();
    private final long[] added;
    private final boolean[] direct;
    /** The document being walked: its ids and group, the length index and the next position. */
    private int[] ids = new int[0];
    private int group;
    private int length;
    private int at;
    private int bucketsGroup = -1;
    private int[] bucketsOfGroup;

    Combiner(Iterator<TokenizedDocs.Doc> docs, Params params, boolean withNext) {
      super(docs);
      this.params = params;
      this.withNext = withNext;
      this.packed = new PackedIds(params.nVocab());
      this.lengths = params.contextLengths().stream().mapToInt(Integer::intValue).toArray();
      this.added = new long[lengths.length];
      this.direct = new boolean[lengths.length];
      this.length = lengths.length;
      for (int l = 0; l < lengths.length; l++) {
        counts.add(new HashMap<>());
      }
    }

    @Override
    protected void accept(TokenizedDocs.Doc doc) {
      group = params.groups().id(doc.slices(), doc.heldout());
      ids = doc.ids();
      length = 0;
      at = lengths[0];
    }

    @Override
    protected boolean resume() {
      if (length < lengths.length) {
        step();
        return true;
      }
      return false;
    }

    @Override
    protected void finish() {
      for (int l = 0; l < lengths.length; l++) {
        flush(l);
      }
    }

    /** Up to STEP examples of the current length; a full chunk decides whether the length stays combined. */
    private void step() {
      int c = lengths[length];
      Map<GroupedContext, long[]> held = counts.get(length);
      int end = Math.min(ids.length, at + STEP);
      for (; at < end; at++) {
        int next = withNext ? ids[at] : 0;
        if (direct[length]) {
          emit(packed.pack(ids, at, c), c, next, group, 1L);
        } else {
          held.computeIfAbsent(new GroupedContext(packed.pack(ids, at, c), c, next, group),
              x -> new long[1])[0]++;
          added[length]++;
          if (held.size() >= params.combineChunk()) {
            direct[length] = held.size() > WORTH * added[length];
            flush(length);
          }
        }
      }
      if (at >= ids.length) {
        length++;
        at = length < lengths.length ? lengths[length] : 0;
      }
    }

    private void flush(int l) {
      counts.get(l).forEach((k, n) -> emit(k.ids, k.c, k.next, k.group, n[0]));
      counts.get(l).clear();
      added[l] = 0;
    }

    /** Once per bucket of the group's slices (sorted, so a bucket's slices are together). */
    private void emit(byte[] ids, int c, int next, int group, long n) {
      for (int bucket : buckets(group)) {
        ready.add(PackedIds.row(ids, c, next, group, n, bucket));
      }
    }

    /** The buckets of a group's slices, kept for the last group asked (a document's examples share it). */
    private int[] buckets(int group) {
      if (group != bucketsGroup) {
        bucketsOfGroup = java.util.Arrays.stream(params.groups().slices(group)).map(s -> s >>> params.bucketBits())
            .distinct().toArray();
        bucketsGroup = group;
      }
      return bucketsOfGroup;
    }

  }

  private record GroupedContext(byte[] ids, int c, int next, int group) {
    @Override
    public boolean equals(Object o) {
      return o instanceof GroupedContext g && g.group == group && g.c == c && g.next == next
          && java.util.Arrays.equals(g.ids, ids);
    }

    @Override
    public int hashCode() {
      return 31 * (31 * (31 * java.util.Arrays.hashCode(ids) + c) + next) + group;
    }
  }

  private static int commonPrefix(int[] a, int aLength, int[] b, int bLength) {
    int p = 0;
    while (p < aLength && p < bLength && a[p] == b[p]) {
      p++;
    }
    return p;
  }

  /** A (slice, c) as one long, for the scans' tables. */
  private static long tree(int slice, int c) {
    return (long) slice << 7 | c;
  }

  /**
   * One task's sorted contexts to its cells, in two walks. The first merges each context's
   * groups into its slices and writes, per (slice, c), the context and the seen-suffix nodes
   * its arrival closes (post-order: a node when its contexts have passed, with their examples
   * and its number of children; a chain of nodes each the only child of the one above is one
   * record, as they share their count). The second reads those records last first, so every
   * node comes before what is under it: a node's evidence extends its parent's by its own
   * count, and a context takes the evidence of the deepest open node that is one of its suffixes.
   */
  private static final class Scan {
    /** Record: kind, c, slice, depths low and high, ids[0, high), then two longs and the FACTS that follow. */
    private static final int RECORD = 8 + 16 + 4;
    private final Params params;
    private final TrainingExamples examples;
    /** The roots' next tokens, or null: then no margins (and rows carry no next token). */
    private final RootFacts roots;
    private final boolean margins;
    /** Roots built so far, and their next tokens in all: dropped past Params.rootNodesMax (a root is rebuilt when met again). */
    private LongTable<BackoffNode> rootNodes = new LongTable<>();
    private long rootNodeTokens;
    private final PackedIds packed;
    private LongTable<Tree> trees = new LongTable<>();
    private LongTable<Stack> stacks = new LongTable<>();
    private final CellMap cells = new CellMap();
    private ReversedRecords records;
    private final int[] ids = new int[64];
    /** The context being merged: its groups' examples by slice (a slice repeats until merged). */
    private boolean pending;
    private long pendingK1;
    private long pendingK2;
    private byte[] pendingRest;
    private int pendingC;
    /** The last token of the contexts being walked (first walk) and read (second walk). */
    private int runToken = -1;
    private int stackToken = -1;
    private int[] slices = new int[16];
    private int[] nexts = new int[16];
    private long[] train = new long[16];
    private long[] held = new long[16];
    private int entries;
    /** The merge's (slice, entry) pairs and where it writes the merged entries (swapped in after). */
    private long[] order = new long[16];
    private int[] mergedSlices = new int[16];
    private int[] mergedNexts = new int[16];
    private long[] mergedTrain = new long[16];
    private long[] mergedHeld = new long[16];
    /** Next tokens and counts on their way into FACTS records (first walk) or out of them (second). */
    private int[] factYs = new int[16];
    private long[] factCounts = new long[16];
    private int factSize;

    Scan(Params params, TrainingExamples examples, RootFacts roots) {
      this.params = params;
      this.examples = examples;
      this.roots = roots;
      this.margins = roots != null;
      this.packed = new PackedIds(params.nVocab());
    }

    /**
     * The first walk at once, then the second as the rows are asked for: cells are emitted
     * (partial; Cells.sum adds them up) whenever the params' flushCells are held, as
     * a task whose last tokens are common holds cells of nearly every slice.
     */
    Iterator<Row> cells(Iterator<Row> sorted) {
      ReversedRecords written = new ReversedRecords();
      records = written;
      org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
      if (task != null) {
        task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) t -> written.close());
      }
      try {
        while (sorted.hasNext()) {
          Row r = sorted.next();
          long k1 = r.getLong(K1);
          long k2 = r.getLong(K2);
          byte[] rest = (byte[]) r.get(REST);
          int c = r.getInt(LENGTH);
          if (pending && (k1 != pendingK1 || k2 != pendingK2 || c != pendingC
              || !java.util.Arrays.equals(rest, pendingRest))) {
            flushContext();
          }
          pending = true;
          pendingK1 = k1;
          pendingK2 = k2;
          pendingRest = rest;
          pendingC = c;
          addGroup(r.getInt(GROUP), r.getInt(NEXT), r.getLong(EXAMPLES), r.getInt(BUCKET));
        }
        flushContext();
        endRun();
        trees = null;
      } catch (RuntimeException | Error e) {
        written.close();
        throw e;
      }
      ReversedRecords.Reader reader = written.reversed();
      return new Iterator<>() {
        private final java.util.ArrayDeque<Row> ready = new java.util.ArrayDeque<>();
        private boolean read;

        @Override
        public boolean hasNext() {
          while (ready.isEmpty() && !read) {
            ByteBuffer b = reader.next();
            for (; b != null; b = reader.next()) {
              evidence(b);
              if (cells.size() >= params.flushCells()) {
                break;
              }
            }
            if (b == null) {
              read = true;
              written.close();
            }
            cells.forEach((k, contexts, occurrences, heldout, amount) -> ready.add(
                cellRow(k, contexts, occurrences, heldout, amount)));
            cells.clear();
          }
          return !ready.isEmpty();
        }

        @Override
        public Row next() {
          if (!hasNext()) {
            throw new java.util.NoSuchElementException();
          }
          return ready.poll();
        }
      };
    }

    /**
     * Closes every tree at the end of a last token's contexts (no later context shares a node
     * with them) and forgets them: a task holds trees of one last token's slices at a time.
     */
    private void endRun() {
      trees.forEach(t -> t.close(0));
      trees = new LongTable<>();
    }

    /** A row's group: its slices in the row's bucket (the group's other buckets are other rows). */
    private void addGroup(int group, int next, long n, int bucket) {
      boolean heldout = params.groups().heldout(group);
      for (int slice : params.groups().slices(group)) {
        if (slice >>> params.bucketBits() != bucket) {
          continue;
        }
        if (entries == slices.length) {
          // A context in every document of a per-document dimension arrives once per group:
          // merged by slice, its entries are at most the distinct slices it meets in this task.
          merge();
          if (2 * entries > slices.length) {
            grow();
          }
        }
        slices[entries] = slice;
        nexts[entries] = next;
        train[entries] = heldout ? 0 : n;
        held[entries] = heldout ? n : 0;
        entries++;
      }
    }

    /**
     * The entries merged by (slice, next token), in that order. Rows come in next-token order
     * and the sort keeps arrival order within a slice, so equal tokens of a slice are adjacent.
     */
    private void merge() {
      for (int e = 0; e < entries; e++) {
        order[e] = (long) slices[e] << 32 | e;
      }
      java.util.Arrays.sort(order, 0, entries);
      int merged = 0;
      for (int at = 0; at < entries;) {
        int slice = (int) (order[at] >>> 32);
        int next = nexts[(int) order[at]];
        long t = 0;
        long h = 0;
        for (; at < entries && (int) (order[at] >>> 32) == slice && nexts[(int) order[at]] == next; at++) {
          int e = (int) order[at];
          t += train[e];
          h += held[e];
        }
        mergedSlices[merged] = slice;
        mergedNexts[merged] = next;
        mergedTrain[merged] = t;
        mergedHeld[merged] = h;
        merged++;
      }
      int[] si = slices;
      slices = mergedSlices;
      mergedSlices = si;
      int[] ne = nexts;
      nexts = mergedNexts;
      mergedNexts = ne;
      long[] tr = train;
      train = mergedTrain;
      mergedTrain = tr;
      long[] he = held;
      held = mergedHeld;
      mergedHeld = he;
      entries = merged;
    }

    private void grow() {
      int n = 2 * slices.length;
      slices = java.util.Arrays.copyOf(slices, n);
      nexts = java.util.Arrays.copyOf(nexts, n);
      train = java.util.Arrays.copyOf(train, n);
      held = java.util.Arrays.copyOf(held, n);
      order = new long[n];
      mergedSlices = new int[n];
      mergedNexts = new int[n];
      mergedTrain = new long[n];
      mergedHeld = new long[n];
    }

    /** The pending context, once per slice: its groups' entries merged by slice. */
    private void flushContext() {
      if (!pending) {
        return;
      }
      int c = pendingC;
      packed.unpack(pendingK1, pendingK2, pendingRest, c, ids);
      if (ids[0] != runToken) {
        endRun();
        runToken = ids[0];
      }
      merge();
      for (int from = 0; from < entries;) {
        int slice = slices[from];
        int to = from;
        while (to < entries && slices[to] == slice) {
          to++;
        }
        Tree tree = trees.computeIfAbsent(tree(slice, c), k -> new Tree(slice, c));
        if (tree.examples > 0) {
          tree.add(ids, from, to);
        }
        from = to;
      }
      entries = 0;
      pending = false;
    }

    private void write(byte kind, int c, int slice, int low, int high, int[] idsOf, long a, long b, int facts) {
      ByteBuffer r = records.begin(RECORD + 4 * high);
      r.put(kind).put((byte) c).putInt(slice).put((byte) low).put((byte) high);
      for (int d = 0; d < high; d++) {
        r.putInt(idsOf[d]);
      }
      r.putLong(a).putLong(b).putInt(facts);
      records.end();
    }

    /**
     * {@code factYs/factCounts[0, factSize)} (in token order) as FACTS records after the record
     * just written: last part first, so that read backwards they come in token order, before it.
     */
    private void writeFacts() {
      for (int end = factSize; end > 0;) {
        int from = (end - 1) / params.factsPerRecord() * params.factsPerRecord();
        ByteBuffer r = records.begin(5 + 12 * (end - from));
        r.put(FACTS).putInt(end - from);
        for (int i = from; i < end; i++) {
          r.putInt(factYs[i]).putLong(factCounts[i]);
        }
        records.end();
        end = from;
      }
      factSize = 0;
    }

    private void factRoom(int size) {
      if (factYs.length < size) {
        factYs = java.util.Arrays.copyOf(factYs, Math.max(size, 2 * factYs.length));
        factCounts = java.util.Arrays.copyOf(factCounts, factYs.length);
      }
    }

    /** One (slice, c) in the first walk: the nodes along the last training context's path. */
    private final class Tree {
      private final int slice;
      private final int c;
      final long examples;
      private final int[] path;
      private final long[] n;
      private final long[] children;
      /** Next-token counts of the open nodes (margins only): a node's own, and what its closed children passed up. */
      private final NextCounts[] next;
      private int open;

      Tree(int slice, int c) {
        this.slice = slice;
        this.c = c;
        this.examples = Scan.this.examples.of(slice, c);
        this.path = new int[c];
        this.n = new long[c + 1];
        this.children = new long[c + 1];
        this.next = new NextCounts[margins ? c + 1 : 0];
        for (int d = 0; d < next.length; d++) {
          next[d] = new NextCounts();
        }
      }

      /**
       * Closes the nodes off the context's path (no later context is under them: later ones
       * sort after it), writes the context (with its held-out examples by next token), and for
       * a training context opens its nodes. The context's entries are {@code [from, to)}.
       */
      void add(int[] context, int from, int to) {
        long trainExamples = 0;
        long heldoutExamples = 0;
        for (int e = from; e < to; e++) {
          trainExamples += train[e];
          heldoutExamples += held[e];
        }
        // Closing writes the nodes' own facts: the context's are gathered after.
        close(commonPrefix(path, open, context, c));
        factSize = 0;
        factRoom(to - from);
        for (int e = from; margins && e < to; e++) {
          if (held[e] > 0) {
            factYs[factSize] = nexts[e];
            factCounts[factSize++] = held[e];
          }
        }
        write(LEAF, c, slice, c, c, context, trainExamples, heldoutExamples, factSize);
        writeFacts();
        if (trainExamples == 0) {
          return;
        }
        for (int d = open + 1; d <= c; d++) {
          path[d - 1] = context[d - 1];
          n[d] = 0;
          children[d] = 0;
          if (margins) {
            next[d].clear();
          }
        }
        open = c;
        for (int d = 1; d <= c; d++) {
          n[d] += trainExamples;
        }
        for (int e = from; margins && e < to; e++) {
          if (train[e] > 0) {
            next[c].add(nexts[e], train[e]);
          }
        }
      }

      /**
       * Writes the open nodes deeper than {@code depth}, deepest first, each a child of the one
       * above; a node whose only child is the one closed below it has that child's count and
       * joins its record.
       */
      void close(int depth) {
        for (int d = open; d > depth; d--) {
          int high = d;
          children[d - 1]++;
          while (d - 1 > depth && children[d - 1] == 1) {
            d--;
            children[d - 1]++;
          }
          if (!margins) {
            write(NODE, c, slice, d, high, path, n[high], children[high], 0);
            continue;
          }
          // A chain's nodes share their examples, so their next tokens: the deepest one's.
          NextCounts own = next[high];
          factRoom(own.size());
          own.sortedInto(factYs, factCounts);
          factSize = own.size();
          write(NODE, c, slice, d, high, path, n[high], children[high], factSize);
          writeFacts();
          if (d > 1) {
            next[d - 1].addAll(own);
          }
          own.clear();
        }
        open = Math.min(open, depth);
      }
    }

    /** A record of the first walk, in the second: nodes open on their (slice, c) stack, a context takes its evidence. */
    private void evidence(ByteBuffer r) {
      byte kind = r.get();
      if (kind == FACTS) {
        int k = r.getInt();
        factRoom(factSize + k);
        for (int i = 0; i < k; i++) {
          factYs[factSize] = r.getInt();
          factCounts[factSize++] = r.getLong();
        }
        return;
      }
      int c = r.get();
      int slice = r.getInt();
      int low = r.get();
      int high = r.get();
      for (int d = 0; d < high; d++) {
        ids[d] = r.getInt();
      }
      long a = r.getLong();
      long b = r.getLong();
      int facts = r.getInt();
      if (facts != factSize) {
        throw new IllegalStateException("suffix scan: a record announces " + facts + " next tokens, "
            + factSize + " came before it");
      }
      factSize = 0;
      if (ids[0] != stackToken) {
        // Records of one last token are together (the first walk closed every tree between
        // tokens): the stacks of the token read before are done with.
        stacks = new LongTable<>();
        stackToken = ids[0];
      }
      Stack stack = stacks.computeIfAbsent(tree(slice, c), k -> new Stack(slice, c));
      if (kind == LEAF) {
        int m = stack.deepest(ids, high);
        add(slice, c, Kinds.EVIDENCE, Cells.roundUp(stack.evidence[m]), a > 0 ? 1 : 0, a, b, 0);
        if (margins) {
          margins(slice, c, stack.nodes[m], a, facts);
        }
        return;
      }
      stack.open(ids, high);
      for (int m = low; m <= high; m++) {
        double e = stack.extend(m, a);
        if (margins) {
          stack.nodes[m] = stack.nodes[m - 1].child(factYs, factCounts, facts);
        }
        uniform(slice, c, e, SuffixKernel.spaceShare(params.nVocab(), c, m, m < high ? 1 : b));
        if (m == 1) {
          uniform(slice, c, stack.evidence[0], -1.0 / params.nVocab());
        }
      }
    }

    /**
     * A context's cells of THEORY 3's margin forms and THEORY 5's P_h: {@code v} its longest seen
     * suffix's node, its held-out examples by next token in {@code factYs/factCounts[0, heldout)};
     * a training context is its own node (depth c), whose next tokens are its training examples.
     */
    private void margins(int slice, int c, BackoffNode v, long trainingExamples, int heldout) {
      double[] scales = params.scales();
      if (trainingExamples > 0) {
        if (v.depth() != c) {
          throw new IllegalStateException("suffix scan: a training context of length " + c + " met at depth "
              + v.depth());
        }
        add(slice, c, Kinds.GAP, Cells.roundUp(v.inSampleMargin()), 1, trainingExamples, 0, 0);
        for (int p = 0; p < scales.length; p++) {
          double sum = 0;
          for (int i = 0; i < v.size(); i++) {
            sum += v.count(i) * v.hallucinationOfOwn(p, i);
          }
          add(slice, c, Kinds.PH_INSAMPLE, p, 0, 0, 0, sum);
        }
      }
      double w = Math.pow(params.lambda(), c - v.depth());
      for (int j = 0; j < heldout; j++) {
        int y = factYs[j];
        long m = factCounts[j];
        add(slice, c, Kinds.HELDOUT_GAP, Cells.roundUp(w * v.heldoutMargin(y)), 0, 0, m, 0);
        for (int p = 0; p < scales.length; p++) {
          add(slice, c, Kinds.PH_HELDOUT, p, 0, 0, 0, m * v.hallucination(p, y));
        }
      }
    }

    /** The root of (slice, c), built once per task from the root facts. */
    private BackoffNode root(int slice, int c) {
      long key = tree(slice, c);
      long before = rootNodeTokens;
      BackoffNode root = rootNodes.computeIfAbsent(key, k -> {
        RootFacts.Facts f = roots.of(slice, c);
        rootNodeTokens += f.ys().length;
        return BackoffNode.root(f.ys(), f.counts(), f.ys().length, params.nVocab(), params.lambda(), c,
            params.scales());
      });
      if (rootNodeTokens > params.rootNodesMax() && rootNodeTokens > before) {
        // Full: start again from this root. Open stacks keep the roots they use; the table only saves rebuilds.
        rootNodes = new LongTable<>();
        rootNodes.computeIfAbsent(key, k -> root);
        rootNodeTokens = rootNodeTokens - before;
      }
      return root;
    }

    /** One (slice, c) in the second walk: the open nodes' ids and evidence, root (the empty suffix) at depth 0. */
    private final class Stack {
      final double[] evidence;
      /** The open nodes' next-token distributions (margins only), root at 0. */
      final BackoffNode[] nodes;
      private final int c;
      private final int[] path;
      private int depth;

      Stack(int slice, int c) {
        this.c = c;
        this.evidence = new double[c + 1];
        this.nodes = new BackoffNode[c + 1];
        this.path = new int[c];
        evidence[0] = SuffixKernel.evidence(params.lambda(), c, examples.of(slice, c), new long[0], 0);
        if (margins) {
          nodes[0] = root(slice, c);
        }
      }

      /** Nodes down to depth {@code high}, whose parents are open above them (read last first). */
      void open(int[] node, int high) {
        System.arraycopy(node, 0, path, 0, high);
        depth = high;
      }

      /** The evidence of the node at depth m of the path, from its parent's and its count. */
      double extend(int m, long count) {
        evidence[m] = evidence[m - 1] + SuffixKernel.step(params.lambda(), c, m, count);
        return evidence[m];
      }

      /** The depth of the deepest open node that is a suffix of the context. */
      int deepest(int[] context, int m) {
        return commonPrefix(path, depth, context, m);
      }
    }

    /** A part of the space: its evidence (rounded, as cells are) and share, and the unrounded mean term. */
    private void uniform(int slice, int c, double e, double share) {
      add(slice, c, Kinds.UNIFORM, Cells.roundUp(e), 0, 0, 0, share);
      add(slice, c, Kinds.UNIFORM_MEAN, 0, 0, 0, 0, e * share);
    }

    /**
     * Cells are summed within the task, under one long: slice (31 bits), the rounded value's
     * top 21 bits (sign 0, exponent, 10 significant bits: the rest is 0), c (7), kind (5).
     */
    private void add(int slice, int c, int kind, double value, long contexts, long occurrences, long heldout,
        double amount) {
      long key = (long) slice << 33 | (Double.doubleToRawLongBits(value) >>> 42) << 12 | (long) c << 5 | kind;
      cells.add(key, contexts, occurrences, heldout, amount);
    }

    /** A cell of {@link Cells#SOFT} from its key, as {@link #add} packs it, and its sums. */
    private static Row cellRow(long key, double contexts, double occurrences, double heldout, double amount) {
      return RowFactory.create((int) (key >>> 33), (int) (key >>> 5) & 0x7F, (int) key & 0x1F,
          Double.longBitsToDouble((key >>> 12 & 0x1FFFFF) << 42), (long) contexts, (long) occurrences,
          (long) heldout, amount);
    }
  }
}
