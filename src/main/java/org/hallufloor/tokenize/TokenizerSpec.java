package org.hallufloor.tokenize;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * What a task needs to build a tokenizer: a built-in name, or the whole text of a Hugging Face
 * {@code tokenizer.json} read on the driver, so that executors never need the file.
 */
public record TokenizerSpec(String name, String huggingFaceJson) implements Serializable {

  /** The tiktoken encodings jtokkit ships, plus {@code bytes}. */
  public static final Set<String> BUILT_IN =
      Set.of("cl100k_base", "o200k_base", "r50k_base", "p50k_base", "bytes");

  /** A built-in name, or else a path to a tokenizer.json, read now. */
  public static TokenizerSpec of(String setting) {
    String lower = setting.toLowerCase(Locale.ROOT);
    if (BUILT_IN.contains(lower)) {
      return new TokenizerSpec(lower, null);
    }
    try {
      return new TokenizerSpec(setting, Files.readString(Path.of(setting), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read tokenizer.json " + setting + ": " + e.getMessage(), e);
    }
  }

  /** True if {@code setting} names a built-in tokenizer or looks like a tokenizer.json path. */
  public static boolean looksValid(String setting) {
    return BUILT_IN.contains(setting.toLowerCase(Locale.ROOT)) || setting.endsWith(".json");
  }
}
