package org.hallufloor.similarity;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
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
 * found through banded MinHash LSH, verified with the exact Jaccard, and folded into the
 * query's evidence per slice. Each run also joins a small audit sample by brute force, so the
 * LSH join's recall is measured, not assumed.
 *
 * <p>Work per bucket is at most (queries in it) x {@code bucketCap}: beyond the cap, a
 * bucket's training sets are sampled by hash and the pairs left out are counted. A similar
 * pair that shares several bands adds to the evidence only in the first one. Training sets
 * enter a bucket only when a Bloom filter of the queries' band keys says a query may be there,
 * so at small sample rates most of the corpus never crosses the shuffle.
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
  /** The slice of a task's row that counts the join's capped buckets; the driver takes it out of the cells. */
  private static final int WHOLE_JOIN = -1;

  /**
   * Per sampled set of a slice, x = its training examples, y = its distinct training contexts
   * times their evidence, y_self = the part of y from the set itself: Sbar = sum y / sum x.
   */
  public static final List<String> SBAR_SUMS = List.of("x", "xx", "y", "yy", "xy", "y_self");
  public static final List<String> JOIN_COUNTS = List.of("query_sets", "query_contexts", "candidate_pairs",
      "verified_pairs", "capped_pairs", "audit_queries", "audit_pairs", "audit_found", "audit_found_not_true",
      "audit_weight", "audit_weight_found", "audit_weight_squares");

  /**
   * @param auditQueries audit queries per context length, joined by brute force
   * @param bucketCap training sets examined per bucket at most
   */
  public record Params(double tau, int bands, int rows, double sampleRate, int auditQueries, int bucketCap,
      List<Integer> contextLengths) implements Serializable {}

  /**
   * The cells (kept on the executors, never collected: their number grows with the slices) and
   * what the join did: its wall time and the buckets it capped. {@link #release()} once the
   * cells are read: a lost cached block is recomputed from the join's lineage, which needs the
   * kept sets and the broadcasts until then.
   */
  public record Result(Dataset<Row> cells, double seconds, long cappedBuckets, List<Broadcast<?>> broadcasts,
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

  /**
   * @param sets rows of {@link ContextSet#SCHEMA} (ContextSets.of)
   */
  public static Result evidence(SparkSession spark, Dataset<Row> sets, Params p) {
    long started = System.nanoTime();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    // Scanned several times below (counts, audit, Bloom filter, members, selves): kept as objects.
    JavaRDD<ContextSet> kept = sets.javaRDD().map(r -> ContextSet.of(r, 0)).persist(StorageLevel.MEMORY_AND_DISK());
    List<Broadcast<?>> used = new ArrayList<>();
    boolean returned = false;
    try {
      // One pass counts the sets per length (for the audit rate) and the query sets (for the Bloom filter).
      Map<Integer, Double> auditRates = new HashMap<>();
      Map<Integer, Long> perLength = new HashMap<>();
      long queries = 0;
      for (Map.Entry<Long, Long> e : kept.map(s -> 2L * s.c + (s.sampled(p.sampleRate()) ? 1 : 0)).countByValue()
          .entrySet()) {
        perLength.merge((int) (e.getKey() / 2), e.getValue(), Long::sum);
        queries += e.getKey() % 2 == 1 ? e.getValue() : 0;
      }
      long total = perLength.values().stream().mapToLong(Long::longValue).sum();
      for (int c : p.contextLengths()) {
        long n = perLength.getOrDefault(c, 0L);
        auditRates.put(c, n == 0 ? 0 : Math.min(p.sampleRate(), (double) p.auditQueries() / n));
      }
      int partitions = (int) Math.max(2L * jsc.defaultParallelism(), Math.min(100_000, total * p.bands() / 2_000_000));
      Broadcast<Map<Long, Similar>> truePairs = jsc.broadcast(bruteForce(jsc, kept, auditRates, p));
      Broadcast<Map<Integer, Double>> audit = jsc.broadcast(auditRates);
      MinHash minHash = new MinHash(p.bands(), p.rows());
      Broadcast<BloomFilter> queryKeys = jsc.broadcast(queryBandKeys(kept, queries, minHash, p));
      used.addAll(List.of(truePairs, audit, queryKeys));

      JavaRDD<Row> memberRows = kept.flatMap(s -> {
        List<Row> out = new ArrayList<>();
        boolean query = s.sampled(p.sampleRate());
        if (query || s.inPool()) {
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
      Dataset<Row> fromBuckets = spark.createDataFrame(memberRows, MEMBERS)
          .repartition(partitions, col("key")).sortWithinPartitions("key")
          .mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
            List<Row> out = new ArrayList<>();
            SortedRuns buckets = new SortedRuns(rows, 0);
            while (buckets.hasNext()) {
              bucket(buckets.next(), minHash, p, audit.value(), out);
            }
            return out.iterator();
          }, Encoders.row(Partial.SCHEMA));
      Dataset<Row> selves = spark.createDataFrame(kept.filter(s -> s.sampled(p.sampleRate()))
          .map(s -> Partial.self(s).toRow(s.hash)), Partial.SCHEMA);
      Dataset<Row> partialCells = fromBuckets.union(selves).repartition(partitions, col("query"))
          .sortWithinPartitions("query")
          .mapPartitions((MapPartitionsFunction<Row, Row>) rows -> cells(merged(new SortedRuns(rows, 0)), audit.value(),
              truePairs.value()), Encoders.row(CELLS));
      Dataset<Row> summed = Cells.sum(partialCells).persist(StorageLevel.MEMORY_AND_DISK());
      // Reading the capped buckets computes every cell once (the join's time) and keeps them.
      Row capped = summed.filter(col(Cells.SLICE).equalTo(WHOLE_JOIN)).agg(sum(Cells.AMOUNT)).first();
      long cappedBuckets = capped.isNullAt(0) ? 0 : Math.round(capped.getDouble(0));
      double seconds = (System.nanoTime() - started) / 1e9;
      returned = true;
      return new Result(summed.filter(col(Cells.SLICE).notEqual(WHOLE_JOIN)), seconds, cappedBuckets, List.copyOf(used),
          List.of(() -> summed.unpersist(false), () -> kept.unpersist(false)));
    } finally {
      if (!returned) {
        kept.unpersist(false);
        used.forEach(Broadcast::destroy);
      }
    }
  }

  /** Each query's partials, merged into one. */
  private static Iterator<Partial> merged(SortedRuns runs) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return runs.hasNext();
      }

      @Override
      public Partial next() {
        Partial merged = new Partial();
        for (Row r : runs.next()) {
          merged.merge(Partial.of(r));
        }
        return merged;
      }
    };
  }

  /** A set in one band's bucket. */
  record Member(int band, ContextSet set, boolean query) {}

  /**
   * One bucket's pairs: each query against the bucket's training sets (at most the cap, sampled
   * by hash beyond it). A similar pair counts only in the first band the two share: the earlier
   * bands' keys are computed once per member of this bucket, and only for members of a similar
   * pair, so members carry no signature. Any pair is counted as a candidate in every band it shares.
   */
  static void bucket(List<Row> rows, MinHash minHash, Params p, Map<Integer, Double> auditRates, List<Row> out) {
    List<Member> queries = new ArrayList<>();
    List<Member> pool = new ArrayList<>();
    for (Row r : rows) {
      Member m = new Member(r.getInt(1), ContextSet.of(r, 3), r.getBoolean(2));
      if (m.query()) {
        queries.add(m);
      }
      if (m.set().inPool()) {
        pool.add(m);
      }
    }
    if (queries.isEmpty()) {
      return;
    }
    int band = queries.get(0).band();
    long dropped = 0;
    Set<Long> droppedHashes = Set.of();
    boolean capped = pool.size() > p.bucketCap();
    if (capped) {
      pool.sort((a, b) -> Long.compare(MinHash.mix(a.set().hash ^ band), MinHash.mix(b.set().hash ^ band)));
      droppedHashes = new HashSet<>();
      for (Member m : pool.subList(p.bucketCap(), pool.size())) {
        droppedHashes.add(m.set().hash);
      }
      dropped = pool.size() - p.bucketCap();
      pool = new ArrayList<>(pool.subList(0, p.bucketCap()));
    }
    // Keys of the bands before this one, per set: computed once per bucket, only for sets in a similar pair.
    Map<ContextSet, long[]> earlier = new java.util.IdentityHashMap<>();
    for (Member qm : queries) {
      ContextSet q = qm.set();
      Partial partial = new Partial();
      partial.capped = dropped - (droppedHashes.contains(q.hash) ? 1 : 0);
      boolean audited = q.sampled(auditRates.get(q.c));
      for (Member pm : pool) {
        ContextSet s = pm.set();
        if (s.hash == q.hash) {
          continue;
        }
        partial.candidates++;
        double j = MinHash.jaccard(q.ids, s.ids);
        if (j >= p.tau() && !sharedBefore(earlierKeys(q, band, minHash, earlier), earlierKeys(s, band, minHash, earlier))) {
          partial.verified++;
          partial.add(s.slices, s.train, j);
          if (audited) {
            partial.addFound(s.hash);
          }
        }
      }
      if (capped) {
        // The bucket is counted once, with its first query, whatever that query found.
        partial.cappedBuckets = 1;
        capped = false;
        out.add(partial.toRow(q.hash));
      } else if (partial.candidates > 0 || partial.capped > 0) {
        out.add(partial.toRow(q.hash));
      }
    }
  }

  private static long[] earlierKeys(ContextSet set, int band, MinHash minHash, Map<ContextSet, long[]> cache) {
    return cache.computeIfAbsent(set, s -> {
      long[] keys = new long[band];
      for (int b = 0; b < band; b++) {
        keys[b] = minHash.bandKey(s.c, s.ids, b);
      }
      return keys;
    });
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
   * A Bloom filter (1% false positives) of every band key of every query set. Each task's filter
   * is sized for all keys, so they are built in a few tasks only and merged along a tree.
   */
  private static BloomFilter queryBandKeys(JavaRDD<ContextSet> sets, long queries, MinHash minHash, Params p) {
    long expected = Math.max(1, queries * minHash.bands());
    int builders = Math.max(1, Math.min(16, sets.context().defaultParallelism()));
    return sets.filter(s -> s.sampled(p.sampleRate())).coalesce(builders).mapPartitions(it -> {
      BloomFilter filter = BloomFilter.create(expected, 0.01);
      while (it.hasNext()) {
        ContextSet s = it.next();
        for (int band = 0; band < minHash.bands(); band++) {
          filter.putLong(minHash.bandKey(s.c, s.ids, band));
        }
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
  }

  /**
   * An audit query's similar training sets, sorted by hash. Recall is measured on evidence per
   * slice (each pair weighted by n_slice(p) x J), not only on pairs, because one very common
   * set can carry more evidence than thousands of rare ones.
   */
  record Similar(long[] hashes, Neighbour[] neighbours) implements Serializable {}

  /**
   * Every training set similar to an audit query, by brute force (an inverted index from id to
   * the audit queries holding it, which loses no pair: sets with J >= tau > 0 share an id).
   * Returns, per audit query's hash, its similar sets other than itself.
   */
  static Map<Long, Similar> bruteForce(JavaSparkContext jsc, JavaRDD<ContextSet> sets, Map<Integer, Double> auditRates,
      Params p) {
    List<ContextSet> audited = sets.filter(s -> s.sampled(auditRates.get(s.c))).collect();
    Broadcast<List<ContextSet>> shared = jsc.broadcast(audited);
    List<Tuple2<Long, Neighbour>> pairs = sets.filter(ContextSet::inPool).mapPartitions(pool -> {
      Map<Long, List<Integer>> index = new HashMap<>();
      List<ContextSet> queries = shared.value();
      for (int i = 0; i < queries.size(); i++) {
        for (int id : queries.get(i).ids) {
          index.computeIfAbsent(((long) queries.get(i).c << 32) | (id & 0xffffffffL), k -> new ArrayList<>()).add(i);
        }
      }
      List<Tuple2<Long, Neighbour>> out = new ArrayList<>();
      Set<Integer> seen = new HashSet<>();
      while (pool.hasNext()) {
        ContextSet s = pool.next();
        seen.clear();
        for (int id : s.ids) {
          for (int i : index.getOrDefault(((long) s.c << 32) | (id & 0xffffffffL), List.of())) {
            ContextSet q = queries.get(i);
            double j = seen.add(i) && q.hash != s.hash ? MinHash.jaccard(q.ids, s.ids) : 0;
            if (j >= p.tau()) {
              out.add(new Tuple2<>(q.hash, new Neighbour(s.hash, j, s.slices, s.train)));
            }
          }
        }
      }
      return out.iterator();
    }).collect();
    shared.destroy();
    Map<Long, TreeMap<Long, Neighbour>> grouped = new HashMap<>();
    for (ContextSet q : audited) {
      grouped.put(q.hash, new TreeMap<>());
    }
    for (Tuple2<Long, Neighbour> pair : pairs) {
      grouped.get(pair._1()).put(pair._2().hash(), pair._2());
    }
    Map<Long, Similar> out = new HashMap<>();
    grouped.forEach((q, similar) -> out.put(q, new Similar(similar.keySet().stream().mapToLong(Long::longValue).toArray(),
        similar.values().toArray(new Neighbour[0]))));
    return out;
  }

  /**
   * Each query's evidence per slice, its Sbar terms and its join counts, summed into cells within
   * the task: evidence cells by (slice, c, value), the Sbar and join sums in one array per (slice, c).
   */
  static Iterator<Row> cells(Iterator<Partial> queries, Map<Integer, Double> auditRates,
      Map<Long, Similar> truePairs) {
    Map<List<Object>, double[]> evidenceCells = new HashMap<>();
    Map<Long, double[]> sums = new HashMap<>();
    int nSbar = SBAR_SUMS.size();
    long cappedBuckets = 0;
    while (queries.hasNext()) {
      Partial q = queries.next();
      cappedBuckets += q.cappedBuckets;
      ContextSet set = q.query;
      Similar similar = set.sampled(auditRates.get(set.c)) ? truePairs.get(set.hash) : null;
      long foundTrue = 0;
      boolean[] isFound = similar == null ? null : new boolean[similar.hashes().length];
      if (similar != null) {
        for (long f : q.found) {
          int at = java.util.Arrays.binarySearch(similar.hashes(), f);
          if (at >= 0) {
            foundTrue++;
            isFound[at] = true;
          }
        }
      }
      for (int i = 0; i < set.slices.length; i++) {
        int slice = set.slices[i];
        long train = set.train[i];
        long distinct = set.distinct[i];
        double evid = q.evidence(slice);
        double[] cell = evidenceCells.computeIfAbsent(List.of(slice, set.c, Cells.roundUp(evid)), k -> new double[3]);
        cell[0] += distinct;
        cell[1] += train;
        cell[2] += set.heldout[i];
        double[] sum = sums.computeIfAbsent(((long) slice << 8) | set.c, k -> new double[nSbar + JOIN_COUNTS.size()]);
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
        sum[nSbar] += 1;
        sum[nSbar + 1] += distinct;
        sum[nSbar + 2] += q.candidates;
        sum[nSbar + 3] += q.verified;
        sum[nSbar + 4] += q.capped;
        if (similar != null) {
          // The audited pairs' share of y = distinct x evid in this slice, all and found.
          sum[nSbar + 5] += 1;
          sum[nSbar + 6] += similar.hashes().length;
          sum[nSbar + 7] += foundTrue;
          sum[nSbar + 8] += q.found.length - foundTrue;
          for (int k = 0; k < isFound.length; k++) {
            double w = distinct * similar.neighbours()[k].jaccard() * similar.neighbours()[k].train(slice);
            sum[nSbar + 9] += w;
            sum[nSbar + 10] += isFound[k] ? w : 0;
            sum[nSbar + 11] += w * w;
          }
        }
      }
    }
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
    if (cappedBuckets > 0) {
      rows.add(RowFactory.create(WHOLE_JOIN, 0, JOIN, -1.0, 0L, 0L, 0L, (double) cappedBuckets));
    }
    return rows.iterator();
  }
}
