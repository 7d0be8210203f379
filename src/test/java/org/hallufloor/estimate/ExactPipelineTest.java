package org.hallufloor.estimate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.hallufloor.config.Settings;
import org.hallufloor.job.HallufloorRun;
import org.hallufloor.testing.Europarl;
import org.hallufloor.testing.Runs;
import org.hallufloor.testing.SameNumbers;
import org.hallufloor.testing.Shards;
import org.hallufloor.testing.SparkTestBase;
import org.hallufloor.testing.Stages;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exact-kernel pipeline on real Europarl documents with the bytes tokenizer, every
 * number of slice_bounds checked against {@link SecondMethod}'s plain loop, the bounds against
 * the bound package's (separately tested) math on the loop's own spectra, and model_ph against
 * a brute-force softmax over all 256 logits. The job runs once for the tables (and twice for
 * a rerun); the sampled, max-values and shuffle-partition checks run the stages alone
 * (testing/Stages: read, evidence, estimate, no table written).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExactPipelineTest extends SparkTestBase {
  private static final int DOCS = 240;
  private static final List<Integer> LENGTHS = List.of(1, 2, 4);
  private static final double HELDOUT = 0.2;

  @TempDir static Path dir;
  private static Path shard;
  private static HallufloorRun.Result result;
  private static Map<String, Map<Integer, SecondMethod.Counts>> expected;

  @BeforeAll
  void runOnce() throws Exception {
    startSpark();
    List<Europarl.Doc> docs = Europarl.first(DOCS);
    // Ids of their own: the held-out split hashes the id, so a path id would follow the temp folder.
    List<String> lines = new ArrayList<>();
    for (Europarl.Doc d : docs) {
      lines.add(id(d) + "\t" + d.title() + "\t" + d.date() + "\t" + d.body());
    }
    shard = Shards.writeLines(dir.resolve("europarl-240.txt.gz"), lines);
    result = run("run1", 4);
    expected = SecondMethod.count(docs, ExactPipelineTest::id, d -> List.of("all=all", "year=" + d.date().substring(0, 4)),
        LENGTHS, HELDOUT);
  }

  private HallufloorRun.Result run(String name, int shufflePartitions, String... more) {
    spark().conf().set("spark.sql.shuffle.partitions", String.valueOf(shufflePartitions));
    return Runs.run(spark(), settings(name, more));
  }

  /**
   * What the read, evidence and estimate stages give on the same settings, without the job
   * around them (no table written): {@code read} takes what it needs before they are released.
   */
  private <T> T stages(int shufflePartitions, Function<Stages.Estimate, T> read, String... more) {
    spark().conf().set("spark.sql.shuffle.partitions", String.valueOf(shufflePartitions));
    Stages.Estimate estimate = Stages.estimate(spark(), settings("unused", more));
    try {
      return read.apply(estimate);
    } finally {
      estimate.release();
    }
  }

  private Settings settings(String name, String... more) {
    List<String> overrides = new ArrayList<>(List.of(
        "hallufloor.input.paths=[\"" + shard + "\"]", "hallufloor.input.text-columns=[id, title, date, body]",
        "hallufloor.input.id-field=id", "hallufloor.tokenizer=bytes",
        "hallufloor.slices=[{name=year, field=date, transform=year}]", "hallufloor.context-lengths=[1,2,4]",
        "hallufloor.scaling-fractions=[]",
        "hallufloor.heldout-fraction=" + HELDOUT, "hallufloor.beta-s=[0.5, 2.0]", "hallufloor.temperatures=[1.0]",
        "hallufloor.report=false"));
    overrides.addAll(List.of(more));
    return Runs.settings("jobs/europarl-sample.conf", dir.resolve(name), overrides.toArray(new String[0]));
  }

  /**
   * context-sample-rate keeps a context by its hash, with its exact evidence: under the
   * distinct and occurrence distributions the kept contexts' evidence equals the loop's
   * counts for exactly those contexts.
   */
  @Test
  void sampledContextsKeepTheirExactEvidence() {
    double rate = 0.5;
    List<Row> rows = stages(4, e -> e.result().sliceBounds().filter("beta_s = 0.5 AND slice_dim = 'all'").collectAsList(),
        "hallufloor.context-sample-rate=" + rate);
    Assertions.assertFalse(rows.isEmpty());
    for (Row r : rows) {
      int c = r.getAs("context_len");
      SecondMethod.Counts counts = expected.get("all=all").get(c);
      long kept = 0;
      long keptExamples = 0;
      double sumSquares = 0;
      for (List<Integer> x : counts.train.keySet()) {
        int[] ids = x.stream().mapToInt(Integer::intValue).toArray();
        if (org.hallufloor.context.ContextHash.uniform(org.hallufloor.context.ContextHash.of(ids, 0, c)) < rate) {
          long e = counts.evidence(x);
          kept++;
          keptExamples += e;
          sumSquares += (double) e * e;
        }
      }
      Assertions.assertTrue(kept > 0 && kept < counts.train.size(), "the rate keeps some contexts, not all");
      String distribution = r.getAs("distribution");
      assertEquals(Math.round(kept / rate), (long) r.getAs("distinct_contexts"), "c=" + c);
      assertEquals(Math.round(keptExamples / rate), (long) r.getAs("examples"), "c=" + c);
      assertEquals(rate, (double) r.getAs("context_sample_rate"));
      if (distribution.equals("distinct")) {
        PlainLoopCheck.close("distinct mean c=" + c, (double) keptExamples / kept, r.getAs("mean_evidence"));
      } else if (distribution.equals("occurrence")) {
        PlainLoopCheck.close("occurrence mean c=" + c, sumSquares / keptExamples, r.getAs("mean_evidence"));
      }
    }
  }

  /** A rerun of a run id replaces each of its partitions whole, runs included. */
  @Test
  void rerunOfARunIdReplacesItsPartitionWhole() {
    HallufloorRun.Result first = run("rerun", 4);
    long firstRows = table(first, "slice_bounds").count();
    Assertions.assertTrue(table(first, "slice_bounds").filter("slice_dim = 'year'").count() > 0);
    HallufloorRun.Result second = run("rerun", 4, "hallufloor.slices=[]", "hallufloor.context-lengths=[2]");
    Dataset<Row> rows = spark().read().parquet(dir.resolve("rerun").resolve("slice_bounds").toString());
    assertEquals(0, rows.filter("slice_dim = 'year'").count(), "no row of the first run is left");
    assertEquals(0, rows.filter("context_len <> 2").count());
    Assertions.assertTrue(rows.count() < firstRows);
    assertEquals(1, spark().read().parquet(dir.resolve("rerun").resolve("runs").toString()).count());
    assertEquals(second.documents(), first.documents());
  }

  private static String id(Europarl.Doc d) {
    return "doc-" + d.line();
  }

  private Dataset<Row> table(HallufloorRun.Result r, String name) {
    return spark().read().parquet(r.output().location(name).toString());
  }


  @Test
  void everyNumberOfSliceBoundsMatchesThePlainLoop() {
    List<Row> rows = table(result, "slice_bounds").collectAsList();
    long checked = PlainLoopCheck.rows(rows, r -> expected.get(r.getAs("slice_dim") + "=" + r.getAs("slice_value"))
        .get((int) r.getAs("context_len")));
    // Per slice and length, 2 betas times 6 distributions, or 4 where no document was held out.
    assertEquals(PlainLoopCheck.rowsExpected(expected, 2), checked);
    assertEquals(checked, (long) rows.size());
    Assertions.assertTrue(result.invariantViolations().isEmpty(), result.invariantViolations().toString());
  }

  /**
   * slices[].max-values = 2: the two years with most documents (ties by value) keep their
   * value and every other document is counted under year=other; each row equals the loop's
   * counts over the same documents sliced that way, counted here from the raw dates.
   */
  @Test
  void maxValuesKeepsTheLargestValuesAndCountsTheRestAsOther() throws Exception {
    List<Europarl.Doc> docs = Europarl.first(DOCS);
    Map<String, Long> perYear = new java.util.TreeMap<>();
    docs.forEach(d -> perYear.merge(d.date().substring(0, 4), 1L, Long::sum));
    List<String> top = perYear.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .limit(2).map(Map.Entry::getKey).toList();
    Assertions.assertTrue(perYear.size() > 3, "the sample spans more years than are kept: " + perYear);
    Map<String, Map<Integer, SecondMethod.Counts>> capped = SecondMethod.count(docs, ExactPipelineTest::id,
        d -> List.of("all=all", "year=" + (top.contains(d.date().substring(0, 4)) ? d.date().substring(0, 4) : "other")),
        LENGTHS, HELDOUT);
    List<Row> sliceStats = new ArrayList<>();
    List<Row> rows = stages(4, e -> {
      sliceStats.addAll(e.totals().sliceStats());
      return e.result().sliceBounds().collectAsList();
    }, "hallufloor.slices=[{name=year, field=date, transform=year, max-values=2}]");
    long checked = PlainLoopCheck.rows(rows,
        row -> capped.get(row.getAs("slice_dim") + "=" + row.getAs("slice_value")).get((int) row.getAs("context_len")));
    assertEquals(PlainLoopCheck.rowsExpected(capped, 2), checked);
    long cut = perYear.entrySet().stream().filter(e -> !top.contains(e.getKey())).mapToLong(Map.Entry::getValue).sum();
    assertEquals(cut, org.hallufloor.testing.Runs.bySlice(sliceStats).get("year=other")[0], "documents of year=other");
    assertEquals(4, sliceStats.size(), "all, the two years kept, and other");
  }

  /**
   * THEORY 5's fitted scale against a second method on the plain loop's counts: the best of a
   * log-spaced grid refined by golden-section search on the exact held-out log-likelihood, and
   * the interval's ends by bisection on it; the fitted log-likelihood is never below a
   * configured pair's.
   */
  @Test
  void fittedScaleMatchesAGridAndGoldenSectionOnThePlainLoop() {
    List<Row> fits = table(result, "fitted_scale").collectAsList();
    // The configured pairs' held-out rows, read once (a query per fit cost about 0.1 s each).
    Map<String, List<Row>> configured = new HashMap<>();
    for (Row pair : table(result, "slice_bounds").filter("beta_source = 'config' AND distribution = 'heldout'")
        .collectAsList()) {
      configured.computeIfAbsent(pair.getAs("slice_dim") + "=" + pair.getAs("slice_value") + " c="
          + pair.getAs("context_len"), k -> new ArrayList<>()).add(pair);
    }
    int fitted = 0;
    for (Row r : fits) {
      String slice = r.getAs("slice_dim") + "=" + r.getAs("slice_value");
      int c = r.getAs("context_len");
      SecondMethod.Counts counts = expected.get(slice).get(c);
      double[] loop = counts.fit();
      String where = slice + " c=" + c;
      assertEquals("fitted", r.getAs("fit_status"), where);
      assertEquals((long) counts.heldoutContexts.size(), (long) r.getAs("heldout_examples"), where);
      assertEquals(loop[0], (double) r.getAs("a_star"), 1e-6 * loop[0], where + " a*");
      assertEquals(loop[1], (double) r.getAs("a_ci_low"), 1e-6 * loop[1], where + " interval low");
      assertEquals(loop[2], (double) r.getAs("a_ci_high"), 1e-6 * loop[2], where + " interval high");
      // ll at a* is the probes' interpolation (PlainLoopCheck): within 1e-8 of the exact value.
      assertEquals(loop[3], (double) r.getAs("heldout_log_likelihood"), 1e-8 * Math.abs(loop[3]), where + " ll");
      Assertions.assertTrue(configured.containsKey(where), where + ": configured pairs");
      for (Row pair : configured.get(where)) {
        Assertions.assertTrue((double) r.getAs("heldout_log_likelihood") >= (double) pair.getAs("heldout_log_likelihood"),
            where + ": fitted below beta_s = " + pair.getAs("beta_s"));
      }
      fitted++;
    }
    long expectedFits = expected.values().stream().flatMap(m -> m.values().stream())
        .filter(k -> k.examples() > 0 && !k.heldoutContexts.isEmpty()).count();
    assertEquals(expectedFits, fitted, "one fit per slice and c with held-out examples");
  }

  /** THEORY's invariants, row by row: bound <= empirical <= model_ph, margin above plain. */
  @Test
  void invariantsHoldOnEveryRow() {
    List<Row> rows = table(result, "slice_bounds").collectAsList();
    Map<String, Double> empirical = new HashMap<>();
    for (Row r : rows) {
      double bound = r.getAs("bound");
      double emp = r.getAs("empirical_bound");
      Assertions.assertTrue(emp >= bound * (1 - 1e-12), r.toString());
      Double ph = r.getAs("model_ph");
      if (ph != null) {
        Assertions.assertTrue(emp <= ph, r.toString());
      }
      empirical.put(r.getAs("slice_value") + "/" + r.getAs("context_len") + "/" + r.getAs("beta_s") + "/"
          + r.getAs("distribution"), emp);
    }
    for (Map.Entry<String, Double> e : empirical.entrySet()) {
      if (e.getKey().endsWith("/margin_occurrence") || e.getKey().endsWith("/margin_heldout")) {
        String plain = e.getKey().replace("/margin_", "/");
        Assertions.assertTrue(e.getValue() >= empirical.get(plain) * (1 - 1e-12), e.getKey());
      }
    }
  }

  @Test
  void evidenceHistogramAddsUp() {
    for (Row r : table(result, "evidence_histogram").groupBy("slice_dim", "slice_value", "context_len")
        .sum("distinct_contexts", "occurrences", "heldout_occurrences").collectAsList()) {
      SecondMethod.Counts counts = expected.get(r.getString(0) + "=" + r.getString(1)).get(r.getInt(2));
      assertEquals((long) counts.train.size(), r.getLong(3));
      assertEquals(counts.examples(), r.getLong(4));
      assertEquals((long) counts.heldoutContexts.size(), r.isNullAt(5) ? 0L : r.getLong(5));
    }
  }

  /** f(eps0) under occurrence, counted from the loop's contexts for every grid point. */
  @Test
  void fCurveMatchesTheLoop() {
    for (Row r : table(result, "f_curve").filter("distribution = 'occurrence'").collectAsList()) {
      SecondMethod.Counts counts = expected.get(r.getAs("slice_dim") + "=" + r.getAs("slice_value")).get((int) r.getAs("context_len"));
      double mPrime = (double) r.getAs("temperature") * Math.log((1 - (double) r.getAs("eps0")) / (double) r.getAs("eps0"))
          / (double) r.getAs("beta_s");
      long below = counts.train.keySet().stream().mapToLong(counts::evidence).filter(e -> e < mPrime).sum();
      PlainLoopCheck.close("f", (double) below / counts.examples(), r.getAs("f"));
      Assertions.assertTrue((double) r.getAs("f") >= (double) r.getAs("f_markov_lower"));
    }
  }

  /**
   * The same numbers with 1 and 8 shuffle partitions: counts exactly, and sums of doubles (the
   * model's P_h) to the last few bits, since partitioning changes only their order of addition.
   */
  @Test
  void sameNumbersWithOneAndEightShufflePartitions() {
    Function<Stages.Estimate, List<Row>> ordered = e -> e.result().sliceBounds()
        .orderBy("slice_dim", "slice_value", "context_len", "beta_s", "temperature", "distribution").collectAsList();
    List<Row> one = stages(1, ordered);
    List<Row> eight = stages(8, ordered);
    assertEquals(table(result, "slice_bounds").count(), one.size());
    SameNumbers.assertSameSliceBounds(one, eight);
  }

  /** A dashboard's view: DuckDB reads every table with INTERFACE.md's column names and types. */
  @Test
  void duckDbReadsTheTablesAsADashboardWould() throws Exception {
    Path root = dir.resolve("run1");
    Map<String, String> expectedTypes = new LinkedHashMap<>();
    expectedTypes.put("run_id", "VARCHAR");
    expectedTypes.put("slice_dim", "VARCHAR");
    expectedTypes.put("context_len", "INTEGER");
    expectedTypes.put("n_vocab", "BIGINT");
    expectedTypes.put("examples", "BIGINT");
    expectedTypes.put("bound", "DOUBLE");
    expectedTypes.put("log10_bound", "DOUBLE");
    expectedTypes.put("model_ph", "DOUBLE");
    expectedTypes.put("computed_at", "TIMESTAMP WITH TIME ZONE");
    expectedTypes.put("distribution", "VARCHAR");
    expectedTypes.put("empirical_bound", "DOUBLE");
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement st = db.createStatement()) {
      Map<String, String> actual = new HashMap<>();
      try (ResultSet rs = st.executeQuery("DESCRIBE SELECT * FROM read_parquet('" + root
          + "/slice_bounds/*/*.parquet', hive_partitioning = true, hive_types = {'run_id': VARCHAR})")) {
        while (rs.next()) {
          actual.put(rs.getString("column_name"), rs.getString("column_type"));
        }
      }
      for (String column : Tables.SLICE_BOUNDS.fieldNames()) {
        Assertions.assertTrue(actual.containsKey(column), column);
      }
      for (Map.Entry<String, String> e : expectedTypes.entrySet()) {
        assertEquals(e.getValue(), actual.get(e.getKey()), e.getKey());
      }
      try (ResultSet rs = st.executeQuery("SELECT count(*), min(run_id) FROM read_parquet('" + root
          + "/slice_bounds/*/*.parquet', hive_partitioning = true, hive_types = {'run_id': VARCHAR})"
          + " WHERE distribution = 'occurrence' AND beta_source = 'config'")) {
        rs.next();
        assertEquals(expected.size() * LENGTHS.size() * 2, rs.getLong(1));
        assertEquals("test", rs.getString(2));
      }
      for (String table : List.of("f_curve", "evidence_histogram", "runs", "bad_records", "slice_stats")) {
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM read_parquet('" + root + "/" + table
            + "/*/*.parquet', hive_partitioning = true)")) {
          rs.next();
          Assertions.assertTrue(rs.getLong(1) >= (table.equals("bad_records") ? 0 : 1), table);
        }
      }
      try (ResultSet rs = st.executeQuery("SELECT status, documents FROM read_parquet('" + root
          + "/runs/*/*.parquet', hive_partitioning = true)")) {
        rs.next();
        assertEquals("SUCCEEDED", rs.getString(1));
        assertEquals(DOCS, rs.getLong(2));
      }
    }
  }
}
