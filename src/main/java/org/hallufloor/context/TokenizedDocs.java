package org.hallufloor.context;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;

/**
 * The tokenized documents as the evidence passes read them: slices, held-out flag and ids.
 * The ids come off Spark's internal rows as an int array: through a {@link Row} an array column
 * arrives as a list of boxed integers, about 20 bytes a token where an int takes 4, so one
 * document of 8 M tokens took 160 MB of a task's heap before its first context.
 */
public final class TokenizedDocs {
  /** One document: its own slices (dim, value; for {@link Groups#id}), its held-out flag and its ids. */
  public record Doc(List<Row> slices, boolean heldout, int[] ids) {}

  private TokenizedDocs() {}

  /** Documents carrying {@code slices}, {@code heldout} and {@code ids} (bad records left out). */
  public static JavaRDD<Doc> of(Dataset<Row> tokenized) {
    return tokenized.select("slices", "heldout", "ids").queryExecution().toRdd().toJavaRDD().map(TokenizedDocs::doc);
  }

  /** Copies what it keeps: Spark reuses an internal row for the next one. */
  static Doc doc(InternalRow r) {
    ArrayData s = r.getArray(0);
    List<Row> slices = new ArrayList<>(s.numElements());
    for (int i = 0; i < s.numElements(); i++) {
      InternalRow slice = s.getStruct(i, 2);
      slices.add(RowFactory.create(slice.getUTF8String(0).toString(), slice.getUTF8String(1).toString()));
    }
    return new Doc(slices, r.getBoolean(1), r.getArray(2).toIntArray());
  }
}
