package org.hallufloor.context;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The cells a soft kernel's evidence pass hands to the estimate: slice, context_len, kind,
 * value and the sums of the cell, as the exact pass's, with a real-valued evidence. Kept here
 * because two packages that may not import each other make them (evidence: suffix;
 * similarity: jaccard).
 */
public final class SoftCells {
  public static final StructType SCHEMA = new StructType()
      .add("slice", DataTypes.IntegerType, false)
      .add("context_len", DataTypes.IntegerType, false)
      .add("kind", DataTypes.StringType, false)
      .add("value", DataTypes.DoubleType, false)
      .add("contexts", DataTypes.LongType, false)
      .add("occurrences", DataTypes.LongType, false)
      .add("heldout", DataTypes.LongType, false)
      .add("amount", DataTypes.DoubleType, false);

  /** Significant bits kept of an evidence value: cells stay few, each value rises by at most 0.1%. */
  public static final int EVIDENCE_BITS = 10;

  private SoftCells() {}

  /**
   * The value rounded up to {@link #EVIDENCE_BITS} significant bits, so a real-valued evidence
   * makes a bounded number of cells. Rounding up keeps every bound a lower bound: f at a
   * rounded value is f of the real spectrum there, and the mean rises.
   */
  public static double roundUp(double v) {
    if (v <= 0 || Double.isInfinite(v)) {
      return Math.max(v, 0);
    }
    long mask = (1L << (52 - EVIDENCE_BITS)) - 1;
    long bits = Double.doubleToRawLongBits(v);
    return (bits & mask) == 0 ? v : Double.longBitsToDouble((bits | mask) + 1);
  }
}
