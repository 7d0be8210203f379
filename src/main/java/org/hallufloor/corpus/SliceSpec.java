package org.hallufloor.corpus;

import java.io.Serializable;

/**
 * A slice dimension: each document gets the value {@code transform(field)} under the name
 * {@code name}. For {@link SliceTransform#LANGUAGE} the field may be empty (the text is used).
 * {@code maxValues > 0} keeps that many values, those with most documents, and puts the rest
 * under {@link #OTHER}; 0 keeps every value.
 */
public record SliceSpec(String name, String field, SliceTransform transform, int maxValues) implements Serializable {
  /** The value of the documents whose own value is past a dimension's max-values. */
  public static final String OTHER = "other";

  public SliceSpec(String name, String field, SliceTransform transform) {
    this(name, field, transform, 0);
  }
}
