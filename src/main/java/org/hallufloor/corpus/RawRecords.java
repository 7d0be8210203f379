package org.hallufloor.corpus;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The one shape every reader produces: a document candidate, or a bad record with its reason.
 * Readers of different formats meet here, so bad-record handling and slicing are written once.
 */
public final class RawRecords {
  public static final StructType SCHEMA = new StructType()
      .add("file", DataTypes.StringType, false)
      .add("record", DataTypes.StringType, true)
      .add("doc_id", DataTypes.StringType, true)
      .add("text", DataTypes.StringType, true)
      .add("fields", DataTypes.createArrayType(DataTypes.StringType, true), true)
      .add("bad_reason", DataTypes.StringType, true)
      .add("excerpt", DataTypes.StringType, true);

  /**
   * The same for pre-tokenized input: token ids instead of text, and the document's index (its
   * 0-based ordinal over all input files in listed order) where the format knows it, for
   * joining a side table of document fields.
   */
  public static final StructType IDS_SCHEMA = new StructType()
      .add("file", DataTypes.StringType, false)
      .add("record", DataTypes.StringType, true)
      .add("doc_id", DataTypes.StringType, true)
      .add("ids", DataTypes.createArrayType(DataTypes.IntegerType, true), true)
      .add("fields", DataTypes.createArrayType(DataTypes.StringType, true), true)
      .add("bad_reason", DataTypes.StringType, true)
      .add("excerpt", DataTypes.StringType, true)
      .add("doc_index", DataTypes.LongType, true);

  /**
   * The slice field that holds the path of the document's input file (a Megatron dataset's
   * prefix), whatever the format: slices by source when a corpus keeps one source per file.
   */
  public static final String FILE_FIELD = "_file";

  private RawRecords() {}

  static Row good(String file, String record, String docId, String text, List<String> fields) {
    return RowFactory.create(file, record, docId, text, fields.toArray(new String[0]), null, null);
  }

  /**
   * Fills every slice field named {@link #FILE_FIELD} with the record's file; the readers leave
   * it null, so it is filled here once for every format. Bad records keep null fields.
   */
  public static Dataset<Row> withFileFields(Dataset<Row> records, List<String> sliceFields) {
    if (!sliceFields.contains(FILE_FIELD)) {
      return records;
    }
    Column[] fields = new Column[sliceFields.size()];
    for (int i = 0; i < fields.length; i++) {
      fields[i] = FILE_FIELD.equals(sliceFields.get(i)) ? col("file")
          : when(size(col("fields")).gt(i), element_at(col("fields"), i + 1));
    }
    return records.withColumn("fields", when(col("bad_reason").isNull(), array(fields)));
  }

  static Row bad(String file, String record, String reason, String excerpt) {
    return RowFactory.create(file, record, null, null, null, reason, BadRecord.excerpt(excerpt));
  }
}
