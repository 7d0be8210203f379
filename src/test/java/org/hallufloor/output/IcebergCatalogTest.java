package org.hallufloor.output;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.hallufloor.testing.SparkTestBase;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Iceberg output into a catalog the user names (output.iceberg-catalog) and a namespace of two
 * levels: the catalog is set up by spark.sql.catalog.* keys alone, as a REST or Hive one would
 * be; here it is a Hadoop catalog elsewhere than output.root, so the test can look at where the
 * tables landed. Generated rows: the commit's placement is under test, not the numbers.
 */
class IcebergCatalogTest extends SparkTestBase {
  @TempDir Path dir;

  private static final StructType SCHEMA = new StructType().add("slice_dim", DataTypes.StringType)
      .add("bound", DataTypes.DoubleType);

  @Test
  void aNamedCatalogAndNamespaceHoldTheTablesAndRerunsReplaceThePartition() {
    Path warehouse = dir.resolve("lake");
    spark().conf().set("spark.sql.catalog.lake_test", "org.apache.iceberg.spark.SparkCatalog");
    spark().conf().set("spark.sql.catalog.lake_test.type", "hadoop");
    spark().conf().set("spark.sql.catalog.lake_test.warehouse", warehouse.toUri().toString());
    RunOutput.Destination destination = new RunOutput.Destination(dir.resolve("root").toString(),
        RunOutput.Format.ICEBERG, "lake_test", "ml.floors");
    for (double bound : new double[] {0.25, 0.5}) {
      RunOutput out = new RunOutput(spark(), destination, "2026-12-03");
      out.stage("slice_bounds", spark().createDataFrame(List.of(RowFactory.create("all", bound),
          RowFactory.create("year", bound / 2)), SCHEMA));
      out.stage(RunOutput.RUNS, RunsTable.of(spark(), new RunsTable.RunRecord("SUCCEEDED", Instant.now(), Instant.now(),
          "{}", 1L, 1L, 2L, 0L, "bytes", null, 0L)));
      List<RunOutput.Committed> committed = out.commit();
      assertEquals(List.of("slice_bounds", "runs"), committed.stream().map(RunOutput.Committed::table).toList());
      Assertions.assertTrue(committed.get(0).location().startsWith("iceberg lake_test.ml.floors.slice_bounds"),
          committed.get(0).location());
    }
    List<Row> rows = spark().table("lake_test.ml.floors.slice_bounds").orderBy("slice_dim").collectAsList();
    // The second run of the id replaced the first's rows: two rows, not four, at the second bound.
    assertEquals(List.of(RowFactory.create("2026-12-03", "all", 0.5), RowFactory.create("2026-12-03", "year", 0.25)),
        rows);
    Assertions.assertTrue(Files.isDirectory(warehouse.resolve("ml/floors/slice_bounds/metadata")));
    Assertions.assertFalse(Files.exists(dir.resolve("root/slice_bounds")), "nothing written where Parquet would go");
    assertEquals(1L, spark().table("lake_test.ml.floors.runs").count());
  }

  /**
   * The clash check looks where the tables would go: folders laid out by hand as each format
   * leaves them (a Parquet partition folder, an Iceberg metadata folder).
   */
  @Test
  void aRootIsRefusedOnlyWhereTheOtherFormatsTablesWouldShareItsFolders() throws Exception {
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    String parquetRoot = Files.createDirectories(dir.resolve("p/runs/run_id=r1")).getParent().getParent().toString();
    String icebergRoot = Files.createDirectories(dir.resolve("i/runs/metadata")).getParent().getParent().toString();
    String empty = Files.createDirectories(dir.resolve("e")).toString();
    RunOutput.Format iceberg = RunOutput.Format.ICEBERG;
    Assertions.assertTrue(RunOutput.formatClash(new RunOutput.Destination(parquetRoot, iceberg, "", ""), conf)
        .contains("holds Parquet tables"));
    Assertions.assertTrue(RunOutput.formatClash(RunOutput.Destination.parquet(icebergRoot), conf)
        .contains("holds Iceberg tables"));
    // Elsewhere: below <root>/<namespace>/, or in a named catalog; or the same format; or nothing yet.
    Assertions.assertNull(RunOutput.formatClash(new RunOutput.Destination(parquetRoot, iceberg, "", "ml"), conf));
    Assertions.assertNull(RunOutput.formatClash(new RunOutput.Destination(parquetRoot, iceberg, "lake", ""), conf));
    Assertions.assertNull(RunOutput.formatClash(RunOutput.Destination.parquet(parquetRoot), conf));
    Assertions.assertNull(RunOutput.formatClash(new RunOutput.Destination(icebergRoot, iceberg, "", ""), conf));
    Assertions.assertNull(RunOutput.formatClash(new RunOutput.Destination(empty, iceberg, "", ""), conf));
  }
}
