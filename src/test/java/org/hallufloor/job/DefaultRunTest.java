package org.hallufloor.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.hallufloor.testing.Europarl;
import org.hallufloor.testing.JobGroups;
import org.hallufloor.testing.Runs;
import org.hallufloor.testing.SparkTestBase;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default job file on the whole real Europarl sample, with the bytes tokenizer so that a
 * plain loop here can recount everything: documents and UTF-8 bytes per year, the held-out
 * split and the nested scaling fractions from SHA-256 of each document id, written anew here;
 * and every Spark job of the run under the job group of its THEORY step.
 */
class DefaultRunTest extends SparkTestBase {
  @TempDir Path dir;

  private static double uniform(byte[] digest, int from) {
    long v = 0;
    for (int i = from; i < from + 8; i++) {
      v = v * 256 + (digest[i] & 0xff);
    }
    return (double) (v >>> 11) / (1L << 53);
  }

  @Test
  void europarlSampleCountsMatchAPlainLoop() throws Exception {
    String absolute = Europarl.path().toAbsolutePath().toString();
    JobGroups.Seen<HallufloorRun.Result> seen = JobGroups.during(spark(), () -> Runs.run(spark(),
        Runs.settings("jobs/europarl-sample.conf", dir,
            "hallufloor.input.paths=[\"" + absolute + "\"]", "hallufloor.tokenizer=bytes",
            "hallufloor.scaling-fractions=[0.0625, 0.25, 1.0]", "hallufloor.heldout-fraction=0.1",
            // Counting documents and tokens is the point here; one short context length keeps it quick.
            "hallufloor.context-lengths=[1]")));
    HallufloorRun.Result result = seen.result();
    // Every job the run started is in the Spark UI under the THEORY step it belongs to.
    assertEquals(java.util.Set.of("hallufloor-read", "hallufloor-evidence", "hallufloor-tables"), seen.groups(),
        seen.jobs() + " jobs");

    Map<String, long[]> expected = new TreeMap<>();
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    for (Europarl.Doc d : Europarl.docs()) {
      long bytes = d.body().getBytes(StandardCharsets.UTF_8).length;
      // The default document id is "<file URI>:<line>".
      byte[] digest = sha.digest(("file:" + absolute + ":" + d.line()).getBytes(StandardCharsets.UTF_8));
      boolean heldout = uniform(digest, 8) < 0.1;
      add(expected, "all=all", bytes, heldout);
      add(expected, "year=" + d.date().substring(0, 4), bytes, heldout);
      for (double f : new double[] {0.0625, 0.25, 1.0}) {
        if (uniform(digest, 0) < f) {
          add(expected, "scaling=" + f, bytes, heldout);
        }
      }
    }
    Map<String, long[]> actual = new TreeMap<>();
    long languageDocs = 0;
    for (Row r : result.sliceStats()) {
      if (r.getString(0).equals("language")) {
        languageDocs += r.getLong(2);
      } else {
        actual.put(r.getString(0) + "=" + r.getString(1), new long[] {r.getLong(2), r.getLong(3), r.getLong(4), r.getLong(5)});
      }
    }
    assertEquals(expected.keySet(), actual.keySet());
    for (String k : expected.keySet()) {
      Assertions.assertArrayEquals(expected.get(k), actual.get(k), k);
    }
    assertEquals(Europarl.docs().size(), languageDocs, "every document gets one language");
    assertEquals(17597, result.documents());

    Row runs = spark().read().parquet(result.output().location("runs").toString()).first();
    assertEquals(17597L, runs.getLong(runs.fieldIndex("documents")));
    assertEquals(0L, runs.getLong(runs.fieldIndex("bad_records")));
    assertEquals(1L, runs.getLong(runs.fieldIndex("input_files")));
    assertEquals("SUCCEEDED", runs.getString(runs.fieldIndex("status")));
    List<Row> stats = spark().read().parquet(result.output().location("slice_stats").toString()).collectAsList();
    assertEquals(result.sliceStats().size(), stats.size());
  }

  private static void add(Map<String, long[]> m, String key, long bytes, boolean heldout) {
    long[] v = m.computeIfAbsent(key, k -> new long[4]);
    v[0]++;
    v[1] += bytes;
    v[2] += heldout ? 1 : 0;
    v[3] += heldout ? bytes : 0;
  }
}
