package org.hallufloor.bound;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hallufloor.testing.Europarl;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * THEORY 5's P_h for one context against the brute force: all 256 byte logits written out
 * (seen bytes {@code a E(y|X)}, the rest 0), exponentiated one by one, each token's 1 - P summed
 * from the other tokens' weights. Contexts are real: the bytes that follow "th", "e " and "q" in
 * 500 Europarl documents, at scales from tiny to where the top token's P is 1 - 1e-100.
 */
class LogitModelTest {
  private static final int N_V = 256;

  private static Map<Integer, Long> nextBytes(String context) {
    byte[] ctx = context.getBytes(StandardCharsets.UTF_8);
    Map<Integer, Long> out = new TreeMap<>();
    for (Europarl.Doc d : Europarl.first(500)) {
      byte[] b = d.body().getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i + ctx.length < b.length; i++) {
        if (java.util.Arrays.equals(b, i, i + ctx.length, ctx, 0, ctx.length)) {
          out.merge(b[i + ctx.length] & 0xff, 1L, Long::sum);
        }
      }
    }
    return out;
  }

  @Test
  void hallucinationAndLogProbabilityEqualTheFullSoftmax() {
    for (String context : List.of("th", "e ", "q")) {
      Map<Integer, Long> next = nextBytes(context);
      Assertions.assertTrue(next.size() > 1, context);
      List<Integer> ids = new ArrayList<>(next.keySet());
      long[] counts = next.values().stream().mapToLong(Long::longValue).toArray();
      int argmax = 0;
      for (int f = 1; f < counts.length; f++) {
        argmax = counts[f] > counts[argmax] ? f : argmax;
      }
      for (double a : new double[] {1e-4, 0.05, 1, 30}) {
        LogitModel model = new LogitModel(counts, counts.length, argmax, N_V, a);
        double max = a * counts[argmax];
        double[] w = new double[N_V];
        double z = 0;
        for (int v = 0; v < N_V; v++) {
          w[v] = Math.exp(a * next.getOrDefault(v, 0L) - max);
          z += w[v];
        }
        int unseen = 0;
        while (next.containsKey(unseen)) {
          unseen++;
        }
        for (int f = -1; f < counts.length; f++) {
          int y = f < 0 ? unseen : ids.get(f);
          double others = 0;
          for (int v = 0; v < N_V; v++) {
            others += v == y ? 0 : w[v];
          }
          String where = "'" + context + "' a=" + a + " y=" + y;
          double h = others / z;
          Assertions.assertEquals(h, model.hallucination(f), 1e-12 * h, where);
          // The logit minus log-sum-exp: w[y] itself can be subnormal (e^-737) and lose digits.
          double logP = a * next.getOrDefault(y, 0L) - max - Math.log(z);
          Assertions.assertEquals(logP, model.logProbability(f), 1e-12 * Math.max(1, Math.abs(logP)), where);
        }
      }
    }
  }
}
