package org.hallufloor.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.RowFactory;
import org.hallufloor.testing.SparkTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The suffix kernel's |D| per (slice, c) as an executor reads it back: written in three part
 * files in no particular order, every (slice, c) written is found with its own count (by hand:
 * the rows below), and one never written is 0, as a slice of held-out documents only is.
 */
class TrainingExamplesTest extends SparkTestBase {
  @TempDir Path dir;

  @Test
  void everySliceAndLengthReadsBackItsOwnCount() {
    var rows = List.of(RowFactory.create(7, 2, 70_000_000_000L), RowFactory.create(0, 1, 11L),
        RowFactory.create(1_000_000, 4, 5L), RowFactory.create(7, 1, 71L), RowFactory.create(0, 8, 3L),
        RowFactory.create(2, 2, 22L));
    TrainingExamples table = TrainingExamples.write(spark().createDataFrame(rows, TrainingExamples.SCHEMA).repartition(3),
        dir.resolve("examples").toString());
    assertEquals(70_000_000_000L, table.of(7, 2));
    assertEquals(11L, table.of(0, 1));
    assertEquals(5L, table.of(1_000_000, 4));
    assertEquals(71L, table.of(7, 1));
    assertEquals(3L, table.of(0, 8));
    assertEquals(22L, table.of(2, 2));
    assertEquals(0L, table.of(7, 4), "a length the slice has no examples at");
    assertEquals(0L, table.of(3, 2), "a slice never written");
    assertEquals(6, table.rows(spark()).count());
  }
}
