package org.hallufloor.output;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The {@code runs} table (INTERFACE.md): one row per run id, its status marking completion. */
public final class RunsTable {
  public static final StructType SCHEMA = new StructType()
      .add("status", DataTypes.StringType, false)
      .add("started_at", DataTypes.TimestampType, false)
      .add("finished_at", DataTypes.TimestampType, false)
      .add("config_json", DataTypes.StringType, false)
      .add("input_files", DataTypes.LongType, true)
      .add("input_bytes", DataTypes.LongType, true)
      .add("documents", DataTypes.LongType, true)
      .add("bad_records", DataTypes.LongType, true)
      .add("tokenizer", DataTypes.StringType, true)
      .add("spark_version", DataTypes.StringType, false)
      .add("hallufloor_version", DataTypes.StringType, false)
      .add("application_id", DataTypes.StringType, false)
      .add("master", DataTypes.StringType, false)
      .add("error", DataTypes.StringType, true)
      .add("invariant_violations", DataTypes.LongType, true);

  public static final StructType BAD_RECORDS_SCHEMA = new StructType()
      .add("file", DataTypes.StringType, false)
      .add("record", DataTypes.StringType, true)
      .add("reason", DataTypes.StringType, false)
      .add("excerpt", DataTypes.StringType, true);

  private RunsTable() {}

  /** What a run reports about itself; counts are null when the run failed before knowing them. */
  public record RunRecord(String status, Instant startedAt, Instant finishedAt, String configJson,
      Long inputFiles, Long inputBytes, Long documents, Long badRecords, String tokenizer, String error,
      Long invariantViolations) {}

  public static Dataset<Row> of(SparkSession spark, RunRecord r) {
    Row row = RowFactory.create(r.status(), Timestamp.from(r.startedAt()), Timestamp.from(r.finishedAt()),
        r.configJson(), r.inputFiles(), r.inputBytes(), r.documents(), r.badRecords(), r.tokenizer(),
        spark.version(), version(), spark.sparkContext().applicationId(), spark.sparkContext().master(), r.error(), r.invariantViolations());
    return spark.createDataFrame(List.of(row), SCHEMA).coalesce(1);
  }

  /** hallufloor's version, as the build wrote it into the jar ("unknown" off a build). */
  public static String version() {
    try (java.io.InputStream in = RunsTable.class.getResourceAsStream("/org/hallufloor/version.properties")) {
      java.util.Properties p = new java.util.Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "unknown");
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }
}
