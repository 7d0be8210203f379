package org.hallufloor.evidence;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.hallufloor.context.Groups;

/**
 * Documents and tokens per slice. One pass counts them per group of documents that share a
 * slice set and held-out flag (a few thousand groups however large the corpus); the driver
 * adds the groups up per slice, and the same groups number the facts of the evidence pass.
 */
public final class SliceTotals {
  /** The slice_stats table. */
  public static final StructType SCHEMA = new StructType()
      .add("slice_dim", DataTypes.StringType, false)
      .add("slice_value", DataTypes.StringType, false)
      .add("documents", DataTypes.LongType, false)
      .add("tokens", DataTypes.LongType, false)
      .add("heldout_documents", DataTypes.LongType, false)
      .add("heldout_tokens", DataTypes.LongType, false);

  private SliceTotals() {}

  /**
   * Documents carrying {@code slices}, {@code heldout} and {@code tokens} to slices, heldout,
   * documents, tokens; bad records riding along (null slices) make one row of their own.
   */
  public static Dataset<Row> groups(Dataset<Row> documentTokens) {
    return documentTokens.groupBy(col("slices"), col("heldout"))
        .agg(count(lit(1)).as("documents"), sum(col("tokens")).as("tokens"));
  }

  /**
   * What the slice-totals step hands on: the documents' group rows (values cut where
   * slices[].max-values says), slice_stats rows, and the bad records that rode along.
   */
  public record Totals(List<Row> groups, List<Row> sliceStats, long badRecords) {
    /** The documents read (bad records apart). */
    public long documents() {
      return groups.stream().mapToLong(g -> g.getLong(2)).sum();
    }
  }

  /** The one pass over the kept documents (bad records riding along) and the driver's sums of its groups. */
  public static Totals of(Dataset<Row> kept, Map<String, Integer> maxValues, String other) {
    List<Row> all = groups(kept).collectAsList();
    List<Row> documents = capValues(documentGroups(all), maxValues, other);
    return new Totals(documents, perSlice(documents), badRecords(all));
  }

  /** slice_stats rows per task when the table is written: a million slice values make 20 tasks, not one. */
  static final int ROWS_PER_TASK = 50_000;

  /**
   * The slice_stats table from its rows, spread over tasks that each carry their own share, so
   * no task's size grows with the number of slice values (a local relation ships every row in
   * one plan). Rows stay in slice_stats order across the tasks' files.
   */
  public static Dataset<Row> table(org.apache.spark.sql.SparkSession spark, List<Row> sliceStats) {
    return table(spark, sliceStats, ROWS_PER_TASK);
  }

  static Dataset<Row> table(org.apache.spark.sql.SparkSession spark, List<Row> sliceStats, int rowsPerTask) {
    return distributed(spark, sliceStats, SCHEMA, rowsPerTask);
  }

  /**
   * Rows made on the driver (one or a few per slice) as a Dataset whose tasks each carry their
   * own share, in order: a local relation would ship every row in one task's plan.
   */
  static Dataset<Row> distributed(org.apache.spark.sql.SparkSession spark, List<Row> rows, StructType schema,
      int rowsPerTask) {
    int tasks = Math.max(1, (rows.size() + rowsPerTask - 1) / rowsPerTask);
    return spark.createDataFrame(org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext())
        .parallelize(rows, tasks), schema);
  }

  /** The bad records among the group rows: they ride along without slices (see Documents.SCHEMA). */
  public static long badRecords(List<Row> groups) {
    return groups.stream().filter(g -> g.isNullAt(0)).mapToLong(g -> g.getLong(2)).sum();
  }

  /** The group rows of documents, without the bad records' row. */
  public static List<Row> documentGroups(List<Row> groups) {
    return groups.stream().filter(g -> !g.isNullAt(0)).toList();
  }

  /** A group's slices: (dim, value) structs, as the documents stage makes them. */
  private static final org.apache.spark.sql.types.ArrayType SLICES = DataTypes.createArrayType(new StructType()
      .add("dim", DataTypes.StringType, false).add("value", DataTypes.StringType, false), false);

  /** Group rows with each document's own slices beside the rewritten ones (see Groups.DOCUMENT_SLICES). */
  public static final StructType CAPPED_GROUPS = new StructType()
      .add("slices", SLICES, false)
      .add("heldout", DataTypes.BooleanType, false)
      .add("documents", DataTypes.LongType, false)
      .add("tokens", DataTypes.LongType, false)
      .add(Groups.DOCUMENT_SLICES, SLICES, false);

  /**
   * Group rows with every dimension of {@code maxValues} cut to its values with most documents
   * (ties by value, as UTF-8 bytes), the rest renamed {@code other}: the slices a dashboard's
   * top-N wants, every document still counted once per dimension. Groups keep their own
   * numbers, so documents find theirs by their own slices.
   */
  public static List<Row> capValues(List<Row> groups, Map<String, Integer> maxValues, String other) {
    if (maxValues.isEmpty()) {
      return groups;
    }
    Map<List<String>, Long> documents = new java.util.HashMap<>();
    for (Row g : groups) {
      for (Object o : g.getList(0)) {
        Row s = (Row) o;
        if (maxValues.containsKey(s.getString(0))) {
          documents.merge(List.of(s.getString(0), s.getString(1)), g.getLong(2), Long::sum);
        }
      }
    }
    Map<String, List<List<String>>> byDim = new java.util.HashMap<>();
    documents.keySet().forEach(k -> byDim.computeIfAbsent(k.get(0), d -> new ArrayList<>()).add(k));
    java.util.Set<List<String>> kept = new java.util.HashSet<>();
    byDim.forEach((dim, values) -> {
      values.sort(Comparator.<List<String>>comparingLong(documents::get).reversed()
          .thenComparing(k -> utf8(k.get(1)), Arrays::compareUnsigned));
      kept.addAll(values.subList(0, Math.min(values.size(), maxValues.get(dim))));
    });
    List<Row> out = new ArrayList<>(groups.size());
    for (Row g : groups) {
      List<Object> own = g.getList(0);
      Row[] rewritten = new Row[own.size()];
      for (int i = 0; i < rewritten.length; i++) {
        Row s = (Row) own.get(i);
        boolean cut = maxValues.containsKey(s.getString(0)) && !kept.contains(List.of(s.getString(0), s.getString(1)));
        rewritten[i] = cut ? org.apache.spark.sql.RowFactory.create(s.getString(0), other) : s;
      }
      out.add(new GenericRowWithSchema(new Object[] {scala.collection.JavaConverters.asScalaBuffer(
          Arrays.asList(rewritten)).toSeq(), g.getBoolean(1), g.getLong(2), g.getLong(3),
          scala.collection.JavaConverters.asScalaBuffer(own).toSeq()}, CAPPED_GROUPS));
    }
    return out;
  }

  /** Group rows (see {@link #groups}) to slice_stats rows, ordered by dimension and value as UTF-8 bytes. */
  public static List<Row> perSlice(List<Row> groups) {
    Map<List<String>, long[]> totals = new LinkedHashMap<>();
    for (Row g : groups) {
      boolean heldout = g.getBoolean(1);
      long documents = g.getLong(2);
      long tokens = g.getLong(3);
      for (Object o : g.getList(0)) {
        Row s = (Row) o;
        long[] t = totals.computeIfAbsent(List.of(s.getString(0), s.getString(1)), k -> new long[4]);
        t[0] += documents;
        t[1] += tokens;
        t[2] += heldout ? documents : 0;
        t[3] += heldout ? tokens : 0;
      }
    }
    List<Row> rows = new ArrayList<>();
    totals.forEach((k, t) -> rows.add(new GenericRowWithSchema(new Object[] {k.get(0), k.get(1), t[0], t[1], t[2], t[3]}, SCHEMA)));
    rows.sort(Comparator.<Row, byte[]>comparing(r -> utf8(r.getString(0)), Arrays::compareUnsigned)
        .thenComparing(r -> utf8(r.getString(1)), Arrays::compareUnsigned));
    return rows;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
