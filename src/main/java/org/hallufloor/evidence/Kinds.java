package org.hallufloor.evidence;

/** The cells of the evidence tables, by what their value means. */
public final class Kinds {
  /** The names of the kinds (for messages), by their code in the cells and in the evidence pass's keys. */
  public static final java.util.List<String> NAMES = java.util.List.of("evidence", "gap", "heldout_gap",
      "singleton_contexts", "monofacts", "heldout_unseen_contexts", "heldout_unseen_facts", "ph_insample", "ph_heldout", "uniform", "uniform_mean",
      "rounding", "document_singleton_contexts", "document_monofacts", "heldout_log_likelihood", "scale_fit",
      "scale_fit_profile");

  /** value = Evid(X): training contexts with it, their examples, held-out examples whose context has it. */
  public static final int EVIDENCE = org.hallufloor.context.Cells.EVIDENCE_KIND;
  /** value = top1 - top2 of a training context (in-sample margin, bound.Margin). */
  public static final int GAP = org.hallufloor.context.Cells.GAP_KIND;
  /** value = max(E(y|X) - max other E, 0) of a held-out example, y the token that followed (bound.Margin). */
  public static final int HELDOUT_GAP = org.hallufloor.context.Cells.HELDOUT_GAP_KIND;
  public static final int SINGLETON_CONTEXTS = 3;
  public static final int MONOFACTS = 4;
  public static final int HELDOUT_UNSEEN_CONTEXTS = 5;
  public static final int HELDOUT_UNSEEN_FACTS = 6;
  /** value = index of the (beta_S, T) pair; amount = sum of P_h over training examples. */
  public static final int PH_INSAMPLE = org.hallufloor.context.Cells.PH_INSAMPLE_KIND;
  /** value = index of the (beta_S, T) pair; amount = sum of P_h over held-out examples. */
  public static final int PH_HELDOUT = org.hallufloor.context.Cells.PH_HELDOUT_KIND;
  /**
   * value = Evid(X) (rounded up, see context.Cells) shared by a part of the N_V^c space; amount = that part's share of the
   * space. Kernels under which unseen contexts have evidence (suffix) give the uniform
   * distribution this way; without these cells it is the observed contexts and 0 elsewhere.
   */
  public static final int UNIFORM = 9;
  /** value 0; amount = the uniform distribution's mean evidence, summed from the unrounded values. */
  public static final int UNIFORM_MEAN = 10;
  /**
   * value = {@link #roundingKey}(kind, weight column); amount = the sum over that kind's
   * rounded cells of (exact value - rounded value) x that column's weight: what makes the
   * spectra's means exact again (see {@link #rounded}).
   */
  public static final int ROUNDING = 11;

  /** Training examples whose context occurs in exactly one training document of the slice (THEORY 5). */
  public static final int DOCUMENT_SINGLETON_CONTEXTS = 12;
  /** Training examples whose (context, next) fact occurs in exactly one training document of the slice. */
  public static final int DOCUMENT_MONOFACTS = 13;
  /** value = index of the (beta_S, T) pair; amount = sum of log P(y | X) over held-out examples (THEORY 5). */
  public static final int HELDOUT_LOG_LIKELIHOOD = 14;
  /**
   * value = a term of the held-out log-likelihood as a function of the scale (bound.ScaleFit's
   * index); amount = its sum over held-out examples of seen contexts.
   */
  public static final int SCALE_FIT = 15;
  /**
   * value = a held-out context's training counts as bound.ScaleFit.encode packs them; heldout =
   * its held-out examples. Never packed into a cell key (kinds there have 4 bits: 0 to 15).
   */
  public static final int SCALE_FIT_PROFILE = 16;

  /** Evidence and margin values below this are kept exact. */
  public static final long EXACT_BELOW = 1L << 11;
  /** Above {@link #EXACT_BELOW}, values are kept to this many bits after the leading one. */
  private static final int KEPT_BITS = 10;

  /**
   * An evidence or margin value as a cell keeps it: exact below 2048; above, rounded up to
   * the next multiple of 2^(e - 10) for v in [2^e, 2^(e+1)), but never past 2^(e+1) - 1, so a
   * value stays in its power-of-two histogram bucket. A (slice, c, kind) then has at most
   * 2048 + 1024 values per doubling of the largest, however large the corpus.
   *
   * <p>Why a bound stays a lower bound: every value only grows, so the fraction of contexts
   * below any M' only falls, and f and the empirical bound with it; means (so k and the
   * k-bound) are made exact again by the {@link #ROUNDING} cells. How far it can move: a
   * value grows by less than 2^-10 of itself, so eps0 * f at any threshold changes by at most
   * max_x (sigmoid(-x) - sigmoid(-x (1 + 2^-10))) < 0.23 x 2^-10, about 2.2e-4 absolute, and
   * only where some context has evidence of 2048 or more; numbers below that are unchanged.
   */
  public static long rounded(long v) {
    if (v < EXACT_BELOW) {
      return v;
    }
    int e = 63 - Long.numberOfLeadingZeros(v);
    long step = 1L << (e - KEPT_BITS);
    long up = (v + step - 1) / step * step;
    return Math.min(up, (1L << (e + 1)) - 1);
  }

  /**
   * The least exact value a cell's value {@code v} can stand for: v itself where the kernel's
   * values are kept exact (the exact kernel below {@link #EXACT_BELOW}), otherwise a little
   * below {@code v (1 - 2^-10)}: both {@link #rounded} and a soft kernel's
   * {@link org.hallufloor.context.Cells#roundUp} raise a value by less than 2^-10 of the result.
   * The invariant "the empirical bound is never below the k-bound" holds for exact values; at
   * rounded ones it is checked with this (a context seen 8 million times, alone in its slice,
   * gave an empirical bound 10^-1550 below the k-bound from rounding alone).
   */
  public static double leastUnrounded(double v, boolean soft) {
    return !soft && v < EXACT_BELOW ? v : v * (1 - 0x1p-10);
  }

  /** The value of a {@link #ROUNDING} cell: the rounded kind and the weight column (1 contexts, 2 occurrences, 3 held out). */
  public static long roundingKey(int kind, int column) {
    return 4L * kind + column;
  }

  private Kinds() {}
}
