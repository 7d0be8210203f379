package org.hallufloor.corpus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.hallufloor.testing.Europarl;
import org.hallufloor.testing.Runs;
import org.hallufloor.testing.Shards;
import org.hallufloor.testing.SparkTestBase;
import org.hallufloor.evidence.SliceTotals;
import org.hallufloor.testing.Stages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each real corpus shape, written from real Europarl text with that corpus's field names and
 * compression, read through that corpus's job file. The second method: with the bytes
 * tokenizer a document's tokens are its UTF-8 length, so documents and tokens per slice are
 * summed here by a plain loop over what was written, with slice values spelled out by hand.
 * Only the stages that read and slice run (see testing/Stages): nothing after them slices.
 */
class CorpusShapesTest extends SparkTestBase {
  private static final int N = 48;
  private static final String[] DUMPS = {"CC-MAIN-2013-20", "CC-MAIN-2019-35", "CC-MAIN-2024-10"};
  private static final String[] SOURCES = {"common-crawl", "c4", "pes2o", "reddit"};
  private static final String[] PILE_SETS = {"Pile-CC", "EuroParl", "FreeLaw"};
  // Hosts as C4 urls spell them, and the slice value a user expects for each.
  private static final String[] URL_HOSTS = {"www.europarl.europa.eu", "europarl.europa.eu", "News.Example.org"};
  private static final String[] EXPECTED_HOSTS = {"europarl.europa.eu", "europarl.europa.eu", "news.example.org"};

  @TempDir Path dir;

  private static List<Europarl.Doc> docs() {
    List<Europarl.Doc> out = new ArrayList<>();
    List<Europarl.Doc> all = Europarl.docs();
    for (int i = 0; i < N; i++) {
      out.add(all.get(i * (all.size() / N)));
    }
    return out;
  }

  private static long bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  /** Expected "dim=value" to {documents, tokens}: "all" plus one dimension per function. */
  @SafeVarargs
  private static Map<String, long[]> expected(List<Europarl.Doc> docs, Map.Entry<String, Function<Integer, String>>... dims) {
    Map<String, long[]> out = new TreeMap<>();
    for (int i = 0; i < docs.size(); i++) {
      long t = bytes(docs.get(i).body());
      add(out, "all=all", t);
      for (Map.Entry<String, Function<Integer, String>> d : dims) {
        add(out, d.getKey() + "=" + d.getValue().apply(i), t);
      }
    }
    return out;
  }

  private static void add(Map<String, long[]> m, String key, long tokens) {
    long[] v = m.computeIfAbsent(key, k -> new long[2]);
    v[0]++;
    v[1] += tokens;
  }

  private void assertSlices(Map<String, long[]> expected, SliceTotals.Totals result) {
    Map<String, long[]> actual = new TreeMap<>(Runs.bySlice(result.sliceStats()));
    assertEquals(expected.keySet(), actual.keySet());
    for (String k : expected.keySet()) {
      assertArrayEquals(expected.get(k), actual.get(k), k);
    }
    assertEquals(N, result.documents());
    assertEquals(0, result.badRecords());
  }

  /** The job file's read, tokenize and slice-totals stages on {@code input} (the rest of the job does not slice). */
  private SliceTotals.Totals runJob(String job, Path input) {
    return Stages.slices(spark(), Runs.settings(job, dir.resolve("out"),
        "hallufloor.input.paths=[\"" + input + "\"]", "hallufloor.tokenizer=bytes"));
  }

  @Test
  void fineWebParquetByDump() {
    List<Europarl.Doc> docs = docs();
    StructType schema = new StructType()
        .add("text", DataTypes.StringType).add("id", DataTypes.StringType).add("dump", DataTypes.StringType)
        .add("url", DataTypes.StringType).add("date", DataTypes.StringType).add("file_path", DataTypes.StringType)
        .add("language", DataTypes.StringType).add("language_score", DataTypes.DoubleType)
        .add("token_count", DataTypes.LongType);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      Europarl.Doc d = docs.get(i);
      rows.add(RowFactory.create(d.body(), "<urn:uuid:" + d.line() + ">", DUMPS[i % 3],
          "https://www.europarl.europa.eu/doc/" + d.line(), d.date() + "T05:48:54Z",
          "s3://commoncrawl/crawl-data/" + DUMPS[i % 3] + "/segments/" + d.line() + ".warc.gz", "en", 0.93, 1000L));
    }
    Path shard = dir.resolve("fineweb/data/CC-MAIN/000_00000.parquet");
    spark().createDataFrame(rows, schema).coalesce(2).write().parquet(shard.toString());
    assertSlices(expected(docs, Map.entry("dump", i -> DUMPS[i % 3]), Map.entry("year", i -> docs.get(i).date().substring(0, 4))),
        runJob("jobs/fineweb.conf", dir.resolve("fineweb/data/*/*.parquet")));
  }

  @Test
  void c4JsonGzByHost() {
    List<Europarl.Doc> docs = docs();
    List<Map<String, ?>> records = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      Europarl.Doc d = docs.get(i);
      records.add(ordered("text", d.body(), "timestamp", d.date() + "T12:57:54Z",
          "url", "https://" + URL_HOSTS[i % 3] + "/plenary/" + d.line() + "?lang=x"));
    }
    Path shard = Shards.writeJsonl(dir.resolve("c4/en/c4-train.00000-of-01024.json.gz"), records);
    assertSlices(expected(docs, Map.entry("host", i -> EXPECTED_HOSTS[i % 3]), Map.entry("year", i -> docs.get(i).date().substring(0, 4))),
        runJob("jobs/c4.conf", shard));
  }

  @Test
  void dolmaJsonGzBySourceWithNestedMetadata() {
    List<Europarl.Doc> docs = docs();
    List<Map<String, ?>> records = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      Europarl.Doc d = docs.get(i);
      records.add(ordered("id", "dolma-" + d.line(), "text", d.body(), "source", SOURCES[i % 4],
          "added", "2023-08-18T19:36:22.063Z", "created", d.date() + "T00:00:00.000Z",
          "metadata", ordered("title", d.title(), "length", bytes(d.body()), "paragraphs", List.of(1, 2))));
    }
    Path shard = Shards.writeJsonl(dir.resolve("dolma/v1_7-0000.json.gz"), records);
    assertSlices(expected(docs, Map.entry("source", i -> SOURCES[i % 4])), runJob("jobs/dolma.conf", dir.resolve("dolma")));
    assertEquals(shard.getParent(), dir.resolve("dolma"));
  }

  @Test
  void pileJsonlZstByNestedSetName() {
    List<Europarl.Doc> docs = docs();
    List<Map<String, ?>> records = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      records.add(ordered("text", docs.get(i).body(), "meta", ordered("pile_set_name", PILE_SETS[i % 3])));
    }
    Path shard = Shards.writeJsonl(dir.resolve("pile/train/00.jsonl.zst"), records);
    assertSlices(expected(docs, Map.entry("pile_set", i -> PILE_SETS[i % 3])), runJob("jobs/the-pile.conf", shard));
  }

  @Test
  void redPajamaV2RawContent() {
    List<Europarl.Doc> docs = docs();
    String[] buckets = {"head", "middle", "tail"};
    List<Map<String, ?>> records = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      Europarl.Doc d = docs.get(i);
      records.add(ordered("url", "https://europarl.europa.eu/" + d.line(), "date_download", d.date() + "T00:00:00Z",
          "digest", "sha1:" + d.line(), "length", bytes(d.body()), "nlines", 1, "source_domain", "europarl.europa.eu",
          "title", d.title(), "raw_content", d.body(), "language", i % 2 == 0 ? "de" : "fr",
          "language_score", 0.9, "perplexity", 300.5, "bucket", buckets[i % 3]));
    }
    Path shard = Shards.writeJsonl(dir.resolve("rpv2/documents/2023-06/0000/de_head.json.gz"), records);
    assertSlices(expected(docs, Map.entry("language", i -> i % 2 == 0 ? "de" : "fr"), Map.entry("bucket", i -> buckets[i % 3])),
        runJob("jobs/redpajama-v2.conf", shard));
  }

  /** Same records, every compression a corpus ships with: all read, none turned into bad records. */
  @Test
  void everyCompressionIsRead() {
    List<Europarl.Doc> docs = docs();
    List<Map<String, ?>> records = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      records.add(ordered("text", docs.get(i).body(), "meta", ordered("pile_set_name", PILE_SETS[i % 3])));
    }
    for (String ext : List.of(".jsonl", ".jsonl.gz", ".jsonl.bz2", ".json.zst", ".jsonl.zstd", ".json")) {
      Path shard = Shards.writeJsonl(dir.resolve("c" + ext.replace('.', '_') + "/shard" + ext), records);
      assertSlices(expected(docs, Map.entry("pile_set", i -> PILE_SETS[i % 3])), runJob("jobs/the-pile.conf", shard));
    }
  }

  static Map<String, Object> ordered(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }
}
