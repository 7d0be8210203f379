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
          // A fitted row's scale a* is solved from such sums (to ~1e-13 between orders of
          // addition), and eps0* = 1 / (1 + e^(L*)) multiplies that by L*, which is k + 1 for
          // large k: those rows agree to 1e-9, the configured pairs' to 1e-12.
          double tolerance = "fitted".equals(expected.get(i).getAs("beta_source")) ? 1e-9 : 1e-12;
          assertEquals(x, y, tolerance * Math.abs(x), column + " " + expected.get(i));
        } else {
          assertEquals(a, b, column + " " + expected.get(i));
        }
      }
    }
  }
}
