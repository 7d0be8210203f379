package org.hallufloor.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.hallufloor.evidence.SliceTotals;
import org.junit.jupiter.api.Test;

/** What a person is shown of a run with more slices than a page holds. */
class RunSummaryTest {
  private static Row stats(String dim, String value, long documents) {
    return new GenericRowWithSchema(new Object[] {dim, value, documents, 10 * documents, 0L, 0L}, SliceTotals.SCHEMA);
  }

  @Test
  void manySlicesShowTheWholeCorpusTheScalingFractionsAndTheLargestOthers() {
    List<Row> all = new ArrayList<>(List.of(stats("all", "all", 100_000), stats("scaling", "0.25", 25_000),
        stats("scaling", "1.0", 100_000)));
    for (int i = 0; i < 150; i++) {
      all.add(stats("host", String.format("h%03d", i), i));
    }
    List<Row> shown = RunSummary.shown(all);
    assertEquals(RunSummary.MAX_SHOWN, shown.size());
    // By hand: 3 rows are always shown, so the 97 largest hosts are h053 .. h149, in slice_stats order.
    assertEquals(all.subList(0, 3), shown.subList(0, 3));
    assertEquals("h053", shown.get(3).getString(1));
    assertEquals("h149", shown.get(shown.size() - 1).getString(1));
    assertEquals(all.subList(0, RunSummary.MAX_SHOWN), RunSummary.shown(all.subList(0, RunSummary.MAX_SHOWN)),
        "at most MAX_SHOWN slices are all shown");
  }
}
