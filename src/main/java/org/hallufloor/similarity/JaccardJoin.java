package org.hallufloor.similarity;

import static org.apache.spark.sql.functions.col;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
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
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.sketch.BloomFilter;
import org.hallufloor.context.Cells;
import scala.Tuple2;

/**
 * The sampled similarity join of THEORY 4 for the jaccard kernel: for a sample of query sets
 * (by hash, at {@code sampleRate}), every training set with Jaccard similarity at least tau is
 * found and folded into the query's evidence per slice. Short contexts are joined exactly by
 * {@link ShapeLookup}; longer ones through banded MinHash LSH, each candidate verified with the
 * exact Jaccard. Each run also joins a small audit sample by brute force, so the LSH join's
 * recall is measured, not assumed.
 *
 * <p>No bucket is capped: one of more than {@code bucketCap} training sets is joined through a
 * {@link PrefixIndex}, which examines fewer pairs and misses none. A similar pair that shares
 * several bands adds to the evidence only in the first one. Training sets enter a bucket (or
 * the lookups) only when a Bloom filter of the queries' keys says a query may need them, so at
 * small sample rates most of the corpus never crosses the shuffle.
 */
public final class JaccardJoin {
  /** Cells: {@link Cells#SOFT}. */
  public static final StructType CELLS = Cells.SOFT;

  /** value = Evid(X) (rounded up to 10 significant bits); contexts, occurrences, held-out examples with it. */
  public static final int EVIDENCE = Cells.EVIDENCE_KIND;
  /** value = index into {@link #SBAR_SUMS}, amount = that sum over the slice's sampled sets. */
  public static final int SBAR = Cells.JOIN_KINDS;
  /** value = index into {@link #JOIN_COUNTS}, amount = that count over the slice's sampled sets. */
  public static final int JOIN = Cells.JOIN_KINDS + 1;

  /**
   * Per sampled set of a slice, x = its training examples, y = its distinct training contexts
   * times their evidence, y_self = the part of y from the set itself: Sbar = sum y / sum x.
   */
  public static final List<String> SBAR_SUMS = List.of("x", "xx", "y", "yy", "xy", "y_self");
  public static final List<String> JOIN_COUNTS = List.of("query_sets", "query_contexts", "candidate_pairs",
      "verified_pairs", "audit_queries", "audit_pairs", "audit_found", "audit_found_not_true",
      "audit_weight", "audit_weight_found", "audit_weight_squares");
  private static final int QUERY_SETS = JOIN_COUNTS.indexOf("query_sets");
  private static final int QUERY_CONTEXTS = JOIN_COUNTS.indexOf("query_contexts");
  private static final int CANDIDATE_PAIRS = JOIN_COUNTS.indexOf("candidate_pairs");
  private static final int VERIFIED_PAIRS = JOIN_COUNTS.indexOf("verified_pairs");
  private static final int AUDIT_QUERIES = JOIN_COUNTS.indexOf("audit_queries");
  private static final int AUDIT_PAIRS = JOIN_COUNTS.indexOf("audit_pairs");
  private static final int AUDIT_FOUND = JOIN_COUNTS.indexOf("audit_found");
  private static final int AUDIT_FOUND_NOT_TRUE = JOIN_COUNTS.indexOf("audit_found_not_true");
  private static final int AUDIT_WEIGHT = JOIN_COUNTS.indexOf("audit_weight");
  private static final int AUDIT_WEIGHT_FOUND = JOIN_COUNTS.indexOf("audit_weight_found");
  private static final int AUDIT_WEIGHT_SQUARES = JOIN_COUNTS.indexOf("audit_weight_squares");

  /**
   * @param auditQueries audit queries per context length, joined by brute force
   * @param bucketCap a bucket with more training sets is joined through its prefix index
   * @param lookupMaxLength context lengths up to this one are joined exactly by {@link ShapeLookup}, not banded
   */
  public record Params(double tau, int bands, int rows, double sampleRate, int auditQueries, int bucketCap,
      List<Integer> contextLengths, int lookupMaxLength) implements Serializable {
    /** Whether sets of context length c go through the banded join. */
    public boolean banded(int c) {
      return c > lookupMaxLength;
    }
  }

  /**
   * The cells (kept on the executors, never collected: their number grows with the slices) and
   * what the join took: its wall time. {@link #release()} once the
   * cells are read: a lost cached block is recomputed from the join's lineage, which needs the
   * kept sets and the broadcasts until then.
   */
  public record Result(Dataset<Row> cells, double seconds, List<Broadcast<?>> broadcasts,
      List<Runnable> unpersist) {
    public void release() {
      unpersist.forEach(Runnable::run);
      broadcasts.forEach(Broadcast::destroy);
    }
  }

  private JaccardJoin() {}

  /**
   * Bucket members: the band key, band, whether the set is a query, and what a bucket needs of
   * the set (c, hash, ids, and training counts per slice).
   */
  static final StructType MEMBERS = new StructType()
      .add("key", DataTypes.LongType, false)
      .add("band", DataTypes.IntegerType, false)
      .add("is_query", DataTypes.BooleanType, false)
      .add("c", DataTypes.IntegerType, false)
      .add("hash", DataTypes.LongType, false)
      .add("data", DataTypes.BinaryType, false);

  /** What the margins and P_h of the looked-up lengths need: {@link JaccardMargins#facts} and the model's scales. */
  public record Margins(JaccardMargins.Facts facts, JaccardMargins.Params params) {}

  /** The join alone: no margin or P_h cells. */
  public static Result evidence(SparkSession spark, Dataset<Row> sets, Params p) {
    return evidence(spark, sets, p, null);
  }

  /**
   * @param sets rows of {@link ContextSet#SCHEMA} (ContextSets.of); with margins, the banded
   *     lengths' sets carry their training facts (its {@code factLengths})
   * @param margins where given, the cells also hold the margin forms and P_h of the looked-up lengths
   */
  public static Result evidence(SparkSession spark, Dataset<Row> sets, Params p, Margins margins) {
    long started = System.nanoTime();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    // Scanned several times below (counts, audit, Bloom filter, members, selves): kept packed, one
    // array a set, and decoded on each scan. Kept as objects (seven a set), a million sets held
    // about 300 MB of a 1 GB heap through the whole join (JVM class histograms), beside the
    // tasks' own memory. Not Spark's columnar cache: a cached plan keeps its 200 shuffle
    // partitions (adaptive execution may not coalesce it), which made the join 1.5x slower.
    JavaRDD<byte[]> cached = sets.javaRDD().map(r -> ContextSet.pack(r, 0)).persist(StorageLevel.MEMORY_AND_DISK());
    JavaRDD<ContextSet> kept = cached.map(ContextSet::unpack);
    List<Broadcast<?>> used = new ArrayList<>();
    boolean returned = false;
    List<Runnable> release = new ArrayList<>(List.of(() -> cached.unpersist(false)));
    if (margins != null) {
      release.add(() -> margins.facts().rows().unpersist(false));
    }
    try {
      // One pass counts the sets per length (for the audit rate) and the query sets (for the Bloom filter).
      Map<Integer, Double> auditRates = new HashMap<>();
      Map<Integer, Long> perLength = new HashMap<>();
      MinHash minHash = new MinHash(p.bands(), p.rows());
      long queryKeyCount = 0;
      for (Map.Entry<Long, Long> e : kept.map(s -> 2L * s.c + (s.sampled(p.sampleRate()) ? 1 : 0)).countByValue()
          .entrySet()) {
        int c = (int) (e.getKey() / 2);
        perLength.merge(c, e.getValue(), Long::sum);
        // A query's keys: one per band, or one per subset it looks up (at most 2^c).
        queryKeyCount += e.getKey() % 2 == 1 ? e.getValue() * (p.banded(c) ? p.bands() : (1L << c) - 1) : 0;
      }
      long total = perLength.values().stream().mapToLong(Long::longValue).sum();
      for (int c : p.contextLengths()) {
        long n = perLength.getOrDefault(c, 0L);
        auditRates.put(c, n == 0 ? 0 : Math.min(p.sampleRate(), (double) p.auditQueries() / n));
      }
      int partitions = (int) Math.max(2L * jsc.defaultParallelism(), Math.min(100_000, total * p.bands() / 2_000_000));
      // The audit queries are few (about auditQueries per length) and go out as their ids alone;
      // their similar sets are not few, so those stay on the executors and meet their query in
      // the cells' shuffle.
      Broadcast<List<ContextSet>> audited = jsc.broadcast(kept.filter(s -> s.sampled(auditRates.get(s.c)))
          .map(ContextSet::forAudit).collect());
      Broadcast<Map<Integer, Double>> audit = jsc.broadcast(auditRates);
      Broadcast<BloomFilter> queryKeys = jsc.broadcast(queryKeys(kept, queryKeyCount, minHash, p));
      used.addAll(List.of(audited, audit, queryKeys));

      JavaRDD<Row> memberRows = kept.flatMap(s -> {
        List<Row> out = new ArrayList<>();
        boolean query = s.sampled(p.sampleRate());
        if (p.banded(s.c) && (query || s.inPool())) {
          long[] keys = new long[minHash.bands()];
          for (int band = 0; band < keys.length; band++) {
            keys[band] = minHash.bandKey(s.c, s.ids, band);
          }
          byte[] data = null;
          for (int band = 0; band < keys.length; band++) {
            if (query || queryKeys.value().mightContainLong(keys[band])) {
              if (data == null) {
                data = s.forBuckets().toBytes();
              }
              out.add(RowFactory.create(keys[band], band, query, s.c, s.hash, data));
            }
          }
        }
        return out.iterator();
      });
      // The margins of banded lengths need J times each similar set's facts per query: the buckets
      // sum them into margin rows beside the partials, and both are kept once, as both are read.
      boolean sumMargins = margins != null && p.contextLengths().stream().anyMatch(p::banded);
      Dataset<Row> fromBuckets = spark.createDataFrame(memberRows, MEMBERS)
          .repartition(partitions, col("key")).sortWithinPartitions("key")
          .mapPartitions((MapPartitionsFunction<Row, Row>) rows -> Concat.of(new SortedRuns(rows, 0),
              members -> bucket(members, minHash, p, audit.value(), sumMargins)), Encoders.row(Partial.SCHEMA));
      Dataset<Row> marginRows = null;
      if (sumMargins) {
        Dataset<Row> bucketRows = fromBuckets.persist(StorageLevel.MEMORY_AND_DISK());
        release.add(bucketRows::unpersist);
        Column isMarginRow = org.apache.spark.sql.functions.length(col("found_j")).gt(0);
        marginRows = bucketRows.filter(isMarginRow);
        fromBuckets = bucketRows.filter(org.apache.spark.sql.functions.not(isMarginRow));
      }
      Dataset<Row> selves = spark.createDataFrame(kept.filter(s -> s.sampled(p.sampleRate()))
          .map(s -> Partial.self(s).toRow(s.hash)), Partial.SCHEMA);
      JavaRDD<Row> partials = fromBuckets.union(selves)
          .union(ShapeLookup.partials(spark, kept, p, partitions, queryKeys))
          .repartition(partitions, col("query"))
          .sortWithinPartitions("query").javaRDD();
      // Partitioned by the same expression into as many partitions (a repartition to a number,
      // which adaptive execution leaves as it is), so partition i of both holds the same queries.
      JavaRDD<Row> truth = spark.createDataFrame(truePairs(kept, audited, p)
              .map(t -> RowFactory.create(t._1(), t._2().hash(), t._2().toBytes())), TRUTH)
          .repartition(partitions, col("query"))
          .sortWithinPartitions("query", "hash").javaRDD();
      Dataset<Row> partialCells = spark.createDataFrame(partials.zipPartitions(truth, (rows, similar) ->
          cells(merged(new SortedRuns(rows, 0)), audit.value(), new TruthRuns(similar))), CELLS);
      if (margins != null) {
        partialCells = partialCells.union(JaccardMargins.cells(spark, kept, margins.facts(), p, margins.params(),
            partitions, used, sumMargins ? marginSums(marginRows) : null));
      }
      Dataset<Row> summed = Cells.sum(partialCells).persist(StorageLevel.MEMORY_AND_DISK());
      // Counting computes every cell once (the join's time) and keeps them.
      summed.count();
      double seconds = (System.nanoTime() - started) / 1e9;
      returned = true;
      release.add(0, () -> summed.unpersist(false));
      return new Result(summed, seconds, List.copyOf(used), List.copyOf(release));
    } finally {
      if (!returned) {
        release.forEach(Runnable::run);
        used.forEach(Broadcast::destroy);
      }
    }
  }

  /**
   * The buckets' margin rows ({@code sumMargins}) as the margins' walk reads them ({@link
   * JaccardMargins#TAGGED}): one {@link JaccardMargins#E} row per (query, next token, training
   * group) a bucket summed, J times the similar sets' facts. A query's sums from several buckets
   * stay separate rows; the walk adds them.
   */
  private static Dataset<Row> marginSums(Dataset<Row> marginRows) {
    return marginRows.flatMap((org.apache.spark.api.java.function.FlatMapFunction<Row, Row>) r -> {
      long[] keys = ContextSet.bytesToLongs((byte[]) r.get(Partial.SCHEMA.fieldIndex("found")));
      double[] sums = ContextSet.bytesToDoubles((byte[]) r.get(Partial.SCHEMA.fieldIndex("found_j")));
      int c = r.getInt(Partial.SCHEMA.fieldIndex("c"));
      List<Row> out = new ArrayList<>(keys.length);
      for (int i = 0; i < keys.length; i++) {
        out.add(RowFactory.create(r.getLong(0), ContextSet.factToken(keys[i]), JaccardMargins.E,
            ContextSet.factGroup(keys[i]), c, 0L, sums[i]));
      }
      return out.iterator();
    }, Encoders.row(JaccardMargins.TAGGED));
  }

  /** Each query's partials, merged into one. */
  private static Iterator<Partial> merged(SortedRuns runs) {
    return runs.map(run -> {
      Partial merged = new Partial();
      for (Row r : run) {
        merged.merge(Partial.of(r));
      }
      return merged;
    });
  }


  /** A set in one band's bucket. */
  record Member(int band, ContextSet set, boolean query) {}

  /**
   * (Token, group) sums a margin row of the buckets' output holds at most, and a query's sums a
   * bucket holds before writing them: rows and memory stay small however many sets one query meets.
   */
  static final int MARGIN_CHUNK = 1024;

  /**
   * One bucket's pairs, a query at a time: each query against the bucket's training sets, or
   * over {@code bucketCap} of them, against those its prefix index names. A similar pair counts
   * only in the first band the two share: the earlier bands' keys are computed once per member
   * of this bucket, and only for members of a similar pair, so members carry no signature. Any
   * pair is counted as a candidate in every band it shares. Each query gives its partial (with
   * the sets found, for an audited query's recall) and, with {@code sumMargins}, margin rows:
   * partial-shaped rows whose {@code found} and {@code found_j} hold up to {@link #MARGIN_CHUNK}
   * (next token, group) keys ({@link ContextSet#factKey}) and their sums of J times the counted
   * sets' training facts (the margins' input, {@link #marginSums}); only margin rows have a
   * non-empty {@code found_j}.
   */
  static Iterator<Row> bucket(List<Row> rows, MinHash minHash, Params p, Map<Integer, Double> auditRates,
      boolean sumMargins) {
    List<Member> queries = new ArrayList<>();
    List<Member> pool = new ArrayList<>();
    for (Row r : rows) {
      Member m = new Member(r.getInt(1), ContextSet.of(r, 3), r.getBoolean(2));
      if (m.query()) {
        queries.add(m);
      }
      if (m.set().inPool()) {
        if (sumMargins && m.set().factKeys.length == 0) {
          throw new IllegalStateException("a training set of length " + m.set().c + " carries no facts: the margins of"
              + " banded lengths need the sets built with those lengths as ContextSets.of's factLengths");
        }
        pool.add(m);
      }
    }
    if (queries.isEmpty()) {
      return java.util.Collections.emptyIterator();
    }
    int band = queries.get(0).band();
    List<ContextSet> sets = new ArrayList<>(pool.size());
    pool.forEach(m -> sets.add(m.set()));
    PrefixIndex index = sets.size() > p.bucketCap() ? new PrefixIndex(sets, p.tau()) : null;
    int[] everyone = index == null ? java.util.stream.IntStream.range(0, sets.size()).toArray() : null;
    // Keys of the bands before this one, per set: computed once per bucket (by position: JFR found an
    // identity map's lookups at a tenth of the join), only for sets in a similar pair.
    long[][] earlier = new long[sets.size()][];
    // One map per bucket, emptied by each query in turn (a margin row copies what it holds).
    Map<Long, double[]> sums = sumMargins ? new HashMap<>() : null;
    return Concat.of(queries.iterator(), qm -> {
      List<Row> out = new ArrayList<>();
      ContextSet q = qm.set();
      long[] queryEarlier = null;
      Partial partial = new Partial();
      boolean audited = q.sampled(auditRates.get(q.c));
      // Grown by doubling: one array copy per found set made an audited query of a large
      // bucket quadratic in its similar sets.
      long[] found = audited ? new long[16] : null;
      int foundCount = 0;
      for (int at : index == null ? everyone : index.candidates(q.ids)) {
        ContextSet s = sets.get(at);
        if (s.hash == q.hash) {
          continue;
        }
        partial.candidates++;
        double j = MinHash.jaccard(q.ids, s.ids);
        if (j < p.tau()) {
          continue;
        }
        queryEarlier = queryEarlier == null ? earlierKeys(q, band, minHash) : queryEarlier;
        earlier[at] = earlier[at] == null ? earlierKeys(s, band, minHash) : earlier[at];
        if (!sharedBefore(queryEarlier, earlier[at])) {
          partial.verified++;
          partial.add(s.slices, s.train, j);
          if (audited) {
            found = foundCount == found.length ? java.util.Arrays.copyOf(found, 2 * foundCount) : found;
            found[foundCount++] = s.hash;
          }
          if (sumMargins) {
            // Written out as soon as it is full, within a set too: a long context repeated
            // across many documents brings a fact per group.
            for (int f = 0; f < s.factKeys.length; f++) {
              sums.computeIfAbsent(s.factKeys[f], k -> new double[1])[0] += j * s.factCounts[f];
              if (sums.size() == MARGIN_CHUNK) {
                out.add(marginRow(q, sums));
              }
            }
          }
        }
      }
      if (sumMargins && !sums.isEmpty()) {
        out.add(marginRow(q, sums));
      }
      if (audited) {
        partial.found = java.util.Arrays.copyOf(found, foundCount);
      }
      if (partial.candidates > 0) {
        out.add(partial.toRow(q.hash));
      }
      return out.iterator();
    });
  }

  /** A margin row of the query's sums so far, which it empties. */
  private static Row marginRow(ContextSet query, Map<Long, double[]> sums) {
    long[] keys = new long[sums.size()];
    double[] values = new double[keys.length];
    int n = 0;
    for (Map.Entry<Long, double[]> e : sums.entrySet()) {
      keys[n] = e.getKey();
      values[n++] = e.getValue()[0];
    }
    sums.clear();
    return RowFactory.create(query.hash, 0L, 0L, new byte[0], ContextSet.longsToBytes(keys), query.c, null, null,
        false, ContextSet.doublesToBytes(values));
  }

  private static long[] earlierKeys(ContextSet s, int band, MinHash minHash) {
    long[] keys = new long[band];
    for (int b = 0; b < band; b++) {
      keys[b] = minHash.bandKey(s.c, s.ids, b);
    }
    return keys;
  }

  private static boolean sharedBefore(long[] a, long[] b) {
    for (int i = 0; i < a.length; i++) {
      if (a[i] == b[i]) {
        return true;
      }
    }
    return false;
  }

  /**
   * A Bloom filter (1% false positives) of every key of every query set: its band keys, or the
   * subsets it looks up. Each task's filter is sized for all keys, so they are built in a few
   * tasks only and merged along a tree.
   */
  private static BloomFilter queryKeys(JavaRDD<ContextSet> sets, long expected, MinHash minHash, Params p) {
    return bloom(sets.filter(s -> s.sampled(p.sampleRate())), expected, (s, filter) -> {
      if (p.banded(s.c)) {
        for (int band = 0; band < minHash.bands(); band++) {
          filter.putLong(minHash.bandKey(s.c, s.ids, band));
        }
      } else {
        for (byte[] t : ShapeLookup.subsets(s.ids, ShapeLookup.floor(s.ids.length, s.c, p.tau()))) {
          filter.putLong(ShapeLookup.key(s.c, t));
        }
      }
    });
  }

  /**
   * A Bloom filter (1%) of the keys {@code put} gives each query. Each task's filter is sized
   * for all {@code expected} keys, so they are built in a few tasks only and merged along a tree.
   */
  static BloomFilter bloom(JavaRDD<ContextSet> queries, long expected,
      org.apache.spark.api.java.function.VoidFunction2<ContextSet, BloomFilter> put) {
    int builders = Math.max(1, Math.min(16, queries.context().defaultParallelism()));
    return queries.coalesce(builders).mapPartitions(it -> {
      BloomFilter filter = BloomFilter.create(Math.max(1, expected), 0.01);
      while (it.hasNext()) {
        put.call(it.next(), filter);
      }
      return List.of(filter).iterator();
    }).treeReduce(BloomFilter::mergeInPlace);
  }

  /** A training set similar to an audit query: its hash, J with the query, and its training counts per slice. */
  record Neighbour(long hash, double jaccard, int[] slices, long[] train) implements Serializable {
    /** Its training examples in a slice: its weight in the query's evidence there is that times J. */
    long train(int slice) {
      int i = java.util.Arrays.binarySearch(slices, slice);
      return i >= 0 ? train[i] : 0;
    }

    byte[] toBytes() {
      ByteBuffer b = ByteBuffer.allocate(8 + 4 + slices.length * 12);
      b.putDouble(jaccard).putInt(slices.length);
      for (int i = 0; i < slices.length; i++) {
        b.putInt(slices[i]).putLong(train[i]);
      }
      return b.array();
    }

    /**
     * Decoded with its counts in the query's slices only ({@code keep}, sorted): the only ones its
     * weight is read in, so a set common to a million slices costs a rare query a few entries.
     */
    static Neighbour of(long hash, byte[] bytes, int[] keep) {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      double jaccard = b.getDouble();
      int n = b.getInt();
      int[] slices = new int[Math.min(n, keep.length)];
      long[] train = new long[slices.length];
      int kept = 0;
      for (int i = 0; i < n; i++) {
        int slice = b.getInt();
        long count = b.getLong();
        if (java.util.Arrays.binarySearch(keep, slice) >= 0) {
          slices[kept] = slice;
          train[kept++] = count;
        }
      }
      return new Neighbour(hash, jaccard, java.util.Arrays.copyOf(slices, kept), java.util.Arrays.copyOf(train, kept));
    }
  }

  /** An audit query's similar training set, from {@link #truePairs}: its hash and {@link Neighbour#toBytes}. */
  static final StructType TRUTH = new StructType()
      .add("query", DataTypes.LongType, false)
      .add("hash", DataTypes.LongType, false)
      .add("data", DataTypes.BinaryType, false);

  /**
   * The audit's similar sets of one partition, sorted by (query, hash), walked beside the cells'
   * walk over the same partition's queries in the same order, one similar set at a time: a query
   * of a common id can have millions of them, and none is held.
   */
  static final class TruthRuns {
    private final Iterator<Row> rows;
    private Row pending;

    TruthRuns(Iterator<Row> rows) {
      this.rows = rows;
      this.pending = rows.hasNext() ? rows.next() : null;
    }

    /**
     * Hands each similar set of audit query {@code query} (none if it has none) to {@code visit},
     * once, in hash order, with its counts in the query's {@code slices}; queries asked for in
     * ascending order.
     */
    void forEach(long query, int[] slices, java.util.function.Consumer<Neighbour> visit) {
      if (pending != null && pending.getLong(0) < query) {
        throw orphan();
      }
      boolean any = false;
      long last = 0;
      while (pending != null && pending.getLong(0) == query) {
        long hash = pending.getLong(1);
        if (!any || hash != last) {
          visit.accept(Neighbour.of(hash, pending.getAs(2), slices));
          any = true;
          last = hash;
        }
        pending = rows.hasNext() ? rows.next() : null;
      }
    }

    /** Called when the partition's queries are done: a similar set left over belongs to no query here. */
    void assertDone() {
      if (pending != null) {
        throw orphan();
      }
    }

    private IllegalStateException orphan() {
      return new IllegalStateException("the audit's similar sets of query " + pending.getLong(0)
          + " met no partial of that query in their partition: the two shuffles are not partitioned alike");
    }
  }

  /**
   * Every training set similar to an audit query, exactly and without hashing: each task
   * indexes the audit queries of each length by their prefixes ({@link PrefixIndex}, which
   * loses no pair with J >= tau) and looks every training set up in it; a set made of ids no
   * query holds meets none. Returns (audit query's hash, a similar set other than itself), on the
   * executors: their number grows with the corpus.
   */
  static JavaRDD<Tuple2<Long, Neighbour>> truePairs(JavaRDD<ContextSet> sets, Broadcast<List<ContextSet>> audited,
      Params p) {
    return sets.filter(ContextSet::inPool).mapPartitions(pool -> {
      Map<Integer, List<ContextSet>> byLength = new HashMap<>();
      for (ContextSet q : audited.value()) {
        byLength.computeIfAbsent(q.c, k -> new ArrayList<>()).add(q);
      }
      Map<Integer, PrefixIndex> indexes = new HashMap<>();
      byLength.forEach((c, queries) -> indexes.put(c, new PrefixIndex(queries, p.tau())));
      return Concat.of(pool, s -> {
        List<Tuple2<Long, Neighbour>> out = new ArrayList<>();
        PrefixIndex index = indexes.get(s.c);
        for (int i : index == null ? new int[0] : index.candidates(s.ids)) {
          ContextSet q = byLength.get(s.c).get(i);
          double j = q.hash != s.hash ? MinHash.jaccard(q.ids, s.ids) : 0;
          if (j >= p.tau()) {
            out.add(new Tuple2<>(q.hash, new Neighbour(s.hash, j, s.slices, s.train)));
          }
        }
        return out.iterator();
      });
    });
  }

  /**
   * One audit query's similar sets folded in as they stream by: how many, how many the join
   * found, and per slice of the query their weight {@code distinct x J x n_slice(p)}, all and
   * found, and its squares (those two straight into the slice's sums, pair by pair).
   */
  private static final class AuditWalk implements java.util.function.Consumer<Neighbour> {
    private final ContextSet set;
    /** The sets the join found for the query, sorted; null for a lookup, which names none. */
    private final long[] found;
    private final double[][] sliceSums;
    private final int nSbar;
    final double[] weight;
    long pairs;
    long foundTrue;

    AuditWalk(ContextSet set, long[] found, double[][] sliceSums, int nSbar) {
      this.set = set;
      this.found = found == null ? null : found.clone();
      if (this.found != null) {
        java.util.Arrays.sort(this.found);
      }
      this.sliceSums = sliceSums;
      this.nSbar = nSbar;
      this.weight = new double[set.slices.length];
    }

    @Override
    public void accept(Neighbour n) {
      long times = found == null ? 0 : occurrences(found, n.hash());
      boolean isFound = times > 0;
      pairs++;
      foundTrue += times;
      for (int i = 0; i < weight.length; i++) {
        double w = set.distinct[i] * n.jaccard() * n.train(set.slices[i]);
        weight[i] += w;
        sliceSums[i][nSbar + AUDIT_WEIGHT_FOUND] += isFound ? w : 0;
        sliceSums[i][nSbar + AUDIT_WEIGHT_SQUARES] += w * w;
      }
    }

    private static long occurrences(long[] sorted, long v) {
      int at = java.util.Arrays.binarySearch(sorted, v);
      if (at < 0) {
        return 0;
      }
      int lo = at;
      int hi = at;
      while (lo > 0 && sorted[lo - 1] == v) {
        lo--;
      }
      while (hi < sorted.length - 1 && sorted[hi + 1] == v) {
        hi++;
      }
      return hi - lo + 1;
    }
  }

  /** Values a task's cells may hold before it hands them on as partial sums (they are added up after the shuffle). */
  static final int FLUSH_CELLS = 1 << 18;

  /**
   * Each query's evidence per slice, its Sbar terms and its join counts, summed into cells within
   * the task: evidence cells by (slice, c, value), the Sbar and join sums in one array per (slice, c).
   * They are handed on whenever they pass {@link #FLUSH_CELLS} values: with a slice value per
   * document, the (slice, c) a task meets grow with the corpus.
   */
  static Iterator<Row> cells(Iterator<Partial> queries, Map<Integer, Double> auditRates, TruthRuns truth) {
    Map<List<Object>, double[]> evidenceCells = new HashMap<>();
    Map<Long, double[]> sums = new HashMap<>();
    int width = SBAR_SUMS.size() + JOIN_COUNTS.size();
    Iterator<Integer> batches = new Iterator<>() {
      private boolean done;

      @Override
      public boolean hasNext() {
        return !done;
      }

      @Override
      public Integer next() {
        while (queries.hasNext() && evidenceCells.size() + (long) sums.size() * width < FLUSH_CELLS) {
          fold(queries.next(), auditRates, truth, evidenceCells, sums);
        }
        if (!queries.hasNext()) {
          truth.assertDone();
          done = true;
        }
        return 0;
      }
    };
    return Concat.of(batches, b -> drain(evidenceCells, sums));
  }

  /** One query's cells and sums, added to the task's. */
  private static void fold(Partial q, Map<Integer, Double> auditRates, TruthRuns truth,
      Map<List<Object>, double[]> evidenceCells, Map<Long, double[]> sums) {
    int nSbar = SBAR_SUMS.size();
    ContextSet set = q.query;
    double[][] sliceSums = new double[set.slices.length][];
    for (int i = 0; i < sliceSums.length; i++) {
      sliceSums[i] = sums.computeIfAbsent(((long) set.slices[i] << 8) | set.c, k -> new double[nSbar + JOIN_COUNTS.size()]);
    }
    AuditWalk audit = null;
    if (set.sampled(auditRates.get(set.c))) {
      audit = new AuditWalk(set, q.lookedUp ? null : q.found, sliceSums, nSbar);
      truth.forEach(set.hash, set.slices, audit);
    }
    long foundTrue = 0;
    long foundNotTrue = 0;
    if (audit != null && q.lookedUp) {
      foundTrue = Math.min(q.verified, audit.pairs);
      foundNotTrue = q.verified - foundTrue;
    } else if (audit != null) {
      foundTrue = audit.foundTrue;
      foundNotTrue = q.found.length - foundTrue;
    }
    for (int i = 0; i < set.slices.length; i++) {
      int slice = set.slices[i];
      long train = set.train[i];
      long distinct = set.distinct[i];
      double evid = q.evidence(slice);
      double[] cell = evidenceCells.computeIfAbsent(List.of(slice, set.c, Cells.roundUpSum(evid)), k -> new double[3]);
      cell[0] += distinct;
      cell[1] += train;
      cell[2] += set.heldout[i];
      double[] sum = sliceSums[i];
      if (train > 0) {
        double x = train;
        double y = distinct * evid;
        sum[0] += x;
        sum[1] += x * x;
        sum[2] += y;
        sum[3] += y * y;
        sum[4] += x * y;
        sum[5] += (double) distinct * train;
      }
      sum[nSbar + QUERY_SETS] += 1;
      sum[nSbar + QUERY_CONTEXTS] += distinct;
      sum[nSbar + CANDIDATE_PAIRS] += q.candidates;
      sum[nSbar + VERIFIED_PAIRS] += q.verified;
      if (audit != null) {
        // The audited pairs' share of y = distinct x evid in this slice, all and found (the
        // walk above added the found part and the squares pair by pair).
        sum[nSbar + AUDIT_QUERIES] += 1;
        sum[nSbar + AUDIT_PAIRS] += audit.pairs;
        sum[nSbar + AUDIT_FOUND] += foundTrue;
        sum[nSbar + AUDIT_FOUND_NOT_TRUE] += foundNotTrue;
        double weight = audit.weight[i];
        sum[nSbar + AUDIT_WEIGHT] += weight;
        if (q.lookedUp) {
          // Lookups name no set: what they found is their evidence beside the query's own count, at most the truth's.
          sum[nSbar + AUDIT_WEIGHT_FOUND] += Math.min(weight, distinct * (evid - train));
        }
      }
    }
  }

  /** The task's cells so far as rows, and the task's cells emptied. */
  private static Iterator<Row> drain(Map<List<Object>, double[]> evidenceCells, Map<Long, double[]> sums) {
    int nSbar = SBAR_SUMS.size();
    List<Row> rows = new ArrayList<>(evidenceCells.size() + sums.size() * (nSbar + JOIN_COUNTS.size()));
    evidenceCells.forEach((k, v) -> rows.add(RowFactory.create(k.get(0), k.get(1), EVIDENCE, k.get(2), (long) v[0],
        (long) v[1], (long) v[2], 0.0)));
    sums.forEach((key, v) -> {
      int slice = (int) (key >>> 8);
      int c = (int) (key & 0xff);
      for (int t = 0; t < v.length; t++) {
        rows.add(RowFactory.create(slice, c, t < nSbar ? SBAR : JOIN, (double) (t < nSbar ? t : t - nSbar), 0L, 0L, 0L,
            v[t]));
      }
    });
    evidenceCells.clear();
    sums.clear();
    return rows.iterator();
  }
}
