package org.hallufloor.tokenize;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Any other Hugging Face {@code tokenizer.json} (SentencePiece-style BPE with byte fallback:
 * Llama-2, Mistral, Gemma; WordPiece: BERT; Unigram: T5, XLM-R) through Hugging Face's own
 * Rust implementation, which DJL bundles for Linux, macOS and Windows. Its normalizers,
 * pre-tokenizers and models are too many to re-implement exactly; the byte-level files keep
 * the faster jtokkit path (HuggingFaceBpe).
 *
 * <p>As for the byte-level files, special tokens are never produced: the special added tokens
 * are taken out of the file before loading, so {@code <s>} or {@code [CLS]} written in a
 * document is ordinary text. Non-special added tokens stay, as Hugging Face matches them.
 */
record HuggingFaceNative(String name, HuggingFaceTokenizer tokenizer, int vocabularySize) implements TextTokenizer {
  static TextTokenizer fromJson(String name, JsonNode root) {
    ObjectNode copy = root.deepCopy();
    ArrayNode ordinary = copy.putArray("added_tokens");
    int maxId = maxModelId(name, root.path("model"));
    for (JsonNode t : root.path("added_tokens")) {
      if (!t.path("special").asBoolean(false)) {
        ordinary.add(t);
        maxId = Math.max(maxId, t.path("id").asInt());
      }
    }
    try {
      // DJL loads from a path; executors get the JSON text, not the file (TokenizerSpec).
      Path file = Files.createTempFile("hallufloor-tokenizer", ".json");
      try {
        Files.writeString(file, new ObjectMapper().writeValueAsString(copy), StandardCharsets.UTF_8);
        HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.builder().optTokenizerPath(file)
            .optAddSpecialTokens(false).optTruncation(false).optPadding(false).build();
        return new HuggingFaceNative(name, tokenizer, maxId + 1);
      } finally {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("tokenizer " + name + ": cannot stage it for Hugging Face's library: "
          + e.getMessage(), e);
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      throw new IllegalArgumentException("tokenizer " + name + " (model " + root.path("model").path("type").asText("?")
          + "): Hugging Face's library (DJL) refused it: " + e.getMessage(), e);
    }
  }

  /** The largest id of the model's vocabulary: a token-to-id map (BPE, WordPiece) or a list of pieces (Unigram). */
  private static int maxModelId(String name, JsonNode model) {
    JsonNode vocab = model.path("vocab");
    int max = -1;
    if (vocab.isArray()) {
      max = vocab.size() - 1;
    } else {
      for (JsonNode id : vocab) {
        max = Math.max(max, id.asInt());
      }
    }
    if (max < 0) {
      throw new IllegalArgumentException("tokenizer " + name + ": model.vocab is empty or missing");
    }
    return max;
  }

  @Override
  public int[] encode(String text) {
    long[] ids = tokenizer.encode(text, false, false).getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = (int) ids[i];
    }
    return out;
  }
}
