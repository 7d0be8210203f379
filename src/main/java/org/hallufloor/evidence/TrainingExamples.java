package org.hallufloor.evidence;

import java.io.Serializable;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;
import org.hallufloor.context.ScratchTables;

/**
 * The suffix kernel's |D| per (slice, c), the training examples every evidence value starts
 * from ({@code lambda^c |D|}): written by the executors to the run's scratch folder and loaded
 * once per executor JVM as two sorted arrays (16 bytes a (slice, c)), so the driver holds a
 * path, not a number per slice.
 */
final class TrainingExamples implements Serializable {
  private static final long serialVersionUID = 1L;
  static final StructType SCHEMA = new StructType()
      .add("slice", DataTypes.IntegerType, false)
      .add("c", DataTypes.IntegerType, false)
      .add("n", DataTypes.LongType, false);
  private static final ScratchTables.Cache<Loaded> LOADED = new ScratchTables.Cache<>(2);

  private final String path;
  private final SerializableConfiguration conf;
  private transient Loaded loaded;

  private TrainingExamples(String path, Configuration conf) {
    this.path = path;
    this.conf = new SerializableConfiguration(conf);
  }

  /** Writes {@code rows} (slice, c, n) to {@code path}: one job. */
  static TrainingExamples write(Dataset<Row> rows, String path) {
    rows.write().mode(SaveMode.Overwrite).parquet(path);
    return new TrainingExamples(path, rows.sparkSession().sparkContext().hadoopConfiguration());
  }

  /** The rows as written (read with their schema: no inference job). */
  Dataset<Row> rows(SparkSession spark) {
    return spark.read().schema(SCHEMA).parquet(path);
  }

  /** |D| of the slice at context length c; 0 where it has no training examples. */
  long of(int slice, int c) {
    // One look-up of the JVM's copy per task (each task deserializes its own handle), not per (slice, c).
    if (loaded == null) {
      loaded = LOADED.get(path, this::load);
    }
    Loaded t = loaded;
    int at = Arrays.binarySearch(t.keys, key(slice, c));
    return at < 0 ? 0 : t.n[at];
  }

  private static long key(int slice, int c) {
    return ((long) slice << 32) | (c & 0xffffffffL);
  }

  private record Loaded(long[] keys, long[] n) {}

  private Loaded load() {
    long[][] pairs = {new long[16], new long[16]};
    int[] size = {0};
    ScratchTables.forEachRecord(path, conf.value(), "the suffix kernel's examples per slice", g -> {
      if (size[0] == pairs[0].length) {
        pairs[0] = Arrays.copyOf(pairs[0], size[0] * 2);
        pairs[1] = Arrays.copyOf(pairs[1], size[0] * 2);
      }
      pairs[0][size[0]] = key(g.getInteger("slice", 0), g.getInteger("c", 0));
      pairs[1][size[0]] = g.getLong("n", 0);
      size[0]++;
    });
    // Keys are unique (one row per slice and length): sorted, each count goes where its key landed.
    long[] keys = Arrays.copyOf(pairs[0], size[0]);
    Arrays.sort(keys);
    long[] n = new long[keys.length];
    for (int i = 0; i < keys.length; i++) {
      n[Arrays.binarySearch(keys, pairs[0][i])] = pairs[1][i];
    }
    return new Loaded(keys, n);
  }
}
