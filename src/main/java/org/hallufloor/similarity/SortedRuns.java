package org.hallufloor.similarity;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.sql.Row;

/**
 * The rows of a partition sorted by a key, handed on one run of equal keys at a time: a
 * bucket, every partial of one query, every member of one set. Only one run is held in memory.
 */
final class SortedRuns implements Iterator<List<Row>> {
  /** Whether two neighbouring rows belong to the same run. */
  interface SameRun extends Serializable {
    boolean test(Row a, Row b);
  }

  private final Iterator<Row> rows;
  private final SameRun sameRun;
  private Row pending;

  /** Runs of equal values of a long column. */
  SortedRuns(Iterator<Row> rows, int keyColumn) {
    this(rows, (a, b) -> a.getLong(keyColumn) == b.getLong(keyColumn));
  }

  SortedRuns(Iterator<Row> rows, SameRun sameRun) {
    this.rows = rows;
    this.sameRun = sameRun;
    this.pending = rows.hasNext() ? rows.next() : null;
  }

  /** Each run turned into one value, lazily: a run is read only when its value is asked for. */
  <T> Iterator<T> map(java.util.function.Function<List<Row>, T> f) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return SortedRuns.this.hasNext();
      }

      @Override
      public T next() {
        return f.apply(SortedRuns.this.next());
      }
    };
  }

  @Override
  public boolean hasNext() {
    return pending != null;
  }

  @Override
  public List<Row> next() {
    if (pending == null) {
      throw new NoSuchElementException();
    }
    Row first = pending;
    List<Row> run = new ArrayList<>();
    run.add(pending);
    pending = null;
    while (rows.hasNext()) {
      Row r = rows.next();
      if (!sameRun.test(first, r)) {
        pending = r;
        break;
      }
      run.add(r);
    }
    return run;
  }
}
