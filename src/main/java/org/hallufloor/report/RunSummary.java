package org.hallufloor.report;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;

/**
 * What a run prints when it ends: where the tables went, documents and tokens per slice, the
 * main bound per slice, and, for the whole corpus, the post's uniform k, the Good-Turing
 * comparison (singleton rates against held-out unseen rates) and the scaling curve.
 */
public final class RunSummary {
  private RunSummary() {}

  /** Slices a summary shows by name; past that, the largest by documents. */
  public static final int MAX_SHOWN = 100;

  /**
   * The slice_stats rows a person reads: every one when there are at most {@link #MAX_SHOWN},
   * else the whole corpus, the scaling fractions and the largest of the rest by documents (the
   * tables hold them all), in slice_stats order.
   */
  public static List<Row> shown(List<Row> sliceStats) {
    if (sliceStats.size() <= MAX_SHOWN) {
      return sliceStats;
    }
    java.util.Set<Row> keep = new java.util.HashSet<>();
    List<Row> rest = new ArrayList<>();
    for (Row r : sliceStats) {
      if ("all".equals(r.getString(0)) || "scaling".equals(r.getString(0))) {
        keep.add(r);
      } else {
        rest.add(r);
      }
    }
    rest.sort(Comparator.comparingLong((Row r) -> r.getLong(2)).reversed());
    keep.addAll(rest.subList(0, Math.max(0, Math.min(rest.size(), MAX_SHOWN - keep.size()))));
    return sliceStats.stream().filter(keep::contains).toList();
  }

  /**
   * @param shownSlices the slice_stats rows to show (see {@link #shown})
   * @param slices how many slices the run has in all
   * @param bounds slice_bounds rows of one (beta_S, T) pair, of the shown slices
   */
  public static void print(PrintStream out, String title, List<String> committed, List<Row> shownSlices, long slices,
      List<Row> bounds) {
    out.println();
    out.println(title);
    committed.forEach(p -> out.println("  " + p));
    out.println();
    out.println(shownSlices.size() == slices ? "Documents and tokens per slice:"
        : "Documents and tokens of " + shownSlices.size() + " of the " + slices
            + " slices (the whole corpus, scaling fractions, the largest others; the tables hold every slice):");
    SliceTable.print(out, shownSlices, "slice_dim", "slice_value", "documents", "tokens", "heldout_documents");

    List<Row> occurrence = sorted(bounds, "occurrence", null);
    out.println();
    out.println("Main bound per slice and context length (occurrence distribution):");
    SliceTable.print(out, occurrence, "slice_dim", "slice_value", "context_len", "examples", "log10_k", "bound",
        "log10_bound", "empirical_bound", "model_ph");

    out.println();
    out.println("The post's k (uniform over the N_V^c context space), whole corpus:");
    SliceTable.print(out, sorted(bounds, "uniform", "all"), "context_len", "examples", "log10_k", "bound", "empirical_bound");

    List<Row> heldout = sorted(bounds, "heldout", "all");
    if (!heldout.isEmpty()) {
      out.println();
      out.println("Good-Turing, whole corpus: singleton rates predict the held-out unseen rates:");
      SliceTable.print(out, heldout, "context_len", "singleton_context_rate", "heldout_unseen_context_rate",
          "monofact_rate", "heldout_unseen_fact_rate", "empirical_bound", "model_ph");
      out.println();
      out.println("Leave one document out, whole corpus: the share of training examples whose context (fact)");
      out.println("occurs in one training document only predicts the held-out unseen rates when held-out text");
      out.println("comes as whole documents (THEORY 5):");
      SliceTable.print(out, heldout, "context_len", "doc_singleton_context_rate", "heldout_unseen_context_rate",
          "doc_monofact_rate", "heldout_unseen_fact_rate");
    }
    printScaling(out, bounds);
  }

  /**
   * The scale a = beta_S / T that fits each shown slice's held-out text best (THEORY 5), its 95%
   * interval, the held-out log-likelihood there, and the occurrence bounds at that scale.
   *
   * @param fits fitted_scale rows of the shown slices
   * @param fittedBounds slice_bounds rows at the fitted scale (beta_source = fitted), occurrence distribution
   */
  public static void printFitted(PrintStream out, List<Row> fits, List<Row> fittedBounds) {
    if (fits.isEmpty()) {
      return;
    }
    Map<String, Row> bound = new java.util.HashMap<>();
    fittedBounds.forEach(r -> bound.put(key(r), r));
    List<Object[]> rows = new ArrayList<>();
    for (Row f : sorted(fits, null, null)) {
      Row b = bound.get(key(f));
      rows.add(new Object[] {f.getAs("slice_dim"), f.getAs("slice_value"), f.getAs("context_len"), f.getAs("a_star"),
          f.getAs("a_ci_low"), f.getAs("a_ci_high"), f.getAs("heldout_log_likelihood"),
          b == null ? null : b.getAs("bound"), b == null ? null : b.getAs("empirical_bound")});
    }
    out.println();
    out.println("Fitted scale a* = beta_S / T (maximum held-out log-likelihood, 95% interval) and the occurrence bounds there:");
    SliceTable.print(out, new String[] {"slice_dim", "slice_value", "context_len", "a_star", "a_ci_low", "a_ci_high",
        "heldout_ll", "bound", "empirical_bound"}, rows);
  }

  private static String key(Row r) {
    return r.getAs("slice_dim") + "\u0000" + r.getAs("slice_value") + "\u0000" + r.getAs("context_len");
  }

  /**
   * Per context length and scaling fraction: |D|, the measured k and the seed's prediction, k
   * proportional to |D| from the smallest fraction.
   */
  private static void printScaling(PrintStream out, List<Row> bounds) {
    Map<Integer, List<Row>> byLength = new TreeMap<>();
    for (Row r : bounds) {
      if ("scaling".equals(r.getAs("slice_dim")) && "occurrence".equals(r.getAs("distribution"))) {
        byLength.computeIfAbsent(r.getAs("context_len"), k -> new ArrayList<>()).add(r);
      }
    }
    if (byLength.isEmpty()) {
      return;
    }
    List<Object[]> rows = new ArrayList<>();
    for (List<Row> rs : byLength.values()) {
      rs.sort(Comparator.comparingLong(r -> r.<Long>getAs("examples")));
      Row first = rs.get(0);
      for (Row r : rs) {
        double predicted = (double) first.getAs("log10_k")
            + Math.log10((double) r.<Long>getAs("examples") / first.<Long>getAs("examples"));
        rows.add(new Object[] {r.getAs("context_len"), r.getAs("slice_value"), r.getAs("examples"), r.getAs("log10_k"),
            predicted, r.getAs("bound"), r.getAs("empirical_bound")});
      }
    }
    out.println();
    out.println("Scaling curve (occurrence distribution): measured log10 k against the seed's k ~ |D|:");
    SliceTable.print(out, new String[] {"context_len", "fraction", "examples", "log10_k", "log10_k_if_linear", "bound",
        "empirical_bound"}, rows);
  }

  private static List<Row> sorted(List<Row> bounds, String distribution, String sliceDim) {
    return bounds.stream()
        .filter(r -> (distribution == null || distribution.equals(r.getAs("distribution"))) && (sliceDim == null || sliceDim.equals(r.getAs("slice_dim"))))
        .sorted(Comparator.<Row, String>comparing(r -> r.getAs("slice_dim"))
            .thenComparing(r -> r.<String>getAs("slice_value"))
            .thenComparingInt(r -> r.<Integer>getAs("context_len")))
        .toList();
  }
}
