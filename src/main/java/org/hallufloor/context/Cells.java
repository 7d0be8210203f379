package org.hallufloor.context;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The cells every evidence pass hands to the estimate (THEORY 1-3): per slice, context length,
 * kind and value, the sums of that cell. The exact pass (evidence), the suffix kernel
 * (evidence) and the jaccard join (similarity) all write them; they live here because those
 * two packages may not import each other. The estimate reads them by these names
 * (evidence.CellRow), never by position.
 */
public final class Cells {
  public static final String SLICE = "slice";
  public static final String CONTEXT_LEN = "context_len";
  public static final String KIND = "kind";
  public static final String VALUE = "value";
  public static final String CONTEXTS = "contexts";
  public static final String OCCURRENCES = "occurrences";
  public static final String HELDOUT = "heldout";
  public static final String AMOUNT = "amount";

  /**
   * The kind column holds a code, not a name: the cells are summed by (slice, c, kind, value),
   * and a key of fixed width is what Spark's aggregation hashes fastest (a string kind cost
   * about half the evidence stage with 10^5 slice values, README real size). evidence.Kinds
   * numbers its kinds from 0, {@link #EVIDENCE_KIND} being the evidence spectrum every kernel
   * writes; the similarity join's own kinds start at {@link #JOIN_KINDS}.
   */
  public static final int EVIDENCE_KIND = 0;
  public static final int JOIN_KINDS = 32;
  /**
   * The margin forms' and P_h's kinds (THEORY 3 and 5), which every kernel writes the same way:
   * value = top1 - top2 of a training context, and of a held-out example its token's E less the
   * largest other (floored at 0); for P_h, value = the (beta_S, T) pair's index and amount = the
   * sum of P_h over training or held-out examples.
   */
  public static final int GAP_KIND = 1;
  public static final int HELDOUT_GAP_KIND = 2;
  public static final int PH_INSAMPLE_KIND = 7;
  public static final int PH_HELDOUT_KIND = 8;

  /** The exact kernel's cells: evidence and margins are counts. */
  public static final StructType EXACT = schema(DataTypes.LongType);
  /** A soft kernel's cells: evidence is real-valued (and rounded up, see {@link #roundUp}). */
  public static final StructType SOFT = schema(DataTypes.DoubleType);

  /** Significant bits kept of a soft evidence value: cells stay few, each value rises by at most 0.1%. */
  public static final int EVIDENCE_BITS = 10;

  private Cells() {}

  private static StructType schema(DataType value) {
    return new StructType()
        .add(SLICE, DataTypes.IntegerType, false)
        .add(CONTEXT_LEN, DataTypes.IntegerType, false)
        .add(KIND, DataTypes.IntegerType, false)
        .add(VALUE, value, false)
        .add(CONTEXTS, DataTypes.LongType, false)
        .add(OCCURRENCES, DataTypes.LongType, false)
        .add(HELDOUT, DataTypes.LongType, false)
        .add(AMOUNT, DataTypes.DoubleType, false);
  }

  /**
   * Partial cells (from every task) summed into one row per (slice, c, kind, value): cells
   * are additive, which is what lets each pass emit them per task without coordination.
   */
  public static Dataset<Row> sum(Dataset<Row> partial) {
    return partial.groupBy(SLICE, CONTEXT_LEN, KIND, VALUE)
        .agg(functions.sum(CONTEXTS).as(CONTEXTS), functions.sum(OCCURRENCES).as(OCCURRENCES),
            functions.sum(HELDOUT).as(HELDOUT), functions.sum(AMOUNT).as(AMOUNT));
  }

  /**
   * The value rounded up to {@link #EVIDENCE_BITS} significant bits, so a real-valued evidence
   * makes a bounded number of cells. Rounding up keeps every bound a lower bound: f at a
   * rounded value is f of the real spectrum there, and the mean rises.
   */
  public static double roundUp(double v) {
    return roundUpBits(v);
  }

  /**
   * Relative distance above a cell value within which a sum of doubles is taken to be that
   * value: the last bits of a sum depend on the order its terms were added in, which depends
   * on how Spark partitioned them, and {@link #roundUp} would lift a sum that is on a cell
   * value but came out a few units in the last place above it by a whole step of 2^-10.
   */
  public static final double SUM_TOLERANCE = 1e-9;

  /**
   * {@link #roundUp} of a value summed from doubles (the soft kernels' evidence and margins):
   * a value at most {@link #SUM_TOLERANCE} above a cell value stays that cell value, so the
   * cell no longer depends on the order of the sum; it may then be that much below the sum.
   */
  public static double roundUpSum(double v) {
    return v > 0 && !Double.isInfinite(v) ? roundUpBits(v - v * SUM_TOLERANCE) : roundUpBits(v);
  }

  private static double roundUpBits(double v) {
    if (v <= 0 || Double.isInfinite(v)) {
      return Math.max(v, 0);
    }
    long mask = (1L << (52 - EVIDENCE_BITS)) - 1;
    long bits = Double.doubleToRawLongBits(v);
    return (bits & mask) == 0 ? v : Double.longBitsToDouble((bits | mask) + 1);
  }
}
