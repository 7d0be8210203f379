package org.hallufloor.evidence;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.hallufloor.context.Groups;

/**
 * Documents and tokens per slice, and the numbering of slices and groups the evidence passes
 * use. One pass over the documents counts them per group (documents sharing a slice set and
 * held-out flag); everything after it runs on the executors over the groups: the slices'
 * totals, their numbers (slice_stats order), slices[].max-values, and the {@link Groups}
 * directory. The driver holds counts and a path, never a row per group or per slice.
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

  /** The slices' number column in {@link Slices#table}, as the cells' slice column holds it. */
  public static final String SLICE = "slice";

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
   * The numbered slices: {@code table} has the slice's number ({@link #SLICE}, as the cells
   * hold it; in no particular order) and the slice_stats columns, in the run's scratch folder.
   */
  public record Slices(Dataset<Row> table, long count) {
    /** The slice_stats table, in slice_stats order: by dimension, then value, as UTF-8 bytes. */
    public Dataset<Row> stats() {
      return statsColumns(table.orderBy("slice_dim", "slice_value"));
    }

    /**
     * Every slice_stats row, in order. A run calls it only when there are at most
     * RunSummary.MAX_SHOWN slices (job.ShowRun); tests call it on their few.
     */
    public List<Row> collect() {
      return stats().collectAsList();
    }

    /** The slice_stats row of one dimension's value (slices are unique: at most one row). */
    public List<Row> rows(String dim, String value) {
      return statsColumns(table.filter(col("slice_dim").equalTo(dim).and(col("slice_value").equalTo(value))))
          .limit(1).collectAsList();
    }

    private static Dataset<Row> statsColumns(Dataset<Row> rows) {
      return rows.select(java.util.Arrays.stream(SCHEMA.fieldNames()).map(org.apache.spark.sql.functions::col)
          .toArray(Column[]::new));
    }
  }

  /**
   * What the slice-totals step hands on: the slices, the groups' directory, the documents and
   * tokens read (bad records apart), and the bad records that rode along.
   */
  public record Totals(Slices slices, Groups groups, long documents, long tokens, long badRecords,
      Dataset<Row> numberedGroups) {
    /** slice_stats rows: for tests and small runs (see {@link Slices#collect}). */
    public List<Row> sliceStats() {
      return slices.collect();
    }

    /** The numbered group rows kept on the executors go: once nothing reads the cells. */
    public void release() {
      numberedGroups.unpersist();
    }
  }

  /**
   * The one pass over the kept documents (bad records riding along), then the slices and groups
   * numbered on the executors; the groups' directory is written under {@code scratch}.
   *
   * @param maxValues slices[].max-values per dimension: the values with most documents kept, the rest {@code other}
   */
  public static Totals of(Dataset<Row> kept, Map<String, Integer> maxValues, String other, String scratch) {
    SparkSession spark = kept.sparkSession();
    // Group and slice rows go through files in scratch, not a cache: a cached plan keeps all
    // spark.sql.shuffle.partitions of its shuffle (adaptive execution may not coalesce it), which
    // cost 200 tasks per job for a few hundred rows, and files read back number the same way twice.
    String groupRows = scratch + "/group-rows";
    Dataset<Row> groupRowsOut = groups(kept);
    groupRowsOut.write().mode(SaveMode.Overwrite).parquet(groupRows);
    // Read with the schema they were written with: inferring it costs a job per read.
    Dataset<Row> all = spark.read().schema(groupRowsOut.schema()).parquet(groupRows);
    Numbered numberedGroups = numbered(all, "group", "slices");
    Dataset<Row> numbered = numberedGroups.rows().persist(StorageLevel.MEMORY_AND_DISK());
    // One row per (group, slice it counts in): a value cut by max-values counts as other, once.
    Dataset<Row> members = capped(numbered.select(col("group"), col("heldout"), col("documents"), col("tokens"),
        explode(col("slices")).as("s")).select(col("group"), col("heldout"), col("documents"), col("tokens"),
        col("s.dim").as("slice_dim"), col("s.value").as("value")), maxValues, other)
        .dropDuplicates("group", "slice_dim", "slice_value");
    Column heldout = col("heldout");
    Dataset<Row> perSlice = members.groupBy("slice_dim", "slice_value").agg(
        sum("documents").as("documents"), sum("tokens").as("tokens"),
        sum(when(heldout, col("documents")).otherwise(0L)).as("heldout_documents"),
        sum(when(heldout, col("tokens")).otherwise(0L)).as("heldout_tokens"));
    String sliceRows = scratch + "/slices";
    // Numbered as they come: slice_stats is sorted when written (Slices.stats), and a sort here
    // would cost a sampling job and a shuffle per run.
    Numbered sliceNumbers = numbered(perSlice, SLICE, null);
    Dataset<Row> numberedSlices = sliceNumbers.rows()
        .select(col(SLICE), col("slice_dim"), col("slice_value"), col("documents").cast("bigint").as("documents"),
            col("tokens").cast("bigint").as("tokens"), col("heldout_documents").cast("bigint").as("heldout_documents"),
            col("heldout_tokens").cast("bigint").as("heldout_tokens"));
    numberedSlices.write().mode(SaveMode.Overwrite).parquet(sliceRows);
    Dataset<Row> slices = spark.read().schema(numberedSlices.schema()).parquet(sliceRows);
    String directory = scratch + "/directory";
    writeDirectory(numbered, members, slices, directory);
    Groups groups = Groups.at(directory, spark.sparkContext().hadoopConfiguration(), numberedGroups.count());
    return new Totals(new Slices(slices, sliceNumbers.count()), groups, numberedGroups.documents(),
        numberedGroups.tokens(), numberedGroups.droppedDocuments(), numbered);
  }

  /**
   * Numbered rows, how many there are, and their documents and tokens; the documents of rows left
   * unnumbered (bad records, whose slices are null) apart.
   */
  private record Numbered(Dataset<Row> rows, long count, long documents, long tokens, long droppedDocuments) {}

  /**
   * Rows numbered 0, 1, ... in their order (the Dataset's partitions, then rows within each)
   * into an int column {@code name}, as zipWithIndex numbers them; rows whose column
   * {@code unnumberedIfNull} is null are left out. One job counts each partition's rows and sums
   * their {@code documents} and {@code tokens} columns (a long each per partition to the
   * driver), so the totals cost no job of their own and nothing per row reaches the driver.
   */
  private static Numbered numbered(Dataset<Row> rows, String name, String unnumberedIfNull) {
    StructType schema = rows.schema().add(name, DataTypes.IntegerType, false);
    int skip = unnumberedIfNull == null ? -1 : rows.schema().fieldIndex(unnumberedIfNull);
    int documents = rows.schema().fieldIndex("documents");
    int tokens = rows.schema().fieldIndex("tokens");
    JavaRDD<Row> in = rows.toJavaRDD();
    List<long[]> tallies = in.mapPartitions((java.util.Iterator<Row> it) -> {
      long[] t = new long[4];
      while (it.hasNext()) {
        Row r = it.next();
        if (skip >= 0 && r.isNullAt(skip)) {
          t[3] += r.getLong(documents);
        } else {
          t[0]++;
          t[1] += r.getLong(documents);
          t[2] += r.getLong(tokens);
        }
      }
      return List.of(t).iterator();
    }).collect();
    long[] starts = new long[tallies.size()];
    long[] total = new long[4];
    for (int p = 0; p < tallies.size(); p++) {
      starts[p] = total[0];
      for (int i = 0; i < 4; i++) {
        total[i] += tallies.get(p)[i];
      }
    }
    if (total[0] > Integer.MAX_VALUE) {
      throw new IllegalStateException("more than " + Integer.MAX_VALUE + " " + name + "s in one run");
    }
    JavaRDD<Row> withIndex = in.mapPartitionsWithIndex((partition, it) -> new NumberingIterator(it, skip,
        starts[partition]), true);
    return new Numbered(rows.sparkSession().createDataFrame(withIndex, schema), total[0], total[1], total[2], total[3]);
  }

  /** A partition's rows, those with {@code skip} null left out, each with its number appended: one row at a time. */
  private static final class NumberingIterator implements java.util.Iterator<Row> {
    private final java.util.Iterator<Row> in;
    private final int skip;
    private long next;
    private Row pending;

    NumberingIterator(java.util.Iterator<Row> in, int skip, long first) {
      this.in = in;
      this.skip = skip;
      this.next = first;
    }

    @Override
    public boolean hasNext() {
      while (pending == null && in.hasNext()) {
        Row r = in.next();
        if (skip < 0 || !r.isNullAt(skip)) {
          pending = r;
        }
      }
      return pending != null;
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new java.util.NoSuchElementException();
      }
      Object[] v = new Object[pending.size() + 1];
      for (int i = 0; i < pending.size(); i++) {
        v[i] = pending.get(i);
      }
      v[v.length - 1] = (int) next++;
      pending = null;
      return RowFactory.create(v);
    }
  }

  /**
   * Member rows (group, heldout, documents, tokens, slice_dim, value) with {@code slice_value}:
   * the value, or {@code other} where the dimension keeps only its top values by documents
   * (ties by value, as UTF-8 bytes) and this one is not among them.
   */
  static Dataset<Row> capped(Dataset<Row> members, Map<String, Integer> maxValues, String other) {
    if (maxValues.isEmpty()) {
      return members.withColumn("slice_value", col("value"));
    }
    List<Column> limits = new ArrayList<>();
    maxValues.forEach((dim, n) -> {
      limits.add(lit(dim));
      limits.add(lit(n));
    });
    Column limit = element_at(org.apache.spark.sql.functions.map(limits.toArray(new Column[0])), col("slice_dim"));
    Dataset<Row> cut = members.filter(col("slice_dim").isin(maxValues.keySet().toArray()))
        .groupBy("slice_dim", "value").agg(sum("documents").as("value_documents"))
        .withColumn("rank", row_number().over(Window.partitionBy("slice_dim")
            .orderBy(col("value_documents").desc(), col("value").asc())))
        .filter(col("rank").gt(limit))
        .select(col("slice_dim").as("cut_dim"), col("value").as("cut_value"));
    // The cut values carry names of their own: cut is derived from members, and a self-join
    // by shared column references is ambiguous to Spark.
    return members.join(cut, col("slice_dim").equalTo(col("cut_dim")).and(col("value").equalTo(col("cut_value"))),
            "left_outer")
        .select(col("group"), col("heldout"), col("documents"), col("tokens"), col("slice_dim"), col("value"),
            when(col("cut_dim").isNotNull(), lit(other)).otherwise(col("value")).as("slice_value"));
  }

  /**
   * The groups' directory ({@link Groups#DIRECTORY}) written by the executors to {@code path}:
   * each group's hash (of its documents' own slices), number, flag and slice numbers.
   */
  private static void writeDirectory(Dataset<Row> numbered, Dataset<Row> members, Dataset<Row> slices, String path) {
    Dataset<Row> sliceIds = members.join(slices.select(col(SLICE), col("slice_dim"), col("slice_value")),
        scala.collection.JavaConverters.asScalaBuffer(List.of("slice_dim", "slice_value")).toSeq())
        .groupBy("group").agg(org.apache.spark.sql.functions.collect_list(SLICE).as("ids"));
    Dataset<Row> directory = numbered.select("group", "heldout", "slices").join(sliceIds, "group")
        .map((org.apache.spark.api.java.function.MapFunction<Row, Row>) SliceTotals::entry, Encoders.row(Groups.DIRECTORY));
    // Two groups with one hash (about 10^-7 with 10^6 groups) fail the first task that loads
    // the directory, naming the hash (Groups.Directory), rather than cost every run a check.
    directory.write().mode(SaveMode.Overwrite).parquet(path);
  }

  private static Row entry(Row r) {
    int[] numbers = r.<Integer>getList(r.fieldIndex("ids")).stream().mapToInt(Integer::intValue).toArray();
    boolean isHeldout = r.getBoolean(r.fieldIndex("heldout"));
    return Groups.entry(Groups.hash(r.getList(r.fieldIndex("slices")), isHeldout), r.getInt(r.fieldIndex("group")),
        isHeldout, numbers);
  }
}
