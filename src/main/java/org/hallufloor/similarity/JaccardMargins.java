package org.hallufloor.similarity;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.sketch.BloomFilter;
import org.hallufloor.bound.LogitModel;
import org.hallufloor.bound.Margin;
import org.hallufloor.context.Cells;
import org.hallufloor.context.Groups;
import org.hallufloor.context.TokenizedDocs;

/**
 * THEORY 3's margin forms and THEORY 5's P_h under the jaccard kernel, for the join's query sets:
 * they need {@code E(y | q) = sum over training sets p with J(q, p) >= tau of J(q, p) n(p, y)}
 * for every next token y, per slice, where the join needs only its sum over y.
 *
 * <p>Looked-up lengths: the sum is linear in the counts, so it follows from the same subset
 * sums as the join's evidence ({@link ShapeLookup}), kept per next token: M(T, b, y) = the
 * training examples with next token y whose context's set has size b and holds the subset T.
 * Each query looks its subsets up, the sums over its t-subsets are taken per (t, b, y) as
 * integers, and {@link ShapeLookup.Neighbours} inverts them to E(y | q), the query itself
 * included (it is one of its training sets, with J = 1). Banded lengths: the buckets name the
 * pairs they count ({@link JaccardJoin#PAIRS}), each pair adds J times its set's facts, and the
 * query's own facts add with J = 1; pairs the banding misses are missing here as they are from
 * the evidence (the audit measures how many).
 *
 * <p>Every step is a Spark aggregation or join (they spill), by document group rather than
 * slice; the last walks one query at a time, holding per slice of it its E(y | q) (at most N_V
 * values) and its facts.
 */
public final class JaccardMargins {
  /** The scales {@code a = beta_S / T} of the run's (beta_S, T) pairs, by pair index, and N_V. */
  public record Params(long nVocab, double[] scales) implements Serializable {}

  /**
   * An example's fact: its context's sorted distinct ids (packed), the token that followed, its
   * document's group (context.Groups: the slices it counts in and whether it is held out), and
   * how many examples of that group have it. Kept per group, not per slice: a document is in
   * one group but several slices, and every sum below is linear, so slices are added up only
   * in the last walk.
   */
  static final StructType FACTS = new StructType()
      .add("c", DataTypes.IntegerType, false)
      .add("ids", DataTypes.BinaryType, false)
      .add("y", DataTypes.IntegerType, false)
      .add("grp", DataTypes.IntegerType, false)
      .add("n", DataTypes.LongType, false);

  /** A training fact under one of its set's subsets that some query looks up for sets of its size b. */
  static final StructType TRAINING = new StructType()
      .add("c", DataTypes.IntegerType, false)
      .add("t", DataTypes.BinaryType, false)
      .add("b", DataTypes.IntegerType, false)
      .add("grp", DataTypes.IntegerType, false)
      .add("y", DataTypes.IntegerType, false)
      .add("n", DataTypes.LongType, false);

  /** A query's look-up of one of its subsets (of {@code size} ids) for training sets of size b. */
  static final StructType LOOKUPS = new StructType()
      .add("c", DataTypes.IntegerType, false)
      .add("t", DataTypes.BinaryType, false)
      .add("b", DataTypes.IntegerType, false)
      .add("query", DataTypes.LongType, false)
      .add("a", DataTypes.IntegerType, false)
      .add("size", DataTypes.IntegerType, false);

  /**
   * What the last walk reads per query, sorted by (query, y): {@link #INFO} (y = -1, key = a
   * slice, n = the query's distinct training contexts there), {@link #E} (key = a training
   * group, value = E(y | q) from that group's examples) and {@link #FACT} (key = a group, n =
   * the query's examples there with next token y).
   */
  static final StructType TAGGED = new StructType()
      .add("query", DataTypes.LongType, false)
      .add("y", DataTypes.IntegerType, false)
      .add("tag", DataTypes.IntegerType, false)
      .add("key", DataTypes.IntegerType, false)
      .add("c", DataTypes.IntegerType, false)
      .add("n", DataTypes.LongType, false)
      .add("value", DataTypes.DoubleType, false);
  static final int INFO = 0;
  static final int E = 1;
  static final int FACT = 2;

  private JaccardMargins() {}

  /** {@link #FACTS} rows and the groups they are numbered by. */
  public record Facts(Dataset<Row> rows, Broadcast<Groups> groups) {}

  /**
   * The examples of the lengths {@code lengths} as {@link #FACTS}, counted and kept (on disk:
   * unpersist the rows when done); the groups' broadcast also goes to {@code owned}.
   */
  public static Facts facts(Dataset<Row> tokenized, Groups groups, List<Integer> lengths, List<Broadcast<?>> owned) {
    SparkSession spark = tokenized.sparkSession();
    Broadcast<Groups> shared = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(groups);
    owned.add(shared);
    List<Integer> kept = List.copyOf(lengths);
    StructType perExample = new StructType().add("c", DataTypes.IntegerType, false)
        .add("ids", DataTypes.BinaryType, false).add("y", DataTypes.IntegerType, false)
        .add("grp", DataTypes.IntegerType, false);
    Dataset<Row> examples = spark.createDataFrame(TokenizedDocs.of(tokenized).flatMap(doc -> {
      int group = shared.value().id(doc.slices(), doc.heldout());
      int[] ids = doc.ids();
      // Lazily, as ContextSets does: a long document would otherwise be millions of rows at once.
      return Concat.of(kept.iterator(), c -> java.util.stream.IntStream.range(c, ids.length)
          .mapToObj(i -> RowFactory.create(c, ContextSets.idSet(ids, i - c, c), ids[i], group)).iterator());
    }), perExample);
    // Counted now, before the join, and kept on disk: counted inside the join's last job, this
    // pass ran beside the sets' pass over the same documents, and on the hot corpus (one
    // document of 8 million tokens) at 1 GB the two copies of that document ran the heap out.
    Dataset<Row> counted = examples.groupBy("c", "ids", "y", "grp").agg(sum(lit(1L)).as("n"))
        .persist(org.apache.spark.storage.StorageLevel.DISK_ONLY());
    counted.count();
    return new Facts(counted, shared);
  }

  /** The (c, subset, b) keys a query set looks up: subsets of at least the least intersection with a set of size b. */
  static void lookups(ContextSet q, double tau, LookupSink sink) {
    int a = q.ids.length;
    for (byte[] t : ShapeLookup.subsets(q.ids, ShapeLookup.floor(a, q.c, tau))) {
      int size = t.length / 4;
      for (int b = 1; b <= q.c; b++) {
        int least = ShapeLookup.minShared(a, b, tau);
        if (least > 0 && size >= least) {
          sink.accept(t, size, b);
        }
      }
    }
  }

  interface LookupSink {
    void accept(byte[] subset, int size, int b);
  }

  /** A (c, subset, b) key in the queries' Bloom filter. */
  static long key(int c, byte[] subset, int b) {
    return MinHash.mix(ShapeLookup.key(c, subset) + b);
  }

  /**
   * The margin and P_h cells ({@link Cells#SOFT}, before summing) of every query set of the
   * looked-up lengths, and of the banded ones where {@code pairs} are given: the same sets the
   * join queries (by hash at its sample rate), so the estimate scales them back as it does the
   * evidence cells.
   *
   * @param sets every distinct set, as the join keeps them (for each query's distinct training contexts)
   * @param examples {@link #facts} of every length the margins are for
   * @param owned gets the queries' Bloom filter's broadcast
   * @param bandedSums the banded lengths' {@link #E} rows from the buckets (J times the similar
   *     sets' training facts, per query, token and group), or null to leave those lengths out
   */
  static Dataset<Row> cells(SparkSession spark, JavaRDD<ContextSet> sets, Facts examples, JaccardJoin.Params p,
      Params mp, int partitions, List<Broadcast<?>> owned, Dataset<Row> bandedSums) {
    Dataset<Row> facts = examples.rows();
    Broadcast<Groups> groups = examples.groups();
    int maxLength = p.contextLengths().stream().filter(c -> !p.banded(c)).mapToInt(Integer::intValue).max().orElse(0);
    boolean banded = bandedSums != null;
    double rate = p.sampleRate();
    JavaRDD<ContextSet> queries = sets.filter(s -> (s.c <= maxLength || banded) && s.sampled(rate));
    List<Dataset<Row>> parts = new ArrayList<>();
    // A query's slices and, at banded lengths, its own training facts with J = 1 (the buckets sum
    // only other sets), which its set carries.
    parts.add(spark.createDataFrame(queries.flatMap(s -> {
      List<Row> out = new ArrayList<>();
      for (int i = 0; i < s.slices.length; i++) {
        out.add(RowFactory.create(s.hash, -1, INFO, s.slices[i], s.c, s.distinct[i], 0.0));
      }
      for (int i = 0; i < s.factKeys.length; i++) {
        out.add(RowFactory.create(s.hash, ContextSet.factToken(s.factKeys[i]), E, ContextSet.factGroup(s.factKeys[i]),
            s.c, 0L, (double) s.factCounts[i]));
      }
      return out.iterator();
    }), TAGGED));
    parts.add(facts.flatMap((FlatMapFunction<Row, Row>) r -> {
      int c = r.getInt(0);
      long hash = ContextSet.hash(c, ContextSet.bytesToInts(r.getAs(1)));
      if ((c > maxLength && !banded) || !ContextSet.sampled(hash, rate)) {
        return java.util.Collections.emptyIterator();
      }
      return List.of(RowFactory.create(hash, r.getInt(2), FACT, r.getInt(3), c, r.getLong(4), 0.0)).iterator();
    }, Encoders.row(TAGGED)));
    if (maxLength > 0) {
      parts.add(lookedUp(spark, queries.filter(s -> s.c <= maxLength), facts.filter(col("c").leq(maxLength)), groups,
          p.tau(), maxLength, owned));
    }
    if (banded) {
      parts.add(bandedSums);
    }
    Dataset<Row> all = parts.get(0);
    for (Dataset<Row> part : parts.subList(1, parts.size())) {
      all = all.union(part);
    }
    return all.repartition(partitions, col("query")).sortWithinPartitions("query", "y", "tag")
        .mapPartitions((MapPartitionsFunction<Row, Row>) rows -> new Walk(rows, groups.value(), mp),
            Encoders.row(Cells.SOFT));
  }

  /**
   * {@link #E} rows of looked-up lengths: per (query, group, token), from the subset sums kept
   * per token and inverted as the join's evidence is.
   */
  private static Dataset<Row> lookedUp(SparkSession spark, JavaRDD<ContextSet> queries, Dataset<Row> facts,
      Broadcast<Groups> groups, double tau, int maxLength, List<Broadcast<?>> owned) {
    // A query of size a looks a subset up only for the sizes b of training set it can be similar
    // to through it (at least their least intersection): with b in the key, a common id's subset
    // brings a query only the next tokens of sets that can be its neighbours, and a training set
    // sends a subset only for its own size.
    Broadcast<BloomFilter> wanted = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(queryKeys(queries, tau));
    owned.add(wanted);
    Dataset<Row> training = facts.flatMap((FlatMapFunction<Row, Row>) r -> {
      int group = r.getInt(3);
      if (groups.value().heldout(group)) {
        return java.util.Collections.emptyIterator();
      }
      int c = r.getInt(0);
      int[] ids = ContextSet.bytesToInts(r.getAs(1));
      int b = ids.length;
      List<Row> out = new ArrayList<>();
      for (byte[] t : ShapeLookup.subsets(ids, ShapeLookup.floor(b, c, tau))) {
        if (wanted.value().mightContainLong(key(c, t, b))) {
          out.add(RowFactory.create(c, t, b, group, r.getInt(2), r.getLong(4)));
        }
      }
      return out.iterator();
    }, Encoders.row(TRAINING));
    Dataset<Row> m = training.groupBy("c", "t", "b", "grp", "y").agg(sum("n").as("n"));
    Dataset<Row> lookups = spark.createDataFrame(queries.flatMap(q -> {
      List<Row> out = new ArrayList<>();
      lookups(q, tau, (t, size, b) -> out.add(RowFactory.create(q.c, t, b, q.hash, q.ids.length, size)));
      return out.iterator();
    }), LOOKUPS);
    // Per (query, group, y): the sums over the query's t-subsets of M(T, b, y), integers until inverted.
    List<Column> sums = new ArrayList<>();
    for (int t = 1; t <= maxLength; t++) {
      for (int b = 1; b <= maxLength; b++) {
        sums.add(sum(when(col("size").equalTo(t).and(col("b").equalTo(b)), col("n")).otherwise(0L))
            .as("m" + t + "_" + b));
      }
    }
    int width = maxLength;
    return lookups.join(m, new String[] {"c", "t", "b"})
        .groupBy("query", "grp", "y", "a", "c")
        .agg(sums.get(0), sums.subList(1, sums.size()).toArray(new Column[0]))
        .map((MapFunction<Row, Row>) r -> {
          int a = r.getInt(3);
          int c = r.getInt(4);
          ShapeLookup.Neighbours n = new ShapeLookup.Neighbours(a, c);
          for (int t = 1; t <= a; t++) {
            for (int b = 1; b <= c; b++) {
              n.add(t, b, r.getLong(5 + (t - 1) * width + (b - 1)), 0);
            }
          }
          // self = 0: the query's own training examples stay in, with J = 1, as E(y | X) counts them.
          return RowFactory.create(r.getLong(0), r.getInt(2), E, r.getInt(1), c, 0L, n.of(tau, 0)[0]);
        }, Encoders.row(TAGGED));
  }

  /** A Bloom filter (1%) of every (c, subset, b) key the queries look up. */
  private static BloomFilter queryKeys(JavaRDD<ContextSet> queries, double tau) {
    long expected = queries.map(q -> {
      long[] n = new long[1];
      lookups(q, tau, (t, size, b) -> n[0]++);
      return n[0];
    }).fold(0L, Long::sum);
    return JaccardJoin.bloom(queries, expected, (q, filter) -> lookups(q, tau, (t, size, b) -> filter.putLong(key(q.c, t, b))));
  }

  /**
   * The cells of one query after another, from {@link #TAGGED} rows sorted by (query, y): per
   * slice of the query, E(y | q) is the sum of its training groups' parts, gathered token by
   * token (at most N_V values a slice); the facts wait in their slice's list until the query's
   * last token is in, then each is scored against the whole softmax.
   */
  static final class Walk implements Iterator<Row> {
    private final Iterator<Row> rows;
    private final Groups groups;
    private final Params params;
    private final List<Row> ready = new ArrayList<>();
    private int readyAt;
    private Row pending;

    Walk(Iterator<Row> rows, Groups groups, Params params) {
      this.rows = rows;
      this.groups = groups;
      this.params = params;
      this.pending = rows.hasNext() ? rows.next() : null;
    }

    @Override
    public boolean hasNext() {
      while (readyAt == ready.size() && pending != null) {
        ready.clear();
        readyAt = 0;
        walkOne();
      }
      return readyAt < ready.size();
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return ready.get(readyAt++);
    }

    /** Reads the pending row's query and leaves its cells in {@code ready}. */
    private void walkOne() {
      long query = pending.getLong(0);
      int c = pending.getInt(4);
      java.util.TreeMap<Integer, SliceState> slices = new java.util.TreeMap<>();
      java.util.TreeMap<Integer, Double> tokenParts = new java.util.TreeMap<>();
      int y = Integer.MIN_VALUE;
      while (pending != null && pending.getLong(0) == query) {
        Row r = pending;
        if (r.getInt(1) != y) {
          appendToken(slices, tokenParts, y);
          y = r.getInt(1);
        }
        int key = r.getInt(3);
        switch (r.getInt(2)) {
          case INFO -> slices.computeIfAbsent(key, k -> new SliceState()).distinct += r.getLong(5);
          case E -> {
            for (int slice : groups.slices(key)) {
              tokenParts.merge(slice, r.getDouble(6), Double::sum);
            }
          }
          default -> {
            boolean heldout = groups.heldout(key);
            for (int slice : groups.slices(key)) {
              slices.computeIfAbsent(slice, k -> new SliceState()).addFact(y, r.getLong(5), heldout);
            }
          }
        }
        pending = rows.hasNext() ? rows.next() : null;
      }
      appendToken(slices, tokenParts, y);
      slices.forEach((slice, state) -> state.cells(slice, c, params, ready));
    }

    /** Token y's E(y | q) per slice, summed over the slice's groups, appended to each slice's vector. */
    private static void appendToken(java.util.Map<Integer, SliceState> slices, java.util.Map<Integer, Double> parts, int y) {
      // Only the query's own slices (its INFO rows come first): a neighbour's other slices are not read.
      parts.forEach((slice, e) -> {
        SliceState state = slices.get(slice);
        if (state != null) {
          state.addEvidence(y, e);
        }
      });
      parts.clear();
    }
  }

  /** One query's E(y | q) in one slice (tokens ascending) and its facts there, until the query is read. */
  private static final class SliceState {
    long distinct;
    int[] ys = new int[8];
    double[] es = new double[8];
    int size;
    int[] factYs = new int[4];
    long[] factCounts = new long[4];
    boolean[] factHeldout = new boolean[4];
    int facts;

    void addEvidence(int y, double e) {
      if (size == ys.length) {
        ys = Arrays.copyOf(ys, 2 * size);
        es = Arrays.copyOf(es, 2 * size);
      }
      ys[size] = y;
      es[size++] = e;
    }

    void addFact(int y, long n, boolean heldout) {
      if (facts == factYs.length) {
        factYs = Arrays.copyOf(factYs, 2 * facts);
        factCounts = Arrays.copyOf(factCounts, 2 * facts);
        factHeldout = Arrays.copyOf(factHeldout, 2 * facts);
      }
      factYs[facts] = y;
      factCounts[facts] = n;
      factHeldout[facts++] = heldout;
    }

    /** THEORY 3's gaps and THEORY 5's P_h of the slice's facts, as cells into {@code out}. */
    void cells(int slice, int c, Params params, List<Row> out) {
      int argmax = -1;
      double top1 = 0;
      double top2 = 0;
      for (int i = 0; i < size; i++) {
        if (argmax < 0 || es[i] > top1) {
          top2 = argmax < 0 ? 0 : top1;
          top1 = es[i];
          argmax = i;
        } else if (es[i] > top2) {
          top2 = es[i];
        }
      }
      double[] scales = params.scales();
      LogitModel[] models = new LogitModel[scales.length];
      for (int s = 0; s < scales.length; s++) {
        models[s] = new LogitModel(es, size, argmax, params.nVocab(), scales[s]);
      }
      long train = 0;
      long heldout = 0;
      double[] phTrain = new double[scales.length];
      double[] phHeldout = new double[scales.length];
      for (int k = 0; k < facts; k++) {
        int at = Arrays.binarySearch(ys, 0, size, factYs[k]);
        int f = at >= 0 ? at : -1;
        long n = factCounts[k];
        if (!factHeldout[k] && f < 0) {
          throw new IllegalStateException("jaccard margins: a training token " + factYs[k]
              + " with no evidence after its own set in slice " + slice);
        }
        double[] sums = factHeldout[k] ? phHeldout : phTrain;
        for (int s = 0; s < models.length; s++) {
          sums[s] += n * models[s].hallucination(f);
        }
        if (factHeldout[k]) {
          heldout += n;
          double gap = Margin.heldout(f < 0 ? 0 : es[f], f >= 0 && f == argmax, top1, top2);
          out.add(RowFactory.create(slice, c, Cells.HELDOUT_GAP_KIND, Cells.roundUpSum(gap), 0L, 0L, n, 0.0));
        } else {
          train += n;
        }
      }
      if (train > 0) {
        out.add(RowFactory.create(slice, c, Cells.GAP_KIND, Cells.roundUpSum(Margin.inSample(top1, top2)), distinct, train, 0L,
            0.0));
        for (int s = 0; s < scales.length; s++) {
          out.add(RowFactory.create(slice, c, Cells.PH_INSAMPLE_KIND, (double) s, 0L, 0L, 0L, phTrain[s]));
        }
      }
      if (heldout > 0) {
        for (int s = 0; s < scales.length; s++) {
          out.add(RowFactory.create(slice, c, Cells.PH_HELDOUT_KIND, (double) s, 0L, 0L, 0L, phHeldout[s]));
        }
      }
    }
  }
}
