package org.hallufloor.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bucket edges of evidence_histogram, written out by hand: one per value below 32, then powers of two. */
class EvidenceHistogramTest {
  @ParameterizedTest
  @CsvSource({"0, 0, 1", "1, 1, 2", "31, 31, 32", "32, 32, 64", "63, 32, 64", "64, 64, 128", "1000, 512, 1024",
      "1048576, 1048576, 2097152"})
  void buckets(long evidence, long low, long high) {
    assertEquals(low, EvidenceHistogram.low(evidence));
    assertEquals(high, EvidenceHistogram.high(evidence));
  }
}
