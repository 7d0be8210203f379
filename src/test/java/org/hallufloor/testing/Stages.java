package org.hallufloor.testing;

import static org.apache.spark.sql.functions.col;

import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.hallufloor.config.Settings;
import org.hallufloor.corpus.ReadCorpus;
import org.hallufloor.corpus.SliceSpec;
import org.hallufloor.estimate.SliceBounds;
import org.hallufloor.evidence.CountEvidence;
import org.hallufloor.evidence.SliceTotals;
import org.hallufloor.job.StageParams;
import org.hallufloor.tokenize.Tokenize;
import org.hallufloor.tokenize.TokenizerSpec;

/**
 * The job's stages alone, on a test's settings, as a run chains them but with no table
 * written: read (ReadCorpus), tokenize (Tokenize), documents and tokens per slice
 * (SliceTotals), and the exact kernel's evidence pass and estimate (CountEvidence, SliceBounds).
 */
public final class Stages {
  private Stages() {}

  /**
   * The documents with their slices, held-out flag and token ids, bad records riding along: what
   * the evidence stages read, so two inputs whose rows here are equal give the same numbers.
   */
  public static Dataset<Row> documents(SparkSession spark, Settings settings) {
    ReadCorpus.Result read = ReadCorpus.execute(spark, StageParams.read(settings));
    return read.params().format().preTokenized() ? read.documents()
        : Tokenize.tokenize(read.documents(), TokenizerSpec.of(settings.tokenizer()));
  }

  /** slice_stats rows (before slices[].max-values), documents read and bad records. */
  public static SliceTotals.Totals slices(SparkSession spark, Settings settings) {
    return SliceTotals.of(documents(spark, settings), Map.of(), SliceSpec.OTHER, scratch());
  }

  /** The slice totals of tokenized documents (bad records apart or riding along), numbered as a run numbers them. */
  public static SliceTotals.Totals totals(Dataset<Row> tokenized) {
    return SliceTotals.of(tokenized, Map.of(), SliceSpec.OTHER, scratch());
  }

  /** Every slice by its number, as the cells name it (a test's few slices). */
  public static Map<Integer, org.hallufloor.evidence.CountEvidence.Slice> byNumber(SliceTotals.Slices slices) {
    Map<Integer, org.hallufloor.evidence.CountEvidence.Slice> out = new java.util.TreeMap<>();
    for (Row r : slices.table().collectAsList()) {
      out.put(r.getInt(0), new org.hallufloor.evidence.CountEvidence.Slice(r.getString(1), r.getString(2),
          r.getLong(3) - r.getLong(5)));
    }
    return out;
  }

  /** A fresh folder for a stage's working files (the groups' directory), removed when the JVM exits. */
  public static String scratch() {
    try {
      java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("hallufloor-scratch");
      // deleteOnExit removes only empty folders, and the stage fills this one: delete the tree at exit.
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir.toFile())));
      return dir.resolve("groups").toString();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void deleteTree(java.io.File f) {
    java.io.File[] children = f.listFiles();
    if (children != null) {
      for (java.io.File c : children) {
        deleteTree(c);
      }
    }
    f.delete();
  }

  /** The exact estimate's rows and the slice totals they came from; {@link #release} when read. */
  public record Estimate(SliceBounds.Result result, SliceTotals.Totals totals, Dataset<Row> kept) {
    public void release() {
      result.release();
      totals.release();
      kept.unpersist();
    }
  }

  /** Read, tokenize (kept, as a run keeps it), slice totals with slices[].max-values, evidence, estimate. */
  public static Estimate estimate(SparkSession spark, Settings settings) {
    Dataset<Row> kept = documents(spark, settings).cache();
    SliceTotals.Totals totals = SliceTotals.of(kept, StageParams.maxValues(settings), SliceSpec.OTHER, scratch());
    int nVocab = StageParams.vocabularySize(settings);
    CountEvidence.Result evidence = CountEvidence.execute(kept.filter(col("bad").isNull()), totals,
        StageParams.evidence(settings, nVocab));
    SliceBounds.Result result = SliceBounds.compute(spark, evidence.slices(), evidence.cells(),
        StageParams.estimate(settings, nVocab)).alsoReleasing(evidence::release);
    return new Estimate(result, totals, kept);
  }
}
