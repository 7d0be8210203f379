package org.hallufloor.estimate;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hallufloor.testing.Europarl;

/**
 * The second method: the same quantities by a plain in-memory loop over the same documents,
 * with the bytes tokenizer (ids = UTF-8 bytes) and contexts kept as lists of ids (no hashing),
 * held-out split by SHA-256 of the document id, and the model's P_h by a brute-force softmax
 * over all N_V = 256 logits.
 */
final class SecondMethod {
  static final int N_V = 256;

  /** Counts of one (slice, c). */
  static final class Counts {
    final Map<List<Integer>, Map<Integer, Long>> train = new HashMap<>();
    /** The training documents (by their index in the input list) of each fact, context then next token. */
    final Map<List<Integer>, Map<Integer, java.util.Set<Integer>>> documents = new HashMap<>();
    final List<List<Integer>> heldoutContexts = new ArrayList<>();
    final List<Integer> heldoutNext = new ArrayList<>();
    long trainingDocuments;

    /** Summed once, when first asked: {@link SecondMethod#count} has filled the counts by then. */
    synchronized long examples() {
      if (examples < 0) {
        examples = train.values().stream().flatMap(m -> m.values().stream()).mapToLong(Long::longValue).sum();
      }
      return examples;
    }

    private long examples = -1;

    long evidence(List<Integer> context) {
      return evidenceByContext().getOrDefault(context, 0L);
    }

    /** Each training context's next-token counts summed, once: checks ask for every context's evidence per row. */
    private synchronized Map<List<Integer>, Long> evidenceByContext() {
      if (evidenceByContext == null) {
        evidenceByContext = new HashMap<>();
        train.forEach((x, m) -> evidenceByContext.put(x, m.values().stream().mapToLong(Long::longValue).sum()));
      }
      return evidenceByContext;
    }

    private Map<List<Integer>, Long> evidenceByContext;

    /** Training examples whose context occurs in exactly one training document (THEORY 5). */
    synchronized long documentSingletonExamples() {
      if (documentSingletons < 0) {
        documentSingletons = countDocumentSingletons();
      }
      return documentSingletons;
    }

    /** Counted once: every row of the (slice, c) asks. */
    private long documentSingletons = -1;
    private long documentMonofacts = -1;

    private long countDocumentSingletons() {
      long out = 0;
      for (Map.Entry<List<Integer>, Map<Integer, java.util.Set<Integer>>> x : documents.entrySet()) {
        java.util.Set<Integer> all = new java.util.HashSet<>();
        x.getValue().values().forEach(all::addAll);
        out += all.size() == 1 ? evidence(x.getKey()) : 0;
      }
      return out;
    }

    /** Training examples whose (context, next) fact occurs in exactly one training document. */
    synchronized long documentMonofactExamples() {
      if (documentMonofacts < 0) {
        documentMonofacts = countDocumentMonofacts();
      }
      return documentMonofacts;
    }

    private long countDocumentMonofacts() {
      long out = 0;
      for (Map.Entry<List<Integer>, Map<Integer, java.util.Set<Integer>>> x : documents.entrySet()) {
        for (Map.Entry<Integer, java.util.Set<Integer>> f : x.getValue().entrySet()) {
          out += f.getValue().size() == 1 ? train.get(x.getKey()).get(f.getKey()) : 0;
        }
      }
      return out;
    }

    /** Brute force: mean over held-out examples of log P(y | X) with all N_V logits a E(v|X). */
    double heldoutLogLikelihoodBruteForce(double a) {
      return bruteForce.computeIfAbsent(a, this::bruteForceLogLikelihood);
    }

    /** Per scale: the held-out and margin_heldout rows of a pair ask for the same one (rows are checked in parallel). */
    private final Map<Double, Double> bruteForce = new java.util.concurrent.ConcurrentHashMap<>();

    /** All 256 logits summed one by one, once per distinct held-out context. */
    private double bruteForceLogLikelihood(double a) {
      double sum = 0;
      for (Map.Entry<List<Integer>, List<Integer>> x : heldoutByContext().entrySet()) {
        Map<Integer, Long> m = train.getOrDefault(x.getKey(), Map.of());
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < N_V; v++) {
          max = Math.max(max, a * m.getOrDefault(v, 0L));
        }
        double z = 0;
        for (int v = 0; v < N_V; v++) {
          z += Math.exp(a * m.getOrDefault(v, 0L) - max);
        }
        for (int y : x.getValue()) {
          sum += a * m.getOrDefault(y, 0L) - max - Math.log(z);
        }
      }
      return sum / heldoutContexts.size();
    }

    /**
     * The same from THEORY 5's formula, {@code Z = (N_V - n_seen) + sum over seen y of e^(a E(y|X))},
     * per held-out context once: fast enough for the many evaluations of a maximisation. The
     * maps are read once into arrays ({@link #heldoutArrays}); the arithmetic and its order are
     * those of a loop over the maps (values in the map's order, next tokens in the list's).
     */
    double heldoutLogLikelihood(double a) {
      HeldoutArrays h = heldoutArrays();
      double sum = 0;
      for (int x = 0; x < h.seen.length; x++) {
        long[] seen = h.seen[x];
        double max = Double.NEGATIVE_INFINITY;
        for (long e : seen) {
          max = Math.max(max, a * e);
        }
        if (seen.length == 0) {
          max = 0;
        }
        double z = (N_V - seen.length) * Math.exp(-max);
        for (long e : seen) {
          z += Math.exp(a * e - max);
        }
        double logZ = max + Math.log(z);
        for (long e : h.next[x]) {
          sum += a * e - logZ;
        }
      }
      return sum / heldoutContexts.size();
    }

    /** Per distinct held-out context: the evidence of each next token seen in training, and E(y|X) of each held-out y. */
    private record HeldoutArrays(long[][] seen, long[][] next) {}

    private HeldoutArrays heldoutArrays;

    private synchronized HeldoutArrays heldoutArrays() {
      if (heldoutArrays == null) {
        Map<List<Integer>, List<Integer>> byContext = heldoutByContext();
        long[][] seen = new long[byContext.size()][];
        long[][] next = new long[byContext.size()][];
        int i = 0;
        for (Map.Entry<List<Integer>, List<Integer>> x : byContext.entrySet()) {
          Map<Integer, Long> m = train.getOrDefault(x.getKey(), Map.of());
          seen[i] = m.values().stream().mapToLong(Long::longValue).toArray();
          next[i] = x.getValue().stream().mapToLong(y -> m.getOrDefault(y, 0L)).toArray();
          i++;
        }
        heldoutArrays = new HeldoutArrays(seen, next);
      }
      return heldoutArrays;
    }

    private Map<List<Integer>, List<Integer>> heldoutByContext;

    /** The held-out examples' next tokens, per distinct context. */
    private synchronized Map<List<Integer>, List<Integer>> heldoutByContext() {
      if (heldoutByContext == null) {
        heldoutByContext = new HashMap<>();
        for (int i = 0; i < heldoutContexts.size(); i++) {
          heldoutByContext.computeIfAbsent(heldoutContexts.get(i), k -> new ArrayList<>()).add(heldoutNext.get(i));
        }
      }
      return heldoutByContext;
    }

    /**
     * The fitted scale by a second method: the best of 60 log-spaced scales from 1e-6 to 1e4,
     * then golden-section search between its neighbours (ll is concave in a, so unimodal) to
     * 1e-12 relative, and each end of the likelihood-ratio interval by bisection on the exact
     * ll; null when no held-out context was seen in training (ll does not depend on a).
     */
    synchronized double[] fit() {
      if (fit == null && heldoutContexts.stream().anyMatch(train::containsKey)) {
        fit = fitOnce();
      }
      return fit;
    }

    private double[] fit;

    private double[] fitOnce() {
      double best = -1;
      double bestValue = Double.NEGATIVE_INFINITY;
      int steps = 60;
      double[] grid = new double[steps];
      for (int i = 0; i < steps; i++) {
        grid[i] = Math.pow(10, -6 + 10.0 * i / (steps - 1));
        double v = heldoutLogLikelihood(grid[i]);
        if (v > bestValue) {
          bestValue = v;
          best = i;
        }
      }
      int b = (int) best;
      double lo = Math.log(grid[Math.max(0, b - 1)]);
      double hi = Math.log(grid[Math.min(steps - 1, b + 1)]);
      double phi = (Math.sqrt(5) - 1) / 2;
      while (hi - lo > 1e-13) {
        double x1 = hi - phi * (hi - lo);
        double x2 = lo + phi * (hi - lo);
        if (heldoutLogLikelihood(Math.exp(x1)) < heldoutLogLikelihood(Math.exp(x2))) {
          lo = x1;
        } else {
          hi = x2;
        }
      }
      double aStar = Math.exp((lo + hi) / 2);
      double top = heldoutLogLikelihood(aStar);
      double target = top - 3.841458820694124 / 2 / heldoutContexts.size();
      return new double[] {aStar, crossing(aStar, 1e-12, target), crossing(aStar, 1e6, target), top};
    }

    /** Where ll falls to {@code target} between the maximum and {@code outside}, by bisection in ln a. */
    private double crossing(double inside, double outside, double target) {
      double in = Math.log(inside);
      double out = Math.log(outside);
      for (int i = 0; i < 64; i++) {
        double mid = (in + out) / 2;
        if (heldoutLogLikelihood(Math.exp(mid)) > target) {
          in = mid;
        } else {
          out = mid;
        }
      }
      return Math.exp((in + out) / 2);
    }

    /** Brute force, per scale: model_ph over the training examples (occurrence and margin_occurrence rows ask). */
    double modelPhInSample(double a) {
      return inSamplePh.computeIfAbsent(a, k -> {
        double sum = 0;
        for (Map.Entry<List<Integer>, Map<Integer, Long>> x : train.entrySet()) {
          double[] others = hallucinations(weights(x.getValue(), k));
          for (Map.Entry<Integer, Long> f : x.getValue().entrySet()) {
            sum += f.getValue() * others[f.getKey()];
          }
        }
        return sum / examples();
      });
    }

    /** Brute force, per scale: model_ph over the held-out examples (heldout and margin_heldout rows ask). */
    double modelPhHeldout(double a) {
      return heldoutPh.computeIfAbsent(a, k -> {
        double sum = 0;
        for (Map.Entry<List<Integer>, List<Integer>> x : heldoutByContext().entrySet()) {
          double[] others = hallucinations(weights(train.getOrDefault(x.getKey(), Map.of()), k));
          for (int y : x.getValue()) {
            sum += others[y];
          }
        }
        return sum / heldoutContexts.size();
      });
    }

    private final Map<Double, Double> inSamplePh = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Double, Double> heldoutPh = new java.util.concurrent.ConcurrentHashMap<>();

    /** All N_V logits a E(v|X), exponentiated after the largest is taken off: a softmax's weights. */
    private static double[] weights(Map<Integer, Long> nexts, double a) {
      double[] w = new double[N_V];
      double max = Double.NEGATIVE_INFINITY;
      for (int v = 0; v < N_V; v++) {
        w[v] = a * nexts.getOrDefault(v, 0L);
        max = Math.max(max, w[v]);
      }
      for (int v = 0; v < N_V; v++) {
        w[v] = Math.exp(w[v] - max);
      }
      return w;
    }

    /**
     * 1 - P(y) for every id y: the weights of every other id, summed as those below y then those
     * above it (no 1 - p cancellation), over all of them. Both partial sums are sums of positive
     * terms, so they differ from a loop per y only in rounding (relative 1e-13 at N_V = 256).
     */
    private static double[] hallucinations(double[] w) {
      double[] below = new double[N_V + 1];
      for (int v = 0; v < N_V; v++) {
        below[v + 1] = below[v] + w[v];
      }
      double[] out = new double[N_V];
      double above = 0;
      for (int v = N_V - 1; v >= 0; v--) {
        out[v] = (below[v] + above) / below[N_V];
        above += w[v];
      }
      return out;
    }
  }

  /** "dim=value" then c, to its counts; documents named as the job names them (path:line), sliced by year. */
  static Map<String, Map<Integer, Counts>> count(List<Europarl.Doc> docs, String file, List<Integer> lengths,
      double heldoutFraction) throws NoSuchAlgorithmException {
    return count(docs, d -> file + ":" + d.line(), d -> List.of("all=all", "year=" + d.date().substring(0, 4)),
        lengths, heldoutFraction);
  }

  /** The same with the document ids and slices ("dim=value", "all=all" among them) given. */
  static Map<String, Map<Integer, Counts>> count(List<Europarl.Doc> docs,
      java.util.function.Function<Europarl.Doc, String> id,
      java.util.function.Function<Europarl.Doc, List<String>> slices, List<Integer> lengths, double heldoutFraction)
      throws NoSuchAlgorithmException {
    Map<String, Map<Integer, Counts>> out = new TreeMap<>();
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    for (int index = 0; index < docs.size(); index++) {
      Europarl.Doc d = docs.get(index);
      int document = index;
      byte[] digest = sha.digest(id.apply(d).getBytes(StandardCharsets.UTF_8));
      long v = 0;
      for (int i = 8; i < 16; i++) {
        v = v * 256 + (digest[i] & 0xff);
      }
      boolean heldout = (double) (v >>> 11) / (1L << 53) < heldoutFraction;
      byte[] bytes = d.body().getBytes(StandardCharsets.UTF_8);
      for (String slice : slices.apply(d)) {
        for (int c : lengths) {
          Counts counts = out.computeIfAbsent(slice, k -> new TreeMap<>()).computeIfAbsent(c, k -> new Counts());
          if (!heldout) {
            counts.trainingDocuments++;
          }
          for (int i = c; i < bytes.length; i++) {
            List<Integer> context = new ArrayList<>(c);
            for (int j = i - c; j < i; j++) {
              context.add(bytes[j] & 0xff);
            }
            int next = bytes[i] & 0xff;
            if (heldout) {
              counts.heldoutContexts.add(context);
              counts.heldoutNext.add(next);
            } else {
              counts.train.computeIfAbsent(context, k -> new HashMap<>()).merge(next, 1L, Long::sum);
              counts.documents.computeIfAbsent(context, k -> new HashMap<>())
                  .computeIfAbsent(next, k -> new java.util.HashSet<>()).add(document);
            }
          }
        }
      }
    }
    return out;
  }
}
