package org.hallufloor.similarity;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FilterFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.feature.MinHashLSH;
import org.apache.spark.ml.feature.MinHashLSHModel;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.hallufloor.context.Groups;
import org.hallufloor.testing.Europarl;
import org.hallufloor.tokenize.TextTokenizer;
import org.hallufloor.tokenize.TokenizerSpec;
import org.hallufloor.tokenize.Tokenizers;

/**
 * THEORY 4's baseline: the same sampled similarity join, on the same id sets of real Europarl
 * contexts (cl100k) and the same machine, by hallufloor's banded LSH join and by Spark MLlib's
 * {@code MinHashLSH.approxSimilarityJoin}. Both are timed from the same persisted sets; both
 * recalls are measured on the same audit queries against the exact (brute-force) join.
 * MLlib gets the fewest hash tables that reach recall 0.95 in expectation at J = tau (one
 * minhash per table, OR only): {@code 1 - (1 - tau)^T >= 0.95}.
 *
 * <p>Usage (scripts/bench-join.sh): {@code MllibJoinBench [documents] [c] [sample-rate] [tau]}.
 */
public final class MllibJoinBench {
  private MllibJoinBench() {}

  public static void main(String[] args) {
    int documents = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int c = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    double rate = args.length > 2 ? Double.parseDouble(args[2]) : 0.1;
    double tau = args.length > 3 ? Double.parseDouble(args[3]) : 0.5;
    // A fifth argument "ours" times hallufloor's join only (for profiling it).
    boolean oursOnly = args.length > 4 && args[4].equals("ours");
    SparkSession spark = SparkSession.builder().appName("hallufloor join bench").master("local[*]")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "localhost")
        .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
    try {
      run(spark, documents, c, rate, tau, oursOnly);
    } finally {
      spark.stop();
    }
  }

  private static void run(SparkSession spark, int documents, int c, double rate, double tau, boolean oursOnly) {
    TextTokenizer tokenizer = Tokenizers.get(TokenizerSpec.of("cl100k_base"));
    StructType docSchema = new StructType()
        .add("slices", DataTypes.createArrayType(new StructType().add("dim", DataTypes.StringType)
            .add("value", DataTypes.StringType)))
        .add("heldout", DataTypes.BooleanType)
        .add("ids", DataTypes.createArrayType(DataTypes.IntegerType));
    List<Row> docs = new ArrayList<>();
    long tokens = 0;
    Row all = RowFactory.create("all", "all");
    for (Europarl.Doc d : Europarl.first(documents)) {
      int[] ids = tokenizer.encode(d.body());
      tokens += ids.length;
      docs.add(RowFactory.create(List.of(all), false, java.util.Arrays.stream(ids).boxed().toArray(Integer[]::new)));
    }
    // One group: every document in the whole-corpus slice, none held out.
    Groups groups = Groups.inMemory(List.of(Groups.entry(Groups.hash(List.of(all), false), 0, false, new int[] {0})));
    Dataset<Row> tokenized = spark.createDataFrame(docs, docSchema).repartition(spark.sparkContext().defaultParallelism());
    Dataset<Row> sets = ContextSets.of(tokenized, groups, List.of(c), new java.util.ArrayList<>()).persist(StorageLevel.MEMORY_AND_DISK());
    long setCount = sets.count();
    int[] bandsRows = MinHash.optimal(tau);
    JaccardJoin.Params params = new JaccardJoin.Params(tau, bandsRows[0], bandsRows[1], rate, 500, 2000, List.of(c), 0);
    double auditRate = Math.min(rate, 500.0 / setCount);
    System.err.printf(Locale.ROOT, "%d documents, %,d tokens, c = %d: %,d distinct id sets; sample rate %s, tau %s%n",
        documents, tokens, c, setCount, rate, tau);

    // Warm both code paths once on a small slice of the data, so neither pays the JIT alone.
    JaccardJoin.evidence(spark, sets.limit(2000), params).release();

    long t0 = System.nanoTime();
    JaccardJoin.Result ours = JaccardJoin.evidence(spark, sets, params);
    double oursSeconds = (System.nanoTime() - t0) / 1e9;
    double[] joinCounts = new double[JaccardJoin.JOIN_COUNTS.size()];
    for (Row r : ours.cells().filter(col("kind").equalTo(JaccardJoin.JOIN)).collectAsList()) {
      joinCounts[(int) r.getDouble(3)] += r.getDouble(7);
    }
    double oursRecall = joinCounts[JaccardJoin.JOIN_COUNTS.indexOf("audit_found")]
        / joinCounts[JaccardJoin.JOIN_COUNTS.indexOf("audit_pairs")];
    ours.release();

    if (oursOnly) {
      System.out.printf(Locale.ROOT, "hallufloor: %.1f s, audit recall %.4f%n", oursSeconds, oursRecall);
      return;
    }
    // MLlib: the audit's true pairs by the same brute force, then its own join.
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Map<Integer, Double> auditRates = Map.of(c, auditRate);
    JavaRDD<ContextSet> kept = sets.javaRDD().map(r -> ContextSet.of(r, 0));
    Broadcast<List<ContextSet>> auditedSets = jsc.broadcast(kept.filter(s -> s.sampled(auditRates.get(s.c)))
        .map(ContextSet::forAudit).collect());
    // A bench's audit (a few hundred queries on at most a few thousand documents) fits the driver.
    Map<Long, Set<Long>> truth = new HashMap<>();
    auditedSets.value().forEach(q -> truth.put(q.hash, new HashSet<>()));
    for (scala.Tuple2<Long, JaccardJoin.Neighbour> pair : JaccardJoin.truePairs(kept, auditedSets, params).collect()) {
      truth.get(pair._1()).add(pair._2().hash());
    }
    long truePairs = truth.values().stream().mapToLong(Set::size).sum();
    int tables = 1;
    while (1 - Math.pow(1 - tau, tables) < 0.95) {
      tables++;
    }
    StructType vectors = new StructType().add("hash", DataTypes.LongType).add("features", SQLDataTypes.VectorType());
    int nVocab = tokenizer.vocabularySize();
    MapFunction<Row, Row> toVector = r -> {
      ContextSet s = ContextSet.of(r, 0);
      double[] ones = new double[s.ids.length];
      java.util.Arrays.fill(ones, 1.0);
      return RowFactory.create(s.hash, Vectors.sparse(nVocab, s.ids, ones));
    };
    Dataset<Row> queries = sets.filter((FilterFunction<Row>) r -> ContextSet.of(r, 0).sampled(rate))
        .map(toVector, Encoders.row(vectors)).persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> pool = sets.filter((FilterFunction<Row>) r -> ContextSet.of(r, 0).inPool())
        .map(toVector, Encoders.row(vectors)).persist(StorageLevel.MEMORY_AND_DISK());
    queries.count();
    pool.count();
    long t1 = System.nanoTime();
    MinHashLSHModel model = new MinHashLSH().setNumHashTables(tables).setInputCol("features").setOutputCol("lsh")
        .setSeed(1).fit(pool);
    // distance < threshold in MLlib; J >= tau is distance <= 1 - tau.
    Dataset<Row> pairs = model.approxSimilarityJoin(queries, pool, 1 - tau + 1e-9, "distance")
        .select(col("datasetA.hash").as("q"), col("datasetB.hash").as("p"))
        .filter(col("q").notEqual(col("p")))
        .persist(StorageLevel.MEMORY_AND_DISK());
    long mllibPairs = pairs.count();
    double mllibSeconds = (System.nanoTime() - t1) / 1e9;
    Broadcast<Set<Long>> audited = jsc.broadcast(new HashSet<>(truth.keySet()));
    Map<Long, Set<Long>> found = new HashMap<>();
    for (Row r : pairs.filter((FilterFunction<Row>) r -> audited.value().contains(r.getLong(0))).collectAsList()) {
      found.computeIfAbsent(r.getLong(0), k -> new HashSet<>()).add(r.getLong(1));
    }
    long mllibFound = 0;
    for (Map.Entry<Long, Set<Long>> e : truth.entrySet()) {
      Set<Long> f = found.getOrDefault(e.getKey(), Set.of());
      for (long h : e.getValue()) {
        if (f.contains(h)) {
          mllibFound++;
        }
      }
    }
    double mllibRecall = (double) mllibFound / truePairs;

    System.out.println();
    System.out.printf(Locale.ROOT, "Similarity join, %d Europarl documents (%,d tokens, cl100k), c = %d, tau = %s, "
        + "%,d distinct id sets, query sample rate %s, audit: %,d similar pairs of %d queries%n",
        documents, tokens, c, tau, setCount, rate, truePairs, truth.size());
    System.out.println("| join | banding | seconds | pairs found | audit recall |");
    System.out.println("| --- | --- | ---: | ---: | ---: |");
    System.out.printf(Locale.ROOT, "| hallufloor (banded LSH, Bloom-filtered, audit included) | %d bands x %d rows | %.1f | %,d | %.4f |%n",
        bandsRows[0], bandsRows[1], oursSeconds, (long) joinCounts[JaccardJoin.JOIN_COUNTS.indexOf("verified_pairs")],
        oursRecall);
    System.out.printf(Locale.ROOT, "| MLlib MinHashLSH.approxSimilarityJoin | %d tables x 1 | %.1f | %,d | %.4f |%n",
        tables, mllibSeconds, mllibPairs, mllibRecall);
    System.out.printf(Locale.ROOT, "%nMLlib / hallufloor time: %.1fx (target >= 10x at recall >= 0.95: %s)%n",
        mllibSeconds / oursSeconds, mllibSeconds / oursSeconds >= 10 && oursRecall >= 0.95 ? "met" : "NOT met");
  }
}
