package org.hallufloor.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bucket edges of evidence_histogram, written out by hand: one per value below 32, then powers of two;
 * real values (soft kernels) share them. */
class EvidenceHistogramTest {
  @ParameterizedTest
  @CsvSource({"0, 0, 1", "1, 1, 2", "31, 31, 32", "32, 32, 64", "63, 32, 64", "64, 64, 128", "1000, 512, 1024",
      "1048576, 1048576, 2097152",
      // a soft kernel's real values
      "0.25, 0, 1", "1.5, 1, 2", "31.99, 31, 32", "32.5, 32, 64", "1000.5, 512, 1024"})
  void buckets(double evidence, double low, double high) {
    assertEquals(low, EvidenceHistogram.low(evidence));
    assertEquals(high, EvidenceHistogram.high(evidence));
  }
}
