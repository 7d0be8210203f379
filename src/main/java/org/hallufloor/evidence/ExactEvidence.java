package org.hallufloor.evidence;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;

import java.io.Serializable;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Evidence under the exact kernel (THEORY 1): {@code E(y|X)} is the count of the fact (X, y)
 * among a slice's training examples and {@code Evid(X)} the count of X. Facts are brought
 * together by context in one shuffle, then {@link ContextStream} reduces each context to the
 * cells of {@link #SCHEMA}: spectra of evidence and margins, and sums, per slice and length.
 */
public final class ExactEvidence {
  /** slice, context_len, kind (see {@link Kinds}), value, and the four sums of that cell. */
  public static final StructType SCHEMA = new StructType()
      .add("slice", DataTypes.IntegerType, false)
      .add("context_len", DataTypes.IntegerType, false)
      .add("kind", DataTypes.StringType, false)
      .add("value", DataTypes.LongType, false)
      .add("contexts", DataTypes.LongType, false)
      .add("occurrences", DataTypes.LongType, false)
      .add("heldout", DataTypes.LongType, false)
      .add("amount", DataTypes.DoubleType, false);

  private ExactEvidence() {}

  /** N_V and the beta_S / T ratio of each (beta_S, T) pair, in the caller's order. */
  public record Params(long nVocab, double[] betaOverT) implements Serializable {}

  /** Facts (see Examples.FACTS) to the evidence cells, summed over the whole slice. */
  public static Dataset<Row> cells(Dataset<Row> facts, Params params) {
    Dataset<Row> partial = facts
        // No partition count: adaptive execution sizes this shuffle from the data it sees. The
        // hash already mixes in c, and one long sort key lets Spark radix-sort on its prefix
        // (with (c, hash) it compares whole records, which cost 3x more here).
        .repartition(col("context_hash"))
        .sortWithinPartitions("context_hash")
        .mapPartitions((MapPartitionsFunction<Row, Row>) rows -> new ContextStream(rows, params), Encoders.row(SCHEMA));
    return partial.groupBy("slice", "context_len", "kind", "value")
        .agg(sum("contexts").as("contexts"), sum("occurrences").as("occurrences"),
            sum("heldout").as("heldout"), sum("amount").as("amount"));
  }
}
