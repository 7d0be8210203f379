package org.hallufloor.estimate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The estimate's task count, against values worked out by hand from its rule. */
class EstimateTasksTest {
  @Test
  void aFewSlicesAreSpreadOverTheCores() {
    // The default run: 45 slices on 2 cores, two tasks a core (was one task for all 45).
    assertEquals(4, SliceBounds.estimateTasks(45, 2));
    // Fewer slices than two a core: a task per slice, no empty tasks.
    assertEquals(3, SliceBounds.estimateTasks(3, 8));
    assertEquals(1, SliceBounds.estimateTasks(1, 2));
    assertEquals(1, SliceBounds.estimateTasks(0, 2));
  }

  @Test
  void manySlicesGoSixtyFourATask() {
    // A million slice values: ceil(10^6 / 64) = 15,625 tasks, far above two a core.
    assertEquals(15_625, SliceBounds.estimateTasks(1_000_000, 2));
    // On 1,000 cores two a core wins over 640 slices / 64 = 10.
    assertEquals(640, SliceBounds.estimateTasks(640, 1000));
    // Capped at 100,000 tasks however many slices.
    assertEquals(100_000, SliceBounds.estimateTasks(10_000_000_000L, 2));
  }
}
