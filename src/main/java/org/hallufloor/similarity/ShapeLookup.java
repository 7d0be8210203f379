package org.hallufloor.similarity;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
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

/**
 * The jaccard evidence of short contexts, exactly, by lookups instead of a banded join.
 *
 * <p>J(q, p) depends only on the sizes a = |q|, b = |p| and i = |q ∩ p|, and J >= tau needs i
 * at least {@link #minShared}. So a query's evidence in a slice is a sum over b and i of J
 * times the training examples of the sets of size b sharing exactly i ids with q. Those
 * counts follow, by inclusion-exclusion over q's subsets, from M(T, b): the training examples
 * of sets of size b holding the subset T. Every training set adds its count under each of its
 * subsets large enough to matter, the sums are taken by key (Spark's partial aggregation: a
 * common id costs one row per task, not one per set), and each query looks up its own
 * subsets. Cost follows the sets times their subsets (at most 2^c each), not the buckets'
 * sizes, and no similar pair is missed, so this is used for every context length up to
 * {@code lookupMaxLength}; longer ones go through the banded join.
 *
 * <p>The counts stay integers through the inversion; only the final sum of J times a count is
 * a double, as in the banded join.
 */
final class ShapeLookup {
  /** A training set's count under one of its subsets, in one slice. */
  static final StructType TRAINING = new StructType()
      .add("c", DataTypes.IntegerType, false)
      .add("t", DataTypes.BinaryType, false)
      .add("slice", DataTypes.IntegerType, false)
      .add("b", DataTypes.IntegerType, false)
      .add("n", DataTypes.LongType, false);

  /** A query's look-up of one of its subsets in one slice, with its own size and training count there. */
  static final StructType LOOKUPS = new StructType()
      .add("c", DataTypes.IntegerType, false)
      .add("t", DataTypes.BinaryType, false)
      .add("slice", DataTypes.IntegerType, false)
      .add("query", DataTypes.LongType, false)
      .add("a", DataTypes.IntegerType, false)
      .add("self", DataTypes.LongType, false);

  private ShapeLookup() {}

  /**
   * The smallest intersection at which sets of sizes a and b have J >= tau (J divided as
   * {@link MinHash#jaccard} divides, so both methods agree at the threshold), or 0 when none has.
   */
  static int minShared(int a, int b, double tau) {
    for (int i = 1; i <= Math.min(a, b); i++) {
      if ((double) i / (a + b - i) >= tau) {
        return i;
      }
    }
    return 0;
  }

  /** The smallest subset a set of size {@code size} must offer (as training set, or as query) at context length c. */
  static int floor(int size, int c, double tau) {
    int least = Integer.MAX_VALUE;
    for (int other = 1; other <= c; other++) {
      int m = minShared(size, other, tau);
      if (m > 0) {
        least = Math.min(least, m);
      }
    }
    return least;
  }

  /** A subset's key in the queries' Bloom filter (64-bit FNV-1a of c and the packed ids, then mixed). */
  static long key(int c, byte[] packed) {
    long h = 0xcbf29ce484222325L ^ c;
    for (byte x : packed) {
      h = (h ^ (x & 0xff)) * 0x100000001b3L;
    }
    return MinHash.mix(h);
  }

  /** Every subset of the sorted ids with at least {@code minSize} of them, packed as {@link ContextSet#intsToBytes}. */
  static List<byte[]> subsets(int[] ids, int minSize) {
    List<byte[]> out = new ArrayList<>();
    for (int mask = 1; mask < 1 << ids.length; mask++) {
      int size = Integer.bitCount(mask);
      if (size >= minSize) {
        int[] t = new int[size];
        for (int k = 0, n = 0; k < ids.length; k++) {
          if ((mask & 1 << k) != 0) {
            t[n++] = ids[k];
          }
        }
        out.add(ContextSet.intsToBytes(t));
      }
    }
    return out;
  }

  /**
   * The subsets of a training set's sorted ids that some query may look up: large enough to
   * matter, and passed by the queries' Bloom filter (at a 10% sample, few of the longer ones
   * cross the shuffle).
   */
  static List<byte[]> lookedUp(int[] ids, int c, double tau, BloomFilter queryKeys) {
    List<byte[]> out = subsets(ids, floor(ids.length, c, tau));
    out.removeIf(t -> !queryKeys.mightContainLong(key(c, t)));
    return out;
  }

  /**
   * One query's neighbours in one slice, from the sums over its subsets of each size t of
   * M(T, b) ({@code examples[t][b]}: training examples; {@code sets[t][b]}: sets): inverted to
   * the sets sharing exactly i ids, the query itself taken out. Used by the job and tested
   * alone against a brute-force loop.
   */
  static final class Neighbours {
    final int a;
    final long[][] examples;
    final long[][] sets;

    Neighbours(int a, int c) {
      this.a = a;
      this.examples = new long[a + 1][c + 1];
      this.sets = new long[a + 1][c + 1];
    }

    void add(int t, int b, long n, long k) {
      examples[t][b] += n;
      sets[t][b] += k;
    }

    /**
     * {evidence, similar sets}: sum over training sets p != q of J(q, p) n(p) where J >= tau,
     * and how many such sets there are; {@code self} is q's own training count (q is a
     * training set of this slice when it is above 0).
     */
    double[] of(double tau, long self) {
      double evidence = 0;
      long similar = 0;
      int c = examples[0].length - 1;
      for (int b = 1; b <= c; b++) {
        int least = minShared(a, b, tau);
        if (least == 0) {
          continue;
        }
        for (int i = least; i <= Math.min(a, b); i++) {
          long n = exactly(examples, i, b);
          long k = exactly(sets, i, b);
          if (i == a && b == a && self > 0) {
            n -= self;
            k -= 1;
          }
          evidence += (double) i / (a + b - i) * n;
          similar += k;
        }
      }
      return new double[] {evidence, similar};
    }

    /** Sets of size b sharing exactly i ids with q: sum over t >= i of (-1)^(t-i) C(t, i) x (sum of M over q's t-subsets). */
    private long exactly(long[][] m, int i, int b) {
      long n = 0;
      for (int t = i; t <= Math.min(a, b); t++) {
        long term = binomial(t, i) * m[t][b];
        n += (t - i) % 2 == 0 ? term : -term;
      }
      return n;
    }
  }

  static long binomial(int n, int k) {
    long r = 1;
    for (int j = 1; j <= k; j++) {
      r = r * (n - k + j) / j;
    }
    return r;
  }

  /**
   * The partials ({@link Partial#SCHEMA}, marked as looked up) of every sampled query set of
   * length at most {@code maxLength}: its evidence per slice from the other training sets and
   * its number of similar sets. The query's own count comes with its self partial, as in the
   * banded join.
   */
  static Dataset<Row> partials(SparkSession spark, JavaRDD<ContextSet> sets, JaccardJoin.Params p, int partitions,
      Broadcast<BloomFilter> queryKeys) {
    int maxLength = p.contextLengths().stream().filter(c -> !p.banded(c)).mapToInt(Integer::intValue).max().orElse(0);
    if (maxLength == 0) {
      return spark.createDataFrame(List.of(), Partial.SCHEMA);
    }
    double tau = p.tau();
    JavaRDD<ContextSet> shortSets = sets.filter(s -> s.c <= maxLength);
    Dataset<Row> training = spark.createDataFrame(shortSets.filter(ContextSet::inPool).flatMap(s -> {
      List<Row> out = new ArrayList<>();
      int b = s.ids.length;
      for (byte[] t : lookedUp(s.ids, s.c, tau, queryKeys.value())) {
        for (int k = 0; k < s.slices.length; k++) {
          if (s.train[k] > 0) {
            out.add(RowFactory.create(s.c, t, s.slices[k], b, s.train[k]));
          }
        }
      }
      return out.iterator();
    }), TRAINING);
    List<Column> bySize = new ArrayList<>();
    for (int b = 1; b <= maxLength; b++) {
      bySize.add(sum(when(col("b").equalTo(b), col("n")).otherwise(0L)).as("n" + b));
      bySize.add(sum(when(col("b").equalTo(b), lit(1L)).otherwise(0L)).as("k" + b));
    }
    Dataset<Row> m = training.groupBy("c", "t", "slice")
        .agg(bySize.get(0), bySize.subList(1, bySize.size()).toArray(new Column[0]));
    Dataset<Row> lookups = spark.createDataFrame(shortSets.filter(s -> s.sampled(p.sampleRate())).flatMap(q -> {
      List<Row> out = new ArrayList<>();
      int a = q.ids.length;
      for (byte[] t : subsets(q.ids, floor(a, q.c, tau))) {
        for (int k = 0; k < q.slices.length; k++) {
          out.add(RowFactory.create(q.c, t, q.slices[k], q.hash, a, q.train[k]));
        }
      }
      return out.iterator();
    }), LOOKUPS);
    List<Column> found = new ArrayList<>(List.of(col("query"), col("slice"), col("c"), col("a"), col("self"),
        org.apache.spark.sql.functions.length(col("t")).divide(4).cast(DataTypes.IntegerType).as("size")));
    for (int b = 1; b <= maxLength; b++) {
      found.add(col("n" + b));
      found.add(col("k" + b));
    }
    return lookups.join(m, new String[] {"c", "t", "slice"}).select(found.toArray(new Column[0]))
        .repartition(partitions, col("query")).sortWithinPartitions("query", "slice")
        .mapPartitions((MapPartitionsFunction<Row, Row>) rows -> perQuery(rows, tau),
            Encoders.row(Partial.SCHEMA));
  }

  /** Rows sorted by (query, slice) to one partial per query, a query's rows at a time. */
  private static Iterator<Row> perQuery(Iterator<Row> rows, double tau) {
    return new SortedRuns(rows, 0).map(run -> {
      List<Integer> slices = new ArrayList<>();
      List<Double> evidence = new ArrayList<>();
      long similar = 0;
      for (int at = 0; at < run.size(); ) {
        Row first = run.get(at);
        int slice = first.getInt(1);
        int c = first.getInt(2);
        Neighbours n = new Neighbours(first.getInt(3), c);
        for (; at < run.size() && run.get(at).getInt(1) == slice; at++) {
          Row r = run.get(at);
          for (int b = 1; b <= c; b++) {
            n.add(r.getInt(5), b, r.getLong(4 + 2 * b), r.getLong(5 + 2 * b));
          }
        }
        double[] found = n.of(tau, first.getLong(4));
        slices.add(slice);
        evidence.add(found[0]);
        // Every set similar to q is a training set of the whole corpus's slice: the most any slice counts.
        similar = Math.max(similar, (long) found[1]);
      }
      Partial partial = new Partial();
      partial.lookedUp = true;
      partial.slices = slices.stream().mapToInt(Integer::intValue).toArray();
      partial.evidence = evidence.stream().mapToDouble(Double::doubleValue).toArray();
      partial.candidates = similar;
      partial.verified = similar;
      return partial.toRow(run.get(0).getLong(0));
    });
  }
}
