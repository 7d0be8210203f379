package org.hallufloor.corpus;

import java.io.Serializable;

/** A record (or a whole path) that could not become a document, with where and why. */
public record BadRecord(String file, String record, String reason, String excerpt) implements Serializable {
  static final int EXCERPT_CHARS = 200;

  public String describe() {
    return file + (record == null || record.isEmpty() ? "" : " " + record) + ": " + reason;
  }

  static String excerpt(String text) {
    if (text == null) {
      return null;
    }
    return text.length() <= EXCERPT_CHARS ? text : text.substring(0, EXCERPT_CHARS);
  }
}
