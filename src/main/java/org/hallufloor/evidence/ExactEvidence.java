package org.hallufloor.evidence;

import static org.apache.spark.sql.functions.col;

import java.io.Serializable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.hallufloor.bound.ScalePairs;
import org.hallufloor.context.Cells;
import org.hallufloor.context.Groups;

/**
 * Evidence under the exact kernel (THEORY 1): {@code E(y|X)} is the count of the fact (X, y)
 * among a slice's training examples and {@code Evid(X)} the count of X. Facts are brought
 * together by context in one shuffle, then {@link ContextStream} reduces each context to the
 * cells of {@link Cells#EXACT}: spectra of evidence and margins, and sums, per slice and length.
 */
public final class ExactEvidence {
  private ExactEvidence() {}

  /**
   * N_V, the (beta_S, T) pairs whose P_h and held-out log-likelihood are summed, the facts'
   * groups, how many tasks the facts are spread over (each sorts its share in memory), and
   * whether to sum the held-out log-likelihood's terms for the fitted scale (HeldoutFit).
   */
  public record Params(long nVocab, ScalePairs pairs, Groups groups, int partitions, boolean fitScale,
      int flushCells) implements Serializable {}

  /**
   * Facts (see Examples.FACTS) to the evidence cells, summed over the whole slice; the params'
   * broadcast goes to {@code owned}, for the caller to destroy when the cells are done with.
   */
  public static Dataset<Row> cells(Dataset<Row> facts, Params params, java.util.List<Broadcast<?>> owned) {
    SparkSession spark = facts.sparkSession();
    Broadcast<Params> shared = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(params);
    owned.add(shared);
    // Facts are read as Spark holds them after the shuffle (no conversion to Row), equal
    // facts from every map task merged as they arrive (SortedFacts), and grouped by context
    // within the task; the hash already mixes in c.
    JavaRDD<Row> partial = facts.repartition(params.partitions(), col("context_hash"))
        .queryExecution().toRdd().toJavaRDD()
        .mapPartitions(rows -> new ContextStream(SortedFacts.load(rows), shared.value()));
    return Cells.sum(spark.createDataFrame(partial, Cells.EXACT));
  }

  /** Tasks for the evidence pass: enough that none holds more than {@code perTask} examples. */
  public static int partitions(long examples, long perTask, int parallelism) {
    long needed = (examples + perTask - 1) / perTask;
    return (int) Math.max(parallelism, Math.min(needed, 1_000_000));
  }
}
