package org.hallufloor.evidence;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.substring;
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
import org.hallufloor.bound.SuffixKernel;
import org.hallufloor.context.Examples;
import org.hallufloor.context.Groups;
import org.hallufloor.context.RowScan;
import org.hallufloor.context.Cells;

/**
 * Evidence under the back-off kernel {@code suffix(lambda)} (THEORY 1), exactly, from the counts
 * of every suffix of every training context (no pairwise join): see {@link SuffixKernel}.
 *
 * <p>Seen suffixes form a tree (a suffix's parent is itself without its first token). Contexts
 * are written last token first, so in sorted order a suffix's contexts are contiguous and a
 * suffix sorts just before them: partitioned by (last token, slice, c) and sorted, one scan
 * with a stack of depth c per (slice, c) sums each tree node's count when its contexts end, a
 * local re-sort puts each node before its contexts, and a second scan hands every context its
 * longest seen suffix's evidence. One shuffle; memory per task is the stacks, whatever the
 * tree's size.
 *
 * <p>A context of the {@code N_V^c} space takes the evidence of its longest suffix seen in
 * training, so the uniform distribution is one cell per tree node: its evidence and the share
 * of the space whose longest seen suffix it is ({@link SuffixKernel#spaceShare}).
 */
public final class SuffixEvidence {
  private static final StructType CELLS = Cells.SOFT;

  private static final StructType CONTEXTS = new StructType()
      .add("c", DataTypes.IntegerType, false)
      .add("rev", DataTypes.BinaryType, false)
      .add("grp", DataTypes.IntegerType, false);

  /**
   * A context (kind LEAF: n = training examples, held = held-out examples) or a seen suffix
   * (kind NODE: n = N_m, children), under one binary sort key (see {@link Key}).
   */
  private static final StructType ROWS = new StructType()
      .add("key", DataTypes.BinaryType, false)
      .add("n", DataTypes.LongType, false)
      .add("children", DataTypes.LongType, false)
      .add("held", DataTypes.LongType, false);

  /** A node sorts before the context of the same ids (a seen context is also its own node). */
  private static final byte NODE = 0;
  private static final byte LEAF = 1;

  /** @param scratch a folder of the run's own for the examples per (slice, c) ({@link TrainingExamples}) */
  public record Params(double lambda, long nVocab, List<Integer> contextLengths, Groups groups, String scratch)
      implements Serializable {}

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
    // The cells are lazy: the caller destroys this once the tables that read them are written.
    owned.add(shared);
    TrainingExamples examples = TrainingExamples.write(examples(tokenized, params), params.scratch() + "/examples");
    Dataset<Row> sorted = contexts(tokenized, shared)
        // By (last token, slice, c): spark.sql.shuffle.partitions tasks (coalesced by adaptive
        // execution), each sorting its share.
        .repartition(substring(col("key"), 1, 4), substring(col("key"), -6, 5))
        .sortWithinPartitions("key");
    Dataset<Row> cells = sorted
        .mapPartitions((MapPartitionsFunction<Row, Row>) rows -> new NodeScan(rows), Encoders.row(ROWS))
        .sortWithinPartitions("key")
        .mapPartitions((MapPartitionsFunction<Row, Row>) rows -> new CellScan(rows, shared.value(), examples),
            Encoders.row(CELLS));
    // The root (the empty suffix) covers the space less its children, each of which takes
    // N_V^-1 off it in the scan: here the whole space at the root's evidence, lambda^c |D|,
    // made on the executors from the examples' table (two rows per slice and c).
    double lambda = params.lambda();
    Dataset<Row> roots = examples.rows(spark).flatMap((FlatMapFunction<Row, Row>) r -> {
      int slice = r.getInt(0);
      int c = r.getInt(1);
      double e = SuffixKernel.evidence(lambda, c, r.getLong(2), new long[0], 0);
      return List.of(RowFactory.create(slice, c, Kinds.UNIFORM, Cells.roundUp(e), 0L, 0L, 0L, 1.0),
          RowFactory.create(slice, c, Kinds.UNIFORM_MEAN, 0.0, 0L, 0L, 0L, e)).iterator();
    }, Encoders.row(CELLS));
    // Summed on the executors; the estimate reads them once into its kept rows.
    return Cells.sum(cells.union(roots));
  }

  /**
   * |D| per (slice, c) with training examples: from document lengths (a slice of held-out
   * documents has none), summed on the executors.
   */
  private static Dataset<Row> examples(Dataset<Row> tokenized, Params params) {
    return tokenized.select("slices", "heldout", "ids")
        .flatMap((FlatMapFunction<Row, Row>) doc -> {
          List<Row> rows = new ArrayList<>();
          if (doc.getBoolean(1)) {
            return rows.iterator();
          }
          int group = params.groups().id(doc.getList(0), false);
          int n = doc.getList(2).size();
          for (int slice : params.groups().slices(group)) {
            for (int c : params.contextLengths()) {
              rows.add(RowFactory.create(slice, c, (long) Math.max(0, n - c)));
            }
          }
          return rows.iterator();
        }, Encoders.row(TrainingExamples.SCHEMA))
        .groupBy("slice", "c").agg(sum("n").as("n"))
        .filter(col("n").gt(0));
  }

  /** Distinct contexts per (c, group) with their examples, then one row per slice (unmerged: the scan merges). */
  private static Dataset<Row> contexts(Dataset<Row> tokenized, Broadcast<Params> shared) {
    return tokenized.select("slices", "heldout", "ids")
        .flatMap((FlatMapFunction<Row, Row>) doc -> contexts(doc, shared.value()), Encoders.row(CONTEXTS))
        .groupBy("c", "rev", "grp").agg(count(lit(1)).as("n"))
        .flatMap((FlatMapFunction<Row, Row>) r -> {
          Groups groups = shared.value().groups();
          int group = r.getInt(2);
          long n = r.getLong(3);
          boolean heldout = groups.heldout(group);
          List<Row> out = new ArrayList<>();
          for (int slice : groups.slices(group)) {
            out.add(RowFactory.create(Key.of(slice, r.getInt(0), (byte[]) r.get(1), LEAF), heldout ? 0L : n, 0L,
                heldout ? n : 0L));
          }
          return out.iterator();
        }, Encoders.row(ROWS));
  }

  /** Each example's context, last token first, as {@link Key} writes ids. */
  private static Iterator<Row> contexts(Row doc, Params params) {
    int group = params.groups().id(doc.getList(0), doc.getBoolean(1));
    int[] ids = Examples.ids(doc.getList(2));
    List<Row> out = new ArrayList<>();
    for (int c : params.contextLengths()) {
      for (int i = c; i < ids.length; i++) {
        ByteBuffer b = ByteBuffer.allocate(4 * c);
        for (int j = i - 1; j >= i - c; j--) {
          b.putInt(ids[j] | Key.ID_BIT);
        }
        out.add(RowFactory.create(c, b.array(), group));
      }
    }
    return out.iterator();
  }

  /**
   * The sort key: the ids last token first (4 bytes each, big-endian, top bit set), a 0 byte,
   * slice (4 bytes), c (1), kind (1). A suffix is a prefix of its contexts' ids and its 0 byte
   * sorts before any next id, so each node sorts before the contexts under it; at equal ids
   * the node's kind sorts first. Slices and lengths interleave (the scans keep a state for
   * each), and the key begins with the ids, so Spark's 8-byte sort prefix (the last two
   * tokens) settles most comparisons.
   */
  static final class Key {
    static final int ID_BIT = 0x80000000;
    private static final int TAIL = 7;

    static byte[] of(int slice, int c, byte[] rev, byte kind) {
      return ByteBuffer.allocate(rev.length + TAIL).put(rev).put((byte) 0).putInt(slice).put((byte) c).put(kind)
          .array();
    }

    static byte[] of(int slice, int c, int[] ids, int depth, byte kind) {
      ByteBuffer b = ByteBuffer.allocate(4 * depth + TAIL);
      for (int d = 0; d < depth; d++) {
        b.putInt(ids[d] | ID_BIT);
      }
      return b.put((byte) 0).putInt(slice).put((byte) c).put(kind).array();
    }

    static int slice(byte[] key) {
      return ByteBuffer.wrap(key).getInt(key.length - 6);
    }

    static int c(byte[] key) {
      return key[key.length - 2];
    }

    static byte kind(byte[] key) {
      return key[key.length - 1];
    }

    /** The ids into {@code into}; returns how many. */
    static int ids(byte[] key, int[] into) {
      int m = (key.length - TAIL) / 4;
      ByteBuffer b = ByteBuffer.wrap(key);
      for (int d = 0; d < m; d++) {
        into[d] = b.getInt(4 * d) & ~ID_BIT;
      }
      return m;
    }

    /** Same ids, slice and c (the kind aside). */
    static boolean sameContext(byte[] a, byte[] b) {
      return a.length == b.length && java.util.Arrays.equals(a, 0, a.length - 1, b, 0, b.length - 1);
    }
  }

  private static int commonPrefix(int[] a, int aLength, int[] b, int bLength) {
    int p = 0;
    while (p < aLength && p < bLength && a[p] == b[p]) {
      p++;
    }
    return p;
  }

  /**
   * Sorted context rows (one per slice and group) to merged contexts and the seen-suffix tree's
   * nodes: a stack of the open nodes along the current context's path, each summing its
   * training examples and counting its children, written when a context leaves it.
   */
  private static final class NodeScan extends RowScan {
    /** The open path of each (slice, c) tree: its rows interleave with other slices' and lengths'. */
    private final Map<Integer, Tree> trees = new HashMap<>();
    /** The context being merged (rows of one context from several groups arrive together). */
    private byte[] pending;
    private long train;
    private long held;
    private final int[] ids = new int[64];

    NodeScan(Iterator<Row> in) {
      super(in);
    }

    @Override
    protected void accept(Row r) {
      byte[] key = (byte[]) r.get(0);
      if (pending != null && Key.sameContext(key, pending)) {
        train += r.getLong(1);
        held += r.getLong(3);
        return;
      }
      flushContext();
      pending = key;
      train = r.getLong(1);
      held = r.getLong(3);
    }

    @Override
    protected void finish() {
      flushContext();
      trees.values().forEach(t -> t.close(0));
    }

    private void flushContext() {
      if (pending == null) {
        return;
      }
      ready.add(RowFactory.create(pending, train, 0L, held));
      if (train > 0) {
        int slice = Key.slice(pending);
        int c = Key.c(pending);
        Key.ids(pending, ids);
        trees.computeIfAbsent(slice * 128 + c, k -> new Tree(slice, c)).add(ids, train);
      }
      pending = null;
    }

    /** One (slice, c): the nodes along the last context's path, each summing examples and counting children. */
    private final class Tree {
      private final int slice;
      private final int c;
      private final int[] path;
      private final long[] n;
      private final long[] children;
      private int open;

      Tree(int slice, int c) {
        this.slice = slice;
        this.c = c;
        this.path = new int[c];
        this.n = new long[c + 1];
        this.children = new long[c + 1];
      }

      void add(int[] context, long examples) {
        int p = commonPrefix(path, open, context, c);
        close(p);
        for (int d = p + 1; d <= c; d++) {
          path[d - 1] = context[d - 1];
          n[d] = 0;
          children[d] = 0;
        }
        open = c;
        for (int d = 1; d <= c; d++) {
          n[d] += examples;
        }
      }

      /** Writes the open nodes deeper than {@code depth}, deepest first, each a child of the one above. */
      void close(int depth) {
        for (int d = open; d > depth; d--) {
          ready.add(RowFactory.create(Key.of(slice, c, path, d, NODE), n[d], children[d], 0L));
          children[d - 1]++;
        }
        open = Math.min(open, depth);
      }
    }
  }

  /**
   * Nodes and contexts in tree order (each node just before what is under it) to cells: a
   * node's evidence extends its parent's by its own count; a context takes the evidence of the
   * deepest node on the stack that is one of its suffixes (itself, when it was seen in training).
   */
  private static final class CellScan extends RowScan {
    private final Params params;
    private final TrainingExamples examples;
    /** The open path of each (slice, c): its rows interleave with other slices' and lengths'. */
    private final Map<Integer, Stack> stacks = new HashMap<>();
    private final int[] ids = new int[64];
    private final Map<CellKey, double[]> cells = new HashMap<>();

    CellScan(Iterator<Row> in, Params params, TrainingExamples examples) {
      super(in);
      this.params = params;
      this.examples = examples;
    }

    @Override
    protected void accept(Row r) {
      byte[] key = (byte[]) r.get(0);
      int slice = Key.slice(key);
      int c = Key.c(key);
      Stack stack = stacks.computeIfAbsent(slice * 128 + c, k -> new Stack(slice, c));
      if (stack.examples == 0) {
        return; // held-out documents only: no training evidence to measure against
      }
      int m = Key.ids(key, ids);
      if (Key.kind(key) == NODE) {
        double e = stack.push(ids, m, r.getLong(1));
        uniform(slice, c, e, SuffixKernel.spaceShare(params.nVocab(), c, m, r.getLong(2)));
        if (m == 1) {
          uniform(slice, c, stack.evidence[0], -1.0 / params.nVocab());
        }
        return;
      }
      long train = r.getLong(1);
      add(slice, c, Kinds.EVIDENCE, Cells.roundUp(stack.evidenceOf(ids, m)), train > 0 ? 1 : 0, train,
          r.getLong(3), 0);
    }

    /** One (slice, c): the open nodes' ids and evidence, root (the empty suffix) at depth 0. */
    private final class Stack {
      final long examples;
      final double[] evidence;
      private final int c;
      private final int[] path;
      private int depth;

      Stack(int slice, int c) {
        this.c = c;
        this.examples = CellScan.this.examples.of(slice, c);
        this.evidence = new double[c + 1];
        this.path = new int[c];
        evidence[0] = SuffixKernel.evidence(params.lambda(), c, examples, new long[0], 0);
      }

      /** A node at depth m: its parent is open at m - 1 (tree order); returns its evidence. */
      double push(int[] node, int m, long count) {
        System.arraycopy(node, 0, path, 0, m);
        depth = m;
        evidence[m] = evidence[m - 1] + SuffixKernel.step(params.lambda(), c, m, count);
        return evidence[m];
      }

      /** The evidence of the deepest open node that is a suffix of the context. */
      double evidenceOf(int[] context, int m) {
        return evidence[commonPrefix(path, depth, context, m)];
      }
    }

    /** A part of the space: its evidence (rounded, as cells are) and share, and the unrounded mean term. */
    private void uniform(int slice, int c, double e, double share) {
      add(slice, c, Kinds.UNIFORM, Cells.roundUp(e), 0, 0, 0, share);
      add(slice, c, Kinds.UNIFORM_MEAN, 0, 0, 0, 0, e * share);
    }

    /** Cells are summed within the task: a few thousand keys however many contexts pass. */
    private void add(int slice, int c, int kind, double value, long contexts, long occurrences, long heldout,
        double amount) {
      double[] sums = cells.computeIfAbsent(new CellKey(slice, c, kind, value), k -> new double[4]);
      sums[0] += contexts;
      sums[1] += occurrences;
      sums[2] += heldout;
      sums[3] += amount;
    }

    @Override
    protected void finish() {
      cells.forEach((k, v) -> ready.add(RowFactory.create(k.slice(), k.c(), k.kind(), k.value(),
          (long) v[0], (long) v[1], (long) v[2], v[3])));
      cells.clear();
    }
  }

  private record CellKey(int slice, int c, int kind, double value) {}
}
