package org.hallufloor.tokenize;

/**
 * Text to token ids, exactly as stored (no trimming or case folding; THEORY 1). Ids are in
 * {@code [0, vocabularySize())}. Instances are not thread-safe only where noted; get them from
 * {@link Tokenizers#get}, which builds each one once per JVM.
 */
public interface TextTokenizer {
  /** Ordinary ids of {@code text}; special-token text such as {@code <|endoftext|>} is plain text. */
  int[] encode(String text);

  /** N_V: the number of ordinary ids (largest ordinary id + 1). */
  int vocabularySize();

  String name();
}
