package org.hallufloor.corpus;

import java.io.Serializable;
import java.util.List;

/**
 * Where a record keeps what the job needs: the text, the id and the raw value of each slice
 * field (null for a slice read off the text itself). Field names may be dotted for nesting.
 */
public record RecordSpec(
    String textField,
    String idsField,
    String idField,
    List<String> sliceFields,
    List<String> textColumns,
    String textDelimiter,
    long maxDocumentBytes) implements Serializable {

  boolean hasIdField() {
    return idField != null && !idField.isEmpty();
  }
}
