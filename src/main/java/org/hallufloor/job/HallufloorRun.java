package org.hallufloor.job;

import static org.apache.spark.sql.functions.col;

import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.hallufloor.config.Settings;
import org.hallufloor.corpus.InputFiles;
import org.hallufloor.corpus.ReadCorpus;
import org.hallufloor.corpus.SliceSpec;
import org.hallufloor.estimate.SliceBounds;
import org.hallufloor.evidence.CountEvidence;
import org.hallufloor.evidence.SliceTotals;
import org.hallufloor.output.RunLock;
import org.hallufloor.output.RunOutput;
import org.hallufloor.output.RunsTable;
import org.hallufloor.report.Progress;
import org.hallufloor.tokenize.Tokenize;
import org.hallufloor.tokenize.TokenizerSpec;

/**
 * One run: shards to documents, documents to tokens, counts per slice, tables committed.
 * Each step is a static stage of its package; this class only wires them and keeps the
 * run's bookkeeping (the {@code runs} row, bad records, the printed summary).
 */
public final class HallufloorRun {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HallufloorRun.class);
  private static final int VIOLATIONS_SHOWN = 20;

  private final SparkSession spark;
  private final Settings settings;
  private final PrintStream out;
  private final Progress progress;
  private final Instant startedAt = Instant.now();
  private InputFiles.Listing listing;
  private ReadCorpus.Result read;
  private Long badRecords;

  public HallufloorRun(SparkSession spark, Settings settings, PrintStream out, boolean quiet) {
    this.spark = spark;
    this.settings = settings;
    this.out = out;
    this.progress = new Progress(out, settings.progress() && !quiet);
  }

  /**
   * What a finished run reports, for callers and tests: {@code invariantViolations} holds the
   * first violations found, {@code invariantViolationCount} counts all of them.
   */
  public record Result(long documents, long badRecords, List<String> invariantViolations,
      long invariantViolationCount, RunOutput output) {
    /**
     * The committed slice_stats rows, in slice_stats order, read back (the run holds them on no
     * driver): every slice's row, so for tests and runs of few slices; a caller with many reads
     * {@code output().readRun("slice_stats")} as a Dataset.
     */
    public List<Row> sliceStats() {
      return output.readRun(RunOutput.SLICE_STATS).select("slice_dim", "slice_value", "documents", "tokens", "heldout_documents",
          "heldout_tokens").orderBy("slice_dim", "slice_value").collectAsList();
    }
  }

  /** Runs under the run id's lock: a second run of the same id at the same time is refused (RunLock). */
  public Result run() {
    try (RunLock lock = RunLock.acquire(spark.sparkContext().hadoopConfiguration(), settings.outputRoot(),
        settings.runId())) {
      try (Progress.Following following = progress.follow(spark.sparkContext(), settings.progressIntervalMillis(),
          System.console() != null)) {
        return runStages();
      } catch (Exception e) {
        // Also Spark's checked SparkException (a failed task), which no signature here declares.
        recordFailure(e);
        throw e;
      }
    }
  }

  private Result runStages() {
    RunOutput output = new RunOutput(spark, settings.output(), settings.runId());
    Dataset<Row> kept = null;
    SliceTotals.Totals totals = null;
    SliceBounds.Result estimate = null;
    try {
      kept = tokenize(readDocuments());
      step(READ, "THEORY 1 and 6: documents read, sliced, split and tokenized; bad records and slice totals counted");
      totals = SliceTotals.of(kept, StageParams.maxValues(settings), SliceSpec.OTHER, output.scratch("groups"));
      badRecords = InputChecks.stageBadRecords(settings, read, listing, kept, totals.badRecords(), output, progress);
      Row all = InputChecks.allSlice(totals.slices(), settings);
      long documentCount = all.getLong(2);
      long tokens = all.getLong(3);
      progress.done((preTokenized() ? "sliced " : "tokenized ") + documentCount + " documents", tokens, "tokens");

      progress.begin("counting evidence for context lengths " + settings.contextLengths());
      // The evidence pass and the estimate are lazy until their first table is written.
      step(EVIDENCE, "THEORY 1-3 and 5: evidence per context, then spectra, k and bounds per slice and c");
      // Bad records ride along in the kept rows with no ids; every later stage reads documents only.
      estimate = estimate(kept.filter(col("bad").isNull()), totals, tokens, output.scratch("kernel"));
      output.stage(RunOutput.SLICE_BOUNDS, estimate.sliceBounds());
      progress.done("counted evidence and bounds", tokens, "tokens");
      step(TABLES, "the run's tables staged and committed");
      SliceBounds.Violations violations = estimate.violationSummary(VIOLATIONS_SHOWN);
      violations.first().forEach(v -> LOG.warn("invariant violated: {}", v));
      output.stage(RunOutput.F_CURVE, estimate.fCurve());
      output.stage(RunOutput.EVIDENCE_HISTOGRAM, estimate.evidenceHistogram());
      output.stage(RunOutput.SIMILARITY_JOIN, estimate.similarityJoin());
      output.stage(RunOutput.FITTED_SCALE, estimate.fittedScale());
      output.stage(RunOutput.SLICE_STATS, totals.slices().stats());
      output.stage(RunOutput.RUNS, RunsTable.of(spark, runRecord("SUCCEEDED", documentCount, null, violations.count())));
      List<RunOutput.Committed> committed = output.commit();
      new ShowRun(spark, settings, out).show(new ShowRun.Facts(startedAt, listing.files().size(), listing.bytes(),
          documentCount, tokens, badRecords), totals.slices(), estimate, committed);
      return new Result(documentCount, badRecords, violations.first(), violations.count(), output);
    } finally {
      if (estimate != null) {
        estimate.release();
      }
      if (totals != null) {
        totals.release();
      }
      if (kept != null) {
        kept.unpersist();
      }
      try {
        output.dropScratch();
      } catch (java.io.UncheckedIOException e) {
        LOG.warn("{}", e.getMessage());
      }
    }
  }

  /** Spark job groups, one per step of THEORY.md, as the Spark UI lists them. */
  static final String READ = ReadCorpus.JOB_GROUP;
  static final String EVIDENCE = CountEvidence.JOB_GROUP;
  static final String TABLES = "hallufloor-tables";

  private void step(String group, String description) {
    spark.sparkContext().setJobGroup(group, description, false);
  }

  /** Lists the input and plans its read (ReadCorpus); nothing is read until the tokenizing pass. */
  private Dataset<Row> readDocuments() {
    progress.begin("listing input");
    read = ReadCorpus.execute(spark, StageParams.read(settings));
    listing = read.listing();
    progress.done("listed input", listing.files().size(), "files");
    progress.begin("reading " + listing.files().size() + " shard(s), " + listing.bytes() + " bytes");
    return read.documents();
  }

  /**
   * Documents to their token ids, kept (serialized, spilling to disk): the slice totals, the
   * evidence pass and a soft kernel each read them, so text is read and tokenized once. Bad
   * records ride along with their reason and no ids. Pre-tokenized input is not kept: its files
   * are read as fast as a cache, and building a columnar cache of 4 x 10^8 ids beside the side
   * table took 1 GB executors down (README, real size).
   */
  private Dataset<Row> tokenize(Dataset<Row> documents) {
    if (preTokenized()) {
      progress.begin("slicing pre-tokenized documents (" + settings.tokenizer() + " names the vocabulary)");
      return documents;
    }
    progress.begin("tokenizing with " + settings.tokenizer());
    return Tokenize.tokenize(documents, TokenizerSpec.of(settings.tokenizer())).persist(StorageLevel.MEMORY_AND_DISK_SER());
  }

  private boolean preTokenized() {
    return read.params().format().preTokenized();
  }

  /** Tokenized documents to the estimate's tables: exact evidence, then a soft kernel's where one is set. */
  private SliceBounds.Result estimate(Dataset<Row> tokenized, SliceTotals.Totals totals, long tokens, String scratch) {
    int nVocab = StageParams.vocabularySize(settings);
    SliceBounds.Params params = StageParams.estimate(settings, nVocab);
    CountEvidence.Result evidence = CountEvidence.execute(tokenized, totals, StageParams.evidence(settings, nVocab));
    SliceBounds.Result exact = SliceBounds.compute(spark, evidence.slices(), evidence.cells(), params)
        .alsoReleasing(evidence::release);
    return SoftKernel.estimate(spark, settings, tokenized, evidence, params, progress, tokens, scratch)
        .map(exact::withSoft).orElse(exact);
  }

  private RunsTable.RunRecord runRecord(String status, Long documents, String error, Long invariantViolations) {
    return new RunsTable.RunRecord(status, startedAt, Instant.now(), settings.configJson(),
        listing == null ? null : (long) listing.files().size(), listing == null ? null : listing.bytes(),
        documents, badRecords, settings.tokenizer(), error, invariantViolations);
  }

  /** A failed run still leaves a runs row (status FAILED), so a scheduler's dashboard shows it. */
  private void recordFailure(Exception e) {
    try {
      RunOutput output = new RunOutput(spark, settings.output(), settings.runId());
      output.stage(RunOutput.RUNS, RunsTable.of(spark, runRecord("FAILED", null, String.valueOf(e.getMessage()), null)));
      output.commit();
    } catch (RuntimeException suppressed) {
      e.addSuppressed(suppressed);
    }
  }
}
