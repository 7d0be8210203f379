package org.hallufloor.report;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import org.apache.spark.SparkContext;

/**
 * One line per stage with what was done, its rate and the elapsed time, and while Spark runs,
 * how far its tasks have got with the time left (TaskProgress): one updating line on a
 * terminal, a plain line every interval otherwise (logs, schedulers). Silent with --quiet.
 */
public final class Progress {
  /** How often a terminal's updating line is redrawn. */
  private static final long TERMINAL_MILLIS = 1000;

  private final PrintStream out;
  private final boolean enabled;
  private final Instant start = Instant.now();
  private Instant stageStart = start;
  /** Whether an updating line is on the terminal, to be cleared before the next printed line. */
  private boolean updating;

  public Progress(PrintStream out, boolean enabled) {
    this.out = out;
    this.enabled = enabled;
  }

  /** Stops following Spark's tasks. */
  public interface Following extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Follows Spark's tasks until closed: on a terminal, one line redrawn every second; otherwise
   * a line every {@code intervalMillis}.
   */
  public Following follow(SparkContext spark, long intervalMillis, boolean terminal) {
    if (!enabled) {
      return () -> {};
    }
    TaskProgress tasks = new TaskProgress(System::currentTimeMillis);
    spark.addSparkListener(tasks);
    Runnable stop = tasks.every(terminal ? TERMINAL_MILLIS : intervalMillis, terminal ? this::redraw : this::note);
    return () -> {
      stop.run();
      spark.removeSparkListener(tasks);
      synchronized (this) {
        clearUpdating();
      }
    };
  }

  private synchronized void redraw(String line) {
    out.printf(Locale.ROOT, "\r[hallufloor %8s]   %s\033[K", elapsed(start), line);
    out.flush();
    updating = true;
  }

  private void clearUpdating() {
    if (updating) {
      out.print("\r\033[K");
      updating = false;
    }
  }

  /** Marks the start of a stage, so the next {@link #done} reports its own rate. */
  public synchronized void begin(String stage) {
    stageStart = Instant.now();
    if (enabled) {
      clearUpdating();
      out.printf(Locale.ROOT, "[hallufloor %8s] %s ...%n", elapsed(start), stage);
    }
  }

  /** A line of detail under the last stage. */
  public synchronized void note(String line) {
    if (enabled) {
      clearUpdating();
      out.printf(Locale.ROOT, "[hallufloor %8s]   %s%n", elapsed(start), line);
    }
  }

  public synchronized void done(String stage, long units, String unitName) {
    if (!enabled) {
      return;
    }
    clearUpdating();
    double seconds = Math.max(1e-3, Duration.between(stageStart, Instant.now()).toMillis() / 1000.0);
    out.printf(Locale.ROOT, "[hallufloor %8s] %s: %,d %s in %.1f s (%,.0f %s/s)%n",
        elapsed(start), stage, units, unitName, seconds, units / seconds, unitName);
  }

  private static String elapsed(Instant since) {
    return TaskProgress.clock(Duration.between(since, Instant.now()).getSeconds());
  }
}
