package org.hallufloor.evidence;

/** The cells of the evidence tables, by what their value means. */
public final class Kinds {
  /** The names of the kinds, by the index the evidence pass packs into its keys. */
  public static final java.util.List<String> NAMES = java.util.List.of("evidence", "gap", "heldout_gap",
      "singleton_contexts", "monofacts", "heldout_unseen_contexts", "heldout_unseen_facts", "ph_insample", "ph_heldout", "uniform", "uniform_mean");

  /** value = Evid(X): training contexts with it, their examples, held-out examples whose context has it. */
  public static final int EVIDENCE = 0;
  /** value = top1 - top2 of a training context (in-sample margin). */
  public static final int GAP = 1;
  /** value = max(E(y|X) - max other E, 0) of a held-out example, y the token that followed. */
  public static final int HELDOUT_GAP = 2;
  public static final int SINGLETON_CONTEXTS = 3;
  public static final int MONOFACTS = 4;
  public static final int HELDOUT_UNSEEN_CONTEXTS = 5;
  public static final int HELDOUT_UNSEEN_FACTS = 6;
  /** value = index of the (beta_S, T) pair; amount = sum of P_h over training examples. */
  public static final int PH_INSAMPLE = 7;
  /** value = index of the (beta_S, T) pair; amount = sum of P_h over held-out examples. */
  public static final int PH_HELDOUT = 8;
  /**
   * value = Evid(X) (rounded up, see SoftCells) shared by a part of the N_V^c space; amount = that part's share of the
   * space. Kernels under which unseen contexts have evidence (suffix) give the uniform
   * distribution this way; without these cells it is the observed contexts and 0 elsewhere.
   */
  public static final int UNIFORM = 9;
  /** value 0; amount = the uniform distribution's mean evidence, summed from the unrounded values. */
  public static final int UNIFORM_MEAN = 10;

  private Kinds() {}
}
