package org.hallufloor.job;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.spark.SparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.hallufloor.bound.SuffixKernel;
import org.hallufloor.config.Settings;
import org.hallufloor.corpus.Documents;
import org.hallufloor.estimate.SliceBounds;
import org.hallufloor.evidence.CountEvidence;
import org.hallufloor.evidence.SuffixEvidence;
import org.hallufloor.report.Progress;
import org.hallufloor.similarity.ContextSets;
import org.hallufloor.similarity.JaccardJoin;
import org.hallufloor.similarity.JaccardMargins;

/**
 * The rows a run adds beside the exact kernel's when {@code hallufloor.kernel.name} names a
 * soft kernel: the jaccard kernel's sampled similarity join (THEORY 4) or the suffix kernel's
 * counts (THEORY 1 and 3), each estimated as the exact cells are. The rows are lazy, so the
 * Result keeps what they read (the join's cells, the broadcasts) until it is released.
 */
public final class SoftKernel {
  /** Spark job groups, as the Spark UI lists them. */
  static final String JOIN = "hallufloor-jaccard-join";
  static final String SUFFIX = "hallufloor-suffix";

  private SoftKernel() {}

  /**
   * The soft kernel's rows, or empty for the exact kernel alone.
   *
   * @param evidence the exact pass, for its slice and group numbering
   * @param params the exact rows' estimate parameters, so both kernels' rows share run-wide values
   * @param tokens the corpus's tokens, for the progress line's rate
   * @param scratch a folder of the run's own for a kernel's working tables
   */
  public static Optional<SliceBounds.Result> estimate(SparkSession spark, Settings settings, Dataset<Row> tokenized,
      CountEvidence.Result evidence, SliceBounds.Params params, Progress progress, long tokens, String scratch) {
    // The soft kernel's eager work runs under its own job group; the caller's comes back after.
    SparkContext sc = spark.sparkContext();
    String group = sc.getLocalProperty("spark.jobGroup.id");
    String description = sc.getLocalProperty("spark.job.description");
    try {
      return switch (settings.kernel().name()) {
        case "jaccard" -> Optional.of(jaccard(spark, settings, tokenized, evidence, params, progress));
        case "suffix" -> Optional.of(suffix(spark, settings, tokenized, evidence, params, progress, tokens, scratch));
        default -> Optional.empty();
      };
    } finally {
      if (group != null) {
        sc.setJobGroup(group, description, false);
      }
    }
  }

  private static SliceBounds.Result jaccard(SparkSession spark, Settings settings, Dataset<Row> tokenized,
      CountEvidence.Result evidence, SliceBounds.Params params, Progress progress) {
    Settings.Kernel kernel = settings.kernel();
    spark.sparkContext().setJobGroup(JOIN, "THEORY 4: sampled similarity join under " + kernel.label(), false);
    progress.begin("joining similar contexts for " + kernel.label() + " (sample rate " + kernel.sampleRate() + ")");
    JaccardJoin.Params join = StageParams.join(settings);
    List<Broadcast<?>> setsRead = new ArrayList<>();
    JaccardJoin.Margins margins = kernel.margins()
        ? new JaccardJoin.Margins(JaccardMargins.facts(tokenized, evidence.groups(), settings.contextLengths(), setsRead),
            new JaccardMargins.Params(params.nVocab(), scales(params)))
        : null;
    // The margins of banded lengths are summed in the buckets, from the facts each set carries.
    java.util.Set<Integer> factLengths = margins == null ? java.util.Set.of()
        : settings.contextLengths().stream().filter(join::banded).collect(java.util.stream.Collectors.toSet());
    JaccardJoin.Result joined = JaccardJoin.evidence(spark,
        ContextSets.of(tokenized, evidence.groups(), settings.contextLengths(), factLengths, setsRead), join, margins);
    SliceBounds.Result soft = SliceBounds.compute(spark, evidence.slices(), joined.cells(),
        params.withKernel(kernel.label(), kernel.sampleRate()), new SliceBounds.Join(join.tau(), join.bands(),
            join.rows(), join.sampleRate(), joined.seconds(), join.lookupMaxLength()))
        .alsoReleasing(() -> {
          joined.release();
          setsRead.forEach(Broadcast::destroy);
        });
    printJoin(soft, progress);
    return soft;
  }

  private static SliceBounds.Result suffix(SparkSession spark, Settings settings, Dataset<Row> tokenized,
      CountEvidence.Result evidence, SliceBounds.Params params, Progress progress, long tokens, String scratch) {
    Settings.Kernel kernel = settings.kernel();
    spark.sparkContext().setJobGroup(SUFFIX, "THEORY 1 and 3: evidence under " + kernel.label() + " from suffix counts",
        false);
    progress.begin("counting the suffixes of every context for " + kernel.label());
    List<Broadcast<?>> owned = new ArrayList<>();
    // context-sample-rate thins the exact rows only: suffix counts need all examples.
    // Counted now, under this step's job group, and written to the run's scratch (not cached:
    // a cached plan keeps all spark.sql.shuffle.partitions of its last shuffle, 200 tasks per
    // job for a few thousand cells) until the estimate has read them.
    Dataset<Row> summed = SuffixEvidence.cells(tokenized, new SuffixEvidence.Params(kernel.lambda(),
        (int) params.nVocab(), settings.contextLengths(), evidence.groups(), scratch, scales(params)), owned);
    String cellsPath = scratch + "/suffix-cells";
    summed.write().mode(SaveMode.Overwrite).parquet(cellsPath);
    owned.forEach(Broadcast::destroy);
    Dataset<Row> cells = spark.read().schema(summed.schema()).parquet(cellsPath);
    SliceBounds.Result soft = SliceBounds.compute(spark, evidence.slices(), cells,
        params.withKernel(kernel.label(), 1.0), new SliceBounds.Suffix(kernel.lambda()));
    progress.done("counted the suffixes of every context", tokens, "tokens");
    for (int c : settings.contextLengths()) {
      progress.note(String.format(Locale.ROOT, "c=%d: Sbar = 10^%.3f (closed form over the N_V^c space)", c,
          SuffixKernel.log10Sbar(kernel.lambda(), params.nVocab(), c)));
    }
    return soft;
  }

  /** The logit model's scale {@code a = beta_S / T} of each of the run's pairs, by pair index. */
  private static double[] scales(SliceBounds.Params params) {
    double[] scales = new double[params.pairs().size()];
    for (int p = 0; p < scales.length; p++) {
      scales[p] = params.pairs().scale(p);
    }
    return scales;
  }

  /** The join's whole-corpus numbers per c, as progress lines. */
  private static void printJoin(SliceBounds.Result soft, Progress progress) {
    List<Row> whole = soft.similarityJoin().filter(col("slice_dim").equalTo(Documents.ALL)).orderBy("context_len")
        .collectAsList();
    progress.done("joined similar contexts", whole.stream().mapToLong(r -> r.<Long>getAs("query_sets")).sum(),
        "query sets");
    for (Row r : whole) {
      progress.note(String.format(Locale.ROOT,
          "c=%d (%s): %,d candidate pairs, %,d similar; Sbar %.4g [%.4g, %.4g]; audit recall %s over %,d pairs (%s)",
          r.<Integer>getAs("context_len"), r.<String>getAs("method"), r.<Long>getAs("candidate_pairs"), r.<Long>getAs("verified_pairs"),
          r.<Double>getAs("s_bar"), r.<Double>getAs("s_bar_ci_low"), r.<Double>getAs("s_bar_ci_high"),
          r.isNullAt(r.fieldIndex("audit_recall")) ? "-" : String.format(Locale.ROOT, "%.4f, at least %.4f",
              r.<Double>getAs("audit_recall"), r.<Double>getAs("audit_recall_ci_low")), r.<Long>getAs("audit_pairs"),
          r.<String>getAs("audit_recall_status")));
    }
  }
}
