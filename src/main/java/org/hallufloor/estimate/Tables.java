package org.hallufloor.estimate;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Schemas of the estimate tables, columns as INTERFACE.md names them (run_id is the partition). */
public final class Tables {
  public static final StructType SLICE_BOUNDS = new StructType()
      .add("slice_dim", DataTypes.StringType, false)
      .add("slice_value", DataTypes.StringType, false)
      .add("context_len", DataTypes.IntegerType, false)
      .add("kernel", DataTypes.StringType, false)
      .add("tokenizer", DataTypes.StringType, false)
      .add("n_vocab", DataTypes.LongType, false)
      .add("beta_s", DataTypes.DoubleType, false)
      .add("temperature", DataTypes.DoubleType, false)
      .add("distribution", DataTypes.StringType, false)
      .add("documents", DataTypes.LongType, false)
      .add("examples", DataTypes.LongType, false)
      .add("distinct_contexts", DataTypes.LongType, false)
      .add("s_bar", DataTypes.DoubleType, true)
      .add("s_bar_ci_low", DataTypes.DoubleType, true)
      .add("s_bar_ci_high", DataTypes.DoubleType, true)
      .add("mean_evidence", DataTypes.DoubleType, true)
      .add("log10_mean_evidence", DataTypes.DoubleType, true)
      .add("k", DataTypes.DoubleType, true)
      .add("log10_k", DataTypes.DoubleType, true)
      .add("l_star", DataTypes.DoubleType, true)
      .add("eps0_star", DataTypes.DoubleType, true)
      .add("bound", DataTypes.DoubleType, true)
      .add("log10_bound", DataTypes.DoubleType, true)
      .add("empirical_bound", DataTypes.DoubleType, true)
      .add("empirical_eps0", DataTypes.DoubleType, true)
      .add("singleton_context_rate", DataTypes.DoubleType, true)
      .add("monofact_rate", DataTypes.DoubleType, true)
      .add("heldout_unseen_context_rate", DataTypes.DoubleType, true)
      .add("heldout_unseen_fact_rate", DataTypes.DoubleType, true)
      .add("model_ph", DataTypes.DoubleType, true)
      .add("context_sample_rate", DataTypes.DoubleType, false)
      .add("computed_at", DataTypes.TimestampType, false)
      .add("log10_empirical_bound", DataTypes.DoubleType, true)
      .add("distribution_examples", DataTypes.LongType, false)
      .add("doc_singleton_context_rate", DataTypes.DoubleType, true)
      .add("doc_monofact_rate", DataTypes.DoubleType, true)
      .add("heldout_log_likelihood", DataTypes.DoubleType, true)
      .add("beta_source", DataTypes.StringType, false)
      .add("rates_kernel", DataTypes.StringType, true);

  /** The kernel column of the exact kernel's rows, which every run writes. */
  public static final String EXACT = "exact";

  /**
   * The rates of exact identity (THEORY 5: singletons, monofacts, held-out unseen), counted by
   * the exact kernel. A soft kernel's rows carry the exact kernel's rates of the same run, and
   * {@code rates_kernel} says so ({@code exact} wherever they are set).
   */
  public static final String EXACT_RATES = "exact";

  public static final java.util.List<String> IDENTITY_RATES = java.util.List.of("singleton_context_rate",
      "monofact_rate", "heldout_unseen_context_rate", "heldout_unseen_fact_rate", "doc_singleton_context_rate",
      "doc_monofact_rate");

  /** THEORY 5's fitted scale per slice and c; {@code fit_status} is an addition (see bound.ScaleFit.Fit). */
  public static final StructType FITTED_SCALE = new StructType()
      .add("slice_dim", DataTypes.StringType, false)
      .add("slice_value", DataTypes.StringType, false)
      .add("context_len", DataTypes.IntegerType, false)
      .add("kernel", DataTypes.StringType, false)
      .add("a_star", DataTypes.DoubleType, true)
      .add("a_ci_low", DataTypes.DoubleType, true)
      .add("a_ci_high", DataTypes.DoubleType, true)
      .add("heldout_log_likelihood", DataTypes.DoubleType, true)
      .add("heldout_examples", DataTypes.LongType, false)
      .add("fit_status", DataTypes.StringType, false);

  public static final StructType F_CURVE = new StructType()
      .add("slice_dim", DataTypes.StringType, false)
      .add("slice_value", DataTypes.StringType, false)
      .add("context_len", DataTypes.IntegerType, false)
      .add("kernel", DataTypes.StringType, false)
      .add("beta_s", DataTypes.DoubleType, false)
      .add("temperature", DataTypes.DoubleType, false)
      .add("distribution", DataTypes.StringType, false)
      .add("eps0", DataTypes.DoubleType, false)
      .add("m_prime", DataTypes.DoubleType, false)
      .add("f", DataTypes.DoubleType, false)
      .add("f_markov_lower", DataTypes.DoubleType, false)
      .add("g", DataTypes.DoubleType, false)
      .add("g_markov", DataTypes.DoubleType, false);

  public static final StructType EVIDENCE_HISTOGRAM = new StructType()
      .add("slice_dim", DataTypes.StringType, false)
      .add("slice_value", DataTypes.StringType, false)
      .add("context_len", DataTypes.IntegerType, false)
      .add("kernel", DataTypes.StringType, false)
      .add("evidence_low", DataTypes.DoubleType, false)
      .add("evidence_high", DataTypes.DoubleType, false)
      .add("distinct_contexts", DataTypes.LongType, false)
      .add("occurrences", DataTypes.LongType, false)
      .add("heldout_occurrences", DataTypes.LongType, true);

  /**
   * INTERFACE.md's columns, then: tau; query_sets (sampled distinct id sets; contexts with one set
   * share their evidence); capped_pairs and capped_buckets (0: no bucket is capped since large
   * buckets are indexed; kept for readers of the columns); audit_queries; audit_found_not_true (pairs the join verified
   * that brute force did not find: always 0 unless something is wrong); s_bar_standard_error;
   * audit_recall_weighted (recall of the audited pairs' evidence, n(p) x J per pair, which sets
   * the upper end of the Sbar interval); method ({@code lookup}: the length's pairs found exactly by
   * subset lookups, bands and rows 0, candidate pairs = verified pairs; {@code minhash}: banded);
   * audit_recall_ci_low (Wilson's 95% lower limit of audit_recall over audit_pairs) and
   * audit_recall_status, what the audit shows against {@link #RECALL_TARGET}: a recall of 0.97
   * over 40 pairs does not show 0.95, and a dashboard should say so rather than show 0.97 alone.
   */
  public static final StructType SIMILARITY_JOIN = new StructType()
      .add("slice_dim", DataTypes.StringType, false)
      .add("slice_value", DataTypes.StringType, false)
      .add("context_len", DataTypes.IntegerType, false)
      .add("kernel", DataTypes.StringType, false)
      .add("bands", DataTypes.IntegerType, false)
      .add("rows", DataTypes.IntegerType, false)
      .add("sample_rate", DataTypes.DoubleType, false)
      .add("query_contexts", DataTypes.LongType, false)
      .add("candidate_pairs", DataTypes.LongType, false)
      .add("verified_pairs", DataTypes.LongType, false)
      .add("s_bar", DataTypes.DoubleType, false)
      .add("s_bar_ci_low", DataTypes.DoubleType, false)
      .add("s_bar_ci_high", DataTypes.DoubleType, false)
      .add("audit_pairs", DataTypes.LongType, false)
      .add("audit_recall", DataTypes.DoubleType, true)
      .add("seconds", DataTypes.DoubleType, false)
      .add("tau", DataTypes.DoubleType, false)
      .add("query_sets", DataTypes.LongType, false)
      .add("capped_pairs", DataTypes.LongType, false)
      .add("capped_buckets", DataTypes.LongType, false)
      .add("audit_queries", DataTypes.LongType, false)
      .add("audit_found_not_true", DataTypes.LongType, false)
      .add("s_bar_standard_error", DataTypes.DoubleType, false)
      .add("audit_recall_weighted", DataTypes.DoubleType, true)
      .add("method", DataTypes.StringType, false)
      .add("audit_recall_ci_low", DataTypes.DoubleType, true)
      .add("audit_recall_status", DataTypes.StringType, false);

  /** The recall the join is built to reach; audit_recall_status says whether the audit shows it. */
  public static final double RECALL_TARGET = 0.95;

  /**
   * What an audit of {@code pairs} similar pairs with {@code recall} found, at 95%:
   * {@code unmeasured} (no similar pair audited), {@code below_target} (the recall itself is under
   * the target), {@code too_few_pairs} (at or above it, but its lower limit is not),
   * {@code at_target} (the lower limit reaches it).
   */
  public static String recallStatus(long pairs, double recall, double ciLow) {
    if (pairs == 0) {
      return "unmeasured";
    }
    if (recall < RECALL_TARGET) {
      return "below_target";
    }
    return ciLow < RECALL_TARGET ? "too_few_pairs" : "at_target";
  }

  /** The slice_dim (and slice_value) of the whole corpus. */
  public static final String ALL = "all";

  private Tables() {}
}
