package org.hallufloor.estimate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.hallufloor.testing.ChildJob;
import org.hallufloor.testing.Europarl;
import org.hallufloor.testing.Shards;
import org.hallufloor.testing.SparkTestBase;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real size in small: 1,000 real Europarl documents, each its own slice value (what slicing
 * by host or file gives), plus one document of a single repeated byte (a hot context: the
 * only generated text here, for the property real text lacks), run by the job in a child JVM
 * whose whole heap is 1 GB. Every slice_bounds row of every slice, and of the whole corpus,
 * must equal {@link SecondMethod}'s plain loop, with two beta_S and two temperatures.
 */
class ManySlicesSmallHeapTest extends SparkTestBase {
  private static final int DOCS = 1000;
  private static final int HOT_BYTES = 300_000;
  private static final double HELDOUT = 0.1;

  @TempDir Path dir;

  @Test
  void oneSliceValuePerDocumentOnAOneGigabyteHeap() throws Exception {
    List<Europarl.Doc> docs = new ArrayList<>(Europarl.first(DOCS));
    docs.add(new Europarl.Doc(DOCS + 1, "hot", "2001-01-01", "a".repeat(HOT_BYTES)));
    List<String> lines = new ArrayList<>();
    for (Europarl.Doc d : docs) {
      lines.add(id(d) + "\t" + d.title() + "\t" + d.date() + "\t" + d.body());
    }
    Path shard = Shards.writeLines(dir.resolve("europarl-1000.txt.gz"), lines);
    Path out = dir.resolve("out");
    Process p = ChildJob.start("1g", dir.resolve("log"), List.of("jobs/europarl-sample.conf", "--quiet",
        "hallufloor.input.paths=[\"" + shard + "\"]", "hallufloor.input.text-columns=[id, title, date, body]",
        "hallufloor.input.id-field=id", "hallufloor.slices=[{name=doc, field=id, transform=none}]",
        "hallufloor.scaling-fractions=[]", "hallufloor.tokenizer=bytes", "hallufloor.context-lengths=[1,2]",
        "hallufloor.heldout-fraction=" + HELDOUT, "hallufloor.beta-s=[0.5, 2.0]", "hallufloor.temperatures=[1.0, 2.0]",
        "hallufloor.run-id=test", "hallufloor.output.root=\"" + out + "\"", "spark.master=\"local[2]\""));
    Assertions.assertTrue(p.waitFor(10, TimeUnit.MINUTES), "the run finished");
    assertEquals(0, p.exitValue(), Files.readString(dir.resolve("log"), StandardCharsets.UTF_8));

    Map<String, Map<Integer, SecondMethod.Counts>> expected = new HashMap<>(SecondMethod.count(docs,
        ManySlicesSmallHeapTest::id, d -> List.of("all=all"), List.of(1, 2), HELDOUT));
    for (Europarl.Doc d : docs) {
      // One document at a time: the loop never holds every slice's counts at once.
      expected.putAll(SecondMethod.count(List.of(d), ManySlicesSmallHeapTest::id, x -> List.of("doc=" + id(x)),
          List.of(1, 2), HELDOUT));
    }
    List<Row> rows = spark().read().parquet(out.resolve("slice_bounds").toString()).collectAsList();
    long checked = PlainLoopCheck.rows(rows, r -> {
      Map<Integer, SecondMethod.Counts> slice = expected.get(r.getAs("slice_dim") + "=" + r.getAs("slice_value"));
      Assertions.assertNotNull(slice, "a slice the loop has: " + r);
      return slice.get((int) r.getAs("context_len"));
    });
    assertEquals(PlainLoopCheck.rowsExpected(expected, 4), checked, "one row per (slice, c, pair, distribution)");
    Assertions.assertTrue(expected.size() > DOCS * (1 - HELDOUT) * 0.9, "most documents are slices with training rows");

    // By hand: the hot document (not held out: its id's hash is above 0.1, checked here) has one
    // context of each length, seen n - c times.
    Assertions.assertTrue(expected.get("doc=doc-" + (DOCS + 1)).get(2).heldoutContexts.isEmpty());
    Row hot = spark().read().parquet(out.resolve("slice_bounds").toString())
        .filter("slice_value = 'doc-" + (DOCS + 1) + "' AND context_len = 2 AND distribution = 'distinct'").first();
    assertEquals(HOT_BYTES - 2L, (long) hot.getAs("examples"));
    assertEquals(1L, (long) hot.getAs("distinct_contexts"));
    // The hot context alone in its slice, at beta_S / T = 2: its count rounded up (299,998 to
    // 300,032) lowers its empirical bound by 10^-29 from rounding alone, below the k-bound, which
    // the run counted as an invariant violation until the check allowed for rounding.
    Row run = spark().read().parquet(out.resolve("runs").toString()).first();
    assertEquals(0L, (long) run.getAs("invariant_violations"), "no invariant violated");
  }

  private static String id(Europarl.Doc d) {
    return "doc-" + d.line();
  }
}
