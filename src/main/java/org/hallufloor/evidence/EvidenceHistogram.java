package org.hallufloor.evidence;

/**
 * Buckets of the evidence_histogram table (INTERFACE.md): one per integer value below 32, then
 * powers of two, each {@code [low, high)}.
 */
public final class EvidenceHistogram {
  static final long LINEAR_UP_TO = 32;

  private EvidenceHistogram() {}

  public static long low(long evidence) {
    if (evidence < LINEAR_UP_TO) {
      return evidence;
    }
    return Long.highestOneBit(evidence);
  }

  public static long high(long evidence) {
    if (evidence < LINEAR_UP_TO) {
      return evidence + 1;
    }
    long low = Long.highestOneBit(evidence);
    return low > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : low * 2;
  }
}
