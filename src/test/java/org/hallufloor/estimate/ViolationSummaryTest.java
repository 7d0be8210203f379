package org.hallufloor.estimate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.hallufloor.testing.SparkTestBase;
import org.junit.jupiter.api.Test;

/**
 * The run's one-job summary of violated invariants against counting and listing the rows
 * directly. The messages are made up (numbered): the property tested is the bookkeeping over
 * partitions, which needs more violations than a real run has.
 */
class ViolationSummaryTest extends SparkTestBase {
  private SliceBounds.Result withViolations(List<String> messages, int partitions) {
    Dataset<Row> rows = spark().createDataset(messages, Encoders.STRING()).toDF("violation").repartition(partitions);
    Dataset<Row> none = spark().emptyDataFrame();
    return new SliceBounds.Result(none, none, none, none, none, rows, List.of(), List.of(), List.of());
  }

  @Test
  void countsEveryViolationAndKeepsTheFirstFew() {
    List<String> messages = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      messages.add("violation " + i);
    }
    SliceBounds.Violations v = withViolations(messages, 7).violationSummary(20);
    assertEquals(1000, v.count());
    assertEquals(20, v.first().size());
    assertEquals(20, new HashSet<>(v.first()).size());
    assertTrue(messages.containsAll(v.first()));

    SliceBounds.Violations few = withViolations(messages.subList(0, 3), 2).violationSummary(20);
    assertEquals(3, few.count());
    assertEquals(new HashSet<>(messages.subList(0, 3)), new HashSet<>(few.first()));

    SliceBounds.Violations none = withViolations(List.of(), 1).violationSummary(20);
    assertEquals(0, none.count());
    assertEquals(List.of(), none.first());
  }
}
