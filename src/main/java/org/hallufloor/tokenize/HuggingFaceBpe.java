package org.hallufloor.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.GptBytePairEncodingParams;
import java.text.Normalizer;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A Hugging Face byte-level BPE {@code tokenizer.json} (GPT-2, Llama-3, Qwen style) registered
 * into jtokkit. jtokkit merges by the rank of the merged token, as tiktoken does; for the
 * tiktoken-lineage vocabularies these files carry, ids are those ranks, so the id of a token
 * is its rank. The test against Hugging Face's own implementation checks that on real text.
 */
final class HuggingFaceBpe {
  /** GPT-2's pre-tokenizer, used by a ByteLevel pre-tokenizer with use_regex = true. */
  static final String GPT2_PATTERN =
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

  private HuggingFaceBpe() {}

  /** A BPE model under a ByteLevel pre-tokenizer (alone or in a sequence): the files this class reads. */
  static boolean byteLevel(JsonNode root) {
    if (!"BPE".equals(root.path("model").path("type").asText())) {
      return false;
    }
    JsonNode pre = root.path("pre_tokenizer");
    if ("ByteLevel".equals(pre.path("type").asText())) {
      return true;
    }
    for (JsonNode p : pre.path("pretokenizers")) {
      if ("ByteLevel".equals(p.path("type").asText())) {
        return true;
      }
    }
    return false;
  }

  static TextTokenizer fromJson(String name, JsonNode root) {
    JsonNode model = root.path("model");
    require(name, "BPE".equals(model.path("type").asText()),
        "model.type is " + model.path("type") + ", only BPE is supported");
    String regex = preTokenizerRegex(name, root.path("pre_tokenizer"));
    Normalizer.Form normalization = normalization(name, root.path("normalizer"));

    int[] byteOfChar = byteLevelAlphabet();
    Map<byte[], Integer> ranks = new HashMap<>();
    int maxId = -1;
    for (Iterator<Map.Entry<String, JsonNode>> it = model.path("vocab").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      int id = e.getValue().asInt();
      ranks.put(toBytes(name, e.getKey(), byteOfChar), id);
      maxId = Math.max(maxId, id);
    }
    require(name, maxId >= 255, "model.vocab is empty or lacks the 256 byte tokens");
    String encodingName = "hf:" + name;
    EncodingRegistry registry = Encodings.newLazyEncodingRegistry();
    registry.registerGptBytePairEncoding(new GptBytePairEncodingParams(
        encodingName, Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS), ranks, Map.of()));
    Encoding encoding = registry.getEncoding(encodingName).orElseThrow();
    return new JtokkitTokenizer(name, encoding, maxId + 1, normalization);
  }

  private static String preTokenizerRegex(String name, JsonNode pre) {
    String type = pre.path("type").asText();
    if ("ByteLevel".equals(type)) {
      require(name, !pre.path("add_prefix_space").asBoolean(false), "ByteLevel add_prefix_space is not supported");
      require(name, pre.path("use_regex").asBoolean(true), "ByteLevel without a regex needs a Split pre-tokenizer");
      return GPT2_PATTERN;
    }
    if ("Sequence".equals(type)) {
      String regex = null;
      boolean byteLevel = false;
      for (JsonNode p : pre.path("pretokenizers")) {
        String t = p.path("type").asText();
        if ("Split".equals(t)) {
          require(name, regex == null, "more than one Split pre-tokenizer");
          require(name, "Isolated".equals(p.path("behavior").asText()) && !p.path("invert").asBoolean(),
              "Split must be Isolated and not inverted");
          regex = p.path("pattern").path("Regex").asText(null);
          require(name, regex != null, "Split pattern is not a Regex");
        } else if ("ByteLevel".equals(t)) {
          require(name, !p.path("add_prefix_space").asBoolean(false), "ByteLevel add_prefix_space is not supported");
          byteLevel = true;
          if (p.path("use_regex").asBoolean(false)) {
            require(name, regex == null, "a Split and a ByteLevel regex together are not supported");
            regex = GPT2_PATTERN;
          }
        } else {
          require(name, false, "pre-tokenizer " + t + " is not supported");
        }
      }
      require(name, byteLevel && regex != null, "not a byte-level BPE (no ByteLevel pre-tokenizer)");
      return regex;
    }
    require(name, false, "pre_tokenizer " + type + " is not supported (byte-level BPE only)");
    return null;
  }

  private static Normalizer.Form normalization(String name, JsonNode normalizer) {
    if (normalizer.isMissingNode() || normalizer.isNull()) {
      return null;
    }
    String type = normalizer.path("type").asText();
    if ("Sequence".equals(type) && normalizer.path("normalizers").size() == 1) {
      return normalization(name, normalizer.path("normalizers").get(0));
    }
    if ("Sequence".equals(type) && normalizer.path("normalizers").isEmpty()) {
      return null;
    }
    try {
      return Normalizer.Form.valueOf(type);
    } catch (IllegalArgumentException e) {
      require(name, false, "normalizer " + type + " is not supported (NFC, NFD, NFKC, NFKD)");
      return null;
    }
  }

  /**
   * GPT-2's bytes_to_unicode inverted: printable bytes stand for themselves, the others were
   * moved to code points 256 and up, in byte order.
   */
  static int[] byteLevelAlphabet() {
    int[] byteOfChar = new int[324];
    java.util.Arrays.fill(byteOfChar, -1);
    int next = 256;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      byteOfChar[printable ? b : next++] = b;
    }
    return byteOfChar;
  }

  private static byte[] toBytes(String name, String token, int[] byteOfChar) {
    byte[] out = new byte[token.length()];
    for (int i = 0; i < token.length(); i++) {
      char ch = token.charAt(i);
      int b = ch < byteOfChar.length ? byteOfChar[ch] : -1;
      require(name, b >= 0, "vocabulary token " + token + " is not byte-level encoded");
      out[i] = (byte) b;
    }
    return out;
  }

  private static void require(String name, boolean ok, String problem) {
    if (!ok) {
      throw new IllegalArgumentException("tokenizer " + name + ": " + problem);
    }
  }
}
