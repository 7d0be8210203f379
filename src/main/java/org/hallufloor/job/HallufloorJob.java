package org.hallufloor.job;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.hallufloor.config.Settings;
import org.hallufloor.config.SettingsException;
import org.hallufloor.config.SettingsLoader;
import org.hallufloor.corpus.BadInputException;
import org.hallufloor.output.PosixLocalFileSystem;

/**
 * Entry point: {@code [JOB.conf] [key=value ...] [--quiet]}. Parses arguments, loads and checks
 * settings (exit 2 before Spark starts), builds the session and runs. Exit codes: 0 success,
 * 2 bad configuration or arguments, 3 bad input the config says must fail the run, 1 else.
 */
public final class HallufloorJob {
  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int BAD_CONFIG = 2;
  public static final int BAD_INPUT = 3;

  /** Site settings: {@code $HALLUFLOOR_SITE_CONF}, else conf/application.conf under the working folder. */
  static final String SITE_ENV = "HALLUFLOOR_SITE_CONF";

  private HallufloorJob() {}

  public static void main(String[] args) {
    FatalErrors.install(System.err);
    int code;
    try {
      code = run(args, System.out, System.err);
    } catch (Error e) {
      FatalErrors.halt(e, "in the driver");
      return;
    }
    FatalErrors.exitingWith(code);
    // Always exit: a thread a library left running must not keep a finished run alive.
    System.exit(code);
  }

  /** Arguments as they came: the job file, overrides, flags. */
  record Arguments(Path jobFile, List<String> overrides, boolean quiet) {
    static Arguments parse(String[] args) {
      Path job = null;
      List<String> overrides = new ArrayList<>();
      List<String> problems = new ArrayList<>();
      boolean quiet = false;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a.equals("--quiet") || a.equals("-q")) {
          quiet = true;
        } else if (a.contains("=")) {
          overrides.add(a);
        } else if (i == 0 && !a.startsWith("-")) {
          job = Path.of(a);
        } else {
          problems.add("argument '" + a + "' is neither the job file (first argument), key=value, nor --quiet");
        }
      }
      if (!problems.isEmpty()) {
        throw new SettingsException(problems);
      }
      return new Arguments(job, overrides, quiet);
    }
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    Settings settings;
    Arguments arguments;
    try {
      arguments = Arguments.parse(args);
      settings = SettingsLoader.load(arguments.jobFile(), siteFile(), arguments.overrides());
      Preflight.check(settings);
    } catch (SettingsException e) {
      err.println("hallufloor: " + e.getMessage());
      err.println("usage: run-local.sh [JOB.conf] [key=value ...] [--quiet]");
      return BAD_CONFIG;
    }
    SparkSession spark = session(settings);
    FatalErrors.watchSparkExecutors();
    // An Error skips the stop: the caller ends the process, and a stop on a broken heap can hang.
    int code = execute(spark, settings, arguments.quiet(), out, err);
    spark.stop();
    return code;
  }

  /** Runs on a given session and maps the outcome to an exit code, naming the problem on {@code err}. */
  public static int execute(SparkSession spark, Settings settings, boolean quiet, PrintStream out, PrintStream err) {
    try {
      new HallufloorRun(spark, settings, out, quiet).run();
      return OK;
    } catch (Exception e) {
      // Spark's SparkException (a failed task) is checked, though nothing here declares it.
      if (e instanceof org.hallufloor.output.RunLock.HeldException held) {
        err.println("hallufloor: " + held.getMessage());
        return BAD_CONFIG;
      }
      BadInputException bad = badInput(e);
      if (bad != null) {
        err.println("hallufloor: bad input: " + bad.getMessage());
        return BAD_INPUT;
      }
      err.println("hallufloor: run " + settings.runId() + " failed: " + e);
      e.printStackTrace(err);
      return FAILED;
    }
  }

  static Path siteFile() {
    String env = System.getenv(SITE_ENV);
    Path p = env != null && !env.isEmpty() ? Path.of(env) : Path.of("conf", "application.conf");
    return Files.exists(p) ? p : null;
  }

  /** The spark.* settings as given; local[*] when neither they nor spark-submit name a master. */
  public static SparkSession session(Settings settings) {
    SparkSession.Builder builder = SparkSession.builder().appName("hallufloor " + settings.runId());
    if (!settings.spark().containsKey("spark.master") && System.getProperty("spark.master") == null) {
      builder.master("local[*]");
    }
    if (settings.progress()) {
      builder.config("spark.ui.showConsoleProgress", "false");
    }
    for (Map.Entry<String, String> e : sparkKeys(settings).entrySet()) {
      builder.config(e.getKey(), e.getValue());
    }
    return builder.getOrCreate();
  }

  /**
   * The spark.* keys a session gets: what a local master adds, then the settings' own (which may
   * name another file: implementation). Preflight's Hadoop checks use them too, since Hadoop keeps
   * a process's first file system of a scheme for every later use.
   */
  static Map<String, String> sparkKeys(Settings settings) {
    Map<String, String> keys = new java.util.LinkedHashMap<>();
    String master = settings.spark().getOrDefault("spark.master", System.getProperty("spark.master", "local[*]"));
    if (master.startsWith("local")) {
      keys.put("spark.hadoop." + PosixLocalFileSystem.KEY, PosixLocalFileSystem.class.getName());
    }
    keys.putAll(settings.spark());
    return keys;
  }

  private static BadInputException badInput(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BadInputException b) {
        return b;
      }
    }
    return null;
  }
}
