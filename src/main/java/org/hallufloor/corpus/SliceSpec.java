package org.hallufloor.corpus;

import java.io.Serializable;

/**
 * A slice dimension: each document gets the value {@code transform(field)} under the name
 * {@code name}. For {@link SliceTransform#LANGUAGE} the field may be empty (the text is used).
 */
public record SliceSpec(String name, String field, SliceTransform transform) implements Serializable {}
