package org.hallufloor.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Builds each tokenizer once per JVM: loading a vocabulary costs far more than a document. */
public final class Tokenizers {
  private static final Map<TokenizerSpec, TextTokenizer> CACHE = new ConcurrentHashMap<>();

  private Tokenizers() {}

  public static TextTokenizer get(TokenizerSpec spec) {
    return CACHE.computeIfAbsent(spec, Tokenizers::build);
  }

  private static TextTokenizer build(TokenizerSpec spec) {
    if (spec.huggingFaceJson() != null) {
      JsonNode root;
      try {
        root = new ObjectMapper().readTree(spec.huggingFaceJson());
      } catch (IOException e) {
        throw new UncheckedIOException("tokenizer " + spec.name() + " is not valid JSON: " + e.getMessage(), e);
      }
      // Byte-level BPE through jtokkit measured faster than Hugging Face's library (README); the rest through it.
      return HuggingFaceBpe.byteLevel(root) ? HuggingFaceBpe.fromJson(spec.name(), root)
          : HuggingFaceNative.fromJson(spec.name(), root);
    }
    if ("bytes".equals(spec.name())) {
      return new ByteTokenizer();
    }
    EncodingType type = EncodingType.fromName(spec.name())
        .orElseThrow(() -> new IllegalArgumentException("unknown tokenizer " + spec.name()));
    return new JtokkitTokenizer(spec.name(),
        Encodings.newLazyEncodingRegistry().getEncoding(type), tiktokenVocabularySize(spec.name()), null);
  }

  /**
   * N_V of a tiktoken encoding: the largest rank in the vocabulary file jtokkit ships, plus one.
   * Read from the file rather than written down, so it cannot drift from what jtokkit encodes.
   */
  static int tiktokenVocabularySize(String name) {
    String resource = "/com/knuddels/jtokkit/" + name + ".tiktoken";
    try (InputStream in = Encodings.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("jtokkit does not ship " + resource);
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
      int max = -1;
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        int space = line.indexOf(' ');
        if (space > 0) {
          max = Math.max(max, Integer.parseInt(line.substring(space + 1).trim()));
        }
      }
      return max + 1;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
