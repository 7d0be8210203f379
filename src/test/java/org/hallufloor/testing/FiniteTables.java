package org.hallufloor.testing;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.hallufloor.output.RunOutput;

/**
 * No numeric column of any table of a run holds NaN or an infinity (issue 21): a dashboard
 * would show them as numbers. Every run a test makes through {@link Runs} is checked.
 */
public final class FiniteTables {
  private static final List<String> TABLES = List.of("slice_bounds", "f_curve", "evidence_histogram", "similarity_join",
      "fitted_scale", "slice_stats", "runs");

  private FiniteTables() {}

  /** The first table and column holding a non-finite value, or null when every one is finite. */
  public static String firstNonFinite(SparkSession spark, RunOutput output) throws java.io.IOException {
    // Every table is staged by every successful run, in either output format.
    for (String table : TABLES) {
      String found = firstNonFinite(table, output.readRun(table));
      if (found != null) {
        return found;
      }
    }
    return null;
  }

  /** The first column of the rows holding a non-finite value, named after the table, or null. */
  public static String firstNonFinite(String table, Dataset<Row> rows) {
    Column any = lit(false);
    List<String> names = new ArrayList<>();
    for (StructField f : rows.schema().fields()) {
      if (f.dataType().equals(DataTypes.DoubleType) || f.dataType().equals(DataTypes.FloatType)) {
        Column c = col("`" + f.name() + "`");
        any = any.or(isnan(c).or(c.equalTo(lit(Double.POSITIVE_INFINITY))).or(c.equalTo(lit(Double.NEGATIVE_INFINITY))));
        names.add(f.name());
      }
    }
    List<Row> found = rows.filter(any).limit(1).collectAsList();
    if (!found.isEmpty()) {
      for (String name : names) {
        Object v = found.get(0).getAs(name);
        if (v != null && !Double.isFinite(((Number) v).doubleValue())) {
          return table + "." + name + " = " + v + " in " + found.get(0);
        }
      }
    }
    return null;
  }
}
