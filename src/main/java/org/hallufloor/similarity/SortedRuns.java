package org.hallufloor.similarity;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.sql.Row;

/**
 * The rows of a partition sorted by a long column, handed on one run of equal keys at a time:
 * a bucket, or every partial of one query. Only one run is held in memory.
 */
final class SortedRuns implements Iterator<List<Row>> {
  private final Iterator<Row> rows;
  private final int keyColumn;
  private Row pending;

  SortedRuns(Iterator<Row> rows, int keyColumn) {
    this.rows = rows;
    this.keyColumn = keyColumn;
    this.pending = rows.hasNext() ? rows.next() : null;
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
    long key = pending.getLong(keyColumn);
    List<Row> run = new ArrayList<>();
    run.add(pending);
    pending = null;
    while (rows.hasNext()) {
      Row r = rows.next();
      if (r.getLong(keyColumn) != key) {
        pending = r;
        break;
      }
      run.add(r);
    }
    return run;
  }
}
