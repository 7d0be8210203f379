package org.hallufloor.bound;

/**
 * THEORY 3's margin form, {@code E(y* | X) - max_{y != y*} E(y | X)}, from a context's two
 * largest next-token counts: the evidence pass (evidence.ContextStream) computes it per context
 * and held-out example, and the estimate (estimate.SliceBounds) bounds over its spectrum as
 * over the evidence's (the margin_occurrence and margin_heldout distributions).
 */
public final class Margin {
  private Margin() {}

  /** In-sample, y* the most frequent next token: {@code top1 - top2} (0 on a tie). */
  public static long inSample(long top1, long top2) {
    return top1 - top2;
  }

  /**
   * Held out, y* the token that followed: its count less the largest other count, floored at 0
   * (an unseen or outvoted y* has no margin).
   *
   * @param ey {@code E(y* | X)}, 0 when y* never followed X in training
   * @param yIsArgmax whether y* is the context's most frequent next token (then the largest other is top2)
   */
  public static long heldout(long ey, boolean yIsArgmax, long top1, long top2) {
    return Math.max(ey - (yIsArgmax ? top2 : top1), 0);
  }

  /** {@link #inSample} for a soft kernel's real-valued E (similarity.JaccardMargins). */
  public static double inSample(double top1, double top2) {
    return top1 - top2;
  }

  /** {@link #heldout} for a soft kernel's real-valued E. */
  public static double heldout(double ey, boolean yIsArgmax, double top1, double top2) {
    return Math.max(ey - (yIsArgmax ? top2 : top1), 0);
  }
}
