package org.hallufloor.bound;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.math.MathContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SuffixKernelTest {
  /**
   * Sbar's closed form against the kernel summed over every context of a small space, for two
   * training contexts (the sum must not depend on which).
   */
  @ParameterizedTest
  @CsvSource({"2, 1, 0.5", "2, 5, 0.5", "5, 3, 0.3", "7, 4, 1.0", "3, 6, 0.9"})
  void closedFormEqualsTheSumOverTheSpace(int nVocab, int c, double lambda) {
    int[] first = new int[c];
    int[] other = new int[c];
    for (int i = 0; i < c; i++) {
      other[i] = (i * 7 + 3) % nVocab;
    }
    for (int[] training : new int[][] {first, other}) {
      double sum = 0;
      int[] x = new int[c];
      for (long code = 0; code < Math.round(Math.pow(nVocab, c)); code++) {
        long v = code;
        for (int j = 0; j < c; j++, v /= nVocab) {
          x[j] = (int) (v % nVocab);
        }
        int m = 0;
        while (m < c && x[c - 1 - m] == training[c - 1 - m]) {
          m++;
        }
        sum += Math.pow(lambda, c - m);
      }
      assertEquals(sum, SuffixKernel.sbar(lambda, nVocab, c), 1e-12 * sum);
    }
  }

  /** Real vocabularies, where Sbar is far beyond a double: log10 against exact decimal arithmetic. */
  @ParameterizedTest
  @CsvSource({"100277, 8, 0.5", "100277, 1, 0.5", "200019, 64, 1.0", "256, 3, 0.001", "50257, 40, 0.01"})
  void log10AgainstExactArithmetic(long nVocab, int c, double lambda) {
    MathContext mc = new MathContext(60);
    BigDecimal q = new BigDecimal(lambda).multiply(BigDecimal.valueOf(nVocab));
    BigDecimal sum = BigDecimal.ZERO;
    BigDecimal power = BigDecimal.ONE;
    for (int d = 1; d <= c; d++) {
      power = power.multiply(q, mc);
      sum = sum.add(power, mc);
    }
    BigDecimal factor = BigDecimal.ONE.subtract(BigDecimal.ONE.divide(BigDecimal.valueOf(nVocab), mc));
    BigDecimal sbar = BigDecimal.ONE.add(factor.multiply(sum, mc), mc);
    double log10 = sbar.unscaledValue().toString().length() - sbar.scale() - 1
        + Math.log10(new BigDecimal(sbar.unscaledValue()).movePointLeft(sbar.unscaledValue().toString().length() - 1)
            .doubleValue());
    assertEquals(log10, SuffixKernel.log10Sbar(lambda, nVocab, c), 1e-12 * Math.max(1, Math.abs(log10)));
  }
}
