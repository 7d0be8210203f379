package org.hallufloor.corpus;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.octet_length;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.exists;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.size;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Shards to {@link RawRecords} rows: text and JSON lines by our own line reader, Parquet through Spark. */
public final class CorpusReader {
  private CorpusReader() {}

  /** Registers pure-Java zstd for ".zst" and ".zstd" (Hadoop's own zstd codec needs native libhadoop). */
  public static void registerCodecs(Configuration conf) {
    String codecs = String.join(",",
        "org.apache.hadoop.io.compress.DefaultCodec",
        "org.apache.hadoop.io.compress.GzipCodec",
        "org.apache.hadoop.io.compress.BZip2Codec",
        "io.airlift.compress.zstd.ZstdCodec",
        ZstdAltExtensionCodec.class.getName());
    conf.set("io.compression.codecs", codecs);
  }

  public static Dataset<Row> read(SparkSession spark, List<InputFile> files, RecordSpec spec) {
    List<InputFile> lineFiles = new ArrayList<>();
    List<InputFile> parquetFiles = new ArrayList<>();
    for (InputFile f : files) {
      if (f.format() == InputFormat.PARQUET) {
        parquetFiles.add(f);
      } else if (f.format() == InputFormat.TEXT || f.format() == InputFormat.JSONL) {
        lineFiles.add(f);
      } else {
        throw new IllegalArgumentException("input format " + f.format().configName() + " is not supported yet: " + f.path());
      }
    }
    Dataset<Row> out = spark.createDataFrame(Collections.emptyList(), RawRecords.SCHEMA);
    if (!lineFiles.isEmpty()) {
      out = out.union(readLines(spark, lineFiles, spec));
    }
    if (!parquetFiles.isEmpty()) {
      out = out.union(readParquet(spark, parquetFiles, spec));
    }
    return out;
  }

  /** One task per shard: a compressed shard cannot be split, and the caller spreads documents after. */
  static Dataset<Row> readLines(SparkSession spark, List<InputFile> files, RecordSpec spec) {
    Configuration conf = new Configuration(spark.sparkContext().hadoopConfiguration());
    registerCodecs(conf);
    HadoopConf shipped = new HadoopConf(conf);
    JavaRDD<Row> rows = JavaSparkContext.fromSparkContext(spark.sparkContext())
        .parallelize(files, files.size())
        .flatMap(file -> {
          try {
            return new LineShardReader(file, spec, shipped.get());
          } catch (IOException e) {
            // A listed file that cannot be opened is the storage's fault (or a file removed
            // under the run): the task fails and is retried, the run fails if it stays so.
            throw new UncheckedIOException("cannot open " + file.path() + ": " + e.getMessage(), e);
          }
        });
    return spark.createDataFrame(rows, RawRecords.SCHEMA);
  }

  static Dataset<Row> readParquet(SparkSession spark, List<InputFile> files, RecordSpec spec) {
    ParquetShards.Checked checked = ParquetShards.check(spark, files, spec.textField(), ParquetShards.Content.TEXT);
    Dataset<Row> badShards = spark.createDataFrame(checked.bad().stream()
        .map(b -> RawRecords.bad(b.file(), b.record(), b.reason(), null)).toList(), RawRecords.SCHEMA);
    if (checked.good().isEmpty()) {
      return badShards;
    }
    return readParquetShards(spark, checked.good(), spec).union(badShards);
  }

  private static Dataset<Row> readParquetShards(SparkSession spark, List<InputFile> files, RecordSpec spec) {
    Dataset<Row> df = parquet(spark, files);
    StructType schema = df.schema();
    Column text = field(schema, spec.textField());
    DataType textType = text == null ? null : typeOf(schema, spec.textField());
    if (textType != null && !textType.equals(DataTypes.StringType)) {
      throw new BadInputException(describe(files) + ": text field '" + spec.textField() + "' is "
          + textType.simpleString() + ", not string");
    }
    Column textCol = text == null ? lit(null).cast("string") : text;
    Column reason = when(textCol.isNull(), lit("missing text field '" + spec.textField() + "'"))
        .when(textCol.equalTo(""), lit("empty text"))
        .when(octet_length(textCol).gt(spec.maxDocumentBytes()),
            lit("record larger than hallufloor.input.max-document-bytes (" + spec.maxDocumentBytes() + " bytes)"))
        .otherwise(lit(null).cast("string"));
    return records(df, spec, "text", textCol, reason, textCol);
  }

  /**
   * Parquet with a list-of-int column of token ids ({@code input.ids-field}) to the rows of
   * {@link RawRecords#IDS_SCHEMA}. An id outside {@code [0, nVocab)} makes its row a bad
   * record naming the first such id, as a missing or empty list does.
   */
  public static Dataset<Row> readParquetIds(SparkSession spark, List<InputFile> files, RecordSpec spec, long nVocab,
      String tokenizer) {
    ParquetShards.Checked checked = ParquetShards.check(spark, files, spec.idsField(), ParquetShards.Content.IDS);
    Dataset<Row> badShards = spark.createDataFrame(checked.bad().stream()
        .map(b -> org.apache.spark.sql.RowFactory.create(b.file(), b.record(), null, null, null, b.reason(), null, null))
        .toList(), RawRecords.IDS_SCHEMA);
    if (checked.good().isEmpty()) {
      return badShards;
    }
    return readParquetIdShards(spark, checked.good(), spec, nVocab, tokenizer).union(badShards);
  }

  private static Dataset<Row> readParquetIdShards(SparkSession spark, List<InputFile> files, RecordSpec spec, long nVocab,
      String tokenizer) {
    Dataset<Row> df = parquet(spark, files);
    StructType schema = df.schema();
    Column ids = field(schema, spec.idsField());
    DataType idsType = ids == null ? null : typeOf(schema, spec.idsField());
    if (idsType != null && !(idsType instanceof ArrayType a && a.elementType() instanceof IntegralType)) {
      throw new BadInputException(describe(files) + ": ids field '" + spec.idsField() + "' is "
          + idsType.simpleString() + ", not a list of integers");
    }
    Column idsCol = ids == null ? lit(null).cast("array<bigint>") : ids.cast("array<bigint>");
    Column outside = element_at(filter(idsCol, x -> x.isNull().or(x.lt(0)).or(x.geq(nVocab))), 1);
    Column reason = when(idsCol.isNull(), lit("missing ids field '" + spec.idsField() + "'"))
        .when(size(idsCol).equalTo(0), lit("empty document"))
        .when(exists(idsCol, x -> x.isNull().or(x.lt(0)).or(x.geq(nVocab))),
            concat(lit("token id "), coalesce(outside.cast("string"), lit("null")),
                lit(" outside the vocabulary of " + tokenizer + " (N_V = " + nVocab + ")")))
        .otherwise(lit(null).cast("string"));
    return records(df, spec, "ids", idsCol.cast("array<int>"), reason, idsCol.cast("string"))
        .withColumn("doc_index", lit(null).cast("bigint"));
  }

  private static Dataset<Row> parquet(SparkSession spark, List<InputFile> files) {
    return spark.read().parquet(files.stream().map(InputFile::path).toArray(String[]::new));
  }

  /** The columns every Parquet reader shares: where a row came from, its id, its slice fields, its verdict. */
  private static Dataset<Row> records(Dataset<Row> df, RecordSpec spec, String contentName, Column content,
      Column reason, Column excerptSource) {
    StructType schema = df.schema();
    Column file = col("_metadata.file_path");
    Column record = concat(lit("row "), col("_metadata.row_index").cast("string"));
    Column id = spec.hasIdField() && field(schema, spec.idField()) != null
        ? field(schema, spec.idField()).cast("string") : lit(null).cast("string");
    id = when(id.isNull().or(id.equalTo("")), concat(file, lit("#"), col("_metadata.row_index").cast("string"))).otherwise(id);
    Column[] sliceCols = spec.sliceFields().stream()
        .map(f -> {
          Column c = f == null || f.isEmpty() ? null : field(schema, f);
          return c == null ? lit(null).cast("string") : c.cast("string");
        })
        .toArray(Column[]::new);
    return df.select(
        file.as("file"),
        record.as("record"),
        when(reason.isNull(), id).as("doc_id"),
        when(reason.isNull(), content).as(contentName),
        when(reason.isNull(), array(sliceCols)).as("fields"),
        reason.as("bad_reason"),
        when(reason.isNotNull(), substring(excerptSource, 1, BadRecord.EXCERPT_CHARS)).as("excerpt"));
  }

  private static String describe(List<InputFile> files) {
    return files.get(0).path() + (files.size() > 1 ? " (and " + (files.size() - 1) + " more)" : "");
  }

  /** A (dotted) field as a column, or null if the schema has none: a literal name wins over nesting. */
  static Column field(StructType schema, String dotted) {
    if (Arrays.asList(schema.fieldNames()).contains(dotted)) {
      return col("`" + dotted.replace("`", "``") + "`");
    }
    return typeOf(schema, dotted) == null ? null : col(dotted);
  }

  private static DataType typeOf(StructType schema, String dotted) {
    if (Arrays.asList(schema.fieldNames()).contains(dotted)) {
      return schema.apply(dotted).dataType();
    }
    DataType t = schema;
    for (String part : dotted.split("\\.")) {
      if (!(t instanceof StructType s) || !Arrays.asList(s.fieldNames()).contains(part)) {
        return null;
      }
      StructField f = s.apply(part);
      t = f.dataType();
    }
    return t;
  }
}
