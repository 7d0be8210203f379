package org.hallufloor.estimate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.hallufloor.config.Settings;
import org.hallufloor.evidence.CountEvidence;
import org.hallufloor.evidence.Kinds;
import org.hallufloor.evidence.SliceTotals;
import org.hallufloor.job.StageParams;
import org.hallufloor.testing.Europarl;
import org.hallufloor.testing.Runs;
import org.hallufloor.testing.Shards;
import org.hallufloor.testing.SparkTestBase;
import org.hallufloor.testing.Stages;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exact-kernel evidence pass alone ({@link CountEvidence}), on 40 real Europarl documents
 * read and tokenized (bytes) by the stages before it, with no estimate and no table written.
 * Its cells against {@link SecondMethod}'s plain loop over the same documents: the evidence
 * spectrum of every (slice, c) (contexts, examples and held-out examples per value, values
 * kept as Kinds.rounded keeps them), and, for two beta_S and two T, each pair's P_h and
 * held-out log-likelihood sums against a brute-force softmax at beta_S / T taken from the
 * settings' own lists in nested loops: a pair read back under another index would fail.
 */
class CountEvidenceStageTest extends SparkTestBase {
  private static final int DOCS = 40;
  private static final double HELDOUT = 0.25;
  private static final List<Double> BETAS = List.of(0.5, 3.0);
  private static final List<Double> TEMPERATURES = List.of(1.0, 4.0);

  @TempDir Path dir;

  /**
   * Also with every evidence task handing on its partial cells after each context (flush 1),
   * as a task that meets more slices than it may hold does: the summed cells must not move.
   */
  @ParameterizedTest(name = "cells flushed every {0} (0: the default)")
  @ValueSource(ints = {0, 1})
  void cellsEqualThePlainLoopForEveryPair(int flushCells) throws Exception {
    List<Europarl.Doc> docs = Europarl.first(DOCS);
    List<String> lines = new ArrayList<>();
    for (Europarl.Doc d : docs) {
      lines.add("doc-" + d.line() + "\t" + d.title() + "\t" + d.date() + "\t" + d.body());
    }
    Path shard = Shards.writeLines(dir.resolve("europarl-40.txt"), lines);
    Settings settings = Runs.settings("jobs/europarl-sample.conf", dir.resolve("out"),
        "hallufloor.input.paths=[\"" + shard + "\"]", "hallufloor.input.text-columns=[id, title, date, body]",
        "hallufloor.input.id-field=id", "hallufloor.tokenizer=bytes",
        "hallufloor.slices=[{name=year, field=date, transform=year}]", "hallufloor.context-lengths=[1, 2, 4]",
        "hallufloor.scaling-fractions=[]", "hallufloor.heldout-fraction=" + HELDOUT,
        "hallufloor.beta-s=" + BETAS, "hallufloor.temperatures=" + TEMPERATURES);

    Dataset<Row> tokenized = Stages.documents(spark(), settings).cache();
    SliceTotals.Totals totals = org.hallufloor.testing.Stages.totals(tokenized);
    CountEvidence.Params params = StageParams.evidence(settings, SecondMethod.N_V);
    CountEvidence.Result result = CountEvidence.execute(tokenized, totals,
        flushCells == 0 ? params : params.withFlushCells(flushCells));
    List<Row> cells = result.cells().collectAsList();
    Map<Integer, CountEvidence.Slice> slices = org.hallufloor.testing.Stages.byNumber(result.slices());
    result.release();
    totals.release();
    tokenized.unpersist();

    Map<String, Map<Integer, SecondMethod.Counts>> loop = SecondMethod.count(docs, d -> "doc-" + d.line(),
        d -> List.of("all=all", "year=" + d.date().substring(0, 4)), List.of(1, 2, 4), HELDOUT);
    // Cells by "slice c" then value: {contexts, occurrences, heldout} of the evidence kind; sums per pair.
    Map<String, Map<Long, List<Long>>> spectra = new TreeMap<>();
    Map<String, Double> perPair = new TreeMap<>();
    for (Row r : cells) {
      CountEvidence.Slice s = slices.get(r.getInt(0));
      String key = s.dim() + "=" + s.value() + " " + r.getInt(1);
      int kind = r.getInt(2);
      if (kind == Kinds.EVIDENCE) {
        spectra.computeIfAbsent(key, k -> new TreeMap<>()).put(r.getLong(3), List.of(r.getLong(4), r.getLong(5), r.getLong(6)));
      } else if (kind == Kinds.PH_INSAMPLE || kind == Kinds.PH_HELDOUT || kind == Kinds.HELDOUT_LOG_LIKELIHOOD) {
        perPair.put(key + " " + Kinds.NAMES.get(kind) + " " + r.getLong(3), r.getDouble(7));
      }
    }

    int pairsChecked = 0;
    for (Map.Entry<String, Map<Integer, SecondMethod.Counts>> slice : loop.entrySet()) {
      for (Map.Entry<Integer, SecondMethod.Counts> byC : slice.getValue().entrySet()) {
        SecondMethod.Counts counts = byC.getValue();
        String key = slice.getKey() + " " + byC.getKey();
        Map<Long, List<Long>> expected = new TreeMap<>();
        for (List<Integer> x : counts.train.keySet()) {
          long e = counts.evidence(x);
          expected.merge(Kinds.rounded(e), List.of(1L, e, 0L), CountEvidenceStageTest::add);
        }
        for (List<Integer> x : counts.heldoutContexts) {
          expected.merge(Kinds.rounded(counts.evidence(x)), List.of(0L, 0L, 1L), CountEvidenceStageTest::add);
        }
        assertEquals(expected, spectra.getOrDefault(key, Map.of()), key + ": evidence spectrum");

        int pair = 0;
        for (double betaS : BETAS) {
          for (double t : TEMPERATURES) {
            double a = betaS / t;
            String where = key + " beta_s=" + betaS + " T=" + t;
            if (counts.examples() == 0) {
              // A slice whose documents are all held out: no training example, no sum.
              Assertions.assertNull(perPair.get(key + " ph_insample " + pair), where);
            } else {
              close(where + " P_h in-sample", counts.modelPhInSample(a) * counts.examples(),
                  perPair.get(key + " ph_insample " + pair));
            }
            if (!counts.heldoutContexts.isEmpty()) {
              int n = counts.heldoutContexts.size();
              close(where + " P_h held out", counts.modelPhHeldout(a) * n, perPair.get(key + " ph_heldout " + pair));
              close(where + " held-out log-likelihood", counts.heldoutLogLikelihoodBruteForce(a) * n,
                  perPair.get(key + " heldout_log_likelihood " + pair));
            }
            pair++;
            pairsChecked++;
          }
        }
      }
    }
    Assertions.assertTrue(pairsChecked >= 4 * 3 * 3, "pairs x c x (all and at least two years): " + pairsChecked);
  }

  private static List<Long> add(List<Long> a, List<Long> b) {
    return List.of(a.get(0) + b.get(0), a.get(1) + b.get(1), a.get(2) + b.get(2));
  }

  private static void close(String what, double expected, Double actual) {
    Assertions.assertNotNull(actual, what + ": no cell");
    assertEquals(expected, actual, 1e-9 * Math.abs(expected) + 1e-12, what);
  }
}
