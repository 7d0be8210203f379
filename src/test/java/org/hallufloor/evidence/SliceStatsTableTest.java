package org.hallufloor.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.hallufloor.output.RunOutput;
import org.hallufloor.testing.Europarl;
import org.hallufloor.testing.Runs;
import org.hallufloor.testing.Shards;
import org.hallufloor.testing.SparkTestBase;
import org.hallufloor.testing.Stages;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The slice-totals stage and the table writer alone, on 300 real Europarl documents sliced by
 * year and by title (about 300 slice values, a group per title): slice_stats against a plain
 * count of the documents, the groups' directory against each document's own slices, and the
 * table computed on the executors, written through RunOutput, committed and read back whole.
 */
class SliceStatsTableTest extends SparkTestBase {
  private static final int DOCS = 300;

  @TempDir Path dir;

  @Test
  void sliceStatsAndGroupsMatchAPlainCountAndAreWrittenFromTheExecutors() {
    List<Europarl.Doc> docs = Europarl.first(DOCS);
    List<String> lines = new ArrayList<>();
    for (Europarl.Doc d : docs) {
      lines.add("doc-" + d.line() + "\t" + d.title() + "\t" + d.date() + "\t" + d.body());
    }
    Path shard = Shards.writeLines(dir.resolve("europarl-300.txt"), lines);
    org.hallufloor.config.Settings settings = Runs.settings("jobs/europarl-sample.conf", dir.resolve("unused"),
        "hallufloor.input.paths=[\"" + shard + "\"]", "hallufloor.input.text-columns=[id, title, date, body]",
        "hallufloor.input.id-field=id", "hallufloor.tokenizer=bytes", "hallufloor.scaling-fractions=[]",
        "hallufloor.heldout-fraction=0.2",
        "hallufloor.slices=[{name=year, field=date, transform=year}, {name=title, field=title, transform=none}]");
    Dataset<Row> documents = Stages.documents(spark(), settings).cache();
    SliceTotals.Totals totals = Stages.totals(documents);
    List<Row> stats = totals.sliceStats();

    // Second method for the groups' directory: every document, found by its own slices, gets
    // back those slices' numbers and its held-out flag (the directory is read as a task reads it).
    Map<Integer, CountEvidence.Slice> byNumber = org.hallufloor.testing.Stages.byNumber(totals.slices());
    org.hallufloor.context.Groups groups = totals.groups();
    for (Row d : documents.filter("bad IS NULL").select("slices", "heldout").collectAsList()) {
      List<Row> own = d.getList(0);
      int g = groups.id(own, d.getBoolean(1));
      assertEquals(d.getBoolean(1), groups.heldout(g));
      java.util.Set<String> named = new java.util.TreeSet<>();
      for (int s : groups.slices(g)) {
        named.add(byNumber.get(s).dim() + "=" + byNumber.get(s).value());
      }
      java.util.Set<String> expectedNames = new java.util.TreeSet<>();
      own.forEach(o -> expectedNames.add(o.getString(0) + "=" + o.getString(1)));
      assertEquals(expectedNames, named);
    }
    Assertions.assertTrue(groups.size() > 100, "a group per title: " + groups.size());

    // The held-out flag as the documents stage drew it (by document id); the counts are the loop's own.
    java.util.Set<String> heldoutIds = new java.util.HashSet<>();
    documents.filter("heldout").select("doc_id").collectAsList().forEach(r -> heldoutIds.add(r.getString(0)));
    Map<String, long[]> expected = new TreeMap<>();
    for (Europarl.Doc d : docs) {
      long bytes = d.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      boolean heldout = heldoutIds.contains("doc-" + d.line());
      for (String key : List.of("all=all", "year=" + d.date().substring(0, 4), "title=" + d.title())) {
        long[] t = expected.computeIfAbsent(key, k -> new long[4]);
        t[0]++;
        t[1] += bytes;
        t[2] += heldout ? 1 : 0;
        t[3] += heldout ? bytes : 0;
      }
    }
    Map<String, long[]> actual = new TreeMap<>();
    stats.forEach(r -> actual.put(r.getString(0) + "=" + r.getString(1),
        new long[] {r.getLong(2), r.getLong(3), r.getLong(4), r.getLong(5)}));
    assertEquals(expected.keySet(), actual.keySet());
    expected.forEach((k, v) -> Assertions.assertArrayEquals(v, actual.get(k), k));
    Assertions.assertTrue(heldoutIds.size() > 20 && heldoutIds.size() < DOCS - 20, "held out: " + heldoutIds.size());

    Dataset<Row> table = totals.slices().stats();
    // Rows made on the driver would be a LocalTableScan shipped in one task's plan.
    String plan = table.queryExecution().executedPlan().toString();
    Assertions.assertFalse(plan.contains("LocalTableScan"), plan);

    RunOutput output = new RunOutput(spark(), dir.resolve("out").toString(), "r1");
    output.stage("slice_stats", table);
    output.stage(RunOutput.RUNS, org.hallufloor.output.RunsTable.of(spark(), new org.hallufloor.output.RunsTable.RunRecord(
        "SUCCEEDED", java.time.Instant.now(), java.time.Instant.now(), "{}", 1L, 1L, (long) DOCS, 0L, "bytes", null, 0L)));
    output.commit();
    totals.release();
    documents.unpersist();
    Comparator<Row> byKey = Comparator.comparing((Row r) -> r.getString(0)).thenComparing(r -> r.getString(1));
    List<Row> back = new ArrayList<>(spark().read().parquet(output.location("slice_stats").toString())
        .select("slice_dim", "slice_value", "documents", "tokens", "heldout_documents", "heldout_tokens")
        .collectAsList());
    List<Row> written = new ArrayList<>(stats);
    back.sort(byKey);
    written.sort(byKey);
    assertEquals(written.size(), back.size());
    for (int i = 0; i < written.size(); i++) {
      for (int c = 0; c < 6; c++) {
        assertEquals(written.get(i).get(c), back.get(i).get(c), written.get(i).toString());
      }
    }
  }
}
