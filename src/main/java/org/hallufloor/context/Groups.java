package org.hallufloor.context;

import java.io.Serializable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;

/**
 * The groups of a run's documents, numbered once on the driver: documents in one group share
 * their slice set and held-out flag. A fact carries its group's number inside one long, so
 * facts cross the shuffle at a fixed width (no array per row) and every task reads the
 * number the same way.
 */
public final class Groups implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Map<String, Integer> ids;
  private final int[][] slices;
  private final boolean[] heldout;

  private Groups(Map<String, Integer> ids, int[][] slices, boolean[] heldout) {
    this.ids = ids;
    this.slices = slices;
    this.heldout = heldout;
  }

  /**
   * @param groupRows one row per group: {@code slices} (array of struct dim, value) and
   *     {@code heldout}; and, where the slices were rewritten (slices[].max-values), the
   *     documents' own slices in {@code document_slices}, by which documents find their group
   * @param sliceIds the number of each slice, by {@link #sliceKey}
   */
  public static Groups of(List<Row> groupRows, Map<String, Integer> sliceIds) {
    Map<String, Integer> ids = new HashMap<>();
    int[][] slices = new int[groupRows.size()][];
    boolean[] heldout = new boolean[groupRows.size()];
    for (int g = 0; g < slices.length; g++) {
      Row r = groupRows.get(g);
      List<Row> members = r.getList(r.fieldIndex("slices"));
      heldout[g] = r.getBoolean(r.fieldIndex("heldout"));
      int[] numbers = new int[members.size()];
      for (int i = 0; i < numbers.length; i++) {
        Integer id = sliceIds.get(sliceKey(members.get(i).getString(0), members.get(i).getString(1)));
        if (id == null) {
          throw new IllegalArgumentException("slice without a number: " + members.get(i));
        }
        numbers[i] = id;
      }
      Arrays.sort(numbers);
      slices[g] = numbers;
      boolean rewritten = java.util.Arrays.asList(r.schema().fieldNames()).contains(DOCUMENT_SLICES);
      ids.put(key(rewritten ? r.getList(r.fieldIndex(DOCUMENT_SLICES)) : members, heldout[g]), g);
    }
    return new Groups(ids, slices, heldout);
  }

  /** The field of a group row with its documents' own slices, where they were rewritten. */
  public static final String DOCUMENT_SLICES = "document_slices";

  public static String sliceKey(String dim, String value) {
    return dim + '\u0000' + value;
  }

  /** The group of a document, by its slices (as the documents stage made them) and held-out flag. */
  public int id(List<Row> documentSlices, boolean isHeldout) {
    Integer id = ids.get(key(documentSlices, isHeldout));
    if (id == null) {
      throw new IllegalStateException("a document whose slices were not counted: " + documentSlices);
    }
    return id;
  }

  /** The group's slice numbers, sorted. */
  public int[] slices(int group) {
    return slices[group];
  }

  public boolean heldout(int group) {
    return heldout[group];
  }

  public int size() {
    return slices.length;
  }

  private static String key(List<Row> documentSlices, boolean isHeldout) {
    StringBuilder sb = new StringBuilder(isHeldout ? "h" : "t");
    for (Row s : documentSlices) {
      sb.append('\u0001').append(s.getString(0)).append('\u0000').append(s.getString(1));
    }
    return sb.toString();
  }
}
