package org.hallufloor.evidence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.hallufloor.testing.Europarl;
import org.hallufloor.testing.SparkTestBase;
import org.hallufloor.tokenize.TokenizerSpec;
import org.hallufloor.tokenize.Tokenizers;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * Packed contexts sort as their ids do, last token first: the suffix scan's tree is only
 * contiguous if they do. Checked on real cl100k contexts (17 bits an id) against a plain
 * comparison of the id arrays, and on the byte tokenizer's (8 bits).
 */
class PackedIdsTest extends SparkTestBase {
  @Test
  void packedBytesSortAsTheIdsLastFirstAndUnpackToThem() {
    for (String tokenizer : new String[] {"cl100k_base", "bytes"}) {
      var t = Tokenizers.get(TokenizerSpec.of(tokenizer));
      SuffixEvidence.PackedIds packed = new SuffixEvidence.PackedIds(t.vocabularySize());
      List<int[]> contexts = new ArrayList<>();
      List<byte[]> keys = new ArrayList<>();
      List<Row> rows = new ArrayList<>();
      for (Europarl.Doc d : Europarl.first(20)) {
        int[] ids = t.encode(d.body());
        for (int c : new int[] {3, 8, 12}) {
          for (int i = c; i < ids.length; i += 7) {
            int[] reversed = new int[c];
            for (int j = 0; j < c; j++) {
              reversed[j] = ids[i - 1 - j];
            }
            contexts.add(reversed);
            keys.add(packed.pack(ids, i, c));
            int[] back = new int[c];
            packed.unpack(keys.get(keys.size() - 1), c, back);
            assertArrayEquals(reversed, back, tokenizer + " round trip");
            // Through the shuffle's sort columns and back.
            Row row = SuffixEvidence.PackedIds.row(keys.get(keys.size() - 1), c, 0, 0, 1, 0);
            packed.unpack(row.getLong(0), row.getLong(1), (byte[]) row.get(2), c, back);
            assertArrayEquals(reversed, back, tokenizer + " round trip through the sort columns");
            rows.add(row);
          }
        }
      }
      int compared = 0;
      for (int a = 0; a < contexts.size(); a += 13) {
        for (int b = 0; b < contexts.size(); b += 11) {
          if (contexts.get(a).length != contexts.get(b).length) {
            continue;
          }
          int expected = Integer.signum(Arrays.compare(contexts.get(a), contexts.get(b)));
          assertEquals(expected, Integer.signum(Arrays.compareUnsigned(keys.get(a), keys.get(b))), tokenizer + " order");
          assertEquals(expected, sortColumns(rows.get(a), rows.get(b)), tokenizer + " order of the sort columns");
          compared++;
        }
      }
      assertEquals(true, compared > 10_000, "pairs compared: " + compared);
    }
  }

  /**
   * The stage's own shuffle and sort, on real cl100k contexts of lengths 1 and 2 with two groups
   * each, against a plain sort of the id arrays: every context's rows arrive together and each
   * length's contexts in id order. Id 0 (cl100k's "!") follows many tokens: the context [a] and
   * [a, 0] pack to the same columns, and without c in the sort their rows interleaved.
   */
  @Test
  void theShuffleBringsEachContextTogetherInIdOrder() {
    var t = Tokenizers.get(TokenizerSpec.of("cl100k_base"));
    SuffixEvidence.PackedIds packed = new SuffixEvidence.PackedIds(t.vocabularySize());
    List<Row> rows = new ArrayList<>();
    int zeros = 0;
    for (Europarl.Doc d : Europarl.first(60)) {
      int[] ids = t.encode(d.body());
      for (int c = 1; c <= 2; c++) {
        for (int i = c; i < ids.length; i++) {
          zeros += c == 2 && ids[i - 2] == 0 ? 1 : 0;
          for (int group = 0; group < 2; group++) {
            rows.add(SuffixEvidence.PackedIds.row(packed.pack(ids, i, c), c, ids[i], group, 1, 0));
          }
        }
      }
    }
    Assertions.assertTrue(zeros >= 5, "contexts [a, 0]: " + zeros);
    java.util.Collections.shuffle(rows, new java.util.Random(1));
    List<List<Row>> tasks = SuffixEvidence.sorted(spark().createDataFrame(rows, SuffixEvidence.CONTEXTS), packed)
        .javaRDD().glom().collect();
    int contexts = 0;
    // A last token's contexts of one length in one task: the scan's tree of that token is whole there.
    java.util.Map<String, Integer> taskOfToken = new java.util.HashMap<>();
    for (int at = 0; at < tasks.size(); at++) {
      List<Row> task = tasks.get(at);
      int here = at;
      java.util.Map<Integer, int[]> previous = new java.util.HashMap<>();
      java.util.Set<String> done = new java.util.HashSet<>();
      String current = null;
      for (Row r : task) {
        int c = r.getInt(3);
        int[] ctx = new int[c];
        packed.unpack(r.getLong(0), r.getLong(1), (byte[]) r.get(2), c, ctx);
        String key = c + Arrays.toString(ctx);
        Assertions.assertEquals(at, (int) taskOfToken.computeIfAbsent(c + ":" + ctx[0], k -> here),
            "contexts of length " + c + " ending in " + ctx[0] + " in two tasks");
        if (!key.equals(current)) {
          Assertions.assertTrue(done.add(key), key + " arrives twice, apart");
          int[] before = previous.put(c, ctx);
          Assertions.assertTrue(before == null || Arrays.compare(before, ctx) < 0,
              Arrays.toString(before) + " before " + key);
          current = key;
          contexts++;
        }
      }
    }
    Assertions.assertTrue(contexts > 10_000, "contexts: " + contexts);
  }

  /** As Spark orders (k1, k2, rest): longs signed, bytes unsigned. */
  private static int sortColumns(Row a, Row b) {
    int k = Long.compare(a.getLong(0), b.getLong(0));
    k = k != 0 ? k : Long.compare(a.getLong(1), b.getLong(1));
    k = k != 0 ? k : Arrays.compareUnsigned((byte[]) a.get(2), (byte[]) b.get(2));
    return Integer.signum(k);
  }

  @Test
  void anIdOutsideTheVocabularyIsRefused() {
    SuffixEvidence.PackedIds packed = new SuffixEvidence.PackedIds(256);
    assertThrows(IllegalStateException.class, () -> packed.pack(new int[] {1, 256}, 2, 2));
  }
}
