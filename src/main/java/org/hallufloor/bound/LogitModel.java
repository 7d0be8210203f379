package org.hallufloor.bound;

/**
 * P_h of THEORY 5: the logit model's softmax over the full vocabulary for one context and one
 * {@code a = beta_S / T}: seen tokens have logit {@code a E(y|X)}, the {@code N_V - n_seen}
 * unseen ones logit 0. Weights are taken relative to the largest logit, and the most likely
 * token's {@code 1 - P} is the sum of the other weights, kept apart, so a probability near 1
 * does not cancel to a wrong 0; every other token has {@code P <= 1/2}, where plain
 * subtraction is exact enough.
 */
public final class LogitModel {
  /** The seen tokens' E(y|X): counts under the exact kernel, real values under a soft one (one of the two is null). */
  private final long[] counts;
  private final double[] values;
  private final int argmax;
  private final double a;
  private final double shift;
  private final double total;
  private final double othersOfArgmax;

  /** Over {@code counts[0 .. facts-1]}, the seen tokens' E(y|X); {@code argmax} indexes the largest. */
  public LogitModel(long[] counts, int facts, int argmax, long nVocab, double a) {
    this(counts, null, facts, argmax, nVocab, a);
  }

  /** Over {@code values[0 .. facts-1]}, the seen tokens' real-valued E(y|X) (a soft kernel's); {@code argmax} indexes the largest. */
  public LogitModel(double[] values, int facts, int argmax, long nVocab, double a) {
    this(null, values, facts, argmax, nVocab, a);
  }

  private LogitModel(long[] counts, double[] values, int facts, int argmax, long nVocab, double a) {
    this.counts = counts;
    this.values = values;
    this.argmax = argmax;
    this.a = a;
    this.shift = argmax < 0 ? 0 : a * value(argmax);
    double unseenWeight = (nVocab - facts) * Math.exp(-shift);
    double others = unseenWeight;
    double sum = unseenWeight;
    for (int f = 0; f < facts; f++) {
      double w = Math.exp(a * value(f) - shift);
      sum += w;
      if (f != argmax) {
        others += w;
      }
    }
    this.total = sum;
    this.othersOfArgmax = others;
  }

  /** {@code log P(y | X)} for the seen token at index {@code f}, or an unseen token when f < 0. */
  public double logProbability(int f) {
    return (f < 0 ? 0 : a * value(f)) - shift - Math.log(total);
  }

  /** {@code 1 - P(y | X)} for the seen token at index {@code f}, or an unseen token when f < 0. */
  public double hallucination(int f) {
    if (f >= 0 && f == argmax) {
      return othersOfArgmax / total;
    }
    double w = Math.exp((f < 0 ? 0 : a * value(f)) - shift);
    return (total - w) / total;
  }

  private double value(int f) {
    return counts != null ? counts[f] : values[f];
  }
}
