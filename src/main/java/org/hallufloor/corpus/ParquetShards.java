package org.hallufloor.corpus;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Each Parquet shard's footer read in a task of its own before the shards are read together:
 * a shard whose footer is unreadable, or whose content field has another type, is one bad
 * record naming the file (counted, quarantined or failing the run as configured), and the
 * good shards are read as ever. One read of all files would fail the whole run on it.
 */
final class ParquetShards {
  /** Tries per footer: a storage hiccup passes, corrupt bytes fail each time. */
  private static final int TRIES = 3;

  private ParquetShards() {}

  /** What the content field must hold: text (string) or token ids (a list of integers). */
  enum Content { TEXT, IDS }

  record Checked(List<InputFile> good, List<BadRecord> bad) {}

  private record Verdict(String file, String record, String reason) implements Serializable {}

  static Checked check(SparkSession spark, List<InputFile> files, String field, Content content) {
    HadoopConf conf = new HadoopConf(spark.sparkContext().hadoopConfiguration());
    List<Verdict> verdicts = JavaSparkContext.fromSparkContext(spark.sparkContext())
        .parallelize(files, Math.max(1, Math.min(files.size(), 10_000)))
        .map(f -> verdict(f, field, content, conf.get()))
        .filter(v -> v != null)
        .collect();
    Set<String> badFiles = new HashSet<>();
    List<BadRecord> bad = new ArrayList<>();
    for (Verdict v : verdicts) {
      badFiles.add(v.file());
      bad.add(new BadRecord(v.file(), v.record(), v.reason(), null));
    }
    return new Checked(files.stream().filter(f -> !badFiles.contains(f.path())).toList(), bad);
  }

  /** Null for a good shard; else why it cannot be read. A missing field is left to the rows (each a bad record). */
  private static Verdict verdict(InputFile file, String field, Content content, Configuration conf) throws IOException {
    MessageType schema = null;
    Exception last = null;
    for (int attempt = 0; attempt < TRIES && schema == null; attempt++) {
      try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(new Path(file.path()), conf))) {
        schema = reader.getFooter().getFileMetaData().getSchema();
      } catch (IOException | RuntimeException e) {
        last = e;
      }
    }
    if (schema == null) {
      return new Verdict(file.path(), "footer", "not a readable Parquet file: " + last);
    }
    String[] path = schema.containsPath(new String[] {field}) ? new String[] {field} : field.split("\\.");
    if (!schema.containsPath(path)) {
      return null;
    }
    Type type = schema.getType(path);
    String problem = content == Content.TEXT ? textProblem(type) : idsProblem(type);
    return problem == null ? null : new Verdict(file.path(), "schema", (content == Content.TEXT ? "text" : "ids")
        + " field '" + field + "' is " + type.toString().trim() + ": " + problem);
  }

  private static String textProblem(Type type) {
    boolean string = type.isPrimitive()
        && type.asPrimitiveType().getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.BINARY
        && type.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation;
    return string ? null : "not a string";
  }

  private static String idsProblem(Type type) {
    Type leaf = type;
    while (!leaf.isPrimitive() && leaf.asGroupType().getFieldCount() == 1) {
      leaf = leaf.asGroupType().getType(0);
    }
    boolean integral = !type.isPrimitive() && leaf.isPrimitive()
        && (leaf.asPrimitiveType().getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.INT32
            || leaf.asPrimitiveType().getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.INT64);
    return integral ? null : "not a list of integers";
  }
}
