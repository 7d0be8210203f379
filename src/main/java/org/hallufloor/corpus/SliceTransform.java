package org.hallufloor.corpus;

import java.net.URI;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How a slice value is derived from a field's raw string. Values that cannot be derived are {@link #UNKNOWN}. */
public enum SliceTransform {
  NONE {
    @Override
    public String apply(String raw) {
      return raw == null || raw.isEmpty() ? UNKNOWN : raw;
    }
  },
  /** The first four-digit year (1000 to 2999) in a date or timestamp string. */
  YEAR {
    @Override
    public String apply(String raw) {
      if (raw == null) {
        return UNKNOWN;
      }
      Matcher m = YEAR_PATTERN.matcher(raw);
      return m.find() ? m.group(1) : UNKNOWN;
    }
  },
  /** The host of a URL, lower-cased, without a leading "www." so both spellings of a site meet. */
  HOST {
    @Override
    public String apply(String raw) {
      if (raw == null || raw.isEmpty()) {
        return UNKNOWN;
      }
      String host;
      try {
        host = URI.create(raw.trim()).getHost();
      } catch (IllegalArgumentException e) {
        host = null;
      }
      if (host == null) {
        return UNKNOWN;
      }
      host = host.toLowerCase(Locale.ROOT);
      return host.startsWith("www.") ? host.substring(4) : host;
    }
  },
  /** The name of the folder holding a file (for the file field: a corpus kept one folder per source). */
  FOLDER {
    @Override
    public String apply(String raw) {
      String[] parts = path(raw);
      return parts.length < 2 ? UNKNOWN : parts[parts.length - 2];
    }
  },
  /** A file's name without its folder and its format and compression extensions (.npy, .jsonl.gz, ...). */
  FILE_NAME {
    @Override
    public String apply(String raw) {
      String[] parts = path(raw);
      if (parts.length == 0) {
        return UNKNOWN;
      }
      String name = parts[parts.length - 1];
      String stripped;
      while (!(stripped = FILE_EXTENSION.matcher(name).replaceFirst("")).equals(name) && !stripped.isEmpty()) {
        name = stripped;
      }
      return name;
    }
  },
  /** ISO 639-1 code detected from the text (or the named field); see {@link LanguageDetection}. */
  LANGUAGE {
    @Override
    public String apply(String raw) {
      return LanguageDetection.detect(raw);
    }
  };

  /** The slice value of a document whose field is missing or cannot be read. */
  public static final String UNKNOWN = "unknown";

  private static final Pattern FILE_EXTENSION = Pattern.compile(
      "\\.(gz|bz2|zst|zstd|deflate|txt|text|lines|jsonl|json|ndjson|parquet|pq|npy|bin|idx|csv)$",
      Pattern.CASE_INSENSITIVE);

  private static String[] path(String raw) {
    return raw == null ? new String[0] : java.util.Arrays.stream(raw.split("/")).filter(p -> !p.isEmpty())
        .toArray(String[]::new);
  }

  private static final Pattern YEAR_PATTERN = Pattern.compile("(?<!\\d)([12]\\d{3})(?!\\d)");

  public abstract String apply(String raw);

  /** The transform named in configuration, or null if there is none of that name. */
  public static SliceTransform byName(String name) {
    for (SliceTransform t : values()) {
      if (t.configName().equalsIgnoreCase(name)) {
        return t;
      }
    }
    return null;
  }

  public String configName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Every transform's name in configuration, for messages. */
  public static String configNames() {
    return String.join(", ", java.util.Arrays.stream(values()).map(SliceTransform::configName).toList());
  }
}
