package org.hallufloor.corpus;

import java.util.List;
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

  /** The same for pre-tokenized input: token ids instead of text. */
  public static final StructType IDS_SCHEMA = new StructType()
      .add("file", DataTypes.StringType, false)
      .add("record", DataTypes.StringType, true)
      .add("doc_id", DataTypes.StringType, true)
      .add("ids", DataTypes.createArrayType(DataTypes.IntegerType, true), true)
      .add("fields", DataTypes.createArrayType(DataTypes.StringType, true), true)
      .add("bad_reason", DataTypes.StringType, true)
      .add("excerpt", DataTypes.StringType, true);

  private RawRecords() {}

  static Row good(String file, String record, String docId, String text, List<String> fields) {
    return RowFactory.create(file, record, docId, text, fields.toArray(new String[0]), null, null);
  }

  static Row bad(String file, String record, String reason, String excerpt) {
    return RowFactory.create(file, record, null, null, null, reason, BadRecord.excerpt(excerpt));
  }
}
