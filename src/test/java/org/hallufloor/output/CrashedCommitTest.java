package org.hallufloor.output;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.hallufloor.testing.SparkTestBase;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rerun whose commit dies at each of its steps: a reader that follows INTERFACE.md (only run
 * ids whose runs.status is SUCCEEDED) sees the previous complete run or no complete run, never a
 * mix of old and new tables; the next rerun of the same id then replaces everything cleanly.
 * Both output formats: Parquet folders moved by renames, and Iceberg tables whose partitions
 * are replaced by one commit each (a Hadoop catalog at the root). Generated rows: the commit protocol is under test, not the numbers, so each table holds one
 * row naming the attempt that wrote it.
 */
class CrashedCommitTest extends SparkTestBase {
  private static final StructType SCHEMA = new StructType().add("attempt", DataTypes.StringType);
  private static final List<String> STEPS = List.of("mark", "slice_bounds", "f_curve", "runs");

  @TempDir Path dir;

  private static RunOutput.Destination destination(Path root, RunOutput.Format format) {
    return new RunOutput.Destination(root.toString(), format, "", "");
  }

  private RunOutput stage(Path root, RunOutput.Format format, String attempt) {
    RunOutput out = new RunOutput(spark(), destination(root, format), "2026-11-28");
    for (String table : List.of("slice_bounds", "f_curve")) {
      out.stage(table, spark().createDataFrame(List.of(RowFactory.create(attempt)), SCHEMA));
    }
    out.stage(RunOutput.RUNS, RunsTable.of(spark(), new RunsTable.RunRecord("SUCCEEDED", Instant.now(), Instant.now(),
        "{}", 1L, 1L, 1L, 0L, "bytes", attempt, 0L)));
    return out;
  }

  /** What a dashboard sees: the attempts behind each table of the successful runs. */
  private Set<String> visible(Path root, RunOutput.Format format) {
    Set<String> seen = new TreeSet<>();
    RunOutput reader = new RunOutput(spark(), destination(root, format), "reader");
    Dataset<Row> runs;
    try {
      runs = reader.read("runs").filter("status = 'SUCCEEDED'").select("run_id");
    } catch (Exception noRunsYet) {
      return seen;
    }
    for (String table : List.of("slice_bounds", "f_curve")) {
      try {
        reader.read(table).join(runs, "run_id")
            .collectAsList().forEach(r -> seen.add(table + ":" + r.getAs("attempt")));
      } catch (Exception noTable) {
        seen.add(table + ":missing");
      }
    }
    return seen;
  }

  @ParameterizedTest
  @EnumSource(RunOutput.Format.class)
  void aCrashAtAnyStepNeverShowsHalfARun(RunOutput.Format format) {
    for (String crashAt : STEPS) {
      Path root = dir.resolve(format + "-crash-" + crashAt);
      stage(root, format, "old").commit();
      assertEquals(Set.of("slice_bounds:old", "f_curve:old"), visible(root, format));

      RunOutput rerun = stage(root, format, "new");
      rerun.onCommitStep(step -> {
        if (step.equals(crashAt)) {
          throw new IllegalStateException("crash before " + step);
        }
      });
      Assertions.assertThrows(IllegalStateException.class, rerun::commit);
      Set<String> afterCrash = visible(root, format);
      Assertions.assertTrue(afterCrash.equals(Set.of("slice_bounds:old", "f_curve:old")) || afterCrash.isEmpty(),
          "crash before " + crashAt + " shows " + afterCrash);

      stage(root, format, "new").commit();
      assertEquals(Set.of("slice_bounds:new", "f_curve:new"), visible(root, format), "after the rerun, crash at " + crashAt);
    }
  }
}
