package org.hallufloor.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.hallufloor.config.SettingsException;
import org.hallufloor.config.SettingsLoader;
import org.hallufloor.job.HallufloorJob;
import org.hallufloor.job.HallufloorRun;
import org.hallufloor.testing.Europarl;
import org.hallufloor.testing.Runs;
import org.hallufloor.testing.SameNumbers;
import org.hallufloor.testing.Shards;
import org.hallufloor.testing.SparkTestBase;
import org.hallufloor.testing.TokenFileWriters;
import org.hallufloor.tokenize.TokenizerSpec;
import org.hallufloor.tokenize.Tokenizers;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pre-tokenized input: real Europarl documents tokenized by the job's own tokenizer and written
 * as Parquet token ids (with the id the text run gives each document and its date) must give
 * the text run's numbers; ids the vocabulary does not have are bad records.
 */
class PreTokenizedTest extends SparkTestBase {
  private static final int DOCUMENTS = 3000;
  /** cl100k's <|endoftext|>: encodeOrdinary never produces it from text. */
  private static final int EOS = 100257;
  private static final StructType IDS = new StructType()
      .add("doc_id", DataTypes.StringType)
      .add("date", DataTypes.StringType)
      .add("input_ids", DataTypes.createArrayType(DataTypes.IntegerType));

  @TempDir
  Path dir;

  private static final String[] COMMON = {"hallufloor.slices=[{ name = year, field = date, transform = year }]",
      "hallufloor.context-lengths=[1, 2, 4]", "hallufloor.scaling-fractions=[0.25, 1.0]",
      "hallufloor.heldout-fraction=0.1", "hallufloor.report=false"};

  @Test
  void parquetIdsGiveTheTextRunsNumbers() {
    List<Europarl.Doc> docs = Europarl.first(DOCUMENTS);
    List<String> lines = new ArrayList<>();
    for (Europarl.Doc d : docs) {
      lines.add(d.title() + "\t" + d.date() + "\t" + d.body());
    }
    Path text = Shards.writeLines(dir.resolve("europarl-part.txt"), lines);
    List<Row> rows = new ArrayList<>();
    var cl100k = Tokenizers.get(TokenizerSpec.of("cl100k_base"));
    for (int i = 0; i < docs.size(); i++) {
      int[] ids = cl100k.encode(docs.get(i).body());
      Integer[] boxed = new Integer[ids.length];
      for (int j = 0; j < ids.length; j++) {
        boxed[j] = ids[j];
      }
      // The id the text run gives line i + 1 of its file, so both runs split and scale alike.
      rows.add(RowFactory.create("file:" + text.toAbsolutePath() + ":" + (i + 1), docs.get(i).date(), boxed));
    }
    Path parquet = dir.resolve("ids");
    spark().createDataFrame(rows, IDS).repartition(3).write().parquet(parquet.toString());

    HallufloorRun.Result fromText = Runs.run(spark(), Runs.settings("jobs/europarl-sample.conf", dir.resolve("text-out"),
        concat(COMMON, "hallufloor.input.paths=[\"" + text.toAbsolutePath() + "\"]")));
    HallufloorRun.Result fromIds = Runs.run(spark(), Runs.settings(null, dir.resolve("ids-out"),
        concat(COMMON, "hallufloor.input.paths=[\"" + parquet.toAbsolutePath() + "\"]",
            "hallufloor.input.format=parquet-ids", "hallufloor.input.id-field=doc_id")));

    assertEquals(DOCUMENTS, fromText.documents());
    assertEquals(DOCUMENTS, fromIds.documents());
    assertEquals(fromText.sliceStats(), fromIds.sliceStats(), "documents and tokens per slice");
    SameNumbers.assertSameSliceBounds(bounds(fromText), bounds(fromIds));
  }

  /**
   * The same documents in a Megatron indexed dataset (int32, cl100k does not fit uint16) and
   * in OLMo-style flat token files (uint32, end-of-document id after each), raw and with a
   * .npy header, each written by the small writers below after the formats' published
   * layouts; read in many small splits so documents cross split boundaries. Without slices,
   * held-out split or scaling (the ids differ between formats), every number must match.
   */
  @Test
  void megatronAndNumpyTokenFilesGiveTheTextRunsNumbers() throws Exception {
    List<Europarl.Doc> docs = Europarl.first(DOCUMENTS);
    List<String> lines = new ArrayList<>();
    List<int[]> ids = new ArrayList<>();
    var cl100k = Tokenizers.get(TokenizerSpec.of("cl100k_base"));
    for (Europarl.Doc d : docs) {
      lines.add(d.title() + "\t" + d.date() + "\t" + d.body());
      ids.add(cl100k.encode(d.body()));
    }
    Path text = Shards.writeLines(dir.resolve("europarl-part.txt"), lines);
    Path megatron = TokenFileWriters.megatron(dir.resolve("megatron").resolve("europarl_text_document"), ids);
    Path flat = TokenFileWriters.flat(dir.resolve("flat").resolve("part-0.npy"), ids, EOS, false);
    Path npy = TokenFileWriters.flat(dir.resolve("npy").resolve("part-0.npy"), ids, EOS, true);
    String[] plain = {"hallufloor.slices=[]", "hallufloor.context-lengths=[1, 2, 4]", "hallufloor.scaling-fractions=[]",
        "hallufloor.heldout-fraction=0", "hallufloor.report=false", "hallufloor.input.split-tokens=50000"};

    List<Row> expected = bounds(Runs.run(spark(), Runs.settings("jobs/europarl-sample.conf", dir.resolve("text-out"),
        concat(plain, "hallufloor.input.paths=[\"" + text.toAbsolutePath() + "\"]", "hallufloor.slices=[]"))));
    for (String[] input : List.of(
        new String[] {"megatron", megatron.toAbsolutePath().toString()},
        new String[] {"numpy-tokens", flat.getParent().toAbsolutePath().toString()},
        new String[] {"numpy-tokens", npy.toAbsolutePath().toString()})) {
      HallufloorRun.Result r = Runs.run(spark(), Runs.settings(null, dir.resolve("out-" + input[0] + expected.size()
          + input[1].hashCode()), concat(plain, "hallufloor.input.paths=[\"" + input[1] + "\"]",
          "hallufloor.input.format=" + input[0], "hallufloor.input.eos-id=" + EOS)));
      assertEquals(DOCUMENTS, r.documents(), input[1]);
      SameNumbers.assertSameSliceBounds(expected, bounds(r));
    }
  }

  @Test
  void aCorruptMegatronIndexNamesTheFileAndTheField() throws Exception {
    List<int[]> ids = List.of(new int[] {9906, 1917}, new int[] {15339, 374, 264});
    Path good = TokenFileWriters.megatron(dir.resolve("ok").resolve("d"), ids);
    byte[] idx = java.nio.file.Files.readAllBytes(Path.of(good + ".idx"));
    byte[] bin = java.nio.file.Files.readAllBytes(Path.of(good + ".bin"));

    byte[] wrongMagic = idx.clone();
    wrongMagic[0] = 'X';
    assertFails(write("magic", wrongMagic, bin), "magic: not MMIDIDX");
    assertFails(write("truncated", java.util.Arrays.copyOf(idx, idx.length - 5), bin), "(truncated?)");
    // The second sequence's pointer moved past the end of the .bin.
    byte[] pastTheEnd = idx.clone();
    java.nio.ByteBuffer.wrap(pastTheEnd).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(34 + 4 * 2 + 8, 1000);
    assertFails(write("pointer", pastTheEnd, bin), "pointers[1]: sequence of 3 tokens at byte 1000 runs past the end");
  }

  private Path write(String name, byte[] idx, byte[] bin) {
    Path prefix = dir.resolve(name).resolve("d");
    Shards.write(Path.of(prefix + ".idx"), idx);
    Shards.write(Path.of(prefix + ".bin"), bin);
    return prefix;
  }

  private void assertFails(Path prefix, String message) {
    Runs.Exit exit = Runs.execute(spark(), Runs.settings(null, dir.resolve("out-" + prefix.getParent().getFileName()),
        concat(COMMON, "hallufloor.slices=[]", "hallufloor.input.paths=[\"" + prefix + "\"]",
            "hallufloor.input.format=megatron")));
    assertEquals(HallufloorJob.BAD_INPUT, exit.code(), exit.err());
    Assertions.assertTrue(exit.err().contains(prefix + ".idx: ") && exit.err().contains(message), exit.err());
  }

  @Test
  void idsOutsideTheVocabularyAreBadRecords() {
    long nVocab = Tokenizers.get(TokenizerSpec.of("cl100k_base")).vocabularySize();
    List<Row> rows = List.of(
        RowFactory.create("good", "2001-01-01", new Integer[] {9906, 1917}),
        RowFactory.create("too-large", "2001-01-01", new Integer[] {9906, (int) nVocab}),
        RowFactory.create("negative", "2001-01-01", new Integer[] {-1}),
        RowFactory.create("missing", "2001-01-01", null),
        RowFactory.create("empty", "2001-01-01", new Integer[0]));
    Path parquet = dir.resolve("bad-ids");
    spark().createDataFrame(rows, IDS).coalesce(1).write().parquet(parquet.toString());
    String[] settings = concat(COMMON, "hallufloor.input.paths=[\"" + parquet.toAbsolutePath() + "\"]",
        "hallufloor.input.format=parquet-ids", "hallufloor.input.id-field=doc_id");

    Runs.Exit failed = Runs.execute(spark(), Runs.settings(null, dir.resolve("fail"), settings));
    assertEquals(HallufloorJob.BAD_INPUT, failed.code(), failed.err());
    Assertions.assertTrue(failed.err().contains("4 bad record(s)"), failed.err());
    Assertions.assertTrue(failed.err().contains("token id " + nVocab + " outside the vocabulary of cl100k_base (N_V = "
        + nVocab + ")"), failed.err());
    Assertions.assertTrue(failed.err().contains("bad-ids"), "names the file: " + failed.err());

    HallufloorRun.Result quarantined = Runs.run(spark(), Runs.settings(null, dir.resolve("quarantine"),
        concat(settings, "hallufloor.bad-records=quarantine")));
    assertEquals(1, quarantined.documents());
    List<String> reasons = spark().read().parquet(quarantined.output().location("bad_records").toString())
        .orderBy("record").select("reason").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    assertEquals(List.of("token id " + nVocab + " outside the vocabulary of cl100k_base (N_V = " + nVocab + ")",
        "token id -1 outside the vocabulary of cl100k_base (N_V = " + nVocab + ")", "missing ids field 'input_ids'",
        "empty document"), reasons);
  }

  @Test
  void aSliceReadOffTheTextIsRefusedForTokenIds() {
    SettingsException e = Assertions.assertThrows(SettingsException.class, () -> SettingsLoader.load(null, null,
        List.of("hallufloor.input.paths=[\"x\"]", "hallufloor.input.format=parquet-ids",
            "hallufloor.slices=[{ name = language, transform = language }]")));
    Assertions.assertTrue(e.getMessage().contains("hallufloor.slices[0] (language): reads the text"), e.getMessage());
  }

  private List<Row> bounds(HallufloorRun.Result r) {
    return spark().read().parquet(r.output().location("slice_bounds").toString())
        .orderBy("slice_dim", "slice_value", "context_len", "distribution", "beta_s", "temperature").collectAsList();
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
