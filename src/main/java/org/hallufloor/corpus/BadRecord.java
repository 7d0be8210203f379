package org.hallufloor.corpus;

import java.io.Serializable;

/** A record (or a whole path) that could not become a document, with where and why. */
public record BadRecord(String file, String record, String reason, String excerpt) implements Serializable {
  static final int EXCERPT_CHARS = 200;

  public String describe() {
    return file + (record == null || record.isEmpty() ? "" : " " + record) + ": " + reason;
  }

  /** Problems joined for one line of an error message; "(none)" when there are none. */
  public static String describe(java.util.List<BadRecord> problems) {
    if (problems.isEmpty()) {
      return "(none)";
    }
    StringBuilder sb = new StringBuilder(problems.get(0).describe());
    for (int i = 1; i < problems.size(); i++) {
      sb.append("; ").append(problems.get(i).describe());
    }
    return sb.toString();
  }

  static String excerpt(String text) {
    if (text == null) {
      return null;
    }
    return text.length() <= EXCERPT_CHARS ? text : text.substring(0, EXCERPT_CHARS);
  }
}
