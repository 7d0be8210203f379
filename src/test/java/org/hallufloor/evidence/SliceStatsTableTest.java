package org.hallufloor.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
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
 * year and by title (about 300 slice values): slice_stats against a plain count of the
 * documents, then written through RunOutput in tasks of at most 7 rows each (what a million
 * slice values get at 50,000), committed and read back whole.
 */
class SliceStatsTableTest extends SparkTestBase {
  private static final int DOCS = 300;
  private static final int ROWS_PER_TASK = 7;

  @TempDir Path dir;

  @Test
  void sliceStatsMatchAPlainCountAndAreWrittenInBoundedTasks() {
    List<Europarl.Doc> docs = Europarl.first(DOCS);
    List<String> lines = new ArrayList<>();
    for (Europarl.Doc d : docs) {
      lines.add("doc-" + d.line() + "\t" + d.title() + "\t" + d.date() + "\t" + d.body());
    }
    Path shard = Shards.writeLines(dir.resolve("europarl-300.txt"), lines);
    List<Row> stats = Stages.slices(spark(), Runs.settings("jobs/europarl-sample.conf", dir.resolve("unused"),
        "hallufloor.input.paths=[\"" + shard + "\"]", "hallufloor.input.text-columns=[id, title, date, body]",
        "hallufloor.input.id-field=id", "hallufloor.tokenizer=bytes", "hallufloor.scaling-fractions=[]",
        "hallufloor.heldout-fraction=0.0",
        "hallufloor.slices=[{name=year, field=date, transform=year}, {name=title, field=title, transform=none}]"))
        .sliceStats();

    // Second method: documents and UTF-8 bytes (the bytes tokenizer's tokens) per slice, by a loop.
    Map<String, long[]> expected = new TreeMap<>();
    for (Europarl.Doc d : docs) {
      long bytes = d.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      for (String key : List.of("all=all", "year=" + d.date().substring(0, 4), "title=" + d.title())) {
        long[] t = expected.computeIfAbsent(key, k -> new long[2]);
        t[0]++;
        t[1] += bytes;
      }
    }
    Map<String, long[]> actual = new TreeMap<>();
    stats.forEach(r -> actual.put(r.getString(0) + "=" + r.getString(1), new long[] {r.getLong(2), r.getLong(3)}));
    assertEquals(expected.keySet(), actual.keySet());
    expected.forEach((k, v) -> Assertions.assertArrayEquals(v, actual.get(k), k));
    Assertions.assertTrue(stats.size() > 10 * ROWS_PER_TASK, "enough slices for many tasks: " + stats.size());

    Dataset<Row> table = SliceTotals.table(spark(), stats, ROWS_PER_TASK);
    List<Integer> perTask = table.mapPartitions((MapPartitionsFunction<Row, Integer>) rows -> {
      int n = 0;
      while (rows.hasNext()) {
        rows.next();
        n++;
      }
      return List.of(n).iterator();
    }, Encoders.INT()).collectAsList();
    assertEquals((stats.size() + ROWS_PER_TASK - 1) / ROWS_PER_TASK, perTask.size(), "tasks");
    Assertions.assertTrue(perTask.stream().allMatch(n -> n <= ROWS_PER_TASK), perTask.toString());

    RunOutput output = new RunOutput(spark(), dir.resolve("out").toString(), "r1");
    output.stage("slice_stats", table);
    output.stage(RunOutput.RUNS, org.hallufloor.output.RunsTable.of(spark(), new org.hallufloor.output.RunsTable.RunRecord(
        "SUCCEEDED", java.time.Instant.now(), java.time.Instant.now(), "{}", 1L, 1L, (long) DOCS, 0L, "bytes", null, 0L),
        "test"));
    output.commit();
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
