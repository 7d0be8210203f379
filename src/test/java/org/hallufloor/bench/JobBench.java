package org.hallufloor.bench;

import static org.apache.spark.sql.functions.col;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.hallufloor.config.Settings;
import org.hallufloor.config.SettingsLoader;
import org.hallufloor.corpus.CorpusReader;
import org.hallufloor.corpus.Documents;
import org.hallufloor.corpus.InputFiles;
import org.hallufloor.corpus.InputFormat;
import org.hallufloor.estimate.SliceBounds;
import org.hallufloor.evidence.Kinds;
import org.hallufloor.evidence.SliceTotals;
import org.hallufloor.job.HallufloorJob;
import org.hallufloor.job.HallufloorRun;
import org.hallufloor.job.StageParams;
import org.hallufloor.evidence.CountEvidence;
import org.hallufloor.tokenize.TextTokenizer;
import org.hallufloor.tokenize.TokenizerSpec;
import org.hallufloor.tokenize.Tokenize;
import org.hallufloor.tokenize.Tokenizers;

/**
 * One row of scripts/bench.sh, in a JVM of its own so no row inherits another's warm JIT:
 * {@code floor|job|plain JOB.conf [key=value ...]}. Prints one {@code RESULT} line on stdout
 * (everything else goes to stderr): seconds of work with Spark's start-up apart, tokens, and
 * the highest heap in use after a garbage collection.
 */
public final class JobBench {
  private JobBench() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    Settings settings = SettingsLoader.load(Path.of(args[1]), null,
        Arrays.asList(args).subList(2, args.length));
    HeapWatch heap = HeapWatch.start();
    String result = switch (mode) {
      case "floor" -> floor(settings);
      case "job" -> job(settings);
      case "plain" -> plain(settings);
      case "ids" -> ids(settings);
      case "parquet" -> parquet(settings);
      default -> throw new IllegalArgumentException("mode is floor, job, plain, ids or parquet, not " + mode);
    };
    System.out.println("RESULT " + mode + " " + result + String.format(Locale.ROOT, " heap_mb=%.0f", heap.peakMb()));
    System.exit(0);
  }

  /**
   * The floor: the job's own documents (read and collected first, untimed), tokenized by the
   * job's tokenizer on plain Java threads, one per core Spark would use.
   */
  static String floor(Settings settings) throws Exception {
    SparkSession spark = HallufloorJob.session(settings);
    List<String> texts = records(spark, settings).select("text").as(org.apache.spark.sql.Encoders.STRING())
        .collectAsList();
    int threads = spark.sparkContext().defaultParallelism();
    spark.stop();
    System.gc();
    TextTokenizer tokenizer = Tokenizers.get(TokenizerSpec.of(settings.tokenizer()));
    // Three passes: the first is cold as the job is; the floor is the best pass.
    double best = Double.MAX_VALUE;
    double first = 0;
    long tokens = 0;
    for (int pass = 0; pass < 3; pass++) {
      long t0 = System.nanoTime();
      tokens = tokenizeAll(texts, tokenizer, threads);
      double seconds = (System.nanoTime() - t0) / 1e9;
      first = pass == 0 ? seconds : first;
      best = Math.min(best, seconds);
    }
    return String.format(Locale.ROOT, "seconds=%.2f start=0 tokens=%d threads=%d cold=%.2f", best, tokens, threads,
        first);
  }

  private static long tokenizeAll(List<String> texts, TextTokenizer tokenizer, int threads) throws Exception {
    AtomicInteger cursor = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<Long>> parts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      parts.add(pool.submit(() -> {
        long tokens = 0;
        for (int i = cursor.getAndIncrement(); i < texts.size(); i = cursor.getAndIncrement()) {
          tokens += tokenizer.encode(texts.get(i)).length;
        }
        return tokens;
      }));
    }
    long tokens = 0;
    for (Future<Long> f : parts) {
      tokens += f.get();
    }
    pool.shutdown();
    return tokens;
  }

  /** The whole job as run-local.sh runs it, Spark's start-up timed apart. */
  static String job(Settings settings) {
    long t0 = System.nanoTime();
    SparkSession spark = HallufloorJob.session(settings);
    long t1 = System.nanoTime();
    TaskTotals totals = new TaskTotals();
    spark.sparkContext().addSparkListener(totals);
    HallufloorRun.Result r = new HallufloorRun(spark, settings, System.err, false).run();
    long t2 = System.nanoTime();
    List<Row> sliceStats = r.sliceStats();
    long tokens = sliceStats.stream().filter(s -> Documents.ALL.equals(s.getString(0))).mapToLong(s -> s.getLong(3))
        .sum();
    spark.stop();
    return String.format(Locale.ROOT, "seconds=%.2f start=%.2f tokens=%d documents=%d slices=%d shuffle_mb=%.0f tasks=%d",
        (t2 - t1) / 1e9, (t1 - t0) / 1e9, tokens, r.documents(), sliceStats.size(), totals.shuffleBytes / 1e6,
        totals.tasks);
  }

  /**
   * The same counts as a user would first write them in DataFrames, timed from the shards to
   * the collected spectra; then (untimed) the job's own cells of the same kinds, compared.
   */
  static String plain(Settings settings) {
    long t0 = System.nanoTime();
    SparkSession spark = HallufloorJob.session(settings);
    long t1 = System.nanoTime();
    Dataset<Row> documents = Documents.fromRecords(records(spark, settings), StageParams.slicing(settings));
    List<Row> plain = PlainCounts.spectra(documents, TokenizerSpec.of(settings.tokenizer()), settings.contextLengths())
        .collectAsList();
    long t2 = System.nanoTime();
    List<Row> job = jobSpectra(settings, documents);
    String check = PlainCounts.compare(plain, job);
    spark.stop();
    if (check != null) {
      throw new IllegalStateException("the plain DataFrame version disagrees with the job: " + check);
    }
    return String.format(Locale.ROOT, "seconds=%.2f start=%.2f cells=%d check=equal", (t2 - t1) / 1e9,
        (t1 - t0) / 1e9, plain.size());
  }

  /**
   * The job on the same corpus pre-tokenized: the documents tokenized (untimed) into a
   * Megatron dataset, then, timed, reading its ids alone through the job's reader, and the
   * whole job on it (slices need text or a side table, so only the held-out split and the
   * scaling fractions remain).
   */
  static String ids(Settings settings) throws Exception {
    SparkSession spark = HallufloorJob.session(settings);
    List<String> texts = records(spark, settings).select("text").as(org.apache.spark.sql.Encoders.STRING())
        .collectAsList();
    TextTokenizer tokenizer = Tokenizers.get(TokenizerSpec.of(settings.tokenizer()));
    List<int[]> ids = texts.parallelStream().map(tokenizer::encode).toList();
    java.nio.file.Path prefix = java.nio.file.Path.of(settings.outputRoot(), "ids", "corpus_text_document");
    org.hallufloor.testing.TokenFileWriters.megatron(prefix, ids);
    List<String> overrides = List.of("hallufloor.input.paths=[\"" + prefix.toAbsolutePath() + "\"]",
        "hallufloor.input.format=megatron", "hallufloor.slices=[]",
        "hallufloor.run-id=bench-ids" + (settings.contextSampleRate() < 1 ? "-sampled" : ""));
    Settings onIds = SettingsLoader.load(null, null, concat(settings, overrides));
    long t0 = System.nanoTime();
    InputFiles.Listing listing = InputFiles.list(onIds.input().paths(), InputFormat.MEGATRON,
        spark.sparkContext().hadoopConfiguration());
    long read = org.hallufloor.corpus.TokenFiles.read(spark, listing.files(), new org.hallufloor.corpus.TokenFiles.Spec(
        -1, "int32", tokenizer.vocabularySize(), onIds.tokenizer(), onIds.input().splitTokens()), false)
        .selectExpr("sum(size(ids))").first().getLong(0);
    long t1 = System.nanoTime();
    HallufloorRun.Result r = new HallufloorRun(spark, onIds, System.err, false).run();
    long t2 = System.nanoTime();
    spark.stop();
    return String.format(Locale.ROOT, "seconds=%.2f tokens=%d read=%.2f", (t2 - t1) / 1e9, read,
        (t1 - t0) / 1e9) + (r.documents() == ids.size() ? "" : " documents_differ");
  }

  /** Shards of the multi-shard Parquet corpus: more than the cores, as a downloaded corpus has. */
  static final int PARQUET_SHARDS = 16;

  /**
   * The job's documents (untimed) as {@link #PARQUET_SHARDS} uncompressed-text Parquet files
   * (Spark's default snappy pages) under {@code <output.root>/parquet-corpus}, columns
   * {@code id}, {@code date} and {@code body}: the corpus shape of FineWeb or RedPajama.
   */
  static String parquet(Settings settings) {
    SparkSession spark = HallufloorJob.session(settings);
    String out = Path.of(settings.outputRoot(), "parquet-corpus").toAbsolutePath().toString();
    records(spark, settings).selectExpr("doc_id AS id", "fields[0] AS date", "text AS body")
        .repartition(PARQUET_SHARDS).write().mode("overwrite").parquet(out);
    long documents = spark.read().parquet(out).count();
    spark.stop();
    return String.format(Locale.ROOT, "documents=%d shards=%d path=%s", documents, PARQUET_SHARDS, out);
  }

  /** The bench's own settings as overrides, then the given ones: output and tokenizer stay. */
  private static List<String> concat(Settings settings, List<String> more) {
    List<String> out = new ArrayList<>();
    out.add("hallufloor.output.root=\"" + settings.outputRoot() + "\"");
    out.add("hallufloor.tokenizer=" + settings.tokenizer());
    out.add("hallufloor.context-lengths=" + settings.contextLengths());
    out.add("hallufloor.scaling-fractions=" + settings.scalingFractions());
    out.add("hallufloor.context-sample-rate=" + settings.contextSampleRate());
    out.add("hallufloor.report=false");
    out.addAll(more);
    return out;
  }

  /** The job's evidence cells of the kinds the plain version counts, by slice name. */
  private static List<Row> jobSpectra(Settings settings, Dataset<Row> documents) {
    Dataset<Row> tokenized = Tokenize.tokenize(documents, TokenizerSpec.of(settings.tokenizer())).cache();
    SliceTotals.Totals totals = org.hallufloor.testing.Stages.totals(tokenized);
    int nVocab = Tokenizers.get(TokenizerSpec.of(settings.tokenizer())).vocabularySize();
    CountEvidence.Result evidence = CountEvidence.execute(tokenized, totals,
        StageParams.evidence(settings, nVocab));
    List<Row> cells = evidence.cells()
        .filter(col("kind").isin(PlainCounts.KINDS.stream().map(Kinds.NAMES::indexOf).toArray()).and(col("contexts").gt(0)))
        .collectAsList();
    Map<Integer, CountEvidence.Slice> slices = org.hallufloor.testing.Stages.byNumber(evidence.slices());
    List<Row> out = new ArrayList<>();
    for (Row c : cells) {
      CountEvidence.Slice s = slices.get(c.getInt(0));
      out.add(org.apache.spark.sql.RowFactory.create(s.dim(), s.value(), c.getInt(1), Kinds.NAMES.get(c.getInt(2)), c.getLong(3),
          c.getLong(4), c.getLong(5)));
    }
    tokenized.unpersist();
    return out;
  }

  /** The good records of the job's input, as the job reads them. */
  private static Dataset<Row> records(SparkSession spark, Settings settings) {
    Configuration conf = new Configuration(spark.sparkContext().hadoopConfiguration());
    CorpusReader.registerCodecs(conf);
    InputFiles.Listing listing = InputFiles.list(settings.input().paths(),
        InputFormat.byName(settings.input().format()), conf);
    return CorpusReader.read(spark, listing.files(), StageParams.recordSpec(settings))
        .filter(col("bad_reason").isNull())
        .repartition(2 * spark.sparkContext().defaultParallelism());
  }

  /** Bytes every task wrote to the shuffle, and how many tasks ran: what a cluster would move. */
  static final class TaskTotals extends org.apache.spark.scheduler.SparkListener {
    volatile long shuffleBytes;
    volatile int tasks;

    @Override
    public synchronized void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
      tasks++;
      if (end.taskMetrics() != null) {
        shuffleBytes += end.taskMetrics().shuffleWriteMetrics().bytesWritten();
      }
    }
  }

  /** Highest heap in use right after a collection, over the JVM's life: what it had to keep. */
  static final class HeapWatch {
    private volatile long peak;

    static HeapWatch start() {
      HeapWatch watch = new HeapWatch();
      List<String> heapPools = new ArrayList<>();
      for (java.lang.management.MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getType() == java.lang.management.MemoryType.HEAP) {
          heapPools.add(pool.getName());
        }
      }
      for (java.lang.management.GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        ((javax.management.NotificationEmitter) gc).addNotificationListener((n, handback) -> {
          if (!com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
          }
          com.sun.management.GarbageCollectionNotificationInfo info = com.sun.management.GarbageCollectionNotificationInfo
              .from((javax.management.openmbean.CompositeData) n.getUserData());
          long used = 0;
          for (Map.Entry<String, java.lang.management.MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
            if (heapPools.contains(e.getKey())) {
              used += e.getValue().getUsed();
            }
          }
          synchronized (watch) {
            watch.peak = Math.max(watch.peak, used);
          }
        }, null, null);
      }
      return watch;
    }

    double peakMb() {
      return peak / 1e6;
    }
  }
}
