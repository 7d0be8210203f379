package org.hallufloor.testing;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.hallufloor.config.Settings;
import org.hallufloor.corpus.ReadCorpus;
import org.hallufloor.evidence.SliceTotals;
import org.hallufloor.job.StageParams;
import org.hallufloor.tokenize.Tokenize;
import org.hallufloor.tokenize.TokenizerSpec;

/**
 * The job's first stages alone, on a test's settings: read (ReadCorpus), tokenize (Tokenize),
 * documents and tokens per slice (SliceTotals), without the evidence pass or any table written.
 */
public final class Stages {
  private Stages() {}

  /** slice_stats rows (before slices[].max-values), documents read and bad records. */
  public record Slices(List<Row> sliceStats, long documents, long badRecords) {}

  /**
   * The documents with their slices, held-out flag and token ids, bad records riding along: what
   * the evidence stages read, so two inputs whose rows here are equal give the same numbers.
   */
  public static Dataset<Row> documents(SparkSession spark, Settings settings) {
    ReadCorpus.Result read = ReadCorpus.execute(spark, StageParams.read(settings));
    return read.params().format().preTokenized() ? read.documents()
        : Tokenize.tokenize(read.documents(), TokenizerSpec.of(settings.tokenizer()));
  }

  public static Slices slices(SparkSession spark, Settings settings) {
    Dataset<Row> tokenized = documents(spark, settings);
    List<Row> groups = SliceTotals.groups(tokenized).collectAsList();
    List<Row> sliceStats = SliceTotals.perSlice(SliceTotals.documentGroups(groups));
    long documents = SliceTotals.documentGroups(groups).stream().mapToLong(g -> g.getLong(2)).sum();
    return new Slices(sliceStats, documents, SliceTotals.badRecords(groups));
  }
}
