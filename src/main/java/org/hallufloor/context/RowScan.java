package org.hallufloor.context;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.sql.Row;

/**
 * A task's items in, rows out, lazily: each input item may put any number of rows in
 * {@link #ready}, and {@link #finish} once at the end may put more (what a scan still holds).
 * The shape of every per-task pass that keeps state between rows.
 */
public abstract class RowScan<T> implements Iterator<Row> {
  private final Iterator<T> in;
  protected final ArrayDeque<Row> ready = new ArrayDeque<>();
  private boolean finished;

  protected RowScan(Iterator<T> in) {
    this.in = in;
  }

  protected abstract void accept(T item);

  protected abstract void finish();

  /**
   * Goes on with the row last accepted, a bounded piece at a time, and says whether any of it
   * was left: a scan whose one row can yield millions (a whole document) keeps {@link #ready}
   * small by doing the row in pieces. Without pieces, there is never any left.
   */
  protected boolean resume() {
    return false;
  }

  @Override
  public boolean hasNext() {
    while (ready.isEmpty()) {
      if (resume()) {
        continue;
      }
      if (in.hasNext()) {
        accept(in.next());
      } else if (!finished) {
        finished = true;
        finish();
      } else {
        return false;
      }
    }
    return true;
  }

  @Override
  public Row next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return ready.poll();
  }
}
