package org.hallufloor.bench;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.slice;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;
import org.hallufloor.tokenize.TokenizerSpec;
import org.hallufloor.tokenize.Tokenizers;

/**
 * The exact-kernel counts as a careful Spark user would write them with DataFrames: ids as an
 * array column from a tokenizing UDF, one row per example by {@code posexplode} and
 * {@code slice}, facts counted per set of slices first (documents sharing their slices share
 * the rows), and only then one row per (slice, fact) by {@code explode}, summed to facts,
 * contexts and spectra. The benchmark's baseline, and a second method for the job's training
 * spectra.
 */
final class PlainCounts {
  /** The job's cell kinds this version counts: the training spectra behind the main bounds. */
  static final List<String> KINDS = List.of("evidence", "gap", "singleton_contexts", "monofacts");

  private PlainCounts() {}

  /** Documents (text, slices, heldout) to rows dim, value, context_len, kind, value, contexts, occurrences. */
  static Dataset<Row> spectra(Dataset<Row> documents, TokenizerSpec spec, List<Integer> contextLengths) {
    UserDefinedFunction encode = udf((UDF1<String, int[]>) text -> Tokenizers.get(spec).encode(text),
        DataTypes.createArrayType(DataTypes.IntegerType, false));
    Dataset<Row> positions = documents.filter(not(col("heldout")))
        .select(col("slices"), encode.apply(col("text")).as("ids"))
        .select(col("slices"), col("ids"), posexplode(col("ids")).as(new String[] {"pos", "next"}));
    Dataset<Row> examples = null;
    for (int c : contextLengths) {
      // slice() counts from 1: the context ids[pos-c .. pos-1] starts at pos - c + 1.
      Dataset<Row> ofLength = positions.where(col("pos").geq(c))
          .select(col("slices"), lit(c).as("context_len"),
              slice(col("ids"), col("pos").minus(c - 1), lit(c)).as("context"), col("next"));
      examples = examples == null ? ofLength : examples.unionByName(ofLength);
    }
    Dataset<Row> facts = examples.groupBy("slices", "context_len", "context", "next").agg(count(lit(1)).as("n"))
        .select(explode(col("slices")).as("s"), col("context_len"), col("context"), col("next"), col("n"))
        .groupBy(col("s.dim").as("dim"), col("s.value").as("slice_value"), col("context_len"), col("context"), col("next"))
        .agg(sum("n").as("n"));
    Dataset<Row> contexts = facts.groupBy("dim", "slice_value", "context_len", "context")
        .agg(sum("n").as("evidence"), sort_array(collect_list("n"), false).as("ns"),
            sum(when(col("n").equalTo(1), 1L).otherwise(0L)).as("monofacts"))
        .select(col("dim"), col("slice_value"), col("context_len"), col("evidence"), col("monofacts"),
            element_at(col("ns"), 1).minus(coalesce(element_at(col("ns"), 2), lit(0L))).as("gap"))
        .persist(StorageLevel.MEMORY_AND_DISK());
    // Cells keep values from 2048 up rounded (Kinds.rounded); the comparison is of the counting.
    org.apache.spark.sql.expressions.UserDefinedFunction rounded = org.apache.spark.sql.functions.udf(
        (org.apache.spark.sql.api.java.UDF1<Long, Long>) org.hallufloor.evidence.Kinds::rounded,
        org.apache.spark.sql.types.DataTypes.LongType);
    return spectrum(contexts, "evidence", rounded.apply(col("evidence")))
        .unionByName(spectrum(contexts, "gap", rounded.apply(col("gap"))))
        .unionByName(total(contexts.where(col("evidence").equalTo(1)), "singleton_contexts", count(lit(1))))
        .unionByName(total(contexts, "monofacts", sum("monofacts")));
  }

  private static Dataset<Row> spectrum(Dataset<Row> contexts, String kind, Column value) {
    return contexts.groupBy(col("dim"), col("slice_value"), col("context_len"), lit(kind).as("kind"), value.as("value"))
        .agg(count(lit(1)).as("contexts"), sum("evidence").as("occurrences"));
  }

  private static Dataset<Row> total(Dataset<Row> contexts, String kind, Column contextsColumn) {
    return contexts.groupBy(col("dim"), col("slice_value"), col("context_len"), lit(kind).as("kind"), lit(0L).as("value"))
        .agg(contextsColumn.as("contexts"), lit(0L).as("occurrences"));
  }

  /** Null when both lists hold the same cells (zero-count cells aside), else the first difference. */
  static String compare(List<Row> plain, List<Row> job) {
    Map<String, String> a = keyed(plain);
    Map<String, String> b = keyed(job);
    if (a.isEmpty()) {
      return "the plain version counted nothing";
    }
    for (Map.Entry<String, String> e : a.entrySet()) {
      if (!e.getValue().equals(b.get(e.getKey()))) {
        return e.getKey() + ": plain " + e.getValue() + ", job " + b.get(e.getKey());
      }
    }
    for (String k : b.keySet()) {
      if (!a.containsKey(k)) {
        return k + ": only the job has it (" + b.get(k) + ")";
      }
    }
    return null;
  }

  private static Map<String, String> keyed(List<Row> rows) {
    Map<String, String> out = new TreeMap<>();
    for (Row r : rows) {
      if (r.getLong(5) == 0) {
        continue;
      }
      out.put(r.getString(0) + "=" + r.getString(1) + " c=" + r.getInt(2) + " " + r.getString(3) + "=" + r.getLong(4),
          r.getLong(5) + " contexts, " + r.getLong(6) + " occurrences");
    }
    return out;
  }
}
