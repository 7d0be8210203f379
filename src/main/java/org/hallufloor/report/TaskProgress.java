package org.hallufloor.report;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * How far the running Spark stages have got, from Spark's own events: finished and total
 * tasks, the rate since they began, and the time left at that rate. A 3-hour evidence stage
 * otherwise shows nothing between its start and end lines.
 *
 * <p>The listener only counts (Spark calls it on its event thread); {@link #line} reads the
 * counts when the printer asks. Stages are named by their job group, which is the THEORY step
 * that runs (hallufloor-evidence, hallufloor-jaccard-join, ...).
 */
public final class TaskProgress extends SparkListener {
  /** One submitted stage attempt: what it has to do and what it has done. */
  private static final class Stage {
    final String group;
    final int total;
    final long startedMillis;
    int finished;

    Stage(String group, int total, long startedMillis) {
      this.group = group;
      this.total = total;
      this.startedMillis = startedMillis;
    }
  }

  private final LongSupplier clock;
  private final Map<Long, Stage> active = new TreeMap<>();

  /** @param clock milliseconds, for the rate and the time left (a fixed clock in tests) */
  public TaskProgress(LongSupplier clock) {
    this.clock = clock;
  }

  private static long key(int stageId, int attempt) {
    return ((long) stageId << 16) | attempt;
  }

  @Override
  public synchronized void onStageSubmitted(SparkListenerStageSubmitted event) {
    String group = event.properties() == null ? null : event.properties().getProperty("spark.jobGroup.id");
    stageStarted(event.stageInfo().stageId(), event.stageInfo().attemptNumber(), group,
        event.stageInfo().numTasks());
  }

  @Override
  public synchronized void onTaskEnd(SparkListenerTaskEnd event) {
    // Failed or killed attempts are retried: only successes bring the stage closer to its end.
    if (event.taskInfo() != null && event.taskInfo().successful()) {
      taskFinished(event.stageId(), event.stageAttemptId());
    }
  }

  @Override
  public synchronized void onStageCompleted(SparkListenerStageCompleted event) {
    stageEnded(event.stageInfo().stageId(), event.stageInfo().attemptNumber());
  }

  synchronized void stageStarted(int stageId, int attempt, String group, int tasks) {
    active.put(key(stageId, attempt), new Stage(group == null ? "spark" : group, tasks, clock.getAsLong()));
  }

  synchronized void taskFinished(int stageId, int attempt) {
    Stage s = active.get(key(stageId, attempt));
    if (s != null) {
      s.finished++;
    }
  }

  synchronized void stageEnded(int stageId, int attempt) {
    active.remove(key(stageId, attempt));
  }

  /**
   * The running stages' progress, or null when none runs: tasks finished of all, summed over
   * the stages running side by side, the rate since the earliest began, and the time left at
   * that rate ("?" until a task has finished).
   */
  public synchronized String line() {
    if (active.isEmpty()) {
      return null;
    }
    long finished = 0;
    long total = 0;
    long since = Long.MAX_VALUE;
    java.util.Set<String> groups = new java.util.TreeSet<>();
    for (Stage s : active.values()) {
      finished += s.finished;
      total += s.total;
      since = Math.min(since, s.startedMillis);
      groups.add(s.group);
    }
    double seconds = Math.max(1e-3, (clock.getAsLong() - since) / 1000.0);
    double rate = finished / seconds;
    String left = finished == 0 ? "?" : clock((long) Math.ceil((total - finished) / rate));
    // Long tasks finish a few a minute: per second that would print 0.0.
    String pace = rate >= 1 ? String.format(Locale.ROOT, "%.1f tasks/s", rate)
        : String.format(Locale.ROOT, "%.1f tasks/min", rate * 60);
    return String.format(Locale.ROOT, "%s: %,d of %,d tasks (%d%%), %s, about %s left",
        String.join(" + ", groups), finished, total, total == 0 ? 100 : finished * 100 / total, pace, left);
  }

  static String clock(long seconds) {
    return String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, (seconds / 60) % 60, seconds % 60);
  }

  /** Hands {@link #line} to {@code print} every {@code periodMillis} while stages run, on a daemon thread. */
  public Runnable every(long periodMillis, Consumer<String> print) {
    java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
        r -> {
          Thread t = new Thread(r, "hallufloor-progress");
          t.setDaemon(true);
          return t;
        });
    timer.scheduleAtFixedRate(() -> {
      String line = line();
      if (line != null) {
        print.accept(line);
      }
    }, periodMillis, periodMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
    return timer::shutdownNow;
  }
}
