package org.hallufloor.corpus;

import com.fasterxml.jackson.databind.JsonNode;

/** Dotted field names in JSON records: a literal key wins, else the dots walk into objects. */
final class JsonFields {
  private JsonFields() {}

  static JsonNode at(JsonNode root, String dotted) {
    if (dotted == null || dotted.isEmpty()) {
      return null;
    }
    JsonNode literal = root.get(dotted);
    if (literal != null) {
      return literal;
    }
    JsonNode node = root;
    for (String part : dotted.split("\\.")) {
      node = node == null ? null : node.get(part);
    }
    return node;
  }

  /** A scalar as its text, a nested value as compact JSON, absent or null as null. */
  static String asString(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    return node.isValueNode() ? node.asText() : node.toString();
  }
}
