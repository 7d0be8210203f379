package org.hallufloor.tokenize;

import java.nio.charset.StandardCharsets;

/** UTF-8 bytes as ids, N_V = 256: the tokenizer whose counts are easiest to check by hand. */
final class ByteTokenizer implements TextTokenizer {
  @Override
  public int[] encode(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    int[] ids = new int[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      ids[i] = bytes[i] & 0xff;
    }
    return ids;
  }

  @Override
  public int vocabularySize() {
    return 256;
  }

  @Override
  public String name() {
    return "bytes";
  }
}
