package org.hallufloor.report;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/** One line per stage with what was done, its rate and the elapsed time; silent with --quiet. */
public final class Progress {
  private final PrintStream out;
  private final boolean enabled;
  private final Instant start = Instant.now();
  private Instant stageStart = start;

  public Progress(PrintStream out, boolean enabled) {
    this.out = out;
    this.enabled = enabled;
  }

  /** Marks the start of a stage, so the next {@link #done} reports its own rate. */
  public void begin(String stage) {
    stageStart = Instant.now();
    if (enabled) {
      out.printf(Locale.ROOT, "[hallufloor %8s] %s ...%n", elapsed(start), stage);
    }
  }

  /** A line of detail under the last stage. */
  public void note(String line) {
    if (enabled) {
      out.printf(Locale.ROOT, "[hallufloor %8s]   %s%n", elapsed(start), line);
    }
  }

  public void done(String stage, long units, String unitName) {
    if (!enabled) {
      return;
    }
    double seconds = Math.max(1e-3, Duration.between(stageStart, Instant.now()).toMillis() / 1000.0);
    out.printf(Locale.ROOT, "[hallufloor %8s] %s: %,d %s in %.1f s (%,.0f %s/s)%n",
        elapsed(start), stage, units, unitName, seconds, units / seconds, unitName);
  }

  private static String elapsed(Instant since) {
    long s = Duration.between(since, Instant.now()).getSeconds();
    return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  }
}
