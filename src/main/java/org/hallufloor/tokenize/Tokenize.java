package org.hallufloor.tokenize;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** The tokenize stage: documents (any columns, one of them {@code text}) to their token counts. */
public final class Tokenize {
  private Tokenize() {}

  /**
   * The input's columns without {@code text}, plus {@code tokens} (bigint) and {@code ids}
   * (array of int): every later stage reads the ids, so text is tokenized once.
   */
  public static Dataset<Row> tokenize(Dataset<Row> documents, TokenizerSpec spec) {
    StructType in = documents.schema();
    int textIndex = in.fieldIndex("text");
    List<StructField> kept = new ArrayList<>(Arrays.asList(in.fields()));
    kept.remove(textIndex);
    kept.add(DataTypes.createStructField("tokens", DataTypes.LongType, false));
    kept.add(DataTypes.createStructField("ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false));
    StructType out = DataTypes.createStructType(kept);
    return documents.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
      TextTokenizer tokenizer = Tokenizers.get(spec);
      return new Iterator<Row>() {
        @Override
        public boolean hasNext() {
          return rows.hasNext();
        }

        @Override
        public Row next() {
          Row r = rows.next();
          Object[] values = new Object[r.length() + 1];
          int j = 0;
          for (int i = 0; i < r.length(); i++) {
            if (i != textIndex) {
              values[j++] = r.get(i);
            }
          }
          // A row without text (a bad record riding along) has no tokens.
          int[] ids = r.isNullAt(textIndex) ? new int[0] : tokenizer.encode(r.getString(textIndex));
          values[j++] = (long) ids.length;
          values[j] = ids;
          return RowFactory.create(values);
        }
      };
    }, Encoders.row(out));
  }
}
