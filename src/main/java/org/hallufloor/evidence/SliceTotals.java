package org.hallufloor.evidence;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Documents and tokens per slice, from documents carrying {@code slices}, {@code heldout} and {@code tokens}. */
public final class SliceTotals {
  private SliceTotals() {}

  /** slice_dim, slice_value, documents, tokens, heldout_documents, heldout_tokens. */
  public static Dataset<Row> of(Dataset<Row> documentTokens) {
    return documentTokens
        .select(explode(col("slices")).as("s"), col("tokens"), col("heldout"))
        .groupBy(col("s.dim").as("slice_dim"), col("s.value").as("slice_value"))
        .agg(count(lit(1)).as("documents"),
            sum(col("tokens")).as("tokens"),
            sum(when(col("heldout"), 1L).otherwise(0L)).as("heldout_documents"),
            sum(when(col("heldout"), col("tokens")).otherwise(0L)).as("heldout_tokens"))
        .orderBy(col("slice_dim"), col("slice_value"));
  }
}
