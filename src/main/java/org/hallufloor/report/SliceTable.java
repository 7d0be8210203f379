package org.hallufloor.report;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;

/** Prints rows as an aligned plain-text table, numbers right-aligned. */
public final class SliceTable {
  private SliceTable() {}

  /** The named columns of collected rows. */
  public static void print(PrintStream out, List<Row> rows, String... columns) {
    List<Object[]> values = new ArrayList<>();
    for (Row row : rows) {
      Object[] v = new Object[columns.length];
      for (int c = 0; c < columns.length; c++) {
        v[c] = row.get(row.fieldIndex(columns[c]));
      }
      values.add(v);
    }
    print(out, columns, values);
  }

  public static void print(PrintStream out, String[] headers, List<Object[]> rows) {
    if (rows.isEmpty()) {
      out.println("(no rows)");
      return;
    }
    String[][] cells = new String[rows.size() + 1][headers.length];
    boolean[] numeric = new boolean[headers.length];
    int[] width = new int[headers.length];
    cells[0] = headers.clone();
    for (int r = 0; r < rows.size(); r++) {
      for (int c = 0; c < headers.length; c++) {
        Object v = rows.get(r)[c];
        numeric[c] |= v instanceof Number;
        cells[r + 1][c] = format(v);
      }
    }
    for (String[] line : cells) {
      for (int c = 0; c < headers.length; c++) {
        width[c] = Math.max(width[c], line[c].length());
      }
    }
    for (String[] line : cells) {
      StringBuilder sb = new StringBuilder();
      for (int c = 0; c < headers.length; c++) {
        String fmt = numeric[c] ? "%" + width[c] + "s" : "%-" + width[c] + "s";
        sb.append(c == 0 ? "" : "  ").append(String.format(Locale.ROOT, fmt, line[c]));
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
