package org.hallufloor.corpus;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegralType;

/**
 * The fields of pre-tokenized documents, kept beside their token files as training pipelines
 * keep them: a table (Parquet, JSON lines, or CSV with a header row) of one row per document,
 * keyed by the document's index, its 0-based ordinal over all input files in listed order.
 * It gives the slice fields and, optionally, the document id (which fixes the held-out split
 * and the scaling fractions, so a token-file run can match the text run it came from).
 */
public final class SideTable {
  /**
   * Where the table is and which of its columns to read: the index, the id (empty: the
   * format's own id) and each slice's field, in slice order ({@link RawRecords#FILE_FIELD}
   * is not a column: it stays the file).
   */
  public record Spec(List<String> paths, String format, String indexField, String idField, List<String> sliceFields)
      implements Serializable {}

  private static final String INDEX = "__side_index";
  private static final String ID = "__side_id";
  private static final String FIELD = "__side_field_";
  private static final int SHOWN = 3;
  private static final String CORRUPT = "_corrupt_record";

  private SideTable() {}

  /**
   * Records of {@link RawRecords#IDS_SCHEMA} with their fields (and ids) from the table. A
   * document the table has no row for keeps its own id and gets unknown slice values, as a
   * text record without the field does. A table without a named column, or with an index
   * that is missing, not an integer, or repeated, is bad input named by file and column.
   */
  public static Dataset<Row> attach(SparkSession spark, Dataset<Row> records, Spec spec) {
    Dataset<Row> table = read(spark, spec);
    check(table, spec);
    Dataset<Row> joined = records.join(table, col("doc_index").equalTo(col(INDEX)), "left");
    Column[] fields = new Column[spec.sliceFields().size()];
    for (int i = 0; i < fields.length; i++) {
      fields[i] = RawRecords.FILE_FIELD.equals(spec.sliceFields().get(i)) ? lit(null).cast("string") : col(FIELD + i);
    }
    Column good = col("bad_reason").isNull();
    Column id = spec.idField().isEmpty() ? col("doc_id")
        : coalesce(when(col(ID).notEqual(""), col(ID)), col("doc_id"));
    Dataset<Row> out = joined.select(col("file"), col("record"), when(good, id).as("doc_id"), col("ids"),
        when(good, org.apache.spark.sql.functions.array(fields)).as("fields"), col("bad_reason"), col("excerpt"),
        col("doc_index"));
    return RawRecords.withFileFields(out, spec.sliceFields());
  }

  /** The index as a long, the id and each slice field as strings; a column the table lacks fails. */
  static Dataset<Row> read(SparkSession spark, Spec spec) {
    String first = spec.paths().get(0).toLowerCase(Locale.ROOT).replaceAll("\\.(gz|bz2|zst|zstd|deflate)$", "");
    String format = !spec.format().equals("auto") ? spec.format()
        : first.endsWith(".csv") ? "csv" : InputFormat.forFileName(first) == InputFormat.JSONL ? "jsonl" : "parquet";
    String[] paths = spec.paths().toArray(new String[0]);
    Dataset<Row> df;
    try {
      df = switch (format) {
        case "csv" -> spark.read().option("header", "true").csv(paths);
        case "jsonl" -> spark.read().json(paths);
        default -> spark.read().parquet(paths);
      };
    } catch (RuntimeException e) {
      // Spark's AnalysisException for a path that does not exist or a file it cannot read.
      throw new BadInputException(describe(spec) + ": cannot read the side table: " + e.getMessage());
    }
    rejectMalformed(df, spec);
    List<Column> columns = new ArrayList<>();
    DataType indexType = columnType(df, spec.indexField());
    Column index = column(df, spec, spec.indexField(), "hallufloor.input.side-table.index-field");
    if (!(indexType instanceof IntegralType) && !indexType.equals(DataTypes.StringType)) {
      throw new BadInputException(describe(spec) + ": index column '" + spec.indexField() + "' is "
          + indexType.simpleString() + ", not an integer");
    }
    columns.add(index.cast("bigint").as(INDEX));
    columns.add((spec.idField().isEmpty() ? lit(null) : column(df, spec, spec.idField(), "hallufloor.input.id-field"))
        .cast("string").as(ID));
    for (int i = 0; i < spec.sliceFields().size(); i++) {
      String f = spec.sliceFields().get(i);
      columns.add((RawRecords.FILE_FIELD.equals(f) ? lit(null)
          : column(df, spec, f, "hallufloor.slices[" + i + "].field")).cast("string").as(FIELD + i));
    }
    return df.select(columns.toArray(new Column[0]));
  }

  /**
   * Spark's JSON reader keeps going past a line it cannot parse and names the line only in a
   * {@code _corrupt_record} column; a side table with one is bad input, named by file and line.
   */
  private static void rejectMalformed(Dataset<Row> df, Spec spec) {
    if (!java.util.Arrays.asList(df.schema().fieldNames()).contains(CORRUPT)) {
      return;
    }
    // Spark refuses a query of raw JSON that reads the corrupt-record column alone: read all.
    List<Column> all = new ArrayList<>(List.of(col("_metadata.file_path"), col(CORRUPT)));
    for (String name : df.schema().fieldNames()) {
      all.add(col("`" + name + "`"));
    }
    List<Row> first = df.filter(col(CORRUPT).isNotNull()).select(all.toArray(new Column[0]))
        .limit(1).collectAsList();
    if (!first.isEmpty()) {
      throw new BadInputException("side table " + first.get(0).getString(0) + ": malformed line: "
          + BadRecord.excerpt(first.get(0).getString(1)));
    }
  }

  /** One pass: indexes that are missing (or not integers) and indexes that repeat. */
  private static void check(Dataset<Row> table, Spec spec) {
    List<Row> wrong = table.groupBy(col(INDEX)).agg(count(lit(1)).as("n"))
        .filter(col(INDEX).isNull().or(col("n").gt(1)))
        .orderBy(col(INDEX).asc_nulls_first())
        .limit(SHOWN + 1)
        .collectAsList();
    if (wrong.isEmpty()) {
      return;
    }
    List<String> what = new ArrayList<>();
    for (Row r : wrong.subList(0, Math.min(SHOWN, wrong.size()))) {
      what.add(r.isNullAt(0) ? r.getLong(1) + " row(s) without an integer " + spec.indexField()
          : spec.indexField() + " " + r.getLong(0) + " on " + r.getLong(1) + " rows");
    }
    throw new BadInputException(describe(spec) + ": each document needs exactly one row; " + String.join("; ", what)
        + (wrong.size() > SHOWN ? "; ..." : ""));
  }

  private static Column column(Dataset<Row> df, Spec spec, String name, String key) {
    Column c = CorpusReader.field(df.schema(), name);
    if (c == null) {
      throw new BadInputException(describe(spec) + ": no column '" + name + "' (named by " + key + "); it has "
          + java.util.Arrays.toString(df.schema().fieldNames()));
    }
    return c;
  }

  private static DataType columnType(Dataset<Row> df, String name) {
    return CorpusReader.field(df.schema(), name) == null ? DataTypes.NullType
        : df.select(CorpusReader.field(df.schema(), name)).schema().fields()[0].dataType();
  }

  private static String describe(Spec spec) {
    return "side table " + spec.paths().get(0) + (spec.paths().size() > 1 ? " (and " + (spec.paths().size() - 1)
        + " more)" : "");
  }
}
