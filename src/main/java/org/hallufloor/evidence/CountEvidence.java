package org.hallufloor.evidence;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.hallufloor.bound.ScalePairs;
import org.hallufloor.context.Examples;
import org.hallufloor.context.Groups;

/**
 * THEORY 1 and 2's exact-kernel evidence pass as one action: tokenized documents, with the
 * slices and groups {@link SliceTotals} numbered, to the evidence cells of every (slice, c).
 * Lazy: its Spark jobs run, under
 * {@link #JOB_GROUP}, when the estimate's first table is written.
 */
public final class CountEvidence {
  /** The Spark job group of this step, as the Spark UI lists it. */
  public static final String JOB_GROUP = "hallufloor-evidence";

  /** A slice by its number in the cells: its dimension, value and training documents. */
  public record Slice(String dim, String value, long trainingDocuments) implements Serializable {}

  /**
   * What the pass needs: the context lengths, the share of contexts kept (by hash), how many
   * examples one task may hold, N_V, the (beta_S, T) pairs whose P_h and held-out log-likelihood
   * are summed, and whether to sum the fitted scale's terms (THEORY 5).
   */
  public record Params(List<Integer> contextLengths, double contextSampleRate, long examplesPerTask, long nVocab,
      ScalePairs pairs, boolean fitScale, int flushCells) {
    public Params(List<Integer> contextLengths, double contextSampleRate, long examplesPerTask, long nVocab,
        ScalePairs pairs, boolean fitScale) {
      this(contextLengths, contextSampleRate, examplesPerTask, nVocab, pairs, fitScale, FLUSH_CELLS);
    }

    /** The same pass, its tasks handing on their partial cells whenever they hold {@code cells} (tests: 1). */
    public Params withFlushCells(int cells) {
      return new Params(contextLengths, contextSampleRate, examplesPerTask, nVocab, pairs, fitScale, cells);
    }

    public Params {
      if (flushCells < 1) {
        throw new IllegalArgumentException("cells held per task must be >= 1: " + flushCells);
      }
      // Each length's range is the packed fact's, checked by Examples.Plan.
      if (contextLengths == null || contextLengths.isEmpty()) {
        throw new IllegalArgumentException("no context length to count");
      }
      if (!(contextSampleRate > 0 && contextSampleRate <= 1)) {
        throw new IllegalArgumentException("context sample rate must be in (0, 1]: " + contextSampleRate);
      }
      if (examplesPerTask < 1) {
        throw new IllegalArgumentException("examples per task must be >= 1: " + examplesPerTask);
      }
      if (nVocab < 1 || nVocab > Examples.MAX_VOCABULARY) {
        throw new IllegalArgumentException("a vocabulary of " + nVocab + " ids: a packed fact holds 1 to "
            + Examples.MAX_VOCABULARY);
      }
      contextLengths = List.copyOf(contextLengths);
    }
  }

  /**
   * The cells (see context.Cells, summed), the numbered slices and groups they use, and the
   * broadcasts the cells read: {@link #release} destroys them once every table is written.
   */
  public record Result(Dataset<Row> cells, SliceTotals.Slices slices, Groups groups, List<Broadcast<?>> broadcasts) {
    public void release() {
      broadcasts.forEach(Broadcast::destroy);
    }
  }

  /**
   * Partial cells an evidence task holds before it hands them on: they add up downstream
   * (context.Cells.sum), so a task that meets many slices (a million slice values) flushes
   * instead of growing; about 40 MB of maps and rows at this size.
   */
  public static final int FLUSH_CELLS = 1 << 18;

  private CountEvidence() {}

  /** @param totals the slices and groups of the same documents (SliceTotals.of) */
  public static Result execute(Dataset<Row> tokenized, SliceTotals.Totals totals, Params params) {
    Examples.Plan plan = new Examples.Plan(totals.groups(), params.contextLengths(), params.contextSampleRate());
    int partitions = ExactEvidence.partitions(
        (long) Math.ceil(totals.tokens() * params.contextLengths().size() * params.contextSampleRate()),
        params.examplesPerTask(), tokenized.sparkSession().sparkContext().defaultParallelism());
    List<Broadcast<?>> broadcasts = new ArrayList<>();
    Dataset<Row> cells = ExactEvidence.cells(Examples.facts(tokenized, plan, broadcasts),
        new ExactEvidence.Params(params.nVocab(), params.pairs(), totals.groups(), partitions, params.fitScale(),
            params.flushCells()), broadcasts);
    return new Result(cells, totals.slices(), totals.groups(), List.copyOf(broadcasts));
  }
}
