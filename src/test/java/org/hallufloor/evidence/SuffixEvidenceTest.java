package org.hallufloor.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.hallufloor.corpus.DocumentHash;
import org.hallufloor.job.HallufloorRun;
import org.hallufloor.testing.Europarl;
import org.hallufloor.testing.JobGroups;
import org.hallufloor.testing.Runs;
import org.hallufloor.testing.Shards;
import org.hallufloor.testing.SparkTestBase;
import org.hallufloor.tokenize.TokenizerSpec;
import org.hallufloor.tokenize.Tokenizers;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The suffix kernel on real Europarl text (bytes, N_V = 256, so the whole context space can be
 * enumerated), against a brute-force pairwise computation straight from THEORY 1's definition,
 * {@code Evid(X) = sum over training examples j of lambda^(c - m(X, X_j))}: for every slice and
 * context length, the mean evidence and {@code f} at every point of the curve (within the cells'
 * rounding of evidence up to 10 significant bits, 0.1%) of the distinct,
 * occurrence and held-out distributions, and for c <= 2 of the uniform distribution over all
 * 256^c contexts, with Sbar as the sum of the kernel over the space for one training example.
 * The margin forms and model_ph the same way: {@code E(y | X)} for all 256 tokens as the kernel
 * summed over the training examples followed by y, then THEORY 3's margins and THEORY 5's softmax
 * over that vector.
 */
class SuffixEvidenceTest extends SparkTestBase {
  private static final int DOCS = 40;
  private static final double LAMBDA = 0.5;
  private static final double HELDOUT = 0.2;
  private static final int N_V = 256;
  /** Contexts of the space are enumerated up to this length: 256^2 of them. */
  private static final int UNIFORM_UP_TO = 2;
  /** Cells round evidence up to 10 significant bits (context.Cells). */
  private static final double ROUNDING = 0x1.0p-10;

  @TempDir
  Path dir;

  @Test
  void evidenceAndCurvesEqualTheBruteForcePairwiseKernel() {
    List<String> lines = new ArrayList<>();
    for (Europarl.Doc d : Europarl.first(DOCS)) {
      // A stable id per document: the held-out split is then the same wherever the test runs.
      lines.add("europarl-" + d.line() + "\t" + d.title() + "\t" + d.date() + "\t" + d.body());
    }
    Path shard = Shards.writeLines(dir.resolve("europarl-40.txt"), lines);
    JobGroups.Seen<HallufloorRun.Result> seen = JobGroups.during(spark(), () -> Runs.run(spark(),
        Runs.settings("jobs/europarl-sample.conf", dir.resolve("out"),
        "hallufloor.input.paths=[\"" + shard + "\"]", "hallufloor.input.text-columns=[id, title, date, body]",
        "hallufloor.input.id-field=id", "hallufloor.slices=[{name=year, field=date, transform=year}]",
        "hallufloor.context-lengths=[1, 2, 3]", "hallufloor.scaling-fractions=[]", "hallufloor.tokenizer=bytes",
        "hallufloor.heldout-fraction=" + HELDOUT, "hallufloor.kernel.name=suffix", "hallufloor.kernel.lambda=" + LAMBDA,
        // Evidence under this kernel is at least lambda^c |D| (thousands here): small beta_S puts M' among it.
        "hallufloor.beta-s=[1.0e-4, 1.0e-3]", "hallufloor.report=false")));
    HallufloorRun.Result run = seen.result();
    // The suffix counts run under their own step in the Spark UI, the rest under theirs.
    Assertions.assertEquals(java.util.Set.of("hallufloor-read", "hallufloor-evidence", "hallufloor-suffix",
        "hallufloor-tables"), seen.groups(), seen.jobs() + " jobs");
    Assertions.assertTrue(run.invariantViolations().isEmpty(), run.invariantViolations().toString());
    String kernel = "suffix(" + LAMBDA + ")";

    Map<String, Corpus> truth = Corpus.of(lines);
    List<Row> bounds = spark().read().parquet(run.output().location("slice_bounds").toString())
        .filter("kernel = '" + kernel + "'").collectAsList();
    List<Row> curve = spark().read().parquet(run.output().location("f_curve").toString())
        .filter("kernel = '" + kernel + "'").collectAsList();
    Map<String, double[]> evidence = new HashMap<>();
    int uniformRows = 0;
    int marginRows = 0;
    int modelPhRows = 0;
    for (Row r : bounds) {
      String where = r.getAs("slice_dim") + "=" + r.getAs("slice_value") + " c=" + r.getAs("context_len") + " "
          + r.getAs("distribution");
      Corpus corpus = truth.get(r.getAs("slice_dim") + "=" + r.getAs("slice_value"));
      int c = r.getAs("context_len");
      // |D| and the distinct contexts: a plain loop's counts, exactly.
      assertEquals(corpus.examples(c), (long) r.getAs("examples"), where + " examples");
      assertEquals(corpus.train.get(c).size(), (long) r.getAs("distinct_contexts"), where + " distinct contexts");
      if ("heldout".equals(r.getAs("distribution"))) {
        assertEquals(corpus.heldout.get(c).size(), (long) r.getAs("distribution_examples"), where + " held-out examples");
      }
      // The rates of exact identity come from the exact kernel's counts of the same run, and say so.
      assertEquals("exact", r.getAs("rates_kernel"), where);
      long singletons = corpus.train.get(c).values().stream().filter(n -> n == 1).count();
      assertEquals((double) singletons / corpus.examples(c), r.<Double>getAs("singleton_context_rate"), 1e-12,
          where + " singleton context rate");
      List<List<Integer>> heldoutContexts = corpus.heldout.getOrDefault(c, List.of());
      long unseen = heldoutContexts.stream().filter(x -> !corpus.train.get(c).containsKey(x)).count();
      if (heldoutContexts.isEmpty()) {
        Assertions.assertNull(r.getAs("heldout_unseen_context_rate"), where + ": no held-out example");
      } else {
        assertEquals((double) unseen / heldoutContexts.size(), r.<Double>getAs("heldout_unseen_context_rate"), 1e-12,
            where + " held-out unseen context rate");
      }
      double[][] truthEvidence = truth(truth, r);
      if (truthEvidence == null) {
        continue; // uniform beyond the enumerated lengths: checked by the run's own invariant
      }
      uniformRows += "uniform".equals(r.getAs("distribution")) ? 1 : 0;
      evidence.put(where, truthEvidence[0]);
      // Cells keep evidence rounded up to 10 significant bits: the mean rises by at most 2^-10.
      double mean = mean(truthEvidence);
      double actual = r.getAs("mean_evidence");
      Assertions.assertTrue(actual >= mean * (1 - 1e-12) && actual <= mean * (1 + ROUNDING) * (1 + 1e-12),
          where + " mean evidence " + actual + ", brute force " + mean);
      if ("uniform".equals(r.getAs("distribution"))) {
        assertClose(truth.get("all=all").sbar(r.getAs("context_len")), r.getAs("s_bar"), where + " Sbar");
      }
      String d = r.getAs("distribution");
      if (!d.equals("uniform") && !d.equals("distinct")) {
        double a = r.<Double>getAs("beta_s") / r.<Double>getAs("temperature");
        double ph = corpus.modelPh(c, d.endsWith("heldout"), a);
        assertEquals(ph, r.<Double>getAs("model_ph"), 1e-9 * ph, where + " model_ph at a = " + a);
        modelPhRows++;
      }
      marginRows += d.startsWith("margin_") ? 1 : 0;
    }
    Assertions.assertTrue(marginRows >= 8, "margin rows checked: " + marginRows);
    Assertions.assertTrue(modelPhRows >= 16, "model_ph values checked: " + modelPhRows);
    Assertions.assertTrue(uniformRows >= 4, "uniform rows checked: " + uniformRows);
    Assertions.assertTrue(evidence.keySet().stream().anyMatch(k -> k.startsWith("year=")), evidence.keySet().toString());
    int nonTrivial = 0;
    for (Row r : curve) {
      String where = r.getAs("slice_dim") + "=" + r.getAs("slice_value") + " c=" + r.getAs("context_len") + " "
          + r.getAs("distribution");
      double[][] t = truth(truth, r);
      if (t == null) {
        continue;
      }
      // Rounded up, a value counts below M' when it is below M' by more than the rounding.
      double m = r.getAs("m_prime");
      double f = r.getAs("f");
      double atMost = fractionBelow(t, m, 1);
      double atLeast = fractionBelow(t, m, 1 + ROUNDING);
      Assertions.assertTrue(f >= atLeast - 1e-12 && f <= atMost + 1e-12,
          where + " f at M' = " + m + ": " + f + " outside [" + atLeast + ", " + atMost + "]");
      nonTrivial += f > 0 && f < 1 ? 1 : 0;
    }
    Assertions.assertTrue(nonTrivial >= 20, "points of the curves strictly between 0 and 1: " + nonTrivial);

    // The histogram holds every context once and every example once (held-out ones included).
    List<Row> totals = spark().read().parquet(run.output().location("evidence_histogram").toString())
        .filter("kernel = '" + kernel + "'").groupBy("slice_dim", "slice_value", "context_len")
        .agg(org.apache.spark.sql.functions.sum("distinct_contexts"), org.apache.spark.sql.functions.sum("occurrences"),
            org.apache.spark.sql.functions.sum("heldout_occurrences"))
        .collectAsList();
    Assertions.assertTrue(totals.size() >= 6, "histogram (slice, c) groups: " + totals.size());
    for (Row h : totals) {
      Corpus corpus = truth.get(h.getString(0) + "=" + h.getString(1));
      int c = h.getInt(2);
      String where = h.getString(0) + "=" + h.getString(1) + " c=" + c + " histogram";
      assertEquals(corpus.train.get(c).size(), h.getLong(3), where + " contexts");
      assertEquals(corpus.examples(c), h.getLong(4), where + " occurrences");
      assertEquals(corpus.heldout.getOrDefault(c, List.of()).size(), h.isNullAt(5) ? 0 : h.getLong(5),
          where + " held-out examples");
    }
  }

  private final Map<String, double[][]> computed = new HashMap<>();

  /** The brute-force distribution of a row's slice, c and distribution, computed once. */
  private double[][] truth(Map<String, Corpus> truth, Row r) {
    String slice = r.getAs("slice_dim") + "=" + r.getAs("slice_value");
    int c = r.getAs("context_len");
    String name = r.getAs("distribution");
    String key = slice + " " + c + " " + name;
    if (!computed.containsKey(key)) {
      computed.put(key, truth.get(slice).distribution(c, name));
    }
    return computed.get(key);
  }

  private static void assertClose(double expected, double actual, String what) {
    assertEquals(expected, actual, 1e-9 * Math.max(1, Math.abs(expected)), what);
  }

  /** {evidence values, weights}: the mean is weighted. */
  private static double mean(double[][] d) {
    double s = 0;
    double w = 0;
    for (int i = 0; i < d[0].length; i++) {
      s += d[0][i] * d[1][i];
      w += d[1][i];
    }
    return s / w;
  }

  /** The share of the distribution with {@code Evid * scale < m}. */
  private static double fractionBelow(double[][] d, double m, double scale) {
    double below = 0;
    double w = 0;
    for (int i = 0; i < d[0].length; i++) {
      below += d[0][i] * scale < m ? d[1][i] : 0;
      w += d[1][i];
    }
    return below / w;
  }

  /**
   * One slice's training contexts with their counts and next tokens, and its held-out examples,
   * per c, by plain loops; and the sums already made.
   */
  record Corpus(Map<Integer, Map<List<Integer>, Long>> train, Map<Integer, Map<List<Integer>, Map<Integer, Long>>> trainNext,
      Map<Integer, List<List<Integer>>> heldout, Map<Integer, List<Integer>> heldoutNext,
      Map<Integer, Map<List<Integer>, Double>> evidenceOf, Map<Integer, Map<List<Integer>, double[]>> nextOf) {
    static Map<String, Corpus> of(List<String> lines) {
      var bytes = Tokenizers.get(TokenizerSpec.of("bytes"));
      Map<String, Corpus> out = new TreeMap<>();
      for (int n = 0; n < lines.size(); n++) {
        String[] parts = lines.get(n).split("\t", 4);
        boolean isHeldout = DocumentHash.uniforms(parts[0])[1] < HELDOUT;
        int[] ids = bytes.encode(parts[3]);
        for (String slice : List.of("all=all", "year=" + parts[2].substring(0, 4))) {
          Corpus corpus = out.computeIfAbsent(slice, k -> new Corpus(new TreeMap<>(), new TreeMap<>(), new TreeMap<>(),
              new TreeMap<>(), new HashMap<>(), new HashMap<>()));
          for (int c = 1; c <= 3; c++) {
            for (int i = c; i < ids.length; i++) {
              List<Integer> context = new ArrayList<>();
              for (int j = i - c; j < i; j++) {
                context.add(ids[j]);
              }
              if (isHeldout) {
                corpus.heldout.computeIfAbsent(c, k -> new ArrayList<>()).add(context);
                corpus.heldoutNext.computeIfAbsent(c, k -> new ArrayList<>()).add(ids[i]);
              } else {
                corpus.train.computeIfAbsent(c, k -> new HashMap<>()).merge(context, 1L, Long::sum);
                corpus.trainNext.computeIfAbsent(c, k -> new HashMap<>()).computeIfAbsent(context,
                    k -> new TreeMap<>()).merge(ids[i], 1L, Long::sum);
              }
            }
          }
        }
      }
      return out;
    }

    long examples(int c) {
      return train.get(c).values().stream().mapToLong(Long::longValue).sum();
    }

    /** The definition: the kernel summed over the training examples (once per context: distributions share contexts). */
    double evidence(int c, List<Integer> x) {
      return evidenceOf.computeIfAbsent(c, k -> new HashMap<>()).computeIfAbsent(x, k -> sumOverTraining(c, k));
    }

    private double sumOverTraining(int c, List<Integer> x) {
      double e = 0;
      for (Map.Entry<List<Integer>, Long> y : train.get(c).entrySet()) {
        e += kernel(x, y.getKey(), c) * y.getValue();
      }
      return e;
    }

    /** E(y | X) for every y: each training example's kernel weight added to its next token. */
    double[] next(int c, List<Integer> x) {
      return nextOf.computeIfAbsent(c, k -> new HashMap<>()).computeIfAbsent(x, k -> {
        double[] e = new double[N_V];
        for (Map.Entry<List<Integer>, Map<Integer, Long>> t : trainNext.get(c).entrySet()) {
          double w = kernel(x, t.getKey(), c);
          t.getValue().forEach((y, n) -> e[y] += w * n);
        }
        return e;
      });
    }

    /** THEORY 3: E(y* | X) less the largest other E(y | X), over all N_V tokens. */
    static double margin(double[] e, int y) {
      double other = 0;
      for (int z = 0; z < e.length; z++) {
        other = z == y ? other : Math.max(other, e[z]);
      }
      return e[y] - other;
    }

    static int argmax(double[] e) {
      int best = 0;
      for (int y = 1; y < e.length; y++) {
        best = e[y] > e[best] ? y : best;
      }
      return best;
    }

    /** THEORY 5: 1 - P(y | X) under the softmax of a E(. | X) over all N_V tokens. */
    static double hallucination(double[] e, int y, double a) {
      double max = 0;
      for (double v : e) {
        max = Math.max(max, a * v);
      }
      double z = 0;
      for (double v : e) {
        z += Math.exp(a * v - max);
      }
      return 1 - Math.exp(a * e[y] - max) / z;
    }

    /** model_ph: P_h's mean over the training examples, or over the held-out ones. */
    double modelPh(int c, boolean heldoutExamples, double a) {
      double sum = 0;
      long n = 0;
      if (heldoutExamples) {
        List<List<Integer>> xs = heldout.get(c);
        for (int i = 0; i < xs.size(); i++) {
          sum += hallucination(next(c, xs.get(i)), heldoutNext.get(c).get(i), a);
          n++;
        }
      } else {
        for (Map.Entry<List<Integer>, Map<Integer, Long>> t : trainNext.get(c).entrySet()) {
          double[] e = next(c, t.getKey());
          for (Map.Entry<Integer, Long> f : t.getValue().entrySet()) {
            sum += f.getValue() * hallucination(e, f.getKey(), a);
            n += f.getValue();
          }
        }
      }
      return sum / n;
    }

    static double kernel(List<Integer> x, List<Integer> y, int c) {
      int m = 0;
      while (m < c && x.get(c - 1 - m).equals(y.get(c - 1 - m))) {
        m++;
      }
      return Math.pow(LAMBDA, c - m);
    }

    /** The kernel summed over the whole space for one training context. */
    double sbar(int c) {
      List<Integer> someTrainingContext = train.get(c).keySet().iterator().next();
      double s = 0;
      for (List<Integer> x : space(c)) {
        s += kernel(x, someTrainingContext, c);
      }
      return s;
    }

    /** {evidence, weight} of a distribution, or null for uniform beyond the enumerated lengths. */
    double[][] distribution(int c, String name) {
      List<double[]> pairs = new ArrayList<>();
      switch (name) {
        case "distinct" -> train.get(c).keySet().forEach(x -> pairs.add(new double[] {evidence(c, x), 1}));
        case "occurrence" -> train.get(c).forEach((x, n) -> pairs.add(new double[] {evidence(c, x), n}));
        case "heldout" -> heldout.get(c).forEach(x -> pairs.add(new double[] {evidence(c, x), 1}));
        // In-sample y* is the most likely token, so the margin is the largest E less the second.
        case "margin_occurrence" -> train.get(c).forEach((x, n) -> {
          double[] e = next(c, x);
          pairs.add(new double[] {margin(e, argmax(e)), n});
        });
        case "margin_heldout" -> {
          for (int i = 0; i < heldout.get(c).size(); i++) {
            double[] e = next(c, heldout.get(c).get(i));
            pairs.add(new double[] {Math.max(margin(e, heldoutNext.get(c).get(i)), 0), 1});
          }
        }
        case "uniform" -> {
          if (c > UNIFORM_UP_TO) {
            return null;
          }
          space(c).forEach(x -> pairs.add(new double[] {evidence(c, x), 1}));
        }
        default -> throw new AssertionError("the suffix kernel has no " + name + " rows");
      }
      double[][] out = new double[2][pairs.size()];
      for (int i = 0; i < pairs.size(); i++) {
        out[0][i] = pairs.get(i)[0];
        out[1][i] = pairs.get(i)[1];
      }
      return out;
    }

    static List<List<Integer>> space(int c) {
      List<List<Integer>> out = new ArrayList<>();
      int total = (int) Math.pow(N_V, c);
      for (int code = 0; code < total; code++) {
        List<Integer> x = new ArrayList<>(c);
        for (int j = 0, v = code; j < c; j++, v /= N_V) {
          x.add(0, v % N_V);
        }
        out.add(x);
      }
      return out;
    }
  }
}
