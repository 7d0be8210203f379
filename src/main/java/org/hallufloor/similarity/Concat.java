package org.hallufloor.similarity;

import java.util.Collections;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * f(x) for each x of an iterator, concatenated as they are asked for: a task holds one
 * element's output (one bucket's partials, one set's similar pairs, one length's examples of
 * a document) instead of its whole partition's, which grows with the corpus and its skew.
 * ({@code Stream.flatMap(...).iterator()} would also buffer one element's output whole.)
 */
final class Concat<T, R> implements Iterator<R> {
  private final Iterator<T> in;
  private final Function<T, Iterator<R>> f;
  private Iterator<R> current = Collections.emptyIterator();

  private Concat(Iterator<T> in, Function<T, Iterator<R>> f) {
    this.in = in;
    this.f = f;
  }

  static <T, R> Iterator<R> of(Iterator<T> in, Function<T, Iterator<R>> f) {
    return new Concat<>(in, f);
  }

  @Override
  public boolean hasNext() {
    while (!current.hasNext() && in.hasNext()) {
      current = f.apply(in.next());
    }
    return current.hasNext();
  }

  @Override
  public R next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return current.next();
  }
}
