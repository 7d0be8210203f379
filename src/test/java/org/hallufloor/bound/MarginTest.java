package org.hallufloor.bound;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The margin form against its definition, {@code E(y*) - max_{y != y*} E(y)} (floored at 0
 * held out), over every count vector of up to four next tokens with counts 0 to 3, every y*
 * among them and one never seen: an exhaustive enumeration, not sampled text. The real-valued
 * forms (a soft kernel's E) are checked on the same vectors times a weight.
 */
class MarginTest {
  @Test
  void twoLargestCountsGiveTheDefinitionsMargin() {
    int checked = 0;
    for (int length = 1; length <= 4; length++) {
      int[] counts = new int[length];
      for (int code = 0; code < Math.pow(4, length); code++) {
        int rest = code;
        for (int i = 0; i < length; i++) {
          counts[i] = rest % 4;
          rest /= 4;
        }
        // The two largest and the first argmax, as the evidence pass tracks them in one scan.
        long top1 = 0;
        long top2 = 0;
        int argmax = -1;
        for (int i = 0; i < length; i++) {
          if (counts[i] > top1) {
            top2 = top1;
            top1 = counts[i];
            argmax = i;
          } else if (counts[i] > top2) {
            top2 = counts[i];
          }
        }
        if (argmax >= 0) {
          assertEquals(counts[argmax] - maxOther(counts, argmax), Margin.inSample(top1, top2));
          assertEquals(counts[argmax] * 0.37 - maxOther(counts, argmax) * 0.37, Margin.inSample(top1 * 0.37, top2 * 0.37));
        }
        for (int y = -1; y < length; y++) {
          long ey = y < 0 ? 0 : counts[y];
          long expected = Math.max(ey - maxOther(counts, y), 0);
          assertEquals(expected, Margin.heldout(ey, y == argmax, top1, top2), java.util.Arrays.toString(counts) + " y=" + y);
          // The real-valued forms (a soft kernel's E): every count times a weight like a Jaccard J.
          double w = 0.37;
          assertEquals(Math.max(ey * w - maxOther(counts, y) * w, 0), Margin.heldout(ey * w, y == argmax, top1 * w, top2 * w),
              java.util.Arrays.toString(counts) + " y=" + y + " x " + w);
          checked++;
        }
      }
    }
    assertEquals(1 * 4 * 2 + 16 * 3 + 64 * 4 + 256 * 5, checked);
  }

  private static long maxOther(int[] counts, int y) {
    long max = 0;
    for (int i = 0; i < counts.length; i++) {
      if (i != y) {
        max = Math.max(max, counts[i]);
      }
    }
    return max;
  }
}
