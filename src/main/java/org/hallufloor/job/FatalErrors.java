package org.hallufloor.job;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Makes every way out of the process a prompt one. A fatal error (out of memory, a stack
 * overflow, any {@link Error}) in any thread ends the process at once with exit 1 and one
 * line saying why: after it the heap or the thread that Spark's next step waits on is gone, so
 * stopping Spark cleanly could wait forever, and a scheduler would wait with it. An exit
 * started elsewhere (Spark's own, on an executor's fatal error) is given a bounded time for
 * its shutdown hooks, then the process halts.
 */
final class FatalErrors {
  /** How long shutdown hooks get before the process halts. */
  static final long SHUTDOWN_GRACE_MILLIS = 60_000;

  private static final AtomicBoolean INSTALLED = new AtomicBoolean();
  private static volatile int exitCode = HallufloorJob.FAILED;
  private static volatile PrintStream err = System.err;

  private FatalErrors() {}

  /** Once per process, before anything else runs. */
  static void install(PrintStream errors) {
    err = errors;
    if (!INSTALLED.compareAndSet(false, true)) {
      return;
    }
    Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
      if (e instanceof Error error) {
        halt(error, "in thread '" + thread.getName() + "'");
      } else {
        err.println("hallufloor: uncaught " + e + " in thread '" + thread.getName() + "'");
      }
    });
    // The hook only starts the timer: the JVM waits for its hooks, not for daemon threads.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      Thread watchdog = new Thread(() -> {
        try {
          Thread.sleep(SHUTDOWN_GRACE_MILLIS);
        } catch (InterruptedException e) {
          return;
        }
        err.println("hallufloor: shutdown did not finish within " + SHUTDOWN_GRACE_MILLIS / 1000 + " s; halting");
        Runtime.getRuntime().halt(exitCode);
      }, "hallufloor-shutdown-watchdog");
      watchdog.setDaemon(true);
      watchdog.start();
    }, "hallufloor-shutdown-timer"));
  }

  /** The logger Spark's executor handler reports a task's fatal error on, just before it calls System.exit. */
  static final String SPARK_HANDLER_LOGGER = "org.apache.spark.util.SparkUncaughtExceptionHandler";

  /**
   * In local mode a task's fatal error (out of memory in a task thread) never reaches the
   * default handler: Spark's executor hands it to its own handler, which logs it and exits with
   * code 52 after a stack trace, not exit 1 and a line. Its log event is the one moment the
   * process can see the error first, so an appender on that logger halts as the handler above
   * does. Called once the session exists: Spark may replace log4j's configuration as it starts.
   */
  static void watchSparkExecutors() {
    org.apache.logging.log4j.core.LoggerContext context =
        (org.apache.logging.log4j.core.LoggerContext) org.apache.logging.log4j.LogManager.getContext(false);
    org.apache.logging.log4j.core.config.Configuration config = context.getConfiguration();
    org.apache.logging.log4j.core.Appender appender = new org.apache.logging.log4j.core.appender.AbstractAppender(
        "hallufloor-fatal", null, null, true, org.apache.logging.log4j.core.config.Property.EMPTY_ARRAY) {
      @Override
      public void append(org.apache.logging.log4j.core.LogEvent event) {
        if (event.getThrown() instanceof Error error) {
          halt(error, "in thread '" + event.getThreadName() + "'");
        }
      }
    };
    appender.start();
    org.apache.logging.log4j.core.config.LoggerConfig logger = config.getLoggerConfig(SPARK_HANDLER_LOGGER);
    if (!logger.getName().equals(SPARK_HANDLER_LOGGER)) {
      // Its own entry, so a quiet level set for org.apache.spark (or the root) does not hide the event.
      logger = new org.apache.logging.log4j.core.config.LoggerConfig(SPARK_HANDLER_LOGGER,
          org.apache.logging.log4j.Level.ERROR, true);
      config.addLogger(SPARK_HANDLER_LOGGER, logger);
    }
    if (!logger.getLevel().isLessSpecificThan(org.apache.logging.log4j.Level.ERROR)) {
      logger.setLevel(org.apache.logging.log4j.Level.ERROR);
    }
    logger.addAppender(appender, org.apache.logging.log4j.Level.ERROR, null);
    context.updateLoggers();
  }

  /** The code the process ends with if its shutdown has to be cut short. */
  static void exitingWith(int code) {
    exitCode = code;
  }

  /** Set by the first thread to halt: two tasks out of memory at once printed two lines. */
  private static final AtomicBoolean HALTING = new AtomicBoolean();

  /** One line, then the process ends with exit 1 without running anything else. */
  static void halt(Throwable e, String where) {
    if (!HALTING.compareAndSet(false, true)) {
      // Another thread is printing its line and halting; this one waits for the end.
      while (true) {
        java.util.concurrent.locks.LockSupport.park();
      }
    }
    try {
      err.println("hallufloor: fatal " + describe(e) + " " + where + "; the run is abandoned (exit 1)");
      err.flush();
      // The line must stay the last: other threads keep running until the halt takes effect, and
      // Spark's scheduler, told of the failed task, logged "aborting job" after it (once in a
      // suite). Closed streams swallow what they are given.
      System.out.close();
      System.err.close();
    } finally {
      Runtime.getRuntime().halt(HallufloorJob.FAILED);
    }
  }

  static String describe(Throwable e) {
    if (e instanceof OutOfMemoryError) {
      return "out of memory (" + e.getMessage() + "): give the driver more (HALLUFLOOR_DRIVER_MEMORY, "
          + "spark.driver.memory) or the executors more (spark.executor.memory)";
    }
    return "error " + e;
  }
}
