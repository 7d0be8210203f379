package org.hallufloor.report;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/** Prints collected rows as an aligned plain-text table, numbers right-aligned. */
public final class SliceTable {
  private SliceTable() {}

  public static void print(PrintStream out, List<Row> rows, String... columns) {
    if (rows.isEmpty()) {
      out.println("(no rows)");
      return;
    }
    String[][] cells = new String[rows.size() + 1][columns.length];
    boolean[] numeric = new boolean[columns.length];
    int[] width = new int[columns.length];
    for (int c = 0; c < columns.length; c++) {
      cells[0][c] = columns[c];
      DataType t = rows.get(0).schema().apply(columns[c]).dataType();
      numeric[c] = t.equals(DataTypes.LongType) || t.equals(DataTypes.IntegerType) || t.equals(DataTypes.DoubleType);
    }
    for (int r = 0; r < rows.size(); r++) {
      Row row = rows.get(r);
      for (int c = 0; c < columns.length; c++) {
        Object v = row.get(row.fieldIndex(columns[c]));
        cells[r + 1][c] = format(v);
      }
    }
    for (String[] line : cells) {
      for (int c = 0; c < columns.length; c++) {
        width[c] = Math.max(width[c], line[c].length());
      }
    }
    for (int r = 0; r < cells.length; r++) {
      StringBuilder sb = new StringBuilder();
      for (int c = 0; c < columns.length; c++) {
        String fmt = numeric[c] ? "%" + width[c] + "s" : "%-" + width[c] + "s";
        sb.append(c == 0 ? "" : "  ").append(String.format(Locale.ROOT, fmt, cells[r][c]));
      }
      out.println(sb.toString().stripTrailing());
    }
  }

  private static String format(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof Double d) {
      return Math.abs(d) >= 1e-3 && Math.abs(d) < 1e6 || d == 0 ? String.format(Locale.ROOT, "%.4f", d)
          : String.format(Locale.ROOT, "%.4e", d);
    }
    if (v instanceof Long || v instanceof Integer) {
      return String.format(Locale.ROOT, "%,d", ((Number) v).longValue());
    }
    return v.toString();
  }
}
