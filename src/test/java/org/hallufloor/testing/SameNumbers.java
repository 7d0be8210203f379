package org.hallufloor.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.spark.sql.Row;
import org.hallufloor.estimate.Tables;

/**
 * Two runs' slice_bounds rows, in the same order, hold the same numbers: counts exactly, and
 * sums of doubles to the last few bits, since a different partitioning changes only their
 * order of addition.
 */
public final class SameNumbers {
  private SameNumbers() {}

  public static void assertSameSliceBounds(List<Row> expected, List<Row> actual) {
    assertEquals(expected.size(), actual.size());
    for (int i = 0; i < expected.size(); i++) {
      for (String column : Tables.SLICE_BOUNDS.fieldNames()) {
        if (column.equals("computed_at")) {
          continue;
        }
        Object a = expected.get(i).getAs(column);
        Object b = actual.get(i).getAs(column);
        if (a instanceof Double x && b instanceof Double y) {
          assertEquals(x, y, 1e-12 * Math.abs(x), column + " " + expected.get(i));
        } else {
          assertEquals(a, b, column + " " + expected.get(i));
        }
      }
    }
  }
}
