package org.hallufloor.bound;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hallufloor.testing.Europarl;
import org.junit.jupiter.api.Test;

/**
 * The fitted scale's math against plain evaluation over the whole vocabulary: the probes'
 * terms of real contexts (UTF-8 bytes of Europarl, so N_V = 256 logits can be summed one by
 * one), and the fit of real held-out text against a grid refined by golden-section search on
 * the exact log-likelihood.
 */
class ScaleFitTest {
  private static final int N_V = 256;

  /** Training counts of each context of the first {@code docs} documents as bytes, at length c. */
  private static Map<String, Map<Integer, Long>> counts(List<Europarl.Doc> docs, int c) {
    Map<String, Map<Integer, Long>> out = new HashMap<>();
    for (Europarl.Doc d : docs) {
      byte[] b = d.body().getBytes(StandardCharsets.UTF_8);
      for (int i = c; i < b.length; i++) {
        out.computeIfAbsent(new String(b, i - c, c, StandardCharsets.ISO_8859_1), k -> new HashMap<>())
            .merge(b[i] & 0xff, 1L, Long::sum);
      }
    }
    return out;
  }

  private static long[] descending(Map<Integer, Long> nexts) {
    return nexts.values().stream().sorted((x, y) -> Long.compare(y, x)).mapToLong(Long::longValue).toArray();
  }

  /** log Z and its three derivatives in a, summed logit by logit over all 256 tokens (two passes, no series). */
  private static double[] plain(long[] seen, double a) {
    double[] e = new double[N_V];
    for (int i = 0; i < seen.length; i++) {
      e[i] = seen[i];
    }
    double max = 0;
    for (double x : e) {
      max = Math.max(max, a * x);
    }
    double z = 0;
    double first = 0;
    for (double x : e) {
      double w = Math.exp(a * x - max);
      z += w;
      first += w * x;
    }
    double mean = first / z;
    double second = 0;
    double third = 0;
    for (double x : e) {
      double w = Math.exp(a * x - max) / z;
      second += w * (x - mean) * (x - mean);
      third += w * (x - mean) * (x - mean) * (x - mean);
    }
    return new double[] {max + Math.log(z), mean, second, third};
  }

  @Test
  void probeTermsEqualPlainEvaluationOverTheVocabulary() {
    List<Europarl.Doc> docs = Europarl.first(300);
    ScaleFit.Scratch scratch = new ScaleFit.Scratch();
    int checked = 0;
    for (int c : List.of(1, 2, 4)) {
      int taken = 0;
      for (Map<Integer, Long> nexts : counts(docs, c).values()) {
        if (taken++ % 97 != 0) {
          continue; // a spread of real profiles, from one count to hundreds of next bytes
        }
        long[] seen = descending(nexts);
        double[] terms = ScaleFit.terms(seen, N_V, scratch);
        for (int j = 0; j < ScaleFit.PROBES; j++) {
          double[] expected = plain(seen, ScaleFit.probe(j));
          for (int order = 0; order < 4; order++) {
            // Relative, but for derivatives that vanish (a profile all but certain of its top
            // token): absolute, at 1e-15 of their natural scale (max count)^order.
            double tolerance = 1e-9 * Math.abs(expected[order]) + 1e-15 * Math.pow(seen[0], order);
            assertEquals(expected[order], terms[4 * j + order], tolerance,
                "c=" + c + " profile " + java.util.Arrays.toString(seen) + " probe " + j + " order " + order);
          }
        }
        checked++;
      }
    }
    assertTrue(checked > 100, "profiles checked: " + checked);
  }

  @Test
  void profilesEncodeAndDecode() {
    assertArrayEquals(new long[] {1}, ScaleFit.decode(ScaleFit.encode(new long[] {1})));
    assertArrayEquals(new long[] {5, 2, 2, 1}, ScaleFit.decode(ScaleFit.encode(new long[] {5, 2, 2, 1})));
    assertEquals(-1, ScaleFit.encode(new long[] {3, 0}), "a count of 0 is no seen token");
    assertEquals(-1, ScaleFit.encode(new long[] {1L << 40}));
    // Gamma codes: 1 + 1 bit per 1, so 62 ones fit and 63 do not.
    long[] ones = new long[63];
    java.util.Arrays.fill(ones, 1);
    assertEquals(-1, ScaleFit.encode(ones));
    long[] sixtyTwo = java.util.Arrays.copyOf(ones, 62);
    assertArrayEquals(sixtyTwo, ScaleFit.decode(ScaleFit.encode(sixtyTwo)));
    List<Europarl.Doc> docs = Europarl.first(100);
    int fit = 0;
    for (Map<Integer, Long> nexts : counts(docs, 4).values()) {
      long[] seen = descending(nexts);
      long code = ScaleFit.encode(seen);
      if (code > 0) {
        assertArrayEquals(seen, ScaleFit.decode(code));
        fit++;
      }
    }
    assertTrue(fit > 1000, "real c = 4 profiles that fit a long: " + fit);
  }

  /**
   * Exact held-out log-likelihood (mean nats): log Z over all 256 logits once per distinct
   * held-out context, then each of its examples' own logit.
   */
  private static double logLikelihood(Heldout heldout, int examples, double a) {
    double sum = 0;
    for (int x = 0; x < heldout.seen.size(); x++) {
      double logZ = plain(heldout.seen.get(x), a)[0];
      for (long e : heldout.next.get(x)) {
        sum += a * e - logZ;
      }
    }
    return sum / examples;
  }

  /**
   * Per distinct held-out context, its training profile (descending) and E(y|X) of each of its
   * held-out next bytes: read off the maps once, as the search evaluates ll hundreds of times.
   */
  private record Heldout(List<long[]> seen, List<long[]> next) {
    static Heldout of(Map<String, Map<Integer, Long>> train, Map<String, List<Integer>> heldout) {
      List<long[]> seen = new ArrayList<>();
      List<long[]> next = new ArrayList<>();
      for (Map.Entry<String, List<Integer>> x : heldout.entrySet()) {
        Map<Integer, Long> m = train.getOrDefault(x.getKey(), Map.of());
        seen.add(descending(m));
        next.add(x.getValue().stream().mapToLong(y -> m.getOrDefault(y, 0L)).toArray());
      }
      return new Heldout(seen, next);
    }
  }

  @Test
  void fitEqualsGoldenSectionOnTheExactLogLikelihood() {
    List<Europarl.Doc> docs = Europarl.first(100);
    for (int c : List.of(1, 2, 4)) {
      Map<String, Map<Integer, Long>> train = counts(docs.subList(0, 75), c);
      List<String> contexts = new ArrayList<>();
      List<Integer> next = new ArrayList<>();
      for (Europarl.Doc d : docs.subList(75, 100)) {
        byte[] b = d.body().getBytes(StandardCharsets.UTF_8);
        for (int i = c; i < b.length; i++) {
          contexts.add(new String(b, i - c, c, StandardCharsets.ISO_8859_1));
          next.add(b[i] & 0xff);
        }
      }
      // The job's way: terms per seen held-out context, S, and the unseen examples.
      double[] sums = new double[ScaleFit.TERMS];
      long unseen = 0;
      ScaleFit.Scratch scratch = new ScaleFit.Scratch();
      for (int i = 0; i < contexts.size(); i++) {
        Map<Integer, Long> m = train.get(contexts.get(i));
        if (m == null) {
          unseen++;
          continue;
        }
        ScaleFit.add(sums, ScaleFit.terms(descending(m), N_V, scratch), 1);
        sums[ScaleFit.LINEAR] += m.getOrDefault(next.get(i), 0L);
      }
      ScaleFit.Fit fit = ScaleFit.fit(sums, contexts.size(), unseen, N_V);
      Map<String, List<Integer>> heldout = new HashMap<>();
      for (int i = 0; i < contexts.size(); i++) {
        heldout.computeIfAbsent(contexts.get(i), k -> new ArrayList<>()).add(next.get(i));
      }
      int n = contexts.size();
      Heldout exact = Heldout.of(train, heldout);
      // The second method: golden-section search in ln a on the exact log-likelihood.
      double lo = Math.log(1e-6);
      double hi = Math.log(1e4);
      double phi = (Math.sqrt(5) - 1) / 2;
      while (hi - lo > 1e-12) {
        double x1 = hi - phi * (hi - lo);
        double x2 = lo + phi * (hi - lo);
        if (logLikelihood(exact, n, Math.exp(x1)) < logLikelihood(exact, n, Math.exp(x2))) {
          lo = x1;
        } else {
          hi = x2;
        }
      }
      double aStar = Math.exp((lo + hi) / 2);
      double best = logLikelihood(exact, n, aStar);
      assertEquals("fitted", fit.status(), "c=" + c);
      assertEquals(aStar, fit.aStar(), 1e-6 * aStar, "c=" + c + " a*");
      // ll(a*) itself is the interpolation between probes: 8e-10 of the exact value at most here.
      assertEquals(best, fit.logLikelihood(), 1e-8 * Math.abs(best), "c=" + c + " ll*");
      // The interval: 2 n (ll* - ll) = 3.84 at both ends, on the exact log-likelihood.
      for (double end : new double[] {fit.ciLow(), fit.ciHigh()}) {
        double drop = 2 * contexts.size() * (best - logLikelihood(exact, n, end));
        assertEquals(3.841458820694124, drop, 1e-4, "c=" + c + " interval end " + end);
      }
    }
  }
}
