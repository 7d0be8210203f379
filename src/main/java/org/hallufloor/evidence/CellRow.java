package org.hallufloor.evidence;

import java.io.Serializable;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.hallufloor.context.Cells;

/**
 * The estimate's view of a cell row (context.Cells, which the estimate may not import): the
 * columns found by name in the cells' schema once, then read by position per row. Exact cells
 * hold a long value, soft ones a double; {@link #value} reads either.
 */
public final class CellRow implements Serializable {
  /** The columns the estimate groups and filters cells by. */
  public static final String SLICE = Cells.SLICE;
  public static final String CONTEXT_LEN = Cells.CONTEXT_LEN;
  public static final String KIND = Cells.KIND;
  public static final String VALUE = Cells.VALUE;

  private final int slice;
  private final int length;
  private final int kind;
  private final int value;
  private final int contexts;
  private final int occurrences;
  private final int heldout;
  private final int amount;

  private CellRow(StructType schema) {
    slice = schema.fieldIndex(Cells.SLICE);
    length = schema.fieldIndex(Cells.CONTEXT_LEN);
    kind = schema.fieldIndex(Cells.KIND);
    value = schema.fieldIndex(Cells.VALUE);
    contexts = schema.fieldIndex(Cells.CONTEXTS);
    occurrences = schema.fieldIndex(Cells.OCCURRENCES);
    heldout = schema.fieldIndex(Cells.HELDOUT);
    amount = schema.fieldIndex(Cells.AMOUNT);
  }

  /** Fails (naming the column) when the schema lacks one of the cells' columns. */
  public static CellRow of(StructType schema) {
    return new CellRow(schema);
  }

  public int slice(Row r) {
    return r.getInt(slice);
  }

  public int contextLength(Row r) {
    return r.getInt(length);
  }

  /** The kind's code (context.Cells, evidence.Kinds). */
  public int kind(Row r) {
    return r.getInt(kind);
  }

  public double value(Row r) {
    return ((Number) r.get(value)).doubleValue();
  }

  /** The value of a kind whose values are integer keys (a pair index, a packed profile). */
  public long longValue(Row r) {
    return ((Number) r.get(value)).longValue();
  }

  /** {value, contexts, occurrences, heldout}: a cell as a spectrum holds it. */
  public double[] sums(Row r) {
    return new double[] {value(r), r.getLong(contexts), r.getLong(occurrences), r.getLong(heldout)};
  }

  public double amount(Row r) {
    return r.getDouble(amount);
  }
}
