package org.hallufloor.estimate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.hallufloor.bound.OptimisedBound;
import org.hallufloor.bound.Spectrum;
import org.hallufloor.evidence.Kinds;
import org.junit.jupiter.api.Assertions;

/**
 * One slice_bounds row against {@link SecondMethod}'s plain loop: every count and rate, the
 * means from THEORY 2's formulas, the bounds from the bound package's (separately tested) math
 * on the loop's own spectra, and model_ph from a brute-force softmax over all 256 logits.
 */
final class PlainLoopCheck {
  private PlainLoopCheck() {}

  private static final Map<SecondMethod.Counts, Map<String, Spectrum>> SPECTRA =
      java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());
  private static final Map<SecondMethod.Counts, Scalars> SCALARS =
      java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

  /**
   * The loop's numbers of a (slice, c) that do not depend on the row: counted once, since
   * each of its rows (pairs x distributions, and the fitted scale's) asks for them.
   */
  private record Scalars(long singletons, long monofacts, long unseenContexts, long unseenFacts, double sumSquares,
      double heldoutEvidence, boolean rounded) {
    static Scalars of(SecondMethod.Counts counts) {
      long singletons = counts.train.values().stream().filter(m -> m.values().stream().mapToLong(Long::longValue).sum() == 1)
          .count();
      long monofacts = counts.train.values().stream().flatMap(m -> m.values().stream()).filter(n -> n == 1).count();
      long unseenContexts = counts.heldoutContexts.stream().filter(x -> !counts.train.containsKey(x)).count();
      long unseenFacts = 0;
      for (int i = 0; i < counts.heldoutContexts.size(); i++) {
        unseenFacts += counts.train.getOrDefault(counts.heldoutContexts.get(i), Map.of())
            .containsKey(counts.heldoutNext.get(i)) ? 0 : 1;
      }
      // Mean evidence straight from THEORY 2's formulas: the occurrence mean's sum of squares.
      double squares = counts.train.keySet().stream().mapToDouble(x -> Math.pow(counts.evidence(x), 2)).sum();
      double heldoutEvidence = counts.heldoutContexts.stream().mapToDouble(counts::evidence).sum();
      boolean rounded = counts.train.keySet().stream().anyMatch(x -> counts.evidence(x) >= Kinds.EXACT_BELOW);
      return new Scalars(singletons, monofacts, unseenContexts, unseenFacts, squares, heldoutEvidence, rounded);
    }
  }

  /**
   * Checks every row against the loop's counts of its (slice, c), rows in parallel (the checks
   * only read the counts, and memoize per (slice, c) thread-safely); returns how many.
   */
  static long rows(List<Row> rows, java.util.function.Function<Row, SecondMethod.Counts> countsOf) {
    return rows.parallelStream().mapToLong(r -> row(r, countsOf.apply(r))).sum();
  }

  /** Checks {@code r} against the loop's counts of its (slice, c); returns 1, for counting rows. */
  static int row(Row r, SecondMethod.Counts counts) {
    String slice = r.getAs("slice_dim") + "=" + r.getAs("slice_value");
    int c = r.getAs("context_len");
    String where = slice + " c=" + c + " " + r.getAs("distribution") + " beta=" + r.getAs("beta_s");
    long examples = counts.examples();
    assertEquals(examples, (long) r.getAs("examples"), where);
    assertEquals((long) counts.train.size(), (long) r.getAs("distinct_contexts"), where);
    assertEquals(counts.trainingDocuments, (long) r.getAs("documents"), where);
    Scalars scalars = SCALARS.computeIfAbsent(counts, Scalars::of);
    close(where + " singleton", (double) scalars.singletons() / examples, r.getAs("singleton_context_rate"));
    close(where + " monofact", (double) scalars.monofacts() / examples, r.getAs("monofact_rate"));
    close(where + " document singletons", (double) counts.documentSingletonExamples() / examples,
        r.getAs("doc_singleton_context_rate"));
    close(where + " document monofacts", (double) counts.documentMonofactExamples() / examples,
        r.getAs("doc_monofact_rate"));
    int heldout = counts.heldoutContexts.size();
    if (heldout == 0) {
      Assertions.assertNull(r.getAs("heldout_unseen_context_rate"), where + ": no held-out document in the slice");
      Assertions.assertNull(r.getAs("heldout_unseen_fact_rate"), where);
    } else {
      close(where + " unseen contexts", (double) scalars.unseenContexts() / heldout, r.getAs("heldout_unseen_context_rate"));
      close(where + " unseen facts", (double) scalars.unseenFacts() / heldout, r.getAs("heldout_unseen_fact_rate"));
    }

    String distribution = r.getAs("distribution");
    double betaS = r.getAs("beta_s");
    double t = r.getAs("temperature");
    double a = betaS / t;
    // Mean evidence straight from THEORY 2's formulas.
    Map<String, Double> means = new HashMap<>();
    means.put("uniform", examples / Math.pow(256, c));
    means.put("distinct", (double) examples / counts.train.size());
    means.put("occurrence", scalars.sumSquares() / examples);
    means.put("heldout", scalars.heldoutEvidence() / heldout);
    // Built once per (slice, c): each of its rows (pairs x distributions, and the fitted scale's) asks.
    Spectrum spectrum = SPECTRA.computeIfAbsent(counts, k -> spectra(k, c)).get(distribution);
    if (means.containsKey(distribution)) {
      close(where + " mean", means.get(distribution), r.getAs("mean_evidence"));
    }
    closeOrNull(where + " log10 mean", spectrum.log10Mean(), r.getAs("log10_mean_evidence"));
    OptimisedBound b = OptimisedBound.ofLog10K(Math.log10(a) + spectrum.log10Mean());
    closeOrNull(where + " log10 k", b.log10K(), r.getAs("log10_k"));
    close(where + " L*", b.lStar(), r.getAs("l_star"));
    close(where + " eps0*", b.eps0Star(), r.getAs("eps0_star"));
    close(where + " bound", b.bound(), r.getAs("bound"));
    closeOrNull(where + " log10 bound", b.log10Bound(), r.getAs("log10_bound"));
    Spectrum.Empirical emp = spectrum.empiricalBound(betaS, t);
    boolean fitted = r.getAs("beta_source").equals("fitted");
    if (fitted && scalars.rounded()) {
      // Evidence from 2048 up is kept to 11 bits, rounded up (Kinds.rounded): the empirical bound
      // can only fall, by at most 2.2e-4. It shows at small scales (a fitted a* of 1e-5 puts
      // sigmoid(-a e) of a context seen 300,000 times near 1/2); at the configured ones it is exact.
      double job = r.getAs("empirical_bound");
      Assertions.assertTrue(job <= emp.bound() * (1 + 1e-12) && job >= emp.bound() - 2.2e-4,
          where + " empirical " + job + " against the loop's " + emp.bound());
    } else {
      close(where + " empirical", emp.bound(), r.getAs("empirical_bound"));
      close(where + " empirical eps0", emp.eps0(), r.getAs("empirical_eps0"));
    }

    Double modelPh = r.getAs("model_ph");
    Double logLikelihood = r.getAs("heldout_log_likelihood");
    if (!distribution.endsWith("heldout")) {
      Assertions.assertNull(logLikelihood, where + ": a held-out quantity");
    } else if (fitted) {
      // At the fitted scale the job interpolates ll between its probes (bound.ScaleFit): 2e-9 of the
      // exact value at most on these samples (short contexts' large counts bend it most).
      assertEquals(counts.heldoutLogLikelihood(a), logLikelihood, 1e-8 * Math.abs(logLikelihood), where + " ll");
    } else {
      close(where + " held-out log-likelihood", counts.heldoutLogLikelihoodBruteForce(a), logLikelihood);
    }
    if (fitted) {
      assertEquals(1.0, t, where + ": the fitted scale is beta_s / T at T = 1");
      Assertions.assertNull(modelPh, where + ": P_h is not summed at the fitted scale");
    } else if (distribution.endsWith("occurrence")) {
      close(where + " model_ph in-sample", counts.modelPhInSample(a), modelPh);
    } else if (distribution.endsWith("heldout")) {
      close(where + " model_ph held out", counts.modelPhHeldout(a), modelPh);
    } else {
      Assertions.assertNull(modelPh, where);
    }
    return 1;
  }

  /**
   * Rows a run writes for these counts: per (slice, c) with training examples, pairs x 6
   * distributions (4 without held-out ones), and 6 more at the fitted scale where the loop
   * fits one (some held-out context was seen in training).
   */
  static long rowsExpected(Map<String, Map<Integer, SecondMethod.Counts>> expected, int pairs) {
    long rows = 0;
    for (Map<Integer, SecondMethod.Counts> byLength : expected.values()) {
      for (SecondMethod.Counts counts : byLength.values()) {
        if (counts.examples() > 0) {
          rows += pairs * (counts.heldoutContexts.isEmpty() ? 4 : 6);
          rows += counts.heldoutContexts.isEmpty() || counts.fit() == null ? 0 : 6;
        }
      }
    }
    return rows;
  }

  /**
   * A log10 column: null where the loop's quantity is 0 (its log10 is -infinity, as for a
   * held-out distribution whose every context is unseen), else equal to the loop's.
   */
  static void closeOrNull(String what, double expected, Object actual) {
    if (Double.isFinite(expected)) {
      close(what, expected, actual);
    } else {
      Assertions.assertNull(actual, what + ": the loop's value is " + expected);
    }
  }

  static void close(String what, double expected, Object actual) {
    double a = ((Number) actual).doubleValue();
    assertEquals(expected, a, 1e-9 * Math.max(1e-300, Math.abs(expected)) + 1e-13, what);
  }

  /** Per (slice, c): the spectra of the six distributions, built from the loop's raw counts. */
  static Map<String, Spectrum> spectra(SecondMethod.Counts counts, int c) {
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

}
