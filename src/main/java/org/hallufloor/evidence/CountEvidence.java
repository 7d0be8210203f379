package org.hallufloor.evidence;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.hallufloor.bound.ScalePairs;
import org.hallufloor.context.Examples;
import org.hallufloor.context.Groups;

/**
 * THEORY 1 and 2's exact-kernel evidence pass as one action: tokenized documents, with the
 * group rows and slice totals of {@link SliceTotals}, to the evidence cells of every (slice, c),
 * and the numbering of slices and groups those cells use. Lazy: its Spark jobs run, under
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
   * The cells (see context.Cells, summed), the slices by number, the numbered groups, and
   * the broadcasts the cells read: {@link #release} destroys them once every table is written.
   */
  public record Result(Dataset<Row> cells, Map<Integer, Slice> slices, Groups groups, List<Broadcast<?>> broadcasts) {
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

  /**
   * @param groups the documents' group rows (SliceTotals.groups, after capValues where set)
   * @param sliceStats the slice_stats rows of the same groups (SliceTotals.perSlice); their order numbers the slices
   */
  public static Result execute(Dataset<Row> tokenized, List<Row> groups, List<Row> sliceStats, Params params) {
    Map<String, Integer> sliceIds = new HashMap<>();
    Map<Integer, Slice> slices = new HashMap<>();
    for (Row r : sliceStats) {
      int id = sliceIds.size();
      sliceIds.put(Groups.sliceKey(r.getString(0), r.getString(1)), id);
      slices.put(id, new Slice(r.getString(0), r.getString(1), r.getLong(2) - r.getLong(4)));
    }
    Groups numbered = Groups.of(groups, sliceIds);
    Examples.Plan plan = new Examples.Plan(numbered, params.contextLengths(), params.contextSampleRate());
    // Every document is in one group, so the groups' tokens are the corpus's.
    long tokens = groups.stream().mapToLong(g -> g.getLong(3)).sum();
    int partitions = ExactEvidence.partitions(
        (long) Math.ceil(tokens * params.contextLengths().size() * params.contextSampleRate()),
        params.examplesPerTask(), tokenized.sparkSession().sparkContext().defaultParallelism());
    List<Broadcast<?>> broadcasts = new ArrayList<>();
    Dataset<Row> cells = ExactEvidence.cells(Examples.facts(tokenized, plan, broadcasts),
        new ExactEvidence.Params(params.nVocab(), params.pairs(), numbered, partitions, params.fitScale(),
            params.flushCells()), broadcasts);
    return new Result(cells, slices, numbered, List.copyOf(broadcasts));
  }
}
