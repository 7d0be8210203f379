package org.hallufloor.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.hallufloor.testing.Europarl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TokenizersTest {
  /** Real documents from every part of the sample, so all 21 languages and scripts appear. */
  private static List<String> texts(int n) {
    List<Europarl.Doc> all = Europarl.docs();
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(all.get(i * (all.size() / n)).body());
    }
    return out;
  }

  @Test
  void bytesAreUtf8ByHand() {
    TextTokenizer t = Tokenizers.get(TokenizerSpec.of("bytes"));
    // "Å€" is C3 85 (U+00C5) and E2 82 AC (U+20AC).
    assertArrayEquals(new int[] {0x41, 0xC3, 0x85, 0xE2, 0x82, 0xAC}, t.encode("AÅ€"));
    assertEquals(256, t.vocabularySize());
  }

  /**
   * N_V from the vocabulary files, against what tiktoken publishes: r50k's explicit_n_vocab
   * 50257 less <|endoftext|> = 50256, the last id; p50k's 50281, whose <|endoftext|> (50256)
   * sits inside the ordinary range, so max ordinary id + 1 = 50281; cl100k's specials start
   * at 100257 (ranks end at 100255); o200k's at 199999 (ranks end at 199997).
   */
  @ParameterizedTest
  @CsvSource({"r50k_base,50256", "p50k_base,50281", "cl100k_base,100256", "o200k_base,199998"})
  void tiktokenVocabularySizes(String name, int expected) {
    assertEquals(expected, Tokenizers.get(TokenizerSpec.of(name)).vocabularySize());
  }

  @ParameterizedTest
  @CsvSource({"r50k_base", "p50k_base", "cl100k_base", "o200k_base"})
  void idsStayInTheOrdinaryVocabularyAndDecodeBack(String name) {
    TextTokenizer t = Tokenizers.get(TokenizerSpec.of(name));
    var encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.fromName(name).orElseThrow());
    for (String text : texts(60)) {
      int[] ids = t.encode(text);
      assertTrue(Arrays.stream(ids).allMatch(id -> id >= 0 && id < t.vocabularySize()), name);
      IntArrayList list = new IntArrayList(ids.length);
      Arrays.stream(ids).forEach(list::add);
      assertEquals(text, encoding.decode(list), "round trip under " + name);
    }
  }

  /** Real web text contains "<|endoftext|>"; it is ordinary text, never the special id or an error. */
  @Test
  void specialTokenTextIsOrdinaryText() {
    TextTokenizer t = Tokenizers.get(TokenizerSpec.of("cl100k_base"));
    String text = Europarl.first(1).get(0).body() + " <|endoftext|> " + Europarl.first(2).get(1).body();
    int[] ids = t.encode(text);
    assertTrue(Arrays.stream(ids).noneMatch(id -> id >= t.vocabularySize()));
    assertTrue(ids.length > 5);
  }

  /**
   * Special tokens written in a document are ordinary text for every family, as for tiktoken's
   * (Hugging Face would match them): Llama-2's {@code <s>} (id 1), Gemma's {@code <bos>} (2),
   * BERT's {@code [CLS]} (101) never appear, and every id is below N_V.
   */
  @ParameterizedTest
  @CsvSource({"llama2,<s>,1", "gemma3,<bos>,2", "minilm,[CLS],101"})
  void specialTokenTextIsOrdinaryForEveryFamily(String name, String special, int specialId) throws IOException {
    Path json = tokenizerJson(name);
    TextTokenizer ours = Tokenizers.get(TokenizerSpec.of(json.toString()));
    String text = Europarl.first(1).get(0).body() + " " + special + " and " + special;
    int[] ids = ours.encode(text);
    assertTrue(Arrays.stream(ids).noneMatch(id -> id == specialId), name + " produced " + special);
    assertTrue(Arrays.stream(ids).allMatch(id -> id >= 0 && id < ours.vocabularySize()), name);
    try (HuggingFaceTokenizer reference = HuggingFaceTokenizer.builder().optTokenizerPath(json)
        .optAddSpecialTokens(false).optTruncation(false).optPadding(false).build()) {
      // The check can fail: Hugging Face's own reading of the file does produce the special id.
      assertTrue(Arrays.stream(reference.encode(text, false, false).getIds()).anyMatch(id -> id == specialId),
          "Hugging Face matches " + special);
    }
  }

  private static Path tokenizerJson(String name) {
    Path p = Path.of(System.getProperty("tokenizers.dir", "target/tokenizers"), name, "tokenizer.json");
    assertTrue(Files.isRegularFile(p), "the build fetches " + p + " (scripts/fetch-test-tokenizers.sh)");
    return p;
  }

  /**
   * The second method is Hugging Face's own Rust implementation (through DJL) on the same,
   * unmodified tokenizer.json: ids must be equal on real text in every language of the sample.
   * Byte-level BPE (Llama-3, Qwen3) runs through jtokkit here, so the check is independent;
   * SentencePiece-style BPE with byte fallback (Llama-2, Gemma 3) and WordPiece (MiniLM, a
   * BERT tokenizer) run through the same library with their special tokens taken out, so the
   * check there is that taking them out changes no id of real text. N_V by hand from the
   * files: Llama-2's vocab ends at 31999, Gemma 3's at 262143 (its non-special added tokens
   * too), MiniLM's at 30521.
   */
  @ParameterizedTest
  @CsvSource({"llama3,128000", "qwen3,151643", "llama2,32000", "gemma3,262144", "minilm,30522"})
  void huggingFaceTokenizerJsonMatchesReferenceImplementation(String name, int vocabulary) throws IOException {
    Path json = tokenizerJson(name);
    TextTokenizer ours = Tokenizers.get(TokenizerSpec.of(json.toString()));
    assertEquals(vocabulary, ours.vocabularySize());
    List<String> texts = new ArrayList<>(texts(400));
    texts.add("Don't   stop:\n\n  3.14159 x 2025 = 6,361.7  \t tabs\r\nand CRLF, 'quoted' I'M   LOUD  ");
    // Decomposed accents: Qwen normalizes to NFC first, Llama-3 does not. (Special-token text
    // such as <|endoftext|> is left out: Hugging Face matches added tokens in text, and this job
    // deliberately reads it as ordinary text, see specialTokenTextIsOrdinaryText.)
    texts.add("Cafe\u0301 na\u00efve A\u030angstro\u0308m \u00c5ngstr\u00f6m");
    try (HuggingFaceTokenizer reference = HuggingFaceTokenizer.builder().optTokenizerPath(json)
        .optAddSpecialTokens(false).optTruncation(false).optPadding(false).build()) {
      for (String text : texts) {
        long[] expected = reference.encode(text, false, false).getIds();
        int[] actual = ours.encode(text);
        assertArrayEquals(expected, Arrays.stream(actual).asLongStream().toArray(),
            name + " differs on: " + text.substring(0, Math.min(80, text.length())));
      }
    }
  }
}
