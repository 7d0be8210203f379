package org.hallufloor.corpus;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.udf;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Raw records to documents: each with its slices (the slice "all", one value per slice
 * dimension, and every scaling fraction its hash falls under) and its held-out flag (THEORY 2, 6).
 */
public final class Documents {
  public static final String ALL = "all";
  public static final String SCALING = "scaling";

  public static final StructType SLICE = new StructType()
      .add("dim", DataTypes.StringType, false)
      .add("value", DataTypes.StringType, false);

  /** A bad record as the bad_records table holds it. */
  public static final StructType BAD = new StructType()
      .add("file", DataTypes.StringType, false)
      .add("record", DataTypes.StringType, true)
      .add("reason", DataTypes.StringType, false)
      .add("excerpt", DataTypes.StringType, true);

  /**
   * A document, or a bad record riding along in {@code bad} (then the other columns are null,
   * heldout false): bad records are counted in the pass that tokenizes, not by a pass of their own.
   */
  public static final StructType SCHEMA = new StructType()
      .add("doc_id", DataTypes.StringType, true)
      .add("text", DataTypes.StringType, true)
      .add("slices", DataTypes.createArrayType(SLICE, false), true)
      .add("heldout", DataTypes.BooleanType, false)
      .add("bad", BAD, true);

  private Documents() {}

  /** How documents are sliced and split; everything a task needs, nothing else. */
  public record Slicing(List<SliceSpec> slices, List<Double> scalingFractions, double heldoutFraction)
      implements Serializable {}

  /** Raw records (good and bad, see RawRecords) to rows of {@link #SCHEMA}. */
  public static Dataset<Row> fromRecords(Dataset<Row> records, Slicing slicing) {
    return records
        .select(col("doc_id"), col("text"), col("fields"), col("bad_reason"), col("file"), col("record"), col("excerpt"))
        .map((MapFunction<Row, Row>) r -> r.isNullAt(3)
            ? document(r.getString(0), r.getString(1), r.getList(2), slicing)
            : RowFactory.create(null, null, null, false, RowFactory.create(r.get(4), r.get(5), r.get(3), r.get(6))),
            Encoders.row(SCHEMA));
  }

  /**
   * Pre-tokenized records to documents with their ids, sliced and split as text documents are,
   * bad records in {@code bad} as {@link #fromRecords} leaves them. The ids column passes
   * through untouched (no Java object per token); only the id and the slice fields go through
   * {@link #document}.
   */
  public static Dataset<Row> fromIdRecords(Dataset<Row> records, Slicing slicing) {
    StructType sliced = new StructType().add("slices", DataTypes.createArrayType(SLICE, false), false)
        .add("heldout", DataTypes.BooleanType, false);
    UserDefinedFunction slice = udf((UDF2<String, scala.collection.Seq<String>, Row>) (docId, fields) -> {
      Row d = document(docId, null, scala.collection.JavaConverters.seqAsJavaList(fields), slicing);
      return RowFactory.create(d.get(2), d.get(3));
    }, sliced);
    Column good = col("bad_reason").isNull();
    return records
        .select(col("doc_id"), when(good, slice.apply(col("doc_id"), col("fields"))).as("s"),
            when(good, col("ids")).otherwise(array().cast("array<int>")).as("ids"),
            when(col("bad_reason").isNotNull(), struct(col("file"), col("record"), col("bad_reason").as("reason"), col("excerpt"))).as("bad"))
        .select(col("doc_id"), col("s.slices").as("slices"), coalesce(col("s.heldout"), lit(false)).as("heldout"),
            col("bad"), size(col("ids")).cast("bigint").as("tokens"), col("ids"));
  }

  static Row document(String docId, String text, List<String> fields, Slicing slicing) {
    List<Row> slices = new ArrayList<>();
    slices.add(RowFactory.create(ALL, ALL));
    for (int i = 0; i < slicing.slices().size(); i++) {
      SliceSpec s = slicing.slices().get(i);
      String raw = s.field() == null || s.field().isEmpty() ? text : fields.get(i);
      slices.add(RowFactory.create(s.name(), s.transform().apply(raw)));
    }
    double[] u = DocumentHash.uniforms(docId);
    for (double f : slicing.scalingFractions()) {
      if (u[0] < f) {
        slices.add(RowFactory.create(SCALING, scalingValue(f)));
      }
    }
    return RowFactory.create(docId, text, slices.toArray(new Row[0]), u[1] < slicing.heldoutFraction(), null);
  }

  /** The slice value of a scaling fraction, as written in the tables. */
  public static String scalingValue(double fraction) {
    return Double.toString(fraction);
  }
}
