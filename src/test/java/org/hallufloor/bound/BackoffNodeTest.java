package org.hallufloor.bound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hallufloor.testing.Europarl;
import org.hallufloor.tokenize.TextTokenizer;
import org.hallufloor.tokenize.TokenizerSpec;
import org.hallufloor.tokenize.Tokenizers;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * BackoffNode against the kernel's definition summed pair by pair: for each query context X,
 * {@code E(y | X) = sum over training examples (X', y) of lambda^(c - m(X, X'))}, m the common
 * suffix length, then the full-vocabulary log-sum-exp, the two largest values, the margins and
 * {@code 1 - P(y | X)} computed from that map directly. The nodes are built from suffix counts
 * (the way the suffix scan builds them) on real Europarl text tokenized by cl100k.
 */
class BackoffNodeTest {
  private static final TextTokenizer CL100K = Tokenizers.get(TokenizerSpec.of("cl100k_base"));
  private static final long N_V = CL100K.vocabularySize();

  private record Example(int[] context, int next) {}

  @ParameterizedTest(name = "c={0} lambda={1}")
  @CsvSource({"1, 0.5", "3, 0.5", "3, 0.9", "4, 0.25", "2, 1.0"})
  void everyTokensEvidenceMarginAndPhEqualThePairwiseSum(int c, double lambda) {
    List<Europarl.Doc> docs = Europarl.first(40);
    List<Example> training = new ArrayList<>();
    List<Example> heldout = new ArrayList<>();
    for (int d = 0; d < docs.size(); d++) {
      int[] ids = CL100K.encode(docs.get(d).body());
      for (int i = c; i < ids.length; i++) {
        (d % 10 == 9 ? heldout : training).add(new Example(Arrays.copyOfRange(ids, i - c, i), ids[i]));
      }
    }
    // Two logit scales a = beta_S / T, one of which makes weights overflow a double unshifted.
    double[] a = {0.05, 3.0};
    // Suffix counts N_m(s, y), suffixes keyed by their last m ids.
    List<Map<List<Integer>, TreeMap<Integer, Long>>> suffixFacts = new ArrayList<>();
    for (int m = 0; m <= c; m++) {
      Map<List<Integer>, TreeMap<Integer, Long>> facts = new HashMap<>();
      for (Example e : training) {
        facts.computeIfAbsent(suffix(e.context, m), k -> new TreeMap<>()).merge(e.next, 1L, Long::sum);
      }
      suffixFacts.add(facts);
    }
    BackoffNode root = node(null, suffixFacts.get(0).get(List.of()), lambda, c, a);
    Map<List<Integer>, BackoffNode> nodes = new HashMap<>();
    nodes.put(List.of(), root);

    int checked = 0;
    // Every 23rd distinct training context (in-sample margin and P_h of its own facts), every held-out example.
    Map<List<Integer>, Boolean> queries = new java.util.LinkedHashMap<>();
    int t = 0;
    for (Example e : training) {
      if (t++ % 23 == 0) {
        queries.putIfAbsent(suffix(e.context, c), true);
      }
    }
    for (List<Integer> q : queries.keySet()) {
      BackoffNode v = longestSeen(q, c, suffixFacts, nodes, lambda, a);
      assertEquals(c, v.depth(), "a training context is its own deepest node");
      Map<Integer, Double> e = pairwise(q, training, lambda, c);
      checkDistribution(v, e, c, lambda, a, q.toString());
      double[] top = topTwo(e);
      assertClose(top[0] - top[1], v.inSampleMargin(), "in-sample margin " + q);
      for (int s = 0; s < a.length; s++) {
        double logZ = logZ(e, a[s]);
        for (int i = 0; i < v.size(); i++) {
          assertRelative(1 - Math.exp(a[s] * e.get(v.token(i)) - logZ), v.hallucinationOfOwn(s, i), "P_h " + q);
        }
      }
      checked++;
    }
    int unseenSuffix = 0;
    for (Example h : heldout) {
      List<Integer> q = suffix(h.context, c);
      BackoffNode v = longestSeen(q, c, suffixFacts, nodes, lambda, a);
      unseenSuffix += v.depth() < c ? 1 : 0;
      Map<Integer, Double> e = pairwise(q, training, lambda, c);
      double scale = Math.pow(lambda, c - v.depth());
      double ey = e.getOrDefault(h.next, 0.0);
      double other = 0;
      for (Map.Entry<Integer, Double> x : e.entrySet()) {
        if (x.getKey() != h.next) {
          other = Math.max(other, x.getValue());
        }
      }
      assertClose(Math.max(ey - other, 0), scale * v.heldoutMargin(h.next), "held-out margin " + q + " -> " + h.next);
      for (int s = 0; s < a.length; s++) {
        double logZ = logZ(e, a[s]);
        assertRelative(1 - Math.exp(a[s] * ey - logZ), v.hallucination(s, h.next), "held-out P_h " + q);
        assertClose(a[s] * ey - logZ, v.logProbability(s, h.next), "log P " + q);
      }
      checked++;
    }
    assertTrue(checked > 1000, "queries checked: " + checked);
    assertTrue(unseenSuffix > 100, "held-out contexts that back off to a shorter suffix: " + unseenSuffix);
  }

  /** Values of every seen token and one never seen, and log Z, against the pairwise map. */
  private static void checkDistribution(BackoffNode v, Map<Integer, Double> e, int c, double lambda, double[] a,
      String what) {
    double scale = Math.pow(lambda, c - v.depth());
    for (Map.Entry<Integer, Double> x : e.entrySet()) {
      assertClose(x.getValue(), scale * v.value(x.getKey()), what + " y=" + x.getKey());
    }
    int unseen = 0;
    while (e.containsKey(unseen)) {
      unseen++;
    }
    assertEquals(0, v.value(unseen), what);
    for (int s = 0; s < a.length; s++) {
      assertClose(logZ(e, a[s]), v.logPartition(s), what + " log Z at a=" + a[s]);
    }
  }

  private static BackoffNode longestSeen(List<Integer> q, int c, List<Map<List<Integer>, TreeMap<Integer, Long>>> facts,
      Map<List<Integer>, BackoffNode> nodes, double lambda, double[] a) {
    BackoffNode v = nodes.get(List.<Integer>of());
    for (int m = 1; m <= c; m++) {
      List<Integer> s = q.subList(c - m, c);
      if (!facts.get(m).containsKey(s)) {
        break;
      }
      BackoffNode parent = v;
      v = nodes.computeIfAbsent(List.copyOf(s), k -> node(parent, facts.get(k.size()).get(k), lambda, c, a));
    }
    return v;
  }

  private static BackoffNode node(BackoffNode parent, TreeMap<Integer, Long> facts, double lambda, int c, double[] a) {
    int[] ys = facts.keySet().stream().mapToInt(Integer::intValue).toArray();
    long[] n = facts.values().stream().mapToLong(Long::longValue).toArray();
    return parent == null ? BackoffNode.root(ys, n, ys.length, N_V, lambda, c, a) : parent.child(ys, n, ys.length);
  }

  private static List<Integer> suffix(int[] context, int m) {
    List<Integer> s = new ArrayList<>();
    for (int i = context.length - m; i < context.length; i++) {
      s.add(context[i]);
    }
    return s;
  }

  /** THEORY 1 directly: every training example's kernel weight added to its next token. */
  private static Map<Integer, Double> pairwise(List<Integer> q, List<Example> training, double lambda, int c) {
    Map<Integer, Double> e = new HashMap<>();
    int[] query = q.stream().mapToInt(Integer::intValue).toArray();
    for (Example x : training) {
      int m = 0;
      while (m < c && x.context[c - 1 - m] == query[c - 1 - m]) {
        m++;
      }
      e.merge(x.next, Math.pow(lambda, c - m), Double::sum);
    }
    return e;
  }

  /** log of sum over all N_V tokens of exp(a E(y)), unseen ones weighing exp(0). */
  private static double logZ(Map<Integer, Double> e, double a) {
    double max = 0;
    for (double v : e.values()) {
      max = Math.max(max, a * v);
    }
    double sum = (N_V - e.size()) * Math.exp(-max);
    for (double v : e.values()) {
      sum += Math.exp(a * v - max);
    }
    return max + Math.log(sum);
  }

  private static double[] topTwo(Map<Integer, Double> e) {
    double[] values = e.values().stream().mapToDouble(Double::doubleValue).sorted().toArray();
    // Unseen tokens stand in with 0 where fewer than two tokens were seen.
    double first = values.length > 0 ? values[values.length - 1] : 0;
    double second = values.length > 1 ? values[values.length - 2] : 0;
    return new double[] {first, second};
  }

  private static void assertClose(double expected, double actual, String what) {
    assertEquals(expected, actual, 1e-9 * Math.max(1, Math.abs(expected)), what);
  }

  /** 1 - P to 1e-6 relative where the pairwise value has that precision itself (above 1e-9), else to 1e-12 absolute. */
  private static void assertRelative(double expected, double actual, String what) {
    assertEquals(expected, actual, expected > 1e-9 ? 1e-6 * expected : 1e-12, what);
  }
}
