package org.hallufloor.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import org.junit.jupiter.api.Assertions;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.api.java.function.ForeachFunction;
import org.hallufloor.testing.SparkTestBase;
import org.junit.jupiter.api.Test;

/**
 * Progress with an ETA: the tally against numbers worked by hand on a fixed clock, then the
 * listener on real Spark jobs (generated rows that sleep: the test needs tasks that take
 * time, which no real text gives on demand).
 */
class TaskProgressTest extends SparkTestBase {
  @Test
  void finishedTotalRateAndTimeLeftByHand() {
    AtomicLong now = new AtomicLong(0);
    TaskProgress p = new TaskProgress(now::get);
    assertNull(p.line(), "nothing runs");
    p.stageStarted(3, 0, "hallufloor-evidence", 100);
    assertEquals("hallufloor-evidence: 0 of 100 tasks (0%), 0.0 tasks/min, about ? left", p.line());
    now.set(30_000);
    p.taskFinished(3, 0);
    // One task in 30 s: 2 a minute; 99 left at that rate: 49.5 minutes, rounded up to 2,970 s.
    assertEquals("hallufloor-evidence: 1 of 100 tasks (1%), 2.0 tasks/min, about 0:49:30 left", p.line());
    // Again from 0 s, with faster tasks.
    now.set(0);
    p = new TaskProgress(now::get);
    p.stageStarted(3, 0, "hallufloor-evidence", 100);
    now.set(10_000);
    for (int i = 0; i < 25; i++) {
      p.taskFinished(3, 0);
    }
    p.taskFinished(3, 1); // an attempt that is not running counts for nothing
    // 25 tasks in 10 s: 2.5 tasks/s; 75 left at that rate: 30 s.
    assertEquals("hallufloor-evidence: 25 of 100 tasks (25%), 2.5 tasks/s, about 0:00:30 left", p.line());
    p.stageStarted(4, 0, "hallufloor-tables", 20);
    now.set(20_000);
    // Side by side: 25 of 120 since 0 s, 1.25 tasks/s (printed half up), 95 left: 76 s.
    assertEquals("hallufloor-evidence + hallufloor-tables: 25 of 120 tasks (20%), 1.3 tasks/s, about 0:01:16 left",
        p.line());
    p.stageEnded(3, 0);
    p.stageEnded(4, 0);
    assertNull(p.line(), "both stages ended");
  }

  @Test
  void followsARealJobAndEndsWithIt() throws Exception {
    TaskProgress p = new TaskProgress(System::currentTimeMillis);
    spark().sparkContext().addSparkListener(p);
    List<String> lines = new CopyOnWriteArrayList<>();
    Runnable stop = p.every(100, lines::add);
    try {
      spark().sparkContext().setJobGroup("hallufloor-progress-test", "tasks that sleep", false);
      spark().range(0, 8, 1, 8).foreach((ForeachFunction<Long>) x -> Thread.sleep(400));
    } finally {
      stop.run();
      spark().sparkContext().clearJobGroup();
    }
    Assertions.assertTrue(lines.stream().anyMatch(l -> l.startsWith("hallufloor-progress-test: ") && l.contains(" of 8 tasks")),
        lines.toString());
    Assertions.assertTrue(lines.stream().anyMatch(l -> l.contains("left") && !l.contains("about ? left")),
        "a line with a time left once tasks finished: " + lines);
    long deadline = System.currentTimeMillis() + 10_000;
    while (p.line() != null && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    spark().sparkContext().removeSparkListener(p);
    assertNull(p.line(), "the stage is over once Spark says so");
  }

  @Test
  void aTerminalGetsOneRedrawnLineThatTheNextLineClears() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Progress progress = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
    try (Progress.Following f = progress.follow(spark().sparkContext(), 60_000, true)) {
      spark().range(0, 4, 1, 4).foreach((ForeachFunction<Long>) x -> Thread.sleep(1500));
      progress.note("after the job");
    }
    String text = bytes.toString(StandardCharsets.UTF_8);
    int redraw = text.indexOf("\r[hallufloor");
    Assertions.assertTrue(redraw >= 0 && text.indexOf(" of 4 tasks", redraw) > 0, "a redrawn line: " + text);
    Assertions.assertTrue(text.contains("\r\033[K[hallufloor"), "the note starts on a cleared line: " + text);
    Assertions.assertTrue(text.substring(0, text.indexOf("after the job")).indexOf('\n') < 0,
        "redrawing adds no line: " + text);
  }

  @Test
  void quietPrintsNothing() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Progress progress = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
    try (Progress.Following f = progress.follow(spark().sparkContext(), 1000, true)) {
      spark().range(0, 2, 1, 2).count();
      progress.note("hidden");
    }
    assertEquals("", bytes.toString(StandardCharsets.UTF_8));
  }
}
