package org.hallufloor.corpus;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/** Shard formats. Compression (.gz, .bz2, .zst, .zstd, .deflate) is orthogonal: it is read off the extension. */
public enum InputFormat {
  AUTO, TEXT, JSONL, PARQUET, MEGATRON, NUMPY_TOKENS, PARQUET_IDS;

  private static final String[] COMPRESSION = {".gz", ".bz2", ".zst", ".zstd", ".deflate"};

  public String configName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Token ids, not text: the tokenizer only names the vocabulary. */
  public boolean preTokenized() {
    return this == MEGATRON || this == NUMPY_TOKENS || this == PARQUET_IDS;
  }

  public static Set<String> configNames() {
    Set<String> names = new TreeSet<>();
    for (InputFormat f : values()) {
      names.add(f.configName());
    }
    return names;
  }

  public static InputFormat byName(String name) {
    for (InputFormat f : values()) {
      if (f.configName().equalsIgnoreCase(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown input format " + name);
  }

  /** The format a file's name says it has, or null when the name does not tell. */
  public static InputFormat forFileName(String fileName) {
    String name = fileName.toLowerCase(Locale.ROOT);
    for (String c : COMPRESSION) {
      if (name.endsWith(c)) {
        name = name.substring(0, name.length() - c.length());
        break;
      }
    }
    if (name.endsWith(".parquet") || name.endsWith(".pq")) {
      return PARQUET;
    }
    if (name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson")) {
      return JSONL;
    }
    if (name.endsWith(".txt") || name.endsWith(".text") || name.endsWith(".lines")) {
      return TEXT;
    }
    return null;
  }
}
