package org.hallufloor.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.hallufloor.testing.Europarl;
import org.hallufloor.testing.Runs;
import org.hallufloor.testing.Shards;
import org.hallufloor.testing.SparkTestBase;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard views, in DuckDB and in Spark SQL, over real runs in one output root: r1 with
 * year slices, r2 later without them, then r3 (with a year slice) that succeeds and a rerun of
 * r3 that fails. The views must show, per slice, the latest successful run only, and their
 * numbers must be slice_bounds' own.
 */
class DashboardViewsTest extends SparkTestBase {
  @TempDir Path dir;

  static List<String> statements(String dialect, String root) throws IOException {
    try (InputStream in = DashboardViewsTest.class.getResourceAsStream("/org/hallufloor/views/" + dialect + ".sql")) {
      String sql = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("${root}", root);
      List<String> out = new ArrayList<>();
      StringBuilder current = new StringBuilder();
      for (String line : sql.split("\n")) {
        if (!line.trim().startsWith("--")) {
          current.append(line).append('\n');
        }
      }
      for (String s : current.toString().split(";")) {
        if (!s.isBlank()) {
          out.add(s.trim());
        }
      }
      return out;
    }
  }

  @Test
  void viewsShowTheLatestSuccessfulRunPerSliceWithSliceBoundsNumbers() throws Exception {
    Path shard = Shards.europarl(dir.resolve("europarl-120.txt.gz"), Europarl.first(120));
    Path root = dir.resolve("out");
    String[] common = {"hallufloor.input.paths=[\"" + shard + "\"]", "hallufloor.tokenizer=bytes",
        "hallufloor.context-lengths=[1,2]", "hallufloor.scaling-fractions=[]", "hallufloor.report=false"};
    run(root, "r1", common, "hallufloor.slices=[{name=year, field=date, transform=year}]");
    run(root, "r2", common, "hallufloor.slices=[]");
    run(root, "r3", common, "hallufloor.slices=[{name=decade, field=date, transform=none}]");
    Runs.Exit failed = Runs.execute(spark(), Runs.settings("jobs/europarl-sample.conf", root,
        "hallufloor.run-id=r3", "hallufloor.input.paths=[\"" + dir.resolve("missing.txt.gz") + "\"]"));
    assertEquals(3, failed.code(), failed.err());

    // Expected, from slice_bounds and runs read by Spark: for each slice, the latest SUCCEEDED run.
    List<Row> expected = spark().sql("SELECT b.run_id, b.slice_dim, b.slice_value, count(*) AS n, sum(b.bound) AS s "
        + "FROM parquet.`" + root + "/slice_bounds` b WHERE b.distribution = 'occurrence' AND b.beta_source = 'config' "
        + "AND b.run_id IN ('r1', 'r2') "
        + "AND NOT (b.run_id = 'r1' AND b.slice_dim = 'all') GROUP BY 1, 2, 3 ORDER BY 2, 3").collectAsList();
    Set<String> expectedRuns = new TreeSet<>();
    expected.forEach(r -> expectedRuns.add(r.getString(1) + "=" + r.getString(0)));
    Assertions.assertTrue(expectedRuns.contains("all=r2") && expectedRuns.contains("year=r1"), expectedRuns.toString());

    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement st = db.createStatement()) {
      for (String s : statements("duckdb", root.toString())) {
        st.execute(s);
      }
      List<String> actual = new ArrayList<>();
      try (ResultSet rs = st.executeQuery("SELECT run_id, slice_dim, slice_value, count(*), sum(bound) FROM hf_main_bound "
          + "GROUP BY 1, 2, 3 ORDER BY 2, 3")) {
        while (rs.next()) {
          actual.add(rs.getString(1) + "/" + rs.getString(2) + "/" + rs.getString(3) + "/" + rs.getLong(4));
          Row e = expected.get(actual.size() - 1);
          assertEquals(e.getDouble(4), rs.getDouble(5), 1e-12 * Math.abs(e.getDouble(4)));
        }
      }
      List<String> want = expected.stream().map(r -> r.getString(0) + "/" + r.getString(1) + "/" + r.getString(2) + "/"
          + r.getLong(3)).toList();
      assertEquals(want, actual);
      try (ResultSet rs = st.executeQuery("SELECT count(DISTINCT series), count(*) FROM hf_f_curve_long")) {
        rs.next();
        assertEquals(4, rs.getLong(1));
      }
      // The fitted bound: per slice and c of the latest runs, the occurrence and held-out rows at
      // the fitted a*, which is fitted_scale's, read here by Spark.
      Map<String, Double> fitted = new java.util.HashMap<>();
      for (Row f : spark().sql("SELECT run_id, slice_dim, slice_value, context_len, a_star FROM parquet.`" + root
          + "/fitted_scale` WHERE fit_status = 'fitted'").collectAsList()) {
        fitted.put(f.getString(0) + "/" + f.getString(1) + "/" + f.getString(2) + "/" + f.getInt(3), f.getDouble(4));
      }
      int rows = 0;
      try (ResultSet rs = st.executeQuery("SELECT run_id, slice_dim, slice_value, context_len, a_star, distribution "
          + "FROM hf_fitted_bound")) {
        while (rs.next()) {
          String key = rs.getString(1) + "/" + rs.getString(2) + "/" + rs.getString(3) + "/" + rs.getInt(4);
          Assertions.assertTrue(expectedRuns.contains(rs.getString(2) + "=" + rs.getString(1)), key + " is a latest run");
          assertEquals(fitted.get(key), rs.getDouble(5), key);
          rows++;
        }
      }
      Assertions.assertTrue(rows >= 2 * 2, "occurrence and held-out rows for the whole corpus at c = 1 and 2: " + rows);
    }

    for (String file : List.of("spark", "spark-views")) {
      for (String s : statements(file, root.toString())) {
        spark().sql(s);
      }
    }
    List<String> viaSpark = spark().sql("SELECT run_id, slice_dim, slice_value, count(*) FROM hf_main_bound "
        + "GROUP BY 1, 2, 3 ORDER BY 2, 3").collectAsList().stream()
        .map(r -> r.getString(0) + "/" + r.getString(1) + "/" + r.getString(2) + "/" + r.getLong(3)).toList();
    assertEquals(expected.stream().map(r -> r.getString(0) + "/" + r.getString(1) + "/" + r.getString(2) + "/"
        + r.getLong(3)).toList(), viaSpark);
    Assertions.assertTrue(spark().sql("SELECT count(*) FROM hf_fitted_bound").first().getLong(0) >= 4);
    assertEquals(4L, spark().sql("SELECT count(DISTINCT series) FROM hf_f_curve_long").first().getLong(0));
  }

  private void run(Path root, String runId, String[] common, String slices) {
    List<String> overrides = new ArrayList<>(List.of(common));
    overrides.add("hallufloor.run-id=" + runId);
    overrides.add(slices);
    Runs.run(spark(), Runs.settings("jobs/europarl-sample.conf", root, overrides.toArray(new String[0])));
  }
}
