package org.hallufloor.estimate;

import java.util.Locale;

/** THEORY 2's context distributions, and the margin form of THEORY 3 under two of them. */
public enum Distribution {
  /** Uniform over the N_V^c context space: the post's average. */
  UNIFORM,
  /** Each observed context once. */
  DISTINCT,
  /** Contexts as they occur in the slice (in-sample). */
  OCCURRENCE,
  /** As OCCURRENCE, with the margin condition: E(y*|X) - max other E(y|X) below M', y* the most frequent. */
  MARGIN_OCCURRENCE,
  /** Contexts as they occur in held-out documents, evidence from training documents only. */
  HELDOUT,
  /** As HELDOUT with the margin condition, y* the token that actually followed. */
  MARGIN_HELDOUT;

  public String tableName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
