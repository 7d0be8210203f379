package org.hallufloor.context;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

/**
 * The groups' directory without Spark: lookups by a document's own slices, the hash's
 * separation of slice sets that concatenate alike, and the refusal of two groups under one hash.
 * Slice names are made up (the property under test is how names are joined, which real
 * Europarl names do not exercise).
 */
class GroupsTest {
  private static Row slice(String dim, String value) {
    return RowFactory.create(dim, value);
  }

  @Test
  void aDocumentFindsItsGroupBySlicesAndHeldoutFlag() {
    List<Row> a = List.of(slice("all", "all"), slice("year", "2004"));
    List<Row> b = List.of(slice("all", "all"), slice("year", "2005"));
    Groups groups = Groups.inMemory(List.of(Groups.entry(Groups.hash(a, false), 0, false, new int[] {3, 0}),
        Groups.entry(Groups.hash(a, true), 1, true, new int[] {0, 3}), Groups.entry(Groups.hash(b, false), 2, false,
            new int[] {0, 4})));
    assertEquals(0, groups.id(a, false));
    assertEquals(1, groups.id(a, true));
    assertEquals(2, groups.id(b, false));
    assertArrayEquals(new int[] {0, 3}, groups.slices(0), "sorted");
    assertTrue(groups.heldout(1));
    IllegalStateException missing = assertThrows(IllegalStateException.class, () -> groups.id(b, true));
    assertTrue(missing.getMessage().contains("not counted"), missing.getMessage());
  }

  @Test
  void namesThatConcatenateAlikeHashApart() {
    // By hand: each pair below is one string once dim and value are run together.
    assertNotEquals(Groups.hash(List.of(slice("ab", "c")), false), Groups.hash(List.of(slice("a", "bc")), false));
    assertNotEquals(Groups.hash(List.of(slice("a", "b"), slice("c", "d")), false),
        Groups.hash(List.of(slice("a", "b\u0001\u0000\u0000\u0000\u0001c\u0000d")), false));
    assertNotEquals(Groups.hash(List.of(slice("a", "b")), false), Groups.hash(List.of(slice("a", "b")), true));
  }

  @Test
  void twoGroupsUnderOneHashAreRefusedNamingIt() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Groups.inMemory(List.of(
        Groups.entry(42L, 0, false, new int[] {0}), Groups.entry(42L, 1, false, new int[] {1}))));
    assertTrue(e.getMessage().contains("42"), e.getMessage());
  }
}
