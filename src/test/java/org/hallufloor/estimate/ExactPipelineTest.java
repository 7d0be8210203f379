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
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.hallufloor.bound.OptimisedBound;
import org.hallufloor.bound.Spectrum;
import org.hallufloor.job.HallufloorRun;
import org.hallufloor.testing.Europarl;
import org.hallufloor.testing.Runs;
import org.hallufloor.testing.SameNumbers;
import org.hallufloor.testing.Shards;
import org.hallufloor.testing.SparkTestBase;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exact-kernel pipeline on real Europarl documents with the bytes tokenizer, every
 * number of slice_bounds checked against {@link SecondMethod}'s plain loop, the bounds against
 * the bound package's (separately tested) math on the loop's own spectra, and model_ph against
 * a brute-force softmax over all 256 logits.
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
    List<String> lines = new ArrayList<>();
    for (Europarl.Doc d : docs) {
      lines.add(d.title() + "\t" + d.date() + "\t" + d.body());
    }
    shard = Shards.writeLines(dir.resolve("europarl-240.txt.gz"), lines);
    result = run("run1", 4);
    expected = SecondMethod.count(docs, "file:" + shard, LENGTHS, HELDOUT);
  }

  private HallufloorRun.Result run(String name, int shufflePartitions, String... more) {
    spark().conf().set("spark.sql.shuffle.partitions", String.valueOf(shufflePartitions));
    List<String> overrides = new ArrayList<>(List.of(
        "hallufloor.input.paths=[\"" + shard + "\"]", "hallufloor.tokenizer=bytes",
        "hallufloor.slices=[{name=year, field=date, transform=year}]", "hallufloor.context-lengths=[1,2,4]",
        "hallufloor.scaling-fractions=[]",
        "hallufloor.heldout-fraction=" + HELDOUT, "hallufloor.beta-s=[0.5, 2.0]", "hallufloor.temperatures=[1.0]"));
    overrides.addAll(List.of(more));
    return Runs.run(spark(), Runs.settings("jobs/europarl-sample.conf", dir.resolve(name), overrides.toArray(new String[0])));
  }

  /**
   * context-sample-rate keeps a context by its hash, with its exact evidence: under the
   * distinct and occurrence distributions the kept contexts' evidence equals the loop's
   * counts for exactly those contexts.
   */
  @Test
  void sampledContextsKeepTheirExactEvidence() {
    double rate = 0.5;
    List<Row> rows = table(run("sampled", 4, "hallufloor.context-sample-rate=" + rate), "slice_bounds")
        .filter("beta_s = 0.5 AND slice_dim = 'all'").collectAsList();
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
        close("distinct mean c=" + c, (double) keptExamples / kept, r.getAs("mean_evidence"));
      } else if (distribution.equals("occurrence")) {
        close("occurrence mean c=" + c, sumSquares / keptExamples, r.getAs("mean_evidence"));
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

  private Dataset<Row> table(HallufloorRun.Result r, String name) {
    return spark().read().parquet(r.output().location(name).toString());
  }

  private static void close(String what, double expected, Object actual) {
    double a = ((Number) actual).doubleValue();
    assertEquals(expected, a, 1e-9 * Math.max(1e-300, Math.abs(expected)) + 1e-13, what);
  }

  /** Per (slice, c): the spectra of the six distributions, built from the loop's raw counts. */
  private static Map<String, Spectrum> spectra(SecondMethod.Counts counts, int c) {
    List<double[]> evidence = new ArrayList<>();
    List<double[]> gap = new ArrayList<>();
    for (Map<Integer, Long> nexts : counts.train.values()) {
      long e = nexts.values().stream().mapToLong(Long::longValue).sum();
      List<Long> sorted = nexts.values().stream().sorted((x, y) -> Long.compare(y, x)).toList();
      long top2 = sorted.size() > 1 ? sorted.get(1) : 0;
      evidence.add(new double[] {e, 1, e});
      gap.add(new double[] {sorted.get(0) - top2, e});
    }
    List<double[]> heldout = new ArrayList<>();
    List<double[]> heldoutGap = new ArrayList<>();
    for (int i = 0; i < counts.heldoutContexts.size(); i++) {
      List<Integer> x = counts.heldoutContexts.get(i);
      int y = counts.heldoutNext.get(i);
      Map<Integer, Long> nexts = counts.train.getOrDefault(x, Map.of());
      long other = nexts.entrySet().stream().filter(f -> f.getKey() != y).mapToLong(Map.Entry::getValue).max().orElse(0);
      heldout.add(new double[] {counts.evidence(x), 1});
      heldoutGap.add(new double[] {Math.max(nexts.getOrDefault(y, 0L) - other, 0), 1});
    }
    Map<String, Spectrum> out = new LinkedHashMap<>();
    out.put("uniform", of(evidence, 1, c * Math.log10(SecondMethod.N_V)));
    out.put("distinct", of(evidence, 1, Double.NaN));
    out.put("occurrence", of(evidence, 2, Double.NaN));
    out.put("margin_occurrence", of(gap, 1, Double.NaN));
    out.put("heldout", of(heldout, 1, Double.NaN));
    out.put("margin_heldout", of(heldoutGap, 1, Double.NaN));
    return out;
  }

  private static Spectrum of(List<double[]> rows, int weight, double log10Total) {
    return Spectrum.of(rows.stream().mapToDouble(r -> r[0]).toArray(), rows.stream().mapToDouble(r -> r[weight]).toArray(),
        log10Total);
  }

  @Test
  void everyNumberOfSliceBoundsMatchesThePlainLoop() {
    List<Row> rows = table(result, "slice_bounds").collectAsList();
    int checked = 0;
    for (Row r : rows) {
      String slice = r.getAs("slice_dim") + "=" + r.getAs("slice_value");
      int c = r.getAs("context_len");
      SecondMethod.Counts counts = expected.get(slice).get(c);
      String where = slice + " c=" + c + " " + r.getAs("distribution") + " beta=" + r.getAs("beta_s");
      long examples = counts.examples();
      assertEquals(examples, (long) r.getAs("examples"), where);
      assertEquals((long) counts.train.size(), (long) r.getAs("distinct_contexts"), where);
      assertEquals(counts.trainingDocuments, (long) r.getAs("documents"), where);
      long singletons = counts.train.values().stream().filter(m -> m.values().stream().mapToLong(Long::longValue).sum() == 1).count();
      long monofacts = counts.train.values().stream().flatMap(m -> m.values().stream()).filter(n -> n == 1).count();
      close(where + " singleton", (double) singletons / examples, r.getAs("singleton_context_rate"));
      close(where + " monofact", (double) monofacts / examples, r.getAs("monofact_rate"));
      int heldout = counts.heldoutContexts.size();
      long unseenContexts = counts.heldoutContexts.stream().filter(x -> !counts.train.containsKey(x)).count();
      long unseenFacts = 0;
      for (int i = 0; i < heldout; i++) {
        unseenFacts += counts.train.getOrDefault(counts.heldoutContexts.get(i), Map.of()).containsKey(counts.heldoutNext.get(i)) ? 0 : 1;
      }
      if (heldout == 0) {
        Assertions.assertNull(r.getAs("heldout_unseen_context_rate"), where + ": no held-out document in the slice");
        Assertions.assertNull(r.getAs("heldout_unseen_fact_rate"), where);
      } else {
        close(where + " unseen contexts", (double) unseenContexts / heldout, r.getAs("heldout_unseen_context_rate"));
        close(where + " unseen facts", (double) unseenFacts / heldout, r.getAs("heldout_unseen_fact_rate"));
      }

      String distribution = r.getAs("distribution");
      double betaS = r.getAs("beta_s");
      double t = r.getAs("temperature");
      double a = betaS / t;
      // Mean evidence straight from THEORY 2's formulas.
      double sumSquares = counts.train.keySet().stream().mapToDouble(x -> Math.pow(counts.evidence(x), 2)).sum();
      Map<String, Double> means = new HashMap<>();
      means.put("uniform", examples / Math.pow(256, c));
      means.put("distinct", (double) examples / counts.train.size());
      means.put("occurrence", sumSquares / examples);
      means.put("heldout", counts.heldoutContexts.stream().mapToDouble(counts::evidence).sum() / heldout);
      Spectrum spectrum = spectra(counts, c).get(distribution);
      if (means.containsKey(distribution)) {
        close(where + " mean", means.get(distribution), r.getAs("mean_evidence"));
      }
      close(where + " log10 mean", spectrum.log10Mean(), r.getAs("log10_mean_evidence"));
      OptimisedBound b = OptimisedBound.ofLog10K(Math.log10(a) + spectrum.log10Mean());
      close(where + " log10 k", b.log10K(), r.getAs("log10_k"));
      close(where + " L*", b.lStar(), r.getAs("l_star"));
      close(where + " eps0*", b.eps0Star(), r.getAs("eps0_star"));
      close(where + " bound", b.bound(), r.getAs("bound"));
      close(where + " log10 bound", b.log10Bound(), r.getAs("log10_bound"));
      Spectrum.Empirical emp = spectrum.empiricalBound(betaS, t);
      close(where + " empirical", emp.bound(), r.getAs("empirical_bound"));
      close(where + " empirical eps0", emp.eps0(), r.getAs("empirical_eps0"));

      Double modelPh = r.getAs("model_ph");
      if (distribution.endsWith("occurrence")) {
        double sum = 0;
        for (Map.Entry<List<Integer>, Map<Integer, Long>> x : counts.train.entrySet()) {
          for (Map.Entry<Integer, Long> f : x.getValue().entrySet()) {
            sum += f.getValue() * counts.hallucination(x.getKey(), f.getKey(), a);
          }
        }
        close(where + " model_ph in-sample", sum / examples, modelPh);
      } else if (distribution.endsWith("heldout")) {
        double sum = 0;
        for (int i = 0; i < heldout; i++) {
          sum += counts.hallucination(counts.heldoutContexts.get(i), counts.heldoutNext.get(i), a);
        }
        close(where + " model_ph held out", sum / heldout, modelPh);
      } else {
        Assertions.assertNull(modelPh, where);
      }
      checked++;
    }
    // Per slice and length, 2 betas times 6 distributions, or 4 where no document was held out.
    long rowsExpected = 0;
    for (Map<Integer, SecondMethod.Counts> byLength : expected.values()) {
      for (SecondMethod.Counts counts : byLength.values()) {
        rowsExpected += 2 * (counts.heldoutContexts.isEmpty() ? 4 : 6);
      }
    }
    assertEquals(rowsExpected, checked);
    assertEquals(rowsExpected, rows.size());
    Assertions.assertTrue(result.invariantViolations().isEmpty(), result.invariantViolations().toString());
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
      close("f", (double) below / counts.examples(), r.getAs("f"));
      Assertions.assertTrue((double) r.getAs("f") >= (double) r.getAs("f_markov_lower"));
    }
  }

  /**
   * The same numbers with 1 and 8 shuffle partitions: counts exactly, and sums of doubles (the
   * model's P_h) to the last few bits, since partitioning changes only their order of addition.
   */
  @Test
  void sameNumbersWithOneAndEightShufflePartitions() {
    List<Row> one = table(run("p1", 1), "slice_bounds").orderBy("slice_dim", "slice_value", "context_len", "beta_s", "temperature", "distribution").collectAsList();
    List<Row> eight = table(run("p8", 8), "slice_bounds").orderBy("slice_dim", "slice_value", "context_len", "beta_s", "temperature", "distribution").collectAsList();
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
          + " WHERE distribution = 'occurrence'")) {
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
