package org.hallufloor.bound;

/**
 * The back-off kernel {@code K(X, X') = lambda^(c - m)}, m the longest common suffix of the two
 * contexts (THEORY 1), and its Sbar in closed form over the {@code N_V^c} space (THEORY 3).
 *
 * <p>For one training context, the contexts X of the space that share exactly its last m tokens
 * number 1 for {@code m = c} and {@code (N_V - 1) N_V^(c - m - 1)} for {@code m < c}, so
 * {@code sum_X K(X, X_j) = 1 + (1 - 1/N_V) sum_{d=1..c} (lambda N_V)^d}, the same for every
 * training example: that sum is Sbar.
 *
 * <p>Evidence follows from suffix counts: with {@code N_m(X)} the training examples whose last m
 * context tokens are X's ({@code N_0 = |D|}), {@code Evid(X) = lambda^c |D| + (1 - lambda)
 * sum_{m=1..c} lambda^(c - m) N_m(X)} (telescoping {@code sum_m lambda^(c-m) (N_m - N_(m+1))}).
 */
public final class SuffixKernel {
  private SuffixKernel() {}

  /** {@code log10 Sbar}: Sbar itself overflows a double for long contexts and large vocabularies. */
  public static double log10Sbar(double lambda, long nVocab, int c) {
    double log10Q = Math.log10(lambda) + Math.log10(nVocab);
    // sum_{d=1..c} q^d in log10, as the largest term (q^c if q >= 1, else q) times a sum of ratios <= 1.
    double maxTerm = log10Q >= 0 ? c * log10Q : log10Q;
    double rest = 0;
    for (int d = 1; d <= c; d++) {
      rest += Math.pow(10, d * log10Q - maxTerm);
    }
    double log10Sum = maxTerm + Math.log10(rest) + Math.log10(1 - 1.0 / nVocab);
    // 1 + 10^log10Sum, without overflow
    return log10Sum > 0 ? log10Sum + Math.log10(1 + Math.pow(10, -log10Sum)) : Math.log10(1 + Math.pow(10, log10Sum));
  }

  public static double sbar(double lambda, long nVocab, int c) {
    return Math.pow(10, log10Sbar(lambda, nVocab, c));
  }

  /** {@code lambda^(c - m)}. */
  public static double weight(double lambda, int c, int m) {
    return Math.pow(lambda, c - m);
  }

  /**
   * The evidence of a context from the counts of its suffixes, {@code suffixCounts[m - 1] = N_m}
   * for {@code m = 1..k} ({@code k <= c}; longer suffixes unseen).
   */
  public static double evidence(double lambda, int c, long examples, long[] suffixCounts, int k) {
    double e = weight(lambda, c, 0) * examples;
    for (int m = 1; m <= k; m++) {
      e += step(lambda, c, m, suffixCounts[m - 1]);
    }
    return e;
  }

  /**
   * What the m-th suffix's count adds to the evidence of the (m-1)-th: {@code (1 - lambda)
   * lambda^(c - m) N_m}. Adding the steps in order gives {@link #evidence} bit for bit.
   */
  public static double step(double lambda, int c, int m, long count) {
    return (1 - lambda) * weight(lambda, c, m) * count;
  }

  /**
   * The share of the {@code N_V^c} space whose longest suffix seen in training is one of length
   * m with {@code children} distinct one-token-longer suffixes seen: those contexts match it
   * and differ at the token before, {@code N_V^(c - m - 1) (N_V - children)} of them ({@code 1}
   * for {@code m = c}). 0 when it underflows a double (below 1e-308).
   */
  public static double spaceShare(long nVocab, int c, int m, long children) {
    return m == c ? Math.pow(nVocab, -c) : Math.pow(nVocab, -m) * (1 - (double) children / nVocab);
  }
}
