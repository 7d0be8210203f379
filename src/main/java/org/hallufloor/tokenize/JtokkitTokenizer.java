package org.hallufloor.tokenize;

import com.knuddels.jtokkit.api.Encoding;
import java.text.Normalizer;

/** A jtokkit encoding, built in or registered from a tokenizer.json; jtokkit encodings are thread-safe. */
final class JtokkitTokenizer implements TextTokenizer {
  private final Encoding encoding;
  private final int vocabularySize;
  private final Normalizer.Form normalization;
  private final String name;

  JtokkitTokenizer(String name, Encoding encoding, int vocabularySize, Normalizer.Form normalization) {
    this.name = name;
    this.encoding = encoding;
    this.vocabularySize = vocabularySize;
    this.normalization = normalization;
  }

  @Override
  public int[] encode(String text) {
    String input = normalization == null ? text : Normalizer.normalize(text, normalization);
    // encodeOrdinary: real text contains "<|endoftext|>" and encode() would throw on it.
    return encoding.encodeOrdinary(input).toArray();
  }

  @Override
  public int vocabularySize() {
    return vocabularySize;
  }

  @Override
  public String name() {
    return name;
  }
}
