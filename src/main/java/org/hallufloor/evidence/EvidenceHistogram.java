package org.hallufloor.evidence;

/**
 * Buckets of the evidence_histogram table (INTERFACE.md): one per integer value below 32, then
 * powers of two, each {@code [low, high)}. A soft kernel's real-valued evidence falls in the
 * same buckets ({@code [0, 1)} holds every value below 1), so its histogram reads like the
 * exact one's.
 */
public final class EvidenceHistogram {
  static final long LINEAR_UP_TO = 32;

  private EvidenceHistogram() {}

  public static double low(double evidence) {
    if (evidence < LINEAR_UP_TO) {
      return Math.floor(evidence);
    }
    return Math.scalb(1.0, Math.getExponent(evidence));
  }

  public static double high(double evidence) {
    if (evidence < LINEAR_UP_TO) {
      return Math.floor(evidence) + 1;
    }
    return Math.scalb(1.0, Math.getExponent(evidence) + 1);
  }
}
