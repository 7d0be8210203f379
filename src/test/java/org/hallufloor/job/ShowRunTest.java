package org.hallufloor.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.hallufloor.evidence.SliceTotals;
import org.hallufloor.report.RunSummary;
import org.hallufloor.testing.SparkTestBase;
import org.junit.jupiter.api.Test;

/**
 * The summary's slices are read from the executors' slice table in a bounded query
 * (ShowRun.candidates); the second method is RunSummary.shown over every slice_stats row,
 * which a run no longer collects. Made-up slices: the test needs ties in document counts
 * around the cut and more slices than a page holds, which a small real corpus lacks.
 */
class ShowRunTest extends SparkTestBase {
  @Test
  void boundedReadShowsWhatTheWholeListWould() {
    StructType schema = new StructType().add(SliceTotals.SLICE, DataTypes.IntegerType, false)
        .add("slice_dim", DataTypes.StringType, false).add("slice_value", DataTypes.StringType, false)
        .add("documents", DataTypes.LongType, false).add("tokens", DataTypes.LongType, false)
        .add("heldout_documents", DataTypes.LongType, false).add("heldout_tokens", DataTypes.LongType, false);
    List<Row> rows = new ArrayList<>();
    rows.add(RowFactory.create(0, "all", "all", 10_000L, 1L, 0L, 0L));
    rows.add(RowFactory.create(1, "scaling", "0.25", 2_500L, 1L, 0L, 0L));
    rows.add(RowFactory.create(2, "scaling", "1.0", 10_000L, 1L, 0L, 0L));
    for (int i = 0; i < 250; i++) {
      // Documents i / 10: ties of ten hosts each, so the cut falls inside a tie.
      rows.add(RowFactory.create(3 + i, "host", String.format("h%03d", i), (long) (i / 10), 1L, 0L, 0L));
    }
    List<Row> shuffled = new ArrayList<>(rows);
    Collections.shuffle(shuffled, new java.util.Random(7));
    SliceTotals.Slices slices = new SliceTotals.Slices(spark().createDataFrame(shuffled, schema).repartition(3),
        rows.size());

    List<Row> wholeList = new ArrayList<>();
    for (Row r : rows) {
      wholeList.add(new org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema(new Object[] {r.get(1), r.get(2),
          r.get(3), r.get(4), r.get(5), r.get(6)}, SliceTotals.SCHEMA));
    }
    wholeList.sort(java.util.Comparator.comparing((Row r) -> r.getString(0)).thenComparing(r -> r.getString(1)));
    List<Row> expected = RunSummary.shown(wholeList);
    List<Row> actual = RunSummary.shown(ShowRun.candidates(slices));
    assertEquals(RunSummary.MAX_SHOWN, expected.size());
    assertEquals(expected.size(), actual.size());
    for (int i = 0; i < expected.size(); i++) {
      for (int c = 0; c < 6; c++) {
        assertEquals(expected.get(i).get(c), actual.get(i).get(c), "row " + i);
      }
    }
  }
}
